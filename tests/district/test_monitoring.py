"""District e-monitoring on SQLite and PostgreSQL: login required, overview and village figures, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest

from kiosk.ids import new_id
from sync.district import monitoring
from sync.district.cli import main as district_main
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, District

PASSWORD = "rahasia-kabupaten"


def csrf_of(district: District, path: str = "/monitoring/masuk") -> str:
    """The CSRF token of the form on `path` (as a browser gets it, with its cookie)."""
    found = re.search(r'name="csrf" value="([^"]+)"', district.client.get(path).text)
    assert found, f"no CSRF token in the form of {path}"
    return found.group(1)


def _login(district: District) -> None:
    r = district.client.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD,
                                                        "next": "/monitoring", "csrf": csrf_of(district)},
                             follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/monitoring"
    assert monitoring.COOKIE in r.cookies or monitoring.COOKIE in district.client.cookies


def _fill(district: District) -> dict[str, Any]:
    district.store.add_village(VILLAGE, "Sarongan")
    district.store.add_village(OTHER_VILLAGE, "Pesanggaran")
    dev = district.enroll(VILLAGE)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    today = now.date()
    changes = []
    for i, kind in enumerate(["SKTM", "SKTM", "DOMISILI"]):
        changes.append(dev.change("letter", new_id(), "create", {
            "number": f"474/{i}", "letter_type": kind, "issued_at": today.isoformat(), "content_hash": "a" * 64,
            "seq_number": i + 1}))
    ids = [new_id() for _ in range(3)]
    for j, cid in enumerate(ids):
        received = now - dt.timedelta(hours=(6, 5, 1)[j])  # due 4 hours later: 2 already past due
        changes.append(dev.change("complaint", cid, "create", {
            "channel": "loket", "category": "Infrastruktur", "status": "baru",
            "received_at": received.isoformat(), "due_at": (received + dt.timedelta(hours=4)).isoformat()}))
    assert all(r.status == "applied" for r in dev.push(*changes))
    # first answered in time (1 hour after receipt), second left overdue, third still within the limit
    answered_at = (now - dt.timedelta(hours=5)).isoformat()
    assert dev.push(dev.change("complaint", ids[0], "transition", {"to": "ditanggapi", "at": answered_at},
                               base_version=1))[0].status == "applied"
    r = district.client.post("/api/v1/status", json={"pending": 7, "needs_action": 1}, headers=dev.headers)
    assert r.status_code == 200, r.text
    monitoring.add_user(district.store.db, "dinas", PASSWORD, "Dinas PMD")
    return {"dev": dev, "today": today}


def test_login_required_and_wrong_password(district: District) -> None:
    _fill(district)
    c = district.client
    for path in ("/monitoring", f"/monitoring/desa/{VILLAGE}", "/monitoring/ekspor.csv"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/monitoring/masuk?next=")
    r = c.post("/monitoring/masuk", data={"username": "dinas", "password": "salah-sekali", "csrf": csrf_of(district)},
               follow_redirects=False)
    assert r.status_code == 200 and "salah" in r.text and monitoring.COOKIE not in c.cookies
    forged = monitoring.make_token(b"not-the-secret", "session", 1, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    c.cookies.set(monitoring.COOKIE, forged, path="/monitoring")
    assert c.get("/monitoring", follow_redirects=False).status_code == 303
    c.cookies.clear()
    _login(district)
    assert c.get("/monitoring").status_code == 200
    r = c.post("/monitoring/keluar", data={"csrf": csrf_of(district, "/monitoring")}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    assert c.get("/monitoring", follow_redirects=False).status_code == 303


def test_overview_and_village_page(district: District) -> None:
    _fill(district)
    _login(district)
    rows = {r.code: r for r in monitoring.overview(district.store.db)}
    ours, other = rows[VILLAGE], rows[OTHER_VILLAGE]
    assert (ours.letters_month, ours.open_complaints, ours.waiting, ours.needs_action) == (3, 3, 7, 1)
    assert (ours.answered_in_time, ours.complaints_due) == (1, 2)  # 1 in time of 2 answered-or-past-due
    assert ours.sync_class(dt.datetime.now(dt.UTC)) == "green"
    assert (other.letters_month, other.waiting, other.sync_class(dt.datetime.now(dt.UTC))) == (0, None, "red")
    html = district.client.get("/monitoring").text
    assert "Sarongan" in html and "Pesanggaran" in html and "50%" in html and "belum pernah" in html
    assert 'name="viewport"' in html
    page = district.client.get(f"/monitoring/desa/{VILLAGE}")
    assert page.status_code == 200
    assert "SKTM" in page.text and "<svg" in page.text and "tepat waktu: 1" in page.text
    assert "lewat batas, belum ditanggapi: 1" in page.text and "masih dalam batas: 1" in page.text
    assert district.client.get("/monitoring/desa/99.99.99.9999").status_code == 404
    detail = monitoring.village_detail(district.store.db, VILLAGE)
    assert detail is not None and detail.by_type == [("SKTM", 2), ("DOMISILI", 1)]
    assert detail.by_day[-1][1] == 3 and len(detail.by_day) == 30


def test_csv_export(district: District) -> None:
    _fill(district)
    _login(district)
    r = district.client.get("/monitoring/ekspor.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    ours = next(x for x in rows if x["kode_desa"] == VILLAGE)
    assert ours["nama_desa"] == "Sarongan" and ours["surat_bulan_ini"] == "3"
    assert (ours["pengaduan_terbuka"], ours["tepat_waktu"], ours["persen_tepat_waktu"]) == ("3", "1", "50.0")
    assert ours["perubahan_menunggu"] == "7" and ours["status_sinkron"] == "hijau"
    other = next(x for x in rows if x["kode_desa"] == OTHER_VILLAGE)
    assert other["status_sinkron"] == "merah" and other["perubahan_menunggu"] == ""
    r = district.client.get(f"/monitoring/desa/{VILLAGE}/ekspor.csv")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ["surat_per_jenis_bulan_ini", "SKTM", "2"] in lines
    assert ["pengaduan_bulan_ini", "tepat_waktu", "1"] in lines


def test_login_link_and_status_needs_a_device(district: District) -> None:
    _fill(district)
    link = monitoring.login_link(district.store.db, "dinas", "http://testserver", f"/monitoring/desa/{VILLAGE}")
    r = district.client.get(link.removeprefix("http://testserver"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/monitoring/desa/{VILLAGE}"
    assert district.client.get(f"/monitoring/desa/{VILLAGE}").status_code == 200
    assert district.client.post("/api/v1/status", json={"pending": 1}).status_code == 401
    bad = district.client.get("/monitoring/masuk/link.1.1.deadbeef", follow_redirects=False)
    assert bad.status_code == 200 and "tidak berlaku" in bad.text


def test_user_add_cli(district: District, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    if not district.url.startswith("sqlite"):
        pytest.skip("the command line is the same on both databases")
    monkeypatch.setenv("SMART_KAMPUNG_DISTRICT_PASSWORD", "kata-sandi-panjang")
    assert district_main(["--db", district.url, "user-add", "Camat.Pesanggaran", "--full-name", "Camat"]) == 0
    assert "camat.pesanggaran" in capsys.readouterr().out
    assert district_main(["--db", district.url, "user-add", "camat.pesanggaran"]) == 2
    assert monitoring.authenticate(district.store.db, "camat.pesanggaran", "kata-sandi-panjang") is not None
    assert district_main(["--db", district.url, "login-link", "camat.pesanggaran"]) == 0
    assert "/monitoring/masuk/" in capsys.readouterr().out


def test_lockout_after_failures(district: District) -> None:
    monitoring.add_user(district.store.db, "dinas", PASSWORD)
    for _ in range(monitoring.MAX_FAILURES):
        assert monitoring.authenticate(district.store.db, "dinas", "salah") is None
    assert monitoring.authenticate(district.store.db, "dinas", PASSWORD) is None  # locked for a while
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=monitoring.LOCK_MINUTES + 1)
    assert monitoring.authenticate(district.store.db, "dinas", PASSWORD, now=later) is not None
