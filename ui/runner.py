"""Background work for the screens: run slow calls off the GUI thread, get the answer back on it.

Writes are serialised on one worker thread (SQLite has one writer); reads run on a small pool.
``Runner(synchronous=True)`` runs everything inline, for tests. Never touch a widget from ``fn``.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a result from a worker thread to the GUI thread (queued signal)."""

    finished = Signal(object, object, object)  # callback, result, error


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None, relay: _Relay) -> None:
        super().__init__()
        self.fn, self.on_done, self.on_error, self.relay = fn, on_done, on_error, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as e:  # handed to the GUI thread, never lost
            e.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.relay.finished.emit(self.on_error, None, e)
            return
        self.relay.finished.emit(self.on_done, result, None)


class Runner(QObject):
    """Runs ``fn`` in the background and calls ``on_done(result)`` or ``on_error(exc)`` on the GUI thread."""

    busy_changed = Signal(int)
    # what a write committed (kiosk.changes.OpChanges), before its on_done: AppContext tells every screen
    changes_committed = Signal(object)

    def __init__(self, *, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)  # one writer: the database is serialised anyway
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver)
        self._pending = 0
        self.default_error_handler: Callable[[BaseException], None] | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *, write: bool = False) -> None:
        self._pending += 1
        self.busy_changed.emit(self._pending)
        if self.synchronous:
            try:
                result = fn()
            except BaseException as e:
                self._deliver(on_error, None, e)
                return
            self._deliver(on_done, result, None)
            return
        (self._writes if write else self._reads).start(_Job(fn, on_done, on_error, self._relay))

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run a service write; what it changed (entities and ids, from the gateway) is broadcast on
        ``changes_committed`` before ``on_done``, so screens need not announce it themselves."""
        from kiosk.changes import collect_changes

        def job() -> tuple[Any, Any]:
            with collect_changes() as changes:
                result = fn()
            return result, changes.result()

        def done(answer: tuple[Any, Any]) -> None:
            result, changes = answer
            if changes:  # first: screens refresh, then on_done may select or open what was written
                self.changes_committed.emit(changes)
            if on_done is not None:
                on_done(result)

        self.run(job, done, on_error, write=True)

    @Slot(object, object, object)
    def _deliver(self, callback: Callable[..., None] | None, result: Any, error: BaseException | None) -> None:
        self._pending -= 1
        self.busy_changed.emit(self._pending)
        if error is not None:
            handler = callback or self.default_error_handler
            if handler is None:
                log.error("background job failed: %s", getattr(error, "__traceback_text__", error))
                return
            handler(error)
            return
        if callback is not None:
            callback(result)

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for all jobs (tests, shutdown)."""
        return self._reads.waitForDone(msecs) and self._writes.waitForDone(msecs)
