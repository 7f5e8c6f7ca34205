"""A scripted session — sign-ins, searches, registration, kiosk PINs, a letter, commands — leaves no
NIK, No. KK, PIN or password in the log; and the unexpected gets a calm message, logged in full."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.errors import AuthenticationFailed, DomainError
from kiosk.logging_setup import setup_logging
from kiosk.models import Resident
from kiosk.services import Services
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village

ROOT = Path(__file__).resolve().parent.parent
NEW_NIK = "3510015508950003"  # woman born 15-08-1995, Pesanggaran
NEW_KK = "3510012003150007"
PIN = "482916"


def _secrets_in(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s and s in text]


def test_scripted_session_leaves_no_personal_data_in_the_log(tmp_path: Path) -> None:
    from kiosk.db import Store

    data = tmp_path / "office"
    store = Store.open(data)
    # Without the masking safety net: the code itself must never log personal data.
    log_file = setup_logging(store.paths.logs, level=logging.DEBUG, redact=False)
    services = Services(store)
    create_demo_village(services, residents=60)
    with store.read() as s:
        known = [r for r in s.execute(select(Resident.nik, Resident.kk_number)).all()]
    niks = [n for n, _kk in known if n]
    kks = sorted({kk for _n, kk in known if kk})

    with pytest.raises(AuthenticationFailed):
        services.users.authenticate("operator", "wrong-password-123")
    operator = services.users.authenticate("operator", DEMO_PASSWORD)
    services.residents.search(operator, niks[0][:10])
    services.residents.search(operator, niks[1])
    services.residents.search(operator, kks[0])
    try:
        new = services.residents.register(operator, {
            "nik": NEW_NIK, "kk_number": NEW_KK, "name": "Siti Khotimah", "birth_place": "Banyuwangi",
            "birth_date": dt.date(1995, 8, 15), "sex": 2, "religion": 1, "marital_status": 1,
            "family_relation": 1, "address": "Jl. Kenanga No. 3", "rt": "001", "rw": "002", "dusun": "Krajan",
        }, accept_warnings=True)
    except DomainError as e:  # the rule engine may refuse; the log must stay clean either way
        logging.getLogger("test").info("register refused: %s", e.code)
        new = None
    target = new.id if new is not None else services.residents.by_nik(operator, niks[2]).id  # type: ignore[union-attr]
    services.residents.set_pin(operator, target, PIN)
    nik_of_target = NEW_NIK if new is not None else niks[2]
    with pytest.raises(DomainError):
        services.kiosk_auth.identify(nik_of_target, "000000")
    kiosk_actor: Actor = services.kiosk_auth.identify(nik_of_target, PIN)
    assert kiosk_actor.role == "resident"
    with pytest.raises(DomainError):
        services.kiosk_auth.identify(niks[3], "123456")  # a resident without a PIN
    admin = services.users.authenticate("admin", DEMO_PASSWORD)
    services.users.change_password(admin, DEMO_PASSWORD, "kata-sandi-baru-9")

    # The command line, in its own process, writing to the same log.
    env = {**os.environ, "SMART_KAMPUNG_PASSWORD": DEMO_PASSWORD}
    for args in (["residents", "search", niks[4]], ["letters", "issue", "--type", "skck", "--nik", niks[5],
                                                     "--field", "keperluan=Melamar pekerjaan"]):
        subprocess.run([sys.executable, "main.py", *args, "--user", "operator", "--data-dir", str(data)],
                       cwd=ROOT, env=env, capture_output=True, timeout=120)
    logging.shutdown()
    store.close()

    text = "".join(p.read_text(encoding="utf-8") for p in log_file.parent.glob("*.log*"))
    assert "signed in" in text  # the log is written at all
    leaked = _secrets_in(text, [*niks, *kks, NEW_NIK, NEW_KK, PIN, DEMO_PASSWORD, "wrong-password-123",
                                "kata-sandi-baru-9"])
    assert not leaked, f"personal data or secrets in the log: {leaked}"


def test_redacting_filter_masks_a_nik_that_slips_through(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs")
    logging.getLogger("careless").warning("looking up %s", "3510014408710001")
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text(encoding="utf-8")
    assert "3510014408710001" not in text
    assert "3510********0001" in text


def test_excepthook_logs_and_shows_a_calm_indonesian_message(qapp: Any, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui import app as ui_app

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: shown.append((title, text))))
    old = sys.excepthook
    try:
        ui_app.install_excepthook()
        try:
            raise ZeroDivisionError("boom")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        sys.excepthook = old
    assert shown and shown[0][0] == "Terjadi kesalahan"
    assert "Tidak ada data yang hilang" in shown[0][1]
    assert "boom" not in shown[0][1]  # no technical detail for the user ...
    assert any("ZeroDivisionError" in (r.exc_text or "") or r.exc_info for r in caplog.records)  # ... all of it in the log
