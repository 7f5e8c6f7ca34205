"""The district pages with monthly reports in a real browser: uvicorn in a subprocess, headless Chromium at
phone (412 px) and desktop (1366 px) width, screenshots, no console errors, names and WIB times shown."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from kiosk.ids import new_id
from sync import protocol as p
from tests.district.test_monitoring_browser import CHROMIUM, console_errors, start_district

VILLAGE = "35.10.01.2001"
OTHER = "35.10.01.2002"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package chromium)")]


def _browser(url: str, shot: Path, profile: Path, width: int, *, dump: bool = False) -> str:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", f"--window-size={width},{1400 if width > 800 else 1800}",
           "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
    cmd += ["--dump-dom", url] if dump else [f"--screenshot={shot}", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    if dump:
        return done.stdout
    assert shot.exists() and shot.stat().st_size > 5000, done.stderr[-2000:]
    return done.stderr


def _post(base: str, path: str, body: dict, token: str | None = None) -> dict:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def test_monthly_pages_in_chromium(tmp_path: Path) -> None:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sync.district import monitoring
    from sync.district.db import Database
    from sync.district.monthly_reports import previous_month
    from sync.district.store import DistrictStore

    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    db = Database(url)
    db.upgrade()
    store = DistrictStore(db)
    store.add_village(VILLAGE, "")  # by code only: the pages must show "Sarongan"
    store.add_village(OTHER, "")
    monitoring.add_user(db, "dinas", "rahasia-kabupaten", "Dinas PMD")
    code = store.create_enrollment_code(VILLAGE, "office", 1).code
    db.dispose()
    base, server = start_district(url)
    try:
        raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                     serialization.PublicFormat.Raw)
        token = _post(base, "/api/v1/enroll", {"code": code, "device_name": "PC Kantor",
                                               "public_key": base64.b64encode(raw).decode()})["token"]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        last = previous_month(now.date())
        zero = dict.fromkeys(("start", "births", "deaths", "moved_in", "moved_out", "end"), 0)
        total = {"start": 2001, "births": 4, "deaths": 2, "moved_in": 3, "moved_out": 1, "end": 2005}
        figures = {"month": last, "village": {"total": {"L": zero, "P": zero, "all": total},
                                              "families": {"start": 600, "new": 2, "gone": 0, "end": 602}}}
        changes = [p.ChangeEnvelope.build(change_id=new_id(), device_seq=1, entity="monthly_report",
                                          entity_id=new_id(), op="create",
                                          payload={"village": VILLAGE, "month": last, "revision": 1, "state": "closed",
                                                   "figures": figures})]
        for i, kind in enumerate(["domisili", "sktm", "domisili", "usaha"]):
            changes.append(p.ChangeEnvelope.build(
                change_id=new_id(), device_seq=i + 2, entity="letter", entity_id=new_id(), op="create",
                payload={"village": VILLAGE, "number": f"474/{i}", "letter_type": kind,
                         "issued_at": (now - dt.timedelta(days=i * 3)).isoformat(), "content_hash": "b" * 64,
                         "year": (now - dt.timedelta(days=i * 3)).year, "seq_number": i + 1}))
        res = _post(base, "/api/v1/push", p.PushRequest(changes=changes).model_dump(mode="json"), token)
        assert all(r["status"] == "applied" for r in res["results"]), res

        targets = {"overview": "/monitoring", "village": f"/monitoring/desa/{VILLAGE}", "rekap": "/monitoring/rekap"}

        def link(name: str) -> str:
            """A fresh sign-in link for one browser (a login link works once)."""
            os.environ["SMART_KAMPUNG_DISTRICT_SECRET"] = "uji-rahasia"
            try:
                db = Database(url)
                made = monitoring.login_link(db, "dinas", base, targets[name])
                db.dispose()
            finally:
                del os.environ["SMART_KAMPUNG_DISTRICT_SECRET"]
            return made

        shots = Path(os.environ.get("SK_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        for name in targets:
            for width in (412, 1366):
                log = _browser(link(name), shots / f"i16-{name}-{width}.png", tmp_path / f"p-{name}-{width}", width)
                assert console_errors(log) == [], log[-2000:]
        dom = _browser(link("village"), tmp_path / "x.png", tmp_path / "p-dom", 1366, dump=True)
        assert "Sarongan" in dom and "Surat Keterangan Domisili" in dom and "WIB" in dom and "2.005" in dom
        rekap = _browser(link("rekap"), tmp_path / "y.png", tmp_path / "p-dom2", 412, dump=True)
        assert ("Pesanggaran" in rekap and "belum melapor" in rekap) or now.day <= 10
    finally:
        server.terminate()
        server.wait(timeout=10)
