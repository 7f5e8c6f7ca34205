"""Pengaturan: read any declared setting; admins change them (audited)."""

from __future__ import annotations

from typing import Any

from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store
from kiosk.errors import ValidationError
from kiosk.i18n import N_
from kiosk.permissions import require


class PreferenceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, definition: settings.SettingDef) -> Any:
        with self.store.read() as s:
            return settings.get(s, definition)

    def set(self, actor: Actor, definition: settings.SettingDef, value: Any) -> None:
        require(actor, "settings.edit")
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
