"""A full disk and the sync commands (issue 19.9): at start ``sync --once`` and ``sync status`` give the
clear storage message, never a traceback; after a pull that failed for lack of space the status never
says "Tersinkron". A real tiny filesystem (tmpfs, when run as root) and a real district server."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cli
from kiosk.services import sync_state as st
from tests.sync.conftest import DistrictServer, run_client


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a tiny filesystem needs root to mount a tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "pengisi.bin", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 16, 4096, 512, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError:
                    break
    finally:
        os.close(fd)


@pytest.mark.slow
def test_disk_full_at_start(tiny_disk: Path, server: DistrictServer, offices: Any) -> None:
    from tests.sync.conftest import make_office

    offices("unused")  # this test's own village on the shared server
    office = make_office(tiny_disk / "office", server.village)
    from tests.helpers import ENROLLING_ADMIN

    office.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN)
    office.add_resident("Warga Satu")
    assert office.sync().ok
    office.close()
    _fill(tiny_disk)
    for args in (("sync", "--once"), ("sync", "status")):
        done = run_client(office.data_dir, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "disk I/O error" not in done.stderr, done.stderr
        assert "Disk penuh" in done.stderr, done.stderr
        assert "Tersinkron" not in done.stdout
    (tiny_disk / "pengisi.bin").unlink()  # space again: the same office syncs as before
    done = run_client(office.data_dir, "sync", "status")
    assert done.returncode == 0 and "Tersinkron" in done.stdout, done.stdout + done.stderr


def _disk_full(*_a: Any, **_k: Any) -> Any:
    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.slow
def test_status_is_not_synced_after_a_pull_failed_for_space(server: DistrictServer, offices: Any,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    a = offices("a", server=server)
    b = offices("b", server=server)
    for i in range(5):
        a.add_resident(f"Warga {i}")
    assert a.sync().ok
    assert b.sync().ok  # b has been in sync once
    a.add_resident("Warga Baru")
    assert a.sync().ok
    monkeypatch.setattr(st, "apply_pulled", _disk_full)  # the pull's write fails for lack of space
    report = b.sync()
    assert report.outcome == "storage" and not report.ok
    assert "Disk penuh" in (report.error or "")
    status = b.services.sync.status()
    assert status.state != "synced" and status.label() != "Tersinkron", status
    assert "Disk penuh" in (status.last_error or "")
    # the command line says so too, and fails
    rc = cli.run(["sync", "--once", "--data-dir", str(b.data_dir)])
    out = capsys.readouterr()
    assert rc == 1 and "Tersinkron" not in out.out and "Disk penuh" in out.out + out.err
    rc = cli.run(["sync", "status", "--data-dir", str(b.data_dir)])
    out = capsys.readouterr()
    assert "Tersinkron" not in out.out and "gagal" in out.out.lower()
    monkeypatch.undo()
    assert b.sync().ok
    assert b.services.sync.status().state == "synced"
