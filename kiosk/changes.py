"""The one way a change is recorded: its audit entry and its outbox row, in the caller's transaction.

Every service that changes data calls ``record_change`` inside ``Store.write()``; the data change,
the hash-chained audit entry and the outbox row for the district then commit together or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.canonical import canonical_json, payload_hash, sha256_hex, to_jsonable
from kiosk.models import AuditEntry, OfficeProfile, OutboxChange, utcnow

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64

# Entities that travel to the district. Others (users, settings, device, the office profile — the district
# keeps its own register of villages) are local only, audited but not queued.
SYNCED_ENTITIES = frozenset({"resident", "family", "population_event", "letter_request", "letter", "complaint",
                             "apbdes", "apbdes_realisasi", "apbdes_laporan"})

_AUDIT_FIELDS = ("id", "at", "user_id", "username", "device_id", "action", "entity", "entity_id", "details")


def audit_entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one audit entry: over the previous hash and the entry's own fields."""
    body = {k: fields[k] for k in _AUDIT_FIELDS}
    return sha256_hex(prev_hash.encode("ascii") + canonical_json(body))


def _audit_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="microseconds"),
        "user_id": entry.user_id,
        "username": entry.username,
        "device_id": entry.device_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "details": to_jsonable(entry.details),
    }


def write_audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    entity: str,
    entity_id: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry chained to the last one. Call inside ``Store.write()``."""
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    prev = last or GENESIS_HASH
    entry = AuditEntry(
        at=utcnow(),
        user_id=actor.user_id,
        username=actor.username,
        device_id=actor.device_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=to_jsonable(details or {}),
        prev_hash=prev,
    )
    from kiosk.ids import new_id

    entry.id = new_id()
    entry.hash = audit_entry_hash(prev, _audit_fields(entry))
    session.add(entry)
    session.flush()
    return entry


def _village_code(session: Session) -> str | None:
    cached = session.info.get("village_code")
    if cached is None:
        cached = session.execute(select(OfficeProfile.village_code)).scalar()
        session.info["village_code"] = cached
    return cached


def record_change(
    session: Session,
    actor: Actor,
    *,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    base_version: int | None = None,
    action: str | None = None,
    audit_details: dict[str, Any] | None = None,
) -> OutboxChange | None:
    """Write the audit entry and (for synced entities) the outbox row for one change.

    ``payload`` is what the district needs to apply the change (for an update: the changed fields
    only). It must not hold secrets (PIN and password hashes stay on the device). The audit entry
    records ``audit_details`` or, by default, the names of the changed fields — never their values,
    so personal data is not copied into the audit trail.
    """
    if op != "create" and entity in SYNCED_ENTITIES:
        _require_not_in_flight(session, entity, entity_id)
    details = audit_details if audit_details is not None else {"fields": sorted(payload)}
    write_audit(session, actor, action=action or f"{entity}.{op}", entity=entity, entity_id=entity_id,
                details=details)
    if entity not in SYNCED_ENTITIES:
        return None
    body = to_jsonable(dict(payload))
    village = _village_code(session)
    if village:
        body.setdefault("village", village)
    change = OutboxChange(
        entity=entity,
        entity_id=entity_id,
        op=op,
        base_version=base_version,
        payload=body,
        payload_hash=payload_hash(body),
        state="pending",
        created_at=utcnow(),
    )
    from kiosk.ids import new_id

    change.change_id = new_id()
    session.add(change)
    session.flush()
    _notify_committed(session)
    return change


def _require_not_in_flight(session: Session, entity: str, entity_id: str) -> None:
    """A record whose change is on its way to the district is locked against edits until the answer
    comes back (DESIGN.md, Sync 2): the edit is refused with a "try again in a moment" message."""
    in_flight = session.execute(
        select(OutboxChange.seq).where(
            OutboxChange.entity == entity, OutboxChange.entity_id == entity_id, OutboxChange.state == "in_flight"
        ).limit(1)
    ).first()
    if in_flight is not None:
        from kiosk.services.sync_state import RecordLocked

        raise RecordLocked()


# Listeners told after a commit that produced outbox rows (the sync worker retriggers on it).
_commit_listeners: list[Any] = []


def on_outbox_commit(callback: Any) -> None:
    _commit_listeners.append(callback)


def _notify_committed(session: Session) -> None:
    if session.info.get("_outbox_hooked"):
        return
    session.info["_outbox_hooked"] = True
    from sqlalchemy import event

    def _after_commit(sess: Session) -> None:
        sess.info.pop("_outbox_hooked", None)
        for cb in list(_commit_listeners):
            try:
                cb()
            except Exception:  # a listener never breaks a commit
                log.exception("outbox commit listener failed")

    event.listen(session, "after_commit", _after_commit, once=True)


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_audit_chain(session: Session) -> AuditVerification:
    """Walk the audit trail and report the first entry whose hash or link does not match."""
    prev = GENESIS_HASH
    checked = 0
    expected_seq: int | None = None
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        if expected_seq is not None and entry.seq != expected_seq:
            return AuditVerification(False, checked, expected_seq, "missing")
        if entry.prev_hash != prev:
            return AuditVerification(False, checked, entry.seq, "broken_link")
        if audit_entry_hash(prev, _audit_fields(entry)) != entry.hash:
            return AuditVerification(False, checked, entry.seq, "altered")
        prev = entry.hash
        checked += 1
        expected_seq = entry.seq + 1
    return AuditVerification(True, checked)
