"""Make a Playwright trace safe to share: every registered secret replaced in every entry.

A trace keeps far more than the screen shows: DOM snapshots hold the text of secret fields,
action parameters hold what ``fill`` typed (the password included), the network log holds
request and response bodies. Masking the page hides none of that, so the zip is rewritten entry
by entry through the process-wide redactor. Images (screencast frames, screenshots) are copied
as they are: they were drawn with the mask style in place. The trace viewer does not check the
content hashes in resource names, so a rewritten resource still opens.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from automation.secrets.redact import Redactor, redactor

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".webp", ".gif", ".bmp", ".ico", ".avif")


def scrub_trace(source: Path, target: Path, using: Redactor = redactor) -> int:
    """Write a redacted copy of the trace ``source`` to ``target``; return how many entries changed.

    Text entries and other binary entries both go through ``redact_bytes``: for UTF-8 text it is
    the same as ``redact`` on the decoded text, and it also covers bodies that are not UTF-8.
    """
    changed = 0
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            image = info.filename.lower().endswith(IMAGE_SUFFIXES)
            if not image:
                clean = using.redact_bytes(data)
                if clean != data:
                    changed += 1
                data = clean
            out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            out.compress_type = zipfile.ZIP_STORED if image else zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            dst.writestr(out, data)
    os.replace(partial, target)
    return changed
