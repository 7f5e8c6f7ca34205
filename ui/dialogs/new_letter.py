"""Surat baru: find the resident → choose the letter type → fill its form → preview → submit or issue.

"Ajukan" records a request (permohonan) for approval or later issue; "Terbitkan" numbers and issues the
letter at once and opens the preview of the issued PDF for printing.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from forms import LetterType
from kiosk.errors import ValidationError
from kiosk.i18n import _
from kiosk.permissions import allowed
from ui import msgbox
from ui.context import AppContext
from ui.models.letters import nice_title
from ui.screen_fit import fit_to_screen
from ui.widgets.letter_form import LetterForm, ResidentSearch, resident_line

log = logging.getLogger(__name__)

STEP_RESIDENT, STEP_TYPE, STEP_FORM = 0, 1, 2


def signer_choices(ctx: AppContext) -> list[tuple[str, Any]]:
    """(label, Signer) for the signatory combo: the office's usual signers, plus the secretary as Plt."""
    import dataclasses

    signers = ctx.services.letters.signers()
    head = next((s.title for s in signers if s.role == "kepala"), "Kepala Desa")
    choices: list[tuple[str, Any]] = []
    for s in signers:
        if not s.name:
            continue
        if s.prefix:
            choices.append((f"{s.prefix} {head}: {s.name} ({s.title})", s))
        else:
            choices.append((f"{head}: {s.name}", s))
        if s.role == "sekretaris":
            choices.append((f"Plt. {head}: {s.name}", dataclasses.replace(s, prefix="Plt.")))
    return choices


class NewLetterDialog(QDialog):
    """Three steps on one page stack; ``issued`` / ``request`` hold the result after a submit or issue."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, resident: Any = None,
                 letter_type: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("New letter"))
        fit_to_screen(self, 900, 700)
        self.resident: Any = None
        self.letter_type: LetterType | None = None
        self.form: LetterForm | None = None
        self.issued: Any = None
        self.request: Any = None
        self.preview_dialog: Any = None
        actor = ctx.require_actor()
        self.catalog = ctx.services.letters.catalog()

        layout = QVBoxLayout(self)
        self.steps = QLabel()
        self.steps.setObjectName("newLetterSteps")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.steps)
        self.summary = QLabel()
        self.summary.setObjectName("newLetterSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        # step 1: the resident
        page1 = QWidget()
        p1 = QVBoxLayout(page1)
        p1.setContentsMargins(0, 0, 0, 0)
        p1.addWidget(QLabel(_("Who is the letter for? Search by name or NIK, then double-click or press "
                              "Next.")))
        self.search = ResidentSearch(ctx, page1)
        p1.addWidget(self.search, 1)
        self.search.chosen.connect(self.choose_resident)
        self.stack.addWidget(page1)

        # step 2: the type
        page2 = QWidget()
        p2 = QVBoxLayout(page2)
        p2.setContentsMargins(0, 0, 0, 0)
        self.type_filter = QLineEdit()
        self.type_filter.setObjectName("typeFilter")
        self.type_filter.setPlaceholderText(_("Filter letter types…"))
        self.type_filter.setClearButtonEnabled(True)
        row = QHBoxLayout()
        self.types = QListWidget()
        self.types.setObjectName("letterTypes")
        self.type_info = QLabel()
        self.type_info.setObjectName("letterTypeInfo")
        self.type_info.setWordWrap(True)
        self.type_info.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.type_info.setMinimumWidth(300)
        row.addWidget(self.types, 3)
        row.addWidget(self.type_info, 2)
        p2.addWidget(self.type_filter)
        p2.addLayout(row, 1)
        for lt in sorted(self.catalog, key=lambda t: t.title):
            item = QListWidgetItem(nice_title(lt.title) + ("  ✱" if lt.needs_approval else ""))
            item.setData(Qt.ItemDataRole.UserRole, lt.code)
            self.types.addItem(item)
        self.type_filter.textChanged.connect(self._filter_types)
        self.types.currentItemChanged.connect(lambda cur, _prev: self._describe_type(cur))
        self.types.itemDoubleClicked.connect(lambda item: self.choose_type(item.data(Qt.ItemDataRole.UserRole)))
        self.stack.addWidget(page2)

        # step 3: the form
        page3 = QWidget()
        p3 = QVBoxLayout(page3)
        p3.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        p3.addWidget(self.scroll, 1)
        signer_row = QFormLayout()
        self.signer = QComboBox()
        self.signer.setObjectName("signer")
        for label, signer in signer_choices(ctx):
            self.signer.addItem(label, signer)
        signer_row.addRow(_("Signed by"), self.signer)
        p3.addLayout(signer_row)
        self.stack.addWidget(page3)

        # buttons
        buttons = QHBoxLayout()
        self.back_button = QPushButton(_("Back"))
        self.next_button = QPushButton(_("Next"))
        self.next_button.setObjectName("nextStep")
        self.preview_button = QPushButton(_("Preview"))
        self.preview_button.setObjectName("previewLetter")
        self.submit_button = QPushButton(_("Submit request"))
        self.submit_button.setObjectName("submitRequest")
        self.submit_button.setToolTip(_("Record the request; a supervisor approves it or staff issue it later."))
        self.issue_button = QPushButton(_("Issue letter"))
        self.issue_button.setObjectName("issueLetter")
        self.issue_button.setProperty("primary", True)
        self.cancel_button = QPushButton(_("Cancel"))
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        for b in (self.next_button, self.preview_button, self.submit_button, self.issue_button,
                  self.cancel_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self._back)
        self.next_button.clicked.connect(self._next)
        self.preview_button.clicked.connect(self.preview)
        self.submit_button.clicked.connect(self.submit)
        self.issue_button.clicked.connect(self.issue)
        self.cancel_button.clicked.connect(self.reject)
        self._can_approve = allowed(actor, "letter.approve")

        if resident is not None:
            self.choose_resident(resident)
        if letter_type is not None and self.resident is not None:
            self.choose_type(letter_type)
        self._update()
        self.search.query.setFocus()

    # --- steps -----------------------------------------------------------------------------------

    def choose_resident(self, row: Any) -> None:
        self.resident = row
        self.stack.setCurrentIndex(STEP_TYPE)
        self.type_filter.setFocus()
        self._update()

    def choose_type(self, code: str) -> None:
        lt = self.catalog.get(code)
        if lt is None or self.resident is None:
            return
        self.letter_type = lt
        self.form = LetterForm(self.ctx, lt)
        self.form.setObjectName("letterForm")
        self.scroll.setWidget(self.form)
        self.stack.setCurrentIndex(STEP_FORM)
        first = next(iter(self.form.editors.values()), None)
        if first is not None:
            first.setFocus()
        self._update()

    def _filter_types(self, text: str) -> None:
        needle = text.strip().casefold()
        first_visible = None
        for i in range(self.types.count()):
            item = self.types.item(i)
            hidden = bool(needle) and needle not in item.text().casefold() and needle not in str(
                item.data(Qt.ItemDataRole.UserRole))
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = item
        if first_visible is not None:
            self.types.setCurrentItem(first_visible)

    def _describe_type(self, item: QListWidgetItem | None) -> None:
        lt = self.catalog.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        if lt is None:
            self.type_info.setText("")
            return
        reqs = "".join(f"<li>{r}</li>" for r in lt.requirements)
        approval = (f"<p><b>✱ {_('A supervisor must approve this letter.')}</b></p>" if lt.needs_approval else "")
        self.type_info.setText(
            f"<h3>{lt.title}</h3><p>{_('Classification code')}: {lt.classification}</p>{approval}"
            + (f"<p>{_('Requirements')}:</p><ul>{reqs}</ul>" if reqs else ""))

    def _back(self) -> None:
        self.stack.setCurrentIndex(max(0, self.stack.currentIndex() - 1))
        self._update()

    def _next(self) -> None:
        step = self.stack.currentIndex()
        if step == STEP_RESIDENT:
            row = self.search.selected()
            if row is None:
                msgbox.show_info(self, _("Search for the resident and select one first."))
                return
            self.choose_resident(row)
        elif step == STEP_TYPE:
            item = self.types.currentItem()
            if item is None or item.isHidden():
                msgbox.show_info(self, _("Select a letter type first."))
                return
            self.choose_type(item.data(Qt.ItemDataRole.UserRole))

    def _update(self) -> None:
        step = self.stack.currentIndex()
        names = [_("1. Resident"), _("2. Letter type"), _("3. Details")]
        self.steps.setText("  ›  ".join(f"<b><u>{n}</u></b>" if i == step else
                                        (f"<span style='color:#166534'>{n} ✓</span>" if i < step else
                                         f"<span style='color:#6b7280'>{n}</span>")
                                        for i, n in enumerate(names)))
        parts = []
        if self.resident is not None:
            parts.append(_("Resident: {who}").format(who=resident_line(self.resident)))
        if self.letter_type is not None and step == STEP_FORM:
            parts.append(_("Letter: {title}").format(title=self.letter_type.title))
        self.summary.setText("<br>".join(f"<b>{p}</b>" for p in parts))
        self.summary.setVisible(bool(parts))
        on_form = step == STEP_FORM
        self.back_button.setEnabled(step > 0)
        self.next_button.setVisible(not on_form)
        for b in (self.preview_button, self.submit_button, self.issue_button):
            b.setVisible(on_form)
        needs = bool(self.letter_type and self.letter_type.needs_approval)
        self.issue_button.setEnabled(on_form and (not needs or self._can_approve))
        self.issue_button.setToolTip(_("This letter type needs a supervisor's approval: submit the request.")
                                     if needs and not self._can_approve else "")
        self.issue_button.setDefault(on_form and self.issue_button.isEnabled())
        self.submit_button.setDefault(on_form and not self.issue_button.isEnabled())
        self.next_button.setDefault(not on_form)

    # --- actions ---------------------------------------------------------------------------------

    def _args(self) -> dict[str, Any] | None:
        if self.form is None or self.letter_type is None or self.resident is None:
            return None
        if not self.form.check():
            return None
        return {"resident_id": self.resident.id, "letter_type": self.letter_type.code,
                "values": self.form.values()}

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ValidationError) and error.fields and self.form is not None:
            loose = self.form.show_errors(error.field_messages())
            if loose:
                msgbox.show_error(self, "\n".join(loose))
            return
        msgbox.show_error(self, error)

    def preview(self) -> None:
        """The letter as it would print (values that do not check yet print as "-")."""
        if self.form is None or self.letter_type is None or self.resident is None:
            return
        args = {"resident_id": self.resident.id, "letter_type": self.letter_type.code,
                "values": self.form.values()}
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        signer = self.signer.currentData()
        self.ctx.runner.run(lambda: letters.preview_pdf(actor, signer=signer, **args), self._show_preview,
                            self._failed)

    def _show_preview(self, pdf: bytes) -> None:
        from ui.dialogs.pdf_preview import open_preview

        self.preview_dialog = open_preview(self.ctx, pdf, self, title=_("Preview (not yet issued)"),
                                           file_name="pratinjau.pdf")

    def submit(self) -> None:
        args = self._args()
        if args is None:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        self.ctx.runner.write(lambda: letters.create_request(actor, channel="loket", **args), self._submitted,
                              self._failed)

    def _submitted(self, request: Any) -> None:
        self.request = request
        self.ctx.changed("letter_request")
        msgbox.show_info(self, _("The request was recorded. It is in the Requests queue."))
        self.accept()

    def issue(self) -> None:
        args = self._args()
        if args is None:
            return
        actor = self.ctx.require_actor()
        letters = self.ctx.services.letters
        signer = self.signer.currentData()
        self.ctx.runner.write(lambda: letters.issue_direct(actor, signer=signer, **args), self._issued,
                              self._failed)

    def _issued(self, letter: Any) -> None:
        self.issued = letter
        self.ctx.changed("letter")
        self.ctx.changed("letter_request")
        from ui.screens.surat import show_letter_pdf

        self.preview_dialog = show_letter_pdf(self.ctx, letter, self.parentWidget())
        self.accept()
