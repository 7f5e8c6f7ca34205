"""``smart-kampung apbdes import|export|show|report|poster|set-status`` through the same services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run
from kiosk.budget import sample
from tests.helpers import ADMIN_PASSWORD, make_services


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    services = make_services(tmp_path / "data")
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    return tmp_path / "data"


def test_import_dry_run_then_import_show_print(data_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir), "--user", "admin"]
    z = sample.write_zip(tmp_path / "s.zip", sample.contoh_tables(perubahan=False))
    assert run(["apbdes", "import", str(z), "--dry-run", "--json", *base]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and not out["imported"] and out["versions"][0]["lines"] == 17
    assert run(["apbdes", "show", "--year", "2025", "--json", *base]) == 1  # nothing imported yet
    capsys.readouterr()
    assert run(["apbdes", "import", str(z), *base]) == 0
    text = capsys.readouterr().out
    assert "Berhasil diimpor" in text and "Bidang 04" in text
    assert run(["apbdes", "show", "--year", "2025", "--json", *base]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["budget"]["silpa"] == "0.00" and shown["budget"]["belanja"] == "1470000000.00"
    assert run(["apbdes", "show", "--year", "2025", *base]) == 0
    assert "BELANJA" in capsys.readouterr().out
    poster, report = tmp_path / "poster.pdf", tmp_path / "lap.pdf"
    assert run(["apbdes", "poster", "--year", "2025", "--size", "A1", "--out", str(poster), *base]) == 0
    assert run(["apbdes", "report", "--year", "2025", "--period", "akhir", "--out", str(report), *base]) == 0
    assert poster.read_bytes().startswith(b"%PDF") and report.read_bytes().startswith(b"%PDF")
    exported = tmp_path / "apbdes.csv"
    assert run(["apbdes", "export", "--year", "2025", str(exported), *base]) == 0
    assert "5.4.1.01" in exported.read_text(encoding="utf-8-sig")


def test_rejected_file_exits_non_zero_with_reasons(data_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    tables = sample.contoh_tables()
    tables["Ta_RABRinci"][0]["Kd_Rincian"] = "4.8.8.01."
    z = sample.write_zip(tmp_path / "bad.zip", tables)
    assert run(["apbdes", "import", str(z), "--data-dir", str(data_dir), "--user", "admin"]) == 1
    out = capsys.readouterr().out
    assert "tabel Ta_RABRinci, baris 1, kolom Kd_Rincian" in out and "tidak ada yang diimpor" in out


def test_set_status_through_the_states(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir), "--user", "admin", "--year", "2025"]
    z = sample.write_zip(tmp_path / "s.zip", sample.contoh_tables(perubahan=False))
    assert run(["apbdes", "import", str(z), "--data-dir", str(data_dir), "--user", "admin"]) == 0
    assert run(["apbdes", "set-status", "ditetapkan", *base]) == 1  # not agreed with the BPD yet
    assert "tidak dapat" in capsys.readouterr().err
    for status in ("disepakati_bpd", "dievaluasi", "ditetapkan"):
        assert run(["apbdes", "set-status", status, *base]) == 0
    assert "Ditetapkan" in capsys.readouterr().out
    assert run(["apbdes", "submit-report", "--period", "semester1", "--json", *base]) == 0
    sent = json.loads(capsys.readouterr().out)["report"]
    assert sent["periode"] == "semester1" and len(sent["pdf_sha256"]) == 64
