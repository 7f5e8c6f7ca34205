"""The e-monitoring pages in a real browser: uvicorn in a subprocess, headless Chromium at phone size,
a screenshot of each page, and a failure on any console error."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.ids import new_id
from sync import protocol as p

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VILLAGE = "35.10.01.2001"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package chromium)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_district(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    """A real district server (uvicorn) on a free loopback port over the database `url`, answering its
    ping: (base URL, process). The caller terminates it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SMART_KAMPUNG_DISTRICT_DB": url, "SMART_KAMPUNG_DISTRICT_SECRET": "uji-rahasia"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "sync.district.cli:app_from_env", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              env=env, cwd=Path(__file__).resolve().parents[2],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/api/v1/ping", timeout=1) as r:
                r.read()
            break
        except OSError:
            time.sleep(0.1)
    return base, server


def _prepare(url: str) -> str:
    """A migrated database with villages, a device's letters and complaints, and a district user."""
    from sync.district import monitoring
    from sync.district.db import Database
    from sync.district.store import DistrictStore

    db = Database(url)
    db.upgrade()
    store = DistrictStore(db)
    store.add_village(VILLAGE, "Sarongan")
    store.add_village("35.10.01.2002", "Pesanggaran")
    monitoring.add_user(db, "dinas", "rahasia-kabupaten", "Dinas PMD")
    db.dispose()
    return "dinas"


def _push_sample(base: str) -> None:
    import base64
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sync.district.db import Database
    from sync.district.store import DistrictStore

    def post(path: str, body: dict, token: str | None = None) -> dict:
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    store = DistrictStore(Database(os.environ["SK_TEST_DB"]))
    code = store.create_enrollment_code(VILLAGE, "office", 1).code
    store.db.dispose()
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
    enrolled = post("/api/v1/enroll", {"code": code, "device_name": "PC Kantor",
                                       "public_key": base64.b64encode(raw).decode()})
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    changes = []
    for i, kind in enumerate(["SKTM", "SKTM", "DOMISILI", "SKU"]):
        changes.append(p.ChangeEnvelope.build(
            change_id=new_id(), device_seq=i + 1, entity="letter", entity_id=new_id(), op="create",
            payload={"village": VILLAGE, "number": f"474/{i}", "letter_type": kind,
                     "issued_at": (now.date() - dt.timedelta(days=i)).isoformat(), "content_hash": "b" * 64,
                     "seq_number": i + 1}))
    for j, hours in enumerate((6, 1)):
        received = now - dt.timedelta(hours=hours)
        changes.append(p.ChangeEnvelope.build(
            change_id=new_id(), device_seq=10 + j, entity="complaint", entity_id=new_id(), op="create",
            payload={"village": VILLAGE, "channel": "loket", "category": "Infrastruktur", "status": "baru",
                     "received_at": received.isoformat(), "due_at": (received + dt.timedelta(hours=4)).isoformat()}))
    post("/api/v1/push", p.PushRequest(changes=changes).model_dump(mode="json"), enrolled["token"])
    post("/api/v1/status", {"pending": 3}, enrolled["token"])


def _chromium(url: str, shot: Path, profile: Path, min_size: int = 5000) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=412,915",
           "--hide-scrollbars", "--enable-logging=stderr", "--v=0", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert shot.exists() and shot.stat().st_size > min_size, done.stderr[-2000:]
    return done.stderr


def console_errors(log: str) -> list[str]:
    """Console errors and uncaught exceptions in Chromium's log."""
    return [line for line in log.splitlines()
            if ("CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line or "error" in line.lower()))
            or "Uncaught" in line or "Failed to load resource" in line]


def test_pages_in_headless_chromium(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    os.environ["SK_TEST_DB"] = url
    user = _prepare(url)
    base, server = start_district(url)
    try:
        _push_sample(base)
        from sync.district import monitoring
        from sync.district.db import Database

        os.environ["SMART_KAMPUNG_DISTRICT_SECRET"] = "uji-rahasia"
        try:
            db = Database(url)
            links = {name: monitoring.login_link(db, user, base, target)
                     for name, target in (("overview", "/monitoring"), ("village", f"/monitoring/desa/{VILLAGE}"))}
            db.dispose()
        finally:
            del os.environ["SMART_KAMPUNG_DISTRICT_SECRET"]
        shots = Path(os.environ.get("SK_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        # the detector itself: a page with an uncaught error must be caught
        bad = _chromium("data:text/html,<script>throw new Error('uji')</script><p>" + "x" * 400,
                        tmp_path / "bad.png", tmp_path / "profile-bad", min_size=100)
        assert console_errors(bad), bad[-1500:]
        for name, link in links.items():
            log = _chromium(link, shots / f"monitoring-{name}.png", tmp_path / f"profile-{name}")
            assert console_errors(log) == [], log[-2000:]
        with urllib.request.urlopen(base + "/monitoring", timeout=5) as r:
            assert "/monitoring/masuk" in r.geturl()  # without the cookie: the sign-in page
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.environ.pop("SK_TEST_DB", None)
