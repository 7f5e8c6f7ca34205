"""The simple template (shipped as XLSX and CSV): import, errors by row and column, export round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.actor import Actor
from kiosk.budget import sample
from kiosk.budget.importing import ImportRefused
from kiosk.budget.template import TEMPLATE_FILE
from kiosk.services import Services


@pytest.mark.parametrize("name", ["apbdes_template.xlsx", "apbdes_template.csv"])
def test_the_shipped_template_reads(services: Services, admin: Actor, name: str) -> None:
    report = services.apbdes.import_file(admin, TEMPLATE_FILE.parent / name, dry_run=True)
    assert report.ok, [r.text() for r in report.rejects]
    assert report.tahun == 2025 and [v.versi for v in report.versions] == [0, 1]
    assert report.versions[0].per_kelompok["4.2"] == Decimal("900000000")
    assert report.versions[1].per_bidang["02"] == Decimal("310000000")
    assert report.entries == 1 and report.realization.pendapatan == Decimal("450000000")


def test_errors_name_row_and_column(services: Services, admin: Actor, tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("tahun;kode_rekening;kode_kegiatan;uraian;sumber_dana;anggaran;realisasi;tanggal_realisasi\n"
                 "2025;4.2.1.01;;Dana Desa;DDS;900.000.000;100.000;2025-02-30\n"
                 "2025;5.2.1.01;;ATK;ADD;Rp 5.000.000;;\n"
                 "2025;4.7.1.01;;?;DDS;1;;\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as e:
        services.apbdes.import_file(admin, p)
    where = {(n.row, n.column) for n in e.value.report.rejects}
    assert {(1, "tanggal_realisasi"), (2, "kode_kegiatan"), (3, "kode_rekening")} <= where


def test_export_round_trip(services: Services, admin: Actor, tmp_path: Path) -> None:
    services.apbdes.import_file(admin, sample.write_zip(tmp_path / "s.zip", sample.contoh_tables(entries=30)))
    before = services.apbdes.view(admin, 2025)
    for suffix in (".xlsx", ".csv"):
        out = services.apbdes.export_template(admin, 2025, tmp_path / f"apbdes{suffix}")
        report = services.apbdes.import_file(admin, out, dry_run=True)
        assert report.ok, [r.text() for r in report.rejects]
        assert report.versions[0].totals == before.budget.__class__(**{
            k: getattr(services.apbdes.view(admin, 2025, 0).budget, k)
            for k in ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan")})
        assert report.versions[-1].totals.belanja == before.budget.belanja
        assert report.realization.belanja == before.realization.belanja
