"""The leak scanner finds a secret in every shape it leaks in, and nothing in clean files."""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from automation.secrets.leakscan import Hit, Scanner, scan

# Characters that every encoding changes: / + = & < " ' and a non-ASCII one.
SECRET = "s3cr3t/Val+ue=&<\"'é-7f3a9c0d"
OTHER = "4b1d9e0f2a6c8b7d5e3f1a0c9b8d7e6f"
SECRETS = {"token_secret": SECRET, "consumer_key": OTHER}


def _leak_forms(value: str) -> dict[str, bytes]:
    raw = value.encode()
    return {
        "plain": raw,
        "url-encoded": quote(value, safe="").encode(),
        "url-encoded-plus": quote_plus(value).encode(),
        "url-encoded-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(value, safe="")).encode(),
        "json-escaped": json.dumps(value).encode(),
        "json-escaped-slash": json.dumps(value).replace("/", "\\/").encode(),
        "html-escaped": html.escape(value).encode(),
        "base64": base64.b64encode(raw),
        "base64-unpadded": base64.b64encode(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw),
        "utf-16": value.encode("utf-16-le"),
        "hex": raw.hex().encode(),
    }


@pytest.mark.parametrize("encoding", list(_leak_forms(SECRET)))
def test_a_leak_in_each_encoding_is_found(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "out.log").write_bytes(b"request sent; body=" + _leak_forms(SECRET)[encoding] + b"; done\n")
    hits = scan([tmp_path], SECRETS)
    assert {h.secret_name for h in hits} == {"token_secret"}, hits
    assert all(h.file.endswith("out.log") and h.member == "" for h in hits)


@pytest.mark.parametrize("prefix", [b"", b"u", b"us", b"use", b"user:"])
@pytest.mark.parametrize("alphabet", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_inside_a_longer_run_at_every_alignment(tmp_path: Path, prefix: bytes, alphabet) -> None:
    run = alphabet(prefix + SECRET.encode() + b":trailing bytes")
    (tmp_path / "headers.txt").write_bytes(b"Authorization: Basic " + run + b"\r\n")
    hits = scan([tmp_path], SECRETS)
    assert {h.secret_name for h in hits} == {"token_secret"}, hits
    assert all(h.encoding.startswith("base64") for h in hits)


def test_a_leak_inside_a_zip_inside_a_zip_and_a_gzip(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("resources/body.json", json.dumps({"secret": SECRET}))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nested.zip", inner.getvalue())
        archive.writestr("trace.network", gzip.compress(b"x" * 1000 + OTHER.encode()))
        archive.writestr("clean.txt", "nothing here")
    (tmp_path / "trace.zip").write_bytes(outer.getvalue())
    hits = scan([tmp_path], SECRETS)
    where = {(h.member, h.secret_name) for h in hits}
    assert ("nested.zip!resources/body.json", "token_secret") in where, hits
    assert ("trace.network!(gunzip)", "consumer_key") in where, hits
    assert all(h.file.endswith("trace.zip") for h in hits)


def test_a_leak_in_a_binary_file(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 40 + SECRET.encode("utf-16-le") + bytes(range(255, -1, -1)) * 40
    (tmp_path / "Local Storage.ldb").write_bytes(blob)
    (tmp_path / "video.webm").write_bytes(b"\x1aE\xdf\xa3" + bytes(5000) + OTHER.encode() + bytes(100))
    hits = scan([tmp_path], SECRETS)
    assert {(Path(h.file).name, h.secret_name) for h in hits} == {
        ("Local Storage.ldb", "token_secret"),
        ("video.webm", "consumer_key"),
    }


def test_hidden_files_and_extra_texts_are_scanned(tmp_path: Path) -> None:
    (tmp_path / ".journal-tmp").write_text(OTHER)
    hits = scan([tmp_path], SECRETS, extra_texts={"<stderr>": f"error: {quote(SECRET)}", "<stdout>": "ok"})
    assert {(h.file, h.secret_name) for h in hits} == {
        (str(tmp_path / ".journal-tmp"), "consumer_key"),
        ("<stderr>", "token_secret"),
    }


def test_clean_files_give_no_hits(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("token_secret: [secret:token_secret]\n" * 100)
    (tmp_path / "random.bin").write_bytes(bytes(range(256)) * 100)
    with zipfile.ZipFile(tmp_path / "trace.zip", "w") as archive:
        archive.writestr("a.json", json.dumps({"masked": "••••••••", "len": len(SECRET)}))
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 not really a zip")
    # A different value that shares a prefix with the secret is not the secret.
    (tmp_path / "near.txt").write_text(SECRET[:10] + "XYZ" + SECRET[13:])
    scanner = Scanner(SECRETS)
    scanner.scan_path(tmp_path)
    scanner.scan_text("<stdout>", "all good")
    assert scanner.hits == []
    assert scanner.files == 6 and scanner.members == 1
    assert "0 hit(s)" in scanner.summary()


def test_a_hit_never_holds_the_value(tmp_path: Path) -> None:
    (tmp_path / "leak.txt").write_text(SECRET)
    hits = scan([tmp_path], SECRETS)
    assert hits and all(SECRET not in repr(h) and SECRET not in str(h) for h in hits)
    assert hits[0] == Hit(str(tmp_path / "leak.txt"), "", "token_secret", "plain")


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="token_secret"):
        scan([], {"token_secret": ""})
