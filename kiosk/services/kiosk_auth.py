"""Kiosk identification (NIK + PIN) with a per-NIK lockout, and what an identified resident may read.

The failure counter is kept per keyed hash of the typed NIK (``LoginAttempt``), whether or not that
NIK belongs to anyone, and every answer — unknown NIK, wrong PIN, no PIN set, resident not living
here — is the same message, with one slow hash spent either way: the kiosk never tells whether a NIK
is registered. NIKs and PINs are never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import write_audit
from kiosk.db import Store
from kiosk.errors import DomainError, NotConfigured, PermissionDenied
from kiosk.i18n import N_
from kiosk.models import Device, LetterRequest, LoginAttempt, Resident, utcnow
from kiosk.nik import NIK_LENGTH, mask_nik, normalize_nik
from kiosk.permissions import require
from kiosk.security import lookup_key, verify_secret
from kiosk.services.sync_state import K_KIOSK_NIK_KEY, get_state

log = logging.getLogger(__name__)

PIN_LENGTH = 6
STATUS_LIVING = 1  # status_dasar 1: hidup (living here)


class KioskIdentifyFailed(DomainError):
    """Unknown NIK, wrong PIN, no PIN set: one message for all (never tells whether a NIK exists)."""

    code = "kiosk_identify_failed"
    template = N_("NIK or PIN does not match.")


class KioskLocked(DomainError):
    """Too many failures for this NIK (whether or not it exists)."""

    code = "kiosk_locked"
    template = N_("Too many attempts. Try again later.")


@dataclass(frozen=True)
class KioskProfile:
    """What the kiosk shows of the identified resident: their own name and masked NIK, nothing more."""

    resident_id: str
    name: str
    masked_nik: str


@dataclass(frozen=True)
class OwnRequest:
    """One of the resident's own letter requests (permohonan), as the kiosk lists it."""

    id: str
    letter_type: str
    status: str
    queue_number: str | None
    channel: str
    created_at: dt.datetime


def _is_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


class KioskAuthService:
    """Identifies residents at the kiosk and answers their questions about their own records."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._salt: str | None = None
        self._device_id: str | None = None

    # --- keys ------------------------------------------------------------------------------------

    def _device(self) -> tuple[str, str]:
        """(device id, lookup salt). The salt is derived from this device's private signing key, so
        the lockout keys cannot be reversed into NIKs by someone holding only the database rows."""
        if self._salt is None or self._device_id is None:
            with self.store.read() as s:
                device = s.execute(select(Device)).scalars().first()
                if device is None:
                    raise NotConfigured()
                self._device_id = device.id
                self._salt = hashlib.sha256(b"smart-kampung kiosk nik lockout|" + device.signing_key).hexdigest()
        return self._device_id, self._salt

    # --- identification --------------------------------------------------------------------------

    def identify(self, nik: str, pin: str, *, now: dt.datetime | None = None) -> Actor:
        """The kiosk actor for a living resident whose NIK and PIN match.

        Raises ``KioskIdentifyFailed`` (same for every kind of mismatch) or ``KioskLocked``. The
        ``KIOSK_PIN_MAX_FAILURES``-th failure for a NIK locks it for ``KIOSK_PIN_LOCK_MINUTES``.
        """
        now = now or utcnow()
        device_id, salt = self._device()
        number = normalize_nik(nik) or ""
        key = lookup_key(number, salt)
        resident_id: str | None = None
        pin_hash: str | None = None
        with self.store.read() as s:
            attempt = s.get(LoginAttempt, key)
            locked = bool(attempt and attempt.locked_until and attempt.locked_until > now)
            if _is_digits(number, NIK_LENGTH):
                row = s.execute(
                    select(Resident.id, Resident.pin_hash)
                    .where(self._nik_matches(s, number), Resident.status == STATUS_LIVING)
                    .order_by(Resident.created_at)
                    .limit(1)
                ).first()
                if row is not None:
                    resident_id, pin_hash = row[0], row[1]
        # One slow hash on every path (a missing resident or PIN hashes a dummy), so the answer
        # takes about as long whether or not the NIK exists.
        matches = verify_secret(pin_hash, pin) and _is_digits(pin, PIN_LENGTH)
        if locked:
            raise KioskLocked()
        if matches and resident_id is not None:
            with self.store.write() as s:
                attempt = s.get(LoginAttempt, key)
                if attempt is not None:
                    if attempt.locked_until and attempt.locked_until > now:  # locked meanwhile elsewhere
                        raise KioskLocked()
                    s.delete(attempt)
                actor = Actor.kiosk(resident_id, device_id)
                write_audit(s, actor, action="kiosk.identify", entity="resident", entity_id=resident_id)
            log.info("kiosk: a resident identified")
            return actor
        self._count_failure(key, now, device_id)
        raise KioskIdentifyFailed()

    @staticmethod
    def _nik_matches(s: Session, number: str) -> ColumnElement[bool]:
        """The resident condition for a typed NIK. A kiosk device holds no NIKs (issue 19.2): it finds the
        resident by the keyed hash of the NIK the district sent (``extra.nik_key``), computed here the
        same way with the village's key from its enrolment."""
        device = s.execute(select(Device.role)).scalar()
        nik_key = get_state(s, K_KIOSK_NIK_KEY) if device == "kiosk" else None
        if nik_key:
            return Resident.extra["nik_key"].as_string() == lookup_key(number, nik_key)
        return Resident.nik == number

    def _count_failure(self, key: str, now: dt.datetime, device_id: str) -> None:
        with self.store.write() as s:
            max_failures = int(settings.get(s, settings.KIOSK_PIN_MAX_FAILURES))
            lock_minutes = int(settings.get(s, settings.KIOSK_PIN_LOCK_MINUTES))
            attempt = s.get(LoginAttempt, key)
            if attempt is None:
                attempt = LoginAttempt(key=key, failures=0, locked_until=None)
                s.add(attempt)
            if attempt.locked_until and attempt.locked_until <= now:
                attempt.locked_until = None  # an expired lock starts a fresh count
                attempt.failures = 0
            attempt.failures = (attempt.failures or 0) + 1
            if attempt.failures < max_failures:
                return
            attempt.failures = 0
            attempt.locked_until = now + dt.timedelta(minutes=lock_minutes)
            # The key is a keyed hash, not the NIK; the audit does not say whether the NIK exists.
            write_audit(s, Actor.system("kiosk", device_id), action="kiosk.locked", entity="kiosk_login",
                        entity_id=key[:32], details={"minutes": lock_minutes})
        log.warning("kiosk: a NIK was locked after %d failed attempts", max_failures)
        raise KioskLocked()

    # --- the resident's own data -----------------------------------------------------------------

    @staticmethod
    def _own_id(actor: Actor) -> str:
        require(actor, "kiosk.view_own")
        if actor.role != "resident" or not actor.user_id:
            raise PermissionDenied(permission="kiosk.view_own")
        return actor.user_id

    def profile(self, actor: Actor) -> KioskProfile:
        """The identified resident's own name and masked NIK."""
        resident_id = self._own_id(actor)
        with self.store.read() as s:
            row = s.execute(select(Resident.name, Resident.nik).where(Resident.id == resident_id)).first()
        if row is None:
            raise PermissionDenied(permission="kiosk.view_own")
        return KioskProfile(resident_id=resident_id, name=row[0], masked_nik=mask_nik(row[1]))

    def own_requests(self, actor: Actor, *, limit: int = 20) -> list[OwnRequest]:
        """The resident's own letter requests, newest first (nobody else's, ever)."""
        resident_id = self._own_id(actor)
        with self.store.read() as s:
            rows = s.execute(
                select(LetterRequest)
                .where(LetterRequest.resident_id == resident_id)
                .order_by(LetterRequest.created_at.desc())
                .limit(limit)
            ).scalars()
            return [
                OwnRequest(r.id, r.letter_type, r.status, r.queue_number, r.channel, r.created_at) for r in rows
            ]

    def unlock(self, actor: Actor, nik: str) -> None:
        """Staff lift a kiosk lockout for a NIK (e.g. after resetting the PIN at the counter)."""
        require(actor, "resident.set_pin")
        _device_id, salt = self._device()
        key = lookup_key(normalize_nik(nik) or "", salt)
        with self.store.write() as s:
            attempt = s.get(LoginAttempt, key)
            if attempt is not None:
                s.delete(attempt)
                write_audit(s, actor, action="kiosk.unlock", entity="kiosk_login", entity_id=key[:32])
