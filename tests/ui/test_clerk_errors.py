"""No raw paths, English or Python exception text in front of a clerk (issue 18, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from printing.letter import render_letter
from printing.samples import sample_letter
from ui.dialogs.pdf_preview import PdfPreviewDialog, documents_folder


def _qt_print_to_file_default(doc_name: str) -> Path:
    """What Qt's own print dialog proposes for "Print to file" under X11 (qprintdialog_unix.cpp,
    QUnixPrintWidgetPrivate::updateWidget): the current folder if inside home, else home, plus the
    document name without its last ".xyz", plus ".pdf". (Offscreen, Qt proposes only the folder.)"""
    import re

    home, cur = Path.home(), Path.cwd()
    folder = cur if str(cur).startswith(str(home)) else home
    match = re.fullmatch(r"(.*)\.\S+", doc_name)
    return Path(str(folder) + "/" + (match.group(1) if match else doc_name) + ".pdf")


def test_print_to_file_proposes_a_writable_file_without_the_letter_numbers_slashes(ctx: Any, qtbot: Any) -> None:
    dialog = PdfPreviewDialog(ctx, render_letter(sample_letter()), title="Surat 470/001/35.10.01",
                              file_name="surat-470-001-35.10.01.pdf")
    qtbot.addWidget(dialog)
    doc_name = dialog.make_printer().docName()
    assert "/" not in doc_name and "\\" not in doc_name
    proposed = _qt_print_to_file_default(doc_name)
    assert proposed.name == "surat-470-001-35.10.01.pdf"
    assert proposed.parent.is_dir()
    # the old name, the window title, gave /root/Surat 470/001/35.10.pdf: a folder that does not exist
    assert not _qt_print_to_file_default("Surat 470/001/35.10.01").parent.is_dir()


def test_save_pdf_starts_in_documents(ctx: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    dialog = PdfPreviewDialog(ctx, render_letter(sample_letter()), file_name="surat 470/001.pdf")
    qtbot.addWidget(dialog)
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(a[2]), ("", ""))[1])
    dialog._save_clicked()
    assert asked and Path(asked[0]).parent == documents_folder()
    assert Path(asked[0]).name == "surat 470-001.pdf"


def test_sync_now_on_an_unenrolled_computer_says_what_to_do(ctx: Any, qtbot: Any, monkeypatch: Any) -> None:
    from PySide6.QtCore import Qt

    from ui.screens import sinkronisasi

    shown: list[str] = []
    monkeypatch.setattr(sinkronisasi, "show_info", lambda parent, text, title=None: shown.append(text))
    screen = sinkronisasi.SinkronisasiScreen(ctx)
    qtbot.addWidget(screen)
    qtbot.mouseClick(screen.sync_now, Qt.MouseButton.LeftButton)
    assert len(shown) == 1
    assert "belum terdaftar" in shown[0] and "kode pendaftaran" in shown[0] and "Daftarkan" in shown[0]


def _detail(ctx: Any, qtbot: Any) -> Any:
    from tests.core.test_residents import person
    from ui.dialogs.resident_detail import ResidentDetailDialog

    r = ctx.services.residents.register(ctx.actor, person())
    dialog = ResidentDetailDialog(ctx, r.id)
    qtbot.addWidget(dialog)
    return dialog, r.id


def test_kiosk_pin_is_typed_twice(ctx: Any, qtbot: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QInputDialog

    from ui import msgbox

    dialog, rid = _detail(ctx, qtbot)
    errors: list[str] = []
    monkeypatch.setattr(msgbox, "show_error", lambda parent, e, title=None: errors.append(msgbox.error_text(e)))
    monkeypatch.setattr(msgbox, "confirm", lambda *a, **k: False)  # no slip
    typed = iter(["482916", "482961"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (next(typed), True))
    dialog.set_pin()
    assert errors == ["Kedua PIN berbeda. Tidak ada yang berubah; coba lagi."]
    assert ctx.services.residents.pin_hash(rid) is None
    typed = iter(["482916", "482916"])
    dialog.set_pin()
    assert ctx.services.residents.pin_hash(rid)


def test_weak_pin_refused_on_screen_in_indonesian(ctx: Any, qtbot: Any, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QInputDialog

    from ui import msgbox

    dialog, rid = _detail(ctx, qtbot)
    errors: list[str] = []
    monkeypatch.setattr(msgbox, "show_error", lambda parent, e, title=None: errors.append(msgbox.error_text(e)))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("123456", True))
    dialog.set_pin()
    assert errors and "berurutan" in errors[0]
    assert ctx.services.residents.pin_hash(rid) is None


def test_pin_slip_preview_names_its_paper_size(ctx: Any, qtbot: Any) -> None:
    from tests.core.test_residents import person

    r = ctx.services.residents.register(ctx.actor, person())
    ctx.services.residents.set_pin(ctx.actor, r.id, "482916")
    pdf = ctx.services.residents.pin_slip_pdf(ctx.actor, r.id, "482916")
    dialog = PdfPreviewDialog(ctx, pdf, title="Slip PIN", file_name="slip-pin.pdf")
    qtbot.addWidget(dialog)
    text = dialog.info.text()
    assert "?" not in text and text.startswith("1 halaman · kertas 80 × ") and text.endswith(" mm"), text
