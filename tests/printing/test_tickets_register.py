from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from printing.register import render_register
from printing.tickets import render_queue_ticket, render_receipt
from tests.printing.helpers import MM, page_sizes, pdf_text

TICKET = {
    "village": "Desa Sarongan",
    "queue_number": "K-012",
    "issued_at": "2026-11-27T08:15",
    "letter_title": "Surat Keterangan Domisili",
    "bring": ["KTP asli", "Kartu Keluarga", "Surat pengantar RT/RW"],
    "request_number": "PMH-2026-000123",
    "note": "Tunggu nomor Anda dipanggil.",
}


def test_queue_ticket_is_80mm_and_fitted() -> None:
    data = render_queue_ticket(TICKET)
    ((width, height),) = page_sizes(data)
    assert width == pytest.approx(80 * MM, abs=0.5)
    assert 50 * MM < height < 150 * MM
    text = pdf_text(data)
    for expected in ["NOMOR ANTRIAN", "K-012", "27 November 2026 08.15", "KTP asli", "PMH-2026-000123"]:
        assert expected in text
    longer = render_queue_ticket({**TICKET, "bring": TICKET["bring"] * 4})
    assert page_sizes(longer)[0][1] > height
    assert len(page_sizes(longer)) == 1


def test_receipt_is_80mm() -> None:
    data = render_receipt({"village": "Desa Sarongan", "request_number": "PMH-2026-000123",
                           "received_at": "2026-11-27T08:15", "resident_name": "SITI AMINAH",
                           "letter_title": "Surat Keterangan Usaha"})
    ((width, _),) = page_sizes(data)
    assert width == pytest.approx(80 * MM, abs=0.5)
    text = pdf_text(data)
    assert "TANDA TERIMA PERMOHONAN" in text and "SITI AMINAH" in text


def test_register_landscape_paginated_with_void() -> None:
    rows = [
        {"number": f"474.1/{i:03d}/35.10.01.2001/2026", "date": "2026-03-02", "type": "Surat Keterangan Domisili",
         "resident": f"WARGA {i}", "state": "void" if i == 7 else "issued"}
        for i in range(1, 61)
    ]
    data = render_register(rows, {"lines": ["Desa Sarongan"]}, 2026)
    sizes = page_sizes(data)
    assert len(sizes) >= 2
    assert sizes[0][0] > sizes[0][1]  # landscape
    text = pdf_text(data)
    assert "BUKU AGENDA SURAT KELUAR TAHUN 2026" in text
    assert "BATAL" in text and "474.1/060/35.10.01.2001/2026" in text
    assert f"Halaman 1 dari {len(sizes)}" in text
    second = PdfReader(io.BytesIO(data)).pages[1].extract_text()
    assert "Nomor Surat" in second  # header repeats
