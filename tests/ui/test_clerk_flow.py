"""Flow gaps a new clerk met (issue 18, item 6): the new-resident form and what follows saving it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

FEMALE_NIK = "3510015205800001"  # born 12-05-1980, day + 40: a woman
MALE_NIK = "3510011205800002"


def _form(ctx: Any, qtbot: Any) -> Any:
    from ui.dialogs.resident_form import ResidentFormDialog

    form = ResidentFormDialog(ctx)
    qtbot.addWidget(form)
    form.show()
    return form


def test_new_resident_form_presets_wni_and_takes_sex_from_the_nik(ctx: Any, qtbot: Any) -> None:
    form = _form(ctx, qtbot)
    citizenship, sex = form.inputs["citizenship"], form.inputs["sex"]
    assert isinstance(citizenship, QComboBox) and isinstance(sex, QComboBox)
    assert citizenship.currentText() == "WNI"
    qtbot.keyClicks(form.inputs["nik"], FEMALE_NIK)
    assert sex.currentText() == "Perempuan"
    form.inputs["nik"].setText(MALE_NIK)  # corrected NIK: still from the NIK
    assert sex.currentText() == "Laki-laki"
    sex.setCurrentIndex(sex.findText("Perempuan"))
    sex.activated.emit(sex.currentIndex())  # the clerk chose: the NIK no longer overrides
    form.inputs["nik"].setText(FEMALE_NIK[:-1] + "9")
    form.inputs["nik"].setText(MALE_NIK)
    assert sex.currentText() == "Perempuan"


def test_impossible_date_is_not_called_a_wrong_format(ctx: Any, qtbot: Any, messages: Any) -> None:
    form = _form(ctx, qtbot)
    name = form.inputs["name"]
    assert isinstance(name, QLineEdit)
    name.setText("Sumiati")
    form.inputs["nik"].setText(FEMALE_NIK)
    form.inputs["birth_date"].setText("31-02-2010")
    form.save()
    assert form.saved is None
    assert form.errors["birth_date"].text() == "Tanggal itu tidak ada: periksa hari dan bulannya."
    form.inputs["birth_date"].setText("31 Feb 2010")
    form.save()
    assert form.errors["birth_date"].text() == "Tulis tanggal sebagai HH-BB-TTTT, misalnya 17-08-1990."


def test_saving_a_new_resident_confirms_and_shows_them_in_the_list(ctx: Any, qtbot: Any, messages: Any) -> None:
    from kiosk.services.demo import create_demo_village
    from ui.screens.penduduk import PendudukScreen

    create_demo_village(ctx.services, residents=60)  # the new name would not be on the first page
    screen = PendudukScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.new_resident()
    from ui.dialogs.resident_form import ResidentFormDialog

    form = screen.findChild(ResidentFormDialog)
    assert form is not None
    form.inputs["name"].setText("Zulaikha Nurhayati")
    form.inputs["nik"].setText(FEMALE_NIK)
    form.inputs["birth_date"].setText("12-05-1980")
    form.inputs["dusun"].setCurrentText("Krajan")
    qtbot.keyClick(form.inputs["name"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.saved is not None
    assert ("info", "Zulaikha Nurhayati tersimpan sebagai penduduk baru dan ditampilkan di daftar.") in messages
    names = [screen.model.row_at(r).name for r in range(screen.model.rowCount())]
    assert names == ["Zulaikha Nurhayati"]


def test_beranda_shows_letter_titles_not_codes(ctx: Any, qtbot: Any) -> None:
    import dataclasses

    from kiosk.services.dashboard import dashboard
    from ui.screens.beranda_panels import TodayPanel

    panel = TodayPanel(ctx)
    qtbot.addWidget(panel)
    board = dataclasses.replace(dashboard(ctx.services.store), letters_today=[("domisili", 2), ("sktm", 1)])
    panel.show_board(board)
    labels = [label for label, _n in panel.letters_chart.items]
    assert labels == ["Surat Keterangan Domisili", "Surat Keterangan Tidak Mampu"], labels
    assert "Surat Keterangan Domisili: 2" in panel.letters_chart.toolTip()


def test_response_limit_reads_4_jam_not_4_0(ctx: Any, qtbot: Any) -> None:
    from ui.screens.pengaduan_settings import ComplaintSettingsTab

    tab = ComplaintSettingsTab(ctx)
    qtbot.addWidget(tab)
    tab.hours.setValue(4)
    assert tab.hours.text() == "4 jam"
    tab.hours.setValue(4.5)
    assert tab.hours.text() == "4,5 jam"
    tab.hours.lineEdit().setText("6,5 jam")
    tab.hours.interpretText()
    assert tab.hours.value() == 6.5


def test_operator_sees_why_the_office_profile_is_read_only(ctx: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from tests.helpers import make_user
    from ui.screens.pengaturan import OfficeProfileTab

    admin_tab = OfficeProfileTab(ctx)
    qtbot.addWidget(admin_tab)
    assert admin_tab.findChild(QLabel, "profileReadOnly") is None
    ctx.actor = make_user(ctx.services, "operator", "operator")
    tab = OfficeProfileTab(ctx)
    qtbot.addWidget(tab)
    why = tab.findChild(QLabel, "profileReadOnly")
    assert why is not None and "Hanya administrator" in why.text()
    assert not tab.save_button.isEnabled() and tab.edits["head_name"].isReadOnly()


def test_empty_office_beranda_says_what_next_and_leads_there(ctx: Any, qtbot: Any) -> None:
    from ui.dialogs.resident_form import ResidentFormDialog
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    beranda = window.screen_for("beranda")
    assert beranda.next_steps.isVisible()
    from PySide6.QtWidgets import QLabel, QPushButton

    assert "belum berisi penduduk" in beranda.next_steps.findChildren(QLabel)[0].text()

    qtbot.mouseClick(beranda.next_steps.findChild(QPushButton, "nextAdd"), Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.screen_for("penduduk")
    assert window.screen_for("penduduk").findChild(ResidentFormDialog) is not None


def test_filled_office_beranda_has_no_what_next(ctx: Any, qtbot: Any) -> None:
    from kiosk.services.demo import create_demo_village
    from ui.screens.beranda import BerandaScreen

    create_demo_village(ctx.services, residents=5)
    screen = BerandaScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    assert not screen.next_steps.isVisible()


def test_demo_village_sign_in_shows_the_demo_users(ctx: Any, qtbot: Any, tmp_path: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from kiosk.services.demo import create_demo_village
    from ui.dialogs.login import LoginDialog

    plain = LoginDialog(ctx)
    qtbot.addWidget(plain)
    assert plain.findChild(QLabel, "demoHint") is None  # a real office: no passwords on screen
    create_demo_village(ctx.services, residents=5)
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    hint = dialog.findChild(QLabel, "demoHint")
    assert hint is not None and "demo-kampung" in hint.text() and "kades" in hint.text()


def test_approved_request_stays_in_the_default_view_and_counts_match(ctx: Any, qtbot: Any, messages: Any) -> None:
    import datetime as dt

    import forms
    from kiosk.services.demo import create_demo_village
    from tests.helpers import make_user
    from ui.screens.permohonan import PermohonanScreen

    create_demo_village(ctx.services, residents=10)
    admin = ctx.actor
    rows = ctx.services.residents.search(admin, "", limit=2).rows
    lt = ctx.services.letters.letter_type("sktm")  # needs a supervisor's approval
    for row in rows:
        ctx.services.letters.create_request(admin, resident_id=row.id, letter_type="sktm",
                                            values=forms.sample_values(lt, dt.date.today()))
    ctx.actor = make_user(ctx.services, "kades2", "supervisor")
    screen = PermohonanScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 2 and "Menunggu: 2" in screen.waiting.text()
    screen.select_rows([0])
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    screen.refresh()
    # the approved one is still listed (it waits to be issued) and the header's 2 matches the list
    assert screen.model.rowCount() == 2 and "Menunggu: 2" in screen.waiting.text()
    screen.set_filters("diajukan")
    assert screen.model.rowCount() == 1
    assert "Terbuka (menunggu atau disetujui)" in screen.waiting.text()  # says where the other one is


def test_dusun_rt_rw_offered_from_the_register_and_one_spelling_kept(ctx: Any, qtbot: Any) -> None:
    from tests.core.test_residents import person

    ctx.services.residents.register(ctx.actor, person("Slamet", dusun="Krajan", rt="1", rw="2"))
    form = _form(ctx, qtbot)
    dusun, rt = form.inputs["dusun"], form.inputs["rt"]
    assert isinstance(dusun, QComboBox) and dusun.isEditable()
    assert [dusun.itemText(i) for i in range(dusun.count())] == ["", "Krajan"]
    assert [rt.itemText(i) for i in range(rt.count())] == ["", "001"]  # type: ignore[union-attr]
    form.inputs["name"].setText("Sumiati")
    form.inputs["nik"].setText(FEMALE_NIK)
    form.inputs["birth_date"].setText("12-05-1980")
    dusun.setCurrentText("KRAJAN ")  # typed in capitals: stored as the same dusun
    rt.setCurrentText("1")  # type: ignore[union-attr]
    form.save()
    assert form.saved is not None and form.saved.dusun == "Krajan" and form.saved.rt == "001"
