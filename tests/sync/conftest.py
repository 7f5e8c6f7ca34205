"""Sync client fixtures: a REAL district server (uvicorn in a subprocess on 127.0.0.1, SQLite file in
tmp_path), office devices in their own data directories, a tiny fault-injecting HTTP proxy, and the
exactly-once check against the server's tables."""

from __future__ import annotations

import http.client
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from kiosk.actor import Actor
from kiosk.changes import record_change
from kiosk.db import Store
from kiosk.ids import new_id
from kiosk.models import Device, OutboxChange, Resident, utcnow
from kiosk.services import Services
from kiosk.services.office import OfficeService
from kiosk.text import fold_name
from sync.client import SyncClient
from sync.district.db import Database
from sync.district.models import ChangeLogEntry, ReceivedChange, Record
from sync.district.store import DistrictStore

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "35.10.01.2001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DistrictServer:
    url: str
    db_url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    _db: Database | None = None
    village: str = VILLAGE  # the village of the running test (one server serves a module's tests)

    @property
    def store(self) -> DistrictStore:
        if self._db is None:
            self._db = Database(self.db_url)
        return DistrictStore(self._db)

    def code(self, role: str = "office", village: str | None = None, hours: float = 24) -> str:
        return self.store.create_enrollment_code(village or self.village, role, hours).code

    def received(self, device_id: str) -> list[ReceivedChange]:
        with self.store.db.read() as s:
            return list(s.scalars(select(ReceivedChange).where(ReceivedChange.device_id == device_id)))

    def log_entries(self) -> list[ChangeLogEntry]:
        with self.store.db.read() as s:
            return list(s.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.server_seq)))

    def record(self, entity: str, entity_id: str) -> Record | None:
        with self.store.db.read() as s:
            return s.scalar(select(Record).where(Record.entity == entity, Record.entity_id == entity_id))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._db is not None:
            self._db.dispose()
            self._db = None


def start_server(tmp_path: Path, *, db_url: str | None = None, port: int | None = None) -> DistrictServer:
    db_url = db_url or f"sqlite:///{tmp_path / 'district.sqlite3'}"
    port = port or free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / f"server-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sync.district.cli", "--db", db_url, "serve", "--port",
                                 str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    with requests.Session() as session:
        while True:
            try:
                if session.get(f"{url}/api/v1/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"server did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
    return DistrictServer(url, db_url, port, proc, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DistrictServer]:
    """One real server per test module; each test gets a village of its own (see ``offices``)."""
    srv = start_server(tmp_path_factory.mktemp("district"))
    try:
        yield srv
    finally:
        srv.stop()


_villages = iter(range(2001, 3000))


# --- office devices ---------------------------------------------------------------------------------


@dataclass
class Office:
    """One office installation (its own data directory) with a sync client."""

    services: Services
    client: SyncClient
    data_dir: Path
    actor: Actor = field(default_factory=lambda: Actor.system("test"))

    @property
    def store(self) -> Store:
        return self.services.store

    def device(self) -> Device:
        with self.store.read() as s:
            return s.execute(select(Device)).scalar_one()

    def add_resident(self, name: str, **extra: Any) -> str:
        rid = new_id()
        with self.store.write() as s:
            r = Resident(id=rid, name=name, name_search=fold_name(name), version=1, **extra)
            s.add(r)
            s.flush()
            record_change(s, self.actor, entity="resident", entity_id=rid, op="create",
                          payload={"id": rid, "name": name, **extra})
        return rid

    def edit_resident(self, rid: str, **changes: Any) -> None:
        with self.store.write() as s:
            r = s.get(Resident, rid)
            assert r is not None
            base = r.version
            for k, v in changes.items():
                setattr(r, k, v)
            r.version = base + 1
            record_change(s, self.actor, entity="resident", entity_id=rid, op="update", payload=dict(changes),
                          base_version=base)

    def resident(self, rid: str) -> Resident | None:
        with self.store.read() as s:
            return s.get(Resident, rid)

    def outbox(self) -> list[OutboxChange]:
        with self.store.read() as s:
            return list(s.scalars(select(OutboxChange).order_by(OutboxChange.seq)))

    def sync(self, *, force: bool = True) -> Any:
        return self.client.run_cycle(force=force)

    def close(self) -> None:
        self.store.close()


def make_office(data_dir: Path, village: str = VILLAGE, **client_kw: Any) -> Office:
    import dataclasses

    from tests.helpers import ADMIN_PASSWORD, sample_office

    services = Services(Store.open(data_dir))
    services.office.setup(dataclasses.replace(sample_office(), village_code=village))
    services.users.create_first_admin(username="admin", full_name="Admin Desa", password=ADMIN_PASSWORD)
    return Office(services, SyncClient(services.store, **client_kw), data_dir)


def reopen_office(data_dir: Path, **client_kw: Any) -> Office:
    services = Services(Store.open(data_dir))
    return Office(services, SyncClient(services.store, **client_kw), data_dir)


@pytest.fixture
def offices(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Office]]:
    made: list[Office] = []
    village = f"35.10.01.{next(_villages)}"
    if "server" in request.fixturenames:
        request.getfixturevalue("server").village = village

    def factory(name: str = "office", *, server: DistrictServer | None = None, role: str = "office",
                url: str | None = None, **client_kw: Any) -> Office:
        office = make_office(tmp_path / name, village, **client_kw)
        made.append(office)
        if server is not None:
            office.client.enroll(url or server.url, server.code(role), name=name)
        return office

    yield factory
    for office in made:
        office.close()


def assert_exactly_once(server: DistrictServer, office: Office, *, compacted: bool = False) -> None:
    """Every committed local change the district takes is on the server exactly once (``compacted``: the
    server dropped old change-log entries, so only what is left of the log is counted)."""
    import base64

    from sync.district.models import Device as ServerDevice

    device = office.device()
    assert device.server_device_id
    key = base64.b64encode(device.public_key).decode()
    with server.store.db.read() as s:  # every enrollment of this installation (same key)
        ids = set(s.scalars(select(ServerDevice.id).where(ServerDevice.public_key == key)))
    received = {r.change_id: r for dev in ids for r in server.received(dev)}
    log = [e for e in server.log_entries() if e.origin_device in ids]
    rows = [r for r in office.outbox() if r.last_error != "local_only"]
    applied_with_seq = 0
    for row in rows:
        assert row.state == "acked", (row.entity, row.op, row.state, row.last_error)
        got = received.get(row.change_id)
        assert got is not None, f"change {row.change_id} never reached the server"
        assert got.status == "applied", (got.status, got.reason)
        assert got.payload_hash == row.payload_hash
        if got.server_seq is not None:
            applied_with_seq += 1
            assert row.server_seq == got.server_seq
    assert len(received) == len(rows)  # nothing the device did not commit
    if compacted:
        assert len(log) <= applied_with_seq
    else:
        assert len(log) == applied_with_seq  # each applied once: one change-log entry each
    assert len({e.server_seq for e in log}) == len(log)


# --- a fault-injecting proxy -------------------------------------------------------------------------


class _Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    """A small threaded HTTP proxy in front of the district. ``fault(method, path, body)`` decides per
    request: None (forward), "drop" (close without answer), "drop_after" (forward, then drop the
    answer), ("status", code) (answer without forwarding), ("after_status", code) (forward, answer code),
    ("html", 200) (a captive portal), ("sleep", s) (forward after s seconds)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.fault: Callable[[str, str, bytes], Any] = lambda m, pth, b: None
        self.requests: list[tuple[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.requests.append((self.command, self.path))
                decision = proxy.fault(self.command, self.path, _maybe_gunzip(body, self.headers))
                if decision == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(decision, tuple) and decision[0] == "status":
                    self._answer(decision[1], b'{"code":"injected"}', "application/json")
                    return
                if isinstance(decision, tuple) and decision[0] == "html":
                    self._answer(200, b"<html><body>Login to Wi-Fi</body></html>", "text/html")
                    return
                if isinstance(decision, tuple) and decision[0] == "sleep":
                    time.sleep(decision[1])
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if decision == "drop_after":
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if isinstance(decision, tuple) and decision[0] == "after_status":
                        self._answer(decision[1], b'{"code":"injected"}', "application/json")
                        return
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

            def _answer(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle  # noqa: N815
            do_POST = _handle  # noqa: N815

        self.server = _Threaded(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _maybe_gunzip(body: bytes, headers: Any) -> bytes:
    import gzip

    if body and headers.get("Content-Encoding") == "gzip":
        return gzip.decompress(body)
    return body


@pytest.fixture
def proxy(server: DistrictServer) -> Iterator[FaultProxy]:
    fp = FaultProxy(server.port)
    try:
        yield fp
    finally:
        fp.close()


def run_client(data_dir: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SMART_KAMPUNG_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args, "--data-dir", str(data_dir)],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


def spawn_client(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SMART_KAMPUNG_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args, "--data-dir", str(data_dir)],
                            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def spawn_stalling_client(data_dir: Path, mode: str, seconds: float, *args: str) -> subprocess.Popen[str]:
    """The office command line whose pushes stall ``seconds`` before sending or after the answer
    (``tests/sync/stalling_client.py``: the fault is injected at the transport, on the tests' side)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "SMART_KAMPUNG_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "sync" / "stalling_client.py"), mode, str(seconds),
                             *args, "--data-dir", str(data_dir)],
                            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


__all__ = ["VILLAGE", "DistrictServer", "FaultProxy", "Office", "OfficeService", "assert_exactly_once",
           "make_office", "reopen_office", "run_client", "spawn_client", "spawn_stalling_client", "start_server", "utcnow"]
