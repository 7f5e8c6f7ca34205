"""Projection tables of the village budgets (amounts as integer sen: exact sums on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.district.models import Base, UTCDateTime


class BudgetProjection(Base):
    """One APBDes version of one village (the latest state of the synced ``apbdes`` record)."""

    __tablename__ = "budget_apbdes"
    village: Mapped[str] = mapped_column(String(32), primary_key=True)
    apbdes_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tahun: Mapped[int] = mapped_column(Integer, index=True)
    versi: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    perdes_no: Mapped[str] = mapped_column(String(60), default="")
    perdes_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pendapatan: Mapped[int] = mapped_column(BigInteger, default=0)
    belanja: Mapped[int] = mapped_column(BigInteger, default=0)
    penerimaan: Mapped[int] = mapped_column(BigInteger, default=0)
    pengeluaran: Mapped[int] = mapped_column(BigInteger, default=0)
    dana_desa: Mapped[int] = mapped_column(BigInteger, default=0)  # pendapatan 4.2.1
    dds_belanja: Mapped[int] = mapped_column(BigInteger, default=0)  # belanja with sumber DDS
    blt: Mapped[int] = mapped_column(BigInteger, default=0)  # DDS belanja tagged blt
    pangan: Mapped[int] = mapped_column(BigInteger, default=0)
    operasional: Mapped[int] = mapped_column(BigInteger, default=0)
    per_bidang: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"01": sen, ...}
    lines: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RealizationSum(Base):
    """Running sums of a village-year's realization ledger: keys ``4``, ``5``, ``6.1``, ``6.2``,
    ``b:01``…``b:05`` (belanja per bidang), ``dds`` (belanja with sumber DDS)."""

    __tablename__ = "budget_realization_sums"
    village: Mapped[str] = mapped_column(String(32), primary_key=True)
    tahun: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    last_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class BudgetReport(Base):
    """A realization report a village sent (Semester I or year end)."""

    __tablename__ = "budget_reports"
    village: Mapped[str] = mapped_column(String(32), primary_key=True)
    tahun: Mapped[int] = mapped_column(Integer, primary_key=True)
    periode: Mapped[str] = mapped_column(String(12), primary_key=True)  # semester1 | akhir
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    report_id: Mapped[str] = mapped_column(String(64))


class BudgetRules(Base):
    """The year's Dana Desa priority rules and report deadlines (a setting per year)."""

    __tablename__ = "budget_rules"
    tahun: Mapped[int] = mapped_column(Integer, primary_key=True)
    blt_max: Mapped[Any] = mapped_column(Numeric(5, 2))  # percent of Dana Desa
    pangan_min: Mapped[Any] = mapped_column(Numeric(5, 2))
    operasional_max: Mapped[Any] = mapped_column(Numeric(5, 2))
    semester1_deadline: Mapped[dt.date] = mapped_column(Date)
    final_deadline: Mapped[dt.date] = mapped_column(Date)
    set_deadline: Mapped[dt.date] = mapped_column(Date)  # the APBDes must be set by then (31 Dec before)
