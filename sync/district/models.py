"""The district server's tables (SQLAlchemy 2 typed models); the schema itself is made by migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which forgets the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


class Village(Base):
    """A desa / kelurahan, by its Kemendagri code."""

    __tablename__ = "villages"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class ServerSetting(Base):
    """Key/value state of the server: its id, the change-log compaction watermark."""

    __tablename__ = "server_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Device(Base):
    """An enrolled installation (office or kiosk) of one village."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    village: Mapped[str] = mapped_column(ForeignKey("villages.code"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_seen: Mapped[dt.datetime | None]
    last_push: Mapped[dt.datetime | None]
    last_device_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class EnrollmentCode(Base):
    """A one-time, short-lived code that binds a new device to a village and a role."""

    __tablename__ = "enrollment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    village: Mapped[str] = mapped_column(ForeignKey("villages.code"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(64))


class ReceivedChange(Base):
    """Every change a device pushed, with its hash and answer: the dedupe ledger."""

    __tablename__ = "received_changes"
    __table_args__ = (UniqueConstraint("device_id", "change_id", name="uq_received_device_change"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    change_id: Mapped[str] = mapped_column(String(64))
    device_seq: Mapped[int] = mapped_column(BigInteger)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    server_seq: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int | None]
    received_at: Mapped[dt.datetime]


class Record(Base):
    """The current state of one synced record of a village."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("village", "entity", "entity_id", name="uq_records_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    village: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    data: Mapped[dict[str, Any]]
    # {field: [version that last changed it, device that changed it]}
    field_versions: Mapped[dict[str, Any]]
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime]


class ChangeLogEntry(Base):
    """Applied changes in commit order; `server_seq` is the pull cursor."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_village_seq", "village", "server_seq"),)
    server_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    village: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    payload: Mapped[dict[str, Any]]
    origin_device: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class NumberLease(Base):
    """A range of official letter numbers handed to one office device."""

    __tablename__ = "number_leases"
    __table_args__ = (Index("ix_number_leases_key", "village", "year", "sequence_key"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    village: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    year: Mapped[int]
    sequence_key: Mapped[str] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(BigInteger)
    end: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[dt.datetime]


class NumberHighWaterMark(Base):
    """The last number a standalone office used before it enrolled; leases start above it."""

    __tablename__ = "number_high_water"
    village: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sequence_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger)
    reported_by: Mapped[str | None] = mapped_column(String(64))
    reported_at: Mapped[dt.datetime]


class UsedNumber(Base):
    """The register of official numbers: used by a letter, reported unused, or void."""

    __tablename__ = "used_numbers"
    __table_args__ = (
        UniqueConstraint("village", "year", "sequence_key", "number", name="uq_used_numbers"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    village: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    sequence_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(BigInteger)
    letter_id: Mapped[str | None] = mapped_column(String(64))
    lease_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # used | unused | void
    recorded_at: Mapped[dt.datetime]


class LetterProjection(Base):
    """Issued letters (surat keluar) for the verify page and monitoring."""

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_village_issued", "village", "issued_at"),
                      Index("ix_letters_village_number", "village", "number"))
    # keyed by village and id: an id another village used (ids are printed in QR codes) is another letter
    village: Mapped[str] = mapped_column(String(32), primary_key=True)
    letter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(128))
    type_code: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[str] = mapped_column(String(40))  # ISO date or datetime as the device sent it
    content_hash: Mapped[str] = mapped_column(String(64))
    signing_device: Mapped[str | None] = mapped_column(String(64))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime]
    # what the verify page shows a checker: JSON from the office (kiosk.services.letters_document
    # .letter_summary, NIKs masked); None for letters pushed before it existed
    summary: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[str | None] = mapped_column(String(40))


class _CaseColumns:
    """Columns shared by the request and complaint projections (e-monitoring), keyed by village and id."""

    village: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[str | None] = mapped_column(String(40))
    first_response_at: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime]


class RequestProjection(_CaseColumns, Base):
    """Letter requests (permohonan surat)."""

    __tablename__ = "request_projection"
    type_code: Mapped[str | None] = mapped_column(String(64))


class ComplaintProjection(_CaseColumns, Base):
    """Complaints (pengaduan), with their 4-hour response deadline."""

    __tablename__ = "complaint_projection"
    category: Mapped[str | None] = mapped_column(String(64))
