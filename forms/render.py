"""Filling a letter type with a resident, the office, field values and letter data: the letter's content.

The result is plain JSON-able data that ``printing`` lays out::

    {"title": str, "opening": str, "identity": [[label, value], ...],
     "blocks": [{"kind": "paragraph", "text": str}
                | {"kind": "fields", "rows": [[label, value], ...]}
                | {"kind": "table", "columns": [str, ...], "rows": [[str, ...], ...]}],
     "closing": str}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from forms.loader import BLOCK_RE, split_paragraphs
from forms.model import LetterType, add_validity
from forms.placeholders import MISSING, fill, format_field, format_plain, long_date, parse_date


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    return None


def full_address(resident: Mapping[str, Any], office: Mapping[str, Any] | None = None) -> str:
    """Address with RT/RW, dusun and (when the office is given) the village, as letters write it."""
    parts = []
    if resident.get("alamat"):
        parts.append(str(resident["alamat"]))
    rt, rw = resident.get("rt"), resident.get("rw")
    if rt or rw:
        parts.append(f"RT {rt or '-'}/RW {rw or '-'}")
    if resident.get("dusun"):
        parts.append(f"Dusun {resident['dusun']}")
    if office and office.get("desa"):
        parts.append(f"{office.get('sebutan_desa') or 'Desa'} {office['desa']}")
    return ", ".join(parts) or MISSING


def age_on(born: date, day: date) -> int:
    """Whole years of age on a given day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def complete_context(letter_type: LetterType, resident: Mapping[str, Any], office: Mapping[str, Any],
                     letter: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Resident, office and letter data with the derived keys filled in where the caller left them out:
    ``resident.umur``, ``resident.alamat_lengkap``, ``office.sebutan_desa``, ``office.jabatan_kepala``,
    ``letter.valid_until``."""
    office_out = dict(office)
    sebutan = office_out.get("sebutan_desa") or "Desa"
    office_out["sebutan_desa"] = sebutan
    if not office_out.get("jabatan_kepala"):
        office_out["jabatan_kepala"] = "Lurah" if sebutan == "Kelurahan" else "Kepala Desa"
    letter_out = dict(letter)
    issued = _as_date(letter_out.get("tanggal"))
    if issued and not letter_out.get("valid_until"):
        letter_out["valid_until"] = add_validity(issued, letter_type.validity)
    res = dict(resident)
    born = _as_date(res.get("tanggal_lahir"))
    if born and res.get("umur") in (None, ""):
        res["umur"] = age_on(born, issued or date.today())
    if not res.get("alamat_lengkap"):
        res["alamat_lengkap"] = full_address(res, office_out)
    return res, office_out, letter_out


def identity_rows(resident: Mapping[str, Any]) -> list[list[str]]:
    """The standard identity block (Nama ... Alamat) of a resident, per the village letter layout."""
    born = _as_date(resident.get("tanggal_lahir"))
    born_text = long_date(born) if born else format_plain(resident.get("tanggal_lahir"))
    place = format_plain(resident.get("tempat_lahir"))
    return [
        ["Nama", format_plain(resident.get("nama"))],
        ["NIK", format_plain(resident.get("nik"))],
        ["No. KK", format_plain(resident.get("no_kk"))],
        ["Tempat/Tgl. Lahir", f"{place}, {born_text}"],
        ["Jenis Kelamin", format_plain(resident.get("jenis_kelamin"))],
        ["Agama", format_plain(resident.get("agama"))],
        ["Status Perkawinan", format_plain(resident.get("status_perkawinan"))],
        ["Pekerjaan", format_plain(resident.get("pekerjaan"))],
        ["Kewarganegaraan", format_plain(resident.get("kewarganegaraan"))],
        ["Alamat", format_plain(resident.get("alamat_lengkap"))],
    ]


def render_letter(letter_type: LetterType, resident: Mapping[str, Any], office: Mapping[str, Any],
                  fields: Mapping[str, Any], letter: Mapping[str, Any]) -> dict[str, Any]:
    """The content of one letter as plain data (see the module docstring for the shape).

    ``fields`` holds cleaned values (from ``validate_values``); missing values print as "-".
    """
    res, off, let = complete_context(letter_type, resident, office, letter)
    defs = {f.name: f for f in letter_type.fields}
    fields = dict(fields)
    for fd in letter_type.fields:  # a resident named in a field gets the same derived keys
        value = fields.get(fd.name)
        if fd.kind == "resident" and isinstance(value, Mapping):
            fields[fd.name] = complete_context(letter_type, value, office, letter)[0]

    def text(t: str, running: bool = False) -> str:
        return fill(t, res, off, fields, let, defs, running)

    named: dict[str, dict[str, Any]] = {}
    for d in letter_type.details:
        named[d.name] = {"kind": "fields", "rows": [[text(label), text(value)] for label, value in d.rows]}
    for t in letter_type.tables:
        fd = defs[t.field]
        cols = [c for c in fd.columns if not t.columns or c.name in t.columns]
        if t.columns:
            cols.sort(key=lambda c: t.columns.index(c.name))
        rows = []
        value = fields.get(t.field)
        for i, row in enumerate(value if isinstance(value, list) else [], start=1):
            cells = [format_field(c, row.get(c.name) if isinstance(row, Mapping) else None) for c in cols]
            rows.append(([str(i)] if t.numbered else []) + cells)
        named[t.name] = {"kind": "table", "columns": (["No."] if t.numbered else []) + [c.label for c in cols],
                         "rows": rows}

    blocks: list[dict[str, Any]] = []
    used: set[str] = set()
    for para in split_paragraphs(letter_type.body):
        m = BLOCK_RE.match(para)
        if m and m.group(1) in named:
            blocks.append(named[m.group(1)])
            used.add(m.group(1))
        else:
            blocks.append({"kind": "paragraph", "text": text(para, running=True)})
    blocks.extend(b for name, b in named.items() if name not in used)
    return {
        "title": text(letter_type.title),
        "opening": text(letter_type.opening, running=True),
        "identity": identity_rows(res) if letter_type.identity == "standard" else [],
        "blocks": blocks,
        "closing": text(letter_type.closing, running=True),
    }
