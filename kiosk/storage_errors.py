"""One place that turns "the disk is full" (and its cousins) into a clear ``StorageError``.

SQLite reports a full disk as ``sqlite3.OperationalError("database or disk is full")`` (wrapped by
SQLAlchemy as ``sqlalchemy.exc.OperationalError``); writing a file reports ``OSError(ENOSPC)``. A
user should see neither: wrap the work that writes in ``storage_errors()``::

    from kiosk.storage_errors import storage_errors

    with storage_errors():
        with self.store.write() as s:
            ...

or decorate a service method with ``@guard_storage``. The transaction has already rolled back when
the error arrives here (``Store.write()`` rolls back on any exception), so the message can honestly say
that nothing was changed. Other errors pass through untouched.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from kiosk.errors import StorageError
from kiosk.i18n import N_

F = TypeVar("F", bound=Callable[..., Any])

_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


class DiskFull(StorageError):
    code = "disk_full"
    template = N_("The disk is full: the data could not be saved and nothing was changed. "
                  "Free some space (or choose another folder) and try again.")


class StorageReadOnly(StorageError):
    code = "read_only"
    template = N_("The data folder cannot be written to (read-only or no permission): nothing was changed.")


class StorageIOError(StorageError):
    code = "io_error"
    template = N_("The disk reported a read/write error: nothing was changed. Check the disk or the USB drive.")


class DatabaseDamaged(StorageError):
    code = "database_damaged"
    template = N_("The database file is damaged. Restore the newest good backup (Settings → Backups).")


def _sqlite_error(error: BaseException) -> BaseException | None:
    """The DB-API error inside a SQLAlchemy error (or the error itself)."""
    orig = getattr(error, "orig", None)
    if isinstance(orig, sqlite3.Error):
        return orig
    if isinstance(error, sqlite3.Error):
        return error
    return None


def classify(error: BaseException) -> StorageError | None:
    """The ``StorageError`` that explains ``error``, or None when it is not a storage failure."""
    if isinstance(error, StorageError):
        return error
    db_error = _sqlite_error(error)
    if db_error is not None:
        code = getattr(db_error, "sqlite_errorcode", None)
        text = str(db_error).lower()
        if code == sqlite3.SQLITE_FULL or "disk is full" in text:
            return DiskFull()
        if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
            return StorageReadOnly()
        if (code is not None and code & 0xFF == sqlite3.SQLITE_IOERR) or "disk i/o error" in text:
            return StorageIOError()
        if code == sqlite3.SQLITE_CORRUPT or "malformed" in text or "file is not a database" in text:
            return DatabaseDamaged()
        return None
    if isinstance(error, OSError):
        if error.errno in _DISK_FULL_ERRNOS:
            return DiskFull()
        if error.errno in _READ_ONLY_ERRNOS:
            return StorageReadOnly()
        if error.errno == errno.EIO:
            return StorageIOError()
    return None


def is_disk_full(error: BaseException) -> bool:
    return isinstance(classify(error), DiskFull)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise a disk-full / read-only / I/O / damaged-database failure as a ``StorageError``."""
    try:
        yield
    except StorageError:
        raise
    except (sqlite3.Error, OSError) as e:
        mapped = classify(e)
        if mapped is None:
            raise
        raise mapped from e
    except Exception as e:  # SQLAlchemy's wrappers (imported lazily: this module stays cheap)
        if _sqlite_error(e) is None:
            raise
        mapped = classify(e)
        if mapped is None:
            raise
        raise mapped from e


def guard_storage(fn: F) -> F:
    """Decorator form of ``storage_errors()``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with storage_errors():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opening_errors(folder: Any) -> Iterator[None]:
    """``storage_errors`` for opening a data directory: SQLite reports a full disk there as a bare
    ``disk I/O error`` (it cannot create the WAL index), so with (almost) no free space left that
    error is told as ``DiskFull``."""
    import shutil

    try:
        with storage_errors():
            yield
    except StorageIOError as exc:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            free = None
        if free is not None and free < 1 << 20:
            raise DiskFull() from exc.__cause__
        raise


__all__ = ["DatabaseDamaged", "DiskFull", "StorageIOError", "StorageReadOnly", "classify", "guard_storage",
           "is_disk_full", "opening_errors", "storage_errors"]

