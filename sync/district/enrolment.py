"""What the district keeps of a device's enrolment beyond its key: the local id it signed letters with
before it enrolled (so their QR codes verify once they sync) and the numbering high-water marks it
reported per year and sequence (issue 19.7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync import protocol as p
from sync.district.models import Base, Device


class DeviceEnrolment(Base):
    """One enrolment: the installation's own (local) device id and the number marks it reported."""

    __tablename__ = "device_enrolments"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    village: Mapped[str] = mapped_column(String(32))
    local_device_id: Mapped[str | None] = mapped_column(String(64))
    numbers: Mapped[dict[str, Any]]  # {"<year>|<sequence key>": last number}
    enrolled_at: Mapped[dt.datetime]


def record(session: Session, device_id: str, village: str, req: p.EnrollRequest, now: dt.datetime) -> None:
    session.add(DeviceEnrolment(
        device_id=device_id, village=village, local_device_id=req.local_device_id,
        numbers={f"{m.year}|{m.sequence_key}": m.last_number for m in req.letter_numbers}, enrolled_at=now))


def signer(session: Session, device_id: str, village: str | None) -> Device | None:
    """The enrolled device that signs as ``device_id``: the device with that district id, else the newest
    enrolment of ``village`` whose installation signed with that local id before it enrolled (a local id
    is the installation's own; only a device of the letter's village can claim it)."""
    device = session.get(Device, device_id)
    if device is not None or village is None:
        return device
    return session.scalar(
        select(Device).join(DeviceEnrolment, DeviceEnrolment.device_id == Device.id)
        .where(DeviceEnrolment.local_device_id == device_id, DeviceEnrolment.village == village,
               Device.village == village)
        .order_by(DeviceEnrolment.enrolled_at.desc()).limit(1))


def local_id(session: Session, device_id: str) -> str | None:
    """The local id the device with district id ``device_id`` signed with before it enrolled."""
    return session.scalar(select(DeviceEnrolment.local_device_id).where(DeviceEnrolment.device_id == device_id))
