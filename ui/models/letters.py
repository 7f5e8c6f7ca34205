"""Table models for letters: the request queue (permohonan) and the register of issued letters (surat keluar).

Both are fed plain records from ``Services.letters`` (``RequestInfo``, ``LetterInfo``/``RegisterRow``);
they read attributes by name and show what they find, so a missing one shows as empty, never crashes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from kiosk.i18n import N_, _

_Index = QModelIndex | QPersistentModelIndex

STATUS_LABELS = {
    "diajukan": N_("Submitted"),
    "disetujui": N_("Approved"),
    "diterbitkan": N_("Issued"),
    "ditolak": N_("Rejected"),
    "dibatalkan": N_("Cancelled"),
}
CHANNEL_LABELS = {"loket": N_("Counter"), "kios": N_("Kiosk")}
STATUS_COLORS = {"diajukan": "#92400e", "disetujui": "#1d4ed8", "diterbitkan": "#166534",
                 "ditolak": "#b00020", "dibatalkan": "#6b7280"}


def attr(obj: Any, *names: str, default: Any = None) -> Any:
    """The first attribute of ``obj`` among ``names`` that is present (records differ a little)."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return default


def fmt_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y %H.%M")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value[:10]).strftime("%d-%m-%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


ACRONYMS = {"KTP", "KK", "SKCK", "SKTM", "RT", "RW", "N1", "NIK", "KTP-EL", "PBB", "WNI", "WNA"}


def nice_title(title: str) -> str:
    """A letter title in title case for lists, keeping acronyms ("Surat Pengantar SKCK")."""
    return " ".join(w if w.upper() in ACRONYMS else w.capitalize() for w in title.split())


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def channel_label(channel: str) -> str:
    return _(CHANNEL_LABELS.get(channel, channel))


class _RecordsModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []
        self.titles: dict[str, str] = {}  # letter type code -> title

    def set_rows(self, rows: list[Any], titles: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if titles is not None:
            self.titles = titles
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.HEADERS[section])
        return None

    def record(self, row: int) -> Any:
        return self.rows[row]

    def type_title(self, rec: Any) -> str:
        code = attr(rec, "letter_type", "type_code", default="") or ""
        title = attr(rec, "letter_title", "type_title", "title", default=None)
        return nice_title(str(title or self.titles.get(code) or code))

    def text(self, rec: Any, column: int) -> str:
        raise NotImplementedError

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        rec = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(rec, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return attr(rec, "id")
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.color(rec, index.column())
        return None

    def color(self, rec: Any, column: int) -> Any:
        return None


class RequestsModel(_RecordsModel):
    """Permohonan: received, queue number, resident, letter type, channel, state."""

    HEADERS = (N_("Received"), N_("Queue"), N_("Resident"), N_("NIK"), N_("Letter type"), N_("Channel"),
               N_("Status"), N_("Note"))
    STATUS_COLUMN = 6

    def text(self, rec: Any, column: int) -> str:
        if column == 0:
            return fmt_date(attr(rec, "created_at", "received_at"))
        if column == 1:
            return str(attr(rec, "queue_number", default="") or "")
        if column == 2:
            return str(attr(rec, "resident_name", "name", default="") or "")
        if column == 3:
            return str(attr(rec, "resident_nik", "nik_masked", "nik", default="") or "")
        if column == 4:
            title = self.type_title(rec)
            return ("✱ " if attr(rec, "needs_approval", default=False) else "") + title
        if column == 5:
            return channel_label(str(attr(rec, "channel", default="") or ""))
        if column == 6:
            return status_label(str(attr(rec, "status", default="") or ""))
        reason = attr(rec, "reason", default=None)
        number = attr(rec, "letter_number", "number", default=None)
        return str(reason or number or "")

    def color(self, rec: Any, column: int) -> Any:
        if column == self.STATUS_COLUMN:
            c = STATUS_COLORS.get(str(attr(rec, "status", default="")))
            return QBrush(QColor(c)) if c else None
        return None


def is_void(rec: Any) -> bool:
    state = attr(rec, "state", "status", default=None)
    if state is not None and str(state) in ("void", "batal", "dibatalkan"):
        return True
    return bool(attr(rec, "voided", default=False) or attr(rec, "voided_at", default=None))


class LettersModel(_RecordsModel):
    """Buku Agenda Surat Keluar: number, date, type, resident, state, prints."""

    HEADERS = (N_("Number"), N_("Date"), N_("Letter type"), N_("Resident"), N_("Status"), N_("Printed"))

    def text(self, rec: Any, column: int) -> str:
        if column == 0:
            return str(attr(rec, "number", default="") or "")
        if column == 1:
            return fmt_date(attr(rec, "issued_on", "date", "issued_at"))
        if column == 2:
            return self.type_title(rec)
        if column == 3:
            return str(attr(rec, "resident_name", "resident", "name", default="") or "")
        if column == 4:
            if is_void(rec):
                reason = attr(rec, "void_reason", "reason", default="")
                return _("Void") + (f": {reason}" if reason else "")
            state = str(attr(rec, "state", default="") or "")
            return _("Unused number") if state == "unused" else _("Issued")
        count = attr(rec, "print_count", "prints", default=0) or 0
        if is_void(rec) or attr(rec, "state", default="") == "unused":
            return ""
        return _("{n}×").format(n=count) if count else _("not yet")

    def color(self, rec: Any, column: int) -> Any:
        if column == 4 and is_void(rec):
            return QBrush(QColor("#b00020"))
        return None
