"""Tentang: version, schema version and where the data lives."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from kiosk import __version__
from kiosk.db import current_revision
from kiosk.i18n import _
from ui.context import AppContext


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About Smart Kampung"))
        layout = QVBoxLayout(self)
        store = ctx.services.store
        text = QLabel(
            "<h2>Smart Kampung</h2>"
            + "<p>" + _("The village office program: residents, official letters, the self-service kiosk "
                        "and complaints, working offline and syncing to the district.") + "</p>"
            + "<table>"
            + f"<tr><td>{_('Version')}</td><td><b>{__version__}</b></td></tr>"
            + f"<tr><td>{_('Database schema')}</td><td><b>{current_revision(store)}</b></td></tr>"
            + f"<tr><td>{_('Data directory')}</td><td><b>{store.paths.root}</b></td></tr>"
            + f"<tr><td>{_('Log directory')}</td><td><b>{store.paths.logs}</b></td></tr>"
            + "</table>"
        )
        text.setObjectName("aboutText")
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setWordWrap(True)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
