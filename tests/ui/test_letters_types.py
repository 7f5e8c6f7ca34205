"""Settings → Jenis surat: broken village files are listed with their error; an admin duplicates a type and
edits it with a live preview, then saves it as the village's own."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from ui.screens.letter_types_tab import LetterTypeEditor, LetterTypesTab


def test_broken_village_type_is_listed_as_broken(ctx: Any, qtbot: Any) -> None:
    folder = ctx.services.store.paths.letter_types
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rusak.toml").write_text('code = "rusak"\ntitle = "SURAT RUSAK"\nbody = "{resident.tidak_ada}"\n',
                                       encoding="utf-8")
    ctx.services.letters.reload()
    tab = LetterTypesTab(ctx)
    qtbot.addWidget(tab)
    assert tab.table.rowCount() >= 20
    assert "1" in tab.broken_label.text()
    assert "rusak.toml" in tab.broken.toPlainText()
    assert "— rusak:" in tab.broken.toPlainText()  # Indonesian: broken


def test_duplicate_edit_with_live_preview_and_save(ctx: Any, qtbot: Any, messages: list[Any],
                                                   monkeypatch: Any) -> None:
    tab = LetterTypesTab(ctx)
    qtbot.addWidget(tab)
    tab.select_code("domisili")
    seen: dict[str, LetterTypeEditor] = {}

    def fake_exec(self: LetterTypeEditor) -> int:
        seen["editor"] = self
        assert self.code.text() == "domisili_desa"
        self.title_edit.setText("SURAT KETERANGAN DOMISILI WARGA")
        self.body.setPlainText("Orang tersebut tinggal di {office.desa} sejak {field.sejak|date}. {resident.salah}")
        assert not self.update_preview()
        assert not self.save_button.isEnabled()
        assert "salah" in self.status.text()
        self.body.setPlainText("Orang tersebut tinggal di {office.desa|upper} sejak {field.sejak|date}.")
        assert self.update_preview()
        assert "KEMIREN" in self.preview.toPlainText()
        assert "DOMISILI WARGA" in self.preview.toPlainText()
        qtbot.mouseClick(self.save_button, Qt.MouseButton.LeftButton)
        return int(self.result())

    monkeypatch.setattr(LetterTypeEditor, "exec", fake_exec)
    tab.open_editor(duplicate=True)
    assert seen["editor"].result() == QDialog.DialogCode.Accepted
    saved = ctx.services.letters.catalog().get("domisili_desa")
    assert saved is not None and not saved.builtin
    assert saved.title == "SURAT KETERANGAN DOMISILI WARGA"
    assert messages and messages[-1][0] == "info"
    codes = [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())]
    assert "domisili_desa" in codes


def test_settings_screen_shows_letter_types_tab_for_admin(ctx: Any, qtbot: Any) -> None:
    from ui.screens.pengaturan import PengaturanScreen

    screen = PengaturanScreen(ctx)
    qtbot.addWidget(screen)
    titles = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert "Jenis surat" in titles
