"""The title card before a recorded run and the summary card after it (plain HTML strings).

A video without them starts on a blank login page and stops mid-screen; the cards say what the
viewer is about to see and what came of it. The summary names where the secrets went (keyring
service and item names), never their values; every text passes the redactor anyway.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from automation.engine.events import RunResult
from automation.secrets.redact import redactor

_STYLE = """
  html, body { margin: 0; height: 100%; }
  body { display: flex; align-items: center; justify-content: center;
    font: 18px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #eef2f7;
    background: linear-gradient(135deg, #14202e 0%, #1f3b57 60%, #24577a 100%); }
  .card { width: 900px; }
  .kicker { color: #f9c74f; letter-spacing: .12em; text-transform: uppercase; font-size: 15px; }
  h1 { font-size: 40px; margin: 6px 0 18px; }
  .meta { color: #b8c7d9; margin-bottom: 20px; }
  ol, ul { margin: 0; padding-left: 26px; }
  li { margin: 4px 0; }
  .ok { color: #8fd694; } .changed { color: #f9c74f; } .failed { color: #ff7b7b; }
  .box { margin-top: 22px; padding: 14px 18px; border-left: 4px solid #f39c12;
    background: rgba(255, 255, 255, .07); }
  code { font-family: "DejaVu Sans Mono", monospace; font-size: 16px; color: #fff; }
"""


def _t(text: object) -> str:
    return html.escape(redactor.redact(str(text)))


def _page(kicker: str, heading: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>nsauto</title>"
        f"<style>{_STYLE}</style></head><body><div class='card'>"
        f"<div class='kicker'>{_t(kicker)}</div><h1>{_t(heading)}</h1>{body}</div></body></html>"
    )


def title_card(
    flow_name: str,
    account: str,
    account_id: str,
    target: str,
    mode: str,
    when: str,
    stages: Sequence[tuple[str, str]],
) -> str:
    """Who, where, when, and the stages that will run (name and title)."""
    items = "".join(f"<li><b>{_t(title)}</b> <span class='meta'>({_t(name)})</span></li>" for name, title in stages)
    body = (
        f"<div class='meta'>account <b>{_t(account)}</b> ({_t(account_id)}) · {_t(target)}<br>"
        f"{_t(when)} · nsauto {_t(mode)}</div>"
        f"<div>What happens, stage by stage:</div><ol>{items}</ol>"
        "<div class='box'>One-time secrets (consumer key/secret, token id/secret), passwords and "
        "two-factor codes are masked in this recording before they are drawn.</div>"
    )
    return _page("nsauto recorded run", flow_name, body)


def summary_card(result: RunResult, when: str) -> str:
    """How it ended, what changed per stage, and where the secrets are now."""
    rows = []
    for stage in result.stages:
        changed = sum(1 for step in stage.steps if step.status in ("changed", "would-change"))
        what = f"{changed} change{'s' if changed != 1 else ''}" if changed else "already as wanted"
        rows.append(
            f"<li><span class='{_t(stage.status)}'>{_t(stage.status)}</span> "
            f"<b>{_t(stage.title)}</b>: {_t(what)} <span class='meta'>({stage.seconds:.1f} s)</span></li>"
        )
    if result.ok:
        heading = f"Done in {result.seconds:.1f} s"
        outcome = ""
    else:
        heading = "The run stopped"
        outcome = f"<div class='box failed'>{_t(result.error or '')}</div>"
    if result.stored_secrets:
        names = ", ".join(f"<code>{_t(n)}</code>" for n in result.stored_secrets)
        secrets = (
            f"<div class='box'>Stored in the OS keyring, service <code>{_t(result.service)}</code>: {names}."
            f"<br>Read one with <code>keyring get {_t(result.service)} {_t(result.stored_secrets[0])}</code>."
            " The values were never shown.</div>"
        )
    else:
        secrets = f"<div class='box'>No new secrets this run (keyring service <code>{_t(result.service)}</code>).</div>"
    body = (
        f"<div class='meta'>account <b>{_t(result.account)}</b> ({_t(result.account_id)}) · {_t(when)}</div>"
        f"<ul>{''.join(rows)}</ul>{outcome}{secrets}"
    )
    return _page("nsauto summary", heading, body)
