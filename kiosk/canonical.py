"""Canonical JSON (sorted keys, compact, UTF-8) and its SHA-256: the bytes that hashes are taken of."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def to_jsonable(value: Any) -> Any:
    """``value`` with dates and datetimes turned into ISO strings (as they travel and are hashed)."""
    return json.loads(json.dumps(value, default=_default))


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
