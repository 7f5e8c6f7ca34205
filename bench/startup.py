"""`python -m bench startup`: process start → usable main window, beside a bare PySide6 window.

Each sample is a fresh process (warm disk cache: one untimed run first). The program is timed with
``--quit-after-start``: it opens the demo village's data directory, signs in the first admin without
the password dialog (the Argon2 check is a deliberate ~50 ms cost of signing in, not of start-up),
shows the main window with the home screen, processes pending events, and exits. Wall-clock time
of the whole process is measured from outside, so interpreter start and imports count.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 1.0
BARE = (
    "import sys, time\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow, QLabel\n"
    "app = QApplication(sys.argv)\n"
    "w = QMainWindow(); w.setCentralWidget(QLabel('hello')); w.show(); app.processEvents()\n"
    "print(f'ready 0 at {time.time():.6f}', flush=True)\n"
)


def _time(cmd: list[str], env: dict[str, str]) -> float:
    """From just before the process is started to the moment it reports its window usable (teardown
    is not counted: the user is already working by then)."""
    start = time.time()
    done = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("ready "))
    return float(line.rsplit(" at ", 1)[1]) - start


def main(argv: list[str] | None = None) -> int:
    runs = int((argv or [""])[0] or 7) if argv else 7
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run([sys.executable, "main.py", "demo-data", "--data-dir", str(data), "--residents", "2000"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        program = [sys.executable, "main.py", "--data-dir", str(data), "--quit-after-start"]
        bare = [sys.executable, "-c", BARE]
        _time(program, env)  # warm the disk cache
        _time(bare, env)
        prog_times, bare_times = [], []
        for _ in range(runs):
            prog_times.append(_time(program, env))
            bare_times.append(_time(bare, env))
    prog, base = statistics.median(prog_times), statistics.median(bare_times)
    print(f"start-up to usable main window ({runs} runs, median)")
    print(f"  smart-kampung main window : {prog * 1000:7.0f} ms   budget {BUDGET_S * 1000:.0f} ms   "
          f"{'OK' if prog < BUDGET_S else 'OVER BUDGET'}")
    print(f"  bare PySide6 window       : {base * 1000:7.0f} ms   (baseline, same run)")
    print(f"  min/max program           : {min(prog_times) * 1000:.0f} / {max(prog_times) * 1000:.0f} ms")
    return 0 if prog < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
