"""Find secrets in files and texts, in the shapes they take when they leak.

The redactor keeps secrets out of what the tool writes; this checks that it worked, from the
outside: every byte of every file (binary too, zip and gzip members opened, recursively),
looking for each secret in its plain, URL-encoded, JSON-escaped, HTML-escaped, UTF-16, hex and
base64 forms. Base64 is searched at all three byte alignments, so a secret that sits inside a
longer base64 run (a ``user:secret`` header, a trace's encoded body) is found too.

A ``Hit`` names the file, the archive member, the secret's *name* and the encoding; it never
holds the value, so a report of hits is itself safe to print.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

MIN_CORE_LENGTH = 8  # a shorter aligned base64 fragment (of a tiny value) would match by chance
MAX_NESTING = 4  # zip in zip in gzip...: deeper than any real artifact


@dataclass(frozen=True)
class Hit:
    file: str
    member: str  # "" for the file itself; "a.zip!b/c.txt" style path inside archives
    secret_name: str
    encoding: str

    def __str__(self) -> str:
        where = f"{self.file}!{self.member}" if self.member else self.file
        return f"{where}: {self.secret_name} ({self.encoding})"


def _percent_lower(text: str) -> str:
    """``%2F`` -> ``%2f``: some encoders emit lower-case hex."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def _html_entities(value: str, hexa: bool) -> str:
    return "".join(ch if ch.isalnum() else (f"&#x{ord(ch):x};" if hexa else f"&#{ord(ch)};") for ch in value)


def _base64_cores(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """For each alignment, the base64 that encodes only the secret's bytes.

    Inside a longer run the secret starts at byte offset 0, 1 or 2 of a 3-byte group; dropping
    0, 2 or 1 leading bytes (and the trailing partial group) leaves whole groups whose encoding
    appears verbatim, whatever surrounds the secret.
    """
    for skip in (0, 1, 2):
        body = raw[skip:]
        whole = body[: len(body) // 3 * 3]
        if len(whole) >= MIN_CORE_LENGTH * 3 // 4:
            yield f"base64 (aligned +{skip})", whole


def forms(value: str) -> dict[bytes, str]:
    """Every byte pattern to look for -> the encoding's name (the first name wins for duplicates)."""
    raw = value.encode("utf-8")
    text_forms: list[tuple[str, str]] = [
        ("plain", value),
        ("url-encoded", quote(value, safe="")),
        ("url-encoded", quote(value)),
        ("url-encoded", quote_plus(value)),
        ("url-encoded", _percent_lower(quote(value, safe=""))),
        ("json-escaped", json.dumps(value)[1:-1]),
        ("json-escaped", json.dumps(value, ensure_ascii=False)[1:-1]),
        ("json-escaped", json.dumps(value)[1:-1].replace("/", "\\/")),
        ("html-escaped", html.escape(value)),
        ("html-escaped", html.escape(value, quote=False)),
        ("html-escaped", _html_entities(value, hexa=True)),
        ("html-escaped", _html_entities(value, hexa=False)),
        ("hex", raw.hex()),
        ("hex", raw.hex().upper()),
    ]
    for alphabet, encoder in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        padded = encoder(raw).decode("ascii")
        text_forms.append((alphabet, padded))
        text_forms.append((alphabet, padded.rstrip("=")))
        for label, chunk in _base64_cores(raw):
            text_forms.append((label.replace("base64", alphabet), encoder(chunk).decode("ascii")))
    found: dict[bytes, str] = {}
    for encoding, form in text_forms:
        data = form.encode("utf-8")
        if data and data not in found:
            found[data] = encoding
    for encoding, codec in (("utf-16", "utf-16-le"), ("utf-16", "utf-16-be")):
        data = value.encode(codec)
        found.setdefault(data, encoding)
    return found


@dataclass
class Scanner:
    """Scans files, folders and texts for a set of named secrets, counting what it read."""

    secrets: Mapping[str, str]
    hits: list[Hit] = field(default_factory=list)
    files: int = 0
    members: int = 0
    bytes: int = 0

    def __post_init__(self) -> None:
        self._patterns: list[tuple[bytes, str, str]] = []
        for name, value in self.secrets.items():
            if not value:
                raise ValueError(f"secret {name!r} is empty: nothing to look for")
            self._patterns.extend((form, name, encoding) for form, encoding in forms(value).items())
        self._seen: set[Hit] = set()
        self._visited: set[Path] = set()

    def scan_path(self, root: Path | str) -> None:
        """A file, or every regular file under a folder (hidden ones too; symlinked folders are
        not followed, so nothing is scanned twice or forever)."""
        root = Path(root)
        if root.is_file():
            self._scan_file(root)
            return
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.is_file():  # skips sockets, fifos and dangling links
                    self._scan_file(path)

    def scan_text(self, label: str, text: str | bytes) -> None:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        self.files += 1
        self._scan_bytes(label, "", data, 0)

    def _scan_file(self, path: Path) -> None:
        real = path.resolve()
        if real in self._visited:  # overlapping roots (a home inside a workspace): once is enough
            return
        self._visited.add(real)
        self.files += 1
        self._scan_bytes(str(path), "", path.read_bytes(), 0)

    def _scan_bytes(self, file: str, member: str, data: bytes, depth: int) -> None:
        self.bytes += len(data)
        for form, name, encoding in self._patterns:
            if form in data:
                self._add(Hit(file, member, name, encoding))
        if depth >= MAX_NESTING:
            return
        for inner_name, inner in _unpack(data):
            self.members += 1
            self._scan_bytes(file, f"{member}!{inner_name}" if member else inner_name, inner, depth + 1)

    def _add(self, hit: Hit) -> None:
        if hit not in self._seen:
            self._seen.add(hit)
            self.hits.append(hit)

    def summary(self) -> str:
        return (
            f"scanned {self.files} file(s)/text(s), {self.members} archive member(s), {self.bytes:,} bytes "
            f"for {len(self.secrets)} secret(s) in {len(self._patterns)} forms: {len(self.hits)} hit(s)"
        )


def _unpack(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Members of a zip, or the content of a gzip stream; nothing for anything else."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        yield info.filename, archive.read(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
            return  # not really a zip (or encrypted): its raw bytes were scanned already
    elif data[:2] == b"\x1f\x8b":
        try:
            yield "(gunzip)", gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return


def scan(
    paths: Iterable[Path | str],
    secrets: Mapping[str, str],
    extra_texts: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]] = (),
) -> list[Hit]:
    """Every place in ``paths`` (files or folders) and ``extra_texts`` (label -> text) where a
    secret shows, in any encoding. An empty list means none was found."""
    scanner = Scanner(secrets)
    for path in paths:
        scanner.scan_path(path)
    items = extra_texts.items() if isinstance(extra_texts, Mapping) else extra_texts
    for label, text in items:
        scanner.scan_text(label, text)
    return scanner.hits
