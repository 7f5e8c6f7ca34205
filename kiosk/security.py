"""Slow hashes for passwords and kiosk PINs (Argon2id), and constant-time checks."""

from __future__ import annotations

import hashlib
import hmac
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
