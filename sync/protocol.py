"""The sync wire format shared by the office client and the district server (protocol version 1).

Bodies are JSON (UTF-8); requests and responses may be gzip-compressed (``Content-Encoding: gzip``).
Every endpoint lives under ``/api/v1``. Errors outside the per-change push answers are
``{"code": "...", "detail": "..."}`` (`ErrorBody`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION: Final = 1
API_PREFIX: Final = "/api/v1"
SERVICE_MARKER: Final = "smart-kampung-district"

MAX_PUSH_CHANGES: Final = 500
MAX_PUSH_BYTES: Final = 1_000_000  # what a client should send at most (uncompressed)
SERVER_MAX_BODY_BYTES: Final = 4 * MAX_PUSH_BYTES  # what the server accepts (uncompressed) before 413
DEFAULT_LEASE_SIZE: Final = 20
MAX_LEASE_SIZE: Final = 1000
DEFAULT_PULL_LIMIT: Final = 500
MAX_PULL_LIMIT: Final = 2000
# Bounds of every number and text on the wire (the columns behind them: BIGINT / INTEGER / VARCHAR(64)).
MAX_SEQ: Final = 2**63 - 1  # device_seq, server_seq, cursors, outbox high-water marks (BIGINT)
MAX_VERSION: Final = 2**31 - 1  # record versions (INTEGER)
MAX_COUNT: Final = 2**31 - 1  # counts a device reports (INTEGER)
MAX_LETTER_NUMBER: Final = 10**9  # a register's official sequence numbers
MAX_ID_LENGTH: Final = 64

# Entities the server knows; `ChangeEnvelope.entity` stays an open string so a newer client's batch
# still parses (an unknown entity is rejected per change with reason "unknown_entity").
ENTITY_RESIDENT: Final = "resident"
ENTITY_FAMILY: Final = "family"
ENTITY_POPULATION_EVENT: Final = "population_event"
ENTITY_LETTER_REQUEST: Final = "letter_request"
ENTITY_LETTER: Final = "letter"
ENTITY_COMPLAINT: Final = "complaint"
ENTITY_USER: Final = "user"
ENTITY_MONTHLY_REPORT: Final = "monthly_report"  # a closed laporan bulanan penduduk (figures only)
# The village budget (APBDes): the whole APBDes version, its realization ledger entries, its reports.
ENTITY_APBDES: Final = "apbdes"
ENTITY_APBDES_REALISASI: Final = "apbdes_realisasi"
ENTITY_APBDES_LAPORAN: Final = "apbdes_laporan"
KNOWN_ENTITIES: Final = frozenset(
    {
        ENTITY_APBDES,
        ENTITY_APBDES_REALISASI,
        ENTITY_APBDES_LAPORAN,
        ENTITY_RESIDENT,
        ENTITY_FAMILY,
        ENTITY_POPULATION_EVENT,
        ENTITY_LETTER_REQUEST,
        ENTITY_LETTER,
        ENTITY_COMPLAINT,
        ENTITY_USER,
        ENTITY_MONTHLY_REPORT,
    }
)
# Entities whose updates merge field by field against `base_version`.
MERGEABLE_ENTITIES: Final = frozenset({ENTITY_RESIDENT, ENTITY_FAMILY, ENTITY_POPULATION_EVENT, ENTITY_USER,
                                       ENTITY_MONTHLY_REPORT, ENTITY_APBDES})

# State machines (statuses are Indonesian, as stored on the office side).
REQUEST_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "diajukan": frozenset({"disetujui", "diterbitkan", "ditolak", "dibatalkan"}),
    "disetujui": frozenset({"diterbitkan", "ditolak", "dibatalkan"}),
    "diterbitkan": frozenset(),
    "ditolak": frozenset(),
    "dibatalkan": frozenset(),
}
REQUEST_INITIAL: Final = "diajukan"
COMPLAINT_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "baru": frozenset({"ditanggapi"}),
    "ditanggapi": frozenset({"selesai"}),
    "selesai": frozenset(),
}
COMPLAINT_INITIAL: Final = "baru"
# Who may move a case: only an office device decides a request or answers / closes a complaint (a kiosk
# files them and nothing more). {entity: {target state: roles}}; a target not listed is office-only.
TRANSITION_ROLES: Final[dict[str, dict[str, frozenset[str]]]] = {
    "letter_request": {state: frozenset({"office"}) for state in REQUEST_TRANSITIONS},
    "complaint": {state: frozenset({"office"}) for state in COMPLAINT_TRANSITIONS},
    "letter": {"void": frozenset({"office"})},
}
# Fields only the office's answer sets: a kiosk's create carrying any of them is refused (reason "role").
OFFICE_ONLY_CASE_FIELDS: Final = frozenset({"first_response_at", "first_response", "first_response_by",
                                            "resolved_at", "resolution", "resolved_by", "letter_id"})


def may_transition(entity: str, target: str, role: str) -> bool:
    """Whether a device of `role` may move a record of `entity` to `target`."""
    return role in TRANSITION_ROLES.get(entity, {}).get(target, frozenset({"office"}))
LETTER_VOID: Final = "void"

Op = Literal["create", "update", "delete", "transition"]
ChangeStatus = Literal["applied", "duplicate", "conflict", "rejected"]
Role = Literal["office", "kiosk"]


# -- canonical JSON and hashes ------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(obj: Any) -> bytes:
    """Canonical UTF-8 JSON: sorted keys, separators (",", ":"), non-ASCII kept (dates as ISO text)."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def payload_hash(payload: Any) -> str:
    """sha256 hex of `canonical_json(payload)`: the hash a change envelope carries."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorBody(_Model):
    """Any non-2xx answer: a stable machine code (unauthorized, device_revoked, ...) and a detail."""

    code: str
    detail: str | None = None


# -- ping, enroll ---------------------------------------------------------------------------------------


class PingResponse(_Model):
    """``GET /ping``. `service` is always "smart-kampung-district": a 200 without it (e.g. a captive
    portal's HTML) is not the server."""

    service: Literal["smart-kampung-district"] = SERVICE_MARKER
    protocol_version: int = PROTOCOL_VERSION
    server_id: str
    server_time: dt.datetime


class NumberHighWater(_Model):
    """The last letter number a standalone office used for (year, sequence key)."""

    year: int = Field(ge=1900, le=9999)
    sequence_key: str = Field(min_length=1, max_length=64)
    last_number: int = Field(ge=0, le=MAX_LETTER_NUMBER)


class EnrollRequest(_Model):
    code: str = Field(min_length=4, max_length=64)
    device_name: str = Field(min_length=1, max_length=200)
    public_key: str = Field(max_length=100, description="Ed25519 public key: standard base64 of the 32 raw bytes")
    last_outbox_seq: int = Field(default=0, ge=0, le=MAX_SEQ)
    letter_numbers: list[NumberHighWater] = Field(default_factory=list, max_length=1000)
    local_device_id: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="the id this device signed letters with before it enrolled (their QR codes carry it)")


class EnrollResponse(_Model):
    device_id: str
    token: str
    village: str
    role: Role
    server_time: dt.datetime
    protocol_version: int = PROTOCOL_VERSION
    nik_key: str | None = Field(default=None, description="kiosk devices only: the village's key of the NIK "
                                "hash a kiosk identifies residents by (HMAC-SHA256, hex); kiosks get no NIKs")


# -- push -----------------------------------------------------------------------------------------------


class ChangeEnvelope(_Model):
    """One outbox row on the wire. `payload` always carries ``village`` (the device's village code)."""

    change_id: str = Field(min_length=1, max_length=64, description="UUIDv7")
    device_seq: int = Field(ge=0, le=MAX_SEQ, description="local outbox sequence, monotonic per device")
    entity: str = Field(min_length=1, max_length=64)
    entity_id: str = Field(min_length=1, max_length=64)
    op: Op
    base_version: int | None = Field(default=None, ge=0, le=MAX_VERSION)
    payload: dict[str, Any]
    payload_hash: str = Field(pattern=r"^[0-9a-f]{64}$")

    @classmethod
    def build(
        cls,
        *,
        change_id: str,
        device_seq: int,
        entity: str,
        entity_id: str,
        op: Op,
        payload: dict[str, Any],
        base_version: int | None = None,
    ) -> ChangeEnvelope:
        """An envelope with its hash computed (dates in `payload` become ISO text)."""
        plain = json.loads(canonical_json(payload))
        return cls(
            change_id=change_id,
            device_seq=device_seq,
            entity=entity,
            entity_id=entity_id,
            op=op,
            base_version=base_version,
            payload=plain,
            payload_hash=payload_hash(plain),
        )


class PushRequest(_Model):
    changes: list[ChangeEnvelope]


class FieldConflict(_Model):
    server: Any = None
    device: Any = None


class ConflictInfo(_Model):
    fields: dict[str, FieldConflict] = Field(default_factory=dict)
    server_version: int | None = None


class ChangeResult(_Model):
    change_id: str
    status: ChangeStatus
    reason: str | None = None
    server_seq: int | None = None
    version: int | None = Field(default=None, description="the record's version after this change")
    conflict: ConflictInfo | None = None


class PushResponse(_Model):
    results: list[ChangeResult]
    server_time: dt.datetime


# -- pull -----------------------------------------------------------------------------------------------


class PulledChange(_Model):
    """One applied change. `payload` is the record's full state after the change (not the diff)."""

    server_seq: int
    village: str
    entity: str
    entity_id: str
    op: Op
    version: int
    payload: dict[str, Any]
    origin_device: str | None = None


class PullResponse(_Model):
    changes: list[PulledChange]
    next_cursor: int
    has_more: bool
    reset_required: bool = False
    server_time: dt.datetime


# -- letter number leases -------------------------------------------------------------------------------


class LeaseRequest(_Model):
    year: int = Field(ge=1900, le=9999)
    sequence_key: str = Field(default="all", min_length=1, max_length=64)
    size: int = Field(default=DEFAULT_LEASE_SIZE, ge=1, le=MAX_LEASE_SIZE)


class LeaseResponse(_Model):
    lease_id: str
    year: int
    sequence_key: str
    start: int
    end: int = Field(description="inclusive")


class UnusedNumbersRequest(_Model):
    lease_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    numbers: list[Annotated[int, Field(ge=0, le=MAX_LETTER_NUMBER)]] = Field(max_length=MAX_LEASE_SIZE)


class UnusedNumbersResponse(_Model):
    lease_id: str
    recorded: list[int]
