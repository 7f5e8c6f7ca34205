"""Who may run the office's sync, backup and register commands (issue 20.7), and the demo office that
cannot enrol (issue 19.8): the real command line in-process against a real district server.

Decisions: ``sync`` / ``sync status`` / ``backup`` (into the backups folder) may run as the program
itself (a scheduled task); ``enroll`` and ``sync export-queue`` need an administrator's ``--user``;
``backup FILE`` and ``letters register`` need a signed-in user with the permission."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import cli
from kiosk.actor import Actor
from kiosk.errors import PermissionDenied
from kiosk.models import AuditEntry, Device
from kiosk.permissions import UserRequired
from kiosk.services import Services
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
from sync.district.models import Device as ServerDevice
from sync.district.models import EnrollmentCode
from tests.helpers import ADMIN_PASSWORD, make_services, make_user
from tests.sync.conftest import DistrictServer, Office


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = cli.run(list(args))
    captured = capsys.readouterr()
    try:
        out: Any = json.loads(captured.out)
    except ValueError:
        out = captured.out
    return code, out, captured.err


def _server_devices(server: DistrictServer) -> int:
    with server.store.db.read() as s:
        return len(list(s.scalars(select(ServerDevice).where(ServerDevice.village == server.village))))


@pytest.fixture
def office(offices: Any, server: DistrictServer) -> Office:
    made: Office = offices("kantor")
    make_user(made.services, "operator", "operator", password="operator-sandi-1")
    return made


def test_enroll_needs_an_administrator(office: Office, server: DistrictServer,
                                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    d = ["--data-dir", str(office.data_dir)]
    code = server.code()
    monkeypatch.delenv("SMART_KAMPUNG_PASSWORD", raising=False)
    rc, _out, err = _run(capsys, "enroll", "--server", server.url, "--code", code, *d)
    assert rc == 1 and "--user" in err  # no user: refused before anything is sent
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, _out, err = _run(capsys, "enroll", "--server", server.url, "--code", code, "--user", "operator", *d)
    assert rc == 1 and "sync.enroll" in err and "izin" in err.lower()
    assert _server_devices(server) == 0  # the code is still unused
    # the service itself refuses the program acting for itself (the screens and scripts share it)
    with pytest.raises(UserRequired):
        office.client.enroll(server.url, code, actor=Actor.system("cli"))
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    rc, out, err = _run(capsys, "enroll", "--server", server.url, "--code", code, "--user", "admin", "--json", *d)
    assert rc == 0, err
    assert out["village"] == server.village and _server_devices(server) == 1
    with office.store.read() as s:
        assert s.execute(select(Device.server_device_id)).scalar_one() == out["device_id"]
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "sync.enroll")).scalar_one()
        assert audit.username == "admin"


def test_scheduled_sync_runs_as_the_program_a_user_needs_the_permission(
        office: Office, server: DistrictServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import ENROLLING_ADMIN

    office.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN)
    office.add_resident("Warga Satu")
    d = ["--data-dir", str(office.data_dir)]
    monkeypatch.delenv("SMART_KAMPUNG_PASSWORD", raising=False)
    rc, out, err = _run(capsys, "sync", "--once", "--json", *d)  # a scheduled task: no user
    assert rc == 0, err
    assert out["report"]["acked"] == 1
    rc, out, _err = _run(capsys, "sync", "status", "--json", *d)
    assert rc == 0 and out["state"] == "synced"
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, out, err = _run(capsys, "sync", "--once", "--json", "--user", "operator", *d)
    assert rc == 0, err
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "salah-sandi")
    rc, _out, err = _run(capsys, "sync", "--once", "--user", "operator", *d)
    assert rc == 1 and "Traceback" not in err
    # a resident at the kiosk never runs the sync for the office
    with pytest.raises(PermissionDenied):
        office.client.run_cycle(actor=Actor.kiosk("resident-1"))


def test_export_queue_needs_an_administrator(office: Office, server: DistrictServer, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import ENROLLING_ADMIN

    office.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN)
    office.add_resident("Warga Dua")
    out_file = tmp_path / "antrian.json"
    d = ["--data-dir", str(office.data_dir)]
    monkeypatch.delenv("SMART_KAMPUNG_PASSWORD", raising=False)
    rc, _out, err = _run(capsys, "sync", "export-queue", str(out_file), *d)
    assert rc == 1 and "--user" in err and not out_file.exists()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, _out, err = _run(capsys, "sync", "export-queue", str(out_file), "--user", "operator", *d)
    assert rc == 1 and "sync.export_queue" in err and not out_file.exists()
    with pytest.raises(UserRequired):
        office.client.export_queue(out_file, actor=Actor.system("cli"))
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    rc, out, err = _run(capsys, "sync", "export-queue", str(out_file), "--user", "admin", "--json", *d)
    assert rc == 0, err
    assert out["changes"] == 1 and json.loads(out_file.read_text(encoding="utf-8"))["changes"][0]["entity"] == "resident"


def test_backup_as_the_program_only_into_its_own_folder(office: Office, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    d = ["--data-dir", str(office.data_dir)]
    monkeypatch.delenv("SMART_KAMPUNG_PASSWORD", raising=False)
    rc, out, err = _run(capsys, "backup", "--json", *d)  # the automatic backup: into backups/
    assert rc == 0, err
    assert Path(out["backup"]["path"]).parent == office.store.paths.backups
    usb = tmp_path / "usb" / "desa.zip"
    rc, _out, err = _run(capsys, "backup", str(usb), *d)  # every record to a place of someone's choosing
    assert rc == 1 and "--user" in err and not usb.exists()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, out, err = _run(capsys, "backup", str(usb), "--user", "operator", "--json", *d)
    assert rc == 0, err
    assert usb.is_file()


def test_letters_register_needs_a_user_who_may_read_it(office: Office, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    d = ["--data-dir", str(office.data_dir)]
    monkeypatch.delenv("SMART_KAMPUNG_PASSWORD", raising=False)
    rc, _out, err = _run(capsys, "letters", "register", *d)
    assert rc == 1 and "--user" in err
    with pytest.raises(UserRequired):
        office.services.letters.register(Actor.system("cli"), year=2026)
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, out, err = _run(capsys, "letters", "register", "--user", "operator", "--json", "--year", "2026", *d)
    assert rc == 0, err
    assert out == {"year": 2026, "rows": []}


def test_a_demo_office_cannot_enrol(server: DistrictServer, tmp_path: Path, offices: Any,
                                    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Decision 19.8: demo residents never enter the outbox, so a data folder holding them is refused at
    enrolment (before anything reaches the district); the same code then enrols a real office."""
    offices("unused")  # gives this test its own village on the shared server
    data = tmp_path / "demo"
    services: Services = make_services(data, setup=False)
    create_demo_village(services, residents=30)
    services.store.close()
    code = server.store.create_enrollment_code(server.village, "office").code
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", DEMO_PASSWORD)
    rc, _out, err = _run(capsys, "enroll", "--server", server.url, "--code", code, "--user", "admin",
                         "--data-dir", str(data))
    assert rc == 1
    assert "desa contoh" in err and "folder data baru" in err and "Traceback" not in err
    with server.store.db.read() as s:
        assert all(c.used_at is None for c in s.scalars(select(EnrollmentCode)
                                                         .where(EnrollmentCode.village == server.village)))
    assert _server_devices(server) == 0
    from tests.helpers import ENROLLING_ADMIN

    real: Office = offices("nyata")
    real.client.enroll(server.url, code, actor=ENROLLING_ADMIN)  # the same code still works for a real office
    assert _server_devices(server) == 1
