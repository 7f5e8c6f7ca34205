"""Tables of the administration books (kiosk/migrations/versions/0004_books.py), on the store's Base.

Times naive UTC, dates as dates, ids UUIDv7 strings made on the device (as in ``kiosk.models``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.ids import new_id
from kiosk.models import Base, utcnow


class MonthlyReport(Base):
    """Laporan bulanan penduduk, closed: one snapshot per closing of a month (``revision`` 1, 2, ...).

    The figures and the PDF are kept exactly as closed, so the month reprints byte for byte; a late
    correction re-opens it (``state`` becomes ``reopened`` with the reason) and the next closing is a
    new revision."""

    __tablename__ = "monthly_report"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(10), default="closed")  # closed | reopened
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None: pulled from the district
    pdf_hash: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    closed_by_name: Mapped[str] = mapped_column(String(120), default="")
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reopened_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (UniqueConstraint("month", "revision", name="uq_monthly_report_revision"),)


class TemporaryResident(Base):
    """Penduduk sementara (Buku A.4): someone staying in the village for a while, not on a KK here.

    This and the two letter books stay in the office (not synced, hence no ``version``)."""

    __tablename__ = "temporary_resident"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(150))
    sex: Mapped[int | None] = mapped_column(Integer, nullable=True)
    id_number: Mapped[str] = mapped_column(String(40), default="")  # NIK or passport number
    birth_place: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    occupation: Mapped[str] = mapped_column(String(100), default="")
    citizenship: Mapped[int] = mapped_column(Integer, default=1)  # warganegara: 1 WNI, 2 WNA
    nationality: Mapped[str] = mapped_column(String(60), default="")  # kebangsaan
    ancestry: Mapped[str] = mapped_column(String(60), default="")  # keturunan
    origin: Mapped[str] = mapped_column(Text, default="")  # datang dari
    purpose: Mapped[str] = mapped_column(Text, default="")  # maksud dan tujuan kedatangan
    host_name: Mapped[str] = mapped_column(String(150), default="")  # nama yang didatangi
    address: Mapped[str] = mapped_column(Text, default="")  # alamat yang didatangi
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    dusun: Mapped[str] = mapped_column(String(80), default="")
    arrived_on: Mapped[dt.date] = mapped_column(Date)
    departed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_temporary_resident_arrived", "arrived_on"),)


class IncomingLetter(Base):
    """Buku Agenda surat masuk: one letter received by the office."""

    __tablename__ = "incoming_letter"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer)
    agenda_number: Mapped[int] = mapped_column(Integer)  # nomor urut per year
    received_on: Mapped[dt.date] = mapped_column(Date)
    letter_number: Mapped[str] = mapped_column(String(120), default="")
    letter_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    sender: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("year", "agenda_number", name="uq_incoming_letter_agenda"),)


class LetterDispatch(Base):
    """Buku Ekspedisi: one letter sent out, with whom it went to and who received it."""

    __tablename__ = "letter_dispatch"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    letter_number: Mapped[str] = mapped_column(String(120), default="")
    letter_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    subject: Mapped[str] = mapped_column(Text)  # isi singkat
    addressee: Mapped[str] = mapped_column(String(200))  # ditujukan kepada
    letter_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # our issued letter, if any
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("year", "sequence", name="uq_letter_dispatch_sequence"),)
