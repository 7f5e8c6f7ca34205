"""`letters verify` as a checker and a forger use it: what was issued is shown, a PDF whose text was
edited fails naming the field, and bad input (truncated, forged, foreign codes; PDFs that are not
letters; scans) gets a clear Indonesian message and a non-zero exit."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

import cli
from kiosk.letter_token import TokenPayload, content_hash, generate_keypair, sign_compact
from kiosk.models import Resident
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
from tests.helpers import make_services


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = cli.run(list(args))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except ValueError:
        return code, out


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    data = tmp_path / "data"
    services = make_services(data, setup=False)
    create_demo_village(services, residents=15)
    with services.store.read() as s:
        resident = s.execute(select(Resident).where(Resident.nik.is_not(None)).order_by(Resident.name)).scalars().first()
        assert resident is not None
        nik, name = resident.nik or "", resident.name
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", DEMO_PASSWORD)
    return {"data": data, "nik": nik, "name": name, "d": ["--data-dir", str(data)]}


def issue_sktm(capsys: pytest.CaptureFixture[str], office: dict[str, Any], out: Path) -> dict[str, Any]:
    code, issued = run(capsys, "letters", "issue", "--type", "sktm", "--nik", office["nik"],
                       "--field", "penghasilan=750000", "--field", "tanggungan=4",
                       "--field", "keperluan=pengajuan beasiswa sekolah anak", "--user", "kades",
                       "--signer", "sekretaris", "--out", str(out), *office["d"], "--json")
    assert code == 0, issued
    return dict(issued)


def edit_text(src: Path, dst: Path, old: bytes, new: bytes) -> None:
    """What a forger does with pypdf: change the text in the page's content stream, keep the rest."""
    writer = PdfWriter(clone_from=PdfReader(src))
    changed = 0
    for page in writer.pages:
        contents = page["/Contents"].get_object()
        data = contents.get_data()
        changed += data.count(old)
        contents.set_data(data.replace(old, new))
    assert changed, f"{old!r} is not in the text layer"
    with dst.open("wb") as f:
        writer.write(f)


def test_checker_sees_what_was_issued_and_the_text_is_compared(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, Any]) -> None:
    pdf = tmp_path / "sktm.pdf"
    issued = issue_sktm(capsys, office, pdf)

    code, ok = run(capsys, "letters", "verify", str(pdf), *office["d"], "--json")
    assert code == 0 and ok["ok"] and ok["status"] == "sah" and ok["content_compared"] is True
    s = ok["summary"]
    assert s["title"] == "Surat Keterangan Tidak Mampu" and s["number"] == issued["number"]
    assert s["name"] == office["name"]
    assert s["nik_masked"] == office["nik"][:4] + "********" + office["nik"][-4:]
    fields = dict(s["fields"])
    assert next(iter(fields)) == "Keperluan" and fields["Keperluan"] == "pengajuan beasiswa sekolah anak"
    assert fields["Penghasilan rata-rata per bulan (Rp)"] == "750.000"
    assert s["signer"]["title"] == "Sekretaris Desa" and s["signer"]["capacity"].startswith("a.n. Kepala Desa")
    assert "sama dengan surat" in ok["message"]  # Indonesian, and it says the text was compared

    # the same code given as text: shown, but no claim about the paper's text
    code, qr = run(capsys, "letters", "verify", "--qr", ok_token(pdf), *office["d"], "--json")
    assert code == 0 and qr["content_compared"] is False and qr["summary"]["name"] == office["name"]
    assert "tidak berubah" not in qr["message"] and "sama dengan surat" not in qr["message"]
    code, text = run(capsys, "letters", "verify", "--qr", ok_token(pdf), *office["d"])
    assert code == 0 and office["name"] in text and s["nik_masked"] in text and "a.n. Kepala Desa" in text
    assert office["nik"] not in text  # never the whole NIK


def ok_token(pdf: Path) -> str:
    from printing.verify import read_token_from_pdf

    token = read_token_from_pdf(pdf)
    assert token
    return token


@pytest.mark.parametrize(("old", "new", "field"), [
    ("{name}", "{name}X", "Nama"),
    ("750.000", "7.750.000", "Penghasilan rata-rata per bulan (Rp)"),
])
def test_edited_text_fails_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            office: dict[str, Any], old: str, new: str, field: str) -> None:
    pdf = tmp_path / "sktm.pdf"
    issue_sktm(capsys, office, pdf)
    forged = tmp_path / "forged.pdf"
    edit_text(pdf, forged, old.format(name=office["name"]).encode(), new.format(name=office["name"]).encode())
    assert new.format(name=office["name"]) in "\n".join(p.extract_text() for p in PdfReader(forged).pages)

    code, report = run(capsys, "letters", "verify", str(forged), *office["d"], "--json")
    assert code == 1 and not report["ok"] and report["reason"] == "text_differs"
    assert report["field"] == field
    assert f"“{field}”" in report["message"] and "berbeda" in report["message"]
    code, text = run(capsys, "letters", "verify", str(forged), *office["d"])
    assert code == 1 and "TIDAK SAH" in text and field in text


def test_bad_codes_and_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, Any]) -> None:
    pdf = tmp_path / "sktm.pdf"
    issue_sktm(capsys, office, pdf)
    token = ok_token(pdf)
    d = [*office["d"], "--json"]

    def verify(*args: str) -> dict[str, Any]:
        code, report = run(capsys, "letters", "verify", *args, *d)
        assert code == 1 and not report["ok"], report
        return dict(report)

    assert verify("--qr", token[:-12])["reason"] == "malformed"  # truncated
    assert "tidak dapat dibaca" in verify("--qr", token[:40])["message"]
    forged = token[:-30] + ("A" if token[-30] != "A" else "B") + token[-29:]
    assert verify("--qr", forged)["reason"] == "bad_signature"
    private, _public = generate_keypair()  # another village's office signs a code of its own
    foreign = sign_compact(TokenPayload(letter_id="019a6b2e-7c1f-7abc-8def-0123456789ab", number="",
                                        village_code="35.10.02.2003", issued_on="2026-11-27",
                                        content_hash=content_hash({"x": 1}), device_id=""), private)
    report = verify("--qr", foreign)
    assert report["reason"] == "other_village" and "35.10.02.2003" in report["message"]
    same_village = sign_compact(TokenPayload(letter_id="019a6b2e-7c1f-7abc-8def-0123456789ab", number="",
                                             village_code="35.10.01.2001", issued_on="2026-11-27",
                                             content_hash=content_hash({"x": 1}), device_id=""), private)
    assert verify("--qr", same_village)["reason"] == "bad_signature"

    plain = tmp_path / "brosur.pdf"  # a PDF that is not a letter
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "Brosur wisata Pulau Merah")
    c.showPage()
    c.save()
    plain.write_bytes(buf.getvalue())
    report = verify(str(plain))
    assert report["reason"] == "no_token" and "--qr" in report["message"]

    scan = tmp_path / "pindaian.pdf"  # a scan: an image, no text layer, no code
    buf = io.BytesIO()
    c = Canvas(buf)
    c.rect(72, 500, 300, 200, fill=1)
    c.showPage()
    c.save()
    scan.write_bytes(buf.getvalue())
    report = verify(str(scan))
    assert report["reason"] == "no_token_scan" and "lapisan teks" in report["message"]

    # the letter's code kept but its text layer gone (re-saved as an image PDF by some program)
    stripped = tmp_path / "tanpa-teks.pdf"
    writer = PdfWriter(clone_from=PdfReader(pdf))
    for page in writer.pages:
        page["/Contents"].get_object().set_data(b"q 0 0 1 rg 72 72 100 100 re f Q")
    with stripped.open("wb") as f:
        writer.write(f)
    report = verify(str(stripped))
    assert report["reason"] == "no_text" and report["content_compared"] is False
    assert "tidak dapat dibandingkan" in report["message"]

    junk = tmp_path / "bukan.pdf"
    junk.write_text("ini bukan PDF", encoding="utf-8")
    assert "bukan PDF" in verify(str(junk))["message"]
