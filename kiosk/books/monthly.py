"""Laporan bulanan perkembangan penduduk: the figures of one month, computed from the events.

start of month + births + moved in − deaths − moved out = end of month, by citizenship (WNI/WNA) and
sex, for persons and families (KK), for the village and per dusun. Every resident is checked on their
own; one who does not add up stops the report with their name (a data error to fix, never a figure
adjusted to make the sums meet).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kiosk.books.population import (
    CHANGE_COLUMNS,
    ENTRY,
    PROBLEM_MESSAGES,
    Person,
    Problem,
    Timeline,
    build_timelines,
    load_events,
    load_people,
)
from kiosk.errors import DomainError, ValidationError
from kiosk.i18n import N_, _

COLUMNS = ("start", *CHANGE_COLUMNS, "end")
GROUPS = ("WNI", "WNA")
SEXES = ("L", "P")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MAX_LISTED = 25

MSG_BAD_MONTH = N_("Write the month as YYYY-MM, e.g. 2026-11.")
MSG_FUTURE_MONTH = N_("The month {month} has not started yet: there is nothing to report.")


class ReportDataError(DomainError):
    """The events of the month do not add up (or contradict each other): the residents to fix."""

    code = "report_data_error"
    template = N_("The report for {month} cannot be made: {count} data errors must be fixed first:\n{listing}")

    def __init__(self, month: str, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(month=month, count=len(problems), listing="")

    def user_message(self) -> str:
        lines = [describe(p) for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(_("… and {n} more").format(n=len(self.problems) - MAX_LISTED))
        return _(self.template).format(month=self.data["month"], count=len(self.problems),
                                       listing="\n".join(lines))

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "problems": [
            {"code": p.code, "resident_id": p.resident_id, "name": p.name, "dusun": p.dusun, "rt": p.rt,
             "rw": p.rw, "message": _(PROBLEM_MESSAGES[p.code]).format(**p.data)} for p in self.problems]}


class NoPopulationData(DomainError):
    code = "no_data"
    template = N_("There is no population data for {month}: no residents and no events.")


def describe(p: Problem) -> str:
    """One line naming the resident and what is wrong (no NIK: messages may end up in logs)."""
    where = " ".join(x for x in (p.dusun, f"RT {p.rt}" if p.rt else "", f"RW {p.rw}" if p.rw else "") if x)
    what = _(PROBLEM_MESSAGES[p.code]).format(**p.data)
    return f"• {p.name}" + (f" ({where})" if where else "") + f": {what}"


def parse_month(text: str, today: dt.date | None = None) -> tuple[str, dt.date, dt.date]:
    """``"2026-11"`` → (month, first day, last day); a future or malformed month is refused."""
    m = _MONTH_RE.match(str(text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise ValidationError(MSG_BAD_MONTH, fields={"month": MSG_BAD_MONTH})
    year, month = int(m.group(1)), int(m.group(2))
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    if first > (today or dt.date.today()):
        raise ValidationError(MSG_FUTURE_MONTH, fields={"month": MSG_FUTURE_MONTH}, month=f"{year:04d}-{month:02d}")
    return f"{year:04d}-{month:02d}", first, last


def _zero() -> dict[str, int]:
    return dict.fromkeys(COLUMNS, 0)


def _block() -> dict[str, Any]:
    """Figures of one area: persons per citizenship and sex, totals, families."""
    return {
        "persons": {g: {s: _zero() for s in SEXES} for g in GROUPS},
        "total": {s: _zero() for s in (*SEXES, "all")},
        "families": {"start": 0, "new": 0, "gone": 0, "end": 0},
        "members": {"start": 0, "end": 0},  # persons on a KK (jumlah anggota keluarga)
    }


@dataclass(frozen=True)
class MonthFigures:
    month: str
    first: dt.date
    last: dt.date
    figures: dict[str, Any]  # JSON-able: see ``compute``

    @property
    def village(self) -> dict[str, Any]:
        return dict(self.figures["village"])


def _count(block: dict[str, Any], person: Person, column: str, n: int = 1) -> None:
    group = "WNA" if person.wna else "WNI"
    sex = "L" if person.sex == 1 else "P"
    block["persons"][group][sex][column] += n
    block["total"][sex][column] += n
    block["total"]["all"][column] += n


def compute_from(people: dict[str, Person], timelines: dict[str, Timeline], problems: list[Problem], month: str,
                 first: dt.date, last: dt.date) -> MonthFigures:
    """The figures of [first, last] from the replayed timelines (pure: no database)."""
    day_before = first - dt.timedelta(days=1)
    relevant = [p for p in problems if p.when is None or p.when <= last]
    flagged = {p.resident_id for p in relevant}
    village = _block()
    by_dusun: dict[str, dict[str, Any]] = {}
    fam_start: dict[str, set[str]] = {}
    fam_end: dict[str, set[str]] = {}
    any_event = False
    for pid, tl in timelines.items():
        person = people[pid]
        start = tl.present_on(day_before)
        end = tl.present_on(last)
        changes = [(kind, col) for when, kind, col, _e in tl.steps if first <= when <= last]
        if not (start or end or changes):
            continue
        any_event = any_event or bool(changes)
        net = int(start) + sum(1 if k == ENTRY else -1 for k, _c in changes)
        if pid in flagged:
            continue  # already named with what is wrong; its sums would only repeat it
        if net != int(end):
            born_now = person.birth_date is not None and first <= person.birth_date <= last
            code = "unrecorded_birth" if born_now and end and not start else None
            relevant.append(Problem(code or "unbalanced", pid, person.name, person.dusun, person.rt, person.rw,
                                    None, {"date": str(person.birth_date or ""), "start": str(int(start)),
                                           "end": str(int(end)), "changes": str(len(changes))}))
            continue
        if person.sex not in (1, 2):
            relevant.append(Problem("no_sex", pid, person.name, person.dusun, person.rt, person.rw, None, {}))
            continue
        dusun = by_dusun.setdefault(person.dusun or "", _block())
        for block in (village, dusun):
            if start:
                _count(block, person, "start")
                block["members"]["start"] += person.family_id is not None
            if end:
                _count(block, person, "end")
                block["members"]["end"] += person.family_id is not None
            for _kind, col in changes:
                _count(block, person, col)
        family = person.family_id or f"-{pid}"  # someone without a KK counts as their own household
        if start:
            fam_start.setdefault(person.dusun or "", set()).add(family)
        if end:
            fam_end.setdefault(person.dusun or "", set()).add(family)
    if relevant:
        raise ReportDataError(month, sorted(relevant, key=lambda p: (p.dusun, p.rt, p.rw, p.name, p.code)))
    if village["total"]["all"]["start"] == 0 and village["total"]["all"]["end"] == 0 and not any_event:
        raise NoPopulationData(month=month)
    all_start: set[str] = set().union(*fam_start.values()) if fam_start else set()
    all_end: set[str] = set().union(*fam_end.values()) if fam_end else set()
    _families(village, all_start, all_end)
    for name, block in by_dusun.items():
        _families(block, fam_start.get(name, set()), fam_end.get(name, set()))
    figures = {
        "month": month,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "village": village,
        "dusun": [{"name": name, **by_dusun[name]} for name in sorted(by_dusun)],
    }
    return MonthFigures(month, first, last, figures)


def _families(block: dict[str, Any], start: set[str], end: set[str]) -> None:
    block["families"] = {"start": len(start), "new": len(end - start), "gone": len(start - end), "end": len(end)}


def compute(session: Any, month: str, *, today: dt.date | None = None) -> MonthFigures:
    """The month's figures from the store (events and residents, read in one transaction)."""
    month, first, last = parse_month(month, today)
    people = load_people(session)
    timelines, problems = build_timelines(people, load_events(session))
    return compute_from(people, timelines, problems, month, first, last)
