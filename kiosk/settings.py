"""Every setting of the office program, declared once with its type and default, stored in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.i18n import N_


@dataclass(frozen=True)
class SettingDef:
    key: str
    type: type
    default: Any
    label: str  # English; translated where shown


SETTINGS: dict[str, SettingDef] = {}


def _declare(key: str, type_: type, default: Any, label: str) -> SettingDef:
    definition = SettingDef(key, type_, default, label)
    SETTINGS[key] = definition
    return definition


LANGUAGE = _declare("ui.language", str, "id", N_("Language"))
IDLE_LOCK_MINUTES = _declare("ui.idle_lock_minutes", int, 10, N_("Lock the program after idle minutes"))
LOGIN_MAX_FAILURES = _declare("auth.max_failures", int, 5, N_("Failed sign-ins before lockout"))
LOGIN_LOCK_MINUTES = _declare("auth.lock_minutes", int, 5, N_("Lockout minutes"))
COMPLAINT_RESPONSE_HOURS = _declare("complaint.response_hours", float, 4.0, N_("Complaint response limit (hours)"))
COMPLAINT_CATEGORIES = _declare(
    "complaint.categories",
    list,
    ["Pelayanan administrasi", "Infrastruktur", "Kebersihan", "Keamanan", "Bantuan sosial", "Lainnya"],
    N_("Complaint categories"),
)
NUMBER_FORMAT = _declare(
    "letters.number_format", str, "{kode}/{nomor:03d}/{unit}/{tahun}", N_("Letter number format")
)
NUMBER_SEQUENCE = _declare("letters.number_sequence", str, "all", N_("Number sequence: all or per_type"))
PAPER = _declare("printing.paper", str, "F4", N_("Paper size"))
MARGINS_MM = _declare(
    "printing.margins_mm", dict, {"top": 15, "right": 20, "bottom": 20, "left": 25}, N_("Margins (mm)")
)
PRINTER = _declare("printing.printer", str, "", N_("Printer"))
DUSUN_ALIASES = _declare(
    "import.dusun_aliases", dict, {}, N_("Other spellings of dusun names in imported files (spelling: dusun)")
)
KIOSK_IDLE_SECONDS = _declare("kiosk.idle_seconds", int, 60, N_("Kiosk idle time (seconds)"))
KIOSK_PIN_MAX_FAILURES = _declare("kiosk.pin_max_failures", int, 5, N_("Kiosk PIN failures before lockout"))
KIOSK_PIN_LOCK_MINUTES = _declare("kiosk.pin_lock_minutes", int, 15, N_("Kiosk PIN lockout minutes"))
BACKUP_SECOND_FOLDER = _declare("backup.second_folder", str, "", N_("Second backup folder"))
SYNC_INTERVAL_SECONDS = _declare("sync.interval_seconds", int, 60, N_("Sync interval (seconds)"))
BACKUP_INTERVAL_HOURS = _declare("backup.interval_hours", int, 24, N_("Automatic backup every (hours; 0: off)"))
BACKUP_KEEP_DAILY = _declare("backup.keep_daily", int, 7, N_("Daily backups kept"))
BACKUP_KEEP_WEEKLY = _declare("backup.keep_weekly", int, 4, N_("Weekly backups kept"))
BACKUP_KEEP_MONTHLY = _declare("backup.keep_monthly", int, 12, N_("Monthly backups kept"))
BACKUP_KEEP_OTHER = _declare("backup.keep_other", int, 10, N_("Manual, pre-upgrade and pre-restore backups kept (each)"))


def get(session: Session, definition: SettingDef) -> Any:
    from kiosk.models import Setting

    row = session.execute(select(Setting.value).where(Setting.key == definition.key)).scalar()
    if row is None:
        return definition.default
    try:
        return definition.type(row) if definition.type in (int, float, str) else row
    except (TypeError, ValueError):
        return definition.default


def put(session: Session, definition: SettingDef, value: Any) -> None:
    """Store a setting (call inside ``Store.write()``; the caller audits the change)."""
    from kiosk.models import Setting

    if definition.type in (int, float, str):
        value = definition.type(value)
    elif not isinstance(value, definition.type):
        raise TypeError(f"{definition.key} expects {definition.type.__name__}")
    row = session.get(Setting, definition.key)
    if row is None:
        session.add(Setting(key=definition.key, value=value))
    else:
        row.value = value
