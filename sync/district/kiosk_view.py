"""What a kiosk device may read of its village (issue 19.2): the kiosk stands in a public room, so pull
and snapshot give it only what identification and its own cases need.

- residents: id, name (to greet), status (living here or not), the Argon2 PIN hash, and instead of the
  NIK its keyed hash ``extra.nik_key`` = HMAC-SHA256(village kiosk key, NIK); the kiosk computes the same
  hash of the typed NIK locally (the key comes with its enrolment answer, ``EnrollResponse.nik_key``).
  No NIK, No. KK, parents' NIKs, birth data, address or phone.
- letter requests and complaints it filed itself (created by this device), with their states only —
  never the form values, the complaint text or the office's answer.
- nothing of families, population events or letters (their payloads carry NIKs and KK numbers).

Letter types and service hours are not synced records: the kiosk has them from its own set-up.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.security import lookup_key
from sync import protocol as p
from sync.district.db import Database
from sync.district.models import Record, ServerSetting

KIOSK_ENTITIES = frozenset({p.ENTITY_RESIDENT, p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT})
_FIELDS: dict[str, tuple[str, ...]] = {
    p.ENTITY_RESIDENT: ("id", "village", "name", "status", "pin_hash"),
    p.ENTITY_LETTER_REQUEST: ("id", "village", "resident_id", "letter_type", "letter_type_version", "status",
                              "queue_number", "channel", "created_at", "resolved_at"),
    p.ENTITY_COMPLAINT: ("id", "village", "reporter_resident_id", "channel", "category", "status",
                         "received_at", "due_at", "first_response_at", "resolved_at", "response_hours"),
}
OWN_ONLY = frozenset({p.ENTITY_LETTER_REQUEST, p.ENTITY_COMPLAINT})
_KEY_PREFIX = "kiosk_nik_key:"


def nik_key(key: str, nik: str) -> str:
    """The keyed hash a kiosk looks a NIK up by: `kiosk.security.lookup_key`, the same function the kiosk
    runs on the typed NIK."""
    return lookup_key(nik, key)


def village_key(db: Database, village: str) -> str:
    """The village's kiosk NIK key, made once (random, kept in ``server_settings``)."""
    name = f"{_KEY_PREFIX}{village}"
    with db.read() as s:
        row = s.get(ServerSetting, name)
        if row is not None:
            return row.value
    try:
        with db.write() as s:
            if s.get(ServerSetting, name) is None:
                s.add(ServerSetting(key=name, value=secrets.token_hex(32)))
    except IntegrityError:  # another request made it first
        pass
    with db.read() as s:
        return s.get(ServerSetting, name).value  # type: ignore[union-attr]


def creators(db: Database, village: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The device that created each (entity, id) of the village (from the record's first field versions)."""
    wanted = {k for k in keys if k[0] in OWN_ONLY}
    if not wanted:
        return {}
    found: dict[tuple[str, str], str | None] = {}
    with db.read() as s:
        rows = s.execute(select(Record.entity, Record.entity_id, Record.field_versions).where(
            Record.village == village, Record.entity.in_(sorted({e for e, _ in wanted})),
            Record.entity_id.in_(sorted({i for _, i in wanted}))))
        for r in rows:
            first = (r.field_versions or {}).get("status") or [None, None]
            found[(r.entity, r.entity_id)] = first[1] if len(first) > 1 else None
    return found


class KioskView:
    """Filters one page of records for one kiosk device."""

    def __init__(self, db: Database, device_id: str, village: str) -> None:
        self.db = db
        self.device_id = device_id
        self.village = village
        self._key: str | None = None

    def keep(self, items: list[Any], entity_of: Any, id_of: Any) -> list[Any]:
        """The items (pulled changes or snapshot records) a kiosk may see at all."""
        items = [i for i in items if entity_of(i) in KIOSK_ENTITIES]
        made_by = creators(self.db, self.village, ((entity_of(i), id_of(i)) for i in items))
        return [i for i in items
                if entity_of(i) not in OWN_ONLY or made_by.get((entity_of(i), id_of(i))) == self.device_id]

    def payload(self, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        fields = _FIELDS[entity]
        shown = {k: payload[k] for k in fields if k in payload}
        if entity == p.ENTITY_RESIDENT:
            nik = payload.get("nik")
            if isinstance(nik, str) and nik:
                if self._key is None:
                    self._key = village_key(self.db, self.village)
                shown["extra"] = {"nik_key": nik_key(self._key, nik)}
            else:
                shown["extra"] = {}
        return shown
