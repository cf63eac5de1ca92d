"""Request, response and per-request context: the small surface every page handler sees."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

if TYPE_CHECKING:
    from automation.simulator.app import App
    from automation.simulator.sessions import Session
    from automation.simulator.settings import Settings

MAX_BODY_BYTES = 1_000_000


@dataclass
class Request:
    method: str
    path: str
    raw_query: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @cached_property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.raw_query, keep_blank_values=True).items()}

    @property
    def target(self) -> str:
        """Path plus query, as the browser asked for it (used for login redirects)."""
        return self.path + (f"?{self.raw_query}" if self.raw_query else "")

    @cached_property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed cookie header just means no session
            return {}
        return {k: m.value for k, m in jar.items()}

    @cached_property
    def form(self) -> dict[str, str]:
        """POST fields (first value of each), URL-encoded or the text parts of multipart; else empty."""
        content_type = self.headers.get("content-type", "")
        if "multipart/form-data" in content_type:
            return self._multipart[0]
        if "application/x-www-form-urlencoded" not in content_type:
            return {}
        text = self.body.decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    @property
    def files(self) -> dict[str, tuple[str, bytes]]:
        """Uploaded files of a multipart POST: field name -> (file name, content)."""
        if "multipart/form-data" not in self.headers.get("content-type", ""):
            return {}
        return self._multipart[1]

    @cached_property
    def _multipart(self) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
        """A file upload (the M2M certificate) arrives as multipart/form-data; parsed with the email package."""
        from email.parser import BytesParser
        from email.policy import HTTP

        head = f"Content-Type: {self.headers.get('content-type', '')}\r\n\r\n".encode("latin-1", "replace")
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if not message.is_multipart():
            return fields, files
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str) or name in fields or name in files:
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload)
            else:
                fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        return fields, files

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def html(markup: str, status: int = 200) -> Response:
    return Response(status, markup.encode("utf-8"))


def redirect(location: str) -> Response:
    return Response(302, b"", headers=[("Location", location)])


def json_response(obj: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(status, json.dumps(obj).encode("utf-8"), content_type)


def safe_local_path(target: str | None, default: str) -> str:
    """Only same-site absolute paths may be redirect targets (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def qenc(value: str) -> str:
    return quote(value, safe="")


@dataclass
class Ctx:
    """What a page handler gets: the request, the app (store, settings) and the session if any."""

    req: Request
    app: App
    session: Session | None = None

    @property
    def settings(self) -> Settings:
        return self.app.settings.get()

    @property
    def form(self) -> dict[str, str]:
        return self.req.form

    @property
    def query(self) -> dict[str, str]:
        return self.req.query

    def record_id(self) -> int | None:
        """The `id` query parameter; None when absent (a new record), -1 when malformed (not found)."""
        if "id" not in self.query:
            return None
        raw = self.query["id"]
        return int(raw) if raw.lstrip("-").isdigit() else -1

    @property
    def editing(self) -> bool:
        return self.query.get("e") == "T"
