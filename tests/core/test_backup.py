"""Backups: create (online backup API, checked, hashed, with the letter archive), list, restore on
another machine, refusal of damaged / foreign / other-village files, pre-restore copy, device marking,
the CLI, and the start-up integrity check."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import forms
from cli import run as cli_run
from kiosk.actor import Actor
from kiosk.changes import verify_audit_chain
from kiosk.db import Store
from kiosk.errors import PermissionDenied
from kiosk.models import AuditEntry, Device, Resident
from kiosk.services import Services
from kiosk.services.backup import (
    DB_MEMBER,
    MANIFEST_MEMBER,
    BackupCorrupt,
    BackupService,
    BackupTooNew,
    NotABackup,
    WrongVillage,
)
from kiosk.services.demo import create_demo_village
from kiosk.services.integrity import quick_check
from tests.helpers import ADMIN_PASSWORD, admin_actor, make_services, make_user, sample_office

WIB = dt.timezone(dt.timedelta(hours=7))


def table_digests(database: Path) -> dict[str, tuple[int, str]]:
    """Row count and a hash over every row (ordered by rowid) of every table of a database file."""
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        out: dict[str, tuple[int, str]] = {}
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '%fts%' ORDER BY name")]
        for name in names:
            h = hashlib.sha256()
            rows = con.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            for row in rows:
                h.update(repr(row).encode())
            out[name] = (len(rows), h.hexdigest())
        return out
    finally:
        con.close()


def archive_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def office(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A village with residents, users and three issued letters (real PDFs in the archive)."""
    services = make_services(tmp_path / "office")
    create_demo_village(services, residents=120)
    supervisor = make_user(services, "kades1", "supervisor")
    letters = services.letters
    letters.clock = lambda: dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)  # type: ignore[method-assign]
    with services.store.read() as s:
        residents = list(s.execute(select(Resident.id).order_by(Resident.id).limit(3)).scalars())
    issued = []
    for i, rid in enumerate(residents):
        lt = letters.letter_type("domisili")
        letters.clock = (lambda i=i: dt.datetime(2026, 11, 27, 9, i, tzinfo=WIB))  # type: ignore[method-assign]
        issued.append(letters.issue_direct(supervisor, resident_id=rid, letter_type="domisili",
                                           values=forms.sample_values(lt, dt.date(2026, 11, 27))))
    yield {"services": services, "admin": admin_actor(services), "supervisor": supervisor, "letters": issued}
    services.store.close()


def test_backup_file_holds_checked_database_manifest_and_archive(office: dict[str, Any]) -> None:
    services: Services = office["services"]
    result = services.backup.create(office["admin"])
    info = result.backup
    assert info.ok and info.reason == "manual" and info.path.parent == services.store.paths.backups
    assert info.name.startswith("smart-kampung-3510012001-manual-") and info.name.endswith(".zip")
    with zipfile.ZipFile(info.path) as zf:
        manifest = json.loads(zf.read(MANIFEST_MEMBER))
        db_bytes = zf.read(DB_MEMBER)
        pdfs = [n for n in zf.namelist() if n.startswith("archive/")]
    assert manifest["format"] == "smart-kampung-backup"
    assert manifest["village_code"] == "35.10.01.2001"
    assert manifest["device_id"] == services.office.device().id
    assert manifest["sha256"] == hashlib.sha256(db_bytes).hexdigest()
    assert manifest["size"] == len(db_bytes)
    assert manifest["database"]["integrity_check"] == "ok"
    assert manifest["schema_revision"]
    assert manifest["app_version"]
    assert manifest["tables"]["resident"] == 120
    assert len(pdfs) == 3 == manifest["archive"]["count"]
    # the copy is a self-contained file (no WAL), made while the live database stays in WAL mode
    assert db_bytes[18:20] == b"\x01\x01"
    # no temporary files are left behind
    assert not [p for p in services.store.paths.backups.iterdir() if p.name.startswith(".")]
    with services.store.read() as s:
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "backup.create")).scalar_one()


def test_backup_restores_on_another_machine_with_every_record_and_letter(office: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    services: Services = office["services"]
    before = table_digests(services.store.paths.database)
    archive_before = archive_digests(services.store.paths.archive)
    assert len(archive_before) == 3
    backup = services.backup.create(office["admin"], target_file=tmp_path / "usb" / "desa.zip").backup
    assert backup.path == tmp_path / "usb" / "desa.zip"

    # the other machine: a fresh data directory, no office set up yet
    other = Services(Store.open(tmp_path / "other-machine"))
    assert not other.office.is_configured()
    result = other.backup.restore(None, backup.path)
    assert result.pre_restore is None  # nothing to save on a new machine
    other.store.close()
    after = table_digests(tmp_path / "other-machine" / "smart-kampung.sqlite3")
    # every table is identical except what the restore itself records (device mark, audit line)
    for table, digest in before.items():
        if table in ("device", "audit_entry"):
            continue
        assert after[table] == digest, table
    assert after["audit_entry"][0] == before["audit_entry"][0] + 1
    assert archive_digests(tmp_path / "other-machine" / "archive") == archive_before

    reopened = Services(Store.open(tmp_path / "other-machine"))
    try:
        admin = reopened.users.authenticate("admin", ADMIN_PASSWORD)
        for letter in office["letters"]:
            pdf = reopened.letters.letter_pdf(admin, letter.id)  # hash-checked against the record
            assert pdf.startswith(b"%PDF")
        with reopened.store.read() as s:
            assert verify_audit_chain(s).ok
            device = s.execute(select(Device)).scalar_one()
            assert device.restored_at is not None
            assert device.needs_reenroll is False  # not enrolled: nothing to re-enroll
            assert s.execute(select(AuditEntry).where(AuditEntry.action == "backup.restore")).scalar_one()
    finally:
        reopened.store.close()


def test_restore_saves_the_current_data_first_and_marks_an_enrolled_device(office: dict[str, Any]) -> None:
    services: Services = office["services"]
    backup = services.backup.create(office["admin"]).backup
    with services.store.write() as s:  # after the backup: a new resident and an enrolment
        s.add(Resident(name="Setelah Cadangan", name_search="setelah cadangan"))
        device = s.execute(select(Device)).scalar_one()
        device.enrolled_at = dt.datetime(2026, 11, 1)
        device.token = "tok"
    result = services.backup.restore(office["admin"], backup.path)
    pre = result.pre_restore
    assert pre is not None and pre.reason == "pre-restore" and pre.ok
    assert pre.tables["resident"] == 121  # the state just before the restore, kept
    assert result.needs_reenroll
    with services.store.read() as s:  # the same Store keeps working on the restored file
        assert s.query(Resident).count() == 120
        device = s.execute(select(Device)).scalar_one()
        assert device.enrolled_at is None  # the backup's state ...
        assert device.restored_at is not None  # ... marked as restored
    # restoring the pre-restore backup brings the newer state back; that device was enrolled
    again = services.backup.restore(office["admin"], pre.path)
    assert again.needs_reenroll
    with services.store.read() as s:
        assert s.query(Resident).count() == 121
        assert s.execute(select(Device)).scalar_one().needs_reenroll is True
    assert not [p for p in services.store.paths.root.iterdir() if p.name.startswith(".restore")]
    assert not list(services.store.paths.root.glob("*.sqlite3-wal.*"))


def test_restore_needs_an_admin_but_backup_an_operator(office: dict[str, Any]) -> None:
    services: Services = office["services"]
    operator = make_user(services, "op1", "operator")
    backup = services.backup.create(operator).backup
    with pytest.raises(PermissionDenied):
        services.backup.restore(operator, backup.path)
    with pytest.raises(PermissionDenied):
        services.backup.restore(None, backup.path)  # an office exists: someone must sign in


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["truncate", "flip_db", "flip_end", "manifest_hash", "flip_pdf"])
def test_damaged_backup_is_refused_and_nothing_changes(office: dict[str, Any], tmp_path: Path,
                                                       damage: str) -> None:
    services: Services = office["services"]
    good = services.backup.create(office["admin"]).backup
    bad = tmp_path / f"bad-{damage}.zip"
    bad.write_bytes(good.path.read_bytes())
    with zipfile.ZipFile(good.path) as zf:
        db_info = zf.getinfo(DB_MEMBER)
        pdf_info = next(i for i in zf.infolist() if i.filename.startswith("archive/"))
        manifest = json.loads(zf.read(MANIFEST_MEMBER))
    if damage == "truncate":
        bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    elif damage == "flip_db":
        _flip(bad, db_info.header_offset + 30 + len(DB_MEMBER) + db_info.compress_size // 2)
    elif damage == "flip_end":
        _flip(bad, bad.stat().st_size - 30)  # the zip's central directory
    elif damage == "flip_pdf":
        _flip(bad, pdf_info.header_offset + 30 + len(pdf_info.filename) + pdf_info.compress_size // 2)
    else:  # a well-formed zip whose database does not match the recorded hash
        manifest["sha256"] = "0" * 64
        with zipfile.ZipFile(good.path) as src, zipfile.ZipFile(bad, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                dst.writestr(item, json.dumps(manifest) if item.filename == MANIFEST_MEMBER else data)
    before = table_digests(services.store.paths.database)
    backups_before = sorted(p.name for p in services.store.paths.backups.iterdir())
    with pytest.raises(BackupCorrupt) as e:
        services.backup.restore(office["admin"], bad)
    assert "rusak" in e.value.user_message()  # Indonesian, clear
    assert services.backup.inspect(bad).check == "damaged"
    assert table_digests(services.store.paths.database) == before
    # refused before anything was written: no pre-restore backup, no leftovers
    assert sorted(p.name for p in services.store.paths.backups.iterdir()) == backups_before
    assert not [p for p in services.store.paths.root.iterdir() if p.name.startswith(".restore")]


def test_foreign_files_are_refused(office: dict[str, Any], tmp_path: Path) -> None:
    services: Services = office["services"]
    text = tmp_path / "catatan.txt"
    text.write_text("bukan cadangan\n")
    other_db = tmp_path / "lain.sqlite3"
    con = sqlite3.connect(other_db)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    other_zip = tmp_path / "foto.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("foto.jpg", b"\xff\xd8\xff")
    for path in (text, other_db, other_zip, tmp_path / "tidak-ada.zip"):
        with pytest.raises(NotABackup) as e:
            services.backup.restore(office["admin"], path)
        assert "bukan cadangan Smart Kampung" in e.value.user_message()
    assert services.backup.inspect(text).check == "foreign"


def test_another_villages_backup_is_refused(office: dict[str, Any], tmp_path: Path) -> None:
    services: Services = office["services"]
    info = sample_office()
    info.village_code = "35.10.02.2001"
    info.village_name = "Kandangan"
    elsewhere = Services(Store.open(tmp_path / "elsewhere"))
    elsewhere.office.setup(info)
    foreign = elsewhere.backup.create(None).backup
    elsewhere.store.close()
    with pytest.raises(WrongVillage) as e:
        services.backup.restore(office["admin"], foreign.path)
    assert "35.10.02.2001" in e.value.user_message() and "desa lain" in e.value.user_message()


def test_backup_from_a_newer_program_is_refused(office: dict[str, Any], tmp_path: Path) -> None:
    services: Services = office["services"]
    good = services.backup.create(None).backup
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(good.path) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == MANIFEST_MEMBER:
                m = json.loads(data)
                m["schema_revision"] = "9999_future"
                data = json.dumps(m).encode()
            dst.writestr(item, data)
    with pytest.raises(BackupTooNew):
        services.backup.restore(office["admin"], newer)


def test_restore_of_a_plain_pre_migration_copy(office: dict[str, Any]) -> None:
    """``kiosk.db`` copies the database before a migration as a plain .sqlite3 file: also restorable."""
    from kiosk.db import backup_database_file

    services: Services = office["services"]
    copy = backup_database_file(services.store, "pre-migration-0001")
    assert copy is not None
    listed = {b.name: b for b in services.backup.list()}
    assert listed[copy.name].ok and listed[copy.name].kind == "sqlite"
    with services.store.write() as s:
        s.add(Resident(name="Baru", name_search="baru"))
    services.backup.restore(office["admin"], copy)
    with services.store.read() as s:
        assert s.query(Resident).count() == 120


def test_list_reports_each_backups_check(office: dict[str, Any]) -> None:
    services: Services = office["services"]
    a = services.backup.create(None).backup
    services.backup.clock = lambda: dt.datetime(2030, 1, 1, 8, 0)  # type: ignore[method-assign]
    b = services.backup.create(None, "daily").backup
    _flip(a.path, a.path.stat().st_size // 2)
    listed = services.backup.list()
    assert [x.name for x in listed] == [b.name, a.name]  # newest first
    assert listed[0].check == "ok" and listed[1].check == "damaged" and listed[1].problem
    assert services.backup.newest_good() == listed[0]


def test_second_folder_gets_a_verified_copy_and_a_missing_drive_is_reported(office: dict[str, Any],
                                                                           tmp_path: Path) -> None:
    from kiosk import settings

    services: Services = office["services"]
    usb = tmp_path / "usb"
    usb.mkdir()
    services.preferences.set(office["admin"], settings.BACKUP_SECOND_FOLDER, str(usb))
    result = services.backup.create(None, "daily")
    assert result.second_copy == usb / result.backup.name
    assert services.backup.inspect(result.second_copy).ok
    services.preferences.set(office["admin"], settings.BACKUP_SECOND_FOLDER, str(tmp_path / "dicabut"))
    result = services.backup.create(None, "manual")
    assert result.backup.ok  # the first copy is made all the same
    assert result.second_copy is None and result.second_copy_error and "USB" in result.second_copy_error


def test_daily_backup_is_due_once_per_interval(office: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")  # calendar days of the computer: fixed for the test
    time.tzset()
    services: Services = office["services"]
    backup: BackupService = services.backup
    now = [dt.datetime(2026, 12, 1, 8, 0)]
    backup.clock = lambda: now[0]  # type: ignore[method-assign]
    assert backup.due_daily()
    assert backup.run_daily_if_due() is not None
    assert not backup.due_daily() and backup.run_daily_if_due() is None
    now[0] += dt.timedelta(hours=10)  # the same day
    assert not backup.due_daily()
    now[0] += dt.timedelta(hours=12)  # the next day, earlier than yesterday's backup: one a day
    assert backup.due_daily()
    from kiosk import settings

    services.preferences.set(office["admin"], settings.BACKUP_INTERVAL_HOURS, 6)
    backup.run_daily_if_due()
    now[0] += dt.timedelta(hours=5)
    assert not backup.due_daily()
    now[0] += dt.timedelta(hours=1)
    assert backup.due_daily()
    services.preferences.set(office["admin"], settings.BACKUP_INTERVAL_HOURS, 0)
    assert not backup.due_daily()


def test_cli_backup_list_and_restore(office: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    services: Services = office["services"]
    data_dir = str(services.store.paths.root)
    out = tmp_path / "cadangan.zip"
    assert cli_run(["backup", str(out), "--data-dir", data_dir]) == 1  # to a file of one's choosing: a person
    assert not out.exists()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    assert cli_run(["backup", str(out), "--user", "admin", "--data-dir", data_dir]) == 0
    assert out.exists()
    assert cli_run(["backup", "--data-dir", data_dir]) == 0
    capsys.readouterr()
    assert cli_run(["backup", "list", "--json", "--data-dir", data_dir]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["backups"]) == 1 and listed["backups"][0]["check"] == "ok"
    # restore on a fresh machine: no user needed
    fresh = str(tmp_path / "fresh")
    assert cli_run(["restore", str(out), "--yes", "--data-dir", fresh]) == 0
    assert capsys.readouterr().out.strip()  # says what was restored
    assert (tmp_path / "fresh" / "smart-kampung.sqlite3").exists()
    # a configured office: an administrator must sign in
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    assert cli_run(["restore", str(out), "--yes", "--user", "admin", "--data-dir", data_dir]) == 0
    # a text file: refused with a message and exit 1
    bad = tmp_path / "x.txt"
    bad.write_text("x")
    capsys.readouterr()
    assert cli_run(["restore", str(bad), "--yes", "--data-dir", data_dir]) == 1
    assert "bukan cadangan Smart Kampung" in capsys.readouterr().err


def test_startup_check_finds_damage_and_recovers_the_newest_good_backup(tmp_path: Path) -> None:
    from kiosk.services.integrity import recover

    services = make_services(tmp_path / "d")
    create_demo_village(services, residents=200)
    services.backup.create(None, "daily")
    paths = services.store.paths
    services.store.close()
    assert quick_check(paths.root).ok
    # damage the database: overwrite pages in the middle of the file
    size = paths.database.stat().st_size
    with paths.database.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))
    check = quick_check(paths.root)
    assert not check.ok and check.detail != "ok"
    assert check.newest_good_backup is not None and check.newest_good_backup.ok
    result = recover(paths.root, check.newest_good_backup)
    assert result.restored.name == check.newest_good_backup.name
    assert quick_check(paths.root).ok
    assert list(paths.root.glob("smart-kampung.sqlite3.damaged-*"))  # kept for the record
    store = Store.open(paths.root)
    with store.read() as s:
        assert s.query(Resident).count() == 200
        assert verify_audit_chain(s).ok
    store.close()


def test_startup_check_of_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "smart-kampung.sqlite3").write_bytes(b"garbage" * 1000)
    check = quick_check(root)
    assert not check.ok and check.newest_good_backup is None
    assert quick_check(tmp_path / "new").ok  # a new data directory is fine


def test_system_backup_needs_no_actor_but_a_user_needs_the_permission(office: dict[str, Any]) -> None:
    services: Services = office["services"]
    kiosk_actor = Actor.kiosk("r1")
    with pytest.raises(PermissionDenied):
        services.backup.create(kiosk_actor)
    assert services.backup.create(None, "daily").backup.ok
