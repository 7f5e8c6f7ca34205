"""The import dialog shows the whole report (issue 14): sheets read and skipped, changed fields,
rejected rows and warnings with sheet, row and masked NIK; a refused file shows why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.test_residents_import_sheets import KK2, person, workbook


def test_dialog_shows_sheets_changes_rejects_and_warnings(ctx: Any, qtbot: Any, tmp_path: Path,
                                                         messages: Any, monkeypatch: Any) -> None:
    from ui.dialogs.import_residents import ImportResidentsDialog

    ctx.services.residents.import_residents(ctx.actor, workbook(tmp_path / "a.xlsx", {"Krajan": [person(1)]}))
    path = workbook(tmp_path / "b.xlsx", {
        "Krajan": [person(1, pekerjaan_id=9), person(3, agama_id="Jedi")], "Kode Data": [],
        "Sumber": [person(11, KK2, ayah_nik="99")]})
    dialog = ImportResidentsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(900, 600)
    dialog.path.setText(str(path))
    dialog.run_import()
    text = dialog.summary.toPlainText()
    assert "Lembar “Krajan”" in text and "Lembar “Sumber”" in text and "“Kode Data” dilewati" in text
    assert "pekerjaan_id: 2 → 9" in text
    assert "lembar “Krajan” baris 3, NIK 3510********0003, kolom agama_id" in text
    assert "lembar “Sumber” baris 2, NIK 3510********0011, kolom ayah_nik" in text
    dialog.grab().save(str(tmp_path / "dialog.png"))

    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "tolak.csv"
    assert dialog.save_list.isEnabled()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog.save_list.click()
    saved = out.read_text(encoding="utf-8-sig")
    assert "Krajan,3,3510********0003,agama_id,ditolak" in saved and "ayah_nik,peringatan" in saved

    wrong = workbook(tmp_path / "c.xlsx", {"Data": [person(5)]}, rename={"tanggallahir": "tgl_lahir"})
    dialog.path.setText(str(wrong))
    dialog.run_import()
    assert messages and messages[-1][0] == "error" and "tgl_lahir" in messages[-1][1]
