"""District ingest benchmark: push 10,000 resident creates in batches of 500 to the district server —
in-process (TestClient) and to a real uvicorn server on 127.0.0.1 — beside raw POSTs of the same bytes to
a trivial endpoint of the same server, on SQLite and on PostgreSQL (a fresh database each run).

    python -m bench district_ingest [--changes N] [--batch N] [--sqlite-only]

Budget (DESIGN.md): 10,000 queued changes pushed in under 3 s on loopback.
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Request

from kiosk.ids import new_id
from sync import protocol as p

VILLAGE = "35.10.01.2001"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
ENV_URL = "SMART_KAMPUNG_BENCH_DISTRICT_DB"
SINK_PATH = "/bench/sink"
BUDGET_S = 3.0


def app_factory() -> Any:
    """The district app on ``$SMART_KAMPUNG_BENCH_DISTRICT_DB`` plus a trivial POST endpoint that only
    reads the body: the floor a push is compared with (uvicorn ``--factory``)."""
    from sync.district.app import create_app

    app = create_app(os.environ[ENV_URL])

    @app.post(SINK_PATH, include_in_schema=False)
    async def _sink(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


# -- data -----------------------------------------------------------------------------------------------


def _bodies(changes: int, batch: int) -> list[bytes]:
    """The push bodies (JSON, as the client sends them before gzip): resident creates with a realistic
    payload."""
    out: list[bytes] = []
    seq = 0
    for start in range(0, changes, batch):
        envelopes = []
        for i in range(start, min(changes, start + batch)):
            seq += 1
            envelopes.append(p.ChangeEnvelope.build(
                change_id=new_id(), device_seq=seq, entity=p.ENTITY_RESIDENT, entity_id=new_id(), op="create",
                payload={"village": VILLAGE, "nik": f"3510{i:012d}", "no_kk": f"3510{i // 4:012d}",
                         "name": f"Warga Nomor {i}", "sex": "L" if i % 2 else "P",
                         "birth_place": "Banyuwangi", "birth_date": "1990-01-01", "religion": "Islam",
                         "occupation": "Petani", "rt": f"{i % 9 + 1:02d}", "rw": "01",
                         "address": "Dusun Krajan", "marital_status": "Kawin"}))
        out.append(p.canonical_json(p.PushRequest(changes=envelopes).model_dump(mode="json")))
    return out


def _enroll_body(code: str) -> dict[str, str]:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"code": code, "device_name": "bench", "public_key": base64.b64encode(raw).decode()}


# -- databases ------------------------------------------------------------------------------------------


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip, and say why"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'district-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    import psycopg

    name = "sk_bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _code(url: str) -> str:
    from sync.district.db import Database
    from sync.district.store import DistrictStore

    db = Database(url)
    try:
        db.upgrade()
        return DistrictStore(db).create_enrollment_code(VILLAGE, "office").code
    finally:
        db.dispose()


# -- timing ---------------------------------------------------------------------------------------------


def _run(post: Callable[[str, bytes, dict[str, str]], tuple[int, bytes]], path: str, bodies: list[bytes],
         headers: dict[str, str], check: bool, cpu: Callable[[], float]) -> tuple[float, list[float], float]:
    import json

    per: list[float] = []
    cpu_start = cpu()
    start = time.perf_counter()
    for body in bodies:
        t0 = time.perf_counter()
        status, answer = post(path, body, headers)
        per.append(time.perf_counter() - t0)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {answer[:300]!r}")
        if check:
            results = json.loads(answer)["results"]
            bad = [r for r in results if r["status"] != "applied"]
            if bad:
                raise SystemExit(f"not applied: {bad[:3]}")
    return time.perf_counter() - start, per, cpu() - cpu_start


def _line(label: str, run: tuple[float, list[float], float], changes: int, cpu_label: str) -> str:
    total, per, cpu = run
    return (f"  {label:<34} {total:7.3f} s  {changes / total:9,.0f} changes/s  "
            f"batch median {statistics.median(per) * 1000:6.1f} ms  min {min(per) * 1000:6.1f}  "
            f"max {max(per) * 1000:6.1f}  | {cpu_label} CPU {cpu:6.3f} s")


def _proc_cpu(pid: int) -> Callable[[], float]:
    """CPU seconds (user + system) of process `pid` so far (Linux /proc): what the server spent, whatever
    else the machine is doing."""
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    return read


def _in_process(url: str, bodies: list[bytes], changes: int) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    os.environ[ENV_URL] = url
    app = app_factory()
    try:
        with TestClient(app) as client:
            code = app.state.store.create_enrollment_code(VILLAGE, "office").code
            enrolled = client.post("/api/v1/enroll", json=_enroll_body(code)).json()
            headers = {"Authorization": f"Bearer {enrolled['token']}", "Content-Type": "application/json"}

            def post(path: str, body: bytes, hdrs: dict[str, str]) -> tuple[int, bytes]:
                r = client.post(path, content=body, headers=hdrs)
                return r.status_code, r.content

            raw = _run(post, SINK_PATH, bodies, headers, check=False, cpu=time.process_time)
            push = _run(post, "/api/v1/push", bodies, headers, check=True, cpu=time.process_time)
    finally:
        app.state.db.dispose()
    return [_line("push (TestClient)", push, changes, "process"),
            _line("raw POST same bytes (TestClient)", raw, changes, "process")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _uvicorn(url: str, bodies: list[bytes], changes: int) -> list[str]:
    import httpx

    code = _code(url)
    port = _free_port()
    env = {**os.environ, ENV_URL: url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench.district_ingest:app_factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=Path(__file__).resolve().parent.parent)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                try:
                    if client.get("/api/v1/ping").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("uvicorn did not start")
                time.sleep(0.1)
            enrolled = client.post("/api/v1/enroll", json=_enroll_body(code)).json()
            headers = {"Authorization": f"Bearer {enrolled['token']}", "Content-Type": "application/json"}

            def post(path: str, body: bytes, hdrs: dict[str, str]) -> tuple[int, bytes]:
                r = client.post(path, content=body, headers=hdrs)
                return r.status_code, r.content

            raw = _run(post, SINK_PATH, bodies, headers, check=False, cpu=_proc_cpu(proc.pid))
            push = _run(post, "/api/v1/push", bodies, headers, check=True, cpu=_proc_cpu(proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return [_line("push (uvicorn, loopback)", push, changes, "server"),
            _line("raw POST same bytes (uvicorn)", raw, changes, "server"),
            f"  budget: push under {BUDGET_S:.0f} s on loopback -> "
            f"{'OK' if push[0] < BUDGET_S else 'OVER'} ({push[0]:.2f} s wall)"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench district_ingest")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=p.MAX_PUSH_CHANGES)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    bodies = _bodies(args.changes, args.batch)
    mb = sum(len(b) for b in bodies) / 1e6
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"district ingest: {args.changes:,} resident creates in {len(bodies)} pushes of <= {args.batch} "
          f"({mb:.1f} MB JSON, uncompressed)")
    kinds = ["sqlite"] if args.sqlite_only else ["sqlite", "postgres"]
    with tempfile.TemporaryDirectory(prefix="bench-district-") as tmp_name:
        tmp = Path(tmp_name)
        for kind in kinds:
            if kind == "postgres":
                why = _pg_available()
                if why is not None:
                    print(f"PostgreSQL: SKIPPED — not reachable at 127.0.0.1:5432 ({why})")
                    continue
            print("SQLite (WAL, synchronous=FULL):" if kind == "sqlite" else "PostgreSQL (127.0.0.1:5432):")
            with _database(kind, tmp) as url:
                for line in _in_process(url, bodies, args.changes):
                    print(line)
            with _database(kind, tmp) as url:
                for line in _uvicorn(url, bodies, args.changes):
                    print(line)
    return 0
