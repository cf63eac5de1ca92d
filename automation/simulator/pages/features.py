"""Setup > Company > Enable Features (`/app/setup/features.nl`) and the SuiteCloud Terms of Service popup.

H: title "Enable Features", SuiteCloud subtab `#customtxt`, its section order, `#submitter` /
`#secondarysubmitter`, and the Terms of Service as a separate window titled
"NetSuiteSuiteCloud Terms Of Service" with "I Agree". The popup hands a server-signed agreement
back to the opener, and the server refuses to switch such a feature on without it.

Dials (`dials.py`): ``tos_popup`` (whether the box shows ticked before I Agree, and whether the
window opens with the click or 0.3-2 s later), ``tos_confirm`` (a native confirm() first; Cancel
unticks and opens nothing), ``features_after_save`` (reload, or back to the dashboard). Closing
the window without I Agree unticks the box in every case.
"""

from __future__ import annotations

import hmac

from automation.simulator.app import Route
from automation.simulator.catalog import FEATURE_TABS, FEATURES
from automation.simulator.dials import delay_ms, dial
from automation.simulator.layout import bare_document
from automation.simulator.markup import (
    Fields,
    Markup,
    Tab,
    button,
    button_bar,
    error_box,
    field_group,
    flashes,
    main_form,
    page_title,
    save_buttons,
    subtabs,
    tag,
    void,
)
from automation.simulator.pages.common import flag, not_found_page, render
from automation.simulator.web import Ctx, Response, html, redirect

URL = "/app/setup/features.nl"
TOS_URL = "/app/setup/suitecloudterms.nl"
TOS_TITLE = "NetSuiteSuiteCloud Terms Of Service"
SAVED = "Your changes have been saved."
DASHBOARD = "/app/center/card.nl?sc=-29&whence="
TOS_CONFIRM = "This feature requires you to accept the SuiteCloud Terms of Service. Continue?"
TOS_REFUSED = "You must agree to the SuiteCloud Terms of Service to enable: "


def _agreement(ctx: Ctx, fid: str) -> str:
    assert ctx.session is not None
    return ctx.app.sign(f"tos:{ctx.session.sid}:{fid}")


def _form(ctx: Ctx, enabled: dict[str, bool], error: str = "") -> Response:
    assert ctx.session is not None
    fields = Fields(editable=True)
    tabs = [
        Tab(
            tab.tab_id,
            tab.label,
            Markup(
                "".join(
                    field_group(
                        section.label,
                        *(fields.checkbox(f.fid, f.label, enabled[f.fid]) for f in section.features),
                    )
                    for section in tab.sections
                )
            ),
        )
        for tab in FEATURE_TABS
    ]
    agreements = [
        void("input", type="hidden", name=f"tosagree_{f.fid}", id=f"tosagree_{f.fid}", value="")
        for f in FEATURES.values()
        if f.needs_tos
    ]
    form = main_form(
        ctx.session.csrf,
        save_buttons(bottom=False),
        subtabs(tabs),
        *agreements,
        save_buttons(bottom=True),
        action=f"{URL}?whence=",
    )
    body = tag(
        "div",
        page_title("Enable Features"),
        flashes(ctx.session.take_flashes()),
        error_box(error) if error else "",
        form,
    )
    tos = [f.fid for f in FEATURES.values() if f.needs_tos]
    look = dial(ctx, "tos_popup")
    page_data = {
        "page": "features",
        "tos_features": tos,
        "tos_url": f"{TOS_URL}?feature=",
        "tos_ticked_at_once": look != "unticked_until_agree",
        "tos_delays": {fid: delay_ms(ctx, "tos_popup", 300, 2000) if look == "ticked_late" else 0 for fid in tos},
        "tos_confirm": TOS_CONFIRM if dial(ctx, "tos_confirm") == "confirm" else "",
    }
    return render(ctx, "Enable Features", body, page_data)


def features_page(ctx: Ctx) -> Response:
    current = ctx.app.store.features()
    if ctx.req.method == "GET":
        return _form(ctx, current)
    posted = {fid: flag(ctx.form, fid) for fid in FEATURES}
    refused = [
        FEATURES[fid].label
        for fid, on in posted.items()
        if on
        and not current.get(fid)
        and FEATURES[fid].needs_tos
        and not hmac.compare_digest(ctx.form.get(f"tosagree_{fid}", ""), _agreement(ctx, fid))
    ]
    if refused:  # nothing is saved: the page shows the stored state again, with the error
        return _form(ctx, current, TOS_REFUSED + ", ".join(refused))
    ctx.app.store.set_features(posted)
    assert ctx.session is not None
    ctx.session.flash(SAVED)
    return redirect(DASHBOARD if dial(ctx, "features_after_save") == "whence" else f"{URL}?whence=")


TERMS_TEXT = (
    "These SuiteCloud Terms of Service govern your use of SuiteCloud features, including SuiteScript, "
    "SuiteTalk web services and token-based authentication, in this simulated account.",
    "By clicking I Agree you accept these terms on behalf of your company. This is a local NetSuite "
    "simulator: nothing is sent anywhere.",
)


def terms_popup(ctx: Ctx) -> Response:
    fid = ctx.query.get("feature", "")
    feature = FEATURES.get(fid)
    if feature is None or not feature.needs_tos:
        return not_found_page(ctx)
    body = tag(
        "div",
        tag("h1", "SuiteCloud Terms of Service", class_="uir-record-type"),
        tag("p", f"Feature: {feature.label}", class_="tos-feature"),
        *(tag("p", text) for text in TERMS_TEXT),
        button_bar(button("agree", "I Agree"), button("disagree", "I Disagree")),
        id="div__body",
        class_="uir-body tos-popup",
    )
    data = {"page": "suitecloudterms", "feature": fid, "token": _agreement(ctx, fid)}
    return html(bare_document(TOS_TITLE, body, data))


ROUTES = [
    Route(URL, features_page, ("GET", "POST")),
    Route(TOS_URL, terms_popup),
]
