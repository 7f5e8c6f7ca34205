"""The queue ticket on paper or on screen: print a PDF to the kiosk's printer, or render it as an image."""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

log = logging.getLogger(__name__)


def _document(pdf: bytes) -> tuple[QPdfDocument, QBuffer, QByteArray]:
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    return document, buffer, data  # the document reads from the buffer: keep all three alive


def pdf_image(pdf: bytes, width: int) -> QImage:
    """The first page of ``pdf`` as an image ``width`` pixels wide (null image if it cannot be read)."""
    document, _buffer, _data = _document(pdf)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        return QImage()
    points = document.pagePointSize(0)
    height = round(points.height() * width / max(1.0, points.width()))
    return document.render(0, QSize(width, height))


def ticket_printer(configured: str) -> QPrinterInfo | None:
    """The printer for tickets: the configured printer (PRINTER setting) if it exists, else the
    system's default printer; None when no printer is configured or none is there."""
    if not configured:
        return None
    info = QPrinterInfo.printerInfo(configured)
    if info.isNull():
        info = QPrinterInfo.defaultPrinter()
    return None if info.isNull() else info


def print_pdf(pdf: bytes, info: QPrinterInfo, title: str = "") -> bool:
    """Print every page of ``pdf`` on ``info`` without a dialog; False when it could not be printed."""
    document, _buffer, _data = _document(pdf)
    if document.status() != QPdfDocument.Status.Ready:
        return False
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    printer.setDocName(title)
    points = document.pagePointSize(0)  # the ticket's own paper (80 mm wide), not the printer's A4
    printer.setPageSize(QPageSize(QSizeF(points.width(), points.height()), QPageSize.Unit.Point))
    painter = QPainter()
    if not painter.begin(printer):
        log.warning("kiosk: the ticket printer could not be started")
        return False
    try:
        dpi = min(printer.resolution(), 300)
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            image = document.render(page, QSize(round(points.width() / 72 * dpi),
                                                round(points.height() / 72 * dpi)))
            target = printer.pageLayout().fullRectPixels(printer.resolution())
            size = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), size), image)
    finally:
        painter.end()
    return True
