"""Plain data shared by the APBDes prints (poster, realization report), and their number formats.

Printed budget documents are official Indonesian documents: their wording is Indonesian, as the
letters' is. Amounts arrive as ``Decimal`` and are printed exactly (no float on the way).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date

MONTHS_FORMAT = "d MMMM y"


def rupiah(value: Decimal | None, *, parentheses: bool = False, symbol: bool = False) -> str:
    if value is None:
        return "-"
    negative = value < 0
    value = abs(value)
    whole = int(value)
    sen = int((value - whole) * 100)
    text = f"{whole:,}".replace(",", ".") + (f",{sen:02d}" if sen else "")
    if symbol:
        text = "Rp " + text
    if negative:
        text = f"({text})" if parentheses else "-" + text
    return text


def short_rupiah(value: Decimal) -> str:
    """``1.355.000.000`` → ``Rp 1,36 M``; ``560.000.000`` → ``Rp 560 jt`` (for big type on the poster)."""
    negative = value < 0
    v = abs(value)
    if v >= Decimal("1000000000"):
        text = f"{(v / Decimal('1000000000')).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}".replace(".", ",")
        text = text.rstrip("0").rstrip(",") + " M"
    elif v >= Decimal("1000000"):
        text = f"{(v / Decimal('1000000')).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}".replace(".", ",")
        text = text.rstrip("0").rstrip(",") + " jt"
    else:
        text = rupiah(v)
    return ("-" if negative else "") + "Rp " + text


def pct(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return "-"
    return f"{(part * 100 / whole).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}".replace(".", ",")


def tanggal(value: dt.date | None) -> str:
    return format_date(value, MONTHS_FORMAT, locale="id") if value else "-"


@dataclass(frozen=True)
class Row:
    """One row of a budget table: code, name, budget, realization, depth (0 = group), bold."""

    code: str
    name: str
    budget: Decimal
    realization: Decimal
    level: int = 0
    bold: bool = False

    @property
    def difference(self) -> Decimal:
        return self.realization - self.budget


@dataclass(frozen=True)
class Office:
    village: str  # "Desa Sarongan"
    kecamatan: str
    kabupaten: str
    provinsi: str = ""
    letterhead: list[str] = field(default_factory=list)  # PEMERINTAH KABUPATEN ... lines
    logo_png: bytes | None = None
    head_title: str = "Kepala Desa"
    head_name: str = ""
    place: str = ""  # where the document is signed


@dataclass(frozen=True)
class BudgetPrint:
    """Everything the poster and the report need for one village-year."""

    office: Office
    year: int
    version_label: str  # "APBDes" | "APBDes Perubahan"
    perdes: str  # "Peraturan Desa Nomor 3 Tahun 2024 tanggal 20 Desember 2024"
    pendapatan: Decimal
    belanja: Decimal
    penerimaan: Decimal
    pengeluaran: Decimal
    real_pendapatan: Decimal
    real_belanja: Decimal
    real_penerimaan: Decimal
    real_pengeluaran: Decimal
    income: list[Row]  # per jenis (4.x.x)
    bidang: list[Row]  # per bidang (01..05)
    kegiatan: list[tuple[str, str, str, Decimal, Decimal]]  # code, name, lokasi, budget, realization
    kelompok_rows: list[Row]  # the report's table per kelompok/jenis
    bidang_rows: list[Row]  # the report's table per bidang/sub bidang/kegiatan
    as_of: dt.date | None
    printed_on: dt.date
    period: str = ""  # "SEMESTER I" | "AKHIR TAHUN" | ""

    @property
    def surplus(self) -> Decimal:
        return self.pendapatan - self.belanja

    @property
    def netto(self) -> Decimal:
        return self.penerimaan - self.pengeluaran

    @property
    def real_surplus(self) -> Decimal:
        return self.real_pendapatan - self.real_belanja

    @property
    def real_netto(self) -> Decimal:
        return self.real_penerimaan - self.real_pengeluaran
