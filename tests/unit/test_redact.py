"""The redactor must catch a secret in every shape a writer might emit it."""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import threading
from urllib.parse import quote, quote_plus

import pytest

from automation.secrets.redact import (
    RedactingFilter,
    Redactor,
    install_logging_redaction,
    redactor,
    secret,
)

SECRET = 'a+b/c d&e"f<g>h=é'  # exercises every encoder


@pytest.fixture
def r() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET),
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(SECRET.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        json.dumps(SECRET)[1:-1],
        json.dumps(SECRET, ensure_ascii=False)[1:-1],
        html.escape(SECRET),
    ],
)
def test_every_encoding_is_redacted(r: Redactor, form: str) -> None:
    r.add(SECRET, "token_secret")
    out = r.redact(f"before {form} after")
    assert out == "before [secret:token_secret] after"


def test_json_document_with_secret_is_redacted(r: Redactor) -> None:
    r.add(SECRET, "consumer_secret")
    doc = json.dumps({"value": SECRET, "nested": [SECRET]})
    out = r.redact(doc)
    assert SECRET not in out and json.dumps(SECRET)[1:-1] not in out
    assert out.count("[secret:consumer_secret]") == 2


def test_short_values_are_ignored(r: Redactor) -> None:
    r.add("abc", "pin")
    assert r.redact("abc abc") == "abc abc"
    assert r.values() == []
    assert r.names == []


def test_longest_value_wins(r: Redactor) -> None:
    r.add("abcd", "short")
    r.add("abcdefgh", "long")
    assert r.redact("xabcdefghx abcd") == "x[secret:long]x [secret:short]"


def test_first_name_is_kept_for_a_value(r: Redactor) -> None:
    r.add("same-value", "first")
    r.add("same-value", "second")
    assert r.redact("same-value") == "[secret:first]"
    assert r.names == ["first", "second"]


def test_redact_bytes_handles_non_utf8(r: Redactor) -> None:
    r.add(SECRET, "s")
    data = b"\xff\xfe " + SECRET.encode() + b" " + quote(SECRET).encode()
    assert r.redact_bytes(data) == b"\xff\xfe [secret:s] [secret:s]"


def test_values_lists_all_forms_longest_first(r: Redactor) -> None:
    r.add("token-1234", "t")
    values = r.values()
    assert "token-1234" in values
    assert base64.b64encode(b"token-1234").decode() in values
    assert [len(v) for v in values] == sorted((len(v) for v in values), reverse=True)


def test_empty_registry_is_identity(r: Redactor) -> None:
    assert r.redact("nothing here") == "nothing here"
    assert r.redact_bytes(b"x") == b"x"
    assert not r.contains_secret("nothing here")


def test_concurrent_adds_and_redacts(r: Redactor) -> None:
    values = [f"secret-value-{i:04d}" for i in range(40)]

    def add_some(chunk: list[str]) -> None:
        for v in chunk:
            r.add(v, "v")
            assert v not in r.redact(f"x{v}x")

    threads = [threading.Thread(target=add_some, args=(values[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = " ".join(values)
    assert r.redact(text) == " ".join(["[secret:v]"] * len(values))


def test_secret_helper_registers_with_the_global_redactor() -> None:
    value = secret("global-helper-secret-1", "helper")
    assert value == "global-helper-secret-1"
    assert redactor.redact("x global-helper-secret-1") == "x [secret:helper]"


def _logger_with_stream(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.filters.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(logging.StreamHandler(stream))
    return logger, stream


def test_logging_filter_redacts_args_and_exceptions() -> None:
    secret("log-filter-secret-42", "password")
    logger, stream = _logger_with_stream("nsauto.test.redact")
    install_logging_redaction(logger)
    logger.info("login with %s", "log-filter-secret-42")
    try:
        raise RuntimeError("bad value log-filter-secret-42")
    except RuntimeError:
        logger.exception("failed for %r", quote_plus("log-filter-secret-42"))
    out = stream.getvalue()
    assert "log-filter-secret-42" not in out
    assert out.count("[secret:password]") >= 3  # message, arg, source line, exception text
    assert "RuntimeError" in out  # the traceback is still there, only redacted


def test_filter_on_handler_covers_child_loggers() -> None:
    secret("child-logger-secret", "token_secret")
    parent, stream = _logger_with_stream("nsauto.test.parent")
    install_logging_redaction(parent)
    install_logging_redaction(parent)  # idempotent
    assert sum(isinstance(f, RedactingFilter) for f in parent.handlers[0].filters) == 1
    logging.getLogger("nsauto.test.parent.child").warning("value=%s", "child-logger-secret")
    assert stream.getvalue().strip() == "value=[secret:token_secret]"


def test_filter_survives_a_bad_format_string() -> None:
    secret("bad-format-secret", "s")
    logger, stream = _logger_with_stream("nsauto.test.badformat")
    install_logging_redaction(logger)
    logger.info("%d items", "bad-format-secret")
    out = stream.getvalue()
    assert "bad-format-secret" not in out and "[secret:s]" in out
