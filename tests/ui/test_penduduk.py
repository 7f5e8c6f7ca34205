"""The Penduduk screen: type to search, open with Enter, register and save with Ctrl+S, warnings, model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from kiosk.services.residents_search import ResidentQuery


def _seed(ctx: Any) -> dict[str, Any]:
    rs = ctx.services.residents
    actor = ctx.require_actor()
    a = rs.register(actor, {"name": "Slamet Riyadi", "sex": 1, "nik": "3510011205800001",
                            "birth_date": dt.date(1980, 5, 12), "kk_number": "3510010101100001",
                            "family_relation": 1, "dusun": "Krajan"})
    b = rs.register(actor, {"name": "Siti Ma'ruf", "sex": 2, "nik": "3510015005820001",
                            "birth_date": dt.date(1982, 5, 10), "family_id": a.family_id, "family_relation": 3})
    for i in range(260):
        rs.register(actor, {"name": f"Warga {i:03d}", "sex": 1, "nik": None})
    return {"a": a, "b": b}


def test_model_pages_and_qtmodeltester(ctx: Any, qtmodeltester: Any) -> None:
    from ui.models.residents import ResidentTableModel

    _seed(ctx)
    actor = ctx.require_actor()
    rs = ctx.services.residents
    model = ResidentTableModel()

    def fetch(after: Any) -> Any:
        return rs.search(actor, ResidentQuery(text="warga"), after=after, limit=50)

    model.reset(fetch(None), fetch)
    assert model.rowCount() == 50 and model.canFetchMore(model.index(-1, -1))
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 260
    assert len({r.id for r in model.rows}) == 260
    qtmodeltester.check(model)


def test_type_search_and_open_with_enter(ctx: Any, qtbot: Any, messages: Any, monkeypatch: Any) -> None:
    from ui.screens.penduduk import PendudukScreen

    people = _seed(ctx)
    screen = PendudukScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()
    qtbot.waitActive(screen)
    qtbot.waitUntil(screen.search.hasFocus)
    qtbot.keyClicks(screen.search, "ma'r")
    assert [r.name for r in screen.model.rows] == ["Siti Ma'ruf"]
    screen.search.clear()
    qtbot.keyClicks(screen.search, "351001120")
    assert screen.model.rows[0].id == people["a"].id
    opened: list[str] = []
    monkeypatch.setattr(screen, "open_resident", lambda rid: opened.append(rid))
    qtbot.keyClick(screen.search, Qt.Key.Key_Down)
    assert screen.view.hasFocus()
    qtbot.keyClick(screen.view, Qt.Key.Key_Return)
    assert opened == [people["a"].id]


def test_detail_dialog_shows_family_events_history(ctx: Any, qtbot: Any) -> None:
    from ui.dialogs.resident_detail import ResidentDetailDialog

    people = _seed(ctx)
    ctx.services.residents.edit(ctx.require_actor(), people["b"].id, {"phone": "0812"})
    dialog = ResidentDetailDialog(ctx, people["b"].id)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert len(titles) == 5 and titles[-1] == "Surat"  # data, family, events, edits, letters
    family = dialog.tabs.widget(1).findChild(type(dialog.tabs.widget(2)))
    assert family is not None and family.rowCount() == 2
    history = dialog.tabs.widget(3)
    assert history.rowCount() == 2 and "phone" in history.item(1, 3).text()


def test_form_inline_errors_ctrl_s_and_simpan_tetap(ctx: Any, qtbot: Any, messages: Any) -> None:
    from ui.dialogs.resident_form import ResidentFormDialog

    form = ResidentFormDialog(ctx)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitActive(form)
    qtbot.keyClicks(form.inputs["nik"], "123")
    qtbot.keyClick(form.inputs["nik"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not messages, messages
    assert form.errors["name"].isVisible() and form.errors["nik"].text()
    assert form.saved is None
    name = form.inputs["name"]
    assert isinstance(name, QLineEdit)
    name.setText("Sumiati")
    form.inputs["nik"].setText("3510015205800001")  # type: ignore[union-attr]
    form.inputs["sex"].setCurrentIndex(form.inputs["sex"].findData(2))  # type: ignore[union-attr]
    form.inputs["birth_date"].setText("12-05-1981")  # type: ignore[union-attr]  # NIK says 1980
    qtbot.keyClick(form.inputs["nik"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert messages and messages[-1][0] == "confirm" and "Simpan tetap" in messages[-1][1]
    assert form.saved is not None and form.saved.nik_warnings[0]["code"] == "nik_date_mismatch"

    edit = ResidentFormDialog(ctx, form.saved)
    qtbot.addWidget(edit)
    edit.inputs["phone"].setText("08123")  # type: ignore[union-attr]
    edit.save()
    assert edit.saved is not None and edit.saved.version == 2 and edit.saved.phone == "08123"


def test_event_dialog_death(ctx: Any, qtbot: Any, messages: Any) -> None:
    from ui.dialogs.resident_events import EventDialog

    people = _seed(ctx)
    dialog = EventDialog(ctx, "death", people["a"])
    qtbot.addWidget(dialog)
    dialog.fields["place"].setText("Rumah")
    dialog.fields["cause"].setText("Sakit")
    dialog.save()
    assert dialog.result_ is not None and dialog.result_.resident.status == 2
    assert dialog.result_.family_needs_head == people["a"].family_id
    assert messages and messages[-1][0] == "info"


def test_import_dialog(ctx: Any, qtbot: Any, tmp_path: Any, messages: Any) -> None:
    from kiosk.importer import write_workbook
    from kiosk.services.demo import generate_village
    from kiosk.services.residents_import import resident_to_values
    from ui.dialogs.import_residents import ImportResidentsDialog

    _f, people = generate_village(30, 5, today=dt.date(2025, 1, 1))
    path = tmp_path / "p.xlsx"
    write_workbook(path, [resident_to_values(p) for p in people])
    dialog = ImportResidentsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.run_import()
    assert dialog.report is not None and dialog.report.created == 30
    assert "30" in dialog.summary.toPlainText() and dialog.progress.value() == 100
