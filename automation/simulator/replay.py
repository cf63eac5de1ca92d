"""`--replay DIR`: serve a sanitized capture (`nsauto check --capture DIR`) at the paths it was read at.

A capture is a real account's pages, read-only. The replay logs in like the bundled simulator
(its login, 2FA and dashboard, with the demo user; docs/real-netsuite.md), then answers every
captured path with the captured page, to GET only: a POST gets 405, because nothing may change
a recorded page. A page the capture lacks is NetSuite's "page not found". The captured pages have
no scripts (the sanitizer drops them), so the simulator's own widget script is put back: it drives
dropdowns, subtabs and checkboxes from NetSuite's markup alone.

Standard library only, like the rest of the simulator: the index is read as plain JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from automation.simulator.app import App
from automation.simulator.sessions import COOKIE_NAME
from automation.simulator.web import Request, Response, redirect

INDEX = "capture.json"
LIVE_PREFIXES = ("/ui/", "/__sim/", "/app/login/", "/pages/", "/app/center/", "/services/", "/favicon")
"""Served by the bundled simulator: logging in, its assets, control and REST endpoints."""
WIDGETS = '<script src="/ui/ns.js"></script>'


class CaptureInvalid(ValueError):
    """DIR is not a capture (no readable capture.json, or a page file missing)."""


@dataclass(frozen=True)
class CapturedPage:
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes


def load(directory: str | Path) -> tuple[dict, list[CapturedPage]]:
    """The index and the pages of a capture directory."""
    root = Path(directory)
    try:
        index = json.loads((root / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaptureInvalid(f"{root} is not a capture: cannot read {INDEX} ({exc.__class__.__name__})") from exc
    pages = []
    for entry in index.get("pages", []):
        file = root / entry["file"]
        if root.resolve() not in file.resolve().parents:
            raise CaptureInvalid(f"{INDEX} names a file outside {root}: {entry['file']}")
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CaptureInvalid(f"{root}: page {entry['file']} is missing") from exc
        path, _, query = entry["url"].partition("?")
        pages.append(CapturedPage(path, tuple(parse_qsl(query, keep_blank_values=True)), _with_widgets(text)))
    return index, pages


def _with_widgets(text: str) -> bytes:
    head = text.find("</head>")
    if WIDGETS in text or head < 0:
        return text.encode()
    return (text[:head] + WIDGETS + text[head:]).encode()


class ReplayApp(App):
    """The bundled simulator for logging in; the capture for every page it holds."""

    def __init__(self, *args: object, directory: str | Path, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.index, self.pages = load(directory)
        self.directory = str(directory)

    def find(self, path: str, raw_query: str) -> CapturedPage | None:
        """The page captured at this path and query; else at this path with the same query keys; else the path."""
        query = tuple(parse_qsl(raw_query, keep_blank_values=True))
        same_path = [p for p in self.pages if p.path == path]
        for test in (
            lambda p: sorted(p.query) == sorted(query),
            lambda p: sorted(k for k, _ in p.query) == sorted(k for k, _ in query),
            lambda p: True,
        ):
            hit = next((p for p in reversed(same_path) if test(p)), None)
            if hit is not None:
                return hit
        return None

    def handle(self, req: Request) -> Response:
        if req.path == "/" or req.path.startswith(LIVE_PREFIXES):
            return super().handle(req)
        page = self.find(req.path, req.raw_query)
        session = self.sessions.get(req.cookies.get(COOKIE_NAME))
        if page is None and not req.path.startswith("/app/"):
            return super().handle(req)
        if session is None or not session.active:
            return redirect(self.login_redirect(req.target if req.method == "GET" else req.path))
        if req.method not in ("GET", "HEAD"):
            return Response(405, b"a replay is read-only", "text/plain", [("Allow", "GET")])
        if page is None:
            body = (
                "<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
                '<div class="uir-alert-box error"><div class="descr">Page not found. '
                "(This capture does not hold this page.)</div></div></body></html>"
            )
            return Response(404, body.encode())
        return Response(200, page.body)
