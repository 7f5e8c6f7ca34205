"""The district store's operations: villages, enrollment, device tokens, push, pull, number leases."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.district import enrolment
from sync.district.apply import BatchApplier, DeviceRestored, Pusher
from sync.district.db import LOCK_CHANGE_SEQ, LOCK_LEASES, Database
from sync.district.models import (
    ChangeLogEntry,
    Device,
    EnrollmentCode,
    NumberHighWaterMark,
    NumberLease,
    ServerSetting,
    UsedNumber,
    Village,
)

log = logging.getLogger(__name__)

VILLAGE_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LAST_SEEN_EVERY = dt.timedelta(seconds=60)
SETTING_SERVER_ID = "server_id"
SETTING_WATERMARK = "compaction_watermark"
# A device found restored from an old backup: "device_restored:<device id>" = when (refused until re-enrolled)
SETTING_RESTORED_PREFIX = "device_restored:"


class StoreError(Exception):
    """An error answered to the caller: `code` is stable (the API's error code), `message` Indonesian."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _restored_key(device_id: str) -> str:
    return f"{SETTING_RESTORED_PREFIX}{device_id}"


def _restored_error() -> StoreError:
    return StoreError(
        "device_restored",
        "Urutan lokal perangkat ini mundur (dipulihkan dari cadangan lama). Daftarkan ulang perangkat "
        "dengan kode pendaftaran baru.",
        409,
    )


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


@dataclass(frozen=True)
class NewCode:
    code: str
    village: str
    role: str
    expires_at: dt.datetime


class DistrictStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- server state ---------------------------------------------------------------------------------

    def server_id(self) -> str:
        with self.db.read() as s:
            value = s.get(ServerSetting, SETTING_SERVER_ID)
            if value is not None:
                return value.value
        try:
            with self.db.write() as s:
                if s.get(ServerSetting, SETTING_SERVER_ID) is None:
                    s.add(ServerSetting(key=SETTING_SERVER_ID, value=secrets.token_hex(8)))
        except IntegrityError:  # another worker made it first
            pass
        with self.db.read() as s:
            return s.get(ServerSetting, SETTING_SERVER_ID).value  # type: ignore[union-attr]

    def watermark(self, s: Session) -> int:
        row = s.get(ServerSetting, SETTING_WATERMARK)
        return int(row.value) if row else 0

    def compact(self, up_to_seq: int) -> int:
        """Drop change-log entries up to `up_to_seq` (keeping the newest); cursors before it must reset."""
        with self.db.write() as s:
            self.db.lock(s, LOCK_CHANGE_SEQ)
            newest = s.scalar(select(func.max(ChangeLogEntry.server_seq))) or 0
            up_to_seq = min(up_to_seq, newest - 1)
            if up_to_seq <= self.watermark(s):
                return self.watermark(s)
            s.execute(delete(ChangeLogEntry).where(ChangeLogEntry.server_seq <= up_to_seq))
            s.merge(ServerSetting(key=SETTING_WATERMARK, value=str(up_to_seq)))
            return up_to_seq

    # -- villages, codes, devices ---------------------------------------------------------------------

    def add_village(self, code: str, name: str = "") -> None:
        if not VILLAGE_CODE_RE.match(code):
            raise StoreError("invalid_village", f"Kode desa tidak valid: {code} (contoh: 35.10.01.2001)")
        with self.db.write() as s:
            village = s.get(Village, code)
            if village is None:
                s.add(Village(code=code, name=name))
            elif name:
                village.name = name

    def villages(self) -> list[Village]:
        with self.db.read() as s:
            return list(s.scalars(select(Village).order_by(Village.code)))

    def create_enrollment_code(self, village: str, role: str, hours: float = 24) -> NewCode:
        if role not in ("office", "kiosk"):
            raise StoreError("invalid_role", f"Peran tidak valid: {role} (office atau kiosk)")
        self.add_village(village)
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        now = p.utc_now()
        expires = now + dt.timedelta(hours=hours)
        with self.db.write() as s:
            s.add(EnrollmentCode(code_hash=sha256_hex(raw), village=village, role=role, created_at=now,
                                 expires_at=expires, used_at=None, device_id=None))
        return NewCode(f"{raw[:5]}-{raw[5:]}", village, role, expires)

    def enroll(self, req: p.EnrollRequest) -> p.EnrollResponse:
        import base64
        import binascii

        try:
            key = base64.b64decode(req.public_key, validate=True)
        except (binascii.Error, ValueError):  # ValueError: non-ASCII text is not base64 either
            key = b""
        if len(key) != 32:
            raise StoreError("invalid_public_key", "Kunci publik harus Ed25519 (32 byte, base64).", 422)
        now = p.utc_now()
        token = secrets.token_urlsafe(32)
        from kiosk.ids import new_id

        device_id = new_id()
        code_hash = sha256_hex(normalise_code(req.code))
        with self.db.write() as s:
            # Consumed by one conditional UPDATE: of parallel attempts with one code exactly one changes
            # the row (PostgreSQL re-checks "used_at IS NULL" after waiting for the first one's commit).
            taken = cast(CursorResult[Any], s.execute(
                update(EnrollmentCode)
                .where(EnrollmentCode.code_hash == code_hash, EnrollmentCode.used_at.is_(None),
                       EnrollmentCode.expires_at > now)
                .values(used_at=now, device_id=device_id)
                .execution_options(synchronize_session=False)
            )).rowcount
            code = s.get(EnrollmentCode, code_hash)
            if code is None:
                raise StoreError("enrollment_code_invalid", "Kode pendaftaran tidak dikenal.", 401)
            if taken != 1:
                if code.used_at is not None:
                    raise StoreError("enrollment_code_used", "Kode pendaftaran sudah dipakai.", 401)
                raise StoreError("enrollment_code_expired", "Kode pendaftaran sudah kedaluwarsa.", 401)
            s.add(Device(id=device_id, village=code.village, role=code.role, name=req.device_name,
                         public_key=base64.b64encode(key).decode("ascii"), token_hash=sha256_hex(token),
                         created_at=now, revoked_at=None, last_seen=now, last_push=None,
                         last_device_seq=req.last_outbox_seq))
            s.flush()
            if req.letter_numbers:
                self.db.lock(s, LOCK_LEASES)
            for mark in req.letter_numbers:
                row = s.get(NumberHighWaterMark, (code.village, mark.year, mark.sequence_key))
                if row is None:
                    s.add(NumberHighWaterMark(village=code.village, year=mark.year,
                                              sequence_key=mark.sequence_key, last_number=mark.last_number,
                                              reported_by=device_id, reported_at=now))
                elif mark.last_number > row.last_number:
                    row.last_number, row.reported_by, row.reported_at = mark.last_number, device_id, now
            enrolment.record(s, device_id, code.village, req, now)
            village, role = code.village, code.role
        log.info("device %s enrolled for village %s as %s", device_id, village, role)
        nik_key = None
        if role == "kiosk":
            from sync.district.kiosk_view import village_key

            nik_key = village_key(self.db, village)
        return p.EnrollResponse(device_id=device_id, token=token, village=village, role=role,  # type: ignore[arg-type]
                                server_time=now, nik_key=nik_key)

    def devices(self) -> list[Device]:
        with self.db.read() as s:
            return list(s.scalars(select(Device).order_by(Device.village, Device.created_at)))

    def revoke(self, device_id: str) -> Device:
        with self.db.write() as s:
            device = s.get(Device, device_id)
            if device is None:
                raise StoreError("unknown_device", f"Perangkat tidak dikenal: {device_id}", 404)
            if device.revoked_at is None:
                device.revoked_at = p.utc_now()
            return device

    def public_key(self, device_id: str, village: str | None = None) -> str | None:
        """The key that signs as ``device_id`` (a district id, or with ``village`` also the local id of
        letters signed before enrolment: see `sync.district.enrolment.signer`)."""
        with self.db.read() as s:
            device = enrolment.signer(s, device_id, village)
            return device.public_key if device is not None else None

    def signed_by(self, signing_device: str | None, token_device: str) -> bool:
        """Whether a letter pushed by ``signing_device`` may carry ``token_device`` in its QR: the same id,
        or the local id that installation used before it enrolled."""
        if signing_device is None or signing_device == token_device:
            return signing_device is not None
        with self.db.read() as s:
            return enrolment.local_id(s, signing_device) == token_device

    def authenticate(self, token: str | None) -> Device:
        """The device holding `token`; StoreError 401 / 403 otherwise."""
        if not token:
            raise StoreError("unauthorized", "Token tidak ada.", 401)
        with self.db.read() as s:
            device = s.scalar(select(Device).where(Device.token_hash == sha256_hex(token)))
        if device is None:
            raise StoreError("unauthorized", "Token tidak dikenal.", 401)
        if device.revoked_at is not None:
            raise StoreError("device_revoked", "Perangkat ini sudah dicabut.", 403)
        now = p.utc_now()
        if device.last_seen is None or now - device.last_seen > LAST_SEEN_EVERY:
            with self.db.write() as s:
                s.execute(update(Device).where(Device.id == device.id).values(last_seen=now))
        return device

    # -- push / pull ----------------------------------------------------------------------------------

    def push(self, device: Device, changes: list[p.ChangeEnvelope]) -> p.PushResponse:
        """Apply a batch in one transaction that holds the sequence lock, so server_seq order is commit
        order; answered only after the commit. Each change is decided on its own (see
        `sync.district.apply`); a failing change never takes the others with it.

        A device whose local sequence went backwards (restored from an old backup) gets 409
        ``device_restored`` with nothing applied, now and on every later push: it must re-enroll."""
        now = p.utc_now()
        restored: DeviceRestored | None = None
        with self.db.write() as s:
            self.db.lock(s, LOCK_CHANGE_SEQ)
            me = s.execute(
                select(Device.village, Device.role, Device.last_device_seq).where(Device.id == device.id)
            ).one()
            if s.get(ServerSetting, _restored_key(device.id)) is not None:
                raise _restored_error()
            pusher = Pusher(id=device.id, village=me.village, role=me.role,
                            last_device_seq=int(me.last_device_seq or 0))
            try:
                results = BatchApplier(s, pusher, now).run(changes) if changes else []
            except DeviceRestored as exc:
                restored = exc
                s.add(ServerSetting(key=_restored_key(device.id), value=now.isoformat()))
            else:
                values: dict[str, object] = {"last_push": now, "last_seen": now}
                if changes:
                    values["last_device_seq"] = max(pusher.last_device_seq, *(c.device_seq for c in changes))
                s.execute(update(Device).where(Device.id == device.id).values(**values))
        if restored is not None:
            log.warning("device %s reused local sequence %d (%s): restored from a backup, must re-enroll",
                        device.id, restored.device_seq, restored)
            raise _restored_error()
        return p.PushResponse(results=results, server_time=now)

    def device_restored(self, device_id: str) -> bool:
        """Whether `device_id` was found restored from an old backup (refused until it re-enrolls)."""
        with self.db.read() as s:
            return s.get(ServerSetting, _restored_key(device_id)) is not None

    def pull(self, device: Device, after: int, limit: int, *, exclude_own: bool = False) -> p.PullResponse:
        """The village's changes after ``after``. With ``exclude_own`` the device's own creates are left
        out (the payload of a create is the state the device sent, so it holds it already); its updates
        still come back, as the server's merged full state. The cursor still moves past them."""
        limit = max(1, min(limit, p.MAX_PULL_LIMIT))
        with self.db.read() as s:
            now = p.utc_now()
            newest = s.scalar(select(func.max(ChangeLogEntry.server_seq))) or 0
            watermark = self.watermark(s)
            if after < watermark or after > max(newest, watermark):
                return p.PullResponse(changes=[], next_cursor=after, has_more=False, reset_required=True,
                                      server_time=now)
            wanted = select(ChangeLogEntry).where(ChangeLogEntry.village == device.village,
                                                  ChangeLogEntry.server_seq > after)
            if exclude_own:
                wanted = wanted.where(or_(ChangeLogEntry.origin_device.is_(None),
                                          ChangeLogEntry.origin_device != device.id, ChangeLogEntry.op != "create"))
            rows = list(s.scalars(
                wanted
                .order_by(ChangeLogEntry.server_seq)
                .limit(limit + 1)
            ))
        has_more = len(rows) > limit
        rows = rows[:limit]
        changes = [
            p.PulledChange(server_seq=r.server_seq, village=r.village, entity=r.entity, entity_id=r.entity_id,
                           op=r.op, version=r.version, payload=r.payload, origin_device=r.origin_device)  # type: ignore[arg-type]
            for r in rows
        ]
        # Without more rows for this village the cursor may jump to the newest sequence seen.
        next_cursor = rows[-1].server_seq if has_more else max([after, newest, *(r.server_seq for r in rows)])
        return p.PullResponse(changes=changes, next_cursor=next_cursor, has_more=has_more, server_time=now)

    # -- letter number leases -------------------------------------------------------------------------

    def lease(self, device: Device, req: p.LeaseRequest) -> p.LeaseResponse:
        if device.role != "office":
            raise StoreError("role", "Hanya perangkat kantor yang memberi nomor surat.", 403)
        from kiosk.ids import new_id

        with self.db.write() as s:
            self.db.lock(s, LOCK_LEASES)
            key = (device.village, req.year, req.sequence_key)
            top = max(
                s.scalar(select(func.max(NumberLease.end)).where(
                    NumberLease.village == key[0], NumberLease.year == key[1], NumberLease.sequence_key == key[2]
                )) or 0,
                s.scalar(select(func.max(UsedNumber.number)).where(
                    UsedNumber.village == key[0], UsedNumber.year == key[1], UsedNumber.sequence_key == key[2]
                )) or 0,
                s.scalar(select(NumberHighWaterMark.last_number).where(
                    NumberHighWaterMark.village == key[0], NumberHighWaterMark.year == key[1],
                    NumberHighWaterMark.sequence_key == key[2],
                )) or 0,
            )
            lease = NumberLease(id=new_id(), village=device.village, device_id=device.id, year=req.year,
                                sequence_key=req.sequence_key, start=top + 1, end=top + req.size,
                                issued_at=p.utc_now())
            s.add(lease)
        return p.LeaseResponse(lease_id=lease.id, year=lease.year, sequence_key=lease.sequence_key,
                               start=lease.start, end=lease.end)

    def report_unused(self, device: Device, req: p.UnusedNumbersRequest) -> p.UnusedNumbersResponse:
        now = p.utc_now()
        recorded: list[int] = []
        with self.db.write() as s:
            lease = s.get(NumberLease, req.lease_id)
            if lease is None or lease.device_id != device.id:
                raise StoreError("unknown_lease", "Sewa nomor tidak dikenal.", 404)
            outside = [n for n in req.numbers if not lease.start <= n <= lease.end]
            if outside:
                raise StoreError("number_outside_lease", f"Nomor di luar sewa: {outside}", 422)
            for number in sorted(set(req.numbers)):
                exists = s.scalar(select(UsedNumber.id).where(
                    UsedNumber.village == lease.village, UsedNumber.year == lease.year,
                    UsedNumber.sequence_key == lease.sequence_key, UsedNumber.number == number,
                ))
                if exists is None:
                    s.add(UsedNumber(village=lease.village, year=lease.year, sequence_key=lease.sequence_key,
                                     number=number, letter_id=None, lease_id=lease.id, state="unused",
                                     recorded_at=now))
                    recorded.append(number)
        return p.UnusedNumbersResponse(lease_id=req.lease_id, recorded=recorded)
