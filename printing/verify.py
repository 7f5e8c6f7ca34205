"""Read the signed letter token back out of a rendered PDF (the command-line verify needs no camera).

`printing.letter` writes the token(s) into the document info as ``/SmartKampungToken``. reportlab
writes the info dictionary uncompressed, so a regular expression over the bytes finds it without any
PDF library; if that fails (the file was re-saved by another program) and pypdf is importable, pypdf
reads the info dictionary instead.

`compare_letter_text` holds the text layer of a PDF against the letter as issued and names the first
piece (a field, a row of the identity block, a paragraph) whose text differs: a signature proves who
signed, only this comparison says the paper still reads as issued.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_INFO_RE = re.compile(rb"/SmartKampungToken\s*\(([A-Za-z0-9_\-. ]*)\)")
_TOKEN_RE = re.compile(r"SK1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|SK2\.[A-Z2-7]+")


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


# -- comparing a letter's text with the letter as issued ------------------------------------------------

# Marks a copy may carry that the original does not: the void watermark, the reprint line.
_COPY_MARKS = re.compile(r"\bBATAL\b|Cetak\s*ulang\s*ke-\s*\d+")
_SPACE = re.compile(r"\s+")


def pdf_text(path_or_bytes: str | Path | bytes) -> str | None:
    """The text layer of a PDF (pages joined), "" for a PDF without text (a scan), None when the file is
    not a readable PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(_read(path_or_bytes)))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:  # pypdf raises many kinds for damaged or non-PDF input
        return None


def normalise(text: str) -> str:
    """Text without any white space (extraction may break lines and join words differently)."""
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class TextItem:
    """One piece of a letter as printed: ``kind`` title | number | opening | row | paragraph | cell |
    closing | signature | field; ``label`` the row's label, the column's name or the field's label;
    ``index`` the paragraph's or table row's number (from 1)."""

    kind: str
    label: str
    text: str
    index: int = 0


@dataclass(frozen=True)
class TextDifference:
    """The first piece of the letter whose text on the paper differs from the letter as issued."""

    item: TextItem | None  # None: outside every known piece (kop, captions)
    expected: str  # the issued text around the difference
    found: str  # the paper's text at the same place


def document_items(doc: dict[str, Any]) -> list[TextItem]:
    """The pieces of a letter document in print order (what `compare_letter_text` can name)."""
    from printing.letter import format_letter_date

    items = [TextItem("title", "", str(doc.get("title") or "").upper()),
             TextItem("number", "", str(doc.get("number") or ""))]
    if doc.get("opening"):
        items.append(TextItem("opening", "", str(doc["opening"])))
    for label, value, *_ in doc.get("identity") or []:
        items.append(TextItem("row", str(label), str(value)))
    paragraph = 0
    for block in doc.get("blocks") or []:
        if block.get("kind") == "paragraph":
            paragraph += 1
            items.append(TextItem("paragraph", "", str(block.get("text") or ""), paragraph))
        elif block.get("kind") == "fields":
            for label, value, *_ in block.get("rows") or []:
                items.append(TextItem("row", str(label), str(value)))
        elif block.get("kind") == "table":
            columns = [str(c) for c in block.get("columns") or []]
            for r, row in enumerate(block.get("rows") or [], start=1):
                for c, cell in enumerate(row):
                    items.append(TextItem("cell", columns[c] if c < len(columns) else "", str(cell), r))
    if doc.get("closing"):
        items.append(TextItem("closing", "", str(doc["closing"])))
    sig = doc.get("signatory") or {}
    place_date = ", ".join(x for x in (str(doc.get("place") or ""), format_letter_date(str(doc["date"]))) if x)
    items.append(TextItem("signature", "date", place_date))
    items.append(TextItem("signature", "name", str(sig.get("name") or "")))
    if sig.get("nip"):
        items.append(TextItem("signature", "nip", "NIP. " + str(sig["nip"])))
    return items


def _spans(reference: str, items: list[TextItem]) -> list[tuple[int, int, TextItem]]:
    spans = []
    cursor = 0
    for item in items:
        text = normalise(item.text)
        if not text:
            continue
        at = reference.find(text, cursor)
        if at < 0:
            at = reference.find(text)
        if at < 0:
            continue
        spans.append((at, at + len(text), item))
        cursor = max(cursor, at + len(text))
    return spans


def _raw_slice(raw: str, start: int, end: int) -> str:
    """The part of `raw` holding its non-space characters number `start` to `end` (its spaces kept)."""
    count, first, last = 0, None, len(raw)
    for pos, ch in enumerate(raw):
        if ch.isspace():
            continue
        if count == start:
            first = pos
        count += 1
        if count == end:
            last = pos + 1
            break
    return " ".join(raw[first:last].split()) if first is not None else ""


def compare_letter_text(given: str, reference: str, doc: dict[str, Any],
                        field_values: Sequence[tuple[str, str]] = ()) -> TextDifference | None:
    """None when `given` (the paper's text) has the same text as `reference` (the issued letter's),
    ignoring white space and the marks of a copy; else the first difference, named by the piece of the
    letter it falls in — a field of the type (`field_values`: label, printed value) when the
    difference lies inside one printed within a paragraph."""
    given_clean = _COPY_MARKS.sub("", given)
    reference_clean = _COPY_MARKS.sub("", reference)
    a, b = normalise(reference_clean), normalise(given_clean)
    if a == b:
        return None
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    j = 0  # common tail: the changed stretch is a[i:len(a)-j] on the letter, b[i:len(b)-j] on the paper
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    inserted = i == len(a) - j  # nothing of the letter is missing: text was added at i

    def inside(start: int, end: int) -> bool:
        return start < i <= end if inserted else start <= i < end

    spans = _spans(a, document_items(doc))
    hit: TextItem | None = None
    for start, end, item in spans:
        if not inside(start, end):
            continue
        hit = item
        if item.kind in ("paragraph", "opening", "closing"):
            for label, value in field_values:
                v = normalise(value)
                at = a.find(v, start, end) if v else -1
                while at >= 0:
                    if inside(at, at + len(v)):
                        hit = TextItem("field", label, value, item.index)
                        break
                    at = a.find(v, at + 1, end)
                if hit.kind == "field":
                    break
        break
    if hit is None:  # in no piece: name the piece that follows (the difference may be just before it)
        following = [item for start, _end, item in spans if start >= i]
        hit = following[0] if following else None
    lo = max(0, i - 12)
    return TextDifference(hit, _raw_slice(reference_clean, lo, len(a) - j + 12),
                          _raw_slice(given_clean, lo, len(b) - j + 12))
