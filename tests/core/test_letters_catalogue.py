"""The letter-type editor's PDF comes from the service (the UI builds no PDF itself)."""

from __future__ import annotations

import dataclasses
import io

from pypdf import PdfReader

from kiosk.services import Services


def test_sample_pdf_of_an_edited_type_shows_its_text(services: Services) -> None:
    letters = services.letters
    base = letters.letter_type("domisili")
    edited = dataclasses.replace(base, title="Surat Keterangan Percobaan Editor")
    data = letters.sample_pdf(edited)
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert len(reader.pages) >= 1
    assert "PERCOBAAN EDITOR" in text.upper()
    assert "PERCOBAAN EDITOR" not in " ".join(
        p.extract_text() or "" for p in PdfReader(io.BytesIO(letters.sample_pdf(base))).pages).upper()
