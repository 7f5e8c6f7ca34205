"""Durable file writes in one place: a file appears whole or not at all, and survives a power cut.

``atomic_file`` / ``write_bytes`` / ``write_text`` write beside the target under a temporary name,
flush and fsync it, rename it over the target (``os.replace``: atomic on NTFS and POSIX) and fsync the
folder so the rename itself is on disk. On Windows a folder cannot be opened for fsync; NTFS journals
the rename, so that step is skipped there. A failed write leaves the old file (if any) and no
temporary file behind. Used by the letter archive, the register and resident exports, backups and the
sync watermark.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _windows() -> bool:
    return os.name == "nt"


def fsync_file(path: Path) -> None:
    """Push a closed file's data to the disk (opened for writing: Windows refuses fsync otherwise)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in ``path`` durable. Skipped on Windows (folders cannot be opened;
    NTFS journals the rename) and where the platform refuses."""
    if _windows():
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename a finished (already fsynced) ``tmp`` over ``target`` and make the rename durable."""
    os.replace(tmp, target)
    fsync_dir(os.path.dirname(os.path.abspath(target)))


def temp_path(path: Path) -> Path:
    """A temporary name beside ``path`` (same folder, so the rename stays on one file system)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """Write ``path`` through the yielded binary file; it replaces ``path`` only when the block ends
    without an error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "xb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves nothing half-written behind
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_file(path) as f:
        f.write(data)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes(path, text.encode(encoding))
