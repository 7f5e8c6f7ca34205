"""E-monitoring tables: district staff accounts and what each device last reported about its queue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.district.models import Base, UTCDateTime


class DistrictUser(Base):
    """A member of the district's staff who may read the e-monitoring pages."""

    __tablename__ = "district_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeviceReport(Base):
    """What a device last reported about its own queue (the server cannot see what was not sent)."""

    __tablename__ = "device_reports"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    village: Mapped[str] = mapped_column(String(32), index=True)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    needs_action: Mapped[int] = mapped_column(Integer, default=0)
    oldest_pending_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
