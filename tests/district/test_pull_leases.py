"""Pull cursors and paging, compaction resets, number leases, and both under concurrent threads."""

from __future__ import annotations

import threading

from sync import protocol as p
from sync.district.models import UsedNumber
from tests.district.conftest import OTHER_VILLAGE, District


def test_pull_paging_and_village_scope(district: District) -> None:
    a = district.enroll()
    b = district.enroll()
    other = district.enroll(OTHER_VILLAGE)
    other.push(other.change("resident", "x1", "create", {"name": "X"}))
    a.push(*[a.change("resident", f"r{i}", "create", {"name": f"N{i}"}) for i in range(7)])
    seen: list[str] = []
    cursor = 0
    pages = 0
    while True:
        page = b.pull(after=cursor, limit=3)
        seen += [c.entity_id for c in page.changes]
        assert all(c.village == b.village and c.origin_device == a.device_id for c in page.changes)
        cursor = page.next_cursor
        pages += 1
        if not page.has_more:
            break
    assert seen == [f"r{i}" for i in range(7)]
    assert pages == 3
    assert b.pull(after=cursor).changes == []
    assert b.pull(after=cursor).next_cursor == cursor


def test_reset_required_after_compaction_or_future_cursor(district: District) -> None:
    a = district.enroll()
    a.push(*[a.change("resident", f"r{i}", "create", {"name": "N"}) for i in range(5)])
    assert not a.pull(after=0).reset_required
    assert a.pull(after=99).reset_required
    assert district.store.compact(3) == 3
    assert a.pull(after=0).reset_required
    page = a.pull(after=3)
    assert not page.reset_required
    assert [c.server_seq for c in page.changes] == [4, 5]


def test_leases_do_not_overlap_and_skip_used_numbers(district: District) -> None:
    a = district.enroll()
    b = district.enroll()
    first = district.client.post("/api/v1/leases", json={"year": 2026}, headers=a.headers).json()
    second = district.client.post("/api/v1/leases", json={"year": 2026, "size": 5}, headers=b.headers).json()
    assert (first["start"], first["end"], second["start"], second["end"]) == (1, 20, 21, 25)
    assert district.client.post("/api/v1/leases", json={"year": 2027}, headers=a.headers).json()["start"] == 1
    r = district.client.post("/api/v1/leases/unused", json={"lease_id": first["lease_id"], "numbers": [19, 20]},
                             headers=a.headers)
    assert r.json()["recorded"] == [19, 20]
    assert district.client.post("/api/v1/leases/unused", json={"lease_id": first["lease_id"], "numbers": [30]},
                                headers=a.headers).status_code == 422
    assert district.client.post("/api/v1/leases/unused", json={"lease_id": first["lease_id"], "numbers": [1]},
                                headers=b.headers).status_code == 404
    with district.store.db.read() as s:
        states = sorted((u.number, u.state) for u in s.query(UsedNumber))
    assert states == [(19, "unused"), (20, "unused")]


def test_concurrent_leases_are_unique(district: District) -> None:
    devices = [district.enroll(name=f"pc{i}") for i in range(4)]
    ranges: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(dev_index: int) -> None:
        try:
            device = district.store.authenticate(devices[dev_index].token)
            for _ in range(10):
                lease = district.store.lease(device, p.LeaseRequest(year=2026, size=7))
                with lock:
                    ranges.append((lease.start, lease.end))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = [n for start, end in ranges for n in range(start, end + 1)]
    assert len(numbers) == len(set(numbers)) == 40 * 7
    assert sorted(numbers) == list(range(1, 281))


def test_concurrent_pushes_never_let_a_pull_skip(district: District) -> None:
    devices = [district.enroll(name=f"pc{i}") for i in range(4)]
    reader = district.enroll(name="reader")
    stop = threading.Event()
    errors: list[BaseException] = []
    pulled: list[int] = []

    def writer(index: int) -> None:
        try:
            dev = devices[index]
            device = district.store.authenticate(dev.token)
            for batch in range(8):
                changes = [dev.change("resident", f"d{index}-{batch}-{i}", "create", {"name": "N"})
                           for i in range(5)]
                results = district.store.push(device, changes).results
                assert {r.status for r in results} == {"applied"}
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def puller() -> None:
        try:
            device = district.store.authenticate(reader.token)
            cursor = 0
            while True:
                done = stop.is_set()
                page = district.store.pull(device, cursor, 50)
                pulled.extend(c.server_seq for c in page.changes)
                cursor = page.next_cursor
                if done and not page.has_more:
                    return
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    pull_thread = threading.Thread(target=puller)
    pull_thread.start()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    pull_thread.join()
    assert not errors, errors
    assert pulled == list(range(1, 4 * 8 * 5 + 1))
