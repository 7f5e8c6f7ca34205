"""Idle guard of the kiosk: after the idle time a "Masih di sana?" countdown, then the session ends.

Input anywhere in the program (touch, mouse, keys) restarts the idle timer; the countdown overlay's
own button keeps the session. When the countdown runs out ``expired`` fires and the window wipes
everything the resident typed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.i18n import _

COUNTDOWN_SECONDS = 15
_INPUT_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
}


class IdleGuard(QObject):
    """Emits ``warn`` after ``idle_ms`` without input, then ``tick(seconds_left)`` each second and
    ``expired`` after ``countdown_ms``; ``still_here()`` (or any input before the warning) resets."""

    warn = Signal()
    tick = Signal(int)
    expired = Signal()

    def __init__(self, idle_ms: int, countdown_ms: int = COUNTDOWN_SECONDS * 1000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.countdown_ms = max(1, countdown_ms)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(max(1, idle_ms))
        self.idle_timer.timeout.connect(self._warn)
        self.countdown = QTimer(self)
        self.countdown.setSingleShot(True)
        self.countdown.setInterval(self.countdown_ms)
        self.countdown.timeout.connect(self._expire)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)

    @property
    def active(self) -> bool:
        return self.idle_timer.isActive() or self.countdown.isActive()

    @property
    def warning(self) -> bool:
        return self.countdown.isActive()

    def start(self) -> None:
        self.countdown.stop()
        self.ticker.stop()
        self.idle_timer.start()

    def stop(self) -> None:
        self.idle_timer.stop()
        self.countdown.stop()
        self.ticker.stop()

    def still_here(self) -> None:
        self.start()

    def seconds_left(self) -> int:
        return max(0, -(-self.countdown.remainingTime() // 1000)) if self.countdown.isActive() else 0

    def _warn(self) -> None:
        self.countdown.start()
        self.ticker.start()
        self.warn.emit()
        self.tick.emit(self.countdown_ms // 1000)

    def _tick(self) -> None:
        self.tick.emit(self.seconds_left())

    def _expire(self) -> None:
        self.stop()
        self.expired.emit()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # During the countdown only the overlay's button keeps the session (a stray touch elsewhere
        # does too: any input means someone is there).
        if event.type() in _INPUT_EVENTS and self.active and event.type() != QEvent.Type.MouseMove:
            self.start()
        return False


class CountdownOverlay(QWidget):
    """A dimmed layer over the whole window: "Masih di sana?", seconds left, a big "Yes" button."""

    still_here = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IdleOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        panel = QWidget(self)
        panel.setObjectName("IdlePanel")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        panel.setFixedWidth(720)
        column = QVBoxLayout(panel)
        column.setContentsMargins(48, 40, 48, 40)
        column.setSpacing(24)
        self.title = QLabel(_("Are you still there?"))
        self.title.setProperty("role", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel("")
        self.text.setProperty("role", "subtitle")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton(_("Yes, I am still here"))
        self.button.setObjectName("still_here")
        self.button.setProperty("kind", "primary")
        self.button.clicked.connect(self.still_here.emit)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addWidget(self.button)
        outer.addWidget(panel)
        self.hide()

    def set_seconds(self, seconds: int) -> None:
        self.text.setText(_("To protect your data, the screen goes back to the start in {n} seconds.")
                          .format(n=seconds))

    def popup(self, seconds: int) -> None:
        self.set_seconds(seconds)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()
