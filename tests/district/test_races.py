"""One-time means once under parallel attempts (issue 19.3): 32 devices racing one enrolment code against a
real server (uvicorn in its own process, on SQLite and PostgreSQL) enrol exactly one device."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from sync.district.models import Device
from tests.district.conftest import VILLAGE
from tests.sync.conftest import start_server

PARALLEL = 32


def _public_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def test_one_enrolment_code_enrols_one_device_under_parallel_attempts(db_url: str, tmp_path: Path) -> None:
    server = start_server(tmp_path, db_url=db_url)
    try:
        code = server.store.create_enrollment_code(VILLAGE, "office").code
        start = Barrier(PARALLEL)

        def attempt(i: int) -> int:
            body = {"code": code, "device_name": f"PC {i}", "public_key": _public_key()}
            with requests.Session() as session:
                session.get(f"{server.url}/api/v1/ping", timeout=10)  # connection open before the race
                start.wait()
                return session.post(f"{server.url}/api/v1/enroll", json=body, timeout=60).status_code

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(attempt, range(PARALLEL)))
        assert sorted(answers) == [200] + [401] * (PARALLEL - 1), answers
        with server.store.db.read() as s:
            enrolled = list(s.scalars(select(Device.id).where(Device.village == VILLAGE)))
        assert len(enrolled) == 1
        assert "Traceback" not in server.log.read_text(errors="replace")
    finally:
        server.stop()
