"""Pratinjau surat: a previewed letter nobody could take for the real one (issue 18) — the draft mark
above the text and in the number line, and what is not filled in yet as a dotted blank (not "-")."""

from __future__ import annotations

from typing import Any

DRAFT_NUMBER = "PRATINJAU – DRAF, BELUM SAH"
DRAFT_NOTE = ("DRAF – BELUM SAH. Pratinjau untuk diperiksa: belum bernomor, belum ditandatangani, tanpa kode "
              "QR. Jangan diberikan kepada pemohon.")
DRAFT_BLANK = "……………"
_BLANKABLE = {"text", "longtext", "date", "time", "number"}


def draft_values(letter_type: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values with a dotted blank for each plain field not filled in yet."""
    out = dict(cleaned)
    for fd in letter_type.fields:
        if fd.kind in _BLANKABLE and out.get(fd.name) in (None, ""):
            out[fd.name] = DRAFT_BLANK
    return out


def _blank(value: Any) -> Any:
    return DRAFT_BLANK if str(value).strip() == "-" else value


def mark_draft(doc: dict[str, Any]) -> dict[str, Any]:
    """The letter document marked as a draft (number line and a first paragraph); "-" cells blanked."""
    doc = dict(doc)
    doc["number"] = DRAFT_NUMBER
    blocks = []
    for block in doc.get("blocks") or []:
        if block.get("kind") == "fields":
            block = {**block, "rows": [[label, _blank(value)] for label, value in block.get("rows") or []]}
        blocks.append(block)
    doc["blocks"] = [{"kind": "paragraph", "text": DRAFT_NOTE}, *blocks]
    doc["identity"] = [[label, _blank(value)] for label, value in doc.get("identity") or []]
    return doc
