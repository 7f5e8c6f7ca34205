"""Read the signed letter token back out of a rendered PDF (the command-line verify needs no camera).

`printing.letter` writes the token(s) into the document info as ``/SmartKampungToken``. reportlab
writes the info dictionary uncompressed, so a regular expression over the bytes finds it without any
PDF library; if that fails (the file was re-saved by another program) and pypdf is importable, pypdf
reads the info dictionary instead.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

_INFO_RE = re.compile(rb"/SmartKampungToken\s*\(([A-Za-z0-9_\-. ]*)\)")
_TOKEN_RE = re.compile(r"SK1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _read(path_or_bytes: str | Path | bytes) -> bytes:
    if isinstance(path_or_bytes, bytes | bytearray):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


def read_tokens_from_pdf(path_or_bytes: str | Path | bytes) -> list[str]:
    """All letter tokens in a PDF's info dictionary (a batch PDF holds one per letter), in order."""
    data = _read(path_or_bytes)
    match = _INFO_RE.search(data)
    if match:
        return _TOKEN_RE.findall(match.group(1).decode("ascii"))
    try:
        from pypdf import PdfReader
    except ImportError:
        return []
    try:
        meta: Any = PdfReader(io.BytesIO(data)).metadata or {}
    except Exception:  # a damaged or non-PDF file simply has no token
        return []
    return _TOKEN_RE.findall(str(meta.get("/SmartKampungToken", "")))


def read_token_from_pdf(path_or_bytes: str | Path | bytes) -> str | None:
    """The (first) letter token of a PDF, or None when it carries none."""
    tokens = read_tokens_from_pdf(path_or_bytes)
    return tokens[0] if tokens else None
