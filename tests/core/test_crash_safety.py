"""Full disk and crashes: saving a resident, issuing a letter, importing and backing up.

- Full disk, two ways: a real tiny filesystem (a 3 MB tmpfs, mounted when the tests run as root —
  skipped with the reason otherwise) filled to the last byte, and SQLite's own limit
  (``PRAGMA max_page_count``), which fails writes with the very error a full disk gives
  ("database or disk is full") on any machine. Each failing action must leave nothing half-written
  (same row counts, audit chain intact, every outbox row with its audit entry, no stray PDF) and map to
  a clear ``StorageError`` (``kiosk.storage_errors``).
- kill -9: a subprocess loops over one action; it is killed at a random moment, several times; every
  next start finds a consistent database.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

import forms
from kiosk.actor import Actor
from kiosk.changes import record_change, verify_audit_chain
from kiosk.db import Store
from kiosk.errors import StorageError
from kiosk.models import AuditEntry, Letter, OutboxChange, Resident
from kiosk.services import Services
from kiosk.services.demo import create_demo_village, generate_village
from kiosk.storage_errors import DiskFull, classify, storage_errors
from tests.helpers import admin_actor, make_services, make_user

ROOT = Path(__file__).resolve().parents[2]
WIB = dt.timezone(dt.timedelta(hours=7))


# --- consistency ------------------------------------------------------------------------------------


def consistency(data_dir: Path) -> dict[str, int]:
    """What the next start must find; returns the row counts."""
    database = data_dir / "smart-kampung.sqlite3"
    con = sqlite3.connect(database)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        con.execute("INSERT INTO resident_fts(resident_fts, rank) VALUES ('integrity-check', 1)")
        orphans = con.execute(
            "SELECT COUNT(*) FROM outbox_change o WHERE NOT EXISTS (SELECT 1 FROM audit_entry a "
            "WHERE a.entity = o.entity AND a.entity_id = o.entity_id)").fetchone()[0]
        # the importer audits a whole batch in one entry that counts its changes
        import json

        batch_changes = sum(
            sum(int(d.get(k, 0)) for k in ("created", "updated", "families_created"))
            for d in (json.loads(r[0]) for r in con.execute(
                "SELECT details FROM audit_entry WHERE action = 'resident.import'")))
        assert orphans <= batch_changes, f"{orphans} outbox rows without their audit entry"
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                  for t in ("resident", "family", "audit_entry", "outbox_change", "letter", "letter_number")}
        letters = con.execute("SELECT pdf_path, pdf_hash FROM letter").fetchall()
    finally:
        con.close()
    import hashlib

    for pdf_path, pdf_hash in letters:  # every issued letter has its archived PDF, byte for byte
        assert pdf_path, "letter without PDF"
        assert hashlib.sha256((data_dir / pdf_path).read_bytes()).hexdigest() == pdf_hash
    store = Store(__import__("kiosk.paths", fromlist=["DataPaths"]).DataPaths.resolve(data_dir))
    try:
        with store.read() as s:
            result = verify_audit_chain(s)
            assert result.ok, result
    finally:
        store.close()
    return counts


def stray_pdfs(data_dir: Path) -> set[str]:
    con = sqlite3.connect(data_dir / "smart-kampung.sqlite3")
    try:
        known = {r[0] for r in con.execute("SELECT pdf_path FROM letter")}
    finally:
        con.close()
    archive = data_dir / "archive"
    return {p.relative_to(data_dir).as_posix() for p in archive.rglob("*")
            if p.is_file() and not p.name.startswith(".")} - known


def temp_files(data_dir: Path) -> list[str]:
    return [p.name for p in (data_dir / "archive").rglob(".*") if p.is_file()]


# --- the actions -----------------------------------------------------------------------------------


def _resident_data(i: int) -> dict[str, Any]:
    return {"name": f"Warga Uji {i}", "sex": 1 + i % 2, "birth_place": "Banyuwangi",
            "birth_date": dt.date(1960, 1, 1) + dt.timedelta(days=i % 15000), "address": "Dusun Krajan", "rt": "001",
            "rw": "002", "dusun": "Krajan"}


def save_resident(services: Services, i: int) -> None:
    residents = getattr(services, "residents", None)
    if residents is not None:
        residents.register(admin_actor_cached(services), _resident_data(i))
        return
    with services.store.write() as s:  # fallback: the change helper on a Resident row
        r = Resident(name=f"Warga Uji {i}", name_search=f"warga uji {i}")
        s.add(r)
        s.flush()
        record_change(s, Actor.system("test"), entity="resident", entity_id=r.id, op="create",
                      payload={"name": r.name})


_ACTORS: dict[int, dict[str, Actor]] = {}


def admin_actor_cached(services: Services) -> Actor:
    cache = _ACTORS.setdefault(id(services), {})
    if "admin" not in cache:
        cache["admin"] = admin_actor(services)
    return cache["admin"]


def issue_letter(services: Services, i: int) -> None:
    cache = _ACTORS.setdefault(id(services), {})
    if "kades" not in cache:
        cache["kades"] = services.users.authenticate("kades1", "kata-sandi-1")
    with services.store.read() as s:
        rid = s.execute(select(Resident.id).order_by(Resident.id).limit(1)).scalar_one()
    lt = services.letters.letter_type("domisili")
    services.letters.issue_direct(cache["kades"], resident_id=rid, letter_type="domisili",
                                  values=forms.sample_values(lt, dt.date(2026, 11, 27)))


def import_workbook(services: Services, path: Path) -> None:
    services.residents.import_residents(admin_actor_cached(services), path)


def make_workbook(path: Path, n: int, seed: int) -> Path:
    from kiosk.importer import write_workbook
    from kiosk.services.residents_import import resident_to_values

    _families, people = generate_village(n, seed, today=dt.date(2025, 1, 1))
    write_workbook(path, [resident_to_values(p) for p in people])
    return path


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Services]:
    services = make_services(tmp_path / "office")
    create_demo_village(services, residents=40)
    make_user(services, "kades1", "supervisor")
    services.letters.clock = lambda: dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)  # type: ignore[method-assign]
    yield services
    services.store.close()


# --- full disk: SQLite's page limit (any machine) --------------------------------------------------


def _limit_pages(services: Services, extra_pages: int = 0) -> None:
    """Every new connection of the store may not grow the file: "database or disk is full"."""
    engine = services.store.engine

    def on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    event.listen(engine, "connect", on_connect)
    engine.dispose()


def _counts(services: Services) -> tuple[int, ...]:
    with services.store.read() as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Resident, AuditEntry, OutboxChange, Letter))


ACTIONS: dict[str, Callable[[Services, Path], None]] = {
    "save_resident": lambda services, tmp: save_resident(services, 1),
    "issue_letter": lambda services, tmp: issue_letter(services, 1),
    "import": lambda services, tmp: import_workbook(services, make_workbook(tmp / "impor.xlsx", 400, 11)),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_database_full_gives_a_clear_message_and_writes_nothing(office: Services, tmp_path: Path,
                                                               action: str) -> None:
    # fill the WAL's room first: a checkpoint so the file is the whole database
    with office.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _signed_in(office)
    _limit_pages(office)
    # keep going until the database is full; the failing call must leave nothing behind
    failure: BaseException | None = None
    for i in range(2000):
        before = _counts(office)
        try:
            if action == "save_resident":
                save_resident(office, 1000 + i)
            elif action == "issue_letter":
                issue_letter(office, i)
            else:
                import_workbook(office, make_workbook(tmp_path / f"impor{i}.xlsx", 400, 11 + i))
        except Exception as e:
            failure = e
            break
    assert failure is not None, "the database never filled up"
    assert isinstance(classify(failure), DiskFull), repr(failure)
    with pytest.raises(DiskFull) as clear, storage_errors():
        ACTIONS[action](office, tmp_path)
    assert "Disk penuh" in clear.value.user_message() and "tidak ada yang berubah" in clear.value.user_message()
    if action == "import":  # the importer commits whole batches of families: none may be half-written
        assert _counts(office)[3] == before[3]
    else:
        assert _counts(office) == before
    assert not stray_pdfs(office.store.paths.root)
    office.store.close()
    consistency(office.store.paths.root)


def test_backup_to_a_full_database_limit_is_refused_cleanly(office: Services) -> None:
    def full(*_a: Any, **_k: Any) -> None:
        raise OSError(28, "No space left on device")

    import kiosk.services.backup as backup_module

    original = backup_module.BackupService._copy_database
    backup_module.BackupService._copy_database = full  # type: ignore[method-assign, assignment]
    try:
        with pytest.raises(DiskFull):
            office.backup.create(None)
    finally:
        backup_module.BackupService._copy_database = original  # type: ignore[method-assign]
    assert not list(office.store.paths.backups.iterdir())


# --- full disk: a real tiny filesystem --------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a tiny filesystem needs root to mount a tmpfs; the page-limit tests cover the same errors")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill_disk(folder: Path) -> Path:
    """Write a file until the filesystem has no byte left."""
    filler = folder / "pengisi.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 16, 4096, 512, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError:
                    break
        os.fsync(fd)
    finally:
        os.close(fd)
    return filler


def _signed_in(services: Services) -> None:
    """Sign the test users in before the disk fills (signing in writes its own audit line)."""
    admin_actor_cached(services)
    cache = _ACTORS.setdefault(id(services), {})
    cache.setdefault("kades", services.users.authenticate("kades1", "kata-sandi-1"))


@pytest.mark.parametrize("action", sorted([*ACTIONS, "backup"]))
def test_a_really_full_disk(tiny_disk: Path, tmp_path: Path, action: str) -> None:
    leftovers: list[str] = []
    services = make_services(tiny_disk / "office")
    create_demo_village(services, residents=30)
    make_user(services, "kades1", "supervisor")
    services.letters.clock = lambda: dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)  # type: ignore[method-assign]
    workbook = make_workbook(tmp_path / "impor.xlsx", 400, 13)  # the file to import is elsewhere
    with services.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _signed_in(services)
    before = _counts(services)
    filler = _fill_disk(tiny_disk)
    run: dict[str, Callable[[], Any]] = {
        "save_resident": lambda: save_resident(services, 1),
        "issue_letter": lambda: issue_letter(services, 1),
        "import": lambda: import_workbook(services, workbook),
        "backup": lambda: services.backup.create(None),
    }
    with pytest.raises(StorageError) as raised, storage_errors():
        run[action]()
    assert isinstance(raised.value, DiskFull), repr(raised.value.__cause__)
    assert "Disk penuh" in raised.value.user_message()
    if action != "import":  # the importer commits whole batches of families (checked by consistency())
        assert _counts(services) == before
    assert not stray_pdfs(services.store.paths.root)
    assert not [p for p in services.store.paths.backups.iterdir()]  # no half backup, no temp file
    if action == "issue_letter" and temp_files(services.store.paths.root):
        leftovers.extend(temp_files(services.store.paths.root))
    services.store.close()
    filler.unlink()
    consistency(services.store.paths.root)
    # with room again the same action works
    services = Services(Store.open(tiny_disk / "office"))
    services.letters.clock = lambda: dt.datetime(2026, 11, 27, 10, 0, tzinfo=WIB)  # type: ignore[method-assign]
    run = {
        "save_resident": lambda: save_resident(services, 2),
        "issue_letter": lambda: issue_letter(services, 2),
        "import": lambda: import_workbook(services, workbook),
        "backup": lambda: services.backup.create(None),
    }
    run[action]()
    services.store.close()
    consistency(tiny_disk / "office")
    assert not leftovers, f"a temporary PDF was left behind on a full disk: {leftovers}"


# --- kill -9 ----------------------------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import datetime as dt, sys, itertools
    sys.path.insert(0, {root!r})
    from kiosk.db import Store
    from kiosk.services import Services
    from tests.core import test_crash_safety as t

    services = Services(Store.open({data_dir!r}))
    WIB = dt.timezone(dt.timedelta(hours=7))
    start = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB) + dt.timedelta(hours={round_no})
    counter = itertools.count()
    services.letters.clock = lambda: start + dt.timedelta(seconds=next(counter))
    action = {action!r}
    for n, i in enumerate(itertools.count({round_no} * 100000)):
        if n == 1:
            print("ready", flush=True)  # one whole action done: the loop really writes
        if action == "save_resident":
            t.save_resident(services, i)
        elif action == "issue_letter":
            t.issue_letter(services, i)
        elif action == "import":
            t.import_workbook(services, t.Path({workbook!r}))
        elif action == "backup":
            services.backup.create(None, "manual")
""")


@pytest.mark.parametrize("action", ["save_resident", "issue_letter", "import", "backup"])
def test_kill_9_during_writes_leaves_a_consistent_database(office: Services, tmp_path: Path, action: str) -> None:
    data_dir = office.store.paths.root
    office.store.close()
    workbook = make_workbook(tmp_path / "impor.xlsx", 600, 17) if action == "import" else tmp_path / "x"
    rng = random.Random(f"kill-{action}")
    progress = []
    for round_no in range(4):
        script = tmp_path / f"worker_{round_no}.py"
        script.write_text(WORKER.format(root=str(ROOT), data_dir=str(data_dir), action=action,
                                        round_no=round_no, workbook=str(workbook)))
        with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=ROOT, text=True) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.kill()
                pytest.fail(f"worker did not start: {proc.stderr.read()}")
            time.sleep(rng.uniform(0.05, 1.2))
            if proc.poll() is not None:
                pytest.fail(f"worker ended early: {proc.stderr.read()}")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        counts = consistency(data_dir)
        progress.append(counts)
        if action == "backup":  # a backup under its final name is always a whole, good one
            store = Store(__import__("kiosk.paths", fromlist=["DataPaths"]).DataPaths.resolve(data_dir))
            from kiosk.services.backup import BackupService

            listed = BackupService(store).list()
            assert listed and all(b.ok for b in listed), [(b.name, b.problem) for b in listed if not b.ok]
            store.close()
    if action == "save_resident":
        assert progress[-1]["resident"] > progress[0]["resident"] - 1  # work was really being done
    if action == "issue_letter":
        assert progress[-1]["letter"] >= 1
