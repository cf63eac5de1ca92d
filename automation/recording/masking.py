"""Which parts of a page hold secrets, and the init script that hides them before they render.

A recording (video frames, trace screencast, report screenshots) is only safe if the secret is
never painted. So the mask is not applied after the fact: a script injected at document start
adds a constructed style sheet (no DOM node, so ``textContent`` and the flow's readers see the
page unchanged) and a MutationObserver that marks value elements next to label text as soon as
the parser inserts them, before the first paint. Reading the values for the keyring works from
the DOM, whatever they look like on screen.
"""

from __future__ import annotations

import json

from playwright.sync_api import Locator, Page

from automation.engine import model as m
from automation.engine.loader import Flow
from automation.netsuite.login import CODE_INPUT

MASK_ATTR = "data-nsauto-mask"
"""Set on value elements found through their label text (markup without a field wrapper)."""


def secret_labels(flow: Flow) -> list[str]:
    """The labels the flow's capture steps read secrets from, e.g. ``TOKEN SECRET``."""
    labels: list[str] = []
    for stage in flow.stages:
        for step in stage.steps:
            if isinstance(step, m.Capture):
                labels.extend(label for label in step.capture.secrets.values() if label not in labels)
    return labels


def _css_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid CSS string for these labels


def secret_field_selectors(labels: list[str]) -> list[str]:
    """CSS for the value part of the fields the capture steps read."""
    selectors = [f"[{MASK_ATTR}]"]
    for label in labels:
        wrapper = f"div.uir-field-wrapper[data-nsps-label={_css_string(label)}]"
        selectors += [f"{wrapper} .uir-field", f"{wrapper} input", f"{wrapper} textarea"]
    return selectors


def secret_selectors(labels: list[str]) -> list[str]:
    """Everything masked: the secret fields, plus inputs that always hold secrets (password, 2FA)."""
    inputs = ["input[type=password]", *(s.strip() for s in CODE_INPUT.split(","))]
    return [*secret_field_selectors(labels), *inputs]


def mask_locators(page: Page, labels: list[str]) -> list[Locator]:
    """For ``page.screenshot(mask=...)``: the same regions the init script hides."""
    return [page.locator(selector) for selector in secret_selectors(labels)]


_MASK_JS = r"""
((labels, selectors, attr) => {
  const norm = (s) => s.replace(/\s+/g, " ").trim().replace(/\s*[*:]\s*$/, "").toUpperCase();
  const wanted = new Set(labels.map(norm));
  const css = selectors.join(",\n") + ` {
    color: transparent !important; -webkit-text-fill-color: transparent !important;
    text-shadow: none !important; caret-color: transparent !important;
    background: #2f3640 !important; background-image: none !important;
    border-color: #2f3640 !important; user-select: none !important; }`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch (e) { /* very old engines: the observer's inline marks still apply */ }

  const markElement = (el) => {
    if (el && el.nodeType === 1 && !el.hasAttribute(attr)) el.setAttribute(attr, "");
  };
  const markFollowing = (start) => {
    let marked = false;
    for (let n = start.nextSibling; n; n = n.nextSibling) {
      if (n.nodeType === 1) { markElement(n); marked = true; }
      else if (n.nodeType === 3 && n.textContent.trim()) {
        const span = document.createElement("span");  // same textContent, now styleable
        span.setAttribute(attr, "");
        n.replaceWith(span); span.appendChild(n); n = span; marked = true;
      }
    }
    return marked;
  };
  // A text node whose text is a secret label: mark what follows its label element.
  const fromLabelText = (text) => {
    let unit = text.parentElement;
    if (!unit || !wanted.has(norm(text.textContent))) return;
    while (unit.parentElement && norm(unit.parentElement.textContent) === norm(text.textContent))
      unit = unit.parentElement;
    if (unit.closest("th, thead")) return;  // a column header: its values are below, not beside it
    if (unit.tagName === "LABEL" && unit.htmlFor) markElement(document.getElementById(unit.htmlFor));
    for (let at = unit, depth = 0; at && depth < 3; at = at.parentElement, depth++) {
      if (markFollowing(at)) return;
    }
  };
  const scan = (root) => {
    if (!root) return;
    if (root.nodeType === 3) { fromLabelText(root); return; }
    if (root.nodeType !== 1 && root.nodeType !== 9 && root.nodeType !== 11) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) fromLabelText(t);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "characterData") scan(r.target);
      else r.addedNodes.forEach(scan);
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
  scan(document);
})
"""


def mask_script(labels: list[str]) -> str:
    """The init script (``context.add_init_script``) that hides secrets from document start."""
    args = ", ".join(json.dumps(a) for a in (labels, secret_selectors(labels), MASK_ATTR))
    return f"{_MASK_JS}({args});"


# The on-screen boxes of visible secret values (login inputs left out) and of their labels:
# the timeline keeps them so a test can check those pixels of the video.
BOXES_JS = """(selectors) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height }; };
  const sized = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const found = [...document.querySelectorAll(selectors.join(","))].filter(sized);
  if (!found.length) return [];
  found[0].scrollIntoView({ block: "center" });  // the viewer should see where the secrets are
  return found.map((el) => {
    const wrapper = el.closest("div.uir-field-wrapper[data-nsps-label]");
    const label = wrapper ? wrapper.querySelector("[data-nsps-type='field_label'], .uir-label") : null;
    let control = null;
    if (label && sized(label)) {  // the text itself, not the label's full-width block
      const range = document.createRange();
      range.selectNodeContents(label);
      control = box(range);
    }
    return { label: wrapper ? wrapper.getAttribute("data-nsps-label") : "", mask: box(el), control };
  });
}"""
