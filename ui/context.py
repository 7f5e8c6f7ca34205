"""The application context built once by ``ui.app`` and passed down through constructors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.actor import Actor
from kiosk.services import Services
from ui.runner import Runner


class AppSignals(QObject):
    """App-wide signals: screens refresh from ``data_changed`` instead of calling each other."""

    data_changed = Signal(str)  # entity name ("resident", "letter", "complaint", "*")
    actor_changed = Signal(object)
    sync_status = Signal(object)


@dataclass
class AppContext:
    services: Services
    runner: Runner
    signals: AppSignals
    actor: Actor | None = None
    options: dict[str, Any] = field(default_factory=dict)  # command-line options (kiosk, demo, lang)

    def __post_init__(self) -> None:
        self.runner.changes_committed.connect(self.broadcast)

    def broadcast(self, changes: Any) -> None:
        """Tell every screen which entities a write changed (``kiosk.changes.OpChanges``)."""
        for entity in sorted(changes.entities):
            self.signals.data_changed.emit(entity)

    def require_actor(self) -> Actor:
        assert self.actor is not None, "no user signed in"
        return self.actor

    def changed(self, entity: str = "*") -> None:
        self.signals.data_changed.emit(entity)
