"""The command line's shared options work before and after the command; errors in Indonesian."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import run


def test_data_dir_before_or_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    assert run(["--data-dir", str(before), "demo-data", "--residents", "5"]) == 0
    assert run(["demo-data", "--residents", "5", "--data-dir", str(after)]) == 0
    assert (before / "smart-kampung.sqlite3").exists() and (after / "smart-kampung.sqlite3").exists()
    capsys.readouterr()
    assert run(["--json", "--data-dir", str(before), "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["configured"] is True and info["data_dir"] == str(before.resolve())


def test_errors_are_in_indonesian_with_a_non_zero_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "pendek")
    code = run(["init", "--village", "35.10.01.2001", "--data-dir", str(tmp_path / "x")])
    assert code == 1
    assert "Kata sandi minimal 8 karakter" in capsys.readouterr().err
    monkeypatch.setenv("SMART_KAMPUNG_PASSWORD", "sarongan-2026")
    assert run(["init", "--village", "3510012001", "--head", "Slamet", "--data-dir", str(tmp_path / "x")]) == 0
    assert "35.10.01.2001" in capsys.readouterr().out
    assert run(["init", "--village", "99.99.99.9999", "--data-dir", str(tmp_path / "y")]) == 1
    assert "bukan kode desa" in capsys.readouterr().err
    assert run(["init", "--village", "99.99.99.2999", "--data-dir", str(tmp_path / "y")]) == 1
    assert "tidak ada di daftar bawaan" in capsys.readouterr().err
