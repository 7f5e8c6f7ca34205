"""Fault tests against a real uvicorn district server (and real client processes where it matters).
Each ends by checking that every committed change is on the server exactly once."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.ids import new_id
from kiosk.models import Letter, LetterNumber, OutboxChange
from kiosk.services import leases
from kiosk.services import sync_state as st
from kiosk.services.numbering import allocate_number
from sync import client as client_mod
from sync.district.models import NumberLease, UsedNumber
from tests.helpers import admin_actor
from tests.sync.conftest import (
    DistrictServer,
    FaultProxy,
    Office,
    assert_exactly_once,
    reopen_office,
    run_client,
    spawn_client,
    spawn_stalling_client,
)

pytestmark = pytest.mark.slow


def _wait(cond: Any, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _states(office: Office) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in office.outbox():
        out[r.state] = out.get(r.state, 0) + 1
    return out


def _sync_until_done(office: Office, rounds: int = 40) -> None:
    for _ in range(rounds):
        office.sync()
        if not any(r.state in ("pending", "in_flight") for r in office.outbox()):
            return
        time.sleep(0.25)
    pytest.fail(f"queue not drained: {_states(office)}")


def issue_letter(office: Office, year: int, key: str = "all") -> tuple[int, str | None]:
    """Issue a minimal letter the way the letters service does: number + letter + register row + outbox."""
    with office.store.write() as s:
        number, lease_id = allocate_number(s, year=year, sequence_key=key)
        lid = new_id()
        text = f"470/{number:03d}/{year}"
        s.add(Letter(id=lid, number=text, year=year, sequence_key=key, sequence_number=number,
                     letter_type="SKD", issued_on=dt.date(year, 6, 1), content_hash="ab" * 32))
        s.add(LetterNumber(year=year, sequence_key=key, number=number, state="used", letter_id=lid,
                           lease_id=lease_id))
        s.flush()
        record_change(s, Actor.system("test"), entity="letter", entity_id=lid, op="create", payload={
            "number": text, "letter_type": "SKD", "issued_at": f"{year}-06-01T09:00:00", "content_hash": "ab" * 32,
            "year": year, "sequence_key": key, "seq_number": number})
    return number, lease_id


# --- crashes -------------------------------------------------------------------------------------------


def test_kill9_before_push_then_restart(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    for i in range(20):
        a.add_resident(f"Warga {i}")
    proc = spawn_stalling_client(a.data_dir, "before", 60, "sync", "--once")
    try:
        _wait(lambda: _states(a).get("in_flight", 0) > 0, what="rows in flight")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert _states(a).get("in_flight", 0) > 0  # the dead process left them in flight
    assert server.received(a.device().server_device_id) == []
    done = run_client(a.data_dir, "sync", "--once", "--json")
    assert done.returncode == 0, done.stderr
    assert_exactly_once(server, a)


def test_kill9_after_server_commit_before_client_hears(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    for i in range(25):
        a.add_resident(f"Warga {i}")
    dev = a.device().server_device_id
    assert dev
    proc = spawn_stalling_client(a.data_dir, "after", 60, "sync", "--once")
    try:
        _wait(lambda: len(server.received(dev)) > 0, what="the server's commit")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert all(r.state != "acked" for r in a.outbox() if r.entity == "resident")
    done = run_client(a.data_dir, "sync", "--once", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["report"]["acked"] >= 25
    assert_exactly_once(server, a)


def test_response_lost_and_timeout(server: DistrictServer, proxy: FaultProxy, offices: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    a = offices("a", server=server, url=proxy.url)
    for i in range(10):
        a.add_resident(f"Warga {i}")
    pushes = {"n": 0}

    def fault(method: str, path: str, body: bytes) -> Any:
        if path.startswith("/api/v1/push"):
            pushes["n"] += 1
            return "drop_after" if pushes["n"] == 1 else ("sleep", 3) if pushes["n"] == 2 else None
        return None

    proxy.fault = fault
    monkeypatch.setenv("SMART_KAMPUNG_SYNC_TIMEOUT", "1")
    a.client.http_factory = lambda url, token: client_mod.DistrictHttp(url, token)
    r1 = a.sync()
    assert r1.outcome == "offline"  # the answer was lost after the server committed
    assert len(server.received(a.device().server_device_id)) > 0
    r2 = a.sync()
    assert r2.outcome == "offline"  # timed out
    monkeypatch.delenv("SMART_KAMPUNG_SYNC_TIMEOUT")
    _sync_until_done(a)
    assert_exactly_once(server, a)


def test_500_on_one_change_mid_batch(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server, url=proxy.url, row_retry_base=0.05)
    ids = [a.add_resident(f"Warga {i}") for i in range(16)]
    poison = ids[7]
    proxy.fault = lambda m, path, body: ("status", 500) if poison.encode() in body else None
    report = a.sync()
    states = {r.entity_id: r.state for r in a.outbox() if r.entity == "resident"}
    assert states[poison] == "pending"
    assert all(v == "acked" for k, v in states.items() if k != poison), report
    # a 500 after the server committed a whole batch: retried, answered "duplicate"
    more = [a.add_resident(f"Baru {i}") for i in range(5)]
    sent = {"n": 0}

    def after(m: str, path: str, body: bytes) -> Any:
        if path.startswith("/api/v1/push") and more[0].encode() in body and sent["n"] == 0:
            sent["n"] += 1
            return ("after_status", 500)
        return None

    proxy.fault = after
    _sync_until_done(a)
    assert_exactly_once(server, a)


def test_409_for_one_record_while_others_flow(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server, url=proxy.url)
    ids = [a.add_resident(f"Warga {i}") for i in range(10)]
    bad = ids[4]
    proxy.fault = lambda m, path, body: ("status", 409) if bad.encode() in body else None
    a.sync()
    a.edit_resident(bad, rt="009")  # held back behind the stopped change of the same record
    a.edit_resident(ids[5], rt="005")
    a.sync()
    by = {(r.entity_id, r.op): r.state for r in a.outbox() if r.entity == "resident"}
    assert by[(bad, "create")] == "rejected" and by[(bad, "update")] == "pending"
    assert by[(ids[5], "update")] == "acked"
    assert all(by[(i, "create")] == "acked" for i in ids if i != bad)
    status = a.services.sync.status()
    assert status.state == "needs_action" and status.rejected == 1
    # staff retry once the cause is gone: the record flows again, in order
    proxy.fault = lambda m, path, body: None
    [issue] = a.services.sync.issues()
    a.services.sync.retry(admin_actor(a.services), issue.id)
    _sync_until_done(a)
    assert server.record("resident", bad).data["rt"] == "009"
    assert_exactly_once(server, a)


def test_same_push_replayed_three_times_at_once(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server, url=proxy.url)
    for i in range(30):
        a.add_resident(f"Warga {i}")
    captured: list[bytes] = []

    def capture(m: str, path: str, body: bytes) -> Any:
        if path.startswith("/api/v1/push"):
            captured.append(body)
        return None

    proxy.fault = capture
    assert a.sync().ok
    token = a.device().token
    answers: list[Any] = []

    def replay() -> None:
        r = requests.post(f"{server.url}/api/v1/push", data=captured[0], timeout=30,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answers.append(r.json())

    threads = [threading.Thread(target=replay) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 3
    assert all(x["status"] == "duplicate" for ans in answers for x in ans["results"])
    assert_exactly_once(server, a)


def test_two_sync_workers_on_one_device(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    for i in range(60):
        a.add_resident(f"Warga {i}")
    procs = [spawn_client(a.data_dir, "sync", "--once", "--json") for _ in range(2)]
    worker_report = a.sync()  # and a third, in-process
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert worker_report.outcome in ("ok", "busy")
    _sync_until_done(a)
    assert_exactly_once(server, a)


# --- pull --------------------------------------------------------------------------------------------------


def test_connection_cut_between_pull_pages(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server)
    ids = [a.add_resident(f"Warga {i}") for i in range(40)]
    assert a.sync().ok
    b = offices("b", server=server, url=proxy.url, pull_limit=10)
    pulls = {"n": 0}

    def cut(m: str, path: str, body: bytes) -> Any:
        if path.startswith("/api/v1/pull"):
            pulls["n"] += 1
            return "drop" if pulls["n"] == 3 else None
        return None

    proxy.fault = cut
    r = b.sync()
    assert r.outcome == "offline" and r.pulled == 20
    with b.store.read() as s:
        assert st.get_state(s, st.K_CURSOR) > 0
    assert b.sync().ok
    assert all(b.resident(i) is not None for i in ids)
    assert_exactly_once(server, a)


def test_slow_commit_not_skipped_by_later_pull(server: DistrictServer, offices: Any) -> None:
    """Pushes from two devices overlap with continuous pulls on a third: the pulling device ends with
    every record (server_seq is assigned under the writer lock, so commit order is sequence order)."""
    a = offices("a", server=server)
    b = offices("b", server=server)
    c = offices("c", server=server, pull_limit=7)
    ids = [a.add_resident(f"A {i}") for i in range(150)] + [b.add_resident(f"B {i}") for i in range(150)]
    stop = threading.Event()
    cursors: list[int] = []

    def puller() -> None:
        while not stop.is_set():
            c.sync()
            with c.store.read() as s:
                cursors.append(int(st.get_state(s, st.K_CURSOR, 0)))

    t = threading.Thread(target=puller)
    t.start()
    ta = threading.Thread(target=lambda: _sync_until_done(a))
    ta.start()
    _sync_until_done(b)
    ta.join()
    stop.set()
    t.join()
    c.sync()
    assert cursors == sorted(cursors)
    assert all(c.resident(i) is not None for i in ids)
    assert_exactly_once(server, a)
    assert_exactly_once(server, b)


def test_disk_full_during_pull(server: DistrictServer, offices: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a = offices("a", server=server)
    ids = [a.add_resident(f"Warga {i}") for i in range(15)]
    assert a.sync().ok
    b = offices("b", server=server)
    with b.store.read() as s:
        cursor_before = st.get_state(s, st.K_CURSOR, 0)

    real_apply = st.apply_pulled

    def full(session: Any, changes: Any, **kw: Any) -> Any:  # the page is applied, then the disk is full
        real_apply(session, changes, **kw)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(st, "apply_pulled", full)
    report = b.sync()
    assert report.outcome == "storage" and "No space" in (report.error or "")
    assert all(b.resident(i) is None for i in ids)  # nothing half-applied
    with b.store.read() as s:
        assert st.get_state(s, st.K_CURSOR, 0) == cursor_before
    monkeypatch.setattr(st, "apply_pulled", real_apply)
    assert b.sync().ok
    assert all(b.resident(i) is not None for i in ids)
    assert_exactly_once(server, a)


# --- clocks, tokens, revocation ---------------------------------------------------------------------------


def _shift_clock(monkeypatch: pytest.MonkeyPatch, delta: dt.timedelta) -> None:
    from kiosk.models import utcnow as real

    def shifted() -> dt.datetime:
        return real() + delta

    for mod in (client_mod, leases, st):
        monkeypatch.setattr(mod, "utcnow", shifted)


def test_device_clock_two_days_ahead(server: DistrictServer, offices: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a = offices("a", server=server)
    _shift_clock(monkeypatch, dt.timedelta(days=2))
    ids = [a.add_resident(f"Warga {i}") for i in range(5)]
    report = a.sync()
    assert report.ok and "clock_off" in report.warnings
    assert report.clock_offset_seconds is not None and report.clock_offset_seconds < -2 * 86400 + 60
    status = a.services.sync.status()
    assert any("jam" in w.lower() or "clock" in w.lower() for w in status.warnings), status.warnings
    issue_letter(a, dt.date.today().year)  # ahead is allowed (numbers never go backwards)
    _sync_until_done(a)
    b = offices("b", server=server)
    assert b.sync().ok and all(b.resident(i) for i in ids)  # cursors are server sequence, not time
    assert_exactly_once(server, a)


def test_device_clock_one_day_behind(server: DistrictServer, offices: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a = offices("a", server=server)
    assert a.sync().ok  # last server time seen: now
    _shift_clock(monkeypatch, dt.timedelta(days=-1))
    a.add_resident("Warga")
    report = a.sync()
    assert report.ok and "clock_off" in report.warnings
    with pytest.raises(leases.ClockBehind):
        issue_letter(a, dt.date.today().year)
    assert_exactly_once(server, a)


def test_token_expired_offline_then_reenroll(server: DistrictServer, offices: Any) -> None:
    a = offices("a", server=server)
    ids = [a.add_resident(f"Warga {i}") for i in range(5)]
    assert a.sync().ok
    with a.store.write() as s:  # the token expires while the office is offline
        st.device(s).token = "kedaluwarsa"  # type: ignore[union-attr]
    more = [a.add_resident(f"Baru {i}") for i in range(5)]
    report = a.sync()
    assert report.outcome == "needs_reenroll"
    status = a.services.sync.status()
    assert status.state == "needs_action" and status.needs_reenroll and status.offline_since is None
    assert status.pending == 5  # nothing discarded
    assert a.sync().outcome == "needs_reenroll"  # paused, not retried in a loop
    a.client.enroll(server.url, server.code())
    _sync_until_done(a)
    assert all(server.record("resident", i) is not None for i in ids + more)
    assert_exactly_once(server, a)


def test_revoked_device_keeps_and_exports_queue(server: DistrictServer, offices: Any, tmp_path: Path) -> None:
    a = offices("a", server=server)
    a.add_resident("Warga")
    assert a.sync().ok
    server.store.revoke(a.device().server_device_id)
    waiting = [a.add_resident(f"Baru {i}") for i in range(3)]
    report = a.sync()
    assert report.outcome == "revoked"
    assert a.device().revoked and a.services.sync.status().state == "needs_action"
    out = tmp_path / "antrian.json"
    done = run_client(a.data_dir, "sync", "export-queue", str(out), "--json")
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())
    assert {c["entity_id"] for c in exported["changes"]} == set(waiting)
    assert all(c["state"] == "pending" for c in exported["changes"])


# --- letter numbers ------------------------------------------------------------------------------------


def test_two_offices_issue_30_letters_offline_from_leases(server: DistrictServer, proxy: FaultProxy,
                                                          offices: Any) -> None:
    year = dt.date.today().year
    a = offices("a", server=server, url=proxy.url, lease_size=40)
    b = offices("b", server=server, url=proxy.url, lease_size=40)
    assert a.sync().ok and b.sync().ok  # each takes a lease
    proxy.fault = lambda m, path, body: "drop"  # offline
    numbers: dict[str, list[int]] = {"a": [], "b": []}
    for _ in range(30):
        numbers["a"].append(issue_letter(a, year)[0])
        numbers["b"].append(issue_letter(b, year)[0])
    assert a.sync().outcome == "offline"
    proxy.fault = lambda m, path, body: None
    _sync_until_done(a)
    _sync_until_done(b)
    all_numbers = numbers["a"] + numbers["b"]
    assert len(set(all_numbers)) == 60
    with server.store.db.read() as s:
        leased = list(s.scalars(select(NumberLease)))
        used = list(s.scalars(select(UsedNumber).where(UsedNumber.state == "used",
                                                       UsedNumber.village == server.village)))
    for who, office in (("a", a), ("b", b)):
        mine = [x for x in leased if x.device_id == office.device().server_device_id]
        assert all(any(x.start <= n <= x.end for x in mine) for n in numbers[who])
    assert sorted(u.number for u in used) == sorted(all_numbers)
    assert_exactly_once(server, a)
    assert_exactly_once(server, b)


def test_lease_exhausted_offline_is_a_clear_error(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    year = dt.date.today().year
    a = offices("a", server=server, url=proxy.url, lease_size=5)
    assert a.sync().ok
    proxy.fault = lambda m, path, body: "drop"
    got = [issue_letter(a, year)[0] for _ in range(5)]
    with pytest.raises(leases.LeaseExhausted):
        issue_letter(a, year)
    assert len(set(got)) == 5
    proxy.fault = lambda m, path, body: None
    _sync_until_done(a)
    assert issue_letter(a, year)[0] not in got  # refilled when back online
    _sync_until_done(a)
    assert_exactly_once(server, a)


def test_standalone_high_water_honoured_at_enrollment(server: DistrictServer, offices: Any) -> None:
    year = dt.date.today().year
    a = offices("a")  # standalone
    local = [issue_letter(a, year) for _ in range(7)]
    assert [n for n, lease in local] == list(range(1, 8)) and all(lease is None for _, lease in local)
    a.client.enroll(server.url, server.code())
    _sync_until_done(a)
    n, lease_id = issue_letter(a, year)
    assert n == 8 and lease_id is not None
    _sync_until_done(a)
    assert_exactly_once(server, a)


def test_restored_from_old_backup(server: DistrictServer, offices: Any, tmp_path: Path) -> None:
    year = dt.date.today().year
    a = offices("a", server=server)
    a.add_resident("Sebelum")
    assert a.sync().ok
    backup = tmp_path / "old.sqlite3"
    src = sqlite3.connect(a.store.paths.database)
    dst = sqlite3.connect(backup)
    src.backup(dst)
    dst.close()
    src.close()
    later = [issue_letter(a, year)[0] for _ in range(3)]
    a.add_resident("Sesudah")
    _sync_until_done(a)
    data_dir = a.data_dir
    a.close()
    os.replace(backup, a.store.paths.database)
    for suffix in ("-wal", "-shm"):
        Path(str(a.store.paths.database) + suffix).unlink(missing_ok=True)
    r = reopen_office(data_dir)
    try:
        report = r.sync()
        assert report.outcome == "restored"
        assert r.services.sync.status().state == "needs_action"
        with pytest.raises(leases.NumbersBlocked):
            issue_letter(r, year)
        r.client.enroll(server.url, server.code())
        _sync_until_done(r)
        n, _ = issue_letter(r, year)
        assert n not in later  # a restored device never hands out a number again
        _sync_until_done(r)
        with server.store.db.read() as s:
            used = [u.number for u in s.scalars(select(UsedNumber).where(
                UsedNumber.state == "used", UsedNumber.village == server.village))]
        assert len(used) == len(set(used)) == 4
    finally:
        r.close()


def test_offline_across_new_year(server: DistrictServer, proxy: FaultProxy, offices: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    year = dt.date.today().year
    a = offices("a", server=server, url=proxy.url, lease_size=10)
    monkeypatch.setattr(client_mod, "office_date", lambda server_time: dt.date(year, 12, 20))
    assert a.sync().ok
    with a.store.read() as s:
        assert leases.remaining(s, year, "all") == 10 and leases.remaining(s, year + 1, "all") == 10
    proxy.fault = lambda m, path, body: "drop"  # offline over 31 December
    dec = [issue_letter(a, year)[0] for _ in range(3)]
    jan = [issue_letter(a, year + 1)[0] for _ in range(2)]
    assert jan == [1, 2] and dec == [1, 2, 3]
    proxy.fault = lambda m, path, body: None
    monkeypatch.setattr(client_mod, "office_date", lambda server_time: dt.date(year + 1, 1, 3))
    _sync_until_done(a)
    with a.store.read() as s:
        unused = list(s.scalars(select(LetterNumber).where(LetterNumber.state == "unused")))
    assert sorted(u.number for u in unused) == list(range(4, 11)) and all(u.year == year for u in unused)
    with server.store.db.read() as s:
        server_unused = sorted(u.number for u in s.scalars(select(UsedNumber).where(
            UsedNumber.state == "unused", UsedNumber.year == year, UsedNumber.village == server.village)))
    assert server_unused == list(range(4, 11))
    assert_exactly_once(server, a)


def test_captive_portal_is_not_the_server(server: DistrictServer, proxy: FaultProxy, offices: Any) -> None:
    a = offices("a", server=server, url=proxy.url)
    a.add_resident("Warga")
    proxy.fault = lambda m, path, body: ("html", 200)
    report = a.sync()
    assert report.outcome == "offline"
    status = a.services.sync.status()
    assert status.state == "offline" and status.pending >= 1
    with a.store.read() as s:
        assert s.execute(select(OutboxChange).where(OutboxChange.state == "in_flight")).first() is None
    proxy.fault = lambda m, path, body: None
    _sync_until_done(a)
    assert_exactly_once(server, a)
