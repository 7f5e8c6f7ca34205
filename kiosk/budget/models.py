"""The APBDes tables of the office store (on the Base of ``kiosk.models``; migration ``0005_apbdes``).

Money columns hold integer sen (``Money``) and read back as ``Decimal``: sums in SQL stay exact.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from kiosk.budget.money import from_sen, to_sen
from kiosk.ids import new_id
from kiosk.models import Base, utcnow


class Money(TypeDecorator[Decimal]):
    """A rupiah amount kept as integer sen."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float")
        return to_sen(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_sen(int(value))


STATUS_DRAFT = "draft"
STATUS_AGREED = "disepakati_bpd"
STATUS_EVALUATED = "dievaluasi"
STATUS_SET = "ditetapkan"
STATUSES = (STATUS_DRAFT, STATUS_AGREED, STATUS_EVALUATED, STATUS_SET)


class Apbdes(Base):
    """APBDes of one year and version (versi 0 = induk, 1..n = perubahan)."""

    __tablename__ = "apbdes"
    __table_args__ = (UniqueConstraint("tahun", "versi", name="uq_apbdes_tahun_versi"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tahun: Mapped[int] = mapped_column(Integer)
    versi: Mapped[int] = mapped_column(Integer, default=0)
    perdes_no: Mapped[str] = mapped_column(String(60), default="")
    perdes_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_DRAFT)
    # [{"status", "at", "by", "note"}]: who moved it to each state and when
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)
    set_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | siskeudes | template
    siskeudes_version: Mapped[str] = mapped_column(String(40), default="")
    imported_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reference_version: Mapped[str] = mapped_column(String(20), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApbdesLine(Base):
    """One budget line (rincian): pendapatan/pembiayaan by account, belanja by kegiatan and account."""

    __tablename__ = "apbdes_line"
    __table_args__ = (Index("ix_apbdes_line_apbdes", "apbdes_id", "no"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    apbdes_id: Mapped[str] = mapped_column(ForeignKey("apbdes.id", ondelete="CASCADE"))
    no: Mapped[int] = mapped_column(Integer, default=0)
    kode_rekening: Mapped[str] = mapped_column(String(20))
    kode_kegiatan: Mapped[str | None] = mapped_column(String(12), nullable=True)
    uraian: Mapped[str] = mapped_column(Text, default="")
    volume: Mapped[str | None] = mapped_column(String(24), nullable=True)  # exact decimal text
    satuan: Mapped[str] = mapped_column(String(40), default="")
    harga_satuan: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    sumber_dana: Mapped[str] = mapped_column(String(10), default="")
    anggaran: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    lokasi: Mapped[str] = mapped_column(String(200), default="")
    keluaran: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)  # blt | pangan | operasional


class RealisasiEntry(Base):
    """One entry of the realization ledger (append-only; a correction is a new entry)."""

    __tablename__ = "apbdes_realisasi"
    __table_args__ = (
        Index("ix_apbdes_realisasi_year", "tahun", "kode_rekening", "kode_kegiatan"),
        Index("ix_apbdes_realisasi_ref", "tahun", "source_ref"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tahun: Mapped[int] = mapped_column(Integer)
    tanggal: Mapped[dt.date] = mapped_column(Date)
    kode_rekening: Mapped[str] = mapped_column(String(20))
    kode_kegiatan: Mapped[str | None] = mapped_column(String(12), nullable=True)
    sumber_dana: Mapped[str] = mapped_column(String(10), default="")
    jumlah: Mapped[Decimal] = mapped_column(Money)
    jenis: Mapped[str] = mapped_column(String(10))  # TBP | SPP | SPJ | JU | BUNGA | MANUAL | KOREKSI
    bukti_no: Mapped[str] = mapped_column(String(60), default="")
    uraian: Mapped[str] = mapped_column(Text, default="")
    source_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)  # Siskeudes row key
    corrects_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")


class ApbdesLaporan(Base):
    """A realization report sent to the district (Semester I or year end): when, by whom, its PDF's hash."""

    __tablename__ = "apbdes_laporan"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tahun: Mapped[int] = mapped_column(Integer)
    periode: Mapped[str] = mapped_column(String(12))  # semester1 | akhir
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    submitted_by: Mapped[str] = mapped_column(String(60), default="")
