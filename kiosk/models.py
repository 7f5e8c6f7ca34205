"""The office store's tables (SQLAlchemy 2 typed models) for every entity of DESIGN.md.

Times are stored as naive UTC datetimes; dates as dates. Ids are UUIDv7 strings made on the device.
Mutable records carry a ``version`` that every change increases (the sync base version).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.ids import new_id


def utcnow() -> dt.datetime:
    """Now in UTC, naive (what the store keeps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


class Setting(Base):
    """A stored setting (declared with type and default in ``kiosk.settings``)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class OfficeProfile(Base):
    """Profil kantor desa: the one office this installation serves."""

    __tablename__ = "office_profile"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    village_code: Mapped[str] = mapped_column(String(13))  # 35.10.01.2001
    village_name: Mapped[str] = mapped_column(String(100))
    village_kind: Mapped[str] = mapped_column(String(20), default="desa")  # desa | kelurahan | desa adat
    kecamatan_name: Mapped[str] = mapped_column(String(100))
    kabupaten_name: Mapped[str] = mapped_column(String(100))  # "Kabupaten Banyuwangi"
    provinsi_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    head_name: Mapped[str] = mapped_column(String(120), default="")
    head_title: Mapped[str] = mapped_column(String(60), default="Kepala Desa")
    head_nip: Mapped[str | None] = mapped_column(String(30), nullable=True)
    secretary_name: Mapped[str] = mapped_column(String(120), default="")
    secretary_title: Mapped[str] = mapped_column(String(60), default="Sekretaris Desa")
    secretary_nip: Mapped[str | None] = mapped_column(String(30), nullable=True)
    letterhead_lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # PNG bytes
    service_hours: Mapped[str] = mapped_column(Text, default="")
    unit_code: Mapped[str] = mapped_column(String(40), default="")  # number part; village code if empty
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Device(Base):
    """This installation: its id, role, district enrollment and signing key (one row)."""

    __tablename__ = "device"
    id: Mapped[str] = _id_column()
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10), default="office")  # office | kiosk
    district_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    server_device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token: Mapped[str | None] = mapped_column(String(200), nullable=True)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 private key, raw 32 bytes
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32 bytes
    needs_reenroll: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    restored_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_server_time: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    """Pengguna: a member of staff who signs in (operator, supervisor, admin)."""

    __tablename__ = "user"
    id: Mapped[str] = _id_column()
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Family(Base):
    """Keluarga: one Kartu Keluarga (No. KK) with its head and address."""

    __tablename__ = "family"
    id: Mapped[str] = _id_column()
    kk_number: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    head_resident_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    address: Mapped[str] = mapped_column(Text, default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    dusun: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Resident(Base):
    """Penduduk: one resident. Codes follow the SIAK/OpenSID code lists in resources/reference."""

    __tablename__ = "resident"
    id: Mapped[str] = _id_column()
    nik: Mapped[str | None] = mapped_column(String(16), nullable=True)  # None: "NIK belum ada"
    kk_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    family_id: Mapped[str | None] = mapped_column(ForeignKey("family.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(150))
    name_search: Mapped[str] = mapped_column(String(150), default="")  # folded for search
    birth_place: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    sex: Mapped[int | None] = mapped_column(Integer, nullable=True)  # jenis_kelamin
    religion: Mapped[int | None] = mapped_column(Integer, nullable=True)  # agama
    marital_status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # status_perkawinan
    family_relation: Mapped[int | None] = mapped_column(Integer, nullable=True)  # hubungan_keluarga (SHDK)
    education: Mapped[int | None] = mapped_column(Integer, nullable=True)  # pendidikan_kk
    education_current: Mapped[int | None] = mapped_column(Integer, nullable=True)  # pendidikan_sedang
    occupation: Mapped[int | None] = mapped_column(Integer, nullable=True)  # pekerjaan
    blood_type: Mapped[int | None] = mapped_column(Integer, nullable=True)  # golongan_darah
    citizenship: Mapped[int | None] = mapped_column(Integer, nullable=True)  # warganegara
    father_nik: Mapped[str | None] = mapped_column(String(16), nullable=True)
    father_name: Mapped[str] = mapped_column(String(150), default="")
    mother_nik: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mother_name: Mapped[str] = mapped_column(String(150), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    dusun: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[int] = mapped_column(Integer, default=1)  # status_dasar: 1 hidup, 2 mati, 3 pindah...
    # the rest of OpenSID's import columns, kept so an export round-trips exactly
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nik_warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)  # accepted with "simpan tetap"
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # kiosk PIN
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_resident_nik", "nik"),
        Index("ix_resident_kk", "kk_number"),
        Index("ix_resident_name_search", "name_search"),
        Index("ix_resident_family", "family_id"),
        Index("ix_resident_dusun_rt_rw", "dusun", "rw", "rt"),
    )


class PopulationEvent(Base):
    """Peristiwa: birth, death, move in, move out, status change — kept as history."""

    __tablename__ = "population_event"
    id: Mapped[str] = _id_column()
    resident_id: Mapped[str] = mapped_column(ForeignKey("resident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # birth | death | move_in | move_out | status_change
    event_date: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class LetterRequest(Base):
    """Permohonan surat: from the counter (loket) or the kiosk (kios)."""

    __tablename__ = "letter_request"
    id: Mapped[str] = _id_column()
    resident_id: Mapped[str] = mapped_column(ForeignKey("resident.id"), index=True)
    letter_type: Mapped[str] = mapped_column(String(40))
    letter_type_version: Mapped[int] = mapped_column(Integer, default=1)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(10), default="loket")  # loket | kios
    status: Mapped[str] = mapped_column(String(12), default="diajukan", index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # rejection/cancel reason
    queue_number: Mapped[str | None] = mapped_column(String(12), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    letter_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LetterNumber(Base):
    """One official number of the register: used, void or recorded as unused (never silently skipped)."""

    __tablename__ = "letter_number"
    id: Mapped[str] = _id_column()
    year: Mapped[int] = mapped_column(Integer)
    sequence_key: Mapped[str] = mapped_column(String(40), default="all")  # "all" or a type code
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="used")  # used | void | unused
    letter_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("year", "sequence_key", "number", name="uq_letter_number"),)


class LetterNumberLease(Base):
    """A range of official numbers leased from the district to this device."""

    __tablename__ = "letter_number_lease"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the server's lease id
    year: Mapped[int] = mapped_column(Integer)
    sequence_key: Mapped[str] = mapped_column(String(40), default="all")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)  # inclusive
    next_number: Mapped[int] = mapped_column(Integer)
    obtained_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class Letter(Base):
    """Surat keluar: an issued letter. Immutable after issue except void and print count."""

    __tablename__ = "letter"
    id: Mapped[str] = _id_column()
    request_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    number: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer)
    sequence_key: Mapped[str] = mapped_column(String(40), default="all")
    sequence_number: Mapped[int] = mapped_column(Integer)
    letter_type: Mapped[str] = mapped_column(String(40), index=True)
    letter_type_version: Mapped[int] = mapped_column(Integer, default=1)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("resident.id"), nullable=True, index=True)
    resident_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    office_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what printing renders
    signer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(Text, nullable=True)  # signed QR token
    pdf_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    pdf_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reissue_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    voided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        UniqueConstraint("year", "sequence_key", "sequence_number", name="uq_letter_sequence"),
        Index("ix_letter_issued_on", "issued_on"),
    )


class Complaint(Base):
    """Pengaduan: a complaint with its response clock (due = received + response limit)."""

    __tablename__ = "complaint"
    id: Mapped[str] = _id_column()
    channel: Mapped[str] = mapped_column(String(12))  # loket | kios | whatsapp | telepon | surat
    reporter_resident_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reporter_name: Mapped[str] = mapped_column(String(150), default="")
    reporter_phone: Mapped[str] = mapped_column(String(30), default="")
    category: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12), default="baru", index=True)  # baru|ditanggapi|selesai
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    first_response_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    first_response: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LoginAttempt(Base):
    """Failed sign-in counter for a key that may not exist (a kiosk NIK, hashed): lockout without
    revealing whether the NIK is registered."""

    __tablename__ = "login_attempt"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    """Jejak audit: append-only; each entry holds the hash of the one before it."""

    __tablename__ = "audit_entry"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    username: Mapped[str] = mapped_column(String(60), default="")
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"), {"sqlite_autoincrement": True})


class OutboxChange(Base):
    """One change waiting for (or done with) the district. ``seq`` is the local sequence."""

    __tablename__ = "outbox_change"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(12))  # create | update | delete | transition
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    acked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    server_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        Index("ix_outbox_state", "state", "seq"),
        Index("ix_outbox_entity", "entity", "entity_id", "seq"),
        {"sqlite_autoincrement": True},  # a local sequence never reuses a number
    )


OUTBOX_STATES = ("pending", "in_flight", "acked", "rejected", "conflict")


# --- sync (kiosk/migrations/versions/0003_sync.py) -------------------------------------------------


class SyncState(Base):
    """Key/value state of the sync client: pull cursor, last success, offline since, clock offset..."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class SyncConflict(Base):
    """Something staff must look at: a conflict (both values kept), a rejected change, or a pulled
    change that could not be applied. An open issue holds back later changes to the same record."""

    __tablename__ = "sync_conflict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # conflict | rejected | apply_failed
    change_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    server_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (Index("ix_sync_conflict_open", "resolved_at", "entity", "entity_id"),)


class SyncRecord(Base):
    """The district's version of one synced record (the base of the next change sent for it)."""

    __tablename__ = "sync_record"
    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    server_version: Mapped[int] = mapped_column(Integer)  # the base of the next change sent
    applied_version: Mapped[int] = mapped_column(Integer, default=0)  # the server state applied here
    deferred: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
