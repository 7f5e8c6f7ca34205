"""Who is acting: the signed-in user (or the system) on this device, passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("operator", "supervisor", "admin")


@dataclass(frozen=True)
class Actor:
    """The user a service call acts for. ``role`` decides permissions (checked in the services)."""

    user_id: str | None
    username: str
    role: str
    full_name: str = ""
    device_id: str | None = None

    @classmethod
    def system(cls, purpose: str = "system", device_id: str | None = None) -> Actor:
        """The program itself (setup, demo data, sync apply): acts with admin rights."""
        return cls(user_id=None, username=purpose, role="admin", full_name=purpose, device_id=device_id)

    @classmethod
    def kiosk(cls, resident_id: str, device_id: str | None = None) -> Actor:
        """A resident identified at the self-service kiosk: may only act on their own records."""
        return cls(user_id=resident_id, username="kiosk", role="resident", device_id=device_id)
