"""Pengaturan: the office profile, language and lock, plus the tabs other features register in ``TABS``."""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import settings
from kiosk.i18n import LANGUAGES, N_, _
from kiosk.permissions import allowed
from kiosk.services.office import OfficeInfo
from ui.context import AppContext
from ui.msgbox import show_error, show_info

# Extra tabs: (English title, "module:Class" taking (ctx, parent), permission or None).
TABS: list[tuple[str, str, str | None]] = [
    (N_("Letter types"), "ui.screens.letter_types_tab:LetterTypesTab", "letter_type.edit"),
    (N_("Complaints"), "ui.screens.pengaduan_settings:ComplaintSettingsTab", "settings.edit"),
    (N_("Backups"), "ui.screens.backup_tab:BackupTab", "backup.create"),
]


class OfficeProfileTab(QWidget):
    """Edit the office profile (admins); others see it read-only."""

    TEXT_FIELDS = (
        ("village_name", N_("Village name")), ("kecamatan_name", N_("District (kecamatan)")),
        ("kabupaten_name", N_("Regency / city")), ("provinsi_name", N_("Province")),
        ("address", N_("Office address")), ("postcode", N_("Postcode")), ("phone", N_("Telephone")),
        ("email", N_("E-mail")), ("head_name", N_("Name of the head of village")),
        ("head_title", N_("Title of the head")), ("head_nip", N_("NIP of the head (if any)")),
        ("secretary_name", N_("Name of the secretary")), ("secretary_title", N_("Title of the secretary")),
        ("secretary_nip", N_("NIP of the secretary (if any)")),
        ("unit_code", N_("Unit code in letter numbers (empty: village code)")),
    )

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.info: OfficeInfo = ctx.services.office.profile()
        can_edit = allowed(ctx.require_actor(), "office.edit")
        form = QFormLayout(self)
        if not can_edit:  # say why the fields do not take typing and Save is greyed out
            why = QLabel(_("Only an administrator can change the office profile. You can read it here; ask "
                           "the administrator to change it."))
            why.setObjectName("profileReadOnly")
            why.setWordWrap(True)
            why.setStyleSheet("background: #fef9c3; border: 1px solid #facc15; border-radius: 4px; padding: 6px;")
            form.addRow(why)
        code = QLabel(f"<b>{self.info.village_code}</b>")
        form.addRow(_("Village code"), code)
        self.edits: dict[str, QLineEdit] = {}
        for key, label in self.TEXT_FIELDS:
            edit = QLineEdit(getattr(self.info, key) or "")
            edit.setObjectName(key)
            edit.setReadOnly(not can_edit)
            self.edits[key] = edit
            form.addRow(_(label), edit)
        self.hours = QPlainTextEdit(self.info.service_hours)
        self.hours.setObjectName("service_hours")
        self.hours.setMaximumHeight(70)
        self.hours.setReadOnly(not can_edit)
        form.addRow(_("Service hours"), self.hours)
        self.letterhead = QPlainTextEdit("\n".join(self.info.letterhead_lines))
        self.letterhead.setObjectName("letterhead_lines")
        self.letterhead.setPlaceholderText(_("Extra letterhead lines (one per line); empty for the standard"))
        self.letterhead.setMaximumHeight(70)
        self.letterhead.setReadOnly(not can_edit)
        form.addRow(_("Letterhead lines"), self.letterhead)
        logo_row = QHBoxLayout()
        self.logo_preview = QLabel()
        self.logo_preview.setFixedHeight(64)
        self.logo_preview.setMinimumWidth(64)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._show_logo()
        pick = QPushButton(_("Choose logo…"))
        pick.setEnabled(can_edit)
        pick.clicked.connect(self._pick_logo)
        logo_row.addWidget(self.logo_preview)
        logo_row.addWidget(pick)
        logo_row.addStretch(1)
        form.addRow(_("Logo"), logo_row)
        self.save_button = QPushButton(_("Save profile"))
        self.save_button.setObjectName("saveProfile")
        self.save_button.setEnabled(can_edit)
        self.save_button.clicked.connect(self._save)
        form.addRow(self.save_button)

    def _show_logo(self) -> None:
        if self.info.logo:
            pix = QPixmap()
            pix.loadFromData(self.info.logo)
            self.logo_preview.setPixmap(pix.scaled(64, 64, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation))
        else:
            self.logo_preview.setText(_("(none)"))

    def _pick_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose logo"), "", "PNG (*.png)")
        if path:
            with open(path, "rb") as f:
                self.info.logo = f.read()
            self._show_logo()

    def _save(self) -> None:
        for key, edit in self.edits.items():
            value = edit.text().strip()
            setattr(self.info, key, value or (None if key.endswith("_nip") else ""))
        self.info.service_hours = self.hours.toPlainText().strip()
        self.info.letterhead_lines = [x.strip() for x in self.letterhead.toPlainText().splitlines() if x.strip()]
        actor = self.ctx.require_actor()
        info = self.info
        self.ctx.runner.write(lambda: self.ctx.services.office.update_profile(actor, info), self._saved,
                              lambda e: show_error(self, e))

    def _saved(self, info: OfficeInfo) -> None:
        self.info = info
        self.ctx.changed("office_profile")
        show_info(self, _("The office profile was saved."))


class ProgramTab(QWidget):
    """Language and the idle lock."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        prefs = ctx.services.preferences
        can_edit = allowed(ctx.require_actor(), "settings.edit")
        form = QFormLayout(self)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(prefs.get(settings.LANGUAGE)))
        self.idle = QSpinBox()
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" " + _("minutes"))
        self.idle.setValue(int(prefs.get(settings.IDLE_LOCK_MINUTES)))
        form.addRow(_("Language (after restart)"), self.language)
        form.addRow(_("Lock the program after"), self.idle)
        save = QPushButton(_("Save"))
        save.setObjectName("saveProgram")
        save.setEnabled(can_edit)
        save.clicked.connect(self._save)
        form.addRow(save)

    def _save(self) -> None:
        actor = self.ctx.require_actor()
        prefs = self.ctx.services.preferences
        lang, idle = self.language.currentData(), self.idle.value()

        def work() -> None:
            prefs.set(actor, settings.LANGUAGE, lang)
            prefs.set(actor, settings.IDLE_LOCK_MINUTES, idle)

        self.ctx.runner.write(work, lambda _r: show_info(self, _("Saved. The language changes after a restart.")),
                              lambda e: show_error(self, e))


def _scrolled(widget: QWidget) -> QScrollArea:
    """A tab's content in a scroll area, so a long form never forces the window taller than the screen."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    area.setObjectName(f"scroll_{widget.objectName() or type(widget).__name__}")
    return area


class PengaturanScreen(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(QLabel(f"<h2>{_('Settings')}</h2>"))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(_scrolled(OfficeProfileTab(ctx, self)), _("Office profile"))
        self.tabs.addTab(_scrolled(ProgramTab(ctx, self)), _("Program"))
        actor = ctx.require_actor()
        for title, factory, permission in TABS:
            if permission and not allowed(actor, permission):
                continue
            module_name, cls_name = factory.split(":")
            tab = getattr(importlib.import_module(module_name), cls_name)(ctx, self)
            self.tabs.addTab(_scrolled(tab), _(title))
        layout.addWidget(self.tabs)

    def tab_content(self, index: int) -> QWidget:
        """The widget of tab ``index`` (inside its scroll area)."""
        area = self.tabs.widget(index)
        inner = area.widget() if isinstance(area, QScrollArea) else area
        assert inner is not None
        return inner
