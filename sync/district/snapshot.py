"""Full re-sync: the current state of every record of a device's village, page by page.

``GET /api/v1/snapshot?entity=&after_entity=&after_id=&limit=`` (Bearer). A client told
``reset_required`` by a pull (its cursor is older than the compacted change log) reloads its village
from here and then pulls after the ``server_seq`` of the FIRST page: every page reads the high-water mark
before its records, so a record changed while the client pages is either already in a later page in its
newer state or comes again through the pull (full state with its version: applying it twice is harmless).

Paging is by key: with ``entity`` the pages run over that entity's ids (``after_id``); without it over
(entity, id) (``after_entity`` + ``after_id``, as returned in ``next_entity`` / ``next_after_id``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select

from sync import protocol as p
from sync.district.db import Database
from sync.district.models import ChangeLogEntry, Record, ServerSetting
from sync.district.store import SETTING_WATERMARK


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SnapshotRecord(_Model):
    """One record's current state. `payload` is the full state (as in a pulled change); a deleted record
    is listed with ``deleted`` true so the client can drop it."""

    entity: str
    entity_id: str
    version: int
    payload: dict[str, Any]
    deleted: bool = False


class SnapshotResponse(_Model):
    records: list[SnapshotRecord]
    server_seq: int = Field(description="the change-log high-water mark when this page was read; the first "
                                        "page's value is the cursor to pull after once all pages are loaded")
    has_more: bool
    next_entity: str | None = Field(default=None, description="pass as after_entity for the next page")
    next_after_id: str | None = Field(default=None, description="pass as after_id for the next page")
    server_time: dt.datetime


def high_water(session: Any) -> int:
    newest = session.scalar(select(func.max(ChangeLogEntry.server_seq))) or 0
    mark = session.get(ServerSetting, SETTING_WATERMARK)
    return max(int(newest), int(mark.value) if mark else 0)


def snapshot(db: Database, village: str, *, entity: str | None, after_entity: str | None,
             after_id: str | None, limit: int) -> SnapshotResponse:
    limit = max(1, min(limit, p.MAX_PULL_LIMIT))
    query = select(Record.entity, Record.entity_id, Record.version, Record.data, Record.deleted).where(
        Record.village == village)
    if entity is not None:
        query = query.where(Record.entity == entity)
        if after_id:
            query = query.where(Record.entity_id > after_id)
        query = query.order_by(Record.entity_id)
    else:
        if after_entity is not None:
            query = query.where(or_(Record.entity > after_entity,
                                    and_(Record.entity == after_entity, Record.entity_id > (after_id or ""))))
        query = query.order_by(Record.entity, Record.entity_id)
    with db.read() as s:
        now = p.utc_now()
        seq = high_water(s)  # before the records: nothing at or below it can be missing from them
        rows = list(s.execute(query.limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    records = [SnapshotRecord(entity=r.entity, entity_id=r.entity_id, version=r.version, payload=r.data,
                              deleted=bool(r.deleted)) for r in rows]
    last = rows[-1] if has_more else None
    return SnapshotResponse(records=records, server_seq=seq, has_more=has_more,
                            next_entity=last.entity if last is not None else None,
                            next_after_id=last.entity_id if last is not None else None, server_time=now)
