"""The background sync worker: a thread (never the GUI thread) that runs sync cycles.

A cycle runs on a timer (``sync.interval_seconds``), soon after each local commit that wrote outbox rows
(``kiosk.changes.on_outbox_commit``), on request ("sync now"), and when the connection returns (while
offline, a cheap ping every few seconds tells; the push itself waits for its backoff). ``on_status`` is
called on the worker thread with the fresh ``SyncStatus`` and the cycle's report: the GUI hands it to
itself through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kiosk import settings
from kiosk.db import Store
from kiosk.services import sync_state as st
from sync.client import CycleReport, SyncClient

log = logging.getLogger(__name__)

COMMIT_DEBOUNCE_SECONDS = 2.0
OFFLINE_PROBE_SECONDS = 15.0


class SyncWorker:
    def __init__(self, store: Store, *, on_status: Callable[[st.SyncStatus, CycleReport | None], None] | None = None,
                 client: SyncClient | None = None, interval: float | None = None) -> None:
        self.store = store
        self.client = client or SyncClient(store)
        self.on_status = on_status
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._force = False
        self._thread: threading.Thread | None = None
        self.last_report: CycleReport | None = None

    def start(self) -> None:
        from kiosk.changes import on_outbox_commit

        if self._thread is not None:
            return
        on_outbox_commit(self.trigger)
        self._thread = threading.Thread(target=self._loop, name="sync-worker", daemon=True)
        self._thread.start()

    def trigger(self, force: bool = False) -> None:
        """Run a cycle soon (thread-safe; called after local commits and by "sync now")."""
        self._force = self._force or force
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        from kiosk.changes import commit_listeners

        commit_listeners.remove(self.trigger)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _interval(self) -> float:
        if self.interval is not None:
            return self.interval
        try:
            with self.store.read() as s:
                return float(settings.get(s, settings.SYNC_INTERVAL_SECONDS))
        except Exception:
            return float(settings.SYNC_INTERVAL_SECONDS.default)

    def run_once(self, force: bool = False) -> CycleReport:
        report = self.client.run_cycle(force=force)
        self.last_report = report
        self._publish(report)
        return report

    def _publish(self, report: CycleReport | None) -> None:
        if self.on_status is None:
            return
        try:
            with self.store.read() as s:
                status = st.status(s)
            self.on_status(status, report)
        except Exception:
            log.exception("sync status could not be published")

    def _loop(self) -> None:
        self._publish(None)
        while not self._stop.is_set():
            force, self._force = self._force, False
            try:
                report = self.run_once(force=force)
            except Exception:
                log.exception("sync cycle failed")
                report = CycleReport(outcome="error")
            wait = self._interval()
            if report.outcome == "offline":
                wait = min(wait, OFFLINE_PROBE_SECONDS)
            self._wake.wait(wait)
            if self._wake.is_set() and not self._stop.is_set():
                self._wake.clear()
                # several commits in a row make one cycle
                self._stop.wait(COMMIT_DEBOUNCE_SECONDS if not self._force else 0)
            self._wake.clear()

    def __enter__(self) -> SyncWorker:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
