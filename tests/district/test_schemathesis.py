"""Schemathesis against the district server's OpenAPI schema: no request it can generate gets a 5xx.

A real uvicorn server on 127.0.0.1 with an enrolled office device; the generated requests carry its
token, so the authenticated endpoints are exercised past the auth check, and also without it.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.sync.conftest import start_server

ST = Path(sys.executable).with_name("st")


def _enroll(url: str, code: str) -> str:
    public = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    answer = requests.post(f"{url}/api/v1/enroll", json={
        "code": code, "device_name": "schemathesis", "public_key": base64.b64encode(public).decode(),
    }, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["token"])


@pytest.mark.slow
@pytest.mark.parametrize("authenticated", [True, False], ids=["with-token", "without-token"])
def test_no_server_errors(tmp_path: Path, authenticated: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not ST.exists() and shutil.which("st") is None:
        pytest.skip("schemathesis (st) is not installed in this environment")
    monkeypatch.setenv("SMART_KAMPUNG_DISTRICT_API_DOCS", "1")  # the schema is off in production
    server = start_server(tmp_path)
    try:
        token = _enroll(server.url, server.code("office", village="35.10.01.2001"))
        cmd = [str(ST if ST.exists() else "st"), "run", f"{server.url}/openapi.json",
               "--checks", "not_a_server_error", "--max-examples", "25", "--seed", "2016",
               "--request-timeout", "20", "--no-color"]
        if authenticated:
            cmd += ["--header", f"Authorization: Bearer {token}"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-6000:] + "\n--- server log ---\n" + server.log.read_text(
            errors="replace")[-4000:]
        assert "not_a_server_error" in output or "passed" in output.lower(), output[-3000:]
    finally:
        server.stop()


def test_enroll_with_a_non_ascii_public_key_is_a_clean_422(tmp_path: Path) -> None:
    """Found by schemathesis: base64 of non-ASCII text raised ValueError (a 500)."""
    from fastapi.testclient import TestClient

    from sync.district.app import create_app

    client = TestClient(create_app(f"sqlite:///{tmp_path / 'd.sqlite3'}"))
    answer = client.post("/api/v1/enroll", json={"code": "ABCD-EFGH", "device_name": "x", "public_key": "kunci¿"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_public_key"
