"""Closed monthly reports at the district (SQLite and PostgreSQL): they arrive by push, the recap shows the
latest closed month per village with names from the Kemendagri list, flags villages late after the due day,
and a re-opened month stops counting."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from python_calamine import CalamineWorkbook

from kiosk.ids import new_id
from sync.district import monitoring
from sync.district.monthly_reports import previous_month, recap
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, District
from tests.district.test_monitoring import csrf_of

PASSWORD = "rahasia-kabupaten"


def _figures(month: str, start: int, end: int) -> dict:
    zero = dict.fromkeys(("start", "births", "deaths", "moved_in", "moved_out", "end"), 0)
    total = {**zero, "start": start, "end": end, "births": max(0, end - start), "deaths": max(0, start - end)}
    return {"month": month, "village": {"total": {"L": zero, "P": zero, "all": total},
                                        "families": {"start": 10, "new": 0, "gone": 0, "end": 11}}}


def test_reports_arrive_and_the_recap_sums_them(district: District, tmp_path: Path) -> None:
    district.store.add_village(VILLAGE, "")  # registered by code only: the name comes from the Kemendagri list
    district.store.add_village(OTHER_VILLAGE, "")
    dev = district.enroll(VILLAGE)
    today = dt.datetime.now(dt.UTC).date()
    last = previous_month(today)
    first_id, second_id = new_id(), new_id()
    results = dev.push(
        dev.change("monthly_report", first_id, "create", {"id": first_id, "month": last, "revision": 1,
                                                           "state": "closed", "figures": _figures(last, 2000, 2003)}))
    assert [r.status for r in results] == ["applied"]
    rows = {r.code: r for r in recap(district.store.db, today.replace(day=11))}
    assert rows[VILLAGE].name == "Sarongan" and rows[VILLAGE].population == 2003 and rows[VILLAGE].change == 3
    assert rows[VILLAGE].families == 11 and not rows[VILLAGE].missing
    assert rows[OTHER_VILLAGE].month is None and rows[OTHER_VILLAGE].missing  # after the 10th
    assert not recap(district.store.db, today.replace(day=9))[1].missing  # before the due day: not yet

    # re-opened: no longer the latest closed report; closed again as revision 2
    assert dev.push(dev.change("monthly_report", first_id, "update", {"state": "reopened", "reopen_reason": "x"},
                               base_version=1))[0].status == "applied"
    assert {r.code: r for r in recap(district.store.db, today)}[VILLAGE].month is None
    dev.push(dev.change("monthly_report", second_id, "create", {"id": second_id, "month": last, "revision": 2,
                                                                 "state": "closed", "figures": _figures(last, 2000, 1999)}))
    assert {r.code: r for r in recap(district.store.db, today)}[VILLAGE].change == -1

    monitoring.add_user(district.store.db, "dinas", PASSWORD, "Dinas PMD")
    c = district.client
    assert c.get("/monitoring/rekap", follow_redirects=False).status_code == 303  # sign-in first
    c.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD, "next": "/monitoring",
                                      "csrf": csrf_of(district)})
    page = c.get("/monitoring/rekap")
    assert page.status_code == 200 and "Sarongan" in page.text and "1.999" in page.text
    assert VILLAGE not in page.text.replace(f"/monitoring/desa/{VILLAGE}", "")  # the name, not the code
    overview = c.get("/monitoring").text
    assert "Sarongan" in overview
    rows_csv = list(csv.reader(io.StringIO(c.get("/monitoring/rekap.csv").text.lstrip("\ufeff"))))
    assert rows_csv[0][0] == "kode_desa" and rows_csv[1][:6] == [VILLAGE, "Sarongan", rows_csv[1][2], last, "1999", "-1"]
    x = c.get("/monitoring/rekap.xlsx")
    f = tmp_path / "rekap.xlsx"
    f.write_bytes(x.content)
    sheet = CalamineWorkbook.from_path(str(f)).get_sheet_by_index(0).to_python()
    assert sheet[1][1] == "Sarongan" and len(sheet) == 3


def test_pages_show_names_titles_and_local_time(district: District) -> None:
    import re

    district.store.add_village(VILLAGE, "")
    dev = district.enroll(VILLAGE)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    dev.push(*[dev.change("letter", new_id(), "create", {"number": f"470/{i}", "letter_type": "domisili",
                                                          "issued_at": now.isoformat(), "content_hash": "a" * 64,
                                                          "year": now.year, "seq_number": i + 1})
               for i in range(2)])
    monitoring.add_user(district.store.db, "dinas", PASSWORD, "Dinas PMD")
    c = district.client
    c.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD, "next": "/monitoring",
                                      "csrf": csrf_of(district)})
    page = c.get(f"/monitoring/desa/{VILLAGE}").text
    assert "<h1>Sarongan" in page
    assert "Surat Keterangan Domisili" in page and ">domisili<" not in page
    wib = (now + dt.timedelta(hours=7)).strftime("%d-%m-%Y")
    stamp = re.search(r"data per (\d\d-\d\d-\d{4} \d\d\.\d\d) (\w+)", page)
    assert stamp and stamp.group(2) == "WIB" and stamp.group(1).startswith(wib) and "UTC</small>" not in page
    assert "<text" not in page  # axis labels are page text, sized by the style sheet, not scaled with the chart
    assert 'class="sumbu"' in page
    overview = c.get("/monitoring").text
    assert "WIB</small>" in overview and "Sarongan" in overview


def test_time_zone_by_province() -> None:
    from sync.district.localtime import stamp, zone_for

    t = dt.datetime(2026, 12, 3, 23, 25, tzinfo=dt.UTC)
    assert stamp(t, zone_for("35.10.01.2001")) == "04-12-2026 06.25 WIB"  # Banyuwangi
    assert stamp(t, zone_for("51.71.01.1001")) == "04-12-2026 07.25 WITA"  # Denpasar
    assert stamp(t, zone_for("94.01.01.2001")) == "04-12-2026 08.25 WIT"  # Papua Tengah


def test_migration_fills_the_projection_from_reports_already_received(tmp_path: Path) -> None:
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from sync.district.db import MIGRATIONS_DIR, Database

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_monitoring")
        conn.commit()
        data = {"id": "r1", "month": "2026-10", "revision": 1, "state": "closed", "village": VILLAGE,
                "figures": _figures("2026-10", 900, 905)}
        conn.execute(text("INSERT INTO villages (code, name) VALUES (:c, '')"), {"c": VILLAGE})
        conn.execute(text("INSERT INTO records (village, entity, entity_id, version, data, field_versions, deleted, "
                          "updated_at) VALUES (:v, 'monthly_report', 'r1', 1, :d, '{}', 0, '2026-11-03 01:00:00')"),
                     {"v": VILLAGE, "d": json.dumps(data)})
        conn.commit()
    db.upgrade()
    got = recap(db, dt.date(2026, 11, 20))
    assert [(r.name, r.month, r.population, r.change, r.missing) for r in got] == [("Sarongan", "2026-10", 905, 5, False)]
    db.dispose()
