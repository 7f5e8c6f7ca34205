"""`python -m bench sync [N]`: the sync client against a real local district server (uvicorn).

1. push N (10,000) queued changes with the client, beside raw POSTs of the very same request bodies to
   the same kind of server (a fresh database, so both are applied, not deduplicated); budget 3 s;
2. pull N changes on a second office of the village;
3. district ingest: 50 simulated villages pushing at once (50 threads, 200 changes each, loopback), on
   SQLite and on PostgreSQL (a fresh database on 127.0.0.1:5432; skipped with a message if unreachable).
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from kiosk.actor import Actor

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = "35.10.01.2001"
PUSH_BUDGET_S = 3.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db_url: str, log: Path) -> None:
        self.db_url = db_url
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "sync.district.cli", "--db", db_url, "serve",
                                          "--port", str(self.port)], cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/api/v1/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        from sync.district.db import Database
        from sync.district.store import DistrictStore

        self.db = Database(db_url)
        self.store = DistrictStore(self.db)

    def code(self, village: str = VILLAGE) -> str:
        return self.store.create_enrollment_code(village, "office", 1).code

    def token(self, village: str) -> str:
        key = base64.b64encode(os.urandom(32)).decode()
        r = requests.post(self.url + "/api/v1/enroll", json={"code": self.code(village), "device_name": "bench",
                                                             "public_key": key}, timeout=30)
        r.raise_for_status()
        return str(r.json()["token"])

    def stop(self) -> None:
        self.db.dispose()
        self.proc.terminate()
        self.proc.wait(timeout=20)


def _office(path: Path, n: int) -> Any:
    from kiosk.actor import Actor
    from kiosk.changes import record_change
    from kiosk.db import Store
    from kiosk.ids import new_id
    from kiosk.models import Resident
    from kiosk.services import Services
    from kiosk.services.office import office_info_from_code

    services = Services(Store.open(path))
    info = dataclasses.replace(office_info_from_code(VILLAGE))
    services.office.setup(info)
    actor = Actor.system("bench")
    with services.store.write() as s:
        for i in range(n):
            rid = new_id()
            payload = {"id": rid, "name": f"Warga Bench {i}", "rt": f"{i % 20:03d}", "rw": "001",
                       "address": f"Dusun Krajan RT {i % 20:03d}", "birth_place": "Banyuwangi", "sex": 1 + i % 2}
            s.add(Resident(id=rid, name=payload["name"], name_search=payload["name"].lower(), rt=payload["rt"],
                           rw="001", address=payload["address"], birth_place="Banyuwangi", sex=payload["sex"]))
            record_change(s, actor, entity="resident", entity_id=rid, op="create", payload=payload)
    return services


_ADMIN = Actor(user_id="bench-admin", username="admin", role="admin")  # enrolling needs a person


def bench_push_pull(n: int, tmp: Path) -> dict[str, float]:
    from sync.client import CycleReport, SyncClient
    from sync.transport import DistrictHttp

    server = Server(f"sqlite:///{tmp / 'push.sqlite3'}", tmp / "push.log")
    raw_server = Server(f"sqlite:///{tmp / 'raw.sqlite3'}", tmp / "raw.log")
    try:
        t = time.perf_counter()
        a = _office(tmp / "a", n)
        print(f"  prepared {n} queued changes in {time.perf_counter() - t:.1f} s")
        client = SyncClient(a.store)
        client.enroll(server.url, server.code(), actor=_ADMIN)
        bodies: list[bytes] = []

        class Recording(DistrictHttp):
            def push_raw(self, body: bytes) -> Any:
                bodies.append(body)
                return super().push_raw(body)

        http = Recording(server.url, a.store.read().__enter__().execute(
            __import__("sqlalchemy").text("SELECT token FROM device")).scalar())
        report = CycleReport()
        t = time.perf_counter()
        client.push_all(http, report)
        push_s = time.perf_counter() - t
        http.close()
        assert report.acked >= n, report
        token = raw_server.token(VILLAGE)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Content-Encoding": "gzip"}
        zipped = [gzip.compress(b, compresslevel=5) for b in bodies]
        with requests.Session() as session:
            t = time.perf_counter()
            for body in zipped:
                r = session.post(raw_server.url + "/api/v1/push", data=body, headers=headers, timeout=120)
                r.raise_for_status()
            raw_s = time.perf_counter() - t
        b = Path(tmp / "b")
        from kiosk.db import Store
        from kiosk.services import Services

        office_b = Services(Store.open(b))
        office_b.office.setup(office_info_from_code_cached())
        client_b = SyncClient(office_b.store, pull_limit=2000)
        client_b.enroll(server.url, server.code(), actor=_ADMIN)
        with office_b.store.read() as s:
            token_b = s.execute(__import__("sqlalchemy").text("SELECT token FROM device")).scalar()
        http_b = DistrictHttp(server.url, token_b)
        report_b = CycleReport()
        t = time.perf_counter()
        client_b.pull_all(http_b, report_b)
        pull_s = time.perf_counter() - t
        http_b.close()
        print(f"  push {n}: client {push_s:.2f} s in {len(bodies)} batches  |  raw POSTs of the same bytes "
              f"{raw_s:.2f} s  |  budget {PUSH_BUDGET_S:.0f} s: {'OK' if push_s <= PUSH_BUDGET_S else 'OVER'}")
        print(f"  pull {report_b.pulled}: {pull_s:.2f} s ({report_b.applied} applied)")
        a.store.close()
        office_b.store.close()
        return {"push_s": push_s, "raw_s": raw_s, "pull_s": pull_s}
    finally:
        server.stop()
        raw_server.stop()


def office_info_from_code_cached() -> Any:
    from kiosk.services.office import office_info_from_code

    return office_info_from_code(VILLAGE)


def bench_ingest(db_url: str, tmp: Path, label: str, villages: int = 50, per_village: int = 200) -> None:
    from kiosk.ids import new_id
    from sync import protocol as p

    server = Server(db_url, tmp / f"ingest-{label}.log")
    try:
        codes = [f"35.10.{i // 100 + 10:02d}.{2000 + i % 100 + 1}" for i in range(villages)]
        tokens = [server.token(c) for c in codes]
        bodies = []
        for code in codes:
            changes = [p.ChangeEnvelope.build(change_id=new_id(), device_seq=i + 1, entity="resident",
                                              entity_id=new_id(), op="create",
                                              payload={"village": code, "name": f"Warga {i}", "rt": "001"})
                       for i in range(per_village)]
            bodies.append(gzip.compress(p.PushRequest(changes=changes).model_dump_json().encode()))

        def push(i: int) -> float:
            t = time.perf_counter()
            r = requests.post(server.url + "/api/v1/push", data=bodies[i], timeout=300, headers={
                "Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json",
                "Content-Encoding": "gzip"})
            r.raise_for_status()
            assert all(x["status"] == "applied" for x in r.json()["results"])
            return time.perf_counter() - t

        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=villages) as pool:
            latencies = sorted(pool.map(push, range(villages)))
        total = time.perf_counter() - t
        n = villages * per_village
        print(f"  ingest {label}: {villages} villages x {per_village} changes at once: {total:.2f} s "
              f"({n / total:,.0f} changes/s), slowest village {latencies[-1]:.2f} s, "
              f"median {latencies[len(latencies) // 2]:.2f} s")
    finally:
        server.stop()


def _postgres_db() -> str | None:
    try:
        import psycopg

        name = "sk_bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True,
                             connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:
        print(f"  PostgreSQL skipped: not reachable at 127.0.0.1:5432 ({type(exc).__name__}: {exc})")
        return None


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 10_000
    with tempfile.TemporaryDirectory(prefix="sk-bench-sync-") as d:
        tmp = Path(d)
        os.environ["SMART_KAMPUNG_DATA_DIR"] = str(tmp / "default")
        print(f"sync benchmark ({os.cpu_count()} cores)")
        result = bench_push_pull(n, tmp)
        bench_ingest(f"sqlite:///{tmp / 'ingest.sqlite3'}", tmp, "SQLite")
        pg = _postgres_db()
        if pg:
            try:
                bench_ingest(pg, tmp, "PostgreSQL")
            finally:
                _drop_postgres(pg)
    return 0 if result["push_s"] <= PUSH_BUDGET_S else 1
