"""Penyiapan awal: the first-run wizard — a demo village, or the real office: village from the
Kemendagri list, office profile, first administrator."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from kiosk import refdata
from kiosk.errors import DomainError
from kiosk.i18n import _
from kiosk.services.office import OfficeInfo
from ui.context import AppContext
from ui.msgbox import error_text

log = logging.getLogger(__name__)

OTHER = "__other__"


class ChoicePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Welcome to Smart Kampung"))
        self.setSubTitle(_("This computer has no village office yet. What would you like to do?"))
        layout = QVBoxLayout(self)
        self.real = QRadioButton(_("Set up our village office"))
        self.real.setObjectName("choiceReal")
        self.demo = QRadioButton(_("Try a demo village first (Sarongan, Banyuwangi, with sample residents)"))
        self.demo.setObjectName("choiceDemo")
        self.real.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.real)
        group.addButton(self.demo)
        layout.addWidget(self.real)
        layout.addWidget(self.demo)
        hint = QLabel(_("The demo creates the users admin, operator and kades with the password "
                        "demo-kampung. Use a separate data directory for real work."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addStretch(1)

    def nextId(self) -> int:
        return SetupWizard.PAGE_DEMO if self.demo.isChecked() else SetupWizard.PAGE_VILLAGE


class DemoPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Demo village"))
        self.setSubTitle(_("Press Finish to create the demo village. This takes a few seconds."))
        self.setFinalPage(True)

    def nextId(self) -> int:
        return -1


class VillagePage(QWizardPage):
    """Province → kabupaten/kota → kecamatan → desa (Banyuwangi ships its desa list; elsewhere typed)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Which village is this office?"))
        self.setSubTitle(_("Choose from the Kemendagri region list."))
        form = QFormLayout(self)
        self.province = QComboBox()
        self.province.setObjectName("province")
        self.kabupaten = QComboBox()
        self.kabupaten.setObjectName("kabupaten")
        self.kecamatan = QComboBox()
        self.kecamatan.setObjectName("kecamatan")
        self.desa = QComboBox()
        self.desa.setObjectName("desa")
        self.desa_code = QLineEdit()
        self.desa_code.setObjectName("desaCode")
        self.desa_code.setPlaceholderText("35.10.01.2001")
        self.desa_name = QLineEdit()
        self.desa_name.setObjectName("desaName")
        for combo in (self.province, self.kabupaten, self.kecamatan, self.desa):
            combo.setEditable(False)
            combo.setMinimumWidth(320)
        form.addRow(_("Province"), self.province)
        form.addRow(_("Regency / city"), self.kabupaten)
        form.addRow(_("District (kecamatan)"), self.kecamatan)
        form.addRow(_("Village"), self.desa)
        form.addRow(_("Village code"), self.desa_code)
        form.addRow(_("Village name"), self.desa_name)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        for code, name in refdata.provinces().items():
            self.province.addItem(name, code)
        self.province.currentIndexChanged.connect(self._fill_kabupaten)
        self.kabupaten.currentIndexChanged.connect(self._fill_kecamatan)
        self.kecamatan.currentIndexChanged.connect(self._fill_desa)
        self.desa.currentIndexChanged.connect(self._desa_chosen)
        # Banyuwangi first: the programme's home.
        self._select(self.province, "35")
        self._select(self.kabupaten, "35.10")

    @staticmethod
    def _select(combo: QComboBox, code: str) -> None:
        i = combo.findData(code)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _fill_kabupaten(self) -> None:
        self.kabupaten.blockSignals(True)
        self.kabupaten.clear()
        for code, name in refdata.kabupaten(self.province.currentData() or "").items():
            self.kabupaten.addItem(name, code)
        self.kabupaten.blockSignals(False)
        self._fill_kecamatan()

    def _fill_kecamatan(self) -> None:
        self.kecamatan.blockSignals(True)
        self.kecamatan.clear()
        for code, name in refdata.kecamatan(self.kabupaten.currentData() or "").items():
            self.kecamatan.addItem(name, code)
        self.kecamatan.blockSignals(False)
        self._fill_desa()

    def _fill_desa(self) -> None:
        self.desa.blockSignals(True)
        self.desa.clear()
        kec = self.kecamatan.currentData() or ""
        for code, name in refdata.desa(kec).items():
            self.desa.addItem(f"{name} ({code})", code)
        self.desa.addItem(_("Another village: type its code and name"), OTHER)
        self.desa.blockSignals(False)
        self._desa_chosen()

    def _desa_chosen(self) -> None:
        code = self.desa.currentData()
        typed = code == OTHER
        self.desa_code.setReadOnly(not typed)
        self.desa_name.setReadOnly(not typed)
        if typed:
            kec = self.kecamatan.currentData() or ""
            self.desa_code.setText(f"{kec}." if kec else "")
            self.desa_name.clear()
        else:
            self.desa_code.setText(code or "")
            self.desa_name.setText(refdata.region_name(code) or "" if code else "")
        self.message.clear()

    def office_info(self) -> OfficeInfo:
        from kiosk.services.office import office_info_from_code

        return office_info_from_code(
            self.desa_code.text().strip(),
            village_name=self.desa_name.text().strip() or None,
            kecamatan=self.kecamatan.currentText() or None,
            kabupaten=self.kabupaten.currentText() or None,
            provinsi=self.province.currentText() or None,
        )

    def validatePage(self) -> bool:
        try:
            info = self.office_info()
            if not info.village_code.startswith(self.kecamatan.currentData() or ""):
                self.message.setText(_("The village code must start with the kecamatan code {code}.").format(
                    code=self.kecamatan.currentData()))
                return False
            info.validate()
        except DomainError as e:
            self.message.setText(error_text(e))
            return False
        return True


class ProfilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Office profile"))
        self.setSubTitle(_("These appear on every letter's letterhead and signature. You can change them "
                           "later in Settings."))
        form = QFormLayout(self)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in (
            ("address", _("Office address")), ("postcode", _("Postcode")), ("phone", _("Telephone")),
            ("email", _("E-mail")), ("head_name", _("Name of the head of village")),
            ("head_title", _("Title of the head")), ("secretary_name", _("Name of the secretary")),
            ("service_hours", _("Service hours")),
        ):
            edit = QLineEdit()
            edit.setObjectName(key)
            self.fields[key] = edit
            form.addRow(label, edit)
        self.fields["head_title"].setText("Kepala Desa")
        logo_row = QHBoxLayout()
        self.logo_path = QLineEdit()
        self.logo_path.setReadOnly(True)
        pick = QPushButton(_("Choose logo…"))
        pick.clicked.connect(self._pick_logo)
        logo_row.addWidget(self.logo_path, 1)
        logo_row.addWidget(pick)
        form.addRow(_("Logo (PNG)"), logo_row)
        self.message = QLabel("")
        self.message.setObjectName("profileMessage")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        form.addRow(self.message)

    def validatePage(self) -> bool:
        if not self.fields["head_name"].text().strip() or not self.fields["head_title"].text().strip():
            self.message.setText(_("The name and title of the head of village are required (they sign "
                                   "every letter)."))
            return False
        self.message.clear()
        return True

    def _pick_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose logo"), "", "PNG (*.png)")
        if path:
            self.logo_path.setText(path)

    def apply(self, info: OfficeInfo) -> None:
        for key, edit in self.fields.items():
            if edit.text().strip():
                setattr(info, key, edit.text().strip())
        if self.logo_path.text():
            with open(self.logo_path.text(), "rb") as f:
                info.logo = f.read()


class AdminPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("First administrator"))
        self.setSubTitle(_("The administrator manages users and settings. Keep the password safe."))
        form = QFormLayout(self)
        self.username = QLineEdit("admin")
        self.username.setObjectName("adminUsername")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("adminFullName")
        self.password = QLineEdit()
        self.password.setObjectName("adminPassword")
        self.again = QLineEdit()
        self.again.setObjectName("adminPasswordAgain")
        for w in (self.password, self.again):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Username"), self.username)
        form.addRow(_("Full name"), self.full_name)
        form.addRow(_("Password (at least 8 characters)"), self.password)
        form.addRow(_("Password again"), self.again)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.setFinalPage(True)

    def validatePage(self) -> bool:
        if not self.username.text().strip() or not self.full_name.text().strip():
            self.message.setText(_("Fill in the username and the full name."))
            return False
        if len(self.password.text()) < 8:
            self.message.setText(_("The password must have at least {n} characters.").format(n=8))
            return False
        if self.password.text() != self.again.text():
            self.message.setText(_("The two passwords differ."))
            return False
        return True

    def nextId(self) -> int:
        return -1


class SetupWizard(QWizard):
    """Runs the chosen setup through the services when finished; ``result_summary`` tells what was made."""

    PAGE_CHOICE, PAGE_DEMO, PAGE_VILLAGE, PAGE_PROFILE, PAGE_ADMIN = range(5)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, demo_residents: int = 2000,
                 resume: bool = False) -> None:
        super().__init__(parent)
        self.resume = resume  # the office profile exists but no administrator: only the last page
        self.ctx = ctx
        self.demo_residents = demo_residents
        self.setObjectName("SetupWizard")
        self.setWindowTitle(_("Smart Kampung setup"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(640, 480)
        self.choice = ChoicePage()
        self.demo_page = DemoPage()
        self.village = VillagePage()
        self.profile = ProfilePage()
        self.admin = AdminPage()
        self.setPage(self.PAGE_CHOICE, self.choice)
        self.setPage(self.PAGE_DEMO, self.demo_page)
        self.setPage(self.PAGE_VILLAGE, self.village)
        self.setPage(self.PAGE_PROFILE, self.profile)
        self.setPage(self.PAGE_ADMIN, self.admin)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        if resume:
            self.setStartId(self.PAGE_ADMIN)
            self.admin.setSubTitle(_("The office profile was saved earlier but no administrator was made. "
                                     "Create the administrator to finish the setup."))
        self.result_summary: dict[str, Any] | None = None
        self.error: BaseException | None = None

    def accept(self) -> None:
        # Check the last page before anything is written (QWizard checks it only after accept()).
        if not self.validateCurrentPage():
            return
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.setCursor(Qt.CursorShape.WaitCursor)
        if self.resume:
            username = self.admin.username.text().strip()
            full_name = self.admin.full_name.text().strip()
            password = self.admin.password.text()
            users = self.ctx.services.users

            def resume_work() -> dict[str, Any]:
                users.create_first_admin(username=username, full_name=full_name, password=password)
                return {"admin": username}

            self.ctx.runner.write(resume_work, self._finished, self._failed)
            return
        if not self.choice.demo.isChecked() and not self.profile.validatePage():
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            self.unsetCursor()
            return
        if self.choice.demo.isChecked():
            from kiosk.services.demo import create_demo_village

            n = self.demo_residents
            self.ctx.runner.write(lambda: create_demo_village(self.ctx.services, residents=n),
                                  self._finished, self._failed)
            return
        info = self.village.office_info()
        self.profile.apply(info)
        if info.village_kind == "kelurahan" and info.head_title == "Kepala Desa":
            info.head_title = "Lurah"
        username = self.admin.username.text().strip()
        full_name = self.admin.full_name.text().strip()
        password = self.admin.password.text()
        services = self.ctx.services

        def work() -> dict[str, Any]:  # one transaction: the office and its administrator, or nothing
            services.office.set_up_office(info, admin_username=username, admin_full_name=full_name,
                                          admin_password=password)
            return {"village_code": info.village_code, "village_name": info.village_name, "admin": username}

        self.ctx.runner.write(work, self._finished, self._failed)

    def _finished(self, summary: dict[str, Any]) -> None:
        self.unsetCursor()
        self.result_summary = summary
        super().accept()

    def _failed(self, error: BaseException) -> None:
        self.unsetCursor()
        self.error = error
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if isinstance(error, DomainError):  # shown on the page, in the user's language
            self.admin.message.setText(error_text(error))
            return
        from ui.msgbox import show_error

        show_error(self, error)
