"""Record ids: time-ordered UUIDv7 strings created on the device, so offline records never collide."""

from __future__ import annotations

import uuid_utils


def new_id() -> str:
    """A new UUIDv7 as a 36-character string (sorts by creation time)."""
    return str(uuid_utils.uuid7())
