"""A village imports its Siskeudes export, sets and reports its APBDes, syncs through a REAL district
server on 127.0.0.1 — and the district sees the same absorption, every change applied exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kiosk.budget import sample
from sync.district.budget import queries
from tests.helpers import admin_actor
from tests.sync.conftest import DistrictServer, assert_exactly_once


@pytest.mark.slow
def test_siskeudes_import_reaches_the_district_exactly_once(server: DistrictServer, offices: Any,
                                                             tmp_path: Path) -> None:
    office = offices("kantor", server=server)
    village = office.services.office.profile().village_code
    kd = f"{village.split('.')[2]}.{village.split('.')[3]}."
    admin = admin_actor(office.services)
    tables = sample.contoh_tables(kd_desa=kd, entries=300, perubahan=False)
    report = office.services.apbdes.import_file(admin, sample.write_zip(tmp_path / "s.zip", tables))
    assert report.imported
    info = office.services.apbdes.find(admin, 2025)
    office.services.apbdes.transition(admin, info.id, "disepakati_bpd")
    office.services.apbdes.transition(admin, info.id, "dievaluasi")
    office.services.apbdes.transition(admin, info.id, "ditetapkan")
    office.services.apbdes.submit_report(admin, 2025, "semester1")
    assert office.sync().ok
    assert_exactly_once(server, office)
    # a second sync and a re-import of the same file send nothing new
    again = office.services.apbdes.import_file(admin, sample.write_zip(tmp_path / "s2.zip", tables))
    assert again.entries_added == 0
    assert office.sync().ok
    assert_exactly_once(server, office)
    view = office.services.apbdes.view(admin, 2025)
    row = queries.village(server.store.db, village, 2025)
    assert row is not None and row.status == "ditetapkan" and row.set_at is not None
    assert Decimal(row.belanja) / 100 == view.budget.belanja
    assert Decimal(row.real["5"]) / 100 == view.realization.belanja
    dds_budget = sum((ln.anggaran for ln in view.lines if ln.kode_rekening.startswith("5") and ln.sumber_dana == "DDS"),
                     Decimal(0))
    assert Decimal(row.dds_belanja) / 100 == dds_budget
    assert "semester1" in row.reports and row.reports["semester1"].date() <= dt.date.today()
    # a later correction on the office reaches the district as a new entry, summed once
    entry = office.services.apbdes.realization_entries(admin, 2025, limit=1)[0]
    office.services.apbdes.correct_realization(admin, entry.id, jumlah="0", reason="batal")
    assert office.sync().ok
    assert_exactly_once(server, office)
    row = queries.village(server.store.db, village, 2025)
    assert row is not None
    assert Decimal(row.real["5"] + row.real.get("4", 0)) / 100 == (office.services.apbdes.view(admin, 2025)
                                                                   .realization.belanja
                                                                   + office.services.apbdes.view(admin, 2025)
                                                                   .realization.pendapatan)


@pytest.mark.slow
def test_a_second_office_pc_takes_the_header_and_ledger_without_issues(server: DistrictServer, offices: Any,
                                                                        tmp_path: Path) -> None:
    a = offices("a", server=server)
    b = offices("b", server=server)
    village = a.services.office.profile().village_code
    kd = f"{village.split('.')[2]}.{village.split('.')[3]}."
    admin = admin_actor(a.services)
    tables = sample.contoh_tables(kd_desa=kd, entries=40, perubahan=False)
    assert a.services.apbdes.import_file(admin, sample.write_zip(tmp_path / "s.zip", tables)).imported
    info = a.services.apbdes.find(admin, 2025)
    a.services.apbdes.transition(admin, info.id, "disepakati_bpd")
    assert a.sync().ok
    report = b.sync()
    assert report.ok, report
    assert b.services.sync.issues() == []
    admin_b = admin_actor(b.services)
    got = b.services.apbdes.find(admin_b, 2025)
    assert (got.id, got.status, got.perdes_no) == (info.id, "disepakati_bpd", "3 Tahun 2024")
    entries = b.services.apbdes.realization_entries(admin_b, 2025, limit=1000)
    assert len(entries) == 40
    assert sum((e.jumlah for e in entries), Decimal(0)) == sum(
        (e.jumlah for e in a.services.apbdes.realization_entries(admin, 2025, limit=1000)), Decimal(0))
    assert_exactly_once(server, a)
