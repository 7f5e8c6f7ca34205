"""`python -m bench apbdes_district`: the district's APBDes overview of every Banyuwangi village (217),
each with an induk and a perubahan for three years, realization sums and reports, rendered through the
app on SQLite and on PostgreSQL (budget 300 ms). Raw baseline: the same SELECTs through the driver."""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from bench.monitoring import PG_ADMIN, villages

BUDGET_MS = 300.0
COLUMNS = {
    "villages": "code, name",
    "budget_apbdes": "village, apbdes_id, tahun, versi, status, perdes_no, perdes_date, set_at, pendapatan, belanja, "
                     "penerimaan, pengeluaran, dana_desa, dds_belanja, blt, pangan, operasional, per_bidang, lines, "
                     "updated_at",
    "budget_realization_sums": "village, tahun, key, total, entries, last_date",
    "budget_reports": "village, tahun, periode, submitted_at, report_id",
}
RAW = ["SELECT village, max(versi) FROM budget_apbdes WHERE tahun = 2025 GROUP BY village",
       "SELECT * FROM budget_apbdes WHERE tahun = 2025",
       "SELECT village, key, total, last_date FROM budget_realization_sums WHERE tahun = 2025",
       "SELECT village, periode, submitted_at FROM budget_reports WHERE tahun = 2025"]


def generate() -> dict[str, list[tuple[Any, ...]]]:
    rnd = random.Random(2015)
    vs = villages()
    stamp = "2025-11-01 00:00:00+00:00"
    data: dict[str, list[tuple[Any, ...]]] = {"villages": vs, "budget_apbdes": [], "budget_realization_sums": [],
                                              "budget_reports": []}
    for code, _name in vs:
        for tahun in (2023, 2024, 2025):
            for versi in (0, 1):
                dd = rnd.randrange(700, 1200) * 1_000_000_00
                belanja = dd * 2
                bidang = {"01": belanja * 35 // 100, "02": belanja * 40 // 100, "03": belanja * 5 // 100,
                          "04": belanja * 12 // 100, "05": belanja * 8 // 100}
                data["budget_apbdes"].append((
                    code, uuid.uuid4().hex, tahun, versi, rnd.choice(["ditetapkan"] * 5 + ["draft"]), "3/2024",
                    f"{tahun - 1}-12-20", f"{tahun - 1}-12-2{rnd.randrange(10)} 03:00:00+00:00", belanja - dd // 10,
                    belanja, dd // 10, 0, dd, dd * 9 // 10, dd * 15 // 100, dd * rnd.randrange(15, 25) // 100,
                    dd * 3 // 100, json.dumps(bidang), rnd.randrange(100, 2000), stamp))
            spent = rnd.randrange(20, 100)
            for key, share in (("4", 60), ("5", spent), ("6.1", 100), ("6.2", 50), ("dds", spent), ("b:01", spent),
                               ("b:02", spent), ("b:03", spent), ("b:04", spent), ("b:05", spent)):
                data["budget_realization_sums"].append((code, tahun, key, share * 10_000_000_00, 40,
                                                        f"{tahun}-10-{rnd.randrange(1, 28):02d}"))
            if rnd.random() < 0.8:
                data["budget_reports"].append((code, tahun, "semester1", f"{tahun}-07-{rnd.randrange(1, 31):02d} "
                                               "02:00:00+00:00", uuid.uuid4().hex))
    return data


def load_sqlite(url: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    for table, rows in data.items():
        cols = COLUMNS[table]
        conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(cols.split(',')))})", rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(dsn: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for table, rows in data.items():
            with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def raw_ms(url: str, runs: int) -> float:
    times = []
    if url.startswith("sqlite"):
        import sqlite3

        conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        for _ in range(runs):
            t = time.perf_counter()
            for sql in RAW:
                conn.execute(sql).fetchall()
            times.append((time.perf_counter() - t) * 1000)
    finally:
        conn.close()
    return statistics.median(times)


def measure(url: str, runs: int) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from sync.district import monitoring
    from sync.district.app import create_app

    app = create_app(url, migrate=False)
    monitoring.add_user(app.state.db, "bench", "bench-password-1")
    cookie = monitoring.session_cookie_for(app.state.db, "bench")
    try:
        with TestClient(app) as client:
            client.cookies.set(monitoring.COOKIE, cookie, path="/monitoring")
            timings = []
            for i in range(runs + 2):
                t = time.perf_counter()
                r = client.get("/monitoring/apbdes?tahun=2025")
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 200 and r.text.count("/monitoring/apbdes/desa/") >= 217, r.status_code
                if i >= 2:
                    timings.append(elapsed)
        return statistics.median(timings), raw_ms(url, runs)
    finally:
        app.state.db.dispose()


def run_backend(name: str, url: str, data: dict[str, list[tuple[Any, ...]]], runs: int, loader: Any,
                target: str) -> bool:
    from sync.district.db import Database

    db = Database(url)
    db.upgrade()
    db.dispose()
    loader(target, data)
    page, raw = measure(url, runs)
    ok = page < BUDGET_MS
    print(f"{name:<10} APBDes overview page median {page:6.1f} ms | raw SELECTs {raw:5.1f} ms | "
          f"budget {BUDGET_MS:.0f} ms: {'OK' if ok else 'OVER'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    runs = 15
    data = generate()
    load = Path("/proc/loadavg").read_text(encoding="ascii").split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"APBDes district benchmark: {len(data['villages'])} villages, {len(data['budget_apbdes'])} APBDes versions, "
          f"{len(data['budget_realization_sums'])} realization sums; median of {runs} renders; load {load}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'district.sqlite3'}"
        results.append(run_backend("SQLite", url, data, runs, load_sqlite, url))
    try:
        import psycopg

        name = "sk_bench_" + uuid.uuid4().hex[:10]
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"PostgreSQL  skipped: not reachable ({type(exc).__name__}: {exc})")
    else:
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            results.append(run_backend("PostgreSQL", url, data, runs, load_postgres,
                                       f"host=127.0.0.1 port=5432 user=postgres dbname={name}"))
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin2:
                admin2.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
