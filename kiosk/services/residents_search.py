"""Search as you type over residents: name token prefixes (FTS5), NIK / No. KK prefixes, filters, pages.

Three plans, each walking an index in order and stopping at the page size, so a keystroke costs
about the same at 1,000 or 100,000 residents:

* text → FTS5 prefix query on the folded name (``"sla"* AND "ru"*``), in rowid order;
* digits → NIK prefix and No. KK prefix, each a ``GLOB 'prefix*'`` range on its index;
* nothing → every resident by folded name (``ix_resident_name_search``).

Paging is keyset (``SearchPage.next_cursor``): the next page continues after the last row, never
re-reading the rows before it. Rows are plain ``ResidentRow`` tuples for item models.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from sys import intern
from typing import Any, NamedTuple

from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection

from kiosk.db import Store
from kiosk.text import fold_name

PAGE_SIZE = 50
KK_MIN_DIGITS = 6  # a No. KK prefix is searched once it goes past the 6-digit region code
_DIGITS = re.compile(r"[\d\s.]+")


class ResidentRow(NamedTuple):
    """One line of the resident list (a tuple: 100,000 of them stay small)."""

    id: str
    nik: str | None
    kk_number: str | None
    name: str
    sex: int | None
    birth_date: str | None  # ISO date as stored
    rt: str
    rw: str
    dusun: str
    status: int
    family_relation: int | None


@dataclass(frozen=True)
class ResidentQuery:
    """What to look for: ``text`` (name words, or digits of a NIK/No. KK) and filters."""

    text: str = ""
    dusun: str | None = None
    rt: str | None = None
    rw: str | None = None
    status: int | None = None  # status_dasar; None: any
    sex: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    today: dt.date | None = None  # for the age filter (tests)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchPage:
    rows: list[ResidentRow]
    next_cursor: tuple[Any, ...] | None  # pass back as ``after`` for the next page; None: no more


_COLS = "r.id, r.nik, r.kk_number, r.name, r.sex, r.birth_date, r.rt, r.rw, r.dusun, r.status, r.family_relation"


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _filters(q: ResidentQuery, params: dict[str, Any]) -> str:
    parts: list[str] = []
    if q.dusun:
        parts.append("r.dusun = :dusun")
        params["dusun"] = q.dusun
    if q.rw:
        parts.append("r.rw = :rw")
        params["rw"] = q.rw.strip().zfill(3) if q.rw.strip().isdigit() else q.rw
    if q.rt:
        parts.append("r.rt = :rt")
        params["rt"] = q.rt.strip().zfill(3) if q.rt.strip().isdigit() else q.rt
    if q.status is not None:
        parts.append("r.status = :status")
        params["status"] = q.status
    if q.sex is not None:
        parts.append("r.sex = :sex")
        params["sex"] = q.sex
    today = q.today or dt.date.today()
    if q.age_min is not None:  # born on or before today minus age_min years
        parts.append("r.birth_date <= :born_before")
        params["born_before"] = _years_ago(today, q.age_min).isoformat()
    if q.age_max is not None:  # younger than age_max + 1
        parts.append("r.birth_date > :born_after")
        params["born_after"] = _years_ago(today, q.age_max + 1).isoformat()
    return "".join(f" AND {p}" for p in parts)


def fts_query(text: str) -> str | None:
    """``"Siti Ma'ruf"`` → ``"siti"* AND "ma"* AND "ruf"*`` (folded tokens, each a prefix)."""
    tokens = fold_name(text).split()
    if not tokens:
        return None
    return " AND ".join(f'"{t}"*' for t in tokens)


def build_query(q: ResidentQuery, *, after: tuple[Any, ...] | None, limit: int) -> tuple[str, dict[str, Any], str]:
    """The SQL of one page, its parameters, and the plan name ("name", "number" or "all")."""
    params: dict[str, Any] = {"limit": limit}
    where = _filters(q, params)
    raw = q.text.strip()
    if raw and _DIGITS.fullmatch(raw):
        digits = re.sub(r"\D", "", raw)[:16]
        params["pattern"] = digits + "*"
        # Two index-ordered streams, each stopping at ``limit``; a row found by both comes from the NIK one.
        k_nik = k_kk = ""
        if after is not None:
            params["ak"], params["ar"] = after
            k_nik = " AND (r.nik, r.rowid) > (:ak, :ar)"
            k_kk = " AND (r.kk_number, r.rowid) > (:ak, :ar)"
        nik_part = (f"SELECT * FROM (SELECT {_COLS}, r.nik AS k, r.rowid AS rid FROM resident r "
                    f"WHERE r.nik GLOB :pattern{k_nik}{where} ORDER BY r.nik, r.rowid LIMIT :limit)")
        if len(digits) <= KK_MIN_DIGITS:
            # up to the region code, NIK and No. KK prefixes match the same people: NIK order only
            return f"{nik_part} ORDER BY k, rid LIMIT :limit", params, "number"
        sql = (
            f"SELECT * FROM ({nik_part} UNION ALL "
            f"SELECT * FROM (SELECT {_COLS}, r.kk_number AS k, r.rowid AS rid FROM resident r "
            f"WHERE r.kk_number GLOB :pattern AND NOT coalesce(r.nik GLOB :pattern, 0){k_kk}{where} "
            f"ORDER BY r.kk_number, r.rowid LIMIT :limit)"
            f") ORDER BY k, rid LIMIT :limit"
        )
        return sql, params, "number"
    match = fts_query(raw) if raw else None
    if match:
        params["match"] = match
        keyset = ""
        if after is not None:
            params["ar"] = after[-1]
            keyset = " AND f.rowid > :ar"
        sql = (
            f"SELECT {_COLS}, f.rowid AS k, f.rowid AS rid FROM resident_fts f "
            f"JOIN resident r ON r.rowid = f.rowid "
            f"WHERE resident_fts MATCH :match{keyset}{where} ORDER BY f.rowid LIMIT :limit"
        )
        return sql, params, "name"
    keyset = ""
    if after is not None:
        params["ak"], params["ar"] = after
        keyset = " AND (r.name_search, r.rowid) > (:ak, :ar)"
    sql = (
        f"SELECT {_COLS}, r.name_search AS k, r.rowid AS rid FROM resident r INDEXED BY ix_resident_name_search "
        f"WHERE 1{keyset}{where} ORDER BY r.name_search, r.rowid LIMIT :limit"
    )
    return sql, params, "all"


def search_connection(
    conn: Connection, query: ResidentQuery | str = "", *, after: tuple[Any, ...] | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """One page of results on an open connection."""
    q = ResidentQuery(text=query) if isinstance(query, str) else query
    sql, params, _plan = build_query(q, after=after, limit=limit)
    result = conn.execute(sql_text(sql), params).all()
    # RT, RW and dusun repeat across thousands of rows: share one string each (a 100k list is ~15 MB smaller)
    rows = [ResidentRow(r[0], r[1], r[2], r[3], r[4], r[5], intern(r[6] or ""), intern(r[7] or ""),
                        intern(r[8] or ""), r[9], r[10]) for r in result]
    cursor = (result[-1][11], result[-1][12]) if len(result) == limit else None
    return SearchPage(rows, cursor)


def search(
    store: Store, query: ResidentQuery | str = "", *, after: tuple[Any, ...] | None = None,
    limit: int = PAGE_SIZE, **filters: Any,
) -> SearchPage:
    """Search residents (see the module docstring). Extra keyword arguments are ``ResidentQuery`` filters."""
    q = ResidentQuery(text=query) if isinstance(query, str) else query
    if filters:
        q = replace(q, **filters)
    with store.engine.connect() as conn:
        return search_connection(conn, q, after=after, limit=limit)


def iter_all(store: Store, query: ResidentQuery | str = "", *, page: int = 2000) -> Any:
    """Every matching row, page by page (for exports and the full list)."""
    after = None
    while True:
        result = search(store, query, after=after, limit=page)
        yield from result.rows
        if result.next_cursor is None:
            return
        after = result.next_cursor


def rebuild_search_index(store: Store) -> None:
    """Rebuild the FTS index from the resident table (after a tool that renumbers rows)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO resident_fts(resident_fts) VALUES ('rebuild')")
