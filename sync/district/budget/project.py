"""Keeps the budget projections in step with the applied changes, inside the push transaction.

Called by the batch applier once a change of ``apbdes``, ``apbdes_realisasi`` or ``apbdes_laporan`` is
decided as applied; a duplicate never reaches here, so every ledger entry is summed exactly once. The
``apbdes`` record is the village's whole APBDes (header and lines), so its projection is rebuilt from
the record's state.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table, delete, insert
from sqlalchemy.engine import Connection

from sync.district.budget.models import BudgetProjection, BudgetReport, RealizationSum

ENTITY_APBDES = "apbdes"
ENTITY_REALISASI = "apbdes_realisasi"
ENTITY_LAPORAN = "apbdes_laporan"
ENTITIES = frozenset({ENTITY_APBDES, ENTITY_REALISASI, ENTITY_LAPORAN})


class BadBudgetPayload(ValueError):
    pass


def sen(value: Any) -> int:
    """A decimal amount as sent (``"1234567.00"``) in integer sen; never through a float."""
    if isinstance(value, (bool, float)) or value is None:
        raise BadBudgetPayload("amount")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise BadBudgetPayload("amount") from None
    if not d.is_finite() or abs(d) >= Decimal("1000000000000"):
        raise BadBudgetPayload("amount")
    return int((d * 100).to_integral_value())


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadBudgetPayload("date") from None


def _datetime(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        out = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise BadBudgetPayload("date") from None
    return out if out.tzinfo else out.replace(tzinfo=dt.UTC)


def check(entity: str, data: dict[str, Any]) -> None:
    """Raise ``BadBudgetPayload`` for a payload the projections cannot take (checked before applying)."""
    if entity == ENTITY_APBDES:
        if not isinstance(data.get("lines", []), list):
            raise BadBudgetPayload("lines")
        int(data["tahun"])
        for ln in data.get("lines", []):
            sen(ln["anggaran"])
            str(ln["kode_rekening"])
        _date(data.get("perdes_date"))
        _datetime(data.get("set_at"))
    elif entity == ENTITY_REALISASI:
        int(data["tahun"])
        sen(data["jumlah"])
        if _date(data.get("tanggal")) is None:
            raise BadBudgetPayload("date")
        str(data["kode_rekening"])
    elif entity == ENTITY_LAPORAN:
        int(data["tahun"])
        if data.get("periode") not in ("semester1", "akhir"):
            raise BadBudgetPayload("periode")


def budget_row(village: str, apbdes_id: str, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    sums = dict.fromkeys(("pendapatan", "belanja", "penerimaan", "pengeluaran", "dana_desa", "dds_belanja", "blt",
                          "pangan", "operasional"), 0)
    bidang: dict[str, int] = {}
    lines = data.get("lines") or []
    for ln in lines:
        acc = str(ln.get("kode_rekening") or "")
        amount = sen(ln.get("anggaran"))
        if acc.startswith("4"):
            sums["pendapatan"] += amount
            if acc.startswith("4.2.1"):
                sums["dana_desa"] += amount
        elif acc.startswith("5"):
            sums["belanja"] += amount
            keg = str(ln.get("kode_kegiatan") or "00")
            bidang[keg[:2]] = bidang.get(keg[:2], 0) + amount
            if str(ln.get("sumber_dana") or "").upper() == "DDS":
                sums["dds_belanja"] += amount
                for tag in ln.get("tags") or ():
                    if tag in ("blt", "pangan", "operasional"):
                        sums[tag] += amount
        elif acc.startswith("6.1"):
            sums["penerimaan"] += amount
        elif acc.startswith("6.2"):
            sums["pengeluaran"] += amount
    return {"village": village, "apbdes_id": apbdes_id, "tahun": int(data["tahun"]), "versi": int(data.get("versi", 0)),
            "status": str(data.get("status") or "draft")[:20], "perdes_no": str(data.get("perdes_no") or "")[:60],
            "perdes_date": _date(data.get("perdes_date")), "set_at": _datetime(data.get("set_at")),
            "per_bidang": dict(sorted(bidang.items())), "lines": len(lines), "updated_at": now, **sums}


def realization_keys(data: dict[str, Any]) -> list[str]:
    acc = str(data.get("kode_rekening") or "")
    keys: list[str] = []
    if acc.startswith("4"):
        keys.append("4")
    elif acc.startswith("5"):
        keys.append("5")
        keys.append("b:" + str(data.get("kode_kegiatan") or "00")[:2])
        if str(data.get("sumber_dana") or "").upper() == "DDS":
            keys.append("dds")
    elif acc.startswith("6.1"):
        keys.append("6.1")
    elif acc.startswith("6.2"):
        keys.append("6.2")
    return keys


def _dialect_insert(conn: Connection) -> Any:
    """The INSERT with ON CONFLICT of the connection's dialect (both speak it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _upsert(conn: Connection, table: Any, values: dict[str, Any], index: list[str], update: Any) -> None:
    stmt = _dialect_insert(conn)(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=index, set_=update(stmt)))


def project(conn: Connection, village: str, entity: str, entity_id: str, op: str, data: dict[str, Any],
            now: dt.datetime) -> None:
    """Bring the projections up to date with one applied change (the record's state after it)."""
    if entity == ENTITY_APBDES:
        conn.execute(delete(BudgetProjection).where(BudgetProjection.village == village,
                                                   BudgetProjection.apbdes_id == entity_id))
        conn.execute(insert(BudgetProjection).values(**budget_row(village, entity_id, data, now)))
    elif entity == ENTITY_REALISASI and op == "create":
        t = cast(Table, RealizationSum.__table__)
        amount = sen(data["jumlah"])
        day = _date(data["tanggal"])
        tahun = int(data["tahun"])
        for key in realization_keys(data):
            def update(stmt: Any) -> dict[str, Any]:
                from sqlalchemy import case

                return {"total": t.c.total + stmt.excluded.total, "entries": t.c.entries + 1,
                        "last_date": case((t.c.last_date.is_(None), stmt.excluded.last_date),
                                          (t.c.last_date < stmt.excluded.last_date, stmt.excluded.last_date),
                                          else_=t.c.last_date)}

            _upsert(conn, t, {"village": village, "tahun": tahun, "key": key, "total": amount, "entries": 1,
                              "last_date": day}, ["village", "tahun", "key"], update)
    elif entity == ENTITY_LAPORAN and op == "create":
        t = cast(Table, BudgetReport.__table__)
        submitted = _datetime(data.get("submitted_at")) or now
        conn.execute(_dialect_insert(conn)(t).values(village=village, tahun=int(data["tahun"]), periode=data["periode"],
                                              submitted_at=submitted, report_id=entity_id)
                     .on_conflict_do_nothing(index_elements=["village", "tahun", "periode"]))
