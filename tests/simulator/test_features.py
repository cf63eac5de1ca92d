"""Enable Features: H markup, the Terms of Service popup window and the server-side agreement check."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Dialog, Page, expect
from playwright.sync_api import Error as PlaywrightError

from automation.simulator.server import SimulatorHandle

from .conftest import field


def press(popup: Page, label: str) -> None:
    """Click a button that closes its window: the window may be gone before the click returns (playwright#26900)."""
    with contextlib.suppress(PlaywrightError):
        popup.click(f"input[value='{label}']")


TBA = "Token-Based Authentication"


def _open_suitecloud(page: Page, sim: SimulatorHandle) -> None:
    page.goto(sim.url + "/app/setup/features.nl?whence=")
    expect(page.locator("h1.uir-record-type")).to_have_text("Enable Features")
    page.click("#customtxt")
    expect(page.locator("#custom_div")).to_be_visible()


def test_suitecloud_markup_follows_reference(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    _open_suitecloud(page, sim)
    sections = page.locator("#custom_div .uir-field-group .fgroup_title").all_inner_texts()
    assert [s.strip().lower() for s in sections] == [
        s.lower()
        for s in [
            "SuiteBuilder",
            "SuiteScript",
            "SuiteFlow",
            "SuiteGL",
            "SuiteBundler",
            "SuiteTalk (Web Services)",
            "Manage Authentication",
            "SuiteCloud Development Framework",
        ]
    ]
    wrapper = field(page, TBA)
    expect(wrapper).to_have_attribute("data-field-type", "checkbox")
    fid = (wrapper.get_attribute("data-walkthrough") or "").removeprefix("Field:")
    expect(wrapper.locator(f"#{fid}_fs_lbl_uir_label > #{fid}_fs_lbl > a")).to_have_text(TBA)
    expect(wrapper.locator(f"span#{fid}_fs.checkbox_unck > input#{fid}_fs_inp[type=checkbox]")).to_have_count(1)
    expect(wrapper.locator(f"#{fid}_fs img.checkboximage")).to_have_count(1)
    assert page.locator("label[for]").count() == 0
    expect(page.locator("input#submitter[value=Save]")).to_have_count(1)
    expect(page.locator("#secondarysubmitter")).to_have_count(1)
    # SuiteAnalytics Workbook lives on Analytics, not SuiteCloud (H).
    expect(page.locator("#analytics_div").locator(field(page, "SuiteAnalytics Workbook"))).to_have_count(1)


def test_tos_popup_agree_then_save(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    _open_suitecloud(page, sim)
    box = field(page, TBA).locator("input[type=checkbox]")
    # "I Disagree" leaves the box unchecked.
    with page.expect_popup() as info:
        box.click()
    popup = info.value
    popup.wait_for_load_state()
    assert popup.title() == "NetSuiteSuiteCloud Terms Of Service"
    expect(box).not_to_be_checked()
    with popup.expect_event("close"):
        press(popup, "I Disagree")
    expect(box).not_to_be_checked()
    # "I Agree" checks it in the opener and closes the popup.
    with page.expect_popup() as info:
        box.click()
    popup = info.value
    with popup.expect_event("close"):
        press(popup, "I Agree")
    expect(box).to_be_checked()
    expect(field(page, TBA).locator("span.checkbox_ck")).to_have_count(1)
    page.click("#submitter")
    expect(page.locator("div#div__alert div.uir-alert-box.confirmation.session_confirmation_alert")).to_be_visible()
    assert sim.state()["features"][TBA] is True
    # Unchecking needs no popup.
    page.click("#customtxt")
    field(page, TBA).locator("input[type=checkbox]").click()
    expect(field(page, TBA).locator("input[type=checkbox]")).not_to_be_checked()
    page.click("#secondarysubmitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    assert sim.state()["features"][TBA] is False


def test_server_refuses_tos_feature_without_agreement(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    _open_suitecloud(page, sim)
    # Bypass the popup by forcing the input on, as a careless script might.
    field(page, "REST Web Services").locator("input[type=checkbox]").evaluate("el => { el.checked = true; }")
    page.click("#submitter")
    expect(page.locator("div.uir-alert-box.error")).to_have_text(
        re.compile(r"You must agree to the SuiteCloud Terms of Service to enable: REST Web Services$")
    )
    assert sim.state()["features"]["REST Web Services"] is False


def test_feature_without_tos_saves_directly(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    _open_suitecloud(page, sim)
    field(page, "SOAP Web Services").locator("span.checkbox_unck").click()  # clicking the span works too
    expect(field(page, "SOAP Web Services").locator("input[type=checkbox]")).to_be_checked()
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    assert sim.state()["features"]["SOAP Web Services"] is True


TOS_POPUP = ["unticked_until_agree", "ticked_at_once", "ticked_late"]


@pytest.mark.parametrize("confirm", ["none", "confirm"])
@pytest.mark.parametrize("look", TOS_POPUP)
def test_tos_popup_dials(admin_page: Page, sim: SimulatorHandle, look: str, confirm: str) -> None:
    """The box's look and the window's timing follow the dials; the window (after a confirm) is what counts."""
    page = admin_page
    sim.settings(dials={"tos_popup": look, "tos_confirm": confirm})
    dialogs: list[str] = []

    def on_dialog(d: Dialog) -> None:
        dialogs.append(d.type)
        d.accept()

    page.on("dialog", on_dialog)
    _open_suitecloud(page, sim)
    box = field(page, TBA).locator("input[type=checkbox]")
    with page.expect_popup(timeout=5000) as info:
        box.click()
        # Before the window: the box's look is the dial's (a late window is not there yet).
        if look != "unticked_until_agree":
            expect(box).to_be_checked()
    popup = info.value
    assert dialogs == (["confirm"] if confirm == "confirm" else [])
    with popup.expect_event("close"):
        press(popup, "I Agree")
    expect(box).to_be_checked()
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_be_visible()
    assert sim.state()["features"][TBA] is True


@pytest.mark.parametrize("look", TOS_POPUP)
def test_closing_the_terms_window_unticks_and_save_is_refused_without_agreement(
    admin_page: Page, sim: SimulatorHandle, look: str
) -> None:
    page = admin_page
    sim.settings(dials={"tos_popup": look})
    _open_suitecloud(page, sim)
    box = field(page, TBA).locator("input[type=checkbox]")
    with page.expect_popup(timeout=5000) as info:
        box.click()
    info.value.close()  # closed without I Agree (or I Disagree)
    expect(box).not_to_be_checked()
    if look == "unticked_until_agree":
        return
    # Ticked at once, saved before the window was answered: refused, naming the feature.
    box.click()
    expect(box).to_be_checked()
    page.click("#submitter")
    expect(page.locator("div.uir-alert-box.error")).to_have_text(
        re.compile(r"You must agree to the SuiteCloud Terms of Service to enable: Token-Based Authentication$")
    )
    assert sim.state()["features"][TBA] is False


def test_cancelling_the_confirm_unticks_and_opens_no_window(admin_page: Page, sim: SimulatorHandle) -> None:
    page = admin_page
    sim.settings(dials={"tos_popup": "ticked_at_once", "tos_confirm": "confirm"})
    _open_suitecloud(page, sim)
    page.once("dialog", lambda d: d.dismiss())
    box = field(page, TBA).locator("input[type=checkbox]")
    box.click()
    expect(box).not_to_be_checked()
    assert len(page.context.pages) == 1  # no window


@pytest.mark.parametrize("after", ["reload", "whence"])
def test_features_after_save(admin_page: Page, sim: SimulatorHandle, after: str) -> None:
    page = admin_page
    sim.settings(dials={"features_after_save": after})
    _open_suitecloud(page, sim)
    field(page, "SOAP Web Services").locator("input[type=checkbox]").click()
    page.click("#submitter")
    expect(page.locator("div.session_confirmation_alert")).to_have_text(re.compile("Your changes have been saved"))
    title = "Enable Features" if after == "reload" else "Home"
    expect(page.locator("h1.uir-record-type")).to_have_text(title)
