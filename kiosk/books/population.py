"""Who lived in the village on a given day, replayed from the population events (peristiwa).

The monthly report and the books never count today's resident table: each resident's presence is
replayed from their births, deaths, moves and status changes, so a past month gives the same figures
whenever it is asked. A resident with no events at all is part of the records the office started with:
present from birth while their status is HIDUP, absent throughout otherwise.

Contradictions (a death before the birth, a move out of someone not resident, a second death...) are
collected as :class:`Problem` rows, never smoothed over: a report refuses to add up figures over them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kiosk.i18n import N_
from kiosk.models import PopulationEvent, Resident

STATUS_ALIVE = 1
ENTRY = "entry"
EXIT = "exit"

# How each event counts in the monthly report: the column and the direction.
COLUMN_BIRTHS = "births"
COLUMN_DEATHS = "deaths"
COLUMN_MOVED_IN = "moved_in"
COLUMN_MOVED_OUT = "moved_out"
CHANGE_COLUMNS = (COLUMN_BIRTHS, COLUMN_DEATHS, COLUMN_MOVED_IN, COLUMN_MOVED_OUT)

# Problem codes (the message templates are translated where shown).
PROBLEM_MESSAGES = {
    "exit_not_resident": N_("{kind} on {date}, but not a resident of the village on that day"),
    "entry_already_resident": N_("{kind} on {date}, but already a resident on that day"),
    "before_birth": N_("{kind} on {date}, before the birth ({birth})"),
    "before_origin": N_("{kind} on {date}, before the {origin} on {origin_date}"),
    "status_mismatch": N_("status is {status} but the events say {expected}; record the missing event"),
    "unrecorded_birth": N_("born on {date} and counted at the end of the month, but no birth event is recorded"),
    "unbalanced": N_("counted {start} at the start of the month and {end} at the end, which the month's "
                     "{changes} events do not explain"),
    "no_sex": N_("sex is not recorded, so the person cannot be counted as male or female"),
}
KIND_LABELS = {
    "birth": N_("Birth"),
    "death": N_("Death"),
    "move_in": N_("Move in"),
    "move_out": N_("Move out"),
    "status_change": N_("Status change"),
}


@dataclass(frozen=True)
class Person:
    """What the books need of one resident (plain data, read once)."""

    id: str
    nik: str | None
    name: str
    sex: int | None
    citizenship: int | None
    birth_date: dt.date | None
    status: int
    family_id: str | None
    dusun: str
    rt: str
    rw: str

    @property
    def wna(self) -> bool:
        """Foreign citizen (WNA, code 2); dual citizenship (3) counts as WNI, as Dukcapil records it."""
        return self.citizenship == 2


@dataclass(frozen=True)
class Event:
    id: str
    resident_id: str
    kind: str
    date: dt.date
    details: dict[str, Any]
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Problem:
    """One data error for staff to fix, named by resident."""

    code: str
    resident_id: str
    name: str
    dusun: str
    rt: str
    rw: str
    when: dt.date | None  # the day it matters from (None: always)
    data: dict[str, str] = field(default_factory=dict)


def direction(event: Event) -> tuple[str, str] | None:
    """(entry|exit, report column) of an event; None for a status change that changes nothing."""
    if event.kind == "birth":
        return ENTRY, COLUMN_BIRTHS
    if event.kind == "death":
        return EXIT, COLUMN_DEATHS
    if event.kind == "move_in":
        return ENTRY, COLUMN_MOVED_IN
    if event.kind == "move_out":
        return EXIT, COLUMN_MOVED_OUT
    if event.kind == "status_change":
        status = event.details.get("status")
        previous = event.details.get("previous_status")
        if status == STATUS_ALIVE and previous != STATUS_ALIVE:
            return ENTRY, COLUMN_MOVED_IN  # back from hilang/pergi: counted with those who came
        if status != STATUS_ALIVE and previous == STATUS_ALIVE:
            return EXIT, COLUMN_MOVED_OUT  # hilang/pergi: counted with those who left
    return None


@dataclass
class Timeline:
    """One resident's presence as intervals [start, end) of days, from their events."""

    person: Person
    initially_present: bool
    # (date, entry|exit, column, event) in order
    steps: list[tuple[dt.date, str, str, Event]]

    def present_on(self, day: dt.date) -> bool:
        """Present at the end of ``day``."""
        present = self.initially_present
        if present and self.person.birth_date is not None and self.person.birth_date > day and (
                not self.steps or self.steps[0][1] == EXIT):
            return False  # in the starting records, not born yet
        for when, kind, _col, _e in self.steps:
            if when > day:
                break
            present = kind == ENTRY
        return present


def load_people(session: Session, where: Any = None) -> dict[str, Person]:
    cols = (Resident.id, Resident.nik, Resident.name, Resident.sex, Resident.citizenship, Resident.birth_date,
            Resident.status, Resident.family_id, Resident.dusun, Resident.rt, Resident.rw)
    q = select(*cols) if where is None else select(*cols).where(where)
    return {row[0]: Person(*row) for row in session.execute(q).all()}


def has_events() -> Any:
    """SQL condition: the resident has at least one population event."""
    return Resident.id.in_(select(PopulationEvent.resident_id))


def plain_baseline(born_before: dt.date) -> Any:
    """SQL condition for the residents whose presence needs no replay: no events, HIDUP, sex recorded and
    born before ``born_before`` (or birth date unknown) — present on every day from then on."""
    return and_(Resident.id.not_in(select(PopulationEvent.resident_id)), Resident.status == STATUS_ALIVE,
                Resident.sex.in_((1, 2)), or_(Resident.birth_date.is_(None), Resident.birth_date < born_before))


def load_events(session: Session) -> list[Event]:
    q = select(PopulationEvent.id, PopulationEvent.resident_id, PopulationEvent.kind, PopulationEvent.event_date,
               PopulationEvent.details, PopulationEvent.recorded_at)
    q = q.order_by(PopulationEvent.event_date, PopulationEvent.recorded_at, PopulationEvent.id)
    return [Event(r[0], r[1], r[2], r[3], dict(r[4] or {}), r[5]) for r in session.execute(q).all()]


def _problem(p: Person, code: str, when: dt.date | None, **data: Any) -> Problem:
    return Problem(code, p.id, p.name, p.dusun, p.rt, p.rw, when, {k: str(v) for k, v in data.items()})


def build_timelines(people: dict[str, Person], events: Iterable[Event]) -> tuple[dict[str, Timeline], list[Problem]]:
    """Every resident's timeline (from all their events) and the contradictions found on the way."""
    by_resident: dict[str, list[Event]] = {}
    for e in events:
        by_resident.setdefault(e.resident_id, []).append(e)
    timelines: dict[str, Timeline] = {}
    problems: list[Problem] = []
    for pid, person in people.items():
        evs = by_resident.get(pid)
        if not evs:
            timelines[pid] = Timeline(person, person.status == STATUS_ALIVE, [])
            continue
        steps: list[tuple[dt.date, str, str, Event]] = []
        for e in evs:
            d = direction(e)
            if d is not None:
                steps.append((e.date, d[0], d[1], e))
        # A birth, or the first arrival of someone new, is where the person's history starts.
        origin = next((i for i, st in enumerate(steps) if st[3].kind == "birth" or (
            st[3].kind == "move_in" and st[3].details.get("returning") is False)), None)
        if origin is not None:
            initially = False
        else:
            initially = steps[0][1] == EXIT if steps else person.status == STATUS_ALIVE
        timelines[pid] = Timeline(person, initially, steps)
        present = initially
        for i, (when, kind, _col, e) in enumerate(steps):
            label = KIND_LABELS.get(e.kind, e.kind)
            if origin is not None and i < origin:
                first = steps[origin]
                problems.append(_problem(person, "before_origin", when, kind=label, date=when.isoformat(),
                                         origin=KIND_LABELS[first[3].kind], origin_date=first[0].isoformat()))
            elif person.birth_date is not None and when < person.birth_date:
                problems.append(_problem(person, "before_birth", when, kind=label, date=when.isoformat(),
                                         birth=person.birth_date.isoformat()))
            elif kind == EXIT and not present:
                problems.append(_problem(person, "exit_not_resident", when, kind=label, date=when.isoformat()))
            elif kind == ENTRY and present:
                problems.append(_problem(person, "entry_already_resident", when, kind=label, date=when.isoformat()))
            present = kind == ENTRY
        if steps and present != (person.status == STATUS_ALIVE):
            from kiosk.refdata import code_list

            names = code_list("status_dasar")
            problems.append(_problem(person, "status_mismatch", None,
                                     status=names.name_of(person.status) or person.status,
                                     expected=names.name_of(STATUS_ALIVE) if present else
                                     KIND_LABELS.get(steps[-1][3].kind, steps[-1][3].kind)))
    return timelines, problems
