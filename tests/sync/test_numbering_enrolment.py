"""Numbering before enrolment (issue 19.7), with two real standalone offices of one village and a real
district server: the district learns each office's number marks and its local device id at enrolment;
letters numbered twice are shown to staff with the fix (void and re-issue under a new number from the
lease, audited, through the letters service), never stuck as ``number_taken``; letters issued before
enrolment verify at the district once synced."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

import cli
import forms
from kiosk.models import AuditEntry, Letter, LetterNumber
from kiosk.permissions import PermissionDenied
from sync.district.enrolment import DeviceEnrolment
from sync.district.models import NumberHighWaterMark
from sync.district.verify import AWAITING, UNKNOWN, VALID, VOID, check
from tests.helpers import ENROLLING_ADMIN, make_user
from tests.sync.conftest import DistrictServer, Office

N = 3


def _issue(office: Office, name: str, nik: str) -> list[Any]:
    rid = office.add_resident(name, nik=nik, birth_place="Banyuwangi", sex=2, religion=1)
    letters = office.services.letters
    today = dt.date.today()
    values = forms.sample_values(letters.letter_type("sktm"), today)
    return [letters.issue_direct(office.actor, resident_id=rid, letter_type="sktm", values=values,
                                 signer=letters.signer_for("sekretaris")) for _ in range(N)]


def _sync(office: Office, rounds: int = 6) -> None:
    for _ in range(rounds):
        report = office.sync()
        assert report.ok, report
        if not [r for r in office.outbox() if r.state in ("pending", "in_flight")]:
            return


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = cli.run(list(args))
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out), out.err
    except ValueError:
        return code, out.out, out.err


@pytest.mark.slow
def test_two_standalone_offices_numbered_alike_then_enrolled(server: DistrictServer, offices: Any,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    a: Office = offices("a")
    b: Office = offices("b")
    year = dt.date.today().year
    a_letters = _issue(a, "Siti Aminah", "3510014507900003")
    b_letters = _issue(b, "Sri Wahyuni", "3510014507900011")
    assert [x.sequence_number for x in a_letters] == [x.sequence_number for x in b_letters] == [1, 2, 3]
    assert check(server.store, a_letters[0].token or "").state == UNKNOWN  # nobody knows the key yet

    a.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN, name="a")
    _sync(a)
    a_id = a.device().server_device_id
    with server.store.db.read() as s:
        enrolment = s.get(DeviceEnrolment, a_id)
        assert enrolment is not None and enrolment.local_device_id == a.device().id
        assert enrolment.numbers == {f"{year}|all": N}
        mark = s.get(NumberHighWaterMark, (server.village, year, "all"))
        assert mark is not None and mark.last_number == N
    # a letter issued before enrolment carries the local device id in its QR: known once synced
    assert check(server.store, a_letters[0].token or "").state == VALID  # before: TIDAK DIKENAL

    b.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN, name="b")
    _sync(b)
    with server.store.db.read() as s:
        assert s.get(DeviceEnrolment, b.device().server_device_id).numbers == {f"{year}|all": N}
    # b's letters 1-3 are numbers the district already holds for a's: shown to staff, with the fix
    status = b.services.sync.status()
    assert status.state != "synced"
    dups = b.services.duplicates.list(ENROLLING_ADMIN)
    assert sorted(d.number for d in dups) == sorted(x.number for x in b_letters)
    assert all(d.resident_name == "Sri Wahyuni" for d in dups)
    assert check(server.store, b_letters[0].token or "").state == AWAITING

    make_user(b.services, "kades", "supervisor", password="kades-sandi-1")
    make_user(b.services, "operator", "operator", password="operator-sandi-1")
    d = ["--data-dir", str(b.data_dir)]
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "operator-sandi-1")
    rc, listed, err = _run(capsys, "sync", "duplicates", "--user", "operator", "--json", *d)
    assert rc == 0, err
    assert len(listed["duplicates"]) == N and "--fix" in listed["fix"]
    rc, _out, err = _run(capsys, "sync", "duplicates", "--fix", "--user", "operator", *d)
    assert rc == 1 and "letter.void" in err  # voiding is a supervisor's
    with pytest.raises(PermissionDenied):
        b.services.duplicates.fix(b.services.users.authenticate("operator", "operator-sandi-1"))
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "kades-sandi-1")
    rc, fixed, err = _run(capsys, "sync", "duplicates", "--fix", "--user", "kades", "--json", *d)
    assert rc == 0, err
    assert len(fixed["fixed"]) == N
    new_numbers = [f["new_sequence_number"] for f in fixed["fixed"]]
    assert all(n > N for n in new_numbers) and len(set(new_numbers)) == N  # from the lease, above both marks
    with b.store.read() as s:
        for x in b_letters:
            old = s.get(Letter, x.id)
            assert old is not None and old.voided_at is not None and old.number == x.number  # the paper's text
        assert {e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.username == "kades"))} >= {
            "letter.void", "letter.issue", "letter.renumber_duplicate"}
    assert b.services.duplicates.list(ENROLLING_ADMIN) == []

    _sync(b)
    _sync(a)
    for office in (a, b):
        assert office.services.sync.status().state == "synced", office.services.sync.status()
        assert not office.services.sync.issues()
        assert all(r.state in ("acked", "superseded") for r in office.outbox())
    # the district: the re-issued letters verify, the duplicates' papers say void, a's are untouched
    for f in fixed["fixed"]:
        with b.store.read() as s:
            new = s.get(Letter, f["new_letter_id"])
            assert new is not None
            assert check(server.store, new.token or "").state == VALID
    assert all(check(server.store, x.token or "").state == VOID for x in b_letters)
    assert all(check(server.store, x.token or "").state == VALID for x in a_letters)
    # both registers agree: 1-3 are a's letters, b's new numbers follow
    for office in (a, b):
        with office.store.read() as s:
            reg = {n.number: n.letter_id for n in s.scalars(select(LetterNumber).where(LetterNumber.year == year))}
        assert [reg[i] for i in range(1, N + 1)] == [x.id for x in a_letters]
        assert {reg[n] for n in new_numbers} == {f["new_letter_id"] for f in fixed["fixed"]}
        assert all(n > 0 for n in reg)


@pytest.mark.slow
@pytest.mark.ui
def test_the_sinkronisasi_screen_shows_the_duplicates_with_the_fix(server: DistrictServer, offices: Any, qtbot: Any,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Any) -> None:
    from PySide6.QtWidgets import QPushButton

    from ui import msgbox
    from ui.app import build_context
    from ui.main_window import MainWindow

    a: Office = offices("a")
    b: Office = offices("b")
    _issue(a, "Siti Aminah", "3510014507900003")
    b_letters = _issue(b, "Sri Wahyuni", "3510014507900011")
    for office, name in ((a, "a"), (b, "b")):
        office.client.enroll(server.url, server.code(), actor=ENROLLING_ADMIN, name=name)
        _sync(office)
    make_user(b.services, "kades", "supervisor", password="kades-sandi-1")
    shown: list[str] = []
    import ui.screens.sinkronisasi as screen_module

    monkeypatch.setattr(screen_module, "show_info", lambda parent, text, title=None: shown.append(text))
    monkeypatch.setattr(screen_module, "show_error", lambda parent, e, title=None: shown.append(msgbox.error_text(e)))
    ctx = build_context(str(b.data_dir), synchronous=True)
    try:
        ctx.actor = ctx.services.users.authenticate("kades", "kades-sandi-1")
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.resize(1100, 900)
        screen = window.show_screen("sinkronisasi")
        def fix_buttons() -> list[QPushButton]:  # in the issue boxes shown now (old ones await deleteLater)
            layout = screen.conflicts_layout
            return [w for i in range(layout.count()) for w in layout.itemAt(i).widget().findChildren(QPushButton)
                    if w.objectName() == "RenumberDuplicate"]

        buttons = fix_buttons()
        assert len(buttons) == N and all(bt.text() == "Terbitkan ulang dengan nomor baru" for bt in buttons)
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        window.grab().save(str(tmp_path / "sinkronisasi-duplikat.png"))
        buttons[0].click()
        assert shown and "dibatalkan" in shown[0] and "diterbitkan ulang" in shown[0], shown
        assert len(fix_buttons()) == N - 1
        with b.store.read() as s:
            assert sum(1 for x in b_letters if s.get(Letter, x.id).voided_at is not None) == 1
    finally:
        ctx.services.store.close()
