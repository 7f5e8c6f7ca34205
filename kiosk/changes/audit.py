"""The hash-chained audit trail: append an entry (``write_audit``) and check the chain (``verify_audit_chain``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.actor import Actor
from kiosk.canonical import canonical_json, sha256_hex, to_jsonable
from kiosk.models import AuditEntry, utcnow

GENESIS_HASH = "0" * 64

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
