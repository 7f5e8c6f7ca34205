"""Local sync state of the office store: key/value state, record locks, status for staff, the issues
(conflicts, rejected changes) staff resolve, and applying changes pulled from the district.

No network here: ``sync.client`` talks to the district and calls these inside ``Store.write()``.
Services that edit a synced record call ``require_unlocked`` first: a record whose change is on its way
to the district (state ``in_flight``) cannot be edited until the answer is recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.changes import PARENT_FIELDS as PARENT_FIELDS  # re-exported (sync.client)
from kiosk.changes import (
    ensure_not_in_flight,
    record_change,
)
from kiosk.db import Store
from kiosk.errors import ConflictError, NotFound, ValidationError
from kiosk.errors import RecordLocked as RecordLocked  # re-exported: it used to live here
from kiosk.i18n import N_, _
from kiosk.models import (
    Device,
    OutboxChange,
    SyncConflict,
    SyncState,
    utcnow,
)
from kiosk.permissions import require
from kiosk.services.sync_apply import (  # re-exported: sync.client and the tests use them from here
    BULK_CHUNK,
    ENTITY_MODELS,
    UNACKED,
    ApplyStats,
    add_issue,
    apply_deferred,
    apply_pulled,
    assign_fields,
    has_local_changes,
    note_server_version,
    retry_failed_applies,
)

log = logging.getLogger(__name__)

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


__all__ = [
    "BULK_CHUNK", "ENTITY_MODELS", "PARENT_FIELDS", "UNACKED", "ApplyStats", "Issue", "QueueRow", "RecordLocked",
    "SyncStateService", "SyncStatus", "add_issue", "apply_deferred", "apply_pulled", "assign_fields",
    "blocked_records", "device", "get_state", "has_local_changes", "is_locked", "note_server_version",
    "open_issues", "put_state", "queue", "require_unlocked", "retry_failed_applies", "status",
]
