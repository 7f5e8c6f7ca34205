"""The staff program as a user meets it: setup wizard → sign-in → main window; lockout; idle lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWizard

from kiosk.services import Services
from tests.helpers import make_user
from ui.app import StaffSession, build_context
from ui.dialogs.login import LoginDialog
from ui.dialogs.setup_wizard import SetupWizard
from ui.main_window import MainWindow


def _new_ctx(path: Path) -> Any:
    return build_context(str(path), synchronous=True)


def test_wizard_sets_up_office_then_login_opens_main_window(tmp_path: Path, qtbot: Any) -> None:
    ctx = _new_ctx(tmp_path / "fresh")
    assert not ctx.services.office.is_configured()
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentId() == SetupWizard.PAGE_CHOICE
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_VILLAGE
    village = wizard.village
    assert village.province.currentData() == "35"
    assert village.kabupaten.currentData() == "35.10"
    village.kecamatan.setCurrentIndex(village.kecamatan.findData("35.10.01"))
    village.desa.setCurrentIndex(village.desa.findData("35.10.01.2001"))
    assert village.desa_name.text() == "Sarongan"
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_PROFILE
    qtbot.keyClicks(wizard.profile.fields["head_name"], "Slamet Riyadi")
    qtbot.keyClicks(wizard.profile.fields["address"], "Jl. Raya Sarongan No. 1")
    wizard.next()
    admin = wizard.admin
    admin.username.setText("kepala")
    qtbot.keyClicks(admin.full_name, "Admin Desa")
    qtbot.keyClicks(admin.password, "pendek")
    qtbot.keyClicks(admin.again, "pendek")
    assert not admin.validatePage()
    assert "8" in admin.message.text()
    admin.password.setText("sarongan-2026")
    admin.again.setText("sarongan-2026")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.result_summary == {"village_code": "35.10.01.2001", "village_name": "Sarongan", "admin": "kepala"}
    profile = ctx.services.office.profile()
    assert (profile.village_name, profile.kecamatan_name, profile.kabupaten_name, profile.provinsi_name) == (
        "Sarongan", "Pesanggaran", "Kabupaten Banyuwangi", "Jawa Timur")
    assert profile.head_name == "Slamet Riyadi"

    login = LoginDialog(ctx)
    qtbot.addWidget(login)
    qtbot.keyClicks(login.username, "kepala")
    qtbot.keyClicks(login.password, "sarongan-2026")
    qtbot.mouseClick(login.ok_button, Qt.MouseButton.LeftButton)
    assert login.actor is not None and login.actor.role == "admin"
    ctx.actor = login.actor
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles[0] == "Beranda"
    assert "Pengguna" in titles and "Pengaturan" in titles
    assert "Sarongan" in window.windowTitle()
    beranda = window.screen_for("beranda")
    assert "Sarongan" in beranda.findChild(QLabel, "BerandaHeading").text()
    ctx.services.store.close()


def test_wizard_demo_choice_creates_demo_village(tmp_path: Path, qtbot: Any) -> None:
    ctx = _new_ctx(tmp_path / "demo")
    wizard = SetupWizard(ctx, demo_residents=50)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choice.demo.setChecked(True)
    wizard.next()
    assert wizard.currentId() == SetupWizard.PAGE_DEMO
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.result_summary and wizard.result_summary["residents"] == 50
    assert ctx.services.users.authenticate("kades", "demo-kampung").role == "supervisor"
    ctx.services.store.close()


def test_wizard_refuses_village_code_outside_kecamatan(tmp_path: Path, qtbot: Any) -> None:
    ctx = _new_ctx(tmp_path / "other")
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    village = wizard.village
    village.province.setCurrentIndex(village.province.findData("11"))  # Aceh: no desa list shipped
    village.desa.setCurrentIndex(village.desa.findData("__other__"))
    village.desa_code.setText("35.10.01.2001")
    village.desa_name.setText("Salah")
    assert not village.validatePage()
    assert village.message.text()
    kec = village.kecamatan.currentData()
    village.desa_code.setText(f"{kec}.2001")
    assert village.validatePage()
    ctx.services.store.close()


def test_login_lockout_message_in_indonesian(ctx: Any, qtbot: Any) -> None:
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    for _ in range(5):
        dialog.username.setText("admin")
        dialog.password.setText("salah-terus")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is None
    assert "Terlalu banyak percobaan gagal" in dialog.message.text()


def test_operator_does_not_see_users_screen(ctx: Any, qtbot: Any) -> None:
    services: Services = ctx.services
    ctx.actor = make_user(services, "siti", "operator")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Pengguna" not in titles


def test_idle_lock_hides_data_until_password(ctx: Any, qtbot: Any, monkeypatch: Any) -> None:
    session = StaffSession(ctx)
    session.open_main_window()
    qtbot.addWidget(session.window)
    seen: dict[str, Any] = {}

    def fake_exec(self: LoginDialog) -> int:
        seen["visible_while_locked"] = session.window.centralWidget().isVisible()
        seen["unlock_for"] = self.unlock_for
        return 1

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    session.idle.idle.emit()
    assert seen["visible_while_locked"] is False
    assert seen["unlock_for"].username == "admin"
    assert session.window.centralWidget().isVisible()


def test_settings_saves_office_profile(ctx: Any, qtbot: Any, messages: list[tuple[str, str]]) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    screen = window.show_screen("pengaturan")
    tab = screen.tab_content(0)
    tab.edits["head_name"].setText("Hj. Siti Aminah")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert ctx.services.office.profile().head_name == "Hj. Siti Aminah"
    assert messages and messages[-1][0] == "info"


def test_english_is_available(ctx: Any, qtbot: Any) -> None:
    from kiosk import i18n

    i18n.set_language("en")
    try:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        assert window.nav.item(0).text() == "Home"
    finally:
        i18n.set_language("id")
