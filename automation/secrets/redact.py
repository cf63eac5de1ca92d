"""One process-wide registry of secret values, and the redaction every writer applies.

Secrets reach output in more shapes than their plain form: a consumer secret shows up
URL-encoded in a logged request, JSON-escaped in a report, base64-encoded in a header. So each
registered value is stored together with its common encodings, and redaction replaces any of
them with ``[secret:<name>]``. Writers (console, log files, reports, journal, exception
messages) all go through the one module-level ``redactor``, so registering a value once, where
it enters the process, protects every output.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from urllib.parse import quote, quote_plus

MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words and numbers


def _encodings(value: str) -> set[str]:
    """The forms in which ``value`` commonly appears in logs, URLs, JSON and HTML."""
    raw = value.encode("utf-8")
    forms = {
        value,
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
        html.escape(value, quote=False),
    }
    for encoder in (base64.b64encode, base64.urlsafe_b64encode):
        padded = encoder(raw).decode("ascii")
        forms.add(padded)
        forms.add(padded.rstrip("="))
    # Too-short encodings (never the case for >=4 chars, but cheap to guard) would over-redact.
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Redactor:
    """A thread-safe set of secret values (with their encodings), each tagged with a name.

    The first name registered for a value wins, so a value seen again under another name keeps
    a stable tag in every output.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: dict[str, str] = {}  # encoded form -> name
        self._names: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._bytes_pattern: re.Pattern[bytes] | None = None

    def add(self, value: str, name: str) -> None:
        """Register ``value`` (and its encodings) so it is replaced by ``[secret:<name>]``."""
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            changed = False
            for form in _encodings(value):
                if form not in self._forms:
                    self._forms[form] = name
                    changed = True
            self._names.add(name)
            if changed:
                self._pattern = None
                self._bytes_pattern = None

    def _compiled(self) -> tuple[re.Pattern[str] | None, re.Pattern[bytes] | None, dict[str, str]]:
        with self._lock:
            if self._pattern is None and self._forms:
                # Longest first so a value that contains another is replaced whole.
                ordered = sorted(self._forms, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(form) for form in ordered))
                self._bytes_pattern = re.compile(b"|".join(re.escape(form.encode("utf-8")) for form in ordered))
            return self._pattern, self._bytes_pattern, self._forms

    def redact(self, text: str) -> str:
        """Return ``text`` with every registered form replaced by ``[secret:<name>]``."""
        pattern, _, forms = self._compiled()
        if pattern is None or not text:
            return text
        return pattern.sub(lambda match: f"[secret:{forms[match.group(0)]}]", text)

    def redact_bytes(self, data: bytes) -> bytes:
        """Byte-level ``redact`` for files and subprocess output that may not be valid UTF-8."""
        _, pattern, forms = self._compiled()
        if pattern is None or not data:
            return data
        return pattern.sub(lambda match: f"[secret:{forms[match.group(0).decode('utf-8')]}]".encode(), data)

    def values(self) -> list[str]:
        """Every registered form, longest first: what a leak scanner should look for."""
        with self._lock:
            return sorted(self._forms, key=len, reverse=True)

    @property
    def names(self) -> list[str]:
        """The names registered so far, sorted (for diagnostics; names are not secret)."""
        with self._lock:
            return sorted(self._names)

    def contains_secret(self, text: str) -> bool:
        """True if ``text`` holds any registered form (a cheap guard before writing facts)."""
        pattern, _, _ = self._compiled()
        return pattern is not None and pattern.search(text) is not None

    def clear(self) -> None:
        """Forget everything. Only for tests: a real run keeps its secrets registered to the end."""
        with self._lock:
            self._forms.clear()
            self._names.clear()
            self._pattern = None
            self._bytes_pattern = None


redactor = Redactor()


def secret(value: str, name: str) -> str:
    """Register ``value`` with the process-wide redactor and return it unchanged.

    Meant for the spot where a secret enters the process: ``pw = secret(read_pw(), "password")``.
    """
    redactor.add(value, name)
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, exception and stack text through the redactor.

    The message is formatted here (``msg % args``) because a secret passed as an argument only
    becomes visible once formatted; the record then carries the redacted text and no args.
    """

    def __init__(self, target: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = target or redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not stop the log line, nor leak the args
            message = f"{record.msg!s} {record.args!r}"
        record.msg = self._redactor.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            # Format now and drop exc_info, so no handler re-renders the raw exception later.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redactor.redact(record.stack_info)
        return True


def install_logging_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one ``RedactingFilter`` to ``logger`` (root by default) and to its handlers.

    Logger filters do not see records propagated from child loggers, handler filters do; so
    both get it. Handlers added later must be given the returned filter too. Idempotent.
    """
    target = logger or logging.getLogger()
    existing = next((f for f in target.filters if isinstance(f, RedactingFilter)), None)
    the_filter = existing or RedactingFilter()
    if existing is None:
        target.addFilter(the_filter)
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(the_filter)
    return the_filter
