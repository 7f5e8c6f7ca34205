"""Beranda: the office home screen — who we are and what the register holds today.

(The complaints/letters features add their panels through ``PANELS``.)"""

from __future__ import annotations

import importlib
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import _
from ui.context import AppContext

# Extra panels: "module:Class" taking (ctx, parent), each refreshing itself on data_changed.
PANELS: list[str] = [
    "ui.screens.beranda_panels:TodayPanel",
    "ui.screens.beranda_panels:ComplaintsPanel",
    "ui.screens.beranda_panels:ResidentStatsPanel",
]


def _card(title: str, value_name: str) -> tuple[QFrame, QLabel]:
    frame = QFrame()
    frame.setObjectName("Card")
    layout = QVBoxLayout(frame)
    caption = QLabel(title)
    caption.setObjectName("CardCaption")
    value = QLabel("…")
    value.setObjectName(value_name)
    value.setProperty("cardValue", True)
    layout.addWidget(caption)
    layout.addWidget(value)
    return frame, value


class BerandaScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 24, 24, 24)
        profile = ctx.services.office.profile()
        actor = ctx.require_actor()
        heading = QLabel(f"<h1>{profile.village_kind.replace('_', ' ').title()} {profile.village_name}</h1>"
                         f"<p>{_('District')} {profile.kecamatan_name}, {profile.kabupaten_name}, "
                         f"{profile.provinsi_name} · {profile.village_code}</p>")
        heading.setObjectName("BerandaHeading")
        layout.addWidget(heading)
        layout.addWidget(QLabel(_("Welcome, {name}.").format(name=actor.full_name or actor.username)))
        grid = QGridLayout()
        self.cards: dict[str, QLabel] = {}
        for i, (key, title) in enumerate((
            ("residents", _("Residents (living)")),
            ("families", _("Families (KK)")),
            ("letters_today", _("Letters issued today")),
            ("requests_waiting", _("Requests waiting")),
        )):
            frame, value = _card(title, f"card_{key}")
            self.cards[key] = value
            grid.addWidget(frame, 0, i)
        layout.addLayout(grid)
        for spec in PANELS:
            module_name, cls_name = spec.split(":")
            layout.addWidget(getattr(importlib.import_module(module_name), cls_name)(ctx, body))
        layout.addStretch(1)
        hours = QLabel(_("Service hours: {hours}").format(hours=profile.service_hours or "—"))
        hours.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(hours)
        ctx.signals.data_changed.connect(lambda _entity: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        from kiosk.services.dashboard import office_counts

        self.ctx.runner.run(lambda: office_counts(self.ctx.services.store), self._show)

    def _show(self, counts: dict[str, Any]) -> None:
        for key, label in self.cards.items():
            label.setText(f"{counts.get(key, 0):,}".replace(",", "."))
