"""Save-a-resident benchmark: ``ResidentService.register`` and ``edit`` (NIK checks, audit entry, outbox
row, one transaction, ``synchronous=FULL``) in a 100,000-resident village, beside a raw ``sqlite3``
insert + commit of one row with the same pragmas in the same run. Budget: under 20 ms."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time

from bench._residents_common import demo_services, line, stats_ms

RUNS = 200


def main(argv: list[str] | None = None) -> int:
    n = int(argv[0]) if argv else 100_000
    services, actor = demo_services(n)
    rs = services.residents
    register_t: list[float] = []
    edit_t: list[float] = []
    for i in range(RUNS):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        nik = f"351001{born.day:02d}{born.month:02d}{born.year % 100:02d}{9000 + i:04d}"
        data = {"name": f"Bench Warga {i}", "sex": 1, "nik": nik, "birth_date": born, "dusun": "Krajan",
                "rt": "1", "rw": "1", "religion": 1, "occupation": 9}
        t = time.perf_counter()
        r = rs.register(actor, data)
        register_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        rs.edit(actor, r.id, {"phone": f"0812{i:06d}"}, base_version=1)
        edit_t.append(time.perf_counter() - t)
    raw = sqlite3.connect(services.store.paths.root / "raw-bench.sqlite3", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, nik TEXT, name TEXT, payload TEXT)")
    raw_t: list[float] = []
    for i in range(RUNS):
        t = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (f"id{i}", f"{i:016d}", f"Bench {i}", "{}"))
        raw.execute("COMMIT")
        raw_t.append(time.perf_counter() - t)
    raw.close()
    print(f"save: {n} residents in the store, {RUNS} saves each (WAL, synchronous=FULL)")
    print(line("register (checks + resident + audit + outbox)", register_t))
    print(line("edit one field (version + audit + outbox)", edit_t))
    print(line("raw sqlite3 insert + commit", raw_t))
    med = max(stats_ms(register_t)[0], stats_ms(edit_t)[0])
    ok = med < 20
    print(f"budget 20 ms: {'OK' if ok else 'OVER'}")
    services.store.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
