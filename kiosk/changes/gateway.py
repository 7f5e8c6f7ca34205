"""The one write path of a synced change: in-flight check, version bump, audit entry, outbox row.

Two entry points share these rules, both inside the caller's ``Store.write()`` transaction:

- ``record_change`` — one record (the services). Before anything of the change is written it refuses a
  record whose earlier change is in flight to the district (``RecordLocked``); given the ORM ``record``
  it raises the version by one and sends the old one as ``base_version``; then the hash-chained audit
  entry; then, for a synced entity (``kiosk.changes.registry``), the outbox row.
- ``record_changes`` — many records at once (the resident import): the same in-flight check for the
  whole batch before anything is written, the version bump as one statement per entity (guarded by the
  base version), the outbox rows in one ``executemany``. The caller writes one audit entry per batch.

No other module inserts into ``outbox_change`` (``tests/core/test_change_gateway.py`` walks the code).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from typing import Any

from sqlalchemy import DateTime, event, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.canonical import payload_hash, to_jsonable
from kiosk.changes.audit import write_audit
from kiosk.changes.registry import REGISTRY
from kiosk.errors import ConflictError, RecordLocked
from kiosk.ids import new_id
from kiosk.models import OfficeProfile, OutboxChange, utcnow

log = logging.getLogger("kiosk.changes")

# One bulk change: (entity, entity_id, op, base_version, payload as canonical JSON text with "village").
BulkChange = tuple[str, str, str, int | None, str]

_OUTBOX_COLUMNS = ("change_id", "entity", "entity_id", "op", "base_version", "payload", "payload_hash", "state",
                   "attempts", "created_at")
_INSERT_OUTBOX = (f"INSERT INTO outbox_change ({', '.join(_OUTBOX_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in _OUTBOX_COLUMNS)})")
# SQLAlchemy's own rendering of a DateTime on SQLite (so raw rows read back like ORM rows)
_SQLITE = sqlite_dialect.dialect()
_datetime_text: Callable[[dt.datetime], str] = DateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)  # type: ignore[assignment]


def sqlite_datetime_text(when: dt.datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (for raw ``executemany`` rows)."""
    return _datetime_text(when)


def _village_code(session: Session) -> str | None:
    cached = session.info.get("village_code")
    if cached is None:
        cached = session.execute(select(OfficeProfile.village_code)).scalar()
        session.info["village_code"] = cached
    return cached


def ensure_not_in_flight(session: Session, keys: Iterable[tuple[str, str]]) -> None:
    """Raise ``RecordLocked`` if any of these synced records has a change in flight to the district
    (DESIGN.md, Sync 2). Reads without flushing: nothing pending in the session is written first."""
    wanted = {k for k in keys if k[0] in REGISTRY}
    if not wanted:
        return
    with session.no_autoflush:
        if len(wanted) == 1:
            (entity, entity_id), = wanted
            hit = session.execute(select(OutboxChange.seq).where(
                OutboxChange.entity == entity, OutboxChange.entity_id == entity_id,
                OutboxChange.state == "in_flight").limit(1)).first() is not None
        else:  # the changes in flight are one push batch at most: read them (state index), then compare
            flying = session.execute(select(OutboxChange.entity, OutboxChange.entity_id).where(
                OutboxChange.state == "in_flight")).all()
            hit = any((e, i) in wanted for e, i in flying)
    if hit:
        raise RecordLocked()


def record_change(
    session: Session,
    actor: Actor,
    *,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    base_version: int | None = None,
    record: Any = None,
    action: str | None = None,
    audit_details: dict[str, Any] | None = None,
) -> OutboxChange | None:
    """Record one change: in-flight check, version bump of ``record`` (if given), audit entry and (for
    synced entities) the outbox row.

    ``payload`` is what the district needs to apply the change (for an update: the changed fields
    only). It must not hold secrets (PIN and password hashes stay on the device). The audit entry
    records ``audit_details`` or, by default, the names of the changed fields — never their values,
    so personal data is not copied into the audit trail.
    """
    synced = entity in REGISTRY
    if synced and op != "create":
        ensure_not_in_flight(session, [(entity, entity_id)])
    if record is not None and op != "create":
        if base_version is None:
            base_version = record.version
        record.version = (record.version or 0) + 1
    details = audit_details if audit_details is not None else {"fields": sorted(payload)}
    write_audit(session, actor, action=action or f"{entity}.{op}", entity=entity, entity_id=entity_id,
                details=details)  # flushes the change itself first
    if not synced:
        return None
    body = to_jsonable(dict(payload))
    village = _village_code(session)
    if village:
        body.setdefault("village", village)
    change = OutboxChange(
        change_id=new_id(),
        entity=entity,
        entity_id=entity_id,
        op=op,
        base_version=base_version,
        payload=body,
        payload_hash=payload_hash(body),
        state="pending",
        created_at=utcnow(),
    )
    session.add(change)
    session.flush()
    _notify_committed(session)
    return change


def record_changes(session: Session, changes: Sequence[BulkChange]) -> int:
    """Record many changes of synced records with the rules of ``record_change``: first the in-flight
    check of every updated record (``RecordLocked``: nothing is written), then the version bump of each
    updated record from its ``base_version`` (``ConflictError`` when a record no longer has it), then
    the outbox rows. Call before writing the records' own rows. Returns the number of outbox rows."""
    if not changes:
        return 0
    unknown = {c[0] for c in changes} - set(REGISTRY)
    if unknown:
        raise ValueError(f"not a synced entity: {sorted(unknown)}")
    ensure_not_in_flight(session, [(c[0], c[1]) for c in changes if c[2] != "create"])
    db: sqlite3.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
    bumps: dict[str, list[tuple[int, str, int]]] = {}
    for entity, entity_id, op, base, _payload in changes:
        if op != "create" and base is not None:
            bumps.setdefault(entity, []).append((base + 1, entity_id, base))
    for entity, rows in bumps.items():
        table = REGISTRY[entity].table.name
        cur = db.executemany(f'UPDATE "{table}" SET version = ? WHERE id = ? AND version = ?', rows)  # noqa: S608
        if cur.rowcount != len(rows):
            raise ConflictError()
    now = sqlite_datetime_text(utcnow())
    db.executemany(_INSERT_OUTBOX, [
        (new_id(), entity, entity_id, op, base, payload, sha256(payload.encode("utf-8")).hexdigest(), "pending", 0,
         now) for entity, entity_id, op, base, payload in changes])
    _notify_committed(session)
    return len(changes)


# --- telling the sync worker -------------------------------------------------------------------------


class CommitListeners:
    """Callbacks told after a commit that wrote outbox rows (the sync worker retriggers on it)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []

    def add(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def remove(self, callback: Callable[[], None]) -> None:
        """Forget ``callback`` (compared by equality, so a bound method of the same object matches)."""
        self._callbacks = [cb for cb in self._callbacks if cb != callback]

    def notify(self) -> None:
        for cb in list(self._callbacks):
            try:
                cb()
            except Exception:  # a listener never breaks a commit
                log.exception("outbox commit listener failed")


commit_listeners = CommitListeners()


def on_outbox_commit(callback: Callable[[], None]) -> None:
    commit_listeners.add(callback)


def _notify_committed(session: Session) -> None:
    if session.info.get("_outbox_hooked"):
        return
    session.info["_outbox_hooked"] = True

    def _after_commit(sess: Session) -> None:
        sess.info.pop("_outbox_hooked", None)
        commit_listeners.notify()

    event.listen(session, "after_commit", _after_commit, once=True)
