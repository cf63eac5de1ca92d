"""The SuiteCloud Terms of Service windows of Enable Features: the window opening decides, never the box.

NetSuite opens the terms in a popup window when a feature that brings them is ticked (H); the page
is refused on Save until "I Agree" was clicked there. What the box shows before the agreement, and
how long after the click the window opens, are not known (the ``tos_popup`` dial: ticked at once,
window 0.3-2 s later). So:

* a feature known to bring the terms (``netsuite.features.brings_terms``): the step waits for the
  ``popup`` event after its click (the step's timeout bounds it), whatever the box shows, agrees,
  then waits for the box to read ticked;
* any other feature costs no wait for a window, but a :class:`TermsWatch` listens on the page for
  the whole stage and agrees to a window that opens anyway (in Playwright's handler greenlet);
* a save NetSuite refuses naming the terms (``features.terms_refused``) is healed: the watch learns
  those features bring terms, the stage's ticks are made again waiting for their windows, and the
  page is saved again, once per newly named feature (engine/steps.py ``step_save``).
* a window cannot be told apart from another feature's: when a late window of a feature not known to
  bring terms arrives while the next feature waits for its own, it is taken for that one, whose own
  window then comes after the Save and the refusal names it. So in the healing round the features
  ticked without a wait before are *suspects*: each waits for a window too, bounded by
  ``SUSPECT_WAIT_MS`` (the only bounded wait, and only after NetSuite refused a save).
* in the healing round every tick's wait is so bounded: a window that opened during the refused
  Save answers to the new page, so a box may come back ticked *and* agreed, and then no window
  opens again. At most ``HEAL_ROUNDS`` rounds: NetSuite's refusal, not a guess, says what is left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from automation.engine.session import Session
from automation.errors import StepFailed
from automation.netsuite import features, ui

log = logging.getLogger("nsauto.terms")

SUSPECT_WAIT_MS = 5000.0  # a window in the healing round; NetSuite's delay is not documented
HEAL_ROUNDS = 3


@dataclass
class TermsWatch:
    """One page's terms windows during one stage (kept in ``Session.record.terms``)."""

    session: Session
    agree: str
    page: Page
    claimed: bool = False  # a step waits for the next window itself: the listener leaves it alone
    learned: set[str] = field(default_factory=set)  # features a refused save named
    unwaited: set[str] = field(default_factory=set)  # features ticked without waiting for a window
    suspects: set[str] = field(default_factory=set)  # of those, the ones the healing round waits for
    heal_rounds: int = 0  # saves refused for the terms and ticked again; > 0 while healing
    windowed: set[str] = field(default_factory=set)  # features whose own wait got a window
    ticks: list[tuple[Any, bool]] = field(default_factory=list)  # (field spec, wanted) of the stage's checks
    errors: list[str] = field(default_factory=list)
    windows: int = 0  # windows agreed to by the listener (events and tests read it)
    seen: list[Page] = field(default_factory=list)  # every window that opened on the page meanwhile

    def close_stale(self) -> None:
        """Close the windows left open (an unanswered one holds its feature's window name)."""
        for popup in self.seen:
            try:
                if not popup.is_closed():
                    popup.close()
            except PlaywrightError:
                pass
        self.seen.clear()

    def __post_init__(self) -> None:
        self.page.on("popup", self._on_popup)

    def brings_terms(self, field_: ui.Field) -> bool:
        names = {field_.label, field_.matched or field_.label}
        return any(features.brings_terms(n) or n in self.learned for n in names)

    def suspected(self, field_: ui.Field) -> bool:
        return bool({field_.label, field_.matched or field_.label} & self.suspects)

    def learn(self, named: list[str]) -> bool:
        """A refusal named these features: they bring terms; every other unwaited tick is a suspect.

        False when the rounds are used up (the refusal then stands).
        """
        if self.heal_rounds >= HEAL_ROUNDS:
            return False
        self.heal_rounds += 1
        self.learned.update(named)
        if set(named) & self.windowed:  # a named feature did get a window: another feature's, ticked before it
            self.suspects |= self.unwaited - self.learned
        self.unwaited = set()
        return True

    def _current(self) -> bool:
        """A watch of an earlier stage (or an earlier `open`) stays registered but does nothing."""
        return self.session.record.terms is self and self.session.page is self.page

    def _on_popup(self, popup: Page) -> None:
        if not self._current():
            return
        self.seen.append(popup)
        if self.claimed:
            return
        try:
            agree_in(popup, self.agree, self.session.timeout_ms)
            self.windows += 1
            log.info("agreed to a terms window that opened on its own")
        except Exception as exc:  # reported by the step that waits for the box
            self.errors.append(_first_line(str(getattr(exc, "message", exc))))

    def click_for_window(self, click: Callable[[], None], label: str, bound_ms: float | None = None) -> Page | None:
        """Click, then wait for the terms window this click opens (the event, not the box, decides).

        With ``bound_ms`` (a suspect) no window within it is an answer too: None.
        """
        self.claimed = True
        try:
            with self.page.expect_popup(timeout=bound_ms or self.session.timeout_ms) as info:
                click()
            return info.value
        except PlaywrightTimeout:
            if bound_ms:
                return None
            raise StepFailed(
                f"ticking '{label}' opened no SuiteCloud Terms of Service window "
                f"within {self.session.timeout_ms / 1000:.0f} s",
                "NetSuite opens the terms in a popup window: check that popups are not blocked, or tick it by hand",
            ) from None
        finally:
            self.claimed = False


def watch(s: Session, agree: str) -> TermsWatch:
    """The watch of this page and stage, made on the first check that may meet the terms."""
    current = s.record.terms
    if isinstance(current, TermsWatch) and current.page is s.page and current.agree == agree:
        return current
    s.record.terms = TermsWatch(s, agree, s.page)
    return s.record.terms


def agree_in(popup: Page, agree: str, timeout_ms: float) -> None:
    """Click ``agree`` in the terms window; a window that closes under the click is what NetSuite does."""
    popup.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
    from automation.netsuite.login import is_logged_in_url

    if not is_logged_in_url(popup.url):
        from automation.engine.recovery import SessionLost

        raise SessionLost(f"the popup '{agree}' opened NetSuite's login page: the session ended")
    button = ui.button(popup, agree)
    try:
        button.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise StepFailed(f"the popup '{popup.title()}' has no '{agree}' button") from None
    if popup.is_closed():
        return
    try:
        with popup.expect_event("close", timeout=timeout_ms):
            button.click(timeout=timeout_ms)
    except PlaywrightTimeout:
        pass  # some pages leave the window open; the checkbox state is what counts
    except PlaywrightError:
        if not popup.is_closed():
            raise  # else the window closed under the click, as it should (playwright#26900)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
