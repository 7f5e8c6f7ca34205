"""District e-budgeting on SQLite and PostgreSQL: APBDes, ledger entries and reports pushed by a village
device become structured figures exactly once; a device writes only its own village; pages and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from kiosk.ids import new_id
from sync.district import monitoring
from sync.district.budget import queries
from tests.district.conftest import OTHER_VILLAGE, VILLAGE, Dev, District
from tests.district.test_monitoring import csrf_of

PASSWORD = "rahasia-kabupaten"


def _line(acc: str, amount: str, keg: str | None = None, sumber: str = "", tags: list[str] | None = None) -> dict:
    return {"no": 1, "kode_rekening": acc, "kode_kegiatan": keg, "uraian": "x", "sumber_dana": sumber,
            "anggaran": amount, "lokasi": "", "tags": tags or []}


LINES = [
    _line("4.2.1.01", "900000000.00", sumber="DDS"), _line("4.2.3.01", "455000000.00", sumber="ADD"),
    _line("5.1.1.01", "520000000.00", "01.01.01", "ADD"),
    _line("5.3.5.02", "405000000.00", "02.03.15", "DDS"), _line("5.2.1.01", "155000000.00", "02.01.02", "ADD"),
    _line("5.2.2.01", "60000000.00", "03.02.03", "ADD"),
    _line("5.2.7.01", "150000000.00", "04.02.03", "DDS", ["pangan"]),  # 16.7 % of DD: below the 20 % rule
    _line("5.4.1.01", "135000000.00", "05.03.01", "DDS", ["blt"]),
    _line("6.1.1.01", "150000000.00"), _line("6.2.2.01", "35000000.00"),
]


def _apbdes(dev: Dev, apbdes_id: str, status: str = "draft", set_at: str | None = None,
            base: int | None = None, version: int = 1) -> Any:
    op = "create" if base is None else "update"
    return dev.change("apbdes", apbdes_id, op, {
        "tahun": 2025, "versi": 0, "version": version, "perdes_no": "3/2024", "perdes_date": "2024-12-20",
        "status": status, "set_at": set_at, "source": "manual", "lines": LINES, "totals": {}}, base_version=base)


def _entry(dev: Dev, acc: str, amount: str, keg: str | None = None, sumber: str = "DDS",
           day: str = "2025-03-01", change_id: str | None = None) -> Any:
    return dev.change("apbdes_realisasi", new_id(), "create", {
        "tahun": 2025, "tanggal": day, "kode_rekening": acc, "kode_kegiatan": keg, "sumber_dana": sumber,
        "jumlah": amount, "jenis": "SPP", "corrects_id": None}, change_id=change_id)


def _login(district: District) -> None:
    monitoring.add_user(district.store.db, "dinas", PASSWORD, "Dinas PMD")
    r = district.client.post("/monitoring/masuk", data={"username": "dinas", "password": PASSWORD,
                                                        "next": "/monitoring/apbdes", "csrf": csrf_of(district)},
                             follow_redirects=False)
    assert r.status_code == 303


def test_budget_and_ledger_become_figures_exactly_once(district: District) -> None:
    district.store.add_village(VILLAGE, "Sarongan")
    district.store.add_village(OTHER_VILLAGE, "Pesanggaran")
    dev = district.enroll(VILLAGE)
    aid = new_id()
    assert dev.push(_apbdes(dev, aid))[0].status == "applied"
    spend = _entry(dev, "5.3.5.02", "202500000.00", "02.03.15")
    blt = _entry(dev, "5.4.1.01", "67500000.00", "05.03.01")
    income = _entry(dev, "4.2.1.01", "450000000.00", sumber="DDS")
    assert [r.status for r in dev.push(spend, blt, income)] == ["applied"] * 3
    # the same changes again (a retry after a lost answer): duplicates, not counted twice
    assert [r.status for r in dev.push(spend, blt, income)] == ["duplicate"] * 3
    # a correcting entry (negative) is summed too
    fix = _entry(dev, "5.4.1.01", "-7500000.00", "05.03.01")
    assert dev.push(fix)[0].status == "applied"
    # set later than 31 December of the year before: flagged
    assert dev.push(_apbdes(dev, aid, "ditetapkan", "2025-01-15T02:00:00", base=1, version=2))[0].status == "applied"
    row = queries.village(district.store.db, VILLAGE, 2025)
    assert row is not None and row.has_budget and row.status == "ditetapkan"
    assert row.belanja == 142_500_000_000 and row.dds_belanja == 69_000_000_000
    assert row.real["5"] == 262_500_000_00 and row.real["dds"] == 262_500_000_00 and row.real["4"] == 45_000_000_000
    assert row.absorption == Decimal("38.0")  # 262.5 / 690 million
    rules = queries.rules_for(district.store.db, 2025)
    assert row.priority("blt") == Decimal("15.0") and row.priority("pangan") == Decimal("16.7")
    assert row.priority_flags(rules) == {"blt": False, "pangan": True, "operasional": False}
    assert row.not_set(rules, dt.date(2025, 3, 1))
    other = queries.village(district.store.db, OTHER_VILLAGE, 2025)
    assert other is not None and not other.has_budget


def test_a_device_writes_only_its_own_village_and_a_kiosk_none(district: District) -> None:
    dev = district.enroll(VILLAGE)
    kiosk = district.enroll(VILLAGE, role="kiosk")
    foreign = dev.change("apbdes_realisasi", new_id(), "create", {
        "village": OTHER_VILLAGE, "tahun": 2025, "tanggal": "2025-03-01", "kode_rekening": "5.4.1.01",
        "kode_kegiatan": "05.03.01", "sumber_dana": "DDS", "jumlah": "1.00", "jenis": "SPP"})
    assert dev.push(foreign)[0].reason == "wrong_village"
    assert kiosk.push(_apbdes(kiosk, new_id()))[0].reason == "role"
    bad = dev.change("apbdes_realisasi", new_id(), "create", {
        "tahun": 2025, "tanggal": "2025-03-01", "kode_rekening": "5.4.1.01", "jumlah": 0.1, "jenis": "SPP"})
    assert dev.push(bad)[0].reason == "invalid_payload"  # a float is never an amount
    assert queries.village(district.store.db, OTHER_VILLAGE, 2025) is None


def test_reports_rules_pages_and_exports(district: District) -> None:
    district.store.add_village(VILLAGE, "Sarongan")
    district.store.add_village(OTHER_VILLAGE, "Pesanggaran")
    dev = district.enroll(VILLAGE)
    assert dev.push(_apbdes(dev, new_id(), "ditetapkan", "2024-12-28T03:00:00"))[0].status == "applied"
    assert dev.push(_entry(dev, "5.3.5.02", "101250000.00", "02.03.15"))[0].status == "applied"
    report = dev.change("apbdes_laporan", new_id(), "create", {"tahun": 2025, "periode": "semester1",
                                                               "submitted_at": "2025-07-20T01:00:00"})
    assert dev.push(report)[0].status == "applied"
    queries.set_rules(district.store.db, 2025, pangan_min=Decimal("15"), semester1_deadline=dt.date(2025, 7, 31))
    rules = queries.rules_for(district.store.db, 2025)
    row = queries.village(district.store.db, VILLAGE, 2025)
    assert row is not None and rules.configured
    assert row.priority_flags(rules)["pangan"] is False  # 16.7 % now meets the year's 15 % rule
    assert row.report_state("semester1", rules, dt.date(2025, 8, 1)) == "ok"
    assert row.report_state("akhir", rules, dt.date(2026, 2, 2)) == "missing"
    assert not row.not_set(rules, dt.date(2025, 3, 1))
    assert district.client.get("/monitoring/apbdes", follow_redirects=False).status_code in (303, 401)
    _login(district)
    page = district.client.get("/monitoring/apbdes?tahun=2025")
    assert page.status_code == 200
    html = page.text
    assert "Sarongan" in html and "Pesanggaran" in html and "14,7%" in html  # 101.25 / 690 million
    assert html.index("Sarongan") < html.index("Pesanggaran")  # ranked by absorption
    detail = district.client.get(f"/monitoring/apbdes/desa/{VILLAGE}?tahun=2025").text
    assert "Ketahanan pangan" in detail and "tepat waktu" in detail and "Ditetapkan" in detail
    rows = list(csv.reader(io.StringIO(district.client.get("/monitoring/apbdes/ekspor.csv?tahun=2025")
                                       .content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["peringkat", "kode_desa", "nama_desa"] and rows[1][1] == VILLAGE
    assert rows[1][rows[0].index("serapan_dd_persen")] == "14.7"
    xlsx = district.client.get("/monitoring/apbdes/ekspor.xlsx?tahun=2025")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.cell(2, 2).value == VILLAGE and ws.cell(3, 2).value == OTHER_VILLAGE


def test_rules_are_a_setting_per_year_from_the_command_line(district: District, capsys: Any) -> None:
    import json

    from sync.district.cli import main as district_main

    assert district_main(["budget-rules", "--db", district.url, "--year", "2026", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["configured"] is False
    assert district_main(["budget-rules", "--db", district.url, "--year", "2026", "--blt-max", "10",
                          "--final-deadline", "2027-03-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["blt_max"], out["pangan_min"], out["final_deadline"]) == ("10.00", "20.00", "2027-03-31")
    assert queries.rules_for(district.store.db, 2025).blt_max == Decimal("15")  # another year untouched
    assert district_main(["budget-rules", "--db", district.url, "--year", "2026", "--blt-max", "abc"]) == 2


def test_pages_on_a_phone_in_headless_chromium(district: District, tmp_path: Any) -> None:
    import shutil
    import subprocess

    import pytest
    from PIL import Image

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or "postgres" in district.url:
        pytest.skip("Chromium is not installed" if chromium is None else "the page is the same on both databases")
    district.store.add_village(VILLAGE, "Sarongan")
    dev = district.enroll(VILLAGE)
    dev.push(_apbdes(dev, new_id(), "ditetapkan", "2024-12-28T03:00:00"))
    dev.push(_entry(dev, "5.3.5.02", "101250000.00", "02.03.15"))
    _login(district)
    for name, url in (("overview", "/monitoring/apbdes?tahun=2025"),
                      ("village", f"/monitoring/apbdes/desa/{VILLAGE}?tahun=2025")):
        html = tmp_path / f"{name}.html"
        html.write_text(district.client.get(url).text, encoding="utf-8")
        png = tmp_path / f"{name}.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=412,1200", f"--screenshot={png}", html.as_uri()],
                       check=True, capture_output=True, timeout=90)
        img = Image.open(png).convert("RGB")
        assert img.size == (412, 1200)
        # the header band is drawn and the right edge of the content column is background, not cut-off text
        assert img.getpixel((5, 5)) == (0x14, 0x53, 0x2D)
        right = [img.getpixel((411, y)) for y in range(100, 1100, 25)]
        assert all(px[0] > 200 for px in right), "content runs past the phone's width"
