"""The poster (A3/A1 vector PDF) and the Laporan Realisasi Semester I / Akhir Tahun, opened and read."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.actor import Actor
from kiosk.budget import sample
from kiosk.errors import ValidationError
from kiosk.services import Services
from tests.printing.helpers import MM, need_binary, page_sizes, pdf_text


@pytest.fixture
def imported(services: Services, admin: Actor, tmp_path: Path) -> dict[str, list[dict[str, str]]]:
    tables = sample.contoh_tables(entries=120)
    services.apbdes.import_file(admin, sample.write_zip(tmp_path / "s.zip", tables))
    return tables


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_poster_a3_and_a1_are_vector_pdfs_with_the_figures(services: Services, admin: Actor, imported: dict) -> None:
    a3 = services.apbdes.poster_pdf(admin, 2025, size="A3", today=dt.date(2025, 9, 1))
    a1 = services.apbdes.poster_pdf(admin, 2025, size="A1")
    (w, h), = page_sizes(a3)
    assert (round(w / MM), round(h / MM)) == (297, 420)
    (w, h), = page_sizes(a1)
    assert (round(w / MM), round(h / MM)) == (594, 841)
    text = _flat(pdf_text(a3))
    for expected in ("APBDES PERUBAHAN TAHUN ANGGARAN 2025", "DESA SARONGAN", "SUMBER PENDAPATAN", "Dana Desa",
                     "Rp 900.000.000", "BELANJA PER BIDANG", "Rp 560.000.000", "KEGIATAN UTAMA", "Dusun Krajan RT 01",
                     "SiLPA tahun berjalan", "Realisasi per", "SLAMET RIYADI", "Peraturan Desa Nomor 2 Tahun 2025"):
        assert expected in text, expected
    # vector: no raster image on the page unless a logo is set
    page = PdfReader(io.BytesIO(a3)).pages[0]
    assert not page.images
    # the realization percentage of belanja equals the ledger's
    view = services.apbdes.view(admin, 2025)
    share = (view.realization.belanja * 100 / view.budget.belanja).quantize(view.budget.belanja.__class__("0.01"))
    assert f"Realisasi {str(share).replace('.', ',')}%" in text


def test_poster_carries_the_logo(services: Services, admin: Actor, imported: dict) -> None:
    import dataclasses

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "PNG")
    info = dataclasses.replace(services.office.profile(), logo=buf.getvalue())
    services.office.update_profile(admin, info)
    pdf = services.apbdes.poster_pdf(admin, 2025)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_semester_report_counts_only_the_first_half(services: Services, admin: Actor, imported: dict) -> None:
    pdf = services.apbdes.report_pdf(admin, 2025, "semester1", today=dt.date(2025, 7, 10))
    text = _flat(pdf_text(pdf))
    assert "LAPORAN REALISASI PELAKSANAAN APBDes SEMESTER I" in text
    assert "A. Per Kelompok" in text and "B. Belanja per Bidang" in text
    for head in ("Kode Rek.", "Uraian", "Anggaran (Rp)", "Realisasi (Rp)", "Lebih/(Kurang)", "%"):
        assert head in text
    first_half = services.apbdes.view(admin, 2025, until=dt.date(2025, 6, 30)).realization.belanja
    whole = services.apbdes.view(admin, 2025).realization.belanja
    assert first_half < whole
    from printing.apbdes_common import rupiah

    assert rupiah(first_half) in text and rupiah(whole) not in text
    year_end = _flat(pdf_text(services.apbdes.report_pdf(admin, 2025, "akhir")))
    assert "AKHIR TAHUN" in year_end and rupiah(whole) in year_end
    assert "SISA LEBIH/(KURANG) PEMBIAYAAN ANGGARAN (SiLPA)" in year_end
    assert "01.01.01" in year_end and "Penyediaan Penghasilan Tetap" in year_end
    assert "Kepala Desa Sarongan" in year_end and "Desa Desa" not in year_end
    with pytest.raises(ValidationError):
        services.apbdes.report_pdf(admin, 2025, "triwulan")


def test_prints_render_to_png(services: Services, admin: Actor, imported: dict, tmp_path: Path) -> None:
    pdftoppm = need_binary("pdftoppm")
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(services.apbdes.poster_pdf(admin, 2025))
    subprocess.run([pdftoppm, "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    assert (tmp_path / "p-1.png").stat().st_size > 10_000
