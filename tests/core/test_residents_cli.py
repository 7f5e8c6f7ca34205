"""The ``smart-kampung residents`` commands: import (exact counts, exit codes), export, search."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cli import run
from kiosk.importer import write_workbook
from kiosk.services.demo import generate_village
from kiosk.services.residents_import import resident_to_values
from tests.helpers import ADMIN_PASSWORD, make_services


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    services = make_services(tmp_path / "data")
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", ADMIN_PASSWORD)
    return tmp_path / "data"


def test_import_export_search(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _f, people = generate_village(40, 3, today=dt.date(2025, 1, 1))
    rows = [resident_to_values(p) for p in people]
    rows.append(dict(rows[0], nik="3510011213800001", name="Bulan Salah"))
    src = tmp_path / "p.xlsx"
    write_workbook(src, rows)
    base = ["--data-dir", str(data_dir), "--lang", "id"]
    rejects = tmp_path / "rejects.csv"
    assert run(["residents", "import", str(src), "--user", "admin", "--rejects", str(rejects), *base]) == 0
    out = capsys.readouterr().out
    assert "Baru: 40" in out and "ditolak: 1" in out
    assert rejects.read_text(encoding="utf-8-sig").count(",ditolak,") == 1

    assert run(["residents", "import", str(src), "--user", "admin", "--json", *base]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["unchanged"], report["rejected"]) == (0, 40, 1)
    assert report["rejects"][0]["row"] == 42

    first = rows[0]["name"].split()[0]
    assert run(["residents", "search", first[:3], "--user", "admin", "--json", *base]) == 0
    found = json.loads(capsys.readouterr().out)["results"]
    assert any(r["name"] == rows[0]["name"] for r in found)

    out_file = tmp_path / "export.xlsx"
    assert run(["residents", "export", str(out_file), "--user", "admin", *base]) == 0
    assert "40" in capsys.readouterr().out and out_file.exists()


def test_nothing_imported_is_an_error(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir), "--lang", "id"]
    bad = tmp_path / "bad.csv"
    bad.write_text("nama,nik,sex,alamat\nA,123,L,Krajan\n", encoding="utf-8")
    assert run(["residents", "import", str(bad), "--user", "admin", *base]) == 1
    assert "Tidak ada yang diimpor" in capsys.readouterr().out
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"nope")
    assert run(["residents", "import", str(junk), "--user", "admin", *base]) == 1
    assert "junk.xlsx" in capsys.readouterr().err
