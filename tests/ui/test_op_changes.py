"""A write says what it changed (kiosk.changes.OpChanges) and the runner tells every screen: no screen
has to call ctx.changed for it."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.changes import collect_changes
from kiosk.errors import ValidationError
from ui.runner import Runner


def test_a_write_through_the_runner_reaches_every_screen(ctx: Any) -> None:
    seen: list[str] = []
    ctx.signals.data_changed.connect(seen.append)
    answers: list[Any] = []
    actor = ctx.require_actor()
    ctx.runner.write(lambda: ctx.services.residents.register(actor, {"name": "Dewi Lestari", "sex": 2}),
                     answers.append)
    assert answers and seen == ["resident"]
    seen.clear()
    errors: list[BaseException] = []
    ctx.runner.write(lambda: ctx.services.residents.register(actor, {"name": "", "sex": 2}), None,
                     errors.append)
    assert isinstance(errors[0], ValidationError) and seen == []  # nothing committed, nothing told


def test_collected_ids_are_those_committed(ctx: Any) -> None:
    actor = ctx.require_actor()
    residents = ctx.services.residents
    with collect_changes() as outer:
        a = residents.register(actor, {"name": "Made Wirawan", "sex": 1}).id
        with pytest.raises(ValidationError):
            residents.edit(actor, a, {"sex": 99})
        residents.edit(actor, a, {"name": "Made Wirawan Putra"})
    changes = outer.result()
    assert changes.entities == {"resident"} and changes.ids["resident"] == {a}


def test_a_threaded_runner_broadcasts_before_on_done(ctx: Any, qtbot: Any) -> None:
    runner = Runner()
    order: list[str] = []
    runner.changes_committed.connect(lambda ch: order.append("changes:" + ",".join(sorted(ch.entities))))
    actor = ctx.require_actor()
    runner.write(lambda: ctx.services.residents.register(actor, {"name": "Nyoman Ayu", "sex": 2}),
                 lambda _r: order.append("done"))
    qtbot.waitUntil(lambda: len(order) == 2, timeout=10_000)
    assert order == ["changes:resident", "done"]  # lists refresh first; on_done may then select the new row
    runner.wait()
