"""The letters issued for one resident (the "Surat" tab of the resident detail): number, date, type, state,
prints; a double-click opens the letter's PDF, and printing it counts a print as in the register."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from kiosk.i18n import N_, _
from kiosk.services.letters import LetterInfo
from ui import msgbox
from ui.context import AppContext
from ui.models.letters import LettersModel

# LettersModel's columns without the resident (it is this resident)
_COLUMNS = (0, 1, 2, 4, 5)


class ResidentLettersModel(LettersModel):
    """``LettersInfo`` of one resident, newest first."""

    HEADERS = (N_("Number"), N_("Date"), N_("Letter type"), N_("Status"), N_("Printed"))

    def text(self, rec: Any, column: int) -> str:
        return super().text(rec, _COLUMNS[column])

    def color(self, rec: Any, column: int) -> Any:
        return super().color(rec, _COLUMNS[column])


class ResidentLetters(QWidget):
    """Loads ``letters_for_resident`` and lists them; ``open_letter(row)`` shows one."""

    def __init__(self, ctx: AppContext, resident_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.resident_id = resident_id
        self.last_preview: Any = None
        layout = QVBoxLayout(self)
        self.model = ResidentLettersModel()
        self.table = QTableView()
        self.table.setObjectName("residentLetters")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #4b5563;")
        layout.addWidget(self.hint)
        self.table.doubleClicked.connect(lambda index: self.open_letter(index.row()))
        ctx.signals.data_changed.connect(self._on_changed)
        self.reload()

    def _on_changed(self, entity: str) -> None:
        if entity in ("letter", "*"):
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        rid = self.resident_id
        self.ctx.runner.run(lambda: letters.letters_for_resident(actor, rid), self._loaded,
                            lambda e: msgbox.show_error(self, e))

    def _loaded(self, rows: list[LetterInfo]) -> None:
        self.model.set_rows(rows)
        self.hint.setText(_("No letter has been issued for this resident yet.") if not rows else
                          _("Double-click a letter to view or reprint it."))

    def open_letter(self, row: int) -> Any:
        from ui.screens.surat import show_letter_pdf

        if not 0 <= row < len(self.model.rows):
            return None
        self.last_preview = show_letter_pdf(self.ctx, self.model.record(row), self)
        return self.last_preview
