"""``kiosk.durable``: a file appears whole or not at all, fsynced with its folder (not on Windows)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kiosk import durable


def _spy(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    opened: list[str] = []
    synced: list[int] = []
    real_open, real_fsync = os.open, os.fsync

    def spy_open(path: Any, flags: int, *args: Any) -> int:
        fd = real_open(path, flags, *args)
        opened.append(str(path))
        return fd

    def spy_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(durable.os, "open", spy_open)
    monkeypatch.setattr(durable.os, "fsync", spy_fsync)
    return opened, synced


def test_write_replaces_whole_and_fsyncs_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "surat.pdf"
    durable.write_bytes(target, b"old")
    opened, synced = _spy(monkeypatch)
    durable.write_bytes(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert opened == [str(target.parent)]  # the folder, for its fsync
    assert len(synced) == 2  # the file's data, then the folder's entry
    assert [p.name for p in target.parent.iterdir()] == ["surat.pdf"]  # no temporary file left


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "register.xlsx"
    durable.write_text(target, "lama")
    with pytest.raises(OSError, match="disk full"), durable.atomic_file(target) as f:
        f.write(b"half of it")
        raise OSError("disk full")
    assert target.read_text(encoding="utf-8") == "lama"
    assert [p.name for p in target.parent.iterdir()] == ["register.xlsx"]


def test_windows_skips_the_folder_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sync"
    folder.mkdir()
    target, tmp = folder / "watermark.json", folder / ".watermark.json.tmp"
    tmp.write_text("{}", encoding="utf-8")
    opened, synced = _spy(monkeypatch)
    with monkeypatch.context() as windows:
        windows.setattr(os, "name", "nt")  # what durable sees on a village PC
        durable.replace(tmp, target)
        durable.fsync_dir(folder)
    assert os.name != "nt"
    assert target.read_text(encoding="utf-8") == "{}" and not tmp.exists()
    assert opened == [] and synced == []  # no folder opened or fsynced: Windows cannot
    durable.fsync_dir(folder)  # and off Windows it is
    assert opened == [str(folder)] and len(synced) == 1


def test_fsync_file_opens_for_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses fsync on a read-only handle: the file is opened read-write."""
    path = tmp_path / "backup.zip"
    path.write_bytes(b"zip")
    flags_seen: list[int] = []
    real_open = os.open

    def spy(p: Any, flags: int, *args: Any) -> int:
        flags_seen.append(flags)
        return real_open(p, flags, *args)

    monkeypatch.setattr(durable.os, "open", spy)
    durable.fsync_file(path)
    assert flags_seen and flags_seen[0] & os.O_RDWR
