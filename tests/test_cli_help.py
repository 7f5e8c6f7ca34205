"""``smart-kampung --help`` and argparse's own errors entirely in Indonesian (a real process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("usage:", "options:", "positional arguments", "show this help message", "error:",
           "unrecognized arguments", "invalid choice", "the following arguments are required")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMART_KAMPUNG_DATA_DIR": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=120)


def test_help_is_indonesian(tmp_path: Path) -> None:
    out = _run("--help", tmp_path=tmp_path)
    assert out.returncode == 0
    assert out.stdout.startswith("cara pakai: smart-kampung")
    assert "pilihan:" in out.stdout and "tampilkan bantuan ini lalu keluar" in out.stdout
    assert not [w for w in ENGLISH if w in out.stdout], out.stdout


def test_argparse_errors_are_indonesian(tmp_path: Path) -> None:
    out = _run("--lang", "xx", tmp_path=tmp_path)
    assert out.returncode == 2
    assert "galat:" in out.stderr and "pilihan tidak sah" in out.stderr
    assert not [w for w in ENGLISH if w in out.stderr], out.stderr
    out = _run("info", "--no-such-option", tmp_path=tmp_path)
    assert out.returncode == 2 and "argumen tidak dikenal: --no-such-option" in out.stderr, out.stderr
