"""Void, reprint and batch from the command line, and `settings get|set` checked like the Settings screen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import cli
from kiosk.models import Resident
from kiosk.services.demo import DEMO_PASSWORD, create_demo_village
from printing.verify import read_tokens_from_pdf
from tests.helpers import make_services


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = cli.run([*args, "--json"])
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except ValueError:
        return code, out


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    data = tmp_path / "data"
    services = make_services(data, setup=False)
    create_demo_village(services, residents=10)
    with services.store.read() as s:
        nik = s.execute(select(Resident.nik).where(Resident.nik.is_not(None))).scalars().first()
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", DEMO_PASSWORD)
    return {"d": ["--data-dir", str(data)], "nik": nik or ""}


def _text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)


def _issue(capsys: pytest.CaptureFixture[str], office: dict[str, Any]) -> dict[str, Any]:
    code, info = run(capsys, "letters", "issue", "--type", "domisili", "--nik", office["nik"], "--field",
                     "sejak=01-01-2015", "--field", "keperluan=melamar pekerjaan", "--user", "kades", *office["d"])
    assert code == 0, info
    return dict(info)


def test_reprint_is_marked_and_counted_void_prints_batal_and_the_archive_stays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, Any]) -> None:
    d = office["d"]
    first, second = _issue(capsys, office), _issue(capsys, office)
    archived = Path(first["archived"])
    original = hashlib.sha256(archived.read_bytes()).hexdigest()

    out = tmp_path / "cetak.pdf"
    code, printed = run(capsys, "letters", "print", "--id", first["number"], "--out", str(out), "--user", "kades", *d)
    assert code == 0 and printed["letters"][0]["print_count"] == 1
    assert "Cetak ulang" not in _text(out)
    for n in (1, 2):  # each later print is a marked reprint, counted
        code, printed = run(capsys, "letters", "print", "--id", first["id"], "--out", str(out), "--user", "kades", *d)
        assert code == 0 and printed["letters"][0]["print_count"] == n + 1
        assert f"Cetak ulang ke-{n}" in _text(out)
    code, report = run(capsys, "letters", "verify", str(out), *d)  # a marked reprint still reads as issued
    assert code == 0 and report["content_compared"] is True, report["message"]

    code, _void = run(capsys, "letters", "void", first["number"], "--reason", "Salah ketik", "--user", "kades", *d)
    assert code == 0
    code, printed = run(capsys, "letters", "print", "--id", first["number"], "--out", str(out), "--user", "kades", *d)
    assert code == 0 and printed["letters"][0]["void"] is True and printed["letters"][0]["print_count"] == 3
    assert "BATAL" in _text(out)
    code, report = run(capsys, "letters", "verify", str(out), *d)
    assert code == 1 and report["status"] == "dibatalkan" and "Salah ketik" in report["message"]
    assert archived.is_file() and hashlib.sha256(archived.read_bytes()).hexdigest() == original

    batch = tmp_path / "hari-ini.pdf"
    today = dt.date.today().isoformat()
    code, printed = run(capsys, "letters", "print", "--date", today, "--out", str(batch), "--user", "kades", *d)
    assert code == 0 and [r["number"] for r in printed["letters"]] == [first["number"], second["number"]]
    assert len(read_tokens_from_pdf(batch)) == 2 and len(PdfReader(batch).pages) >= 2
    assert "BATAL" in _text(batch)

    code, err = run(capsys, "letters", "print", "--date", "2001-01-01", "--out", str(batch), "--user", "kades", *d)
    assert code == 1 and "2001-01-01" in err["error"]["message"]
    code, err = run(capsys, "letters", "print", "--date", "27-11-2026", "--out", str(batch), "--user", "kades", *d)
    assert code == 1 and "YYYY-MM-DD" in err["error"]["message"]
    code, err = run(capsys, "letters", "print", "--date", today, "--out", str(batch), "--user", "operator", *d)
    assert code != 0 and err["error"]["code"] == "permission_denied"


def test_settings_get_set_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], office: dict[str, Any]) -> None:
    d = office["d"]
    code, got = run(capsys, "settings", "get", "printing.paper", *d)
    assert code == 0 and got["value"] == "F4"
    code, every = run(capsys, "settings", "get", *d)
    assert code == 0 and "letters.number_format" in every["settings"]

    code, done = run(capsys, "settings", "set", "printing.paper", "a4", "--user", "admin", *d)
    assert code == 0 and done["value"] == "A4"
    code, done = run(capsys, "settings", "set", "printing.margins_mm", "top=20,right=20,bottom=20,left=30",
                     "--user", "admin", *d)
    assert code == 0 and done["value"] == {"top": 20.0, "right": 20.0, "bottom": 20.0, "left": 30.0}
    code, done = run(capsys, "settings", "set", "letters.number_format", "{kode}/{nomor:03d}/{kode_desa}/{bulan_romawi}/{tahun}",
                     "--user", "admin", *d)
    assert code == 0

    refused = [
        ("printing.paper", "B5", "F4, A4"),
        ("printing.margins_mm", "top=2,right=20,bottom=20,left=25", "mm"),
        ("printing.margins_mm", "atas=20", "mm"),
        ("letters.number_format", "{kode}/{tahun}", "{nomor}"),
        ("letters.number_format", "{kode}/{nomer}/{tahun}", "nomer"),
        ("ui.idle_lock_minutes", "0", "240"),
        ("ui.idle_lock_minutes", "sepuluh", "angka"),
        ("tidak.ada", "1", "printing.paper"),
    ]
    for key, value, hint in refused:
        code, err = run(capsys, "settings", "set", key, value, "--user", "admin", *d)
        assert code == 1 and hint in err["error"]["message"], (key, value, err)
    code, err = run(capsys, "settings", "set", "printing.paper", "F4", "--user", "operator", *d)
    assert code != 0 and err["error"]["code"] == "permission_denied"
    code, got = run(capsys, "settings", "get", "printing.paper", *d)
    assert got["value"] == "A4"  # nothing refused was stored

    code, issued = run(capsys, "letters", "issue", "--type", "domisili", "--nik", office["nik"], "--field",
                       "sejak=01-01-2015", "--field", "keperluan=melamar pekerjaan", "--user", "kades", *d)
    assert code == 0 and "/I/" not in issued["number"] and f"/{dt.date.today().year}" in issued["number"]
    width, height = (float(x) for x in PdfReader(issued["archived"]).pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 from the setting
