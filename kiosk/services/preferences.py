"""Pengaturan: read any declared setting; admins change them (audited). Values are checked here, once,
for the Settings screen and the command line (``settings get|set``) alike."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store
from kiosk.errors import ValidationError
from kiosk.i18n import LANGUAGES, N_, _
from kiosk.permissions import require

# Whole-number settings and the range the Settings screen allows.
_RANGES: dict[str, tuple[float, float]] = {
    settings.IDLE_LOCK_MINUTES.key: (1, 240),
    settings.LOGIN_MAX_FAILURES.key: (1, 20),
    settings.LOGIN_LOCK_MINUTES.key: (1, 1440),
    settings.COMPLAINT_RESPONSE_HOURS.key: (0.5, 336),
    settings.KIOSK_IDLE_SECONDS.key: (15, 600),
    settings.KIOSK_PIN_MAX_FAILURES.key: (1, 20),
    settings.KIOSK_PIN_LOCK_MINUTES.key: (1, 1440),
    settings.SYNC_INTERVAL_SECONDS.key: (10, 86400),
    settings.BACKUP_INTERVAL_HOURS.key: (0, 720),
    settings.BACKUP_KEEP_DAILY.key: (1, 365),
    settings.BACKUP_KEEP_WEEKLY.key: (0, 520),
    settings.BACKUP_KEEP_MONTHLY.key: (0, 240),
    settings.BACKUP_KEEP_OTHER.key: (1, 100),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    settings.PAPER.key: ("F4", "A4"),
    settings.NUMBER_SEQUENCE.key: ("all", "per_type"),
    settings.LANGUAGE.key: tuple(LANGUAGES),
}
MARGIN_RANGE_MM = (5.0, 50.0)


def _invalid(definition: settings.SettingDef, reason: str, **params: Any) -> ValidationError:
    return ValidationError(N_("The value for {setting} is not valid: {reason}"), setting=definition.key,
                           reason=_(reason), fields={definition.key: reason}, **params)


def check_value(definition: settings.SettingDef, value: Any) -> Any:
    """The value as stored, or ValidationError saying what is wrong (the screen's rules)."""
    key = definition.key
    if definition.type in (int, float):
        try:
            number = definition.type(value)
        except (TypeError, ValueError):
            raise _invalid(definition, N_("a number is needed")) from None
        low, high = _RANGES.get(key, (0, 10**9))
        if not low <= number <= high:
            raise ValidationError(N_("The value for {setting} must be between {low} and {high}."), setting=key,
                                  low=low, high=high, fields={key: N_("Out of range")})
        return number
    if key in _CHOICES:
        text = str(value).strip()
        for choice in _CHOICES[key]:
            if text.lower() == choice.lower():
                return choice
        raise ValidationError(N_("The value for {setting} must be one of: {choices}."), setting=key,
                              choices=", ".join(_CHOICES[key]), fields={key: N_("Choose one of the listed values.")})
    if key == settings.NUMBER_FORMAT.key:
        from kiosk.services.numbering import format_number

        text = str(value).strip()
        format_number(text, classification="470", number=1, unit="35.10.01.2001", village_code="35.10.01.2001",
                      issued_on=dt.date.today())  # raises NumberFormatInvalid with the reason
        return text
    if key == settings.MARGINS_MM.key:
        if not isinstance(value, dict) or set(value) != {"top", "right", "bottom", "left"}:
            raise _invalid(definition, N_("give top, right, bottom and left in mm"))
        out: dict[str, float] = {}
        for side, mm in value.items():
            try:
                out[side] = float(mm)
            except (TypeError, ValueError):
                raise _invalid(definition, N_("give top, right, bottom and left in mm")) from None
            if not MARGIN_RANGE_MM[0] <= out[side] <= MARGIN_RANGE_MM[1]:
                raise ValidationError(N_("Each margin must be between {low} and {high} mm."), setting=key,
                                      low=MARGIN_RANGE_MM[0], high=MARGIN_RANGE_MM[1],
                                      fields={key: N_("Out of range")})
        return out
    if definition.type is list:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value) or not value:
            raise _invalid(definition, N_("give a list of names"))
        return [v.strip() for v in value]
    if definition.type is str:
        return str(value).strip()
    if not isinstance(value, definition.type):
        raise _invalid(definition, N_("wrong kind of value"))
    return value


def parse_text(definition: settings.SettingDef, text: str) -> Any:
    """A value typed on the command line: numbers and words as they are; margins as JSON or
    ``top=20,right=20,bottom=20,left=25``; lists as JSON or comma-separated."""
    if definition.type is dict:
        try:
            return json.loads(text)
        except ValueError:
            parts = [p.partition("=") for p in text.split(",")]
            return {k.strip(): v.strip() for k, sep, v in parts if sep}
    if definition.type is list:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = text.split(",")
        return loaded
    return text


class PreferenceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, definition: settings.SettingDef) -> Any:
        with self.store.read() as s:
            return settings.get(s, definition)

    def all(self) -> dict[str, Any]:
        """Every declared setting with its current value."""
        with self.store.read() as s:
            return {key: settings.get(s, d) for key, d in settings.SETTINGS.items()}

    def definition(self, key: str) -> settings.SettingDef:
        found = settings.SETTINGS.get(key)
        if found is None:
            raise ValidationError(N_("Unknown setting {key}. Known settings: {keys}."), key=key,
                                  keys=", ".join(sorted(settings.SETTINGS)))
        return found

    def set(self, actor: Actor, definition: settings.SettingDef, value: Any) -> None:
        require(actor, "settings.edit")
        value = check_value(definition, value)
        try:
            with self.store.write() as s:
                settings.put(s, definition, value)
                record_change(s, actor, entity="setting", entity_id=definition.key, op="update", payload={},
                              action="settings.update",
                              audit_details={"value": value if not isinstance(value, bytes) else "<bytes>"})
        except (TypeError, ValueError) as e:
            raise ValidationError(N_("The value for {setting} is not valid."), setting=definition.key) from e

    def remember_printer(self, actor: Actor, name: str, paper: str | None = None) -> None:
        """Remember the printer (and paper, F4 or A4) last used, audited. Anyone who may print may do
        this (it does not need the admin's ``settings.edit``)."""
        require(actor, "letter.print")
        with self.store.write() as s:
            settings.put(s, settings.PRINTER, name)
            if paper in ("F4", "A4"):
                settings.put(s, settings.PAPER, paper)
            record_change(s, actor, entity="setting", entity_id=settings.PRINTER.key, op="update", payload={},
                          action="settings.printer", audit_details={"printer": name, "paper": paper})
