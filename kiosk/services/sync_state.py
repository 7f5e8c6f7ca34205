"""Local sync state of the office store: key/value state, record locks, status for staff, the issues
(conflicts, rejected changes) staff resolve, and applying changes pulled from the district.

No network here: ``sync.client`` talks to the district and calls these inside ``Store.write()``.
Services that edit a synced record call ``require_unlocked`` first: a record whose change is on its way
to the district (state ``in_flight``) cannot be edited until the answer is recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.changes import (
    ENTITY_ORDER,
    REGISTRY,
    MergeRefused,
    ensure_not_in_flight,
    record_change,
)
from kiosk.changes import PARENT_FIELDS as PARENT_FIELDS  # re-exported (sync.client)
from kiosk.changes.registry import in_chunks
from kiosk.db import Store
from kiosk.errors import ConflictError, NotFound, ValidationError
from kiosk.errors import RecordLocked as RecordLocked  # re-exported: it used to live here
from kiosk.i18n import N_, _
from kiosk.models import (
    Device,
    OutboxChange,
    SyncConflict,
    SyncRecord,
    SyncState,
    utcnow,
)
from kiosk.permissions import require

log = logging.getLogger(__name__)

# The entities a pull applies to local tables: the registry's (others are local-only here).
ENTITY_MODELS: dict[str, Any] = {name: spec.model for name, spec in REGISTRY.items()}
UNACKED = ("pending", "in_flight")
CLOCK_WARN = dt.timedelta(minutes=5)
WAIT_WARN = dt.timedelta(days=1)

# sync_state keys
K_CURSOR = "cursor"
K_LAST_SUCCESS = "last_success"
K_OFFLINE_SINCE = "offline_since"
K_CLOCK_OFFSET = "clock_offset_seconds"
K_LAST_ERROR = "last_error"
K_FULL_RESYNC = "full_resync"
K_LEASE_SIZE = "lease_size"
K_UNUSED_REPORTED = "unused_reported"
K_SERVER_SEEN_SEQ = "server_seen_seq"
K_SNAPSHOT = "snapshot_progress"  # a full re-sync under way: {"entity": index, "after_id", "server_seq"}


# --- key/value state -----------------------------------------------------------------------------


def get_state(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SyncState, key)
    return default if row is None or row.value is None else row.value


def put_state(session: Session, key: str, value: Any) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_iso(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def device(session: Session) -> Device | None:
    return session.execute(select(Device)).scalar_one_or_none()


# --- locks ----------------------------------------------------------------------------------------


def is_locked(session: Session, entity: str, entity_id: str) -> bool:
    """True while a change of this record is in flight to the district (edits must wait)."""
    return session.execute(
        select(OutboxChange.seq).where(
            OutboxChange.entity == entity, OutboxChange.entity_id == entity_id,
            OutboxChange.state == "in_flight",
        ).limit(1)
    ).first() is not None


def require_unlocked(session: Session, entity: str, entity_id: str) -> None:
    ensure_not_in_flight(session, [(entity, entity_id)])


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


# --- status ---------------------------------------------------------------------------------------


@dataclass
class SyncStatus:
    """What staff see (DESIGN.md Sync 9)."""

    state: str  # not_enrolled | synced | waiting | offline | needs_action | conflicts
    enrolled: bool = False
    server: str | None = None
    pending: int = 0
    in_flight: int = 0
    rejected: int = 0
    conflicts: int = 0
    apply_failed: int = 0
    needs_reenroll: bool = False
    revoked: bool = False
    restored: bool = False
    last_success: dt.datetime | None = None
    offline_since: dt.datetime | None = None
    oldest_waiting: dt.datetime | None = None
    clock_offset_seconds: float | None = None
    last_error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return self.pending + self.in_flight

    @property
    def needs_action(self) -> int:
        return self.rejected + self.apply_failed + int(self.needs_reenroll) + int(self.revoked)

    def label(self) -> str:
        """The short status text for the status bar (Indonesian through the catalog)."""
        if self.state == "not_enrolled":
            return _("Not connected to the district")
        if self.state == "needs_action":
            return _("Needs action {n}").format(n=max(1, self.needs_action))
        if self.state == "conflicts":
            return _("Conflicts {n}").format(n=self.conflicts)
        if self.state == "offline":
            since = self.offline_since
            return _("Offline since {time}").format(time=_local_hhmm(since) if since else "?")
        if self.state == "waiting":
            return _("Waiting {n}").format(n=self.waiting)
        return _("Synced")

    def detail(self) -> str:
        parts = []
        if self.last_success:
            parts.append(_("last sync {time}").format(time=_local_hhmm(self.last_success)))
        parts.extend(self.warnings)
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state, "label": self.label(), "enrolled": self.enrolled, "server": self.server,
            "pending": self.pending, "in_flight": self.in_flight, "rejected": self.rejected,
            "conflicts": self.conflicts, "apply_failed": self.apply_failed,
            "needs_reenroll": self.needs_reenroll, "revoked": self.revoked, "restored": self.restored,
            "last_success": _iso(self.last_success), "offline_since": _iso(self.offline_since),
            "oldest_waiting": _iso(self.oldest_waiting), "clock_offset_seconds": self.clock_offset_seconds,
            "last_error": self.last_error, "warnings": self.warnings,
        }


def _local_hhmm(when: dt.datetime) -> str:
    """A stored naive-UTC time as the device's local hh:mm."""
    return when.replace(tzinfo=dt.UTC).astimezone().strftime("%H:%M")


def status(session: Session, now: dt.datetime | None = None) -> SyncStatus:
    now = now or utcnow()
    d = device(session)
    counts = dict(session.execute(
        select(OutboxChange.state, func.count()).where(OutboxChange.state.in_(UNACKED))
        .group_by(OutboxChange.state)
    ).all())
    issues = dict(session.execute(
        select(SyncConflict.kind, func.count()).where(SyncConflict.resolved_at.is_(None))
        .group_by(SyncConflict.kind)
    ).all())
    oldest = session.execute(
        select(func.min(OutboxChange.created_at)).where(OutboxChange.state.in_(UNACKED))
    ).scalar()
    st = SyncStatus(
        state="synced",
        enrolled=bool(d and d.token),
        server=d.district_url if d else None,
        pending=int(counts.get("pending", 0)),
        in_flight=int(counts.get("in_flight", 0)),
        rejected=int(issues.get("rejected", 0)),
        conflicts=int(issues.get("conflict", 0)),
        apply_failed=int(issues.get("apply_failed", 0)),
        needs_reenroll=bool(d and d.needs_reenroll),
        revoked=bool(d and d.revoked),
        restored=bool(d and d.restored_at),
        last_success=_from_iso(get_state(session, K_LAST_SUCCESS)),
        offline_since=_from_iso(get_state(session, K_OFFLINE_SINCE)),
        oldest_waiting=oldest,
        clock_offset_seconds=get_state(session, K_CLOCK_OFFSET),
        last_error=get_state(session, K_LAST_ERROR),
    )
    if st.revoked:
        st.warnings.append(_("This device was revoked by the district; export the queue."))
    elif st.restored:
        st.warnings.append(_("This device was restored from an old backup: enroll it again."))
    elif st.needs_reenroll:
        st.warnings.append(_("The district no longer accepts this device's token: enroll it again."))
    if st.clock_offset_seconds is not None and abs(st.clock_offset_seconds) > CLOCK_WARN.total_seconds():
        st.warnings.append(_("The computer's clock is {minutes} minutes off the district's.").format(
            minutes=round(abs(st.clock_offset_seconds) / 60)))
    if oldest is not None and now - oldest > WAIT_WARN:
        st.warnings.append(_("A change has been waiting for more than a day."))
    if not st.enrolled:
        st.state = "not_enrolled"
    elif st.needs_action:
        st.state = "needs_action"
    elif st.conflicts:
        st.state = "conflicts"
    elif st.offline_since:
        st.state = "offline"
    elif st.waiting:
        st.state = "waiting"
    return st


# --- the queue and the issues, for the Sinkronisasi screen ----------------------------------------


@dataclass(frozen=True)
class QueueRow:
    seq: int
    change_id: str
    entity: str
    entity_id: str
    op: str
    state: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Issue:
    id: int
    kind: str
    change_id: str | None
    entity: str
    entity_id: str
    reason: str | None
    fields: dict[str, Any]
    server_version: int | None
    created_at: dt.datetime


def queue(session: Session, *, limit: int = 500) -> tuple[dict[str, int], list[QueueRow]]:
    """Counts per state and the not-yet-acked rows (oldest first)."""
    counts = {k: int(v) for k, v in session.execute(
        select(OutboxChange.state, func.count()).group_by(OutboxChange.state)).all()}
    rows = session.execute(
        select(OutboxChange).where(OutboxChange.state != "acked").order_by(OutboxChange.seq).limit(limit)
    ).scalars()
    return counts, [QueueRow(r.seq, r.change_id, r.entity, r.entity_id, r.op, r.state, r.attempts,
                             r.last_error, r.created_at) for r in rows]


def open_issues(session: Session) -> list[Issue]:
    rows = session.execute(
        select(SyncConflict).where(SyncConflict.resolved_at.is_(None)).order_by(SyncConflict.id)
    ).scalars()
    return [Issue(r.id, r.kind, r.change_id, r.entity, r.entity_id, r.reason, dict(r.fields or {}),
                  r.server_version, r.created_at) for r in rows]


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


# --- the service staff use -------------------------------------------------------------------------


class SyncStateService:
    """Status, queue and issues of the sync client, and their resolution by staff."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def status(self) -> SyncStatus:
        with self.store.read() as s:
            return status(s)

    def queue(self, *, limit: int = 500) -> tuple[dict[str, int], list[QueueRow]]:
        with self.store.read() as s:
            return queue(s, limit=limit)

    def issues(self) -> list[Issue]:
        with self.store.read() as s:
            return open_issues(s)

    def local_values(self, issue: Issue) -> dict[str, Any]:
        """The record's current local values of the issue's fields (shown beside the server's)."""
        with self.store.read() as s:
            model = ENTITY_MODELS.get(issue.entity)
            obj = s.get(model, issue.entity_id) if model else None
            if obj is None:
                return {}
            return {k: getattr(obj, k, None) for k in issue.fields}

    def resolve_conflict(self, actor: Actor, issue_id: int, choices: dict[str, str]) -> None:
        """Per field "local" (pakai data kantor) or "server" (pakai data server). Local choices travel
        to the district as a new change based on the server's version; server choices are applied here."""
        require(actor, "sync.resolve_conflict")
        with self.store.write() as s:
            issue = s.get(SyncConflict, issue_id)
            if issue is None or issue.resolved_at is not None:
                raise NotFound()
            if issue.kind != "conflict":
                raise ConflictError(N_("Only conflicts have fields to choose."))
            missing = [f for f in issue.fields if choices.get(f) not in ("local", "server")]
            if missing:
                raise ValidationError(N_("Choose a value for every field."), fields={f: N_("Choose") for f in missing})
            model = ENTITY_MODELS.get(issue.entity)
            obj = s.get(model, issue.entity_id) if model else None
            keep_local: dict[str, Any] = {}
            for name, both in issue.fields.items():
                if choices[name] == "server":
                    if obj is not None:
                        assign_fields(obj, issue.entity, {name: both.get("server")})
                else:
                    keep_local[name] = both.get("local")
            if issue.server_version is not None:
                note_server_version(s, issue.entity, issue.entity_id, issue.server_version)
            if keep_local and obj is not None and issue.entity in ("resident", "family", "population_event"):
                record_change(s, actor, entity=issue.entity, entity_id=issue.entity_id, op="update",
                              payload=keep_local, base_version=issue.server_version, record=obj,
                              action="sync.resolve_conflict",
                              audit_details={"fields": sorted(issue.fields), "choices": choices})
            issue.resolved_at, issue.resolved_by = utcnow(), actor.username
            issue.resolution = dict(choices)
            s.flush()
            apply_deferred(s, issue.entity, issue.entity_id)

    def retry(self, actor: Actor, issue_id: int) -> None:
        """Send a rejected change again (after the cause was fixed, e.g. on the server)."""
        require(actor, "sync.resolve_conflict")
        with self.store.write() as s:
            issue = s.get(SyncConflict, issue_id)
            if issue is None or issue.resolved_at is not None:
                raise NotFound()
            if issue.change_id:
                row = s.execute(select(OutboxChange).where(OutboxChange.change_id == issue.change_id)).scalar_one_or_none()
                if row is not None and row.state in ("rejected", "conflict"):
                    row.state, row.next_attempt_at = "pending", None
            elif issue.kind == "apply_failed":
                retry_failed_applies(s)
                return
            issue.resolved_at, issue.resolved_by, issue.resolution = utcnow(), actor.username, {"action": "retry"}

    def dismiss(self, actor: Actor, issue_id: int) -> None:
        """Accept the district's answer: the change stays unsent; the server's state is applied."""
        require(actor, "sync.resolve_conflict")
        with self.store.write() as s:
            issue = s.get(SyncConflict, issue_id)
            if issue is None or issue.resolved_at is not None:
                raise NotFound()
            issue.resolved_at, issue.resolved_by, issue.resolution = utcnow(), actor.username, {"action": "dismiss"}
            s.flush()
            apply_deferred(s, issue.entity, issue.entity_id)


def blocked_records(session: Session) -> set[tuple[str, str]]:
    """Records held back by an open conflict or rejection."""
    return {(e, i) for e, i in session.execute(
        select(SyncConflict.entity, SyncConflict.entity_id).where(
            and_(SyncConflict.resolved_at.is_(None), SyncConflict.kind.in_(("conflict", "rejected")))))}
