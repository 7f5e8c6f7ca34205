"""The family view (kartu keluarga): open from the resident detail, change the head, split a KK, move and add
a member; the hilang/pergi status dialogs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from kiosk.services.demo import create_demo_village
from kiosk.services.residents import RELATION_HEAD, STATUS_ALIVE, STATUS_GONE, STATUS_MISSING, FamilyInfo
from ui.dialogs import family_view
from ui.dialogs.family_view import FamilyViewDialog
from ui.dialogs.resident_detail import ResidentDetailDialog


@pytest.fixture
def village(ctx: Any) -> Any:
    create_demo_village(ctx.services, residents=40)
    return ctx


def _families(ctx: Any, min_alive: int = 3) -> list[FamilyInfo]:
    """Families of the demo village with a head and at least ``min_alive`` living members, biggest first."""
    actor = ctx.require_actor()
    rs = ctx.services.residents
    rows = rs.search(actor, "", limit=200).rows
    sizes = Counter(r.kk_number for r in rows if r.kk_number)
    out = []
    for kk, _n in sizes.most_common():
        fam = rs.family_by_kk(actor, kk)
        if fam and fam.head and sum(m.status == STATUS_ALIVE for m in fam.members) >= min_alive:
            out.append(fam)
    assert out, "the demo village has families"
    return out


def _open(ctx: Any, qtbot: Any, family_id: str) -> FamilyViewDialog:
    dialog = FamilyViewDialog(ctx, family_id)
    qtbot.addWidget(dialog)
    return dialog


def test_open_from_resident_detail_shows_the_kk(village: Any, qtbot: Any, messages: Any,
                                                qtmodeltester: Any) -> None:
    fam = _families(village)[0]
    detail = ResidentDetailDialog(village, fam.head.id)
    qtbot.addWidget(detail)
    detail.tabs.setCurrentIndex(1)
    button = detail.tabs.widget(1).findChild(QPushButton, "openFamily")
    assert button is not None and button.text() == "Buka kartu keluarga…"
    view = detail.open_family(fam.id)
    assert isinstance(view, FamilyViewDialog)
    qtbot.addWidget(view)
    assert fam.kk_number in view.title.text()
    assert view.values["head"].text() == fam.head.name
    assert view.values["dusun"].text() == (fam.dusun or "—")
    assert view.model.rowCount() == len(fam.members)
    names = [view.model.text(m, 1) for m in view.model.rows]
    assert fam.head.name in names
    head_row = names.index(fam.head.name)
    assert view.model.text(view.model.rows[head_row], 2) == "Kepala Keluarga"
    assert view.model.text(view.model.rows[head_row], 3) in ("Laki-laki", "Perempuan")
    assert view.banner.isHidden()
    qtmodeltester.check(view.model)
    assert messages == []


def test_change_head_asks_the_old_heads_relation(village: Any, qtbot: Any, messages: Any,
                                                 monkeypatch: Any) -> None:
    fam = _families(village)[0]
    view = _open(village, qtbot, fam.id)
    new_head = next(m for m in fam.members if m.id != fam.head_resident_id and m.status == STATUS_ALIVE)
    asked: list[str] = []

    def answer(parent: Any, title: str, prompt: str, options: list[Any], current: int = 0) -> Any:
        asked.append(prompt)
        return 7  # ORANGTUA

    monkeypatch.setattr(family_view, "ask_choice", answer)
    assert not view.head_button.isEnabled()
    view.select_member(new_head.id)
    assert view.head_button.isEnabled()
    qtbot.mouseClick(view.head_button, Qt.MouseButton.LeftButton)
    assert asked and fam.head.name in asked[0]
    after = village.services.residents.family(village.require_actor(), fam.id)
    assert after.head_resident_id == new_head.id
    old = next(m for m in after.members if m.id == fam.head_resident_id)
    assert old.family_relation == 7
    assert view.values["head"].text() == new_head.name  # refreshed through data_changed
    assert [m for m in messages if m[0] == "error"] == []


def test_split_kk_with_the_heads_leaving_asks_for_a_new_head(village: Any, qtbot: Any, messages: Any,
                                                             monkeypatch: Any) -> None:
    ctx = village
    fam = _families(ctx)[0]
    view = _open(ctx, qtbot, fam.id)
    alive = [m for m in fam.members if m.status == STATUS_ALIVE]
    staying = next(m for m in alive if m.id != fam.head_resident_id)
    leaving = [m.id for m in alive if m.id != staying.id]
    dialog = view.split()
    assert dialog is not None
    qtbot.addWidget(dialog)
    # nothing ticked: an inline message, nothing saved
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result_ is None and not dialog.error.isHidden()
    dialog.set_checked(leaving)
    dialog.set_head(fam.head_resident_id)
    qtbot.keyClicks(dialog.kk, "3510012101250001")
    asked: list[Any] = []
    monkeypatch.setattr(family_view, "ask_choice",
                        lambda parent, title, prompt, options, current=0: asked.append(options) or options[0][1])
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [m for m in messages if m[0] == "error"] == [], messages
    _old, new = dialog.result_
    assert new.kk_number == "3510012101250001" and new.head_resident_id == fam.head_resident_id
    assert {m.id for m in new.members} == set(leaving)
    # the old KK lost its head: staff were asked and chose the one who stayed
    assert asked and asked[0] == [(f"{staying.name} ({family_view.relation_name(staying.family_relation)})",
                                   staying.id)]
    after = ctx.services.residents.family(ctx.require_actor(), fam.id)
    assert after.head_resident_id == staying.id
    assert view.model.rowCount() == len(after.members) and view.banner.isHidden()
    assert any("3510012101250001" in text for kind, text in messages if kind == "info")


def test_move_member_to_another_kk(village: Any, qtbot: Any, messages: Any) -> None:
    ctx = village
    families = _families(ctx, min_alive=2)
    fam, target = families[0], families[1]
    member = next(m for m in fam.members if m.id != fam.head_resident_id and m.status == STATUS_ALIVE)
    view = _open(ctx, qtbot, fam.id)
    view.select_member(member.id)
    dialog = view.move_selected()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.kk, "3510019999999999")
    assert not dialog.ok_button.isEnabled() and dialog.target_label.text() == "Tidak ada keluarga dengan No. KK ini."
    dialog.kk.clear()
    qtbot.keyClicks(dialog.kk, target.kk_number)
    assert dialog.ok_button.isEnabled() and target.head.name in dialog.target_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no relation chosen yet
    assert dialog.result_ is None and not dialog.error.isHidden()
    dialog.relation.setCurrentIndex(dialog.relation.findData(9))  # FAMILI LAIN
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result_ is not None and messages == []
    moved = ctx.services.residents.get(ctx.require_actor(), member.id)
    assert moved.family_id == target.id and moved.kk_number == target.kk_number and moved.family_relation == 9
    assert member.id not in [m.id for m in view.model.rows]


def test_add_member_by_search(village: Any, qtbot: Any, messages: Any) -> None:
    ctx = village
    families = _families(ctx, min_alive=2)
    fam, other = families[0], families[1]
    newcomer = next(m for m in other.members if m.id != other.head_resident_id and m.status == STATUS_ALIVE)
    view = _open(ctx, qtbot, fam.id)
    dialog = view.add_member()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.relation.findData(RELATION_HEAD) == -1  # the family has a head already
    qtbot.keyClicks(dialog.search.query, newcomer.nik or newcomer.name)
    dialog.search.search_now()
    row = next(i for i, r in enumerate(dialog.search.rows) if r.id == newcomer.id)
    dialog.search.results.setCurrentRow(row)
    dialog.relation.setCurrentIndex(dialog.relation.findData(5))  # MENANTU
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert messages == []
    assert newcomer.id in [m.id for m in view.model.rows]


@pytest.mark.parametrize(("kind", "status"), [("missing", STATUS_MISSING), ("gone", STATUS_GONE)])
def test_record_missing_or_gone(village: Any, qtbot: Any, messages: Any, monkeypatch: Any, kind: str,
                                status: int) -> None:
    from ui.dialogs.resident_events import EventDialog

    ctx = village
    fam = _families(ctx)[0]
    member = next(m for m in fam.members if m.id != fam.head_resident_id and m.status == STATUS_ALIVE)
    detail = ResidentDetailDialog(ctx, member.id)
    qtbot.addWidget(detail)
    shown: list[EventDialog] = []

    def fake_exec(dialog: EventDialog) -> int:
        shown.append(dialog)
        qtbot.keyClicks(dialog.fields["note"], "Tidak diketahui keberadaannya sejak Lebaran")
        dialog.save()
        return int(dialog.result())

    monkeypatch.setattr(EventDialog, "exec", fake_exec)
    action = detail.findChild(QAction, f"action_{kind}")
    assert action is not None
    action.trigger()
    assert shown and messages == []
    after = ctx.services.residents.get(ctx.require_actor(), member.id)
    assert after.status == status
    event = ctx.services.residents.events(ctx.require_actor(), member.id)[-1]
    assert event.kind == "status_change" and event.details["note"].startswith("Tidak diketahui")
