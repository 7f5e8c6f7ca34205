"""A hypothesis state machine: two or three office devices of one village edit residents at random and sync
with the district (in-process, through the client's transport seam) through crashes (kill -9 before and
after the server committed, and mid-pull), lost answers and duplicated requests.

After every step: each change the server took is there once, and only changes a device committed.
At the end: all devices sync until nothing moves; every device agrees with the server except records held
for staff by a recorded conflict; then staff resolve the conflicts, the devices sync again, and everything
agrees; every committed outbox row reached the server exactly once."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from kiosk.models import OutboxChange, Resident
from kiosk.services import sync_state as sync_state_mod
from kiosk.services.sync_state import RecordLocked
from sync.district.models import ChangeLogEntry, ReceivedChange, Record
from sync.district.models import Device as ServerDevice
from tests.sync.fakes import Dev, District, make_template

FIELDS = ("name", "rt", "address")
VALUES = {
    "name": ("Siti Aminah", "Budi Santoso", "Wayan Sudarsa", "Dewi Lestari"),
    "rt": ("001", "002", "003"),
    "address": ("Dusun Krajan", "Dusun Sumberejo", "Jl. Merdeka 5"),
}
UNSENT = ("pending", "in_flight")
QUIET_ROUNDS = 10

_template: dict[str, Path] = {}
STATS: Counter[str] = Counter()  # what the examples exercised (printed with -s)


def _resident_values(r: Resident) -> dict[str, Any]:
    return {"name": r.name, "rt": r.rt, "address": r.address}


class VillageSync(RuleBasedStateMachine):
    """Devices of one village and the district; each example gets a fresh district database."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sk-sm-", dir=_template["root"]))
        self.district = District(self.tmp / "district.sqlite3")
        self.devices: list[Dev] = []
        self.created = 0

    # -- setup ------------------------------------------------------------------------------------------

    @initialize(n=st.integers(min_value=2, max_value=3), seeded=st.integers(min_value=1, max_value=3))
    def enroll_devices(self, n: int, seeded: int) -> None:
        """Enrolled devices that already share a few residents (so edits can meet from the first step)."""
        for i in range(n):
            dev = Dev.from_template(f"pc{i}", _template["office"], self.tmp / f"pc{i}", self.district)
            dev.enroll()
            self.devices.append(dev)
        first = self.devices[0]
        for i in range(seeded):
            first.services.residents.register(first.actor, {"name": VALUES["name"][i], "sex": 1, "rt": "001",
                                                            "address": "Dusun Krajan"})
        for dev in self.devices:
            assert dev.sync().ok

    def teardown(self) -> None:
        try:
            if self.devices:
                self._final_checks()
        finally:
            for dev in self.devices:
                dev.close()
            self.district.close()

    # -- rules ------------------------------------------------------------------------------------------

    def _device(self, data: st.DataObject) -> Dev:
        return data.draw(st.sampled_from(self.devices), label="device")

    @rule(data=st.data(), name=st.sampled_from(VALUES["name"]), rt=st.sampled_from(VALUES["rt"]))
    def create_resident(self, data: st.DataObject, name: str, rt: str) -> None:
        dev = self._device(data)
        dev.services.residents.register(dev.actor, {"name": name, "sex": 1 + self.created % 2, "rt": rt,
                                                    "address": "Dusun Krajan"})
        self.created += 1

    @rule(data=st.data(), field=st.sampled_from(FIELDS))
    def edit_resident(self, data: st.DataObject, field: str) -> None:
        dev = self._device(data)
        with dev.store.read() as s:
            ids = sorted(s.scalars(select(Resident.id)))
        if not ids:
            return
        rid = data.draw(st.sampled_from(ids), label="resident")
        value = data.draw(st.sampled_from(VALUES[field]), label="value")
        _edit(dev, rid, {field: value})

    @rule(data=st.data(), field=st.sampled_from(FIELDS))
    def edit_on_two_devices(self, data: st.DataObject, field: str) -> None:
        """Two devices change the same field of one resident before either syncs (a hard conflict unless
        they happen to agree)."""
        a, b = data.draw(st.permutations(self.devices), label="devices")[:2]
        with a.store.read() as s:
            on_a = set(s.scalars(select(Resident.id)))
        with b.store.read() as s:
            shared = sorted(on_a & set(s.scalars(select(Resident.id))))
        if not shared:
            return
        rid = data.draw(st.sampled_from(shared), label="resident")
        for dev in (a, b):
            _edit(dev, rid, {field: data.draw(st.sampled_from(VALUES[field]))})

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        self._device(data).sync()

    @rule(data=st.data(), when=st.sampled_from(("crash_before", "crash_after", "crash_pull")))
    def crash_mid_sync(self, data: st.DataObject, when: str) -> None:
        """kill -9 during a sync (before the push was sent, after the server committed it, or while a
        pull answer was on its way); the device starts again from its database on disk."""
        self._device(data).sync(fault=when)

    @rule(data=st.data())
    def lose_response(self, data: st.DataObject) -> None:
        """The server applied the push; the client never heard (a timeout)."""
        self._device(data).sync(fault="lose")

    @rule(data=st.data())
    def duplicate_request(self, data: st.DataObject) -> None:
        """The same push batch reaches the server twice."""
        self._device(data).sync(fault="dup")

    # -- invariants -------------------------------------------------------------------------------------

    def _server_device_ids(self) -> dict[str, Dev]:
        return {dev.server_device_id(): dev for dev in self.devices}

    def _received(self) -> list[ReceivedChange]:
        with self.district.store.db.read() as s:
            return list(s.scalars(select(ReceivedChange).order_by(ReceivedChange.id)))

    @invariant()
    def server_has_each_change_once_and_only_committed_ones(self) -> None:
        if not self.devices:
            return
        by_server_id = self._server_device_ids()
        received = self._received()
        counts = Counter(r.change_id for r in received)
        assert all(n == 1 for n in counts.values()), [c for c, n in counts.items() if n > 1]
        with self.district.store.db.read() as s:
            log = list(s.scalars(select(ChangeLogEntry)))
            assert {d for d in s.scalars(select(ServerDevice.id))} == set(by_server_id)
        seqs = [r.server_seq for r in received if r.server_seq is not None]
        assert len(seqs) == len(set(seqs)), "two changes share a server sequence"
        assert sorted(seqs) == sorted(e.server_seq for e in log), "change log and answers disagree"
        committed = {dev_id: {row.change_id: row for row in dev.outbox()} for dev_id, dev in by_server_id.items()}
        for r in received:
            assert r.device_id in committed
            row = committed[r.device_id].get(r.change_id)
            assert row is not None, f"the server holds change {r.change_id} that {r.device_id} never committed"
            assert row.payload_hash == r.payload_hash
            if r.status == "applied":
                # the device may not have heard yet (lost answer, crash), never the other way round
                assert row.state in ("acked", *UNSENT), (row.state, row.last_error)
            if row.state == "acked":
                assert r.status == "applied", (r.status, r.reason)
                assert row.server_seq == r.server_seq

    # -- the end ----------------------------------------------------------------------------------------

    def _sync_until_quiet(self) -> None:
        quiet = 0
        for _ in range(QUIET_ROUNDS):
            moved = False
            for dev in self.devices:
                report = dev.sync()
                assert report is not None and report.ok, report
                moved = moved or bool(report.sent or report.pulled)
            quiet = 0 if moved else quiet + 1
            if quiet:
                return
        pytest.fail(f"still syncing after {QUIET_ROUNDS} rounds")

    def _server_residents(self) -> dict[str, dict[str, Any]]:
        with self.district.store.db.read() as s:
            rows = s.scalars(select(Record).where(Record.entity == "resident", Record.deleted.is_(False)))
            return {r.entity_id: {k: r.data.get(k) for k in FIELDS} for r in rows}

    def _device_residents(self, dev: Dev) -> dict[str, dict[str, Any]]:
        with dev.store.read() as s:
            return {r.id: _resident_values(r) for r in s.scalars(select(Resident))}

    def _check_exactly_once(self, *, all_sent: bool) -> None:
        by_server_id = self._server_device_ids()
        received = {(r.device_id, r.change_id): r for r in self._received()}
        sent_rows = 0
        for dev_id, dev in by_server_id.items():
            for row in dev.outbox():
                if row.last_error == "local_only":
                    continue
                if row.state in UNSENT:
                    assert not all_sent, (dev.name, row.entity_id, row.state)
                    assert (dev_id, row.change_id) not in received or received[(dev_id, row.change_id)].status \
                        != "applied", "an applied change still waits on the device"
                    continue
                sent_rows += 1
                got = received.get((dev_id, row.change_id))
                assert got is not None, f"{dev.name}: change {row.change_id} ({row.state}) never reached the server"
                assert got.payload_hash == row.payload_hash
                assert row.state in ("acked", "conflict"), (row.state, row.last_error)
                assert got.status == ("applied" if row.state == "acked" else "conflict"), (got.status, got.reason)
        assert len(received) == sent_rows, "the server holds changes no device has as sent"

    def _final_checks(self) -> None:
        for dev in self.devices:  # faults still armed strike now, then the network is healthy
            dev.sync()
            dev.faults.armed = None
        self._sync_until_quiet()
        for dev in self.devices:
            STATS.update(f"fault {fault}" for fault in dev.faults.fired)
        STATS["examples"] += 1
        STATS["conflicts held for staff"] += sum(len(dev.services.sync.issues()) for dev in self.devices)
        STATS["residents"] += len(self._server_residents())
        server = self._server_residents()
        # 1. Quiet: everything agrees except records a device holds for staff, each with its recorded conflict.
        for dev in self.devices:
            issues = dev.services.sync.issues()
            assert all(i.kind == "conflict" for i in issues), [(i.kind, i.reason) for i in issues]
            held = {i.entity_id for i in issues}
            recorded = {i.change_id for i in issues}
            for row in dev.outbox():
                if row.state == "conflict":
                    assert row.change_id in recorded, f"{dev.name}: conflict {row.change_id} not shown to staff"
                if row.state in UNSENT:
                    assert row.entity_id in held, f"{dev.name}: {row.entity_id} still waits without a conflict"
            mine = self._device_residents(dev)
            assert set(mine) == set(server), dev.name
            for rid, values in mine.items():
                if rid not in held:
                    assert values == server[rid], (dev.name, rid)
        self._check_exactly_once(all_sent=False)
        # 2. Staff resolve every conflict (keeping the office's value or taking the district's, in turn);
        #    the devices sync again until nothing is left to resolve.
        for _ in range(6):
            open_issues = [(dev, i) for dev in self.devices for i in dev.services.sync.issues()]
            if not open_issues:
                break
            for dev, issue in open_issues:
                choice = "local" if issue.id % 2 == 0 else "server"
                dev.services.sync.resolve_conflict(dev.actor, issue.id, dict.fromkeys(issue.fields, choice))
            self._sync_until_quiet()
        server = self._server_residents()
        for dev in self.devices:
            assert dev.services.sync.issues() == [], dev.name
            assert self._device_residents(dev) == server, dev.name
            with dev.store.read() as s:
                assert sync_state_mod.status(s).state == "synced"
        self._check_exactly_once(all_sent=True)


def test_a_resident_in_flight_is_locked_against_edits(tmp_path: Path) -> None:
    district = District(tmp_path / "district.sqlite3")
    dev = Dev.from_template("pc", make_template(tmp_path / "template"), tmp_path / "pc", district)
    try:
        dev.enroll()
        rid = dev.services.residents.register(dev.actor, {"name": "Siti Aminah", "sex": 2}).id
        seen: list[str] = []

        def edit_while_pushing(path: str) -> None:
            if path != "/push" or seen:
                return
            assert [r.state for r in dev.outbox()] == ["in_flight"]
            try:
                dev.services.residents.edit(dev.actor, rid, {"rt": "004"})
                seen.append("edited")
            except RecordLocked:
                seen.append("locked")

        dev.faults.on_request = edit_while_pushing
        assert dev.sync().ok
        assert seen == ["locked"]
    finally:
        dev.close()
        district.close()


@pytest.mark.slow
def _edit(dev: Any, rid: str, changes: dict[str, Any]) -> None:
    """Edit a resident; a record whose change is still in flight (e.g. after a crash, until the next sync
    recovers it) is refused with RecordLocked, and then nothing of the edit may have been written."""
    with dev.store.read() as s:
        before = {k: getattr(s.get(Resident, rid), k) for k in changes}
        outbox_before = s.scalar(select(func.count()).select_from(OutboxChange))
    try:
        dev.services.residents.edit(dev.actor, rid, changes)
    except RecordLocked:
        with dev.store.read() as s:
            assert {k: getattr(s.get(Resident, rid), k) for k in changes} == before
            assert s.scalar(select(func.count()).select_from(OutboxChange)) == outbox_before
        STATS["edit_refused_in_flight"] += 1


def test_devices_converge_exactly_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("state-machine")
    _template["root"] = root
    _template["office"] = make_template(root / "template")
    run_state_machine_as_test(VillageSync, settings=settings(
        max_examples=15, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print("state machine:", dict(sorted(STATS.items())))
