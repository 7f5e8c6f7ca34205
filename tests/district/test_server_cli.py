"""The command line, and a real uvicorn server in a subprocess spoken to with requests."""

from __future__ import annotations

import base64
import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.ids import new_id
from sync import protocol as p
from sync.district.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_cli_codes_devices_villages_revoke(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "enroll-code", "--village", "35.10.01.2001", "--role", "office",
                 "--name", "Desa Contoh", "--json"]) == 0
    code = json.loads(capsys.readouterr().out)
    assert code["role"] == "office" and len(code["code"]) == 11
    assert main(["villages", "--db", db_url]) == 0
    assert "35.10.01.2001  Desa Contoh" in capsys.readouterr().out
    from sync.district.db import Database
    from sync.district.store import DistrictStore

    db = Database(db_url)
    store = DistrictStore(db)
    enrolled = store.enroll(p.EnrollRequest(code=code["code"], device_name="PC loket",
                                            public_key=base64.b64encode(b"k" * 32).decode()))
    db.dispose()
    assert main(["devices", "--json", "--db", db_url]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["id"] == enrolled.device_id and row["revoked_at"] is None
    assert main(["revoke", enrolled.device_id, "--db", db_url]) == 0
    assert "dicabut" in capsys.readouterr().out
    assert main(["revoke", "tidak-ada", "--db", db_url]) == 2
    assert "Perangkat tidak dikenal" in capsys.readouterr().err
    assert main(["enroll-code", "--village", "3510", "--role", "kiosk", "--db", db_url]) == 2
    assert "Kode desa tidak valid" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sync.district.cli", "--db", db, "serve", "--port",
                                 str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/api/v1/ping", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield base, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_real_server_round_trip(server: tuple[str, str]) -> None:
    base, db = server
    ping = requests.get(f"{base}/api/v1/ping", timeout=5).json()
    assert ping["service"] == p.SERVICE_MARKER
    out = subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db, "enroll-code",
                          "--village", "35.10.01.2001", "--role", "office"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    r = requests.post(f"{base}/api/v1/enroll", timeout=5, json={
        "code": out, "device_name": "PC", "public_key": base64.b64encode(b"k" * 32).decode()})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Content-Encoding": "gzip", "Accept-Encoding": "gzip"}
    changes = [p.ChangeEnvelope.build(change_id=new_id(), device_seq=i, entity="resident", entity_id=f"r{i}",
                                      op="create", payload={"village": "35.10.01.2001", "name": "Nama " * 40})
               for i in range(1, 201)]
    body = gzip.compress(p.PushRequest(changes=changes).model_dump_json().encode())
    r = requests.post(f"{base}/api/v1/push", data=body, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Encoding"] == "gzip"
    assert [x["status"] for x in r.json()["results"]] == ["applied"] * 200
    pulled = requests.get(f"{base}/api/v1/pull", params={"after": 150}, headers=headers, timeout=5).json()
    assert [c["server_seq"] for c in pulled["changes"]] == list(range(151, 201))
    assert requests.get(f"{base}/api/v1/pull", timeout=5).status_code == 401
