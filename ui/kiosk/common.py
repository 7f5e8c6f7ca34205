"""Small builders shared by the kiosk screens: big labels and buttons, field editors, titles."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QMouseEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _

ACRONYMS = {"SKCK", "SKTM", "KTP", "KTP-EL", "KK", "RT", "RW", "NIK", "WNI", "WNA", "(SKCK)", "(SKTM)"}
SMALL_WORDS = {"DAN", "DI", "KE", "DARI", "YANG", "UNTUK", "ATAU", "BELUM", "ORANG"}


def label(text: str, role: str = "", *, name: str = "", wrap: bool = True,
          align: Qt.AlignmentFlag | None = None) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        widget.setAlignment(align)
    return widget


def button(text: str, name: str, kind: str = "", *, height: int = 72) -> QPushButton:
    widget = QPushButton(text)
    widget.setObjectName(name)
    if kind:
        widget.setProperty("kind", kind)
    widget.setMinimumHeight(height)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return widget


def wrapped_button(text: str, name: str, kind: str = "", *, height: int = 72) -> QPushButton:
    """A big button whose text wraps onto two lines (long letter titles) instead of being cut off."""
    widget = button("", name, kind, height=height)
    widget.setMinimumWidth(0)
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    widget.setFixedHeight(height)
    inner = QLabel(text, widget)
    inner.setObjectName(f"{name}_text")
    inner.setProperty("role", "buttonText")
    inner.setWordWrap(True)
    inner.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(18, 4, 12, 4)
    layout.addWidget(inner)
    widget.setAccessibleName(text)
    return widget


def letter_title(title: str) -> str:
    """``SURAT KETERANGAN DOMISILI`` -> ``Surat Keterangan Domisili`` (acronyms stay capitals)."""
    words = []
    for index, word in enumerate(title.split()):
        if word.upper() in ACRONYMS:
            words.append(word.upper())
        elif index and word.upper() in SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(words)


class TouchLineEdit(QLineEdit):
    """A line edit that tells the screen when it is touched, so the right keypad appears."""

    touched = Signal(object)

    def __init__(self, kind: str = "text", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kioskKind", kind)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # no cut/paste menu on a kiosk

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.touched.emit(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self.touched.emit(self)


class TouchTextEdit(QPlainTextEdit):
    """A multi-line text box that tells the screen when it is touched."""

    touched = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kioskKind", "longtext")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.touched.emit(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self.touched.emit(self)


def error_text(error: BaseException) -> str:
    """A calm sentence for the resident; details of the unexpected go to the log (ui.msgbox)."""
    from kiosk.errors import ValidationError
    from ui.msgbox import error_text as staff_error_text

    if isinstance(error, ValidationError) and error.fields:
        return "\n".join(error.field_messages().values())
    text = staff_error_text(error)
    return text or _("Something went wrong. Please ask the staff for help.")


def clear_layout_widgets(widget: QWidget) -> None:
    """Delete every child widget now (not later): nothing of the previous resident stays behind."""
    for child in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
        child.setParent(None)
        child.deleteLater()


def any_of(*values: Any) -> Any:
    return next((v for v in values if v), None)
