"""Slow hashes for passwords and kiosk PINs (Argon2id), and constant-time checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@cache
def _hasher() -> PasswordHasher:
    # argon2-cffi's RFC 9106 "low memory" profile: ~50 ms here, 64 MiB.
    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)


def hash_secret(secret: str) -> str:
    return _hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    if not stored_hash:
        # Still spend the time, so a missing account or PIN is not told apart by timing.
        _hasher().hash(secret)
        return False
    try:
        return _hasher().verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def lookup_key(text: str, salt: str) -> str:
    """A keyed hash used as a lookup key (e.g. a NIK's lockout counter) that does not store the NIK."""
    return hmac.new(salt.encode(), text.encode(), hashlib.sha256).hexdigest()


def weak_pin_reason(pin: str, birth_date: dt.date | None = None) -> str | None:
    """Why a 6-digit kiosk PIN is too easy to guess (an English template), or None when it is fine:
    one digit repeated (000000, 111111), a run (123456, 654321), a short repeated pattern (121212,
    123123), or the resident's birth date (ddmmyy, yymmdd, mmddyy, or day-month with the year)."""
    if len(set(pin)) == 1:
        return "The PIN must not be one digit repeated (like 111111)."
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {-1}):
        return "The PIN must not be a run of digits (like 123456)."
    if pin[:2] * 3 == pin or pin[:3] * 2 == pin:
        return "The PIN must not be a repeated pattern (like 121212)."
    if birth_date is not None:
        d, m, y4 = f"{birth_date.day:02d}", f"{birth_date.month:02d}", f"{birth_date.year:04d}"
        y2 = y4[2:]
        if pin in {d + m + y2, y2 + m + d, m + d + y2, y4 + m, m + y4, d + m + y4[:2]}:
            return "The PIN must not be the birth date: choose digits others cannot guess."
    return None
