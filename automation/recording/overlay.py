"""What a viewer of the video sees on top of NetSuite: a caption bar and a flash on the next target.

The caption lives in a closed shadow root, so the flow's locators (which pierce open shadow
roots and match text) can never find or click it, and ``pointer-events: none`` keeps it out of
Playwright's hit tests. It is re-created on every document by an init script, which asks the
recorder for the current text through an exposed binding, so a caption survives navigations,
including cross-origin ones. The highlight is a Web Animation that fades by itself: the run
never waits for it.
"""

from __future__ import annotations

import logging

from playwright.sync_api import BrowserContext, Locator, Page
from playwright.sync_api import Error as PlaywrightError

from automation.recording.masking import BOXES_JS

log = logging.getLogger("nsauto.recording")

BINDING = "__nsautoCaption"

CAPTION_SCRIPT = r"""
(() => {
  if (window.top !== window) return;  // frames share the top document's caption
  const host = document.createElement("nsauto-caption");
  const root = host.attachShadow({ mode: "closed" });
  root.innerHTML = `<style>
    .bar { position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483647; pointer-events: none;
      display: flex; gap: 14px; align-items: baseline; padding: 9px 18px;
      font: 600 17px/1.3 system-ui, "DejaVu Sans", sans-serif; color: #fff;
      background: rgba(20, 28, 40, .88); border-top: 3px solid #f39c12; }
    .bar[hidden] { display: none; }
    .stage { color: #f9c74f; white-space: nowrap; }
    .step { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-weight: 500; }
  </style><div class="bar" hidden><span class="stage"></span><span class="step"></span></div>`;
  const bar = root.querySelector(".bar");
  window.__nsautoSetCaption = (stage, step) => {
    root.querySelector(".stage").textContent = stage || "";
    root.querySelector(".step").textContent = step || "";
    bar.hidden = !(stage || step);
    mount();
  };
  const mount = () => {
    if (!host.isConnected && document.documentElement) document.documentElement.appendChild(host);
  };
  new MutationObserver(mount).observe(document, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", mount);
  mount();
  if (typeof window.__nsautoCaption === "function")
    window.__nsautoCaption().then((c) => c && window.__nsautoSetCaption(c[0], c[1])).catch(() => {});
})();
"""

# A fading outline and glow; the element is found by the same locator the step then clicks.
# The caption is set in the same call: every evaluate is one more action in the trace.
HIGHLIGHT_JS = """(el, [stage, step]) => {
  if (window.__nsautoSetCaption) window.__nsautoSetCaption(stage, step);
  const frames = [
    { outline: "4px solid rgba(243, 156, 18, 1)", outlineOffset: "3px",
      boxShadow: "0 0 0 8px rgba(243, 156, 18, .35)" },
    { outline: "4px solid rgba(243, 156, 18, 0)", outlineOffset: "3px",
      boxShadow: "0 0 0 8px rgba(243, 156, 18, 0)" },
  ];
  el.animate(frames, { duration: 900, easing: "ease-in" });
}"""

# Set the caption and, unless this document was already held, return the boxes of secret fields.
STEP_JS = (
    "([stage, step, selectors]) => { if (window.__nsautoSetCaption) window.__nsautoSetCaption(stage, step);"
    " return selectors.length && !window.__nsautoHeld ? (" + BOXES_JS + ")(selectors) : []; }"
)


class Caption:
    """The caption text for every page of one context."""

    def __init__(self) -> None:
        self.stage = ""
        self.step = ""

    def install(self, context: BrowserContext) -> None:
        context.expose_binding(BINDING, lambda source: [self.stage, self.step])
        context.add_init_script(CAPTION_SCRIPT)

    def show(self, page: Page | None, stage: str, step: str, secret_fields: list[str] | None = None) -> list[dict]:
        """Set the text and update the page now (a new document asks for it itself).

        With ``secret_fields`` (CSS selectors), also return the on-screen boxes of those fields
        if the page shows any and has not been held for the viewer yet.
        """
        self.stage, self.step = stage, step
        if page is None or page.is_closed():
            return []
        try:
            return page.evaluate(STEP_JS, [stage, step, secret_fields or []]) or []
        except PlaywrightError as exc:  # mid-navigation: the new document fetches the caption itself
            log.debug("caption not updated: %s", _first_line(exc))
            return []

    def highlight(self, locator: Locator, stage: str, step: str) -> None:
        """Flash the element about to be acted on and caption the action; never fails the step."""
        self.stage, self.step = stage, step
        try:
            locator.evaluate(HIGHLIGHT_JS, [stage, step], timeout=2_000)
        except PlaywrightError as exc:
            log.debug("no highlight: %s", _first_line(exc))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
