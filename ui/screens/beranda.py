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
        layout.addWidget(self._next_steps())
        for spec in PANELS:
            module_name, cls_name = spec.split(":")
            layout.addWidget(getattr(importlib.import_module(module_name), cls_name)(ctx, body))
        layout.addStretch(1)
        hours = QLabel(_("Service hours: {hours}").format(hours=profile.service_hours or "—"))
        hours.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(hours)
        ctx.signals.data_changed.connect(lambda _entity: self.refresh())
        self.refresh()

    def _next_steps(self) -> QFrame:
        """For a new office without residents: what to do next (shown while the register is empty)."""
        from PySide6.QtWidgets import QHBoxLayout, QPushButton

        frame = QFrame()
        frame.setObjectName("Card")
        self.next_steps = frame
        box = QVBoxLayout(frame)
        title = QLabel(_("What next? The register has no residents yet."))
        title.setStyleSheet("font-weight: bold;")
        box.addWidget(title)
        text = QLabel(_("Import the residents from an OpenSID or Excel file, or add them one by one. Letters "
                        "and the kiosk need the residents first."))
        text.setWordWrap(True)
        box.addWidget(text)
        row = QHBoxLayout()
        import_button = QPushButton(_("Import residents…"))
        import_button.setObjectName("nextImport")
        import_button.setProperty("primary", True)
        import_button.clicked.connect(lambda: self._go_penduduk("import_file"))
        add_button = QPushButton(_("Add a resident…"))
        add_button.setObjectName("nextAdd")
        add_button.clicked.connect(lambda: self._go_penduduk("new_resident"))
        row.addWidget(import_button)
        row.addWidget(add_button)
        row.addStretch(1)
        box.addLayout(row)
        frame.hide()
        return frame

    def _go_penduduk(self, action: str) -> None:
        window = self.window()
        if hasattr(window, "show_screen"):
            screen = window.show_screen("penduduk")
            getattr(screen, action)()

    def refresh(self) -> None:
        from kiosk.services.dashboard import office_counts

        self.ctx.runner.run(lambda: office_counts(self.ctx.services.store), self._show)

    def _show(self, counts: dict[str, Any]) -> None:
        self.next_steps.setVisible(not counts.get("residents"))
        for key, label in self.cards.items():
            label.setText(f"{counts.get(key, 0):,}".replace(",", "."))
