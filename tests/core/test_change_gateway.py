"""The one write path (``kiosk.changes``): the registry covers every synced table, nothing but the gateway
writes outbox rows or bumps a synced record's version, and an import cannot change a record in flight."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from kiosk import models
from kiosk.actor import Actor
from kiosk.changes import ENTITY_ORDER, REGISTRY, SYNCED_ENTITIES, record_changes
from kiosk.errors import ConflictError, RecordLocked
from kiosk.importer import write_workbook
from kiosk.models import AuditEntry, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.residents_import import resident_to_values
from tests.helpers import admin_actor

ROOT = Path(__file__).resolve().parents[2]
# Tables with a version that stay on this computer (the district keeps its own users and villages).
LOCAL_VERSIONED = {"user", "office_profile"}


# --- the registry -----------------------------------------------------------------------------------


def test_registry_covers_every_versioned_table_and_the_district_knows_each_entry() -> None:
    from sync import protocol as p
    from sync.client import SNAPSHOT_ORDER

    versioned = {t.name for t in models.Base.metadata.sorted_tables if "version" in t.columns}
    assert versioned - LOCAL_VERSIONED == {spec.table.name for spec in REGISTRY.values() if not spec.append_only}
    for name, spec in REGISTRY.items():
        assert spec.name == name and spec.table.name == name
        assert "id" in spec.table.columns, name
        assert ("version" in spec.table.columns) != spec.append_only, name
        assert spec.merge.strip(), f"{name}: say what the merge rule is"
        for column in spec.current:
            assert column in spec.table.columns, (name, column)
        assert set(spec.renames.values()) <= set(spec.table.columns.keys()), name
    # the district applies every entity the office sends (users are the district's own)
    assert SYNCED_ENTITIES <= p.KNOWN_ENTITIES
    assert {p.ENTITY_USER} == p.KNOWN_ENTITIES - SYNCED_ENTITIES
    # the re-sync order and the apply order are the registry's (parents first)
    assert tuple(SNAPSHOT_ORDER) == ENTITY_ORDER
    seen: set[str] = set()
    from kiosk.changes import PARENT_FIELDS

    for name in ENTITY_ORDER:
        for column in REGISTRY[name].table.columns:
            parent = PARENT_FIELDS.get(column)
            # back-references filled by a later change: a family's head, a request's letter
            later = (name, column) in {("family", "head_resident_id"), ("letter_request", "letter_id")}
            if parent is not None and parent != name and not later:
                assert parent in seen, f"{name} comes before its parent {parent}"
        seen.add(name)


def test_sync_state_applies_exactly_the_registry() -> None:
    from kiosk.services import sync_state

    assert {name: spec.model for name, spec in REGISTRY.items()} == sync_state.ENTITY_MODELS


# --- nothing else writes the outbox -------------------------------------------------------------------


def _python_files() -> list[Path]:
    out = []
    for package in ("kiosk", "sync", "ui", "cli", "forms", "printing"):
        out += [f for f in (ROOT / package).rglob("*.py") if "migrations" not in f.parts]
    return out


def test_no_outbox_row_and_no_synced_version_bump_outside_the_gateway() -> None:
    gateway = ROOT / "kiosk" / "changes"
    synced_models = {spec.model.__name__ for spec in REGISTRY.values()}
    offenders: list[str] = []
    insert_sql = re.compile(r"insert\s+(or\s+\w+\s+)?into\s+\"?outbox_change", re.I)
    for path in _python_files():
        if gateway in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT).as_posix()
        if insert_sql.search(text):
            offenders.append(f"{where}: INSERT INTO outbox_change")
        tree = ast.parse(text, filename=where)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name == "OutboxChange":
                    offenders.append(f"{where}:{node.lineno}: OutboxChange(...)")
                if name == "insert" and any(isinstance(a, ast.Name) and a.id == "OutboxChange" for a in node.args):
                    offenders.append(f"{where}:{node.lineno}: insert(OutboxChange)")
                if any(isinstance(a, ast.Constant) and a.value == "outbox_change" for a in node.args) and \
                        name not in ("text", "exec_driver_sql", "execute"):
                    offenders.append(f"{where}:{node.lineno}: {name}('outbox_change', ...)")
            # obj.version += 1 on a synced record: the gateway's job (record_change(record=obj))
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute) and \
                    node.target.attr == "version" and where.startswith("kiosk/services/") and \
                    where != "kiosk/services/users.py":
                offenders.append(f"{where}:{node.lineno}: .version += ...")
        if where.startswith("kiosk/services/"):
            for model in synced_models:
                if re.search(rf'UPDATE\s+"?{REGISTRY_TABLE[model]}"?\s+SET[^"\n]*\bversion\s*=', text, re.I):
                    offenders.append(f"{where}: UPDATE {REGISTRY_TABLE[model]} SET version")
    assert offenders == []


REGISTRY_TABLE = {spec.model.__name__: spec.table.name for spec in REGISTRY.values()}


def test_the_walk_would_see_an_outbox_row_written_by_hand(tmp_path: Path) -> None:
    """The check above is only worth something if it finds a forged write: show it does."""
    forged = ("from kiosk.models import OutboxChange\n"
              "def sneak(s):\n    s.add(OutboxChange(entity='resident'))\n"
              "    s.execute('INSERT INTO outbox_change (entity) VALUES (1)')\n")
    tree = ast.parse(forged)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "OutboxChange"]
    assert calls and re.search(r"insert\s+into\s+\"?outbox_change", forged, re.I)


# --- the import goes through the gateway --------------------------------------------------------------


@pytest.fixture
def admin(services: Services) -> Actor:
    return admin_actor(services)


def _resident_row(services: Services, rid: str) -> tuple[str, int]:
    with services.store.read() as s:
        r = s.get(Resident, rid)
        assert r is not None
        return r.name, r.version


def _counts(services: Services) -> tuple[int, int]:
    with services.store.read() as s:
        return (s.execute(select(func.count()).select_from(OutboxChange)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def _workbook_with_new_name(services: Services, rid: str, name: str, path: Path) -> Path:
    with services.store.read() as s:
        rec = s.execute(select(Resident.__table__).where(Resident.id == rid)).mappings().one()
    values = resident_to_values(rec)
    values["name"] = name
    write_workbook(path, [values])
    return path


def test_an_import_cannot_update_a_record_in_flight(services: Services, admin: Actor, tmp_path: Path) -> None:
    rid = services.residents.register(admin, {"name": "Siti Aminah", "sex": 2, "nik": "3510014101900002",
                                              "birth_date": "1990-01-01", "rt": "001", "rw": "002"},
                                      accept_warnings=True).id
    name, version = _resident_row(services, rid)
    with services.store.write() as s:  # the sync worker has sent it and waits for the answer
        s.execute(update(OutboxChange).where(OutboxChange.entity_id == rid).values(state="in_flight"))
    path = _workbook_with_new_name(services, rid, "Siti Aminah Putri", tmp_path / "penduduk.xlsx")
    before = _counts(services)
    with pytest.raises(RecordLocked):
        services.residents.import_residents(admin, path)
    assert _resident_row(services, rid) == (name, version)  # nothing written
    assert _counts(services) == before

    with services.store.write() as s:  # the answer came back
        s.execute(update(OutboxChange).where(OutboxChange.entity_id == rid).values(state="acked"))
    report = services.residents.import_residents(admin, path)
    assert report.updated == 1
    assert _resident_row(services, rid) == ("Siti Aminah Putri", version + 1)  # one bump, by the gateway
    with services.store.read() as s:
        row = s.execute(select(OutboxChange).where(OutboxChange.entity_id == rid)
                        .order_by(OutboxChange.seq.desc())).scalars().first()
    assert row is not None and (row.op, row.base_version) == ("update", version)
    assert row.payload["name"] == "Siti Aminah Putri" and row.payload.get("village")


def test_bulk_entry_point_refuses_unknown_entities_and_stale_versions(services: Services, admin: Actor) -> None:
    rid = services.residents.register(admin, {"name": "Made Wirawan", "sex": 1}).id
    _name, version = _resident_row(services, rid)
    before = _counts(services)
    with services.store.write() as s, pytest.raises(ValueError, match="not a synced entity"):
        record_changes(s, [("user", "u1", "update", 1, "{}")])
    with pytest.raises(ConflictError), services.store.write() as s:
        record_changes(s, [("resident", rid, "update", version - 1 if version > 1 else version + 5,
                            '{"name":"X"}')])
    assert _counts(services) == before and _resident_row(services, rid)[1] == version


def test_a_service_edit_of_a_record_in_flight_writes_nothing(services: Services, admin: Actor) -> None:
    rid = services.residents.register(admin, {"name": "Ketut Sari", "sex": 2}).id
    with services.store.write() as s:
        s.execute(update(OutboxChange).where(OutboxChange.entity_id == rid).values(state="in_flight"))
    before = _counts(services)
    with pytest.raises(RecordLocked):
        services.residents.edit(admin, rid, {"name": "Ketut Sari Dewi"})
    assert _resident_row(services, rid) == ("Ketut Sari", 1)
    assert _counts(services) == before
