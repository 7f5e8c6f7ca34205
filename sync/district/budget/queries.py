"""The district's budget figures per village and year: budget vs realization, Dana Desa absorption
(realized DDS spending ÷ DDS budget), priority shares against the year's rules, APBDes status (flagged
when not set by its deadline) and report timeliness. A handful of aggregate queries, joined in Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from sync.district.budget.models import BudgetProjection, BudgetReport, BudgetRules, RealizationSum
from sync.district.db import Database
from sync.district.models import Village

DEFAULT_RULES = {"blt_max": Decimal("15"), "pangan_min": Decimal("20"), "operasional_max": Decimal("3")}


@dataclass(frozen=True)
class Rules:
    tahun: int
    blt_max: Decimal
    pangan_min: Decimal
    operasional_max: Decimal
    semester1_deadline: dt.date
    final_deadline: dt.date
    set_deadline: dt.date
    configured: bool


def rules_for(db: Database, tahun: int) -> Rules:
    with db.read() as s:
        r = s.get(BudgetRules, tahun)
    if r is None:
        # Permendesa PDT 2/2024 shares; semester I by mid-July, year end by 31 January (e.g. Perbup
        # Purbalingga 36/2017), the APBDes set by 31 December of the year before.
        return Rules(tahun, DEFAULT_RULES["blt_max"], DEFAULT_RULES["pangan_min"], DEFAULT_RULES["operasional_max"],
                     dt.date(tahun, 7, 14), dt.date(tahun + 1, 1, 31), dt.date(tahun - 1, 12, 31), False)
    return Rules(tahun, Decimal(r.blt_max), Decimal(r.pangan_min), Decimal(r.operasional_max), r.semester1_deadline,
                 r.final_deadline, r.set_deadline, True)


def set_rules(db: Database, tahun: int, *, blt_max: Decimal | None = None, pangan_min: Decimal | None = None,
              operasional_max: Decimal | None = None, semester1_deadline: dt.date | None = None,
              final_deadline: dt.date | None = None, set_deadline: dt.date | None = None) -> Rules:
    current = rules_for(db, tahun)
    with db.write() as s:
        r = s.get(BudgetRules, tahun)
        if r is None:
            r = BudgetRules(tahun=tahun)
            s.add(r)
        r.blt_max = blt_max if blt_max is not None else current.blt_max
        r.pangan_min = pangan_min if pangan_min is not None else current.pangan_min
        r.operasional_max = operasional_max if operasional_max is not None else current.operasional_max
        r.semester1_deadline = semester1_deadline or current.semester1_deadline
        r.final_deadline = final_deadline or current.final_deadline
        r.set_deadline = set_deadline or current.set_deadline
    return rules_for(db, tahun)


def rp(sen: int) -> Decimal:
    return (Decimal(sen) / 100).quantize(Decimal("0.01"))


def share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class BudgetRow:
    code: str
    name: str
    tahun: int
    has_budget: bool = False
    versi: int = 0
    status: str = ""
    set_at: dt.datetime | None = None
    perdes_no: str = ""
    perdes_date: dt.date | None = None
    pendapatan: int = 0
    belanja: int = 0
    dana_desa: int = 0
    dds_belanja: int = 0
    blt: int = 0
    pangan: int = 0
    operasional: int = 0
    per_bidang: dict[str, int] = field(default_factory=dict)
    real: dict[str, int] = field(default_factory=dict)
    last_date: dt.date | None = None
    reports: dict[str, dt.datetime] = field(default_factory=dict)

    @property
    def realization(self) -> int:
        return self.real.get("5", 0)

    @property
    def realization_share(self) -> Decimal | None:
        return share(self.realization, self.belanja)

    @property
    def absorption(self) -> Decimal | None:
        """Dana Desa absorption: realized DDS spending ÷ DDS budget."""
        return share(self.real.get("dds", 0), self.dds_belanja)

    def priority(self, tag: str) -> Decimal | None:
        base = self.dana_desa or self.dds_belanja
        return share(int(getattr(self, tag)), base)

    def priority_flags(self, rules: Rules) -> dict[str, bool]:
        """True where the share breaks the year's rule."""
        out = {}
        for tag, limit, kind in (("blt", rules.blt_max, "max"), ("pangan", rules.pangan_min, "min"),
                                 ("operasional", rules.operasional_max, "max")):
            value = self.priority(tag)
            out[tag] = value is not None and (value > limit if kind == "max" else value < limit)
        return out

    def not_set(self, rules: Rules, today: dt.date) -> bool:
        """Flagged: the APBDes was not set by its deadline (31 December of the year before)."""
        if not self.has_budget:
            return today > rules.set_deadline
        if self.status != "ditetapkan" or self.set_at is None:
            return today > rules.set_deadline
        return self.set_at.date() > rules.set_deadline

    def report_state(self, period: str, rules: Rules, today: dt.date) -> str:
        """``ok`` / ``late`` (sent after the deadline) / ``missing`` (deadline passed, none sent) / ``due``."""
        deadline = rules.semester1_deadline if period == "semester1" else rules.final_deadline
        sent = self.reports.get(period)
        if sent is not None:
            return "ok" if sent.date() <= deadline else "late"
        return "missing" if today > deadline else "due"


def overview(db: Database, tahun: int) -> list[BudgetRow]:
    """One row per village for ``tahun`` (the latest APBDes version), ranked by Dana Desa absorption."""
    with db.read() as s:
        villages = s.execute(select(Village.code, Village.name).order_by(Village.code)).all()
        latest = select(BudgetProjection.village, func.max(BudgetProjection.versi).label("versi")) \
            .where(BudgetProjection.tahun == tahun).group_by(BudgetProjection.village).subquery()
        b_ = BudgetProjection
        budgets = s.execute(select(
            b_.village, b_.versi, b_.status, b_.set_at, b_.perdes_no, b_.perdes_date, b_.pendapatan, b_.belanja,
            b_.dana_desa, b_.dds_belanja, b_.blt, b_.pangan, b_.operasional, b_.per_bidang).join(
            latest, (b_.village == latest.c.village) & (b_.versi == latest.c.versi))
            .where(b_.tahun == tahun)).all()
        sums = s.execute(select(RealizationSum.village, RealizationSum.key, RealizationSum.total,
                                RealizationSum.last_date).where(RealizationSum.tahun == tahun)).all()
        reports = s.execute(select(BudgetReport.village, BudgetReport.periode, BudgetReport.submitted_at)
                            .where(BudgetReport.tahun == tahun)).all()
    rows = {code: BudgetRow(code, name, tahun) for code, name in villages}
    for b in budgets:
        r = rows.get(b.village) or rows.setdefault(b.village, BudgetRow(b.village, b.village, tahun))
        r.has_budget = True
        r.versi, r.status, r.set_at, r.perdes_no, r.perdes_date = b.versi, b.status, b.set_at, b.perdes_no, b.perdes_date
        r.pendapatan, r.belanja, r.dana_desa, r.dds_belanja = b.pendapatan, b.belanja, b.dana_desa, b.dds_belanja
        r.blt, r.pangan, r.operasional = b.blt, b.pangan, b.operasional
        r.per_bidang = {k: int(v) for k, v in (b.per_bidang or {}).items()}
    for village, key, total, last in sums:
        r = rows.get(village) or rows.setdefault(village, BudgetRow(village, village, tahun))
        r.real[key] = int(total)
        if last and (r.last_date is None or last > r.last_date):
            r.last_date = last
    for village, periode, at in reports:
        if village in rows:
            rows[village].reports[periode] = at
    return rank(list(rows.values()))


def rank(rows: list[BudgetRow]) -> list[BudgetRow]:
    """Highest absorption first; villages without a budget last."""
    keyed = [(r.absorption, r) for r in rows]
    keyed.sort(key=lambda kr: (kr[0] is None, -(kr[0] or 0), kr[1].code))
    return [r for _a, r in keyed]


def village(db: Database, code: str, tahun: int) -> BudgetRow | None:
    for row in overview(db, tahun):
        if row.code == code:
            return row
    return None


BIDANG = {"01": "Penyelenggaraan Pemerintahan Desa", "02": "Pelaksanaan Pembangunan Desa",
          "03": "Pembinaan Kemasyarakatan Desa", "04": "Pemberdayaan Masyarakat Desa",
          "05": "Penanggulangan Bencana, Keadaan Darurat dan Mendesak"}


def years(db: Database) -> list[int]:
    with db.read() as s:
        found = {int(y) for (y,) in s.execute(select(BudgetProjection.tahun).distinct())}
    return sorted(found, reverse=True)


def export_rows(rows: list[BudgetRow], rules: Rules, today: dt.date) -> list[list[Any]]:
    out: list[list[Any]] = [["peringkat", "kode_desa", "nama_desa", "tahun", "versi", "status", "ditetapkan",
                             "terlambat_ditetapkan", "pendapatan", "belanja", "realisasi_belanja", "persen_realisasi",
                             "pagu_dds", "realisasi_dds", "serapan_dd_persen", "blt_persen", "pangan_persen",
                             "operasional_persen", "melanggar_aturan", "laporan_semester1", "laporan_akhir"]]
    for i, r in enumerate(rows, start=1):
        flags = r.priority_flags(rules)
        out.append([i, r.code, r.name, r.tahun, r.versi if r.has_budget else "", r.status,
                    r.set_at.date().isoformat() if r.set_at else "", "ya" if r.not_set(rules, today) else "tidak",
                    str(rp(r.pendapatan)), str(rp(r.belanja)), str(rp(r.realization)), _s(r.realization_share),
                    str(rp(r.dds_belanja)), str(rp(r.real.get("dds", 0))), _s(r.absorption), _s(r.priority("blt")),
                    _s(r.priority("pangan")), _s(r.priority("operasional")),
                    ",".join(k for k, v in flags.items() if v), r.report_state("semester1", rules, today),
                    r.report_state("akhir", rules, today)])
    return out


def _s(value: Decimal | None) -> str:
    return "" if value is None else str(value)
