"""The simple budget template (CSV or XLSX) for villages that type their APBDes in, and the export to it.

Columns (``../shared/APBDES.md`` §6, the OpenSID-manual equivalent): ``tahun, kode_rekening,
kode_kegiatan, uraian, sumber_dana, anggaran, anggaran_perubahan, realisasi, tanggal_realisasi``, plus the
optional ``volume, satuan, harga_satuan, lokasi, keluaran``. One row is one budget line; its
``realisasi`` (if any) is one ledger entry dated ``tanggal_realisasi``. ``anggaran_perubahan`` filled in
anywhere makes a perubahan version. The shipped empty template: ``resources/templates/apbdes_template.xlsx``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.budget.importing import ParsedBudget, ParsedEntry, ParsedLine
from kiosk.budget.money import AmountError, parse_amount
from kiosk.budget.reference import reference_for
from kiosk.errors import ValidationError
from kiosk.i18n import N_

COLUMNS = ["tahun", "kode_rekening", "kode_kegiatan", "uraian", "sumber_dana", "anggaran", "anggaran_perubahan",
           "realisasi", "tanggal_realisasi", "volume", "satuan", "harga_satuan", "lokasi", "keluaran"]
REQUIRED = ("tahun", "kode_rekening", "anggaran")
TABLE = "template"
TEMPLATE_FILE = Path(__file__).resolve().parent.parent.parent / "resources" / "templates" / "apbdes_template.xlsx"


def _cells(path: Path) -> list[list[Any]]:
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return [list(r) for r in wb.get_sheet_by_index(0).to_python()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # a spreadsheet number: exact when it is whole (rupiah amounts are); repr keeps what was typed
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return str(value).strip()


def read_template(path: Path | str) -> ParsedBudget:
    p = Path(path)
    parsed = ParsedBudget(source="template")
    try:
        cells = _cells(p)
    except FileNotFoundError:
        parsed.reject(N_("The file {name} was not found."), name=p.name)
        return parsed
    except Exception:  # a damaged workbook
        parsed.reject(N_("{name} cannot be read as a CSV or XLSX template."), name=p.name)
        return parsed
    if not cells:
        parsed.reject(N_("The table is empty (no header row)."), table=TABLE)
        return parsed
    header = [_text(h).lower().replace(" ", "_") for h in cells[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        parsed.reject(N_("The template has no column “{column}”. Columns found: {found}."), table=TABLE,
                      column=", ".join(missing), found=", ".join(h for h in header if h))
        return parsed
    idx = {c: header.index(c) for c in COLUMNS if c in header}
    rows = []
    for n, row in enumerate(cells[1:], start=1):
        values = {c: _text(row[i]) if i < len(row) else "" for c, i in idx.items()}
        if any(values.values()):
            rows.append((n, values))
    if not rows:
        parsed.reject(N_("The template has no lines."), table=TABLE)
        return parsed
    years = Counter(v["tahun"] for _n, v in rows)
    try:
        tahun = int(years.most_common(1)[0][0])
        ref = reference_for(tahun)
    except (ValueError, ValidationError):
        parsed.reject(N_("“{value}” is not a budget year."), table=TABLE, row=rows[0][0], column="tahun",
                      value=years.most_common(1)[0][0])
        return parsed
    parsed.tahun = tahun
    induk: list[ParsedLine] = []
    after: list[ParsedLine] = []
    changed = False
    seen: Counter[str] = Counter()
    from kiosk.budget.service import LineInput, check_line

    for n, v in rows:
        if v["tahun"] != str(tahun):
            parsed.reject(N_("The row is for the year {found}, the file for {year}."), table=TABLE, row=n,
                          column="tahun", found=v["tahun"], year=tahun)
            continue
        data = LineInput(kode_rekening=v["kode_rekening"], anggaran=v["anggaran"],
                         kode_kegiatan=v.get("kode_kegiatan") or None, uraian=v.get("uraian", ""),
                         volume=v.get("volume") or None, satuan=v.get("satuan", ""),
                         harga_satuan=v.get("harga_satuan") or None, sumber_dana=v.get("sumber_dana", ""),
                         lokasi=v.get("lokasi", ""), keluaran=v.get("keluaran", ""))
        try:
            ok = check_line(ref, data)
        except ValidationError as e:
            for column, message in e.fields.items():
                parsed.reject(N_("{message}"), table=TABLE, row=n, column=column, message=message)
            continue
        line = ParsedLine(ok["kode_rekening"], ok["kode_kegiatan"], ok["uraian"], ok["anggaran"], ok["sumber_dana"],
                          ok["volume"], ok["satuan"], ok["harga_satuan"], ok["lokasi"], ok["keluaran"], ok["tags"])
        if line.anggaran:
            induk.append(line)
        pak_raw = v.get("anggaran_perubahan", "")
        pak: Decimal = line.anggaran
        if pak_raw:
            try:
                pak = parse_amount(pak_raw)
            except AmountError as e:
                parsed.reject(e.template, table=TABLE, row=n, column="anggaran_perubahan", **e.data)
                continue
            changed = changed or pak != line.anggaran
        if pak:
            after.append(ParsedLine(**{**line.__dict__, "anggaran": pak}))
        real_raw = v.get("realisasi", "")
        if real_raw:
            try:
                real = parse_amount(real_raw)
            except AmountError as e:
                parsed.reject(e.template, table=TABLE, row=n, column="realisasi", **e.data)
                continue
            date = _date(parsed, n, v.get("tanggal_realisasi", ""), tahun)
            if date is None or not real:
                continue
            key = f"template|{line.kode_rekening}|{line.kode_kegiatan or ''}|{line.sumber_dana}"
            seen[key] += 1
            parsed.entries.append(ParsedEntry(date, line.kode_rekening, line.kode_kegiatan, line.sumber_dana, real,
                                              "MANUAL", "", f"{key}|{seen[key]}"))
    parsed.versions[0] = induk
    if changed:
        parsed.versions[1] = after
    return parsed


def _date(parsed: ParsedBudget, n: int, raw: str, tahun: int) -> dt.date | None:
    s = raw.strip()
    value: dt.date | None = None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            value = dt.datetime.strptime(s[:10], fmt).date()
            break
        except ValueError:
            continue
    if value is None:
        parsed.reject(N_("“{value}” is not a date (write it as 2025-03-31 or 31-03-2025)."), table=TABLE, row=n,
                      column="tanggal_realisasi", value=raw)
        return None
    if value.year != tahun:
        parsed.reject(N_("The date {date} is outside the budget year {year}."), table=TABLE, row=n,
                      column="tanggal_realisasi", date=value.isoformat(), year=tahun)
        return None
    return value


def template_rows(tahun: int, induk: list[Any], perubahan: list[Any] | None,
                  realization: dict[tuple[str, str | None, str], tuple[Decimal, dt.date | None]]) -> list[list[Any]]:
    """The rows of an export: one per induk line (with its perubahan amount and realization)."""
    rows: list[list[Any]] = [list(COLUMNS)]
    pak: dict[tuple[Any, ...], list[Decimal]] = {}
    for ln in perubahan or []:
        pak.setdefault((ln.kode_rekening, ln.kode_kegiatan, ln.sumber_dana, ln.uraian), []).append(ln.anggaran)
    used: set[tuple[str, str | None, str]] = set()
    lines = list(induk)
    keys_induk = {(ln.kode_rekening, ln.kode_kegiatan, ln.sumber_dana, ln.uraian) for ln in induk}
    extra = [ln for ln in perubahan or [] if (ln.kode_rekening, ln.kode_kegiatan, ln.sumber_dana, ln.uraian)
             not in keys_induk]
    for ln in [*lines, *extra]:
        key = (ln.kode_rekening, ln.kode_kegiatan, ln.sumber_dana, ln.uraian)
        in_induk = ln in lines
        changed = ""
        if perubahan is not None:
            vals = pak.get(key)
            changed = str(vals.pop(0)) if vals else "0"
        rkey = (ln.kode_rekening, ln.kode_kegiatan, ln.sumber_dana)
        real, date = ("", "")
        if rkey in realization and rkey not in used:
            used.add(rkey)
            total, last = realization[rkey]
            real, date = str(total), last.isoformat() if last else ""
        rows.append([tahun, ln.kode_rekening, ln.kode_kegiatan or "", ln.uraian, ln.sumber_dana,
                     str(ln.anggaran) if in_induk else "0", changed, real, date,
                     "" if ln.volume is None else str(ln.volume), ln.satuan,
                     "" if ln.harga_satuan is None else str(ln.harga_satuan), ln.lokasi, ln.keluaran])
    return rows


def write_rows(path: Path, rows: list[list[Any]]) -> Path:
    """Write rows as CSV (UTF-8 with BOM, for Excel) or XLSX (amounts as exact text cells), durably: the
    file appears whole or not at all."""
    from kiosk import durable

    path = Path(path)
    if path.suffix.lower() == ".csv":
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows(rows)
        durable.write_bytes(path, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("APBDes")
        for row in rows:
            ws.append([("" if v is None else v) if not isinstance(v, Decimal) else str(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        durable.write_bytes(path, out.getvalue())
    return path
