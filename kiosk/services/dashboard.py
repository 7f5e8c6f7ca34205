"""Figures for the home screen (Beranda), read in one short transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from kiosk.db import Store
from kiosk.models import Family, Letter, LetterRequest, Resident


def office_counts(store: Store, today: dt.date | None = None) -> dict[str, int]:
    today = today or dt.date.today()
    with store.read() as s:
        return {
            "residents": s.execute(select(func.count()).select_from(Resident).where(Resident.status == 1)).scalar_one(),
            "families": s.execute(select(func.count()).select_from(Family).where(Family.active.is_(True))).scalar_one(),
            "letters_today": s.execute(
                select(func.count()).select_from(Letter).where(Letter.issued_on == today)).scalar_one(),
            "requests_waiting": s.execute(
                select(func.count()).select_from(LetterRequest).where(
                    LetterRequest.status.in_(("diajukan", "disetujui")))).scalar_one(),
        }
