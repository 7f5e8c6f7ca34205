"""The resident list model: plain ``ResidentRow`` tuples, loaded in pages (canFetchMore/fetchMore)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from kiosk.i18n import N_, _
from kiosk.refdata import code_list
from kiosk.services.residents_search import ResidentRow, SearchPage
from kiosk.text import display_name

_Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[Any], SearchPage]  # fetch(after_cursor) -> the next page
ID_ROLE = Qt.ItemDataRole.UserRole + 1

SEX_SHORT = {1: "L", 2: "P"}


class ResidentTableModel(QAbstractTableModel):
    """Rows of the Penduduk list. ``reset(first_page, fetch)`` shows a new search; scrolling down asks
    ``fetch(cursor)`` for the next page (one indexed query, about a millisecond)."""

    HEADERS = (N_("NIK"), N_("Name"), N_("Sex"), N_("Born"), N_("RT/RW"), N_("Dusun"), N_("Status"))
    COLUMN_COUNT = len(HEADERS)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ResidentRow] = []
        self._cursor: Any = None
        self._fetch: Fetch | None = None
        self._status = dict(code_list("status_dasar"))

    def reset(self, page: SearchPage, fetch: Fetch | None) -> None:
        self.beginResetModel()
        self.rows = list(page.rows)
        self._cursor = page.next_cursor
        self._fetch = fetch
        self.endResetModel()

    def row_at(self, row: int) -> ResidentRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == ID_ROLE:
            return r.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        col = index.column()
        if col == 0:
            return r.nik or _("(no NIK)")
        if col == 1:
            return r.name
        if col == 2:
            return SEX_SHORT.get(r.sex or 0, "")
        if col == 3:
            if not r.birth_date:
                return ""
            return dt.date.fromisoformat(r.birth_date).strftime("%d-%m-%Y")
        if col == 4:
            return f"{r.rt or '-'}/{r.rw or '-'}"
        if col == 5:
            return r.dusun
        if col == 6:
            return display_name(self._status.get(r.status, str(r.status)))
        return None

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._cursor is not None and self._fetch is not None

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self._cursor is None or self._fetch is None:
            return
        page = self._fetch(self._cursor)
        if not page.rows:
            self._cursor = None
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
        self.rows.extend(page.rows)
        self._cursor = page.next_cursor
        self.endInsertRows()
