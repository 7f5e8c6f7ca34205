"""Pengaturan: read any declared setting; admins change them (audited)."""

from __future__ import annotations

from typing import Any

from kiosk import settings
from kiosk.actor import Actor
from kiosk.changes import write_audit
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
                write_audit(s, actor, action="settings.update", entity="setting", entity_id=definition.key,
                            details={"value": value if not isinstance(value, bytes) else "<bytes>"})
        except (TypeError, ValueError) as e:
            raise ValidationError(N_("The value for {setting} is not valid."), setting=definition.key) from e
