"""Applying a pushed batch to the district store: dedupe, restored-backup check, per-entity rules,
change log — decided in Python, written with SQLAlchemy Core bulk statements.

Called inside the push transaction, which holds the sequence lock (one writer at a time), so the
records and ledger rows read at the start stay true for the whole batch and ``server_seq`` order is
commit order. Per batch: one query for the dedupe ledger, one for the touched records, one per case
projection table; each change is then decided against the in-memory state (so later changes of the same
record see the earlier ones: first-in-first-out per record), and everything is written at the end with
``executemany``. Only statements that can violate a constraint another writer owns (a letter's
projection row and its official number) run at once, in a savepoint of their own, so a failing change
rolls back alone. See `sync.protocol` for the entity set and the state machines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.district.budget import project as budget_project
from sync.district.models import (
    ChangeLogEntry,
    ComplaintProjection,
    LetterProjection,
    ReceivedChange,
    Record,
    RequestProjection,
    UsedNumber,
)

log = logging.getLogger(__name__)

COMPLAINT_RESPONSE_LIMIT = dt.timedelta(hours=4)
LETTER_REQUIRED = ("number", "letter_type", "issued_at", "content_hash")
# Payload fields that land in a projection column: text of at most this length (or absent / null), so an
# odd value is refused per change ("invalid_payload") instead of failing the batch in the database.
LETTER_COLUMNS = {"number": 128, "letter_type": 64, "issued_at": 40, "content_hash": 64}
CASE_COLUMNS = {"status": 32, "channel": 32, "received_at": 40, "submitted_at": 40, "due_at": 40,
                "first_response_at": 40, "resolved_at": 40, "letter_type": 64, "category": 64}

_records = cast(Table, Record.__table__)
_received = cast(Table, ReceivedChange.__table__)
_change_log = cast(Table, ChangeLogEntry.__table__)
_letters = cast(Table, LetterProjection.__table__)
_used = cast(Table, UsedNumber.__table__)
_CASE_TABLES = {p.ENTITY_LETTER_REQUEST: cast(Table, RequestProjection.__table__),
                p.ENTITY_COMPLAINT: cast(Table, ComplaintProjection.__table__)}


class Outcome(Exception):
    """A non-applied answer for one change (raised before anything of it is kept)."""

    def __init__(self, status: p.ChangeStatus, reason: str, *, version: int | None = None,
                 conflict: p.ConflictInfo | None = None) -> None:
        super().__init__(reason)
        self.status: p.ChangeStatus = status
        self.reason = reason
        self.version = version
        self.conflict = conflict


class DeviceRestored(Exception):
    """The device's local sequence went backwards: it reuses a `device_seq` the server already holds
    for another change (a database restored from an old backup). Nothing of the batch is applied."""

    def __init__(self, device_seq: int, change_id: str, seen_change_id: str) -> None:
        super().__init__(f"device_seq {device_seq} of change {change_id} was already used by {seen_change_id}")
        self.device_seq = device_seq
        self.change_id = change_id
        self.seen_change_id = seen_change_id


def rejected(reason: str) -> Outcome:
    return Outcome("rejected", reason)


@dataclass(frozen=True)
class Pusher:
    """The pushing device as the batch needs it (read inside the push transaction)."""

    id: str
    village: str
    role: str
    last_device_seq: int


@dataclass
class RecordState:
    """One record of the village in memory; written back at the end of the batch."""

    id: int | None  # None: created in this batch
    entity: str
    entity_id: str
    version: int
    data: dict[str, Any]
    field_versions: dict[str, Any]
    deleted: bool
    dirty: bool = False
    data_json: str | None = None  # `data` as JSON text when known (None after a change of `data`)
    field_versions_json: str | None = None  # likewise for `field_versions`


@dataclass
class _Seen:
    id: int
    change_id: str
    payload_hash: str
    status: str
    server_seq: int | None
    version: int | None


@dataclass
class _Writes:
    change_log: list[dict[str, Any]] = field(default_factory=list)
    new_received: list[dict[str, Any]] = field(default_factory=list)
    old_received: list[dict[str, Any]] = field(default_factory=list)
    cases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def next_server_seq(conn: Connection) -> int:
    current = conn.scalar(select(func.coalesce(func.max(_change_log.c.server_seq), 0)))
    return int(current or 0) + 1


def _data_fields(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "village"}


class BatchApplier:
    """Applies one push batch of one device inside the caller's (locked) transaction."""

    def __init__(self, session: Session, device: Pusher, now: dt.datetime) -> None:
        self.session = session
        self.conn = session.connection()
        self.pg = self.conn.dialect.name == "postgresql"
        self.device = device
        self.now = now
        self.records: dict[tuple[str, str], RecordState] = {}
        self.existing_cases: dict[str, set[str]] = {}
        self.writes = _Writes()
        self._versions: dict[tuple[str, ...], tuple[dict[str, Any], str]] = {}

    # -- reading ----------------------------------------------------------------------------------------

    def _among(self, column: Any, values: list[str]) -> ColumnElement[bool]:
        """``column IN values``: one array parameter on PostgreSQL (``= ANY(%s)``, planned once) instead of
        hundreds of placeholders."""
        if self.pg:
            return cast(ColumnElement[bool], column == any_(bindparam(None, values, type_=ARRAY(String))))
        return cast(ColumnElement[bool], column.in_(values))

    def _load_seen(self, changes: Sequence[p.ChangeEnvelope]) -> dict[str, _Seen]:
        ids = [c.change_id for c in changes]
        rows = self.conn.execute(
            select(_received.c.id, _received.c.change_id, _received.c.payload_hash, _received.c.status,
                   _received.c.server_seq, _received.c.version)
            .where(_received.c.device_id == self.device.id, self._among(_received.c.change_id, ids))
        )
        return {r.change_id: _Seen(r.id, r.change_id, r.payload_hash, r.status, r.server_seq, r.version)
                for r in rows}

    def check_not_restored(self, changes: Sequence[p.ChangeEnvelope], seen: dict[str, _Seen]) -> None:
        """Raise `DeviceRestored` when a new change reuses a local sequence number the server already
        holds for another change of this device.

        Only new changes at or below the highest sequence seen can collide; a lower sequence alone is
        no proof (a change held back behind a conflict of its record is legitimately sent late), a
        reused one is."""
        candidates = {c.device_seq: c.change_id for c in changes
                      if c.change_id not in seen and c.device_seq <= self.device.last_device_seq}
        if not candidates:
            return
        rows = self.conn.execute(
            select(_received.c.device_seq, _received.c.change_id)
            .where(_received.c.device_id == self.device.id, _received.c.device_seq.in_(sorted(candidates)))
        )
        for row in rows:
            mine = candidates[row.device_seq]
            if row.change_id != mine:
                raise DeviceRestored(row.device_seq, mine, row.change_id)

    def _load_records(self, changes: Sequence[p.ChangeEnvelope]) -> None:
        entities = {c.entity for c in changes}
        entity_ids = {c.entity_id for c in changes}
        rows = self.conn.execute(
            select(_records.c.id, _records.c.entity, _records.c.entity_id, _records.c.version,
                   _records.c.data, _records.c.field_versions, _records.c.deleted)
            .where(_records.c.village == self.device.village, self._among(_records.c.entity, sorted(entities)),
                   self._among(_records.c.entity_id, sorted(entity_ids)))
        )
        for r in rows:
            self.records[(r.entity, r.entity_id)] = RecordState(
                id=r.id, entity=r.entity, entity_id=r.entity_id, version=r.version, data=dict(r.data),
                field_versions=dict(r.field_versions), deleted=bool(r.deleted))

    def _load_cases(self, changes: Sequence[p.ChangeEnvelope]) -> None:
        for entity, table in _CASE_TABLES.items():
            ids = sorted({c.entity_id for c in changes if c.entity == entity})
            found: set[str] = set()
            if ids:
                found = set(self.conn.scalars(select(table.c.id).where(
                    table.c.village == self.device.village, self._among(table.c.id, ids))))
            self.existing_cases[entity] = found

    # -- the batch --------------------------------------------------------------------------------------

    def run(self, changes: Sequence[p.ChangeEnvelope]) -> list[p.ChangeResult]:
        seen = self._load_seen(changes)
        self.check_not_restored(changes, seen)
        self._load_records(changes)
        self._load_cases(changes)
        self.seq = next_server_seq(self.conn)
        results = [self._one(change, seen.get(change.change_id)) for change in changes]
        self._flush()
        return results

    def _one(self, change: p.ChangeEnvelope, seen: _Seen | None) -> p.ChangeResult:
        if seen is not None:
            if seen.payload_hash != change.payload_hash:
                return p.ChangeResult(change_id=change.change_id, status="conflict", reason="hash_mismatch")
            if seen.status == "applied":
                return p.ChangeResult(change_id=change.change_id, status="duplicate",
                                      server_seq=seen.server_seq, version=seen.version)
        try:
            result = self._apply(change)
        except Outcome as out:
            result = p.ChangeResult(change_id=change.change_id, status=out.status, reason=out.reason,
                                    version=out.version, conflict=out.conflict)
        except IntegrityError as exc:
            log.warning("change %s hit a constraint: %s", change.change_id, exc.orig)
            result = p.ChangeResult(change_id=change.change_id, status="rejected", reason="constraint")
        except (DBAPIError, ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
            # A crafted value the rules did not foresee (an integer no column holds, a field of the wrong
            # type): this change is refused on its own, the batch goes on (issue 20.5). Statements that can
            # fail on a value run in their own savepoint (`_project_new_letter`), so nothing of it stays.
            # Logged by type only: the payload may hold a NIK.
            log.warning("change %s (%s %s) refused: %s", change.change_id, change.entity, change.op,
                        type(exc).__name__)
            result = p.ChangeResult(change_id=change.change_id, status="rejected", reason="invalid_change")
        answer = {"status": result.status, "reason": result.reason, "server_seq": result.server_seq,
                  "version": result.version}
        if seen is None:
            self.writes.new_received.append({
                "device_id": self.device.id, "change_id": change.change_id, "device_seq": change.device_seq,
                "payload_hash": change.payload_hash, "received_at": self.now, **answer})
        else:
            self.writes.old_received.append({"_id": seen.id, **{f"_{k}": v for k, v in answer.items()}})
        return result

    def _apply(self, change: p.ChangeEnvelope) -> p.ChangeResult:
        """Decide `change`; raises `Outcome` for anything that is not applied. Nothing is kept in memory
        or written before the decision is final."""
        device = self.device
        payload = change.payload
        if payload.get("village") != device.village:
            raise rejected("wrong_village")
        if change.entity not in p.KNOWN_ENTITIES:
            raise rejected("unknown_entity")
        if device.role == "kiosk" and not (
            change.op == "create" and change.entity in (p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT)
            and not p.OFFICE_ONLY_CASE_FIELDS.intersection(payload)
        ):
            raise rejected("role")
        canonical = p.canonical_json(payload)
        if hashlib.sha256(canonical).hexdigest() != change.payload_hash:
            raise rejected("payload_hash_invalid")
        if change.entity in budget_project.ENTITIES:
            try:
                budget_project.check(change.entity, payload)
            except (budget_project.BadBudgetPayload, KeyError, TypeError, ValueError):
                raise rejected("invalid_payload") from None
        # Records are keyed per village: another village's record with the same id is simply not visible.
        key = (change.entity, change.entity_id)
        record = self.records.get(key)
        if change.op == "create":
            record = self._create(change, record)
            if record.data == payload:  # stored as sent: reuse the JSON made for the hash check
                record.data_json = canonical.decode("utf-8")
        elif change.op == "update":
            record = self._update(change, record)
        elif change.op == "delete":
            record = self._delete(change, record)
        else:
            record = self._transition(change, record)
        record.dirty = True
        if record.data_json is None:
            record.data_json = _dumps(record.data)
        self.records[key] = record
        if change.entity in budget_project.ENTITIES:
            budget_project.project(self.conn, device.village, change.entity, change.entity_id, change.op,
                                   record.data, self.now)
        seq = self.seq
        self.seq += 1
        self.writes.change_log.append({
            "server_seq": seq, "village": device.village, "entity": record.entity,
            "entity_id": record.entity_id, "op": change.op, "version": record.version,
            "payload": record.data_json, "origin_device": device.id, "created_at": self.now})
        # built without validation (the hot path: every value here is already of its type)
        return p.ChangeResult.model_construct(change_id=change.change_id, status="applied", reason=None,
                                              server_seq=seq, version=record.version, conflict=None)

    # -- per operation ----------------------------------------------------------------------------------

    def _create(self, change: p.ChangeEnvelope, record: RecordState | None) -> RecordState:
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
            any(not data.get(k) for k in LETTER_REQUIRED) or (data.get("voided") and not _duplicate(data))
            or not _texts_fit(data, LETTER_COLUMNS)
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
        if change.entity == p.ENTITY_LETTER and _duplicate(data):
            self._project_void_duplicate(change.entity_id, data)
        elif change.entity == p.ENTITY_LETTER:
            self._project_new_letter(change.entity_id, data)
        elif change.entity in _CASE_TABLES:
            self._project_case(change.entity, change.entity_id, data)
        versions, versions_json = self._first_versions(tuple(data))
        return RecordState(id=None, entity=change.entity, entity_id=change.entity_id, version=1, data=data,
                           field_versions=versions, deleted=False, field_versions_json=versions_json)

    def _first_versions(self, keys: tuple[str, ...]) -> tuple[dict[str, Any], str]:
        """`field_versions` of a new record and its JSON, made once per set of fields (most creates of an
        entity carry the same fields). Shared: field_versions is only ever replaced, never changed in
        place."""
        made = self._versions.get(keys)
        if made is None:
            versions = {k: [1, self.device.id] for k in keys if k != "village"}
            made = self._versions[keys] = (versions, _dumps(versions))
        return made

    def _update(self, change: p.ChangeEnvelope, record: RecordState | None) -> RecordState:
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
            if last_version > change.base_version and last_device != self.device.id:
                conflicts[name] = p.FieldConflict(server=server_value, device=value)
            else:
                changed[name] = value
        if conflicts:
            raise Outcome("conflict", "field_conflict", version=record.version,
                          conflict=p.ConflictInfo(fields=conflicts, server_version=record.version))
        if not changed:
            raise Outcome("applied", "no_change", version=record.version)
        version = record.version + 1
        record.data, record.data_json = {**record.data, **changed}, None
        record.field_versions = {**record.field_versions, **{k: [version, self.device.id] for k in changed}}
        record.field_versions_json = None
        record.version = version
        return record

    def _delete(self, change: p.ChangeEnvelope, record: RecordState | None) -> RecordState:
        if change.entity == p.ENTITY_LETTER:
            raise rejected("immutable")
        if change.entity not in p.MERGEABLE_ENTITIES:
            raise rejected("use_transition")
        record = _require_record(record)
        if record.deleted:
            raise Outcome("duplicate", "already_deleted", version=record.version)
        record.deleted = True
        record.version += 1
        return record

    def _transition(self, change: p.ChangeEnvelope, record: RecordState | None) -> RecordState:
        target = change.payload.get("to")
        if not isinstance(target, str) or not target:
            raise rejected("invalid_payload")
        if change.entity not in (p.ENTITY_LETTER, p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT):
            raise rejected("invalid_op")
        if not p.may_transition(change.entity, target, self.device.role):
            raise rejected("role")
        record = _require_record(record)
        at = str(change.payload.get("at") or self.now.isoformat())
        extra = {k: v for k, v in _data_fields(change.payload).items() if k not in ("to", "at")}
        if change.entity == p.ENTITY_LETTER:
            if target != p.LETTER_VOID:
                raise rejected("immutable")
            if record.data.get("voided"):
                raise Outcome("duplicate", "already_in_state", version=record.version)
            reason = str(change.payload.get("reason") or "")
            village = self.device.village
            self.conn.execute(update(_letters).where(_letters.c.village == village,
                                                     _letters.c.letter_id == record.entity_id)
                              .values(voided=True, void_reason=reason, voided_at=at))
            self.conn.execute(update(_used).where(_used.c.village == village, _used.c.letter_id == record.entity_id)
                              .values(state="void"))
            record.data = {**record.data, "voided": True, "void_reason": reason, "voided_at": at}
            record.data_json = None
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
            self._project_case(change.entity, record.entity_id, data)  # checks the values first
            record.data, record.data_json = data, None
        record.version += 1
        return record

    # -- projections ------------------------------------------------------------------------------------

    def _project_new_letter(self, letter_id: str, data: dict[str, Any]) -> None:
        """The letter's projection row and its official number, at once and in a savepoint: both are
        unique across writers (the letter per village, the number per village register).

        The register entry is never optional: a letter without its (year, sequence) is refused
        ``number_required``, and one whose official number text another letter of the village already
        carries is ``number_taken`` whatever register fields it claims."""
        village = self.device.village
        year, key, seq_number = _register_entry(data)
        number = str(data["number"])
        # a savepoint on the connection itself: the session's begin_nested() emits none for statements run
        # on a connection taken before it, and on PostgreSQL a failed statement would abort the batch
        with self.conn.begin_nested():
            same_text = self.conn.scalar(select(_letters.c.letter_id).where(
                _letters.c.village == village, _letters.c.number == number, _letters.c.letter_id != letter_id)
                .limit(1))
            if same_text is not None:
                raise Outcome("conflict", "number_taken")
            existing = self.conn.execute(
                select(_used.c.id, _used.c.letter_id).where(
                    _used.c.village == village, _used.c.year == year, _used.c.sequence_key == key,
                    _used.c.number == seq_number)
            ).first()
            if existing is not None and existing.letter_id not in (None, letter_id):
                raise Outcome("conflict", "number_taken")
            if existing is None:
                self.conn.execute(insert(_used).values(
                    village=village, year=year, sequence_key=key, number=seq_number, letter_id=letter_id,
                    lease_id=None, state="used", recorded_at=self.now))
            else:  # reported unused earlier, then used after all
                self.conn.execute(update(_used).where(_used.c.id == existing.id)
                                  .values(letter_id=letter_id, state="used"))
            self.conn.execute(insert(_letters).values(
                letter_id=letter_id, village=village, number=number,
                type_code=str(data["letter_type"]), issued_at=str(data["issued_at"]),
                content_hash=str(data["content_hash"]).lower(), signing_device=self.device.id, voided=False,
                void_reason=None, received_at=self.now, summary=_summary_json(data.get("summary"))))

    def _project_void_duplicate(self, letter_id: str, data: dict[str, Any]) -> None:
        """A letter numbered twice before its office enrolled (issue 19.7), sent once it was voided and
        re-issued: recorded as void so its paper verifies as DIBATALKAN, without taking the number (the
        village register keeps it for the letter that holds it)."""
        with self.conn.begin_nested():
            self.conn.execute(insert(_letters).values(
                letter_id=letter_id, village=self.device.village, number=str(data["number"]),
                type_code=str(data["letter_type"]), issued_at=str(data["issued_at"]),
                content_hash=str(data["content_hash"]).lower(), signing_device=self.device.id, voided=True,
                void_reason=str(data.get("void_reason") or ""), received_at=self.now))

    def _project_case(self, entity: str, entity_id: str, data: dict[str, Any]) -> None:
        if not _texts_fit(data, CASE_COLUMNS):
            raise rejected("invalid_payload")
        received = data.get("received_at") or data.get("submitted_at")
        row: dict[str, Any] = {
            "status": str(data.get("status")),
            "channel": data.get("channel"),
            "received_at": received,
            "due_at": data.get("due_at") or (_due(received) if entity == p.ENTITY_COMPLAINT else None),
            "first_response_at": data.get("first_response_at"),
            "resolved_at": data.get("resolved_at"),
            "updated_at": self.now,
        }
        if entity == p.ENTITY_LETTER_REQUEST:
            row["type_code"] = data.get("letter_type")
        else:
            row["category"] = data.get("category")
        self.writes.cases[(entity, entity_id)] = row

    # -- writing ----------------------------------------------------------------------------------------

    def _insert_many(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """INSERT many rows straight through the driver (values already in their stored form: JSON as
        text, datetimes through the column type's own bind processor)."""
        if not rows:
            return
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        if not self.pg:  # sqlite3's executemany is a prepared statement stepped per row: already fast
            self.conn.exec_driver_sql(head + f"({', '.join('?' for _ in columns)})", rows)
            return
        # PostgreSQL: COPY on the same connection and transaction (measured here for 500 rows: COPY ~18 ms,
        # executemany ~29 ms, one multi-row INSERT ~60 ms)
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def _bound(self, table: Table, column: str, value: Any) -> Any:
        process = table.c[column].type._cached_bind_processor(self.conn.dialect)
        return process(value) if process else value

    def _flush(self) -> None:
        conn, w = self.conn, self.writes
        village, now = self.device.village, self.now
        now_records = self._bound(_records, "updated_at", now)
        new_records = [
            (village, r.entity, r.entity_id, r.version, r.data_json, r.field_versions_json or _dumps(r.field_versions), r.deleted,
             now_records)
            for r in self.records.values() if r.dirty and r.id is None
        ]
        self._insert_many(_records, ("village", "entity", "entity_id", "version", "data", "field_versions",
                                     "deleted", "updated_at"), new_records)
        old_records = [
            {"_id": r.id, "_version": r.version, "_data": r.data, "_field_versions": r.field_versions,
             "_deleted": r.deleted, "_updated_at": now}
            for r in self.records.values() if r.dirty and r.id is not None
        ]
        if old_records:
            conn.execute(
                update(_records).where(_records.c.id == bindparam("_id")).values(
                    version=bindparam("_version"), data=bindparam("_data"),
                    field_versions=bindparam("_field_versions"), deleted=bindparam("_deleted"),
                    updated_at=bindparam("_updated_at")),
                old_records)
        reports = [r for r in self.records.values() if r.dirty and r.entity == p.ENTITY_MONTHLY_REPORT]
        if reports:  # the slim projection the e-monitoring recap reads (sync/district/monthly_reports.py)
            from sync.district.monthly_reports import project

            project(conn, village, reports)
        now_log = self._bound(_change_log, "created_at", now)
        self._insert_many(
            _change_log,
            ("server_seq", "village", "entity", "entity_id", "op", "version", "payload", "origin_device",
             "created_at"),
            [(e["server_seq"], e["village"], e["entity"], e["entity_id"], e["op"], e["version"], e["payload"],
              e["origin_device"], now_log) for e in w.change_log])
        for entity, table in _CASE_TABLES.items():
            existing = self.existing_cases.get(entity, set())
            fresh = [{"id": eid, "village": village, **row}
                     for (ent, eid), row in w.cases.items() if ent == entity and eid not in existing]
            known = [{"_id": eid, **{f"_{k}": v for k, v in row.items()}}
                     for (ent, eid), row in w.cases.items() if ent == entity and eid in existing]
            if fresh:
                conn.execute(insert(table), fresh)
            if known:
                columns: dict[str, BindParameter[Any]] = {name[1:]: bindparam(name) for name in known[0]
                                                          if name != "_id"}
                conn.execute(update(table).where(table.c.village == village, table.c.id == bindparam("_id"))
                             .values(**columns), known)
        now_received = self._bound(_received, "received_at", now)
        self._insert_many(
            _received,
            ("device_id", "change_id", "device_seq", "payload_hash", "status", "reason", "server_seq", "version",
             "received_at"),
            [(r["device_id"], r["change_id"], r["device_seq"], r["payload_hash"], r["status"], r["reason"],
              r["server_seq"], r["version"], now_received) for r in w.new_received])
        if w.old_received:
            conn.execute(
                update(_received).where(_received.c.id == bindparam("_id")).values(
                    status=bindparam("_status"), reason=bindparam("_reason"),
                    server_seq=bindparam("_server_seq"), version=bindparam("_version")),
                w.old_received)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _register_entry(data: dict[str, Any]) -> tuple[int, str, int]:
    """(year, sequence key, number) of a letter's register entry: ``year`` (or the year of
    ``issued_at``), ``sequence_key`` (default "all"), ``seq_number`` (or ``sequence_number``).
    Raises `rejected("number_required")` when the number is missing or out of range."""
    year = data.get("year")
    if year is None and isinstance(data.get("issued_at"), str) and data["issued_at"][:4].isdigit():
        year = int(data["issued_at"][:4])
    number = data.get("seq_number", data.get("sequence_number"))
    key = data.get("sequence_key") or "all"
    if (not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9999
            or not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= p.MAX_LETTER_NUMBER
            or not isinstance(key, str) or len(key) > 64):
        raise rejected("number_required")
    return year, key, number


def _texts_fit(data: dict[str, Any], limits: dict[str, int]) -> bool:
    """Whether each of these fields is absent, null, or text within its column's length."""
    for name, limit in limits.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return False
    return True


def _duplicate(data: dict[str, Any]) -> bool:
    """A voided letter sent as numbered twice before enrolment (``duplicate_number``)."""
    return data.get("duplicate_number") is True and data.get("voided") is True


def _require_record(record: RecordState | None) -> RecordState:
    if record is None:
        raise rejected("not_found")
    return record


def _due(received: Any) -> str | None:
    if not isinstance(received, str):
        return None
    try:
        when = dt.datetime.fromisoformat(received)
    except ValueError:
        return None
    return (when + COMPLAINT_RESPONSE_LIMIT).isoformat()


def _summary_json(summary: Any) -> str | None:
    """The verify page's summary of a letter as stored: a JSON object of bounded size, else nothing."""
    if not isinstance(summary, dict):
        return None
    text = json.dumps(summary, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 20_000 else None
