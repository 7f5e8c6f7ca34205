"""Every shipped letter type on F4 and A4, issued through the service with a district verify URL (the
longest QR text a letter carries): its QR decodes with zbar from a 100 dpi render and from a simulated
cheap-phone photo (ImageMagick on a 300 dpi render: 7° rotation, blur, noise, half scale, JPEG 40)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import forms
from kiosk import settings
from kiosk.letter_token import verify_token
from kiosk.models import Device, Resident
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
from tests.helpers import make_services
from tests.printing.helpers import MM, word_boxes

DISTRICT = "https://verifikasi.banyuwangikab.go.id"
PAPERS = ("F4", "A4")
PHONE = ["-rotate", "7", "-blur", "0x1.5", "-attenuate", "0.5", "+noise", "Gaussian", "-resize", "50%",
         "-quality", "40"]


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """{(paper, type): (pdf path, token)} and the office's public key."""
    data = tmp_path_factory.mktemp("paper") / "data"
    services = make_services(data, setup=False)
    create_demo_village(services, residents=8)
    actor = services.users.authenticate("kades", DEMO_PASSWORD)
    with services.store.write() as s:
        rid = s.execute(select(Resident.id).where(Resident.nik.is_not(None))).scalars().first()
        device = s.execute(select(Device)).scalar_one()
        device.district_url = DISTRICT
        public = bytes(device.public_key)
    assert rid is not None
    letters: dict[tuple[str, str], tuple[Path, str]] = {}
    for paper in PAPERS:
        with services.store.write() as s:
            settings.put(s, settings.PAPER, paper)
        for lt in services.letters.catalog().types.values():
            if not lt.builtin:
                continue
            info = services.letters.issue_direct(actor, resident_id=rid, letter_type=lt.code,
                                                 values=forms.sample_values(lt, dt.date.today()))
            assert info.pdf_path and info.token
            letters[(paper, lt.code)] = (Path(info.pdf_path), info.token)
    yield {"letters": letters, "public": public}
    services.store.close()


def _imagemagick(tmp: Path) -> list[str]:
    """The ImageMagick command that really converts (a stand-in `convert` may only print), or skip."""
    probe_in = tmp / "probe.pbm"
    probe_in.write_bytes(b"P1\n2 2\n1 0\n0 1\n")
    # every `magick` / `convert` on PATH, not only the first: a stand-in early on PATH must not hide the real one
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    candidates = [found for name in ("magick", "convert") for d in dirs
                  if (found := shutil.which(name, path=d)) is not None]
    for path in dict.fromkeys(candidates):
        done = subprocess.run([path, str(probe_in), "-blur", "0x1", str(tmp / "probe.jpg")], capture_output=True)
        if done.returncode == 0 and (tmp / "probe.jpg").is_file():
            return [path]
    pytest.skip("ImageMagick is not installed (Debian: apt-get install imagemagick): the phone simulation "
                "cannot run")


def _need(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: poppler-utils / zbar-tools)")
    return path


def _qr_region(pdf: Path, tmp: Path) -> tuple[int, tuple[float, float, float, float]]:
    """(page number from 1, crop box x, y, w, h in points from the top-left) around the QR: it stands
    above its caption "Pindai untuk memeriksa ..." on the letter's last page."""
    boxes = [b for b in word_boxes(pdf.read_bytes(), tmp) if b[4] == "Pindai"]
    assert len(boxes) == 1, "one QR caption per letter"
    x0, y0, _x1, _y1, _w, page = boxes[0]
    return page + 1, (max(0.0, x0 - 8 * MM), max(0.0, y0 - 50 * MM), 70 * MM, 54 * MM)


def _render(pdf: Path, page: int, box: tuple[float, float, float, float], dpi: int, out: Path) -> Path:
    x, y, w, h = (round(v * dpi / 72) for v in box)
    subprocess.run([_need("pdftoppm"), "-r", str(dpi), "-f", str(page), "-l", str(page), "-x", str(x), "-y",
                    str(y), "-W", str(w), "-H", str(h), "-png", "-singlefile", str(pdf), str(out)], check=True)
    return out.with_suffix(".png")


def _zbar(image: Path) -> list[str]:
    done = subprocess.run([_need("zbarimg"), "-q", "--raw", str(image)], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.slow
def test_every_type_qr_reads_at_100_dpi_and_from_a_phone_photo(issued: dict[str, Any], tmp_path: Path) -> None:
    magick = _imagemagick(tmp_path)
    failures = []
    for (paper, code), (pdf, token) in sorted(issued["letters"].items()):
        page, box = _qr_region(pdf, tmp_path)
        assert page == len(PdfReader(pdf).pages)  # the QR sits with the signature on the last page
        low = _render(pdf, page, box, 100, tmp_path / f"{paper}-{code}-100")
        high = _render(pdf, page, box, 300, tmp_path / f"{paper}-{code}-300")
        phone = tmp_path / f"{paper}-{code}-phone.jpg"
        subprocess.run([*magick, str(high), *PHONE, str(phone)], check=True)
        for what, image in (("100 dpi", low), ("phone", phone)):
            texts = _zbar(image)
            if len(texts) != 1 or not verify_token(texts[0], {"office": issued["public"]}).ok:
                failures.append(f"{code} {paper} {what}: {texts!r}")
                continue
            assert texts[0].startswith(DISTRICT.upper() + "/V/SK2.") and texts[0].endswith(token)
    assert not failures, failures


def test_qr_modules_are_at_least_half_a_millimetre(issued: dict[str, Any]) -> None:
    from printing.letter import QR_MAX_SIZE, QR_MODULE
    from printing.qr import qr_matrix, qr_size_for

    for (_paper, _code), (_pdf, token) in issued["letters"].items():
        text = f"{DISTRICT.upper()}/V/{token}"
        n = len(qr_matrix(text))
        assert n <= 53  # version 9 or less: the compact code in alphanumeric mode
        assert qr_size_for(text, QR_MODULE, QR_MAX_SIZE) / n >= 0.5 * MM


# --- layout: every type with the longest realistic values on both papers ---------------------------


@pytest.fixture(scope="module")
def issued_long(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str, str], dict[str, Any]]]:
    """{(values, paper, type): {"pdf", "document", "tables"}} for sample and long values."""
    from kiosk.models import Letter
    from tests.core.long_values import LONG_ADDRESS, LONG_NAME, long_values

    data = tmp_path_factory.mktemp("layout") / "data"
    services = make_services(data, setup=False)
    create_demo_village(services, residents=8)
    actor = services.users.authenticate("kades", DEMO_PASSWORD)
    with services.store.write() as s:
        resident = s.execute(select(Resident).where(Resident.nik.is_not(None))).scalars().first()
        assert resident is not None
        resident.name, resident.address, rid = LONG_NAME, LONG_ADDRESS, resident.id
        s.execute(select(Device)).scalar_one().district_url = DISTRICT
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    today = dt.date.today()
    for paper in PAPERS:
        with services.store.write() as s:
            settings.put(s, settings.PAPER, paper)
        for lt in services.letters.catalog().types.values():
            if not lt.builtin:
                continue
            for kind, values in (("sample", forms.sample_values(lt, today)), ("long", long_values(lt, today))):
                info = services.letters.issue_direct(actor, resident_id=rid, letter_type=lt.code, values=values,
                                                     signer=services.letters.signer_for("sekretaris"))
                with services.store.read() as s:
                    row = s.get(Letter, info.id)
                    assert row is not None
                    document = dict(row.document)
                out[(kind, paper, lt.code)] = {"pdf": Path(info.pdf_path or ""), "document": document,
                                               "tables": bool(lt.tables)}
    yield out
    services.store.close()


def _squash(text: str) -> str:
    return "".join(text.split())


def test_page_counts_on_both_papers(issued_long: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    pages = {key: len(PdfReader(v["pdf"]).pages) for key, v in issued_long.items()}
    codes = sorted({code for _k, _p, code in pages})
    assert len(codes) >= 22
    for code in codes:
        # usual values: one page on F4 and on A4
        assert pages[("sample", "F4", code)] == 1 and pages[("sample", "A4", code)] == 1, code
        f4, a4 = pages[("long", "F4", code)], pages[("long", "A4", code)]
        tables = issued_long[("long", "F4", code)]["tables"]
        # the longest values: one page on F4 stays one page on A4 unless a table (10 heirs) needs more
        assert a4 <= 2 and f4 <= 2, (code, f4, a4)
        if not tables:
            assert f4 == 1 and a4 == 1, (code, f4, a4)


def test_no_page_holds_only_a_signature_and_continuations_are_labelled(
        issued_long: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    from tests.core.long_values import LONG_NAME

    multi = 0
    for key, v in issued_long.items():
        doc = v["document"]
        reader = PdfReader(v["pdf"])
        texts = [_squash(p.extract_text() or "") for p in reader.pages]
        last = texts[-1]
        # the closing and the paragraph before it stand with the signature on its page
        assert _squash(doc["closing"]) in last, key
        paragraphs = [b["text"] for b in doc["blocks"] if b["kind"] == "paragraph"]
        if doc["blocks"][-1]["kind"] == "paragraph":
            assert _squash(paragraphs[-1]) in last, key
        assert _squash(doc["signatory"]["name"]) in last
        n = len(texts)
        if n > 1:
            multi += 1
            for k, text in enumerate(texts, start=1):
                assert f"Halaman{k}dari{n}" in text, (key, k)
            for text in texts[1:]:
                assert "Lanjutan" in text and _squash(doc["number"]) in text and _squash(LONG_NAME) in text, key
    assert multi >= 2  # the long ahli waris and pindah really continue


def test_no_text_runs_past_the_margins(issued_long: dict[tuple[str, str, str], dict[str, Any]],
                                       tmp_path: Path) -> None:
    from printing.letter import PAPER_SIZES

    slack = 0.6  # points: glyph boxes of pdftotext
    for key, v in issued_long.items():
        if key[0] != "long":
            continue
        m = {k: float(x) * MM for k, x in v["document"]["margins_mm"].items()}
        width, height = PAPER_SIZES[key[1]]
        boxes = word_boxes(v["pdf"].read_bytes(), tmp_path)
        assert boxes, key
        footer = height - m["bottom"]
        for x0, y0, x1, y1, word, _page in boxes:
            assert x0 >= m["left"] - slack and x1 <= width - m["right"] + slack, (key, word, x0, x1)
            assert y0 >= m["top"] - slack, (key, word, y0)
            if y1 > footer + slack:  # only the page number lives in the bottom margin
                assert word in ("Halaman", "dari") or word.isdigit(), (key, word, y1)
