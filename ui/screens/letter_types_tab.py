"""Settings tab "Jenis surat": every letter type (and every broken file with its error); an admin duplicates
a type and edits its title, classification code and body with a live preview, without touching files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import forms
from kiosk.errors import ValidationError
from kiosk.i18n import _
from ui import msgbox
from ui.context import AppContext
from ui.screen_fit import fit_to_screen

log = logging.getLogger(__name__)
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def edited_type(base: forms.LetterType, *, code: str, title: str, classification: str, body: str,
                keep_version: bool = False) -> forms.LetterType:
    """The edited type as it would load from its file; raises ``forms.LetterTypeError``."""
    lt = forms.duplicate_letter_type(base, code=code, title=title, classification=classification, body=body)
    if keep_version:
        lt = dataclasses.replace(lt, version=base.version + 1)
    return forms.parse_letter_type(forms.dump_toml(lt), Path(f"{code}.toml"))


def sample_content(lt: forms.LetterType, today: dt.date | None = None) -> dict[str, Any]:
    """The letter's content filled with the sample resident, office and values."""
    today = today or dt.date.today()
    return forms.render_letter(lt, forms.sample_resident(), forms.sample_office(), forms.sample_values(lt, today),
                               forms.sample_letter(lt, today))


def content_html(content: dict[str, Any], number: str) -> str:
    """A plain, readable rendering of a letter's content (the PDF button shows the real layout)."""
    e = html.escape
    parts = [f"<p align='center'><b><u>{e(content['title'])}</u></b><br>Nomor : {e(number)}</p>",
             f"<p>{e(content['opening'])}</p>"]
    if content.get("identity"):
        rows = "".join(f"<tr><td>{e(k)}</td><td>: {e(v)}</td></tr>" for k, v in content["identity"])
        parts.append(f"<table style='margin-left:20px'>{rows}</table>")
    for block in content.get("blocks", []):
        if block["kind"] == "paragraph":
            parts.append(f"<p align='justify'>{e(block['text'])}</p>")
        elif block["kind"] == "fields":
            rows = "".join(f"<tr><td>{e(k)}</td><td>: {e(v)}</td></tr>" for k, v in block["rows"])
            parts.append(f"<table style='margin-left:20px'>{rows}</table>")
        else:
            head = "".join(f"<th>{e(c)}</th>" for c in block["columns"])
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in block["rows"])
            parts.append(f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{rows}</table>")
    parts.append(f"<p>{e(content['closing'])}</p>")
    return "".join(parts)


def error_message(error: forms.LetterTypeError) -> str:
    return _(error.template).format(**error.params)


def broken_reason(path: Path, message: str) -> str:
    """Why a file is broken, in the user's language, with its line ("Baris 12: ...")."""
    try:
        forms.load_file(Path(path))
    except forms.LetterTypeError as e:
        text = error_message(e)
        return _("Line {line}: {message}").format(line=e.line, message=text) if e.line else text
    return message  # loads alone: e.g. its code is used by another file


class LetterTypeEditor(QDialog):
    """Edit a copy of a type (or a village's own type): title, classification, body; live preview."""

    def __init__(self, ctx: AppContext, base: forms.LetterType, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.base = base
        self.own = not base.builtin
        self.result_type: forms.LetterType | None = None
        self.setWindowTitle(_("Edit letter type"))
        fit_to_screen(self, 1100, 720)
        layout = QVBoxLayout(self)
        split = QSplitter()
        left = QWidget()
        form = QFormLayout(left)
        self.code = QLineEdit(base.code if self.own else self._free_code(base.code))
        self.code.setObjectName("typeCode")
        self.code.setReadOnly(self.own)
        self.title_edit = QLineEdit(base.title)
        self.title_edit.setObjectName("typeTitle")
        self.classification = QLineEdit(base.classification)
        self.classification.setObjectName("typeClassification")
        self.body = QPlainTextEdit(base.body.strip("\n"))
        self.body.setObjectName("typeBody")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.body.setFont(mono)
        hint = QLabel(_("Placeholders: {resident.nama}, {office.desa}, {field.NAME}, {letter.nomor}; add |upper, "
                        "|title or |date."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #4b5563;")
        form.addRow(_("Code (letters a–z, digits, _)"), self.code)
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Classification code"), self.classification)
        form.addRow(_("Body text"), self.body)
        form.addRow(hint)
        right = QWidget()
        rlayout = QVBoxLayout(right)
        rlayout.setContentsMargins(0, 0, 0, 0)
        rlayout.addWidget(QLabel(f"<b>{_('Preview with sample data')}</b>"))
        self.status = QLabel("")
        self.status.setObjectName("typeStatus")
        self.status.setWordWrap(True)
        rlayout.addWidget(self.status)
        self.preview = QTextBrowser()
        self.preview.setObjectName("typePreview")
        rlayout.addWidget(self.preview, 1)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([550, 550])
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.pdf_button = QPushButton(_("Show as PDF…"))
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("saveType")
        self.save_button.setProperty("primary", True)
        cancel = QPushButton(_("Cancel"))
        for b in (self.pdf_button, self.save_button, cancel):
            b.setAutoDefault(False)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.update_preview)
        for w in (self.code, self.title_edit, self.classification):
            w.textChanged.connect(lambda _t: self._timer.start())
        self.body.textChanged.connect(self._timer.start)
        self.pdf_button.clicked.connect(self.show_pdf)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.update_preview()

    def _free_code(self, code: str) -> str:
        catalog = self.ctx.services.letters.catalog()
        candidate, n = f"{code}_desa"[:32], 2
        while candidate in catalog:
            candidate, n = f"{code}_desa{n}"[:32], n + 1
        return candidate

    def edited(self) -> forms.LetterType:
        """The edited type; raises ``forms.LetterTypeError`` or ``ValueError`` (bad code)."""
        code = self.code.text().strip()
        if not CODE_RE.match(code):
            raise ValueError(_("Code (letters a–z, digits, _)"))
        return edited_type(self.base, code=code, title=self.title_edit.text().strip(),
                           classification=self.classification.text().strip(),
                           body=self.body.toPlainText().strip() + "\n", keep_version=self.own)

    def update_preview(self) -> bool:
        self._timer.stop()
        try:
            lt = self.edited()
            content = sample_content(lt)
        except forms.LetterTypeError as e:
            self._show_status(error_message(e), ok=False)
            return False
        except ValueError as e:
            self._show_status(str(e), ok=False)
            return False
        self._show_status(_("The letter type is fine."), ok=True)
        self.preview.setHtml(content_html(content, forms.sample_letter(lt, dt.date.today())["nomor"]))
        return True

    def _show_status(self, text: str, *, ok: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #166534;" if ok else "color: #b00020; font-weight: bold;")
        self.preview.setEnabled(ok)  # greyed: the last good preview, not the current text
        self.save_button.setEnabled(ok)
        self.pdf_button.setEnabled(ok)
        self.save_button.setProperty("primary", ok)  # the style sheet's primary look would hide "disabled"
        self.save_button.style().unpolish(self.save_button)
        self.save_button.style().polish(self.save_button)

    def show_pdf(self) -> None:
        from ui.dialogs.pdf_preview import open_preview

        if not self.update_preview():
            return
        lt = self.edited()
        self.pdf_dialog = open_preview(self.ctx, self.ctx.services.letters.sample_pdf(lt), self, title=lt.title)

    def save(self) -> None:
        if not self.update_preview():
            return
        lt = self.edited()
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        self.ctx.runner.write(lambda: letters.save_custom_type(actor, lt), lambda _r: self._saved(lt),
                              self._failed)

    def _saved(self, lt: forms.LetterType) -> None:
        self.result_type = lt
        self.ctx.changed("letter_type")
        msgbox.show_info(self, _("Saved letter type {code}.").format(code=lt.code))
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ValidationError) and error.fields:
            self._show_status(error.user_message(), ok=False)
            self.save_button.setEnabled(True)
            return
        msgbox.show_error(self, error)


class LetterTypesTab(QWidget):
    HEADERS = ("Code", "Title", "Classification code", "Kiosk", "Source")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.types: list[forms.LetterType] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName("letterTypesTable")
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.duplicate_button = QPushButton(_("Duplicate and edit…"))
        self.duplicate_button.setObjectName("duplicateType")
        self.edit_button = QPushButton(_("Edit…"))
        self.edit_button.setObjectName("editType")
        self.reload_button = QPushButton(_("Refresh"))
        for b in (self.duplicate_button, self.edit_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        layout.addLayout(buttons)
        self.broken_label = QLabel("")
        self.broken_label.setObjectName("brokenSummary")
        self.broken_label.setWordWrap(True)
        layout.addWidget(self.broken_label)
        self.broken = QPlainTextEdit()
        self.broken.setObjectName("brokenTypes")
        self.broken.setReadOnly(True)
        self.broken.setMaximumHeight(110)
        layout.addWidget(self.broken)
        self.duplicate_button.clicked.connect(lambda: self.open_editor(duplicate=True))
        self.edit_button.clicked.connect(lambda: self.open_editor(duplicate=False))
        self.reload_button.clicked.connect(lambda: self.load(reload=True))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.load()

    def load(self, reload: bool = False) -> None:
        letters = self.ctx.services.letters
        self.ctx.runner.run(letters.reload if reload else letters.catalog, self._show,
                            lambda e: msgbox.show_error(self, e))

    def _show(self, catalog: forms.LetterTypeCatalog) -> None:
        self.types = sorted(catalog, key=lambda t: (t.builtin, t.title))
        self.table.setRowCount(0)
        for lt in self.types:
            r = self.table.rowCount()
            self.table.insertRow(r)
            cells = (lt.code, lt.title, lt.classification, _("yes") if lt.kiosk else "",
                     _("shipped") if lt.builtin else _("village's own"))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if catalog.broken:
            self.broken_label.setText(f"<b style='color:#b00020'>"
                                      f"{_('{n} letter type file(s) are broken and not used:').format(n=len(catalog.broken))}"
                                      f"</b>")
            self.broken.setPlainText("\n".join(f"{Path(path).name} — {_('broken')}: {broken_reason(path, message)}"
                                               for path, message in catalog.broken))
            self.broken.show()
        else:
            self.broken_label.setText(_("All letter type files loaded."))
            self.broken.hide()
        self._update_buttons()

    def selected(self) -> forms.LetterType | None:
        rows = self.table.selectionModel().selectedRows()
        return self.types[rows[0].row()] if rows else None

    def select_code(self, code: str) -> None:
        for r, lt in enumerate(self.types):
            if lt.code == code:
                self.table.selectRow(r)

    def _update_buttons(self) -> None:
        lt = self.selected()
        self.duplicate_button.setEnabled(lt is not None)
        self.edit_button.setEnabled(lt is not None and not lt.builtin)

    def open_editor(self, duplicate: bool = True) -> LetterTypeEditor | None:
        lt = self.selected()
        if lt is None:
            return None
        base = dataclasses.replace(lt, builtin=True) if duplicate else lt  # a copy always gets a new code
        editor = LetterTypeEditor(self.ctx, base, self)
        self.editor = editor
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.load(reload=True)
        return editor
