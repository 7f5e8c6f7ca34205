"""The letters command line: types, issue, verify, void, register (in-process, JSON output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import cli
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


def test_letters_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    services = make_services(data, setup=False)
    create_demo_village(services, residents=20)
    with services.store.read() as s:
        nik = s.execute(select(Resident.nik).where(Resident.nik.is_not(None))).scalars().first()
    services.store.close()
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", DEMO_PASSWORD)
    d = ["--data-dir", str(data), "--json"]

    code, types = run(capsys, "letters", "types", *d)
    assert code == 0 and len(types["types"]) >= 20 and not types["broken"]
    domisili = next(t for t in types["types"] if t["code"] == "domisili")
    assert domisili["kiosk"] is True
    assert {f["name"] for f in domisili["fields"]} == {"sejak", "keperluan"}
    assert all({"name", "label", "kind", "required", "options"} <= set(f) for f in domisili["fields"])

    out_pdf = tmp_path / "surat.pdf"
    code, issued = run(capsys, "letters", "issue", "--type", "domisili", "--nik", nik or "", "--field",
                       "sejak=01-01-2015", "--field", "keperluan=melamar pekerjaan", "--user", "operator",
                       "--signer", "sekretaris", "--out", str(out_pdf), *d)
    assert code == 0 and issued["number"].startswith("470/001/") and out_pdf.is_file()

    code, bad = run(capsys, "letters", "issue", "--type", "domisili", "--nik", nik or "", "--user", "operator", *d)
    assert code == 1 and "keperluan" in bad["error"]["message"]

    code, ok = run(capsys, "letters", "verify", str(out_pdf), *d)
    assert code == 0 and ok["ok"] and ok["number"] == issued["number"]
    code, voided = run(capsys, "letters", "void", issued["number"], "--reason", "Salah ketik", "--user", "kades", *d)
    assert code == 0 and voided["void_reason"] == "Salah ketik"
    code, again = run(capsys, "letters", "verify", str(out_pdf), *d)
    assert code == 1 and again["reason"] == "voided"
    code, junk = run(capsys, "letters", "verify", "--qr", "SK1.xx.yy", *d)
    assert code == 1 and junk["reason"] == "malformed"

    code, register = run(capsys, "letters", "register", "--user", "operator", *d)
    assert code == 0 and [(r["no"], r["state"]) for r in register["rows"]] == [(1, "void")]
