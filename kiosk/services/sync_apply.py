"""Applying changes pulled from the district to the office store: one path for a page and for a single
change (``_bulk_write``), each value through its entity's registry entry (``kiosk.changes.registry``).

A record with local changes (unacked outbox rows or an open conflict) is never overwritten: its newest
server state waits in ``SyncRecord.deferred`` until the local changes are done (``apply_deferred``).
``kiosk.services.sync_state`` re-exports everything here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.changes import ENTITY_ORDER, REGISTRY, MergeRefused
from kiosk.changes.registry import in_chunks
from kiosk.models import OutboxChange, SyncConflict, SyncRecord, utcnow

log = logging.getLogger("kiosk.services.sync_state")

# The entities a pull applies to local tables: the registry's (others are local-only here).
ENTITY_MODELS: dict[str, Any] = {name: spec.model for name, spec in REGISTRY.items()}
UNACKED = ("pending", "in_flight")


def has_local_changes(session: Session, entity: str, entity_id: str) -> bool:
    """Unacked outbox rows or an open issue: a pull must not overwrite this record."""
    if session.execute(
        select(OutboxChange.seq).where(
            OutboxChange.entity == entity, OutboxChange.entity_id == entity_id,
            OutboxChange.state.in_(UNACKED),
        ).limit(1)
    ).first() is not None:
        return True
    return _open_issue(session, entity, entity_id) is not None


def _open_issue(session: Session, entity: str, entity_id: str) -> SyncConflict | None:
    return session.execute(
        select(SyncConflict).where(
            SyncConflict.resolved_at.is_(None), SyncConflict.entity == entity,
            SyncConflict.entity_id == entity_id, SyncConflict.kind.in_(("conflict", "rejected")),
        ).limit(1)
    ).scalar_one_or_none()


def add_issue(session: Session, *, kind: str, entity: str, entity_id: str, change_id: str | None = None,
              reason: str | None = None, fields: dict[str, Any] | None = None,
              server_version: int | None = None) -> SyncConflict:
    issue = SyncConflict(kind=kind, change_id=change_id, entity=entity, entity_id=entity_id, reason=reason,
                         fields=fields or {}, server_version=server_version, created_at=utcnow())
    session.add(issue)
    return issue


# --- applying pulled changes ----------------------------------------------------------------------


def assign_fields(obj: Any, entity: str, data: dict[str, Any]) -> None:
    """Copy the district's field values onto a local ORM row (the registry's rule; no merge check:
    staff chose these values)."""
    spec = REGISTRY[entity]
    stored = {name: getattr(obj, name) for name in spec.current}
    for name, value in spec.row_values(data, stored, check=False).items():
        setattr(obj, name, value)


@dataclass
class ApplyStats:
    applied: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: int = 0


def apply_pulled(session: Session, changes: list[dict[str, Any]], *, full_resync: bool = False,
                 stats: ApplyStats | None = None) -> ApplyStats:
    """Apply one page of pulled changes (dicts shaped like ``sync.protocol.PulledChange``) inside the
    caller's transaction. A record with local changes is never overwritten: its newest server state is
    kept aside (``SyncRecord.deferred``) and applied once the local changes are done.

    The touched records, their ``sync_record`` rows and the records with local changes are read with one
    query each, decided here, and written by ``_bulk_write`` (Core executemany, one statement per entity
    and column set, each value through the entity's registry entry). A change the page cannot take (a
    missing parent, a number taken twice, a refused transition) goes through ``_bulk_write`` again on its
    own, in a savepoint, and ends as an ``apply_failed`` issue."""
    stats = stats or ApplyStats()
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:  # the payload is the full state: per record only its newest change matters
        entity = change["entity"]
        if entity not in ENTITY_MODELS:
            stats.skipped += 1
            continue
        key = (entity, change["entity_id"])
        seen = newest.get(key)
        if seen is not None:
            stats.skipped += 1
            if int(seen["version"]) > int(change["version"]):
                continue
        newest[key] = change
    for i in range(0, len(newest), BULK_CHUNK):
        _apply_chunk(session, list(newest.values())[i:i + BULK_CHUNK], full_resync, stats)
    return stats


BULK_CHUNK = 500


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _apply_chunk(session: Session, changes: list[dict[str, Any]], full_resync: bool, stats: ApplyStats) -> None:
    if not changes:
        return
    session.flush()
    conn = session.connection()
    ids = sorted({c["entity_id"] for c in changes})
    entities = sorted({c["entity"] for c in changes})
    # entity IN (...) AND entity_id IN (...): the (entity, entity_id) indexes answer it
    where = (f"entity IN ({','.join('?' * len(entities))}) AND entity_id IN ({','.join('?' * len(ids))})")
    args = (*entities, *ids)
    recs: dict[tuple[str, str], tuple[int, int, Any]] = {}
    for e, i, sv, av, deferred in conn.exec_driver_sql(
            f"SELECT entity, entity_id, server_version, applied_version, deferred FROM sync_record WHERE {where}",
            args):
        recs[(e, i)] = (int(sv or 0), int(av or 0), deferred)
    local: set[tuple[str, str]] = {(e, i) for e, i in conn.exec_driver_sql(
        f"SELECT DISTINCT entity, entity_id FROM outbox_change WHERE {where}"
        " AND state IN ('pending', 'in_flight')", args)}
    local |= {(e, i) for e, i in conn.exec_driver_sql(
        f"SELECT entity, entity_id FROM sync_conflict WHERE resolved_at IS NULL AND {where}"
        " AND kind IN ('conflict', 'rejected')", args)}
    to_apply: list[dict[str, Any]] = []
    deferrals: list[dict[str, Any]] = []
    for change in changes:
        key = (change["entity"], change["entity_id"])
        version = int(change["version"])
        rec = recs.get(key)
        if rec is not None and version <= rec[1] and not full_resync:
            stats.skipped += 1
            continue
        if key in local:
            old = rec[2] if rec is not None else None
            if isinstance(old, str):
                old = json.loads(old)
            if not old or int(old.get("version", 0)) < version:
                deferrals.append({"entity": key[0], "entity_id": key[1], "server_version": 0, "applied_version": 0,
                                  "deferred": {"version": version, "op": change["op"], "payload": change["payload"]}})
            stats.deferred += 1
            continue
        to_apply.append(change)
    if deferrals:
        table = _table(SyncRecord)
        stmt = sqlite_insert(table)
        conn.execute(stmt.on_conflict_do_update(index_elements=["entity", "entity_id"],
                                                set_={"deferred": stmt.excluded.deferred}), deferrals)
    if not to_apply:
        return
    try:
        with session.begin_nested():
            done, slow = _bulk_write(session, to_apply)
    except (IntegrityError, ValueError, TypeError) as exc:
        log.info("bulk apply of %d pulled changes fell back to one by one (%s)", len(to_apply), type(exc).__name__)
        done, slow = 0, [(c, "") for c in to_apply]
    stats.applied += done
    for change, _why in slow:
        if _apply_one(session, change["entity"], change["entity_id"], change["op"], change["payload"],
                      int(change["version"])):
            stats.applied += 1
        else:
            stats.failed += 1


def _bulk_write(session: Session, changes: list[dict[str, Any]]) -> tuple[int, list[tuple[dict[str, Any], str]]]:
    """Write `changes` (none of them held back) with Core statements, each through its registry entry
    (``EntitySpec.row_values``: renames, derived columns, merge rule); returns how many were applied and
    the changes left over (a merge rule refused them, a value did not convert). The one path of a pulled
    change: ``_apply_one`` is this with a single change."""
    conn = session.connection()
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        by_entity.setdefault(c["entity"], []).append(c)
    slow: list[tuple[dict[str, Any], str]] = []
    applied: list[dict[str, Any]] = []
    for entity in ENTITY_ORDER:
        group = by_entity.get(entity)
        if not group:
            continue
        spec = REGISTRY[entity]
        table = spec.table
        extra = list(spec.current)
        existing: dict[str, dict[str, Any]] = {}
        for part in in_chunks([c["entity_id"] for c in group]):
            cols = [table.c.id, *(table.c[n] for n in extra)]
            for row in conn.execute(select(*cols).where(table.c.id.in_(part))):
                existing[row[0]] = dict(zip(["id", *extra], row, strict=True))
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        deletes: list[str] = []
        after: list[dict[str, Any]] = []
        has_version = "version" in table.columns
        for c in group:
            eid, payload, version = c["entity_id"], c["payload"], int(c["version"])
            cur = existing.get(eid)
            try:
                if c["op"] == "delete" and spec.deletable:
                    if spec.check is not None and cur is not None:
                        spec.check(cur, payload)
                    if cur is not None:
                        deletes.append(eid)
                    applied.append(c)
                    continue
                values = spec.row_values(payload, cur)
            except (ValueError, TypeError, MergeRefused) as exc:
                slow.append((c, type(exc).__name__))
                continue
            if has_version:
                values["version"] = version
            if cur is None:
                values["id"] = eid
                inserts.setdefault(tuple(sorted(values)), []).append(values)
            else:
                values["_id"] = eid
                updates.setdefault(tuple(sorted(values)), []).append(values)
            applied.append(c)
            if spec.after_apply is not None:
                after.append({"id": eid, **(cur or {}), **{k: v for k, v in values.items() if k in extra}})
        if deletes:
            for part in in_chunks(deletes):
                conn.execute(table.delete().where(table.c.id.in_(part)))
        for rows in inserts.values():
            conn.execute(table.insert(), rows)
        for rows in updates.values():
            conn.execute(table.update().where(table.c.id == bindparam("_id")), rows)
        if after and spec.after_apply is not None:
            spec.after_apply(session, after)
    if applied:
        rec_rows = [{"entity": c["entity"], "entity_id": c["entity_id"], "server_version": int(c["version"]),
                     "applied_version": int(c["version"]), "deferred": None} for c in applied]
        table = _table(SyncRecord)
        stmt = sqlite_insert(table)
        conn.execute(stmt.on_conflict_do_update(index_elements=["entity", "entity_id"], set_={
            "server_version": func.max(table.c.server_version, stmt.excluded.server_version),
            "applied_version": func.max(func.coalesce(table.c.applied_version, 0), stmt.excluded.applied_version),
            "deferred": None}), rec_rows)
        ids = sorted({c["entity_id"] for c in applied})
        for part in in_chunks(ids):
            conn.execute(delete(SyncConflict).where(
                SyncConflict.kind == "apply_failed", SyncConflict.resolved_at.is_(None),
                SyncConflict.entity_id.in_(part)))
    return len(applied), slow


def _apply_one(session: Session, entity: str, entity_id: str, op: str, payload: dict[str, Any],
               version: int) -> bool:
    """One pulled change through the same path as a page (``_bulk_write``), in a savepoint of its own;
    a change that cannot be applied ends as an ``apply_failed`` issue holding the server's state."""
    change = {"entity": entity, "entity_id": entity_id, "op": op, "payload": payload, "version": version}
    session.flush()
    try:
        with session.begin_nested():
            done, slow = _bulk_write(session, [change])
    except IntegrityError as exc:
        done, slow = 0, [(change, type(exc).__name__)]
    if done:
        # rows written with Core: ORM copies of them in this session are stale now
        for obj in list(session.identity_map.values()):
            if isinstance(obj, (ENTITY_MODELS[entity], SyncRecord)) and entity_id in (
                    getattr(obj, "id", None), getattr(obj, "entity_id", None)):
                session.expire(obj)
        return True
    reason = slow[0][1] if slow else "not applied"
    log.warning("pulled %s %s not applied: %s", entity, entity_id, reason)
    existing = session.execute(select(SyncConflict).where(
        SyncConflict.kind == "apply_failed", SyncConflict.entity == entity,
        SyncConflict.entity_id == entity_id, SyncConflict.resolved_at.is_(None))).scalar_one_or_none()
    body = {"op": op, "version": version, "payload": payload}
    if existing is None:
        add_issue(session, kind="apply_failed", entity=entity, entity_id=entity_id,
                  reason=reason, fields={"server": body}, server_version=version)
    elif (existing.server_version or 0) <= version:
        existing.fields, existing.server_version = {"server": body}, version
    return False


def retry_failed_applies(session: Session) -> int:
    """Try again the pulled changes that could not be applied (a parent may have arrived since)."""
    done = 0
    for issue in session.execute(select(SyncConflict).where(
            SyncConflict.kind == "apply_failed", SyncConflict.resolved_at.is_(None))).scalars().all():
        body = (issue.fields or {}).get("server") or {}
        if not body or has_local_changes(session, issue.entity, issue.entity_id):
            continue
        if _apply_one(session, issue.entity, issue.entity_id, body["op"], body["payload"], int(body["version"])):
            done += 1
    return done


def apply_deferred(session: Session, entity: str, entity_id: str) -> bool:
    """Once a record has no local changes left, apply the server state held back for it."""
    rec = session.get(SyncRecord, (entity, entity_id))
    if rec is None or not rec.deferred or entity not in ENTITY_MODELS:
        return False
    if has_local_changes(session, entity, entity_id):
        return False
    body = rec.deferred
    if int(body["version"]) <= (rec.applied_version or 0):
        rec.deferred = None
        return False
    return _apply_one(session, entity, entity_id, body["op"], body["payload"], int(body["version"]))


def note_server_version(session: Session, entity: str, entity_id: str, version: int | None) -> None:
    if version is None:
        return
    rec = session.get(SyncRecord, (entity, entity_id))
    if rec is None:
        session.add(SyncRecord(entity=entity, entity_id=entity_id, server_version=version, applied_version=0))
    elif version > rec.server_version:
        rec.server_version = version
