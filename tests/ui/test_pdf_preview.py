"""The preview dialog shows the very PDF bytes; saving writes them unchanged; printing renders the same pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from kiosk import settings
from printing.letter import render_letter, render_letters
from printing.samples import sample_heirs_letter, sample_letter
from tests.helpers import make_user
from ui.dialogs.pdf_preview import PdfPreviewDialog, paper_name, remember_printer


def _pages(path: Path) -> int:
    doc = QPdfDocument()
    doc.load(str(path))
    return doc.pageCount()


def test_preview_loads_and_saves_identical_bytes(ctx: Any, qtbot: Any, tmp_path: Path) -> None:
    pdf = render_letter(sample_letter())
    dialog = PdfPreviewDialog(ctx, pdf, title="Surat")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.page_count() == 1
    assert dialog.paper() == "F4"
    assert "F4" in dialog.info.text()
    saved = dialog.save_to(tmp_path / "keluar")
    assert saved.suffix == ".pdf"
    assert saved.read_bytes() == pdf


def test_printing_renders_same_pages_to_pdf_printer(ctx: Any, qtbot: Any, tmp_path: Path) -> None:
    pdf = render_letters([sample_heirs_letter(30), sample_letter(paper="A4")])
    printed: list[bool] = []
    dialog = PdfPreviewDialog(ctx, pdf, on_printed=lambda: printed.append(True))
    qtbot.addWidget(dialog)
    pages = dialog.page_count()
    assert pages >= 3
    printer = dialog.make_printer()
    assert paper_name(printer.pageLayout().pageSize()) == "F4"
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(96)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    dialog.print_now(printer)
    assert printed == [True]
    assert out.exists() and _pages(out) == pages


def test_broken_pdf_disables_printing(ctx: Any, qtbot: Any) -> None:
    dialog = PdfPreviewDialog(ctx, b"not a pdf")
    qtbot.addWidget(dialog)
    assert dialog.page_count() == 0
    assert not dialog.print_button.isEnabled()


def test_operator_may_remember_printer(ctx: Any) -> None:
    operator = make_user(ctx.services, "siti", "operator")
    remember_printer(ctx, operator, "Epson L3110", "A4")
    assert ctx.services.preferences.get(settings.PRINTER) == "Epson L3110"
    assert ctx.services.preferences.get(settings.PAPER) == "A4"


def test_f4_page_size_valid_with_indonesian_qt_translator(ctx: Any, qapp: Any) -> None:
    """Qt's own untranslated strings (a custom page size's name) must not turn the F4 size invalid."""
    from ui.dialogs.pdf_preview import page_size_for
    from ui.i18n import install_qt_translator

    install_qt_translator(qapp)
    size = page_size_for("F4")
    assert size.isValid() and paper_name(size) == "F4"
    dialog = PdfPreviewDialog(ctx, render_letter(sample_letter()))
    assert dialog.paper() == "F4"
