"""The setup wizard as a new office meets it: a refused password or an empty head of village leaves
nothing written (no lock-out), and a half-set-up office found at start resumes the wizard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWizard

from tests.helpers import sample_office
from ui.app import StaffSession, build_context
from ui.dialogs.setup_wizard import SetupWizard


def _to_admin_page(wizard: SetupWizard, qtbot: Any, head: str = "Slamet Riyadi") -> None:
    wizard.show()
    wizard.next()
    village = wizard.village
    village.kecamatan.setCurrentIndex(village.kecamatan.findData("35.10.01"))
    village.desa.setCurrentIndex(village.desa.findData("35.10.01.2001"))
    wizard.next()
    qtbot.keyClicks(wizard.profile.fields["head_name"], head)
    wizard.next()


def _finish(wizard: SetupWizard, qtbot: Any) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)


def test_short_password_on_finish_writes_nothing_then_setup_completes(tmp_path: Path, qtbot: Any) -> None:
    ctx = build_context(str(tmp_path / "fresh"), synchronous=True)
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    _to_admin_page(wizard, qtbot)
    assert wizard.currentId() == SetupWizard.PAGE_ADMIN
    qtbot.keyClicks(wizard.admin.full_name, "Admin Desa")
    qtbot.keyClicks(wizard.admin.password, "abc")
    qtbot.keyClicks(wizard.admin.again, "abc")
    _finish(wizard, qtbot)
    assert wizard.isVisible() and wizard.result_summary is None
    assert "8" in wizard.admin.message.text() and "karakter" in wizard.admin.message.text()
    assert not ctx.services.office.is_configured()  # the profile was NOT saved ahead of the admin
    assert ctx.services.users.count() == 0
    wizard.admin.password.setText("sarongan-2026")
    wizard.admin.again.setText("sarongan-2026")
    _finish(wizard, qtbot)
    assert wizard.result_summary is not None
    assert ctx.services.users.authenticate("admin", "sarongan-2026").role == "admin"
    ctx.services.store.close()


def test_username_refused_by_the_service_leaves_nothing_and_is_shown(tmp_path: Path, qtbot: Any) -> None:
    ctx = build_context(str(tmp_path / "fresh"), synchronous=True)
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    _to_admin_page(wizard, qtbot)
    wizard.admin.username.setText("kepala desa!")  # the page does not check it; the service does
    qtbot.keyClicks(wizard.admin.full_name, "Admin Desa")
    for w in (wizard.admin.password, wizard.admin.again):
        qtbot.keyClicks(w, "sarongan-2026")
    _finish(wizard, qtbot)
    assert wizard.result_summary is None
    assert "huruf" in wizard.admin.message.text().lower()  # Indonesian, from the service's rule
    assert not ctx.services.office.is_configured() and ctx.services.users.count() == 0
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.admin.username.setText("kepala")
    _finish(wizard, qtbot)
    assert wizard.result_summary is not None and ctx.services.users.count() == 1
    ctx.services.store.close()


def test_profile_page_needs_the_head_of_village(tmp_path: Path, qtbot: Any) -> None:
    ctx = build_context(str(tmp_path / "fresh"), synchronous=True)
    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    _to_admin_page(wizard, qtbot, head="")
    assert wizard.currentId() == SetupWizard.PAGE_PROFILE
    assert "kepala desa" in wizard.profile.message.text().lower()
    ctx.services.store.close()


def test_half_set_up_office_resumes_the_wizard_at_the_administrator(
    tmp_path: Path, qtbot: Any, monkeypatch: Any,
) -> None:
    ctx = build_context(str(tmp_path / "half"), synchronous=True)
    ctx.services.office.setup(sample_office())  # what the old wizard left behind: no user
    opened: list[SetupWizard] = []

    def fake_exec(self: SetupWizard) -> int:
        opened.append(self)
        qtbot.addWidget(self)
        self.show()
        assert self.currentId() == SetupWizard.PAGE_ADMIN
        qtbot.keyClicks(self.admin.full_name, "Admin Desa")
        for w in (self.admin.password, self.admin.again):
            qtbot.keyClicks(w, "sarongan-2026")
        _finish(self, qtbot)
        return int(self.result())

    monkeypatch.setattr(SetupWizard, "exec", fake_exec)
    assert StaffSession(ctx).ensure_configured()
    assert len(opened) == 1 and opened[0].resume
    assert opened[0].result() == QDialog.DialogCode.Accepted
    assert ctx.services.users.authenticate("admin", "sarongan-2026").role == "admin"
    assert not ctx.services.office.needs_first_admin()
    assert StaffSession(ctx).ensure_configured()  # now nothing more to do
    assert len(opened) == 1
    ctx.services.store.close()
