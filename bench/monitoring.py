"""`python -m bench monitoring [--letters N]`: the e-monitoring overview with every Banyuwangi village
(217) and one million letters, rendered through the app on SQLite and on PostgreSQL (budget 300 ms).

Data is bulk-loaded (sqlite3 executemany / PostgreSQL COPY); the page is fetched with a signed session
cookie through FastAPI's TestClient; the median of repeated renders is reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
BUDGET_MS = 300.0
TYPES = ["SKTM", "DOMISILI", "SKU", "SKCK", "PENGANTAR_NIKAH", "PINDAH", "KELAHIRAN", "KEMATIAN", "SKBM", "AHLI_WARIS"]


def villages() -> list[tuple[str, str]]:
    with (ROOT / "resources" / "wilayah" / "desa_kelurahan_banyuwangi_3510.csv").open(encoding="utf-8") as f:
        return [(r["code"], r["name"]) for r in csv.DictReader(f)]


def generate(n_letters: int, now: dt.datetime) -> dict[str, list[tuple[Any, ...]]]:
    rnd = random.Random(2016)
    vs = villages()
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.000000")
    devices = [(f"dev-{code}", code, "office", f"PC {name}", "A" * 44, uuid.uuid4().hex + uuid.uuid4().hex,
                stamp, None, (now - dt.timedelta(hours=rnd.choice([0.2, 1, 3, 10, 30, 80, 200]))).strftime(
                    "%Y-%m-%d %H:%M:%S.000000"), stamp, 0) for code, name in vs]
    reports = [(f"dev-{code}", code, rnd.randint(0, 40), rnd.choice([0, 0, 0, 1]), None, stamp) for code, _ in vs]
    codes = [c for c, _ in vs]
    letters = []
    today = now.date()
    for i in range(n_letters):
        day = today - dt.timedelta(days=rnd.randrange(365))
        letters.append((f"L{i:08d}", codes[i % len(codes)], f"474/{i}", TYPES[i % len(TYPES)],
                        day.isoformat(), "0" * 64, None, i % 97 == 0, None, stamp))
    complaints = []
    for i in range(n_letters // 20):
        received = now - dt.timedelta(minutes=rnd.randrange(365 * 24 * 60))
        due = received + dt.timedelta(hours=4)
        answered = received + dt.timedelta(minutes=rnd.randrange(600)) if rnd.random() < 0.9 else None
        status = "selesai" if answered and rnd.random() < 0.8 else ("ditanggapi" if answered else "baru")
        complaints.append((f"C{i:08d}", codes[i % len(codes)], status, "loket", received.isoformat(),
                           due.isoformat(), answered.isoformat() if answered else None, None, stamp, "Lainnya"))
    return {"villages": vs, "devices": devices, "device_reports": reports, "letters": letters,
            "complaint_projection": complaints}


COLUMNS = {
    "villages": "code, name",
    "devices": "id, village, role, name, public_key, token_hash, created_at, revoked_at, last_seen, last_push, "
               "last_device_seq",
    "device_reports": "device_id, village, pending, needs_action, oldest_pending_at, reported_at",
    "letters": "letter_id, village, number, type_code, issued_at, content_hash, signing_device, voided, "
               "void_reason, received_at",
    "complaint_projection": "id, village, status, channel, received_at, due_at, first_response_at, resolved_at, "
                            "updated_at, category",
}


def load_sqlite(url: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("PRAGMA synchronous = OFF")
    for table, rows in data.items():
        cols = COLUMNS[table]
        marks = ", ".join("?" * len(cols.split(",")))
        conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
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


def measure(url: str, runs: int) -> tuple[float, float, float]:
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
            timings, village = [], []
            for i in range(runs + 2):
                t = time.perf_counter()
                r = client.get("/monitoring")
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 200 and r.text.count("/monitoring/desa/") >= 217, r.status_code
                if i >= 2:  # warm-up: template compile, connection pool
                    timings.append(elapsed)
            for _ in range(5):
                t = time.perf_counter()
                assert client.get("/monitoring/desa/35.10.01.2001").status_code == 200
                village.append((time.perf_counter() - t) * 1000)
        raw = []
        for _ in range(runs):
            t = time.perf_counter()
            monitoring.overview(app.state.db)
            raw.append((time.perf_counter() - t) * 1000)
        return statistics.median(timings), statistics.median(raw), statistics.median(village)
    finally:
        app.state.db.dispose()


def run_backend(name: str, url: str, data: dict[str, list[tuple[Any, ...]]], runs: int,
                loader: Any, target: str) -> bool:
    from sync.district.db import Database

    db = Database(url)
    db.upgrade()
    db.dispose()
    t = time.perf_counter()
    loader(target, data)
    load_s = time.perf_counter() - t
    page, queries, village = measure(url, runs)
    ok = page < BUDGET_MS
    print(f"{name:<10} load {load_s:5.1f} s | overview page median {page:6.1f} ms (queries {queries:5.1f} ms) | "
          f"village page {village:6.1f} ms | budget {BUDGET_MS:.0f} ms: {'OK' if ok else 'OVER'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    n = int(argv[argv.index("--letters") + 1]) if "--letters" in argv else 1_000_000
    runs = 15
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t = time.perf_counter()
    data = generate(n, now)
    print(f"monitoring benchmark: {len(data['villages'])} villages, {len(data['letters']):,} letters, "
          f"{len(data['complaint_projection']):,} complaints (generated in {time.perf_counter() - t:.1f} s); "
          f"median of {runs} renders")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'district.sqlite3'}"
        results.append(run_backend("SQLite", url, data, runs, load_sqlite, url))
    try:
        import psycopg

        name = "sk_bench_" + uuid.uuid4().hex[:10]
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"PostgreSQL  skipped: not reachable at 127.0.0.1:5432 ({type(exc).__name__}: {exc})")
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
