"""The always-visible sync status in the main window's status bar, fed by the background sync worker.

``attach(window)`` starts a ``sync.worker.SyncWorker`` on its own thread; the worker's status reaches
the GUI thread through a queued Qt signal (the GUI never waits on the network).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.i18n import _

log = logging.getLogger(__name__)


class _Bridge(QObject):
    status = Signal(object, object)  # SyncStatus, CycleReport | None (emitted from the worker thread)


def render(label: Any, status: Any) -> None:
    text = status.label()
    if status.last_success:
        text += "  ·  " + _("last sync {time}").format(
            time=status.last_success.replace(tzinfo=__import__("datetime").UTC).astimezone().strftime("%H:%M"))
    label.setText(text)
    tip = [status.detail()] if status.detail() else []
    if status.last_error:
        tip.append(status.last_error)
    label.setToolTip("\n".join(tip))
    label.setProperty("syncState", status.state)


WORKER_START_DELAY_MS = 1500  # after the window is usable


def attach(window: Any, *, start: bool = True) -> Any:
    """Show the sync state in ``window.sync_label`` and run the worker (a no-op when not enrolled).

    With ``start`` the worker (and the HTTP stack it imports) is created a moment after the window is
    shown, so start-up is not slowed by it; otherwise it is created, not started, and returned.
    """
    ctx = window.ctx
    bridge = _Bridge(window)

    def on_gui(status: Any, report: Any) -> None:
        render(window.sync_label, status)
        ctx.signals.sync_status.emit(status)
        if report is not None and (report.applied or report.acked):
            ctx.changed("*")

    bridge.status.connect(on_gui, Qt.ConnectionType.QueuedConnection)
    window._sync_bridge = bridge
    # The first status is read in the background too: the window never waits for it.
    ctx.runner.run(ctx.services.sync.status, lambda status: render(window.sync_label, status),
                   lambda e: log.warning("sync status: %s", e))

    def make() -> Any:
        from sync.worker import SyncWorker

        worker = SyncWorker(ctx.services.store, on_status=lambda s, r: bridge.status.emit(s, r))
        window.sync_worker = worker
        return worker

    if not start:
        return make()

    def launch() -> None:
        worker = make()
        worker.start()
        window.destroyed.connect(lambda *_: worker.stop(timeout=2))

    from PySide6.QtCore import QTimer

    QTimer.singleShot(WORKER_START_DELAY_MS, window, launch)
    return None
