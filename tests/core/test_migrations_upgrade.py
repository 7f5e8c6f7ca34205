"""Every earlier schema upgrades to the newest without losing anything.

The revisions are read from ``kiosk/migrations/versions`` (alembic's script directory), so a migration
added later is covered without touching this file. At each revision the database is filled with raw
SQL appropriate to *that* revision's tables (read from the database itself with ``PRAGMA
table_info``): the demo village's residents and families, one office and device, a valid hash-chained
audit trail with matching outbox rows, and generated rows for every other table (foreign keys pointing
at real rows). After each upgrade step every table that existed keeps every row, and every column that
still exists keeps its values; at the newest revision the ORM reads every row back, the audit chain
verifies and the full-text indexes are consistent.

When a migration changes data on purpose (renames a column, converts values), say so in
``EXPECTED_CHANGES``; when a new table needs special rows (a CHECK constraint, an enumeration), add a
row factory to ``ROW_FACTORIES``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.canonical import payload_hash
from kiosk.changes import GENESIS_HASH, audit_entry_hash, verify_audit_chain
from kiosk.db import MIGRATIONS_DIR, Store, current_revision, head_revision, make_engine
from kiosk.ids import new_id
from kiosk.models import Base
from kiosk.paths import DataPaths
from kiosk.services.demo import generate_village

# (revision, table) -> columns whose values that migration changes on purpose (checked elsewhere).
EXPECTED_CHANGES: dict[tuple[str, str], set[str]] = {}
# table -> a function (connection, row index) returning the column values of one realistic row.
ROW_FACTORIES: dict[str, Callable[[sqlite3.Connection, int], dict[str, Any]]] = {}
ROWS_PER_TABLE = 6


def _config(engine: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["connection_engine"] = engine
    return cfg


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


REVISIONS = revisions()


# --- reading a database generically ---------------------------------------------------------------


def _virtual_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]


def data_tables(con: sqlite3.Connection) -> list[str]:
    virtual = _virtual_tables(con)
    names = []
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        if name.startswith("sqlite_") or name == "alembic_version" or name in virtual:
            continue
        if any(name.startswith(v + "_") for v in virtual):  # FTS shadow tables
            continue
        names.append(name)
    return names


def columns(con: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    return [{"name": r[1], "type": (r[2] or "").upper(), "notnull": bool(r[3]), "default": r[4], "pk": r[5]}
            for r in con.execute(f'PRAGMA table_info("{table}")')]


def snapshot(con: sqlite3.Connection) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every data table, keyed by primary key (or rowid)."""
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    for table in data_tables(con):
        cols = columns(con, table)
        pk = [c["name"] for c in sorted(cols, key=lambda c: c["pk"]) if c["pk"]]
        names = [c["name"] for c in cols]
        rows: dict[Any, dict[str, Any]] = {}
        select_cols = ", ".join(f'"{n}"' for n in names)
        for row in con.execute(f'SELECT rowid, {select_cols} FROM "{table}"'):
            values = dict(zip(names, row[1:], strict=True))
            key = tuple(values[k] for k in pk) if pk else row[0]
            rows[key] = values
        out[table] = rows
    return out


def compare(before: dict[str, dict[Any, dict[str, Any]]], after: dict[str, dict[Any, dict[str, Any]]],
            revision: str) -> None:
    for table, rows in before.items():
        assert table in after, f"table {table} disappeared in {revision}"
        assert len(after[table]) == len(rows), f"{table}: {len(rows)} rows before {revision}, {len(after[table])} after"
        changed_on_purpose = EXPECTED_CHANGES.get((revision, table), set())
        for key, old in rows.items():
            new = after[table].get(key)
            assert new is not None, f"{table} row {key} lost in {revision}"
            for column, value in old.items():
                if column in new and column not in changed_on_purpose:
                    assert new[column] == value, f"{table}.{column} of {key} changed in {revision}"


# --- realistic rows at any revision ----------------------------------------------------------------


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _insert(con: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
    present = {c["name"] for c in columns(con, table)}
    row = {k: _sql_value(v) for k, v in row.items() if k in present}
    names = ", ".join(f'"{k}"' for k in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values()))


def _length(type_: str) -> int:
    if "(" in type_:
        try:
            return int(type_.split("(")[1].split(")")[0].split(",")[0])
        except ValueError:
            return 40
    return 200


def _generic_value(con: sqlite3.Connection, table: str, col: dict[str, Any], i: int,
                   fks: dict[str, tuple[str, str]], stamp: int) -> Any:
    name, type_ = col["name"], col["type"]
    if name in fks:
        ref_table, ref_col = fks[name]
        rows = con.execute(f'SELECT "{ref_col}" FROM "{ref_table}" ORDER BY rowid').fetchall()
        if rows:
            return rows[i % len(rows)][0]
        return None if not col["notnull"] else new_id()
    if "BOOL" in type_:
        return i % 2
    if "INT" in type_:
        return stamp * 1000 + i + 1
    if any(t in type_ for t in ("FLOAT", "REAL", "NUMERIC", "DOUBLE")):
        return 1.5 + i
    if "DATETIME" in type_ or "TIMESTAMP" in type_:
        return (dt.datetime(2026, 1, 1, 8, 0) + dt.timedelta(hours=i, minutes=stamp)).strftime("%Y-%m-%d %H:%M:%S.%f")
    if "DATE" in type_:
        return (dt.date(2026, 1, 1) + dt.timedelta(days=i + stamp)).isoformat()
    if "JSON" in type_:
        return json.dumps({"contoh": i, "rev": stamp})
    if "BLOB" in type_ or "BINARY" in type_:
        return bytes([i % 256]) * 32
    if name == "id" or name.endswith("_id") or col["pk"]:
        return new_id()
    return f"{name} {stamp}-{i} Sarongan"[: _length(type_)]


def _foreign_keys(con: sqlite3.Connection, table: str) -> dict[str, tuple[str, str]]:
    return {r[3]: (r[2], r[4] or "id") for r in con.execute(f'PRAGMA foreign_key_list("{table}")')}


def _table_order(con: sqlite3.Connection, tables: list[str]) -> list[str]:
    ordered: list[str] = []
    pending = list(tables)
    while pending:
        for table in list(pending):
            deps = {ref for ref, _c in _foreign_keys(con, table).values() if ref != table and ref in tables}
            if deps <= set(ordered):
                ordered.append(table)
                pending.remove(table)
                break
        else:  # a cycle: insert the rest in name order
            ordered += pending
            break
    return ordered


def _audit_rows(con: sqlite3.Connection, n: int, stamp: int) -> None:
    """A valid continuation of the hash chain, with the outbox rows of the synced ones."""
    last = con.execute("SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS_HASH
    residents = [r[0] for r in con.execute("SELECT id FROM resident ORDER BY rowid LIMIT ?", (n,))]
    outbox_cols = {c["name"] for c in columns(con, "outbox_change")}
    for i, rid in enumerate(residents):
        at = dt.datetime(2026, 2, 1, 9, 0) + dt.timedelta(minutes=stamp * 100 + i)
        fields = {"id": new_id(), "at": at.isoformat(timespec="microseconds"), "user_id": None,
                  "username": "migrasi", "device_id": None, "action": "resident.update", "entity": "resident",
                  "entity_id": rid, "details": {"fields": ["phone"]}}
        digest = audit_entry_hash(prev, fields)
        _insert(con, "audit_entry", {**fields, "at": at, "prev_hash": prev, "hash": digest})
        prev = digest
        payload = {"phone": f"08123{stamp:03d}{i:04d}", "village": "35.10.01.2001"}
        row = {"change_id": new_id(), "entity": "resident", "entity_id": rid, "op": "update", "base_version": 1,
               "payload": payload, "payload_hash": payload_hash(payload), "state": "pending", "attempts": 0,
               "created_at": at}
        _insert(con, "outbox_change", {k: v for k, v in row.items() if k in outbox_cols})


def fill(con: sqlite3.Connection, stamp: int, *, residents: int = 150) -> None:
    """Insert realistic rows into every table of the database as it is at this revision."""
    tables = data_tables(con)
    if "office_profile" in tables and not con.execute("SELECT 1 FROM office_profile").fetchone():
        _insert(con, "office_profile", {
            "id": 1, "village_code": "35.10.01.2001", "village_name": "Sarongan", "village_kind": "desa",
            "kecamatan_name": "Pesanggaran", "kabupaten_name": "Kabupaten Banyuwangi", "provinsi_name": "Jawa Timur",
            "address": "Jl. Raya Sarongan No. 1", "postcode": "68488", "phone": "", "email": "",
            "head_name": "Slamet Riyadi", "head_title": "Kepala Desa", "secretary_name": "Budi Santoso",
            "secretary_title": "Sekretaris Desa", "letterhead_lines": [], "service_hours": "Senin–Jumat",
            "unit_code": "", "version": 1, "updated_at": dt.datetime(2026, 1, 1)})
    if "device" in tables and not con.execute("SELECT 1 FROM device").fetchone():
        _insert(con, "device", {"id": new_id(), "name": "Kantor", "role": "office", "signing_key": b"k" * 32,
                                "public_key": b"p" * 32, "needs_reenroll": False, "revoked": False,
                                "created_at": dt.datetime(2026, 1, 1)})
    if "resident" in tables:
        families, people = generate_village(residents, seed=stamp + 7)
        for f in families:
            _insert(con, "family", f)
        for p in people:
            _insert(con, "resident", p)
    special = {"office_profile", "device", "resident", "family", "audit_entry", "outbox_change"}
    for table in _table_order(con, [t for t in tables if t not in special]):
        cols = columns(con, table)
        fks = _foreign_keys(con, table)
        for i in range(ROWS_PER_TABLE):
            if table in ROW_FACTORIES:
                row = ROW_FACTORIES[table](con, i)
            else:
                row = {}
                for col in cols:
                    if col["pk"] and "INT" in col["type"] and sum(1 for c in cols if c["pk"]) == 1:
                        continue  # rowid alias: SQLite numbers it
                    row[col["name"]] = _generic_value(con, table, col, i, fks, stamp)
            try:
                _insert(con, table, row)
            except sqlite3.IntegrityError as e:
                raise AssertionError(f"cannot insert a generated row into {table} ({e}); add a ROW_FACTORIES "
                                     f"entry for it in {__name__}") from e
    if "audit_entry" in tables and "outbox_change" in tables and "resident" in tables:
        _audit_rows(con, 12, stamp)
    con.commit()


def build_at(directory: Path, revision: str) -> Path:
    """A data directory whose database is at ``revision`` (migrated from empty, as alembic would)."""
    paths = DataPaths.resolve(directory).ensure()
    engine = make_engine(paths.database)
    command.upgrade(_config(engine), revision)
    engine.dispose()
    return paths.database


def _raw(database: Path) -> sqlite3.Connection:
    con = sqlite3.connect(database)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def final_checks(database: Path) -> None:
    con = sqlite3.connect(database)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        for vt in _virtual_tables(con):
            sql = con.execute("SELECT sql FROM sqlite_master WHERE name=?", (vt,)).fetchone()[0]
            if "fts5" in sql.lower():
                con.execute(f"INSERT INTO \"{vt}\"(\"{vt}\", rank) VALUES ('integrity-check', 1)")
        outbox = con.execute("SELECT entity, entity_id FROM outbox_change").fetchall()
        audited = set(con.execute("SELECT entity, entity_id FROM audit_entry").fetchall())
        assert all(tuple(o) in audited for o in outbox)
    finally:
        con.close()
    store = Store(DataPaths.resolve(database.parent))
    try:
        assert current_revision(store) == head_revision()
        with store.read() as s:
            for mapper in Base.registry.mappers:  # the current models read every row back
                s.execute(select(mapper.class_)).scalars().all()
            result = verify_audit_chain(s)
            assert result.ok, result
    finally:
        store.close()


def test_the_migrations_form_one_chain() -> None:
    assert REVISIONS and REVISIONS[-1] == head_revision()
    assert len(REVISIONS) == len(set(REVISIONS))


def test_upgrade_step_by_step_from_the_first_revision_keeps_everything(tmp_path: Path) -> None:
    database = build_at(tmp_path / "d", REVISIONS[0])
    con = _raw(database)
    fill(con, 0)
    con.close()
    for step, revision in enumerate(REVISIONS[1:], start=1):
        con = _raw(database)
        before = snapshot(con)
        con.close()
        engine = make_engine(database)
        command.upgrade(_config(engine), revision)
        engine.dispose()
        con = _raw(database)
        compare(before, snapshot(con), revision)
        fill(con, step)  # rows as the program at this revision would write them
        con.close()
    final_checks(database)


@pytest.mark.parametrize("revision", REVISIONS[:-1] or ["(no earlier revision)"])
def test_database_at_every_earlier_revision_opens_upgraded_and_backed_up(tmp_path: Path, revision: str) -> None:
    if revision not in REVISIONS:
        pytest.skip("only one revision so far")
    database = build_at(tmp_path / "d", revision)
    con = _raw(database)
    fill(con, 1, residents=300)
    before = snapshot(con)
    con.close()
    store = Store.open(tmp_path / "d")  # what the program does at start-up after an update
    try:
        assert current_revision(store) == head_revision()
        from kiosk.services.backup import BackupService

        copies = [b for b in BackupService(store).list() if b.reason == "pre-migration"]
        assert len(copies) == 1 and copies[0].ok and copies[0].schema_revision == revision
    finally:
        store.close()
    con = _raw(database)
    compare(before, snapshot(con), f"{revision}→head")
    con.close()
    final_checks(database)
    # the program's own writes work on the upgraded database
    store = Store.open(tmp_path / "d")
    try:
        from kiosk.changes import record_change

        with store.write() as s:
            record_change(s, Actor.system("test"), entity="resident", entity_id="r-new", op="create",
                          payload={"name": "Setelah Pembaruan"})
        with store.read() as s:
            assert verify_audit_chain(s).ok
    finally:
        store.close()
