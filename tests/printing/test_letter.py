from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.letter_token import verify_token
from printing.letter import format_letter_date, render_letter, render_letters
from printing.samples import sample_heirs_letter, sample_letter
from printing.verify import read_token_from_pdf, read_tokens_from_pdf
from tests.printing.conftest import DEVICE_ID
from tests.printing.helpers import MM, decode_qr, page_sizes, pdf_text, rasterise, text_starts, word_boxes


def test_text_has_number_identity_and_signatory() -> None:
    text = pdf_text(render_letter(sample_letter()))
    for expected in [
        "474.1/012/35.10.01.2001/2026",
        "SITI AMINAH",
        "3510014107900001",
        "Budi Santoso",
        "SEKRETARIS DESA,",
        "a.n. KEPALA DESA SARONGAN",
        "SURAT KETERANGAN DOMISILI",
        "Sarongan, 27 November 2026",
        "NIP. 19800101 200501 1 001",
        "PEMERINTAH KABUPATEN BANYUWANGI",
    ]:
        assert expected in text


def test_nip_only_when_set() -> None:
    doc = sample_letter()
    doc["signatory"]["nip"] = None
    assert "NIP" not in pdf_text(render_letter(doc))


def test_indonesian_month_names() -> None:
    assert format_letter_date("2026-08-17") == "17 Agustus 2026"
    assert format_letter_date("2026-01-01") == "1 Januari 2026"


@pytest.mark.parametrize(("paper", "width_mm", "height_mm"), [("F4", 215, 330), ("A4", 210, 297)])
def test_page_size_exact(paper: str, width_mm: float, height_mm: float) -> None:
    (width, height), = page_sizes(render_letter(sample_letter(paper=paper)))
    assert width == pytest.approx(width_mm * MM, abs=0.5)
    assert height == pytest.approx(height_mm * MM, abs=0.5)


def test_unknown_paper_is_refused() -> None:
    with pytest.raises(ValueError):
        render_letter(sample_letter(paper="Letter"))


def test_fonts_are_embedded() -> None:
    data = render_letter(sample_letter())
    assert b"/FontFile2" in data
    assert b"LiberationSerif" in data


def test_qr_decodes_at_150_dpi_and_verifies(tmp_path: Path, keypair: tuple[bytes, bytes], verify_url: str) -> None:
    data = render_letter(sample_letter(qr_text=verify_url))
    (png,) = rasterise(data, tmp_path, dpi=150)
    texts = decode_qr(png)
    assert texts == [verify_url]
    result = verify_token(texts[0], {DEVICE_ID: keypair[1]})
    assert result.ok, result.reason
    assert result.payload is not None and result.payload.number == "474.1/012/35.10.01.2001/2026"


def test_token_in_pdf_metadata(keypair: tuple[bytes, bytes], signed_token: str, verify_url: str) -> None:
    data = render_letter(sample_letter(qr_text=verify_url))
    assert read_token_from_pdf(data) == signed_token
    assert verify_token(read_token_from_pdf(data) or "", {DEVICE_ID: keypair[1]}).ok
    assert read_token_from_pdf(render_letter(sample_letter())) is None


def test_batch_metadata_lists_every_token(signed_token: str) -> None:
    data = render_letters([sample_letter(qr_text=signed_token), sample_letter(), sample_letter(qr_text=signed_token)])
    assert read_tokens_from_pdf(data) == [signed_token, signed_token]


def test_long_name_and_address_stay_inside_margins(tmp_path: Path) -> None:
    name = ("SITI AMINAH BINTI " + "ABDULRAHMAN " * 7)[:90]
    address = ("Dusun Krajan Kidul RT 002 / RW 001 Jalan Kenanga Gang Melati Nomor 17 " * 2)[:120]
    assert len(name) == 90 and len(address) == 120
    doc = sample_letter(paper="A4")
    doc["identity"][0][1] = name
    doc["identity"][-1][1] = address
    doc["kop"]["address"] = address
    doc["signatory"]["name"] = name
    data = render_letter(doc)
    page_width = 210 * MM
    left, right = 25 * MM, page_width - 20 * MM
    for x, text in text_starts(data):
        assert x >= left - 0.5, f"{text!r} starts left of the margin at {x:.1f}"
    boxes = [b for b in word_boxes(data, tmp_path) if b[5] == 0]
    assert boxes
    for x0, _y0, x1, _y1, word, _page in boxes:
        assert x0 >= left - 0.5, f"{word!r} starts at {x0:.1f} < {left:.1f}"
        assert x1 <= right + 0.5, f"{word!r} ends at {x1:.1f} > {right:.1f}"
    # every word of the long texts is printed
    text = " ".join(b[4] for b in boxes)
    assert all(w in text for w in name.split())


def test_thirty_heirs_flow_to_two_numbered_pages() -> None:
    data = render_letter(sample_heirs_letter(30))
    assert len(page_sizes(data)) == 2
    text = pdf_text(data)
    assert "Halaman 1 dari 2" in text and "Halaman 2 dari 2" in text
    assert "AHLI WARIS NOMOR 30" in text
    # the header row repeats on the second page
    from io import BytesIO

    from pypdf import PdfReader

    second = PdfReader(BytesIO(data)).pages[1].extract_text()
    assert "Hubungan" in second
    # the signature block is on the same page as place and date
    assert "Sarongan, 27 November 2026" in second and "Budi Santoso" in second


def test_single_page_letter_has_no_page_number() -> None:
    assert "Halaman" not in pdf_text(render_letter(sample_letter()))


def test_batch_each_letter_on_new_page_numbered_per_letter() -> None:
    docs = [sample_letter(), sample_heirs_letter(30), sample_letter(paper="A4")]
    data = render_letters(docs)
    sizes = page_sizes(data)
    assert len(sizes) == 4
    assert sizes[0][1] == pytest.approx(330 * MM, abs=0.5)
    assert sizes[3][1] == pytest.approx(297 * MM, abs=0.5)
    text = pdf_text(data)
    assert text.count("Halaman 1 dari 2") == 1 and text.count("Halaman 2 dari 2") == 1


def test_void_letter_carries_batal() -> None:
    assert "BATAL" in pdf_text(render_letter(sample_letter(void=True)))
    assert "BATAL" not in pdf_text(render_letter(sample_letter()))


def test_logo_is_drawn(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    logo = tmp_path / "logo.png"
    image.new("RGB", (120, 140), (20, 90, 40)).save(logo)
    doc = sample_letter()
    doc["kop"]["logo_path"] = str(logo)
    data = render_letter(doc)
    assert b"/Subtype /Image" in data


def test_markup_characters_are_text() -> None:
    doc = sample_letter()
    doc["identity"][0][1] = "A & B <C>"
    assert "A & B <C>" in pdf_text(render_letter(doc))
