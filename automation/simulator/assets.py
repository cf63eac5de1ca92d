"""Static files under /ui/ and NetSuite's image paths (tiny placeholders so no request 404s)."""

from __future__ import annotations

import base64
from pathlib import Path

from automation.simulator.web import Response

STATIC_DIR = Path(__file__).parent / "static"
_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=")


def is_asset(path: str) -> bool:
    return path.startswith(("/ui/", "/images/")) or path == "/favicon.ico"


def serve(path: str) -> Response:
    if path.startswith("/ui/"):
        name = path.removeprefix("/ui/")
        file = STATIC_DIR / name
        if "/" in name or name.startswith(".") or not file.is_file():
            return Response(404, b"not found", "text/plain")
        content_type = _TYPES.get(file.suffix, "application/octet-stream")
        return Response(200, file.read_bytes(), content_type, [("Cache-Control", "no-cache")])
    if path.endswith(".png"):
        return Response(200, _PNG, "image/png", [("Cache-Control", "max-age=3600")])
    if path.endswith(".gif"):
        return Response(200, _GIF, "image/gif", [("Cache-Control", "max-age=3600")])
    return Response(404, b"not found", "text/plain")
