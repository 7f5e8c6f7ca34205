"""The monthly population report service: compute, close (a snapshot), reprint, re-open with a reason.

Closing a month is one transaction: the snapshot row (figures and the PDF bytes), its audit entry and
its outbox row for the district. A closed month reprints the stored PDF byte for byte; a late
correction re-opens the month with a reason, and the next closing is a new revision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import settings
from kiosk.actor import Actor
from kiosk.books import monthly
from kiosk.books.models import MonthlyReport
from kiosk.books.report_document import monthly_document
from kiosk.changes import record_change
from kiosk.db import Store
from kiosk.errors import ConflictError, NotConfigured, ValidationError
from kiosk.i18n import N_
from kiosk.models import OfficeProfile, utcnow
from kiosk.permissions import require
from kiosk.timezones import stamp, zone_for

ENTITY = "monthly_report"
MSG_NOT_OVER = N_("The month {month} is not over yet: it can be closed from the 1st of the next month.")
MSG_ALREADY_CLOSED = N_("The report for {month} is already closed (revision {revision}, {at}). Re-open it "
                        "with a reason to correct it.")
MSG_NOT_CLOSED = N_("The report for {month} is not closed, so there is nothing to re-open.")
MSG_REASON = N_("Give the reason for re-opening (what was corrected).")


@dataclass(frozen=True)
class MonthlyReportInfo:
    """A month's report as staff see it: the figures and, when closed, who closed it and when."""

    month: str
    figures: dict[str, Any]
    state: str  # open | closed | reopened
    revision: int | None = None
    closed_at: dt.datetime | None = None
    closed_by: str = ""
    reopen_reason: str | None = None
    pdf_hash: str | None = None
    # a closed month whose events changed since: the snapshot stays, staff may re-open it
    differs_from_events: bool = False


class MonthlyReportService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading -----------------------------------------------------------------------------------

    def _latest(self, s: Session, month: str) -> MonthlyReport | None:
        return s.execute(select(MonthlyReport).where(MonthlyReport.month == month)
                         .order_by(MonthlyReport.revision.desc()).limit(1)).scalar()

    def compute(self, actor: Actor, month: str, *, today: dt.date | None = None) -> MonthlyReportInfo:
        """The report of ``month``: the closed snapshot if the month is closed, else computed now."""
        require(actor, "books.view")
        with self.store.read() as s:
            month, _first, _last = monthly.parse_month(month, today)
            latest = self._latest(s, month)
            if latest is not None and latest.state == "closed":
                try:
                    fresh = monthly.compute(s, month, today=today).figures
                    differs = fresh != latest.figures
                except (monthly.ReportDataError, monthly.NoPopulationData):
                    differs = True
                return self._info(latest, differs)
            figures = monthly.compute(s, month, today=today).figures
            return MonthlyReportInfo(month, figures, "reopened" if latest is not None else "open",
                                     latest.revision if latest else None,
                                     reopen_reason=latest.reopen_reason if latest else None)

    @staticmethod
    def _info(row: MonthlyReport, differs: bool = False) -> MonthlyReportInfo:
        return MonthlyReportInfo(row.month, dict(row.figures), row.state, row.revision, row.closed_at,
                                 row.closed_by_name, row.reopen_reason, row.pdf_hash, differs)

    def history(self, actor: Actor) -> list[MonthlyReportInfo]:
        """Every closing (newest first), re-opened ones with their reason."""
        require(actor, "books.view")
        with self.store.read() as s:
            rows = s.execute(select(MonthlyReport).order_by(MonthlyReport.month.desc(),
                                                            MonthlyReport.revision.desc())).scalars()
            return [self._info(r) for r in rows]

    def pdf(self, actor: Actor, month: str, *, today: dt.date | None = None) -> bytes:
        """The report as PDF: the stored bytes of a closed month, else rendered now (marked provisional)."""
        require(actor, "books.view")
        with self.store.read() as s:
            month, _first, _last = monthly.parse_month(month, today)
            latest = self._latest(s, month)
            if latest is not None and latest.state == "closed":
                if latest.pdf is not None:
                    return bytes(latest.pdf)
                # closed on another office computer: the same figures, printed here
                return self._render(s, dict(latest.figures), latest.closed_at.date(), {
                    "at": stamp(latest.closed_at, zone_for(_village(s))), "by": latest.closed_by_name,
                    "revision": latest.revision})
            figures = monthly.compute(s, month, today=today).figures
            return self._render(s, figures, today or dt.date.today(), None)

    def _render(self, s: Session, figures: dict[str, Any], signed_on: dt.date, closed: dict[str, Any] | None) -> bytes:
        from kiosk.services.letters_document import logo_file, office_snapshot
        from printing.books import render_book

        profile = s.execute(select(OfficeProfile)).scalar()
        if profile is None:
            raise NotConfigured()
        office = office_snapshot(profile)
        doc = monthly_document(figures, office, paper=str(settings.get(s, settings.PAPER)),
                               logo_path=logo_file(profile, self.store.paths.root), signed_on=signed_on,
                               closed=closed)
        return render_book(doc)

    # -- closing and re-opening ----------------------------------------------------------------------

    def close(self, actor: Actor, month: str, *, today: dt.date | None = None) -> MonthlyReportInfo:
        """Close ``month``: snapshot the figures and the PDF, audited and queued for the district."""
        require(actor, "report.close")
        today = today or dt.date.today()
        with self.store.write() as s:
            month, _first, last = monthly.parse_month(month, today)
            if last >= today:
                raise ValidationError(MSG_NOT_OVER, fields={"month": MSG_NOT_OVER}, month=month)
            latest = self._latest(s, month)
            if latest is not None and latest.state == "closed":
                raise ConflictError(MSG_ALREADY_CLOSED, month=month, revision=latest.revision,
                                    at=stamp(latest.closed_at, zone_for(_village(s))))
            figures = monthly.compute(s, month, today=today).figures
            revision = (latest.revision + 1) if latest is not None else 1
            now = utcnow()
            by = actor.full_name or actor.username
            pdf = self._render(s, figures, today, {"at": stamp(now, zone_for(_village(s))), "by": by,
                                                   "revision": revision})
            row = MonthlyReport(month=month, revision=revision, state="closed", figures=figures, pdf=pdf,
                                pdf_hash=hashlib.sha256(pdf).hexdigest(), closed_at=now, closed_by=actor.user_id,
                                closed_by_name=by, version=1)
            s.add(row)
            s.flush()
            record_change(s, actor, entity=ENTITY, entity_id=row.id, op="create", action="monthly_report.close",
                          payload=_payload(row), audit_details={"month": month, "revision": revision,
                                                                "pdf_hash": row.pdf_hash})
            return self._info(row)

    def reopen(self, actor: Actor, month: str, reason: str, *, today: dt.date | None = None) -> MonthlyReportInfo:
        """Re-open a closed month for a late correction; the reason is kept, audited and synced."""
        require(actor, "report.close")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(MSG_REASON, fields={"reason": MSG_REASON})
        with self.store.write() as s:
            month, _first, _last = monthly.parse_month(month, today)
            latest = self._latest(s, month)
            if latest is None or latest.state != "closed":
                raise ValidationError(MSG_NOT_CLOSED, fields={"month": MSG_NOT_CLOSED}, month=month)
            latest.state = "reopened"
            latest.reopened_at = utcnow()
            latest.reopened_by = actor.user_id
            latest.reopen_reason = reason
            record_change(s, actor, entity=ENTITY, entity_id=latest.id, op="update", record=latest,
                          action="monthly_report.reopen",
                          payload={"state": "reopened", "reopened_at": latest.reopened_at, "reopen_reason": reason},
                          audit_details={"month": month, "revision": latest.revision, "reason": reason})
            return self._info(latest)


def _village(s: Session) -> str:
    return s.execute(select(OfficeProfile.village_code)).scalar() or ""


def _payload(row: MonthlyReport) -> dict[str, Any]:
    """What the district keeps of a closed month: figures only (no names, no NIK)."""
    return {"id": row.id, "month": row.month, "revision": row.revision, "state": row.state,
            "figures": row.figures, "pdf_hash": row.pdf_hash, "closed_at": row.closed_at,
            "closed_by": row.closed_by_name}
