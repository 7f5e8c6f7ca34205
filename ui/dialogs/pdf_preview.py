"""The PDF preview (pratinjau): shows the very PDF bytes and prints those same pages, so preview equals print.

"Cetak" renders each page of the PDF with ``QPdfDocument.render`` at the printer's resolution onto the
printer chosen in the system print dialog; "Simpan PDF" writes the bytes unchanged. The chosen printer
and paper (F4/A4) are remembered through ``remember_printer`` (an operator may print, so it does not
need the admin's ``settings.edit``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk import settings
from kiosk.actor import Actor
from kiosk.i18n import _
from ui import msgbox
from ui.context import AppContext
from ui.screen_fit import fit_to_screen

log = logging.getLogger(__name__)

MAX_PRINT_DPI = 300  # a page image at 1200 dpi would need over 600 MB; 300 dpi prints text crisply
F4_MM = (215.0, 330.0)


def remember_printer(ctx: AppContext, actor: Actor, name: str, paper: str | None = None) -> None:
    """Store the printer (and paper, F4 or A4) last used, audited; any user who may print may do this."""
    ctx.services.preferences.remember_printer(actor, name, paper)


def paper_name(page_size: QPageSize) -> str | None:
    """"F4" or "A4" for a page size (within 2 mm), else None."""
    size = page_size.size(QPageSize.Unit.Millimeter)
    w, h = sorted((size.width(), size.height()))
    for name, (pw, ph) in (("A4", (210.0, 297.0)), ("F4", F4_MM)):
        if abs(w - pw) <= 2 and abs(h - ph) <= 2:
            return name
    return None


def page_size_for(name: str) -> QPageSize:
    if name == "A4":
        return QPageSize(QPageSize.PageSizeId.A4)
    return QPageSize(QSizeF(*F4_MM), QPageSize.Unit.Millimeter, "F4", QPageSize.SizeMatchPolicy.ExactMatch)


class PdfPreviewDialog(QDialog):
    """Shows ``pdf`` and prints or saves exactly it. ``on_printed()`` runs after a print job (reprint count)."""

    def __init__(self, ctx: AppContext, pdf: bytes, parent: QWidget | None = None, *, title: str = "",
                 file_name: str = "surat.pdf", on_printed: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pdf = bytes(pdf)
        self.file_name = file_name
        self.on_printed = on_printed
        self.setWindowTitle(title or _("Preview"))
        fit_to_screen(self, 820, 900)  # Simpan PDF / Cetak / Tutup stay on a 1366×768 screen
        self._bytes = QByteArray(self.pdf)  # the buffer reads from this: keep both alive
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.info = QLabel()
        self.info.setObjectName("pdfInfo")
        bar.addWidget(self.info, 1)
        self.zoom_out = QPushButton("−")
        self.zoom_out.setToolTip(_("Zoom out"))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setToolTip(_("Zoom in"))
        self.fit = QPushButton(_("Fit width"))
        for b in (self.zoom_out, self.zoom_in, self.fit):
            bar.addWidget(b)
        layout.addLayout(bar)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        layout.addWidget(self.view, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton(_("Save PDF…"))
        self.save_button.setObjectName("savePdf")
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setObjectName("printPdf")
        self.print_button.setProperty("primary", True)
        self.print_button.setDefault(True)
        self.close_button = QPushButton(_("Close"))
        for b in (self.save_button, self.print_button, self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.zoom_in.clicked.connect(lambda: self._zoom(1.25))
        self.zoom_out.clicked.connect(lambda: self._zoom(0.8))
        self.fit.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.save_button.clicked.connect(self._save_clicked)
        self.print_button.clicked.connect(self._print_clicked)
        self.close_button.clicked.connect(self.accept)
        self._show_info()

    # --- what is shown ---------------------------------------------------------------------------

    def page_count(self) -> int:
        return self.document.pageCount() if self.document.status() == QPdfDocument.Status.Ready else 0

    def paper(self) -> str | None:
        """"F4" or "A4" from the first page of the PDF."""
        if not self.page_count():
            return None
        size = self.document.pagePointSize(0)
        return paper_name(QPageSize(size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.ExactMatch))

    def _show_info(self) -> None:
        pages = self.page_count()
        if not pages:
            self.info.setText(_("The PDF could not be opened."))
            self.print_button.setEnabled(False)
            return
        paper = self.paper()
        if paper is None:  # a slip or ticket roll: its size, not "kertas ?"
            size = self.document.pagePointSize(0)
            paper = f"{size.width() * 25.4 / 72:.0f} × {size.height() * 25.4 / 72:.0f} mm"
        self.info.setText(_("{pages} page(s) · paper {paper}").format(pages=pages, paper=paper))

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.2, min(5.0, self.view.zoomFactor() * factor)))

    # --- saving ----------------------------------------------------------------------------------

    def save_to(self, path: str | Path) -> Path:
        """Write the PDF bytes, unchanged, to ``path``."""
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        target.write_bytes(self.pdf)
        return target

    def _save_clicked(self) -> None:
        start = str(documents_folder() / safe_file_name(self.file_name))
        path, _filter = QFileDialog.getSaveFileName(self, _("Save PDF"), start, "PDF (*.pdf)")
        if not path:
            return
        try:
            saved = self.save_to(path)
        except OSError as e:
            msgbox.show_error(self, e)
            return
        msgbox.show_info(self, _("Saved to {path}").format(path=str(saved)))

    # --- printing --------------------------------------------------------------------------------

    def make_printer(self) -> QPrinter:
        """A printer set to the remembered printer (if it still exists) and the PDF's own paper."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        remembered = str(self.ctx.services.preferences.get(settings.PRINTER) or "")
        if remembered and remembered in QPrinterInfo.availablePrinterNames():
            printer.setPrinterName(remembered)
        paper = self.paper() or str(self.ctx.services.preferences.get(settings.PAPER) or "F4")
        printer.setPageSize(page_size_for(paper))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)  # the PDF has its own margins
        # Qt's print-to-file proposes <current or home folder>/<document name>.pdf: no slashes from a
        # letter number (they made non-existent folders), and the folder is the user's own.
        # (Qt drops the last ".xyz" of the name: keep ".pdf" so "35.10.01" stays whole.)
        printer.setDocName(safe_file_name(self.file_name))
        return printer

    def print_to(self, printer: QPrinter) -> int:
        """Render every page of the PDF onto ``printer`` (one job); returns the number of pages printed."""
        pages = self.page_count()
        if not pages:
            return 0
        printer.setFullPage(True)
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError(_("The printer could not be started."))
        try:
            for page in range(pages):
                if page:
                    printer.newPage()
                points = self.document.pagePointSize(page)
                size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
                image = self.document.render(page, size)
                if image.isNull():
                    raise OSError(_("Page {page} could not be rendered.").format(page=page + 1))
                target = printer.pageLayout().fullRectPixels(printer.resolution())
                painter.drawImage(self._fit(target, image), image)
        finally:
            painter.end()
        return pages

    @staticmethod
    def _fit(target: QRect, image: QImage) -> QRect:
        """The largest rect in ``target`` with the image's aspect ratio, at its top-left (no stretching)."""
        scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(target.topLeft(), scaled)

    def _print_clicked(self) -> None:
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_now(printer)

    def print_now(self, printer: QPrinter) -> None:
        """Print to a configured printer, remember the choice and report the print (reprint count)."""
        try:
            self.print_to(printer)
        except OSError as e:
            msgbox.show_error(self, e)
            return
        name = printer.printerName() if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat else ""
        paper = paper_name(printer.pageLayout().pageSize())
        actor = self.ctx.require_actor()
        if name:
            self.ctx.runner.write(lambda: remember_printer(self.ctx, actor, name, paper), None,
                                  lambda e: log.warning("printer not remembered: %s", e))
        if self.on_printed is not None:
            self.on_printed()


def safe_file_name(name: str) -> str:
    """``name`` usable as one file name on Windows and Linux: no folder separators or reserved marks."""
    stem = "".join(c if c.isalnum() or c in "-._ " else "-" for c in name).strip(" .-") or "surat"
    return stem if stem.lower().endswith(".pdf") else stem + ".pdf"


def documents_folder() -> Path:
    """The user's Documents folder (where a clerk looks for saved files), else the home folder."""
    from PySide6.QtCore import QStandardPaths

    for location in (QStandardPaths.StandardLocation.DocumentsLocation, QStandardPaths.StandardLocation.HomeLocation):
        folder = QStandardPaths.writableLocation(location)
        if folder and Path(folder).is_dir():
            return Path(folder)
    return Path.home()


def open_preview(ctx: AppContext, pdf: bytes, parent: QWidget | None = None, **kw: Any) -> PdfPreviewDialog:
    """Show the preview dialog (non-blocking in the program; tests read the returned dialog)."""
    dialog = PdfPreviewDialog(ctx, pdf, parent, **kw)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
