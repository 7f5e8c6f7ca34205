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

from sqlalchemy import and_, or_, text
from sqlalchemy.exc import OperationalError

from kiosk.books.population import (
    CHANGE_COLUMNS,
    ENTRY,
    KIND_LABELS,
    PROBLEM_MESSAGES,
    STATUS_ALIVE,
    Person,
    Problem,
    Timeline,
    build_timelines,
    has_events,
    load_events,
    load_people,
)
from kiosk.errors import DomainError, ValidationError
from kiosk.i18n import N_, _
from kiosk.models import Resident

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
             "rw": p.rw, "message": problem_text(p)} for p in self.problems]}


class NoPopulationData(DomainError):
    code = "no_data"
    template = N_("There is no population data for {month}: no residents and no events.")


def problem_text(p: Problem) -> str:
    """What is wrong, in the user's language (event names translated too)."""
    labels = set(KIND_LABELS.values())
    data = {k: _(v) if v in labels else v for k, v in p.data.items()}
    return _(PROBLEM_MESSAGES[p.code]).format(**data)


def describe(p: Problem) -> str:
    """One line naming the resident and what is wrong (no NIK: messages may end up in logs)."""
    where = " ".join(x for x in (p.dusun, f"RT {p.rt}" if p.rt else "", f"RW {p.rw}" if p.rw else "") if x)
    what = problem_text(p)
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
                 first: dt.date, last: dt.date,
                 baseline: tuple[list[tuple[Any, ...]], list[tuple[str, str]]] | None = None) -> MonthFigures:
    """The figures of [first, last] from the replayed timelines and, when given, the ``baseline``
    counts of the residents present all month without events (see ``_baseline``)."""
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
    if baseline is not None:
        groups, families = baseline
        for dusun_name, wna, sex, n, members in groups:
            dusun = by_dusun.setdefault(dusun_name or "", _block())
            g, x = ("WNA" if wna else "WNI"), ("L" if sex == 1 else "P")
            for block in (village, dusun):
                for column in ("start", "end"):
                    block["persons"][g][x][column] += n
                    block["total"][x][column] += n
                    block["total"]["all"][column] += n
                    block["members"][column] += members
        for dusun_name, family in families:
            fam_start.setdefault(dusun_name or "", set()).add(family)
            fam_end.setdefault(dusun_name or "", set()).add(family)
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


# Walking the family index groups without a sort (the planner would otherwise pick the birth-date index
# for the OR and sort 20,000 rows); the conditions are ``population.plain_baseline``'s.
_BASELINE_SQL = """
SELECT family_id, dusun, citizenship = 2, sex, count(*) FROM resident {hint}
WHERE status = 1 AND sex IN (1, 2) AND (birth_date IS NULL OR birth_date < :first)
  AND id NOT IN (SELECT resident_id FROM population_event)
GROUP BY family_id, dusun, citizenship = 2, sex
"""


def _baseline(session: Any, first: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """Residents present all month without any event, counted in SQL (most of a village): per dusun,
    citizenship and sex, and their families per dusun, in one pass over the family index."""
    try:
        rows = session.execute(text(_BASELINE_SQL.format(hint="INDEXED BY ix_resident_family")),
                               {"first": first.isoformat()}).all()
    except OperationalError:  # no such index (an old or repaired store): same answer, slower
        rows = session.execute(text(_BASELINE_SQL.format(hint="")), {"first": first.isoformat()}).all()
    groups: dict[tuple[Any, ...], list[int]] = {}
    families: list[tuple[str, str]] = []
    for family, dusun, wna, sex, n in rows:
        acc = groups.setdefault((dusun, bool(wna), sex), [0, 0])
        acc[0] += n
        if family is None:  # someone without a KK counts as their own household (as in compute_from)
            families += [(dusun, f"-{dusun}-{sex}-{wna}-{i}") for i in range(n)]
        else:
            acc[1] += n
            families.append((dusun, family))
    return [(*k, v[0], v[1]) for k, v in groups.items()], families


def _replayed(first: dt.date, last: dt.date) -> Any:
    """SQL condition: the residents compute() replays one by one (see ``compute``)."""
    return or_(has_events(), and_(Resident.status == STATUS_ALIVE, or_(
        Resident.sex.is_(None), Resident.sex.not_in((1, 2)), Resident.birth_date.between(first, last))))


def compute(session: Any, month: str, *, today: dt.date | None = None) -> MonthFigures:
    """The month's figures from the store (events and residents, read in one transaction).

    Residents with events, born this month or without a recorded sex are replayed one by one; the rest
    (present all month, nothing happened to them) are counted by the database."""
    month, first, last = parse_month(month, today)
    people = load_people(session, _replayed(first, last))
    timelines, problems = build_timelines(people, load_events(session))
    return compute_from(people, timelines, problems, month, first, last, _baseline(session, first))
