"""Windows sized from the screen they open on (a 1366×768 office laptop is the common case)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# Room for a title bar and a desktop panel the available geometry may not report (e.g. before the
# window manager has placed the window).
FRAME_ALLOWANCE = 72


def available_area(widget: QWidget | None = None) -> QRect:
    screen = (widget.screen() if widget is not None else None) or QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(0, 0, 1366, 768)
    return screen.availableGeometry()


def _fit(widget: QWidget, width: int, height: int) -> None:
    area = available_area(widget)
    w = min(width, area.width() - 16)
    h = min(height, area.height() - FRAME_ALLOWANCE)
    widget.resize(max(200, w), max(200, h))
    widget.move(area.x() + (area.width() - widget.width()) // 2,
                area.y() + max(0, (area.height() - FRAME_ALLOWANCE - widget.height()) // 2))


class _FitOnShow(QObject):
    def __init__(self, widget: QWidget, width: int, height: int) -> None:
        super().__init__(widget)
        self.size = (width, height)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget):
            obj.removeEventFilter(self)
            _fit(obj, *self.size)  # the screen it is shown on, now known
        return False


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Size ``widget`` ``width``×``height``, or less so that it and its frame fit the screen it opens
    on, centred there (now, and again when it is first shown)."""
    _fit(widget, width, height)
    widget.installEventFilter(_FitOnShow(widget, width, height))
