"""Reads the Siskeudes CSV zip that villages make for OpenSID (one ``<Table>.csv`` per table, mdb2csv).

Follows the layout in ``../shared/APBDES.md`` (OpenSID ``Keuangan_model.php``): ``Ref_Version.csv``
(``Versi``) and ``Ta_RAB.csv`` (``Tahun``) are required; rows are filtered by ``Kd_Desa``. Unlike
OpenSID, a row whose field count differs from its header is reported, not silently dropped, and
amounts are parsed as exact decimals. Column names are matched loosely (case, underscores and a few
renamings seen across Siskeudes versions).

Budget lines come from ``Ta_RABRinci`` (``Anggaran`` = induk, ``AnggaranStlhPAK`` = after the
perubahan), or from ``Ta_RAB`` when the file has no rincian; ``Ta_RAB`` is also the file's own total
the lines must add up to. Realization: ``Ta_TBPRinci`` (income received), ``Ta_SPPRinci`` (spending;
uang muka ``UM`` counts through its ``Ta_SPJRinci`` instead), ``Ta_JurnalUmumRinci`` (journal). Names
and bank accounts of payees (``Ta_SPP.Nm_Penerima``, ``Rek_Bank``) are never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.budget.importing import ParsedBudget, ParsedEntry, ParsedLine
from kiosk.budget.money import ZERO, AmountError, parse_amount, parse_quantity
from kiosk.budget.reference import (
    BudgetReference,
    jenis_of,
    kelompok_of,
    normalize_account,
    normalize_kegiatan,
    reference_for,
)
from kiosk.errors import ValidationError
from kiosk.i18n import N_

MAX_ZIP_BYTES = 200 * 1024 * 1024

# canonical column → other spellings seen (compared after lower-casing and dropping non-alphanumerics)
_ALIASES: dict[str, tuple[str, ...]] = {
    "Kd_Keg": ("kodekegiatan", "kdkegiatan"),
    "Kd_Rincian": ("koderincian", "kdrinci", "koderekening", "kdrek"),
    "AnggaranStlhPAK": ("anggaransetelahpak", "anggaranstlpak", "anggaranperubahan", "anggaransesudahpak"),
    "AnggaranPAK": ("anggaranpak",),
    "JmlSatuan": ("volume", "jumlahsatuan", "jmlsat"),
    "HrgSatuan": ("hargasatuan", "hrgsat"),
    "SumberDana": ("sumberdana", "sumber", "kdsumber"),
    "Nilai": ("nilai", "jumlah"),
    "Tgl_Bukti": ("tglbukti", "tanggalbukti", "tanggal"),
    "Tgl_SPP": ("tglspp", "tanggalspp"),
    "Tgl_SPJ": ("tglspj", "tanggalspj"),
    "No_Bukti": ("nobukti",),
    "Kd_Desa": ("kddesa", "kodedesa"),
    "Tahun": ("tahun", "thn", "tahunanggaran"),
    "Versi": ("versi", "version", "versidatabase"),
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class _Table:
    """One CSV table: header, rows (field count checked), column lookup by canonical name."""

    def __init__(self, name: str, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
        self.name = name
        self.header = header
        self.rows = rows
        self._index: dict[str, int] = {}
        self._found: dict[str, int | None] = {}
        for i, col in enumerate(header):
            self._index.setdefault(_norm(col), i)

    def col(self, canonical: str) -> int | None:
        try:
            return self._found[canonical]
        except KeyError:
            pass
        found = None
        for key in (_norm(canonical), *_ALIASES.get(canonical, ())):
            if key in self._index:
                found = self._index[key]
                break
        self._found[canonical] = found
        return found

    def real_name(self, canonical: str) -> str:
        i = self.col(canonical)
        return self.header[i] if i is not None else canonical


@dataclass
class _Ctx:
    parsed: ParsedBudget
    ref: BudgetReference | None = None
    kd_desa: str = ""
    codes: dict[tuple[str, str, str], tuple[str, str | None]] = field(default_factory=dict)


def village_kd_desa(village_code: str) -> str:
    """The Siskeudes ``Kd_Desa`` of a Kemendagri village code: ``35.10.01.2001`` → ``01.2001.``
    (kecamatan and desa parts; the form OpenSID's manual template and Siskeudes exports use)."""
    parts = village_code.split(".")
    return f"{parts[2]}.{parts[3]}." if len(parts) == 4 else village_code


def _same_desa(a: str, b: str) -> bool:
    return a.strip().rstrip(".") == b.strip().rstrip(".")


def read_zip(path: Path | str, *, kd_desa: str) -> ParsedBudget:
    """Read and check a Siskeudes zip for the village ``kd_desa``. Never raises for bad content: every
    problem is a reject (with table, row and column) in the result."""
    parsed = ParsedBudget(source="siskeudes")
    ctx = _Ctx(parsed, kd_desa=kd_desa)
    tables = _open_tables(Path(path), parsed)
    if tables is None:
        return parsed
    version = tables.get("ref_version")
    rab = tables.get("ta_rab")
    if version is None or rab is None:
        missing = [n for n, t in (("Ref_Version.csv", version), ("Ta_RAB.csv", rab)) if t is None]
        parsed.reject(N_("The file does not hold Siskeudes data: {missing} is missing (Ref_Version.csv and "
                         "Ta_RAB.csv are required)."), missing=", ".join(missing))
        return parsed
    vcol = version.col("Versi")
    if vcol is None or not version.rows:
        parsed.reject(N_("The table has no column “{column}”."), table=version.name, column="Versi")
        return parsed
    parsed.siskeudes_version = version.rows[0][1][vcol].strip()
    for t in tables.values():
        parsed.tables[t.name] = len(t.rows)
    if not _need(parsed, rab, "Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran"):
        return parsed
    # the village: the zip may hold several; only ours is read
    dcol = rab.col("Kd_Desa")
    assert dcol is not None
    villages = sorted({r[dcol].strip() for _n, r in rab.rows if r[dcol].strip()})
    if not any(_same_desa(v, kd_desa) for v in villages):
        parsed.reject(N_("The file is for another village: Kd_Desa {found}, this village is {ours}."),
                      table=rab.name, column=rab.real_name("Kd_Desa"), found=", ".join(villages) or "-",
                      ours=kd_desa)
        return parsed
    parsed.kd_desa = kd_desa
    tcol = rab.col("Tahun")
    assert tcol is not None
    mine = [(n, r) for n, r in rab.rows if _same_desa(r[dcol], kd_desa)]
    years = Counter(r[tcol].strip() for _n, r in mine)
    year_text = years.most_common(1)[0][0]
    try:
        tahun = int(year_text)
        if not 2015 <= tahun <= 2100:
            raise ValueError
    except ValueError:
        parsed.reject(N_("“{value}” is not a budget year."), table=rab.name, row=mine[0][0],
                      column=rab.real_name("Tahun"), value=year_text)
        return parsed
    for n, r in mine:
        if r[tcol].strip() != year_text:
            parsed.reject(N_("The row is for the year {found}, the file for {year}."), table=rab.name, row=n,
                          column=rab.real_name("Tahun"), found=r[tcol].strip(), year=tahun)
    parsed.tahun = tahun
    try:
        ctx.ref = reference_for(tahun)
    except ValidationError as e:
        parsed.reject(e.template, **e.data)
        return parsed
    objek, kegiatan_names, keg_map = _file_reference(ctx, tables)
    _read_budget(ctx, tables, objek, kegiatan_names, keg_map)
    _read_perdes(ctx, tables)
    _read_realization(ctx, tables, objek, kegiatan_names)
    return parsed


# --- reading the zip ---------------------------------------------------------------------------

def _open_tables(path: Path, parsed: ParsedBudget) -> dict[str, _Table] | None:
    try:
        if path.stat().st_size > MAX_ZIP_BYTES:
            parsed.reject(N_("The file is too large for a Siskeudes export."))
            return None
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        parsed.reject(N_("The file {name} was not found."), name=path.name)
        return None
    except (zipfile.BadZipFile, OSError):
        parsed.reject(N_("{name} is not a zip file, or it is damaged (half-written or cut off)."), name=path.name)
        return None
    tables: dict[str, _Table] = {}
    with zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue
            name = Path(info.filename).stem
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile):
                parsed.reject(N_("{name} in the zip is damaged (half-written or cut off)."), table=name,
                              name=info.filename)
                continue
            except Exception:  # zlib.error and friends: a broken member
                parsed.reject(N_("{name} in the zip is damaged (half-written or cut off)."), table=name,
                              name=info.filename)
                continue
            table = _parse_csv(name, data, parsed)
            if table is not None:
                tables[name.lower()] = table
    return tables


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _parse_csv(name: str, data: bytes, parsed: ParsedBudget) -> _Table | None:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header:
            parsed.reject(N_("The table is empty (no header row)."), table=name)
            return None
        header = [h.strip() for h in header]
        rows: list[tuple[int, list[str]]] = []
        for n, row in enumerate(reader, start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                parsed.reject(N_("The row has {found} fields but the header has {expected} (a broken or cut-off "
                                 "line)."), table=name, row=n, found=len(row), expected=len(header))
                continue
            rows.append((n, row))
    except csv.Error:
        parsed.reject(N_("The table cannot be read as CSV after row {row} (a broken quote, or the file was cut "
                         "off)."), table=name, row=reader.line_num)
        return None
    return _Table(name, header, rows)


def _need(parsed: ParsedBudget, table: _Table, *columns: str) -> bool:
    missing = [c for c in columns if table.col(c) is None]
    for c in missing:
        parsed.reject(N_("The table has no column “{column}” (this Siskeudes version names its columns "
                         "differently?). Columns found: {found}."), table=table.name, column=c,
                      found=", ".join(table.header))
    return not missing


def _rows_of(ctx: _Ctx, table: _Table) -> Iterator[tuple[int, list[str]]]:
    """The table's rows of our village (all rows when the table has no Kd_Desa)."""
    dcol = table.col("Kd_Desa")
    for n, r in table.rows:
        if dcol is None or _same_desa(r[dcol], ctx.kd_desa):
            yield n, r


def _get(table: _Table, row: list[str], canonical: str) -> str:
    i = table.col(canonical)
    return row[i].strip() if i is not None else ""


def _kegiatan_of(ctx: _Ctx, kd_keg: str) -> str | None:
    """``01.2001.01.02.03.`` (Kd_Desa + ID_Keg) → ``01.02.03``; pendapatan rows (zeros) → None."""
    s = kd_keg.strip()
    prefix = ctx.kd_desa.rstrip(".") + "."
    if s.startswith(prefix):
        s = s[len(prefix):]
    return normalize_kegiatan(s)


def _amount(ctx: _Ctx, table: _Table, n: int, row: list[str], canonical: str, *,
            allow_negative: bool = False, empty_zero: bool = True) -> Decimal | None:
    raw = _get(table, row, canonical)
    if not raw and empty_zero:
        return ZERO
    try:
        return parse_amount(raw, allow_negative=allow_negative)
    except AmountError as e:
        ctx.parsed.reject(e.template, table=table.name, row=n, column=table.real_name(canonical), **e.data)
        return None


def _file_reference(ctx: _Ctx, tables: dict[str, _Table]
                    ) -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """Objek codes (Ref_Rek4), kegiatan names (Ref_Kegiatan, Ta_Kegiatan) and Kd_Keg → ID_Keg of the file;
    a kegiatan filed under another bidang is a reject."""
    objek: set[str] = set()
    names: dict[str, str] = {}
    keg_map: dict[str, str] = {}
    rek4 = tables.get("ref_rek4")
    if rek4 is not None and rek4.col("Obyek") is not None:
        for _n, r in rek4.rows:
            code = normalize_account(_get(rek4, r, "Obyek"))
            if code:
                objek.add(code)
                names[code] = _get(rek4, r, "Nama_Obyek")
    for tname in ("ref_kegiatan", "ta_kegiatan"):
        t = tables.get(tname)
        if t is None or t.col("ID_Keg") is None:
            continue
        rows = _rows_of(ctx, t) if tname == "ta_kegiatan" else iter(t.rows)
        for n, r in rows:
            keg = normalize_kegiatan(_get(t, r, "ID_Keg"))
            if not keg:
                continue
            code = keg
            names.setdefault(code, _get(t, r, "Nama_Kegiatan"))
            bid = _get(t, r, "Kd_Bid").rstrip(".")
            bid = bid.split(".")[-1] if bid else ""
            if bid and bid != code[:2]:
                ctx.parsed.reject(N_("Kegiatan {kegiatan} is filed under bidang {bidang}, but its code belongs "
                                     "to bidang {expected}."), table=t.name, row=n, column=t.real_name("Kd_Bid"),
                                  kegiatan=code, bidang=bid, expected=code[:2])
            if tname == "ta_kegiatan":
                kd = _get(t, r, "Kd_Keg")
                if kd:
                    mapped = _kegiatan_of(ctx, kd)
                    if mapped and mapped != code:
                        ctx.parsed.reject(N_("Kd_Keg {kd_keg} does not match ID_Keg {kegiatan}."), table=t.name,
                                          row=n, column=t.real_name("Kd_Keg"), kd_keg=kd, kegiatan=code)
                    keg_map[kd.rstrip(".")] = code
    return frozenset(objek), names, keg_map


def _check_codes(ctx: _Ctx, table: _Table, n: int, row: list[str], objek: frozenset[str],
                 keg_names: dict[str, str]) -> tuple[str, str | None] | None:
    """The row's account and kegiatan, checked (answers for codes seen before are remembered; a reject
    is reported for every row that has it)."""
    key = (table.name, _get(table, row, "Kd_Rincian"), _get(table, row, "Kd_Keg"))
    known = ctx.codes.get(key)
    if known is not None:
        return known
    before = len(ctx.parsed.rejects)
    found = _check_codes_once(ctx, table, n, row, objek, keg_names)
    if found is not None and len(ctx.parsed.rejects) == before:
        ctx.codes[key] = found
    return found


def _check_codes_once(ctx: _Ctx, table: _Table, n: int, row: list[str], objek: frozenset[str],
                      keg_names: dict[str, str]) -> tuple[str, str | None] | None:
    assert ctx.ref is not None
    raw_acc = _get(table, row, "Kd_Rincian")
    try:
        account = ctx.ref.check_account(raw_acc, extra_objek=objek)
    except ValidationError as e:
        ctx.parsed.reject(e.template, table=table.name, row=n, column=table.real_name("Kd_Rincian"), **e.data)
        return None
    keg = _kegiatan_of(ctx, _get(table, row, "Kd_Keg"))
    if account.startswith("5"):
        if not keg:
            ctx.parsed.reject(N_("A belanja row needs a kegiatan (Kd_Keg)."), table=table.name, row=n,
                              column=table.real_name("Kd_Keg"))
            return None
        try:
            keg = ctx.ref.check_kegiatan(keg, extra=frozenset(keg_names))
        except ValidationError as e:
            ctx.parsed.reject(e.template, table=table.name, row=n, column=table.real_name("Kd_Keg"), **e.data)
            return None
    else:
        keg = None
    return account, keg


def _read_budget(ctx: _Ctx, tables: dict[str, _Table], objek: frozenset[str], keg_names: dict[str, str],
                 keg_map: dict[str, str]) -> None:
    assert ctx.ref is not None
    parsed = ctx.parsed
    rab = tables["ta_rab"]
    has_pak = rab.col("AnggaranStlhPAK") is not None
    own: dict[int, dict[str, dict[str, Decimal]]] = {0: {"kelompok": defaultdict(lambda: ZERO),
                                                        "bidang": defaultdict(lambda: ZERO)},
                                                    1: {"kelompok": defaultdict(lambda: ZERO),
                                                        "bidang": defaultdict(lambda: ZERO)}}
    rab_lines: list[tuple[str, str | None, Decimal, Decimal]] = []
    for n, r in _rows_of(ctx, rab):
        codes = _check_codes(ctx, rab, n, r, objek, keg_names)
        induk = _amount(ctx, rab, n, r, "Anggaran")
        after = _amount(ctx, rab, n, r, "AnggaranStlhPAK") if has_pak else induk
        if codes is None or induk is None or after is None:
            continue
        account, keg = codes
        if has_pak and not _get(rab, r, "AnggaranStlhPAK"):
            after = induk
        rab_lines.append((account, keg, induk, after))
        for versi, value in ((0, induk), (1, after)):
            own[versi]["kelompok"][kelompok_of(account)] += value
            if account.startswith("5") and keg:
                own[versi]["bidang"][keg[:2]] += value
    rinci = tables.get("ta_rabrinci")
    induk_lines: list[ParsedLine] = []
    after_lines: list[ParsedLine] = []
    changed = False
    if rinci is not None and _need(parsed, rinci, "Kd_Keg", "Kd_Rincian", "Anggaran"):
        has_pak_r = rinci.col("AnggaranStlhPAK") is not None
        for n, r in _rows_of(ctx, rinci):
            codes = _check_codes(ctx, rinci, n, r, objek, keg_names)
            induk = _amount(ctx, rinci, n, r, "Anggaran")
            after = _amount(ctx, rinci, n, r, "AnggaranStlhPAK") if has_pak_r else induk
            price = _amount(ctx, rinci, n, r, "HrgSatuan", empty_zero=False) if _get(rinci, r, "HrgSatuan") else None
            try:
                vol = parse_quantity(_get(rinci, r, "JmlSatuan"))
            except AmountError as e:
                parsed.reject(e.template, table=rinci.name, row=n, column=rinci.real_name("JmlSatuan"), **e.data)
                continue
            if codes is None or induk is None or after is None:
                continue
            if has_pak_r and not _get(rinci, r, "AnggaranStlhPAK"):
                after = induk
            account, keg = codes
            if vol is not None and price is not None and (vol * price).quantize(Decimal("0.01")) != induk \
                    and induk:
                parsed.warn(N_("Volume × unit price is Rp {product}, the amount Rp {amount}."), table=rinci.name,
                            row=n, column=rinci.real_name("Anggaran"), product=_rp(vol * price), amount=_rp(induk))
            common: dict[str, Any] = {"kode_rekening": account, "kode_kegiatan": keg,
                      "uraian": _get(rinci, r, "Uraian") or ctx.ref.name_of(account) or objek_name(keg_names, account),
                      "sumber_dana": _get(rinci, r, "SumberDana").upper(),
                      "volume": None if vol is None else str(vol), "satuan": _get(rinci, r, "Satuan"),
                      "harga_satuan": price, "tags": _tags(ctx.ref, keg)}
            if induk:
                induk_lines.append(ParsedLine(anggaran=induk, **common))
            if after:
                after_lines.append(ParsedLine(anggaran=after, **common))
            changed = changed or after != induk
        parsed.file_totals = {0: {k: dict(v) for k, v in own[0].items()}, 1: {k: dict(v) for k, v in own[1].items()}}
    else:
        for account, keg, induk, after in rab_lines:
            common = {"kode_rekening": account, "kode_kegiatan": keg,
                      "uraian": ctx.ref.name_of(account) or objek_name(keg_names, account), "tags": _tags(ctx.ref, keg)}
            if induk:
                induk_lines.append(ParsedLine(anggaran=induk, **common))
            if after:
                after_lines.append(ParsedLine(anggaran=after, **common))
            changed = changed or after != induk
    kegiatan = tables.get("ta_kegiatan")
    if kegiatan is not None:
        info = {}
        for _n, r in _rows_of(ctx, kegiatan):
            code = normalize_kegiatan(_get(kegiatan, r, "ID_Keg")) or _kegiatan_of(ctx, _get(kegiatan, r, "Kd_Keg"))
            if code:
                info[code] = (_get(kegiatan, r, "Lokasi"), _get(kegiatan, r, "Keluaran"))
        for ln in (*induk_lines, *after_lines):
            if ln.kode_kegiatan in info:
                ln.lokasi, ln.keluaran = info[ln.kode_kegiatan]
    parsed.versions[0] = induk_lines
    if changed:
        parsed.versions[1] = after_lines
    else:
        parsed.file_totals.pop(1, None)


def objek_name(names: dict[str, str], account: str) -> str:
    return names.get(account, "")


def _tags(ref: BudgetReference, keg: str | None) -> list[str]:
    return list(ref.kegiatan[keg].tags) if keg and keg in ref.kegiatan else []


def _rp(value: Decimal) -> str:
    from kiosk.budget.money import format_rupiah

    return format_rupiah(value)


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y")


def _date(ctx: _Ctx, table: _Table, n: int, raw: str, column: str) -> dt.date | None:
    """Siskeudes dates: ``MM/DD/YYYY[ hh:mm:ss]`` (Access via mdb2csv; ``DD/MM`` when the first part is
    above 12), or ISO. The date must fall in the budget year."""
    s = raw.strip()
    value: dt.date | None = None
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$", s)
    try:
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            value = dt.date(y, b, a) if a > 12 else dt.date(y, a, b)
        else:
            for fmt in _DATE_FORMATS:
                try:
                    value = dt.datetime.strptime(s[:19], fmt).date()
                    break
                except ValueError:
                    continue
    except ValueError:
        value = None
    if value is None:
        ctx.parsed.reject(N_("“{value}” is not a date."), table=table.name, row=n, column=column, value=raw)
        return None
    if value.year != ctx.parsed.tahun:
        ctx.parsed.reject(N_("The date {date} is outside the budget year {year}."), table=table.name, row=n,
                          column=column, date=value.isoformat(), year=ctx.parsed.tahun)
        return None
    return value


def _dates(ctx: _Ctx, table: _Table | None, key: str, column: str) -> dict[str, tuple[int, str]]:
    if table is None:
        return {}
    out = {}
    for n, r in _rows_of(ctx, table):
        k = _get(table, r, key)
        if k:
            out[k] = (n, _get(table, r, column))
    return out


def _read_perdes(ctx: _Ctx, tables: dict[str, _Table]) -> None:
    desa = tables.get("ta_desa")
    if desa is None:
        return
    for n, r in _rows_of(ctx, desa):
        for versi, no_col, date_col in ((0, "No_Perdes", "Tgl_Perdes"), (1, "No_Perdes_PB", "Tgl_Perdes_PB")):
            number = _get(desa, r, no_col)
            raw = _get(desa, r, date_col)
            if not number:
                continue
            date: dt.date | None = None
            if raw:
                # a Perdes is usually dated in December of the year before
                saved = ctx.parsed.tahun
                for year in (saved, (saved or 0) - 1):
                    ctx.parsed.tahun = year
                    before = len(ctx.parsed.rejects)
                    date = _date(ctx, desa, n, raw, desa.real_name(date_col))
                    if date is not None:
                        break
                    del ctx.parsed.rejects[before:]
                ctx.parsed.tahun = saved
                if date is None:
                    ctx.parsed.warn(N_("“{value}” is not a usable Perdes date; it was left empty."), table=desa.name,
                                    row=n, column=desa.real_name(date_col), value=raw)
            ctx.parsed.perdes[versi] = (number, date)
        break


def _read_realization(ctx: _Ctx, tables: dict[str, _Table], objek: frozenset[str],
                      keg_names: dict[str, str]) -> None:
    parsed = ctx.parsed
    seen: Counter[str] = Counter()

    def add(table: _Table, n: int, r: list[str], number: str, raw_date: str, date_col: str, jenis: str,
            amount_col: str, *, allow_negative: bool = False) -> None:
        codes = _check_codes(ctx, table, n, r, objek, keg_names)
        value = _amount(ctx, table, n, r, amount_col, allow_negative=allow_negative)
        if not raw_date:
            parsed.reject(N_("The entry has no date ({column_name})."), table=table.name, row=n, column=date_col,
                          column_name=date_col)
            return
        date = _date(ctx, table, n, raw_date, date_col)
        if codes is None or value is None or date is None or value == 0:
            return
        account, keg = codes
        sumber = (_get(table, r, "SumberDana") or _get(table, r, "RincianSD")).upper()[:10]
        key = f"siskeudes|{table.name}|{number}|{keg or ''}|{account}|{sumber}"
        seen[key] += 1
        parsed.entries.append(ParsedEntry(date, account, keg, sumber, value, jenis, number[:60],
                                          f"{key}|{seen[key]}"[:200]))

    tbp_rinci = tables.get("ta_tbprinci")
    if tbp_rinci is not None and _need(parsed, tbp_rinci, "No_Bukti", "Kd_Rincian", "Nilai"):
        dates = _dates(ctx, tables.get("ta_tbp"), "No_Bukti", "Tgl_Bukti")
        for n, r in _rows_of(ctx, tbp_rinci):
            number = _get(tbp_rinci, r, "No_Bukti")
            raw = dates.get(number, (0, ""))[1]
            add(tbp_rinci, n, r, number, raw, "Ta_TBP.Tgl_Bukti", "TBP", "Nilai")
    spp_rinci = tables.get("ta_spprinci")
    spp = tables.get("ta_spp")
    uang_muka: set[str] = set()
    spp_dates: dict[str, str] = {}
    if spp is not None:
        for _n, r in _rows_of(ctx, spp):
            no = _get(spp, r, "No_SPP")
            spp_dates[no] = _get(spp, r, "Tgl_SPP")
            if _get(spp, r, "Jn_SPP").upper() == "UM":
                uang_muka.add(no)
    if spp_rinci is not None and _need(parsed, spp_rinci, "No_SPP", "Kd_Keg", "Kd_Rincian", "Nilai"):
        for n, r in _rows_of(ctx, spp_rinci):
            number = _get(spp_rinci, r, "No_SPP")
            if number in uang_muka:
                continue  # a panjar counts when it is accounted for (SPJ)
            add(spp_rinci, n, r, number, spp_dates.get(number, ""), "Ta_SPP.Tgl_SPP", "SPP", "Nilai")
    spj_rinci = tables.get("ta_spjrinci")
    if spj_rinci is not None and uang_muka and _need(parsed, spj_rinci, "No_SPJ", "Kd_Keg", "Kd_Rincian", "Nilai"):
        spj_dates = {k: v for k, (_n, v) in _dates(ctx, tables.get("ta_spj"), "No_SPJ", "Tgl_SPJ").items()}
        for n, r in _rows_of(ctx, spj_rinci):
            number = _get(spj_rinci, r, "No_SPJ")
            if _get(spj_rinci, r, "No_SPP") not in uang_muka:
                continue
            raw = spj_dates.get(number) or spp_dates.get(_get(spj_rinci, r, "No_SPP"), "")
            add(spj_rinci, n, r, number, raw, "Ta_SPJ.Tgl_SPJ", "SPJ", "Nilai")
    ju_rinci = tables.get("ta_jurnalumumrinci")
    if ju_rinci is not None and ju_rinci.col("Kd_Rincian") is not None:
        ju_dates = {k: v for k, (_n, v) in _dates(ctx, tables.get("ta_jurnalumum"), "NoBukti", "Tanggal").items()}
        for n, r in _rows_of(ctx, ju_rinci):
            account = normalize_account(_get(ju_rinci, r, "Kd_Rincian"))
            if account[:1] not in ("4", "5", "6"):
                continue
            number = _get(ju_rinci, r, "NoBukti")
            # a journal moves realization: income on the credit side, spending on the debit side
            col = "Kredit" if account.startswith(("4", "6.1")) else "Debet"
            debit_credit = _amount(ctx, ju_rinci, n, r, col, allow_negative=True)
            if debit_credit is None or debit_credit == 0:
                continue
            add(ju_rinci, n, r, number, ju_dates.get(number, ""), "Ta_JurnalUmum.Tanggal", "JU", col,
                allow_negative=True)
    _ = jenis_of  # (kept for readers: jenis grouping lives in ledger)


def read_any(path: Path | str, *, kd_desa: str) -> ParsedBudget:
    """A Siskeudes zip or the simple template (by extension)."""
    p = Path(path)
    if p.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        from kiosk.budget.template import read_template

        return read_template(p)
    return read_zip(p, kd_desa=kd_desa)


def kd_desa_for(village_code: str | None, override: str | None = None) -> str:
    if override:
        return override if override.endswith(".") else override + "."
    return village_kd_desa(village_code or "")


__all__ = ["Any", "read_any", "read_zip", "village_kd_desa"]
