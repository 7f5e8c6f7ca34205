"""Applying one pushed change to the district store: dedupe, checks, per-entity rules, change log.

Called inside the push transaction (which holds the sequence lock) in a savepoint of its own, so a
failing change rolls back alone. See `sync.protocol` for the entity set and the state machines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.district.models import (
    ChangeLogEntry,
    ComplaintProjection,
    Device,
    LetterProjection,
    ReceivedChange,
    Record,
    RequestProjection,
    UsedNumber,
)

COMPLAINT_RESPONSE_LIMIT = dt.timedelta(hours=4)
LETTER_REQUIRED = ("number", "letter_type", "issued_at", "content_hash")


class Outcome(Exception):
    """A non-applied answer for one change (raised to roll back its savepoint)."""

    def __init__(self, status: p.ChangeStatus, reason: str, *, version: int | None = None,
                 conflict: p.ConflictInfo | None = None) -> None:
        super().__init__(reason)
        self.status: p.ChangeStatus = status
        self.reason = reason
        self.version = version
        self.conflict = conflict


def rejected(reason: str) -> Outcome:
    return Outcome("rejected", reason)


def find_received(session: Session, device_id: str, change_id: str) -> ReceivedChange | None:
    return session.scalar(
        select(ReceivedChange).where(
            ReceivedChange.device_id == device_id, ReceivedChange.change_id == change_id
        )
    )


def next_server_seq(session: Session) -> int:
    current = session.scalar(select(func.coalesce(func.max(ChangeLogEntry.server_seq), 0)))
    return int(current or 0) + 1


def apply_change(session: Session, device: Device, change: p.ChangeEnvelope, now: dt.datetime) -> p.ChangeResult:
    """Apply `change`; raises `Outcome` for anything that is not applied."""
    payload = change.payload
    if payload.get("village") != device.village:
        raise rejected("wrong_village")
    if change.entity not in p.KNOWN_ENTITIES:
        raise rejected("unknown_entity")
    if device.role == "kiosk" and not (
        change.op == "create" and change.entity in (p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT)
    ):
        raise rejected("role")
    if p.payload_hash(payload) != change.payload_hash:
        raise rejected("payload_hash_invalid")
    # Records are keyed per village: another village's record with the same id is simply not visible.
    record = session.scalar(
        select(Record).where(
            Record.village == device.village, Record.entity == change.entity, Record.entity_id == change.entity_id
        )
    )
    if change.op == "create":
        record = _create(session, device, change, record, now)
    elif change.op == "update":
        record = _update(device, change, record, now)
    elif change.op == "delete":
        record = _delete(change, record, now)
    else:
        record = _transition(session, change, record, now)
    seq = next_server_seq(session)
    session.add(
        ChangeLogEntry(
            server_seq=seq,
            village=record.village,
            entity=record.entity,
            entity_id=record.entity_id,
            op=change.op,
            version=record.version,
            payload=dict(record.data),
            origin_device=device.id,
            created_at=now,
        )
    )
    session.flush()
    return p.ChangeResult(change_id=change.change_id, status="applied", server_seq=seq, version=record.version)


def _data_fields(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "village"}


def _create(session: Session, device: Device, change: p.ChangeEnvelope, record: Record | None,
            now: dt.datetime) -> Record:
    data = dict(change.payload)
    if change.entity == p.ENTITY_LETTER_REQUEST:
        data.setdefault("status", p.REQUEST_INITIAL)
        if data["status"] != p.REQUEST_INITIAL:
            raise rejected("invalid_status")
    elif change.entity == p.ENTITY_COMPLAINT:
        data.setdefault("status", p.COMPLAINT_INITIAL)
        if data["status"] != p.COMPLAINT_INITIAL:
            raise rejected("invalid_status")
    elif change.entity == p.ENTITY_LETTER and (
        any(not data.get(k) for k in LETTER_REQUIRED) or data.get("voided")
    ):
        raise rejected("invalid_payload")
    if record is not None:
        differing = {
            k: p.FieldConflict(server=record.data.get(k), device=v)
            for k, v in data.items()
            if record.data.get(k) != v
        }
        if not differing and not record.deleted:
            raise Outcome("duplicate", "already_exists", version=record.version)
        raise Outcome("conflict", "exists", version=record.version,
                      conflict=p.ConflictInfo(fields=differing, server_version=record.version))
    record = Record(
        village=device.village,
        entity=change.entity,
        entity_id=change.entity_id,
        version=1,
        data=data,
        field_versions={k: [1, device.id] for k in _data_fields(data)},
        deleted=False,
        updated_at=now,
    )
    session.add(record)
    if change.entity == p.ENTITY_LETTER:
        _project_new_letter(session, device, change.entity_id, data, now)
    elif change.entity in (p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT):
        _project_case(session, change.entity, change.entity_id, device.village, data, now)
    session.flush()
    return record


def _require_record(record: Record | None) -> Record:
    if record is None:
        raise rejected("not_found")
    return record


def _update(device: Device, change: p.ChangeEnvelope, record: Record | None, now: dt.datetime) -> Record:
    if change.entity == p.ENTITY_LETTER:
        raise rejected("immutable")
    if change.entity not in p.MERGEABLE_ENTITIES:
        raise rejected("use_transition")
    record = _require_record(record)
    if change.base_version is None:
        raise rejected("base_version_required")
    if change.base_version > record.version:
        raise rejected("bad_base_version")
    if record.deleted:
        raise Outcome("conflict", "deleted", version=record.version,
                      conflict=p.ConflictInfo(server_version=record.version))
    incoming = _data_fields(change.payload)
    conflicts: dict[str, p.FieldConflict] = {}
    changed: dict[str, Any] = {}
    for name, value in incoming.items():
        server_value = record.data.get(name)
        if server_value == value:
            continue
        last_version, last_device = (record.field_versions.get(name) or [0, None])[:2]
        # Changed on the server after the device's base by someone else: both sides edited the field.
        if last_version > change.base_version and last_device != device.id:
            conflicts[name] = p.FieldConflict(server=server_value, device=value)
        else:
            changed[name] = value
    if conflicts:
        raise Outcome("conflict", "field_conflict", version=record.version,
                      conflict=p.ConflictInfo(fields=conflicts, server_version=record.version))
    if not changed:
        raise Outcome("applied", "no_change", version=record.version)
    version = record.version + 1
    record.data = {**record.data, **changed}
    record.field_versions = {**record.field_versions, **{k: [version, device.id] for k in changed}}
    record.version = version
    record.updated_at = now
    return record


def _delete(change: p.ChangeEnvelope, record: Record | None, now: dt.datetime) -> Record:
    if change.entity == p.ENTITY_LETTER:
        raise rejected("immutable")
    if change.entity not in p.MERGEABLE_ENTITIES:
        raise rejected("use_transition")
    record = _require_record(record)
    if record.deleted:
        raise Outcome("duplicate", "already_deleted", version=record.version)
    record.deleted = True
    record.version += 1
    record.updated_at = now
    return record


def _transition(session: Session, change: p.ChangeEnvelope, record: Record | None, now: dt.datetime) -> Record:
    target = change.payload.get("to")
    if not isinstance(target, str) or not target:
        raise rejected("invalid_payload")
    if change.entity not in (p.ENTITY_LETTER, p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT):
        raise rejected("invalid_op")
    record = _require_record(record)
    at = str(change.payload.get("at") or now.isoformat())
    extra = {k: v for k, v in _data_fields(change.payload).items() if k not in ("to", "at")}
    if change.entity == p.ENTITY_LETTER:
        if target != p.LETTER_VOID:
            raise rejected("immutable")
        if record.data.get("voided"):
            raise Outcome("duplicate", "already_in_state", version=record.version)
        reason = str(change.payload.get("reason") or "")
        record.data = {**record.data, "voided": True, "void_reason": reason, "voided_at": at}
        session.execute(
            update(LetterProjection)
            .where(LetterProjection.letter_id == record.entity_id)
            .values(voided=True, void_reason=reason)
        )
        session.execute(
            update(UsedNumber).where(UsedNumber.letter_id == record.entity_id).values(state="void")
        )
    else:
        machine = p.REQUEST_TRANSITIONS if change.entity == p.ENTITY_LETTER_REQUEST else p.COMPLAINT_TRANSITIONS
        current = str(record.data.get("status"))
        if target == current:
            raise Outcome("duplicate", "already_in_state", version=record.version)
        if target not in machine.get(current, frozenset()):
            raise rejected("invalid_transition")
        data = {**record.data, **extra, "status": target}
        if change.entity == p.ENTITY_COMPLAINT:
            if target == "ditanggapi" or not data.get("first_response_at"):
                data.setdefault("first_response_at", at)
            if target == "selesai":
                data["resolved_at"] = at
        elif not machine[target]:
            data["resolved_at"] = at
        record.data = data
        _project_case(session, change.entity, record.entity_id, record.village, data, now)
    record.version += 1
    record.updated_at = now
    return record


def _project_new_letter(session: Session, device: Device, letter_id: str, data: dict[str, Any],
                        now: dt.datetime) -> None:
    session.add(
        LetterProjection(
            letter_id=letter_id,
            village=device.village,
            number=str(data["number"]),
            type_code=str(data["letter_type"]),
            issued_at=str(data["issued_at"]),
            content_hash=str(data["content_hash"]).lower(),
            signing_device=device.id,
            voided=False,
            void_reason=None,
            received_at=now,
        )
    )
    year, key, seq_number = data.get("year"), data.get("sequence_key"), data.get("seq_number")
    if isinstance(year, int) and isinstance(seq_number, int):
        key = str(key or "all")
        existing = session.scalar(
            select(UsedNumber).where(
                UsedNumber.village == device.village,
                UsedNumber.year == year,
                UsedNumber.sequence_key == key,
                UsedNumber.number == seq_number,
            )
        )
        if existing is not None and existing.letter_id not in (None, letter_id):
            raise Outcome("conflict", "number_taken")
        if existing is None:
            session.add(UsedNumber(village=device.village, year=year, sequence_key=key, number=seq_number,
                                   letter_id=letter_id, lease_id=None, state="used", recorded_at=now))
        else:  # reported unused earlier, then used after all
            existing.letter_id, existing.state = letter_id, "used"


def _due(received: Any) -> str | None:
    if not isinstance(received, str):
        return None
    try:
        when = dt.datetime.fromisoformat(received)
    except ValueError:
        return None
    return (when + COMPLAINT_RESPONSE_LIMIT).isoformat()


def _project_case(session: Session, entity: str, entity_id: str, village: str, data: dict[str, Any],
                  now: dt.datetime) -> None:
    row: RequestProjection | ComplaintProjection | None
    if entity == p.ENTITY_LETTER_REQUEST:
        row = session.get(RequestProjection, entity_id) or RequestProjection(id=entity_id, village=village)
    else:
        row = session.get(ComplaintProjection, entity_id) or ComplaintProjection(id=entity_id, village=village)
    session.add(row)
    received = data.get("received_at") or data.get("submitted_at")
    row.status = str(data.get("status"))
    row.channel = data.get("channel")
    row.received_at = received
    row.due_at = data.get("due_at") or (_due(received) if entity == p.ENTITY_COMPLAINT else None)
    row.first_response_at = data.get("first_response_at")
    row.resolved_at = data.get("resolved_at")
    row.updated_at = now
    if isinstance(row, RequestProjection):
        row.type_code = data.get("letter_type")
    else:
        row.category = data.get("category")
