"""The background runner: results and errors come back on the GUI thread; writes are serialised."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QThread

from kiosk.errors import NotFound
from ui.runner import Runner


def test_result_arrives_on_gui_thread(qtbot: Any) -> None:
    runner = Runner()
    got: dict[str, Any] = {}
    gui = QThread.currentThread()

    def work() -> int:
        got["worker_thread"] = threading.current_thread().name
        return 42

    def done(result: int) -> None:
        got["result"] = result
        got["on_gui"] = QThread.currentThread() is gui

    runner.run(work, done)
    qtbot.waitUntil(lambda: "result" in got, timeout=5000)
    assert got["result"] == 42 and got["on_gui"]
    assert got["worker_thread"] != threading.main_thread().name


def test_error_arrives_on_gui_thread(qtbot: Any) -> None:
    runner = Runner()
    errors: list[BaseException] = []
    runner.run(lambda: (_ for _ in ()).throw(NotFound()), lambda r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], NotFound)


def test_writes_are_serialised(qtbot: Any) -> None:
    runner = Runner()
    active = {"now": 0, "max": 0}
    lock = threading.Lock()
    done: list[int] = []

    def work(i: int) -> int:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.01)
        with lock:
            active["now"] -= 1
        return i

    for i in range(6):
        runner.write(lambda i=i: work(i), done.append)
    qtbot.waitUntil(lambda: len(done) == 6, timeout=5000)
    assert active["max"] == 1
    assert done == list(range(6))  # in order


def test_synchronous_mode_runs_inline() -> None:
    runner = Runner(synchronous=True)
    out: list[int] = []
    runner.run(lambda: 7, out.append)
    assert out == [7]
