"""The synced entities: one entry each, in the order parents come before children.

An entry says everything the office needs to know about an entity that travels to the district: its
table, how a record is serialised for the wire, how a pulled change becomes column values (renamed
fields, derived columns), its merge rule (what a pulled change may not do to the stored row) and what
else a pulled change touches (a letter's number enters the local register). ``kiosk.changes`` refuses
to queue an entity that is not here, ``kiosk.services.sync_state`` applies pulled changes only through
these entries, and ``sync.client`` sends the full re-sync in this order.

Adding an entity: a model with ``id`` and ``version`` columns (no version if ``append_only``), an entry below, and the district's side
(``sync.district.apply``). ``tests/core/test_change_gateway.py`` fails until all of them agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, bindparam, select
from sqlalchemy.orm import Session

from kiosk.books.models import MonthlyReport
from kiosk.budget.models import Apbdes, ApbdesLaporan, RealisasiEntry
from kiosk.ids import new_id
from kiosk.models import (
    Complaint,
    Family,
    Letter,
    LetterNumber,
    LetterRequest,
    PopulationEvent,
    Resident,
    utcnow,
)

# Wire fields never copied onto a local row: the key, the village (implied), the version (set by the apply).
_SKIP = frozenset({"id", "village", "version"})
REQUEST_TERMINAL = frozenset({"diterbitkan", "ditolak", "dibatalkan"})

# Payload fields naming a parent record: a child change waits until its parent's changes are acked.
PARENT_FIELDS: dict[str, str] = {
    "resident_id": "resident",
    "family_id": "family",
    "head_resident_id": "resident",
    "request_id": "letter_request",
    "reporter_resident_id": "resident",
    "letter_id": "letter",
}


class MergeRefused(Exception):
    """A pulled change the entity's merge rule does not allow (it ends as an ``apply_failed`` issue)."""


def convert(column: Any, value: Any) -> Any:
    """A JSON value as the column stores it (ISO text to date/datetime, UTC-naive datetimes)."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        when = dt.datetime.fromisoformat(str(value))
        return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
    if isinstance(kind, Date):
        return dt.date.fromisoformat(str(value)[:10])
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer) and not isinstance(value, bool):
        return int(value)
    return value


Derive = Callable[[Any, dict[str, Any], dict[str, Any], Mapping[str, Any] | None], None]
Check = Callable[[Mapping[str, Any], dict[str, Any]], None]
AfterApply = Callable[[Session, list[dict[str, Any]]], None]


@dataclass(frozen=True)
class EntitySpec:
    """One synced entity. ``merge`` says in words what ``check`` enforces (shown in docs and reviews)."""

    name: str
    model: Any
    merge: str
    deletable: bool = False  # a pulled "delete" removes the local row
    append_only: bool = False  # created once, never changed: no version column
    exclude: frozenset[str] = frozenset()  # columns never sent: secrets and local bookkeeping
    renames: Mapping[str, str] = field(default_factory=dict)  # wire name -> column
    current: tuple[str, ...] = ()  # stored columns ``check`` / ``derive`` / ``after_apply`` read
    check: Check | None = None
    derive: Derive | None = None
    after_apply: AfterApply | None = None

    @property
    def table(self) -> Table:
        return cast(Table, self.model.__table__)

    def serialise(self, obj: Any) -> dict[str, Any]:
        """The record as it travels (every column but the excluded ones)."""
        return {c.key: getattr(obj, c.key) for c in self.table.columns if c.key not in self.exclude}

    def row_values(self, data: Mapping[str, Any], stored: Mapping[str, Any] | None, *,
                   check: bool = True) -> dict[str, Any]:
        """The column values a pulled change sets on a row (``stored``: the row's ``current`` columns,
        None for a new row). Raises ``MergeRefused`` when the merge rule forbids the change (unless
        ``check`` is off: staff chose the server's value) and ValueError/TypeError when a value does not
        convert."""
        if check and stored is not None and self.check is not None:
            self.check(stored, dict(data))
        columns = self.table.columns
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = self.renames.get(key, key)
            if name in _SKIP or name not in columns:
                continue
            values[name] = convert(columns[name], value)
        if self.derive is not None:
            self.derive(columns, values, dict(data), stored)
        return values


# --- the entity-specific rules ----------------------------------------------------------------------


def _derive_resident(_columns: Any, values: dict[str, Any], data: dict[str, Any], _stored: Any) -> None:
    if "name" in data:
        from kiosk.text import fold_name

        values["name_search"] = fold_name(values.get("name") or "")


def _check_request(stored: Mapping[str, Any], payload: dict[str, Any]) -> None:
    current, target = stored.get("status"), payload.get("status")
    if not target or current == target or current is None:
        return
    if current in REQUEST_TERMINAL:
        raise MergeRefused(f"{current} -> {target}")


def _derive_letter(columns: Any, values: dict[str, Any], data: dict[str, Any],
                   stored: Mapping[str, Any] | None) -> None:
    issued_on = values.get("issued_on", stored.get("issued_on") if stored else None)
    if issued_on is None and data.get("issued_at"):
        values["issued_on"] = dt.date.fromisoformat(str(data["issued_at"])[:10])
    voided_at = values.get("voided_at", stored.get("voided_at") if stored else None)
    if data.get("voided") and voided_at is None:
        values["voided_at"] = convert(columns["voided_at"], data.get("voided_at")) or utcnow()
        values["void_reason"] = data.get("void_reason")


def in_chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def register_letter_numbers(session: Session, letters: list[dict[str, Any]]) -> None:
    """Letters issued on another device: their numbers enter this register too (state used/void).
    ``letters``: the applied rows' id, year, sequence_key, sequence_number and voided_at."""
    conn = session.connection()
    # a number <= 0: a duplicate that gave its register place up (kiosk.services.duplicates)
    wanted = [(int(x["year"]), x.get("sequence_key") or "all", int(x["sequence_number"]), x)
              for x in letters if x.get("sequence_number") is not None and x.get("year") is not None
              and int(x["sequence_number"]) > 0]
    if not wanted:
        return
    table = cast(Table, LetterNumber.__table__)
    have: dict[tuple[int, str, int], str | None] = {}
    for part in in_chunks(sorted({str(w[2]) for w in wanted})):
        for y, k, n, lid in conn.execute(select(table.c.year, table.c.sequence_key, table.c.number,
                                                table.c.letter_id).where(table.c.number.in_([int(v) for v in part]))):
            have[(int(y), k, int(n))] = lid
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for year, key, number, letter in wanted:
        state = "void" if letter.get("voided_at") else "used"
        if (year, key, number) not in have:
            have[(year, key, number)] = letter["id"]
            inserts.append({"id": new_id(), "year": year, "sequence_key": key, "number": number, "state": state,
                            "letter_id": letter["id"]})
        elif have[(year, key, number)] in (None, letter["id"]):
            updates.append({"_y": year, "_k": key, "_n": number, "letter_id": letter["id"], "state": state})
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        conn.execute(table.update().where(table.c.year == bindparam("_y"), table.c.sequence_key == bindparam("_k"),
                                          table.c.number == bindparam("_n")), updates)


_ENTRIES = (
    EntitySpec("family", Family, "newest server version wins unless the office has unsent changes (then it "
               "waits); a pulled delete removes the family", deletable=True, exclude=frozenset({"created_at",
                                                                                              "updated_at"})),
    EntitySpec("resident", Resident, "as family; the PIN never travels (its Argon2 hash only as a set_pin update, for the kiosks); the search name is derived here",
               deletable=True, exclude=frozenset({"pin_hash", "created_at", "updated_at", "name_search"}),
               derive=_derive_resident),
    EntitySpec("population_event", PopulationEvent, "append-only: created once, never changed",
               append_only=True),
    EntitySpec("letter_request", LetterRequest, "a request in a final state (diterbitkan, ditolak, dibatalkan) "
               "never moves again", current=("status",), check=_check_request),
    EntitySpec("letter", Letter, "issued letters are immutable but for void; the number enters the local "
               "register", renames={"seq_number": "sequence_number"},
               current=("issued_on", "voided_at", "year", "sequence_key", "sequence_number"),
               derive=_derive_letter, after_apply=register_letter_numbers),
    EntitySpec("complaint", Complaint, "newest server version wins unless the office has unsent changes"),
    # kiosk/books: a closed laporan bulanan (figures only: the PDF stays on the device that closed it)
    EntitySpec("monthly_report", MonthlyReport, "created when a month is closed; later only re-opened (state "
               "and reason); the newest server version wins", exclude=frozenset({"pdf", "closed_by", "reopened_by"}),
               renames={"closed_by": "closed_by_name"}),
    # The village budget (kiosk/budget): the APBDes travels whole (header and lines in the payload, for the
    # district's figures); a pulled change sets the header columns only. Ledger entries and reports are
    # append-only: a correction is a new entry.
    EntitySpec("apbdes", Apbdes, "the village's own budget: newest server version wins for the header unless "
               "the office has unsent changes; the lines are the office's", exclude=frozenset({
                   "history", "created_at", "updated_at"})),
    EntitySpec("apbdes_realisasi", RealisasiEntry, "append-only ledger entry: created once, never changed; "
               "a correction is a new entry", append_only=True,
               exclude=frozenset({"uraian", "bukti_no", "source_ref", "created_at", "created_by"})),
    EntitySpec("apbdes_laporan", ApbdesLaporan, "append-only: a report is sent once", append_only=True),
)

REGISTRY: dict[str, EntitySpec] = {spec.name: spec for spec in _ENTRIES}
SYNCED_ENTITIES = frozenset(REGISTRY)
# Parents before children: the order of a full re-sync and of applying a page of pulled changes.
ENTITY_ORDER: tuple[str, ...] = tuple(REGISTRY)


def spec_for(entity: str) -> EntitySpec | None:
    return REGISTRY.get(entity)
