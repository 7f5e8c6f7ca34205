"""Rotation: 7 daily, 4 weekly, 12 monthly (grandfather-father-son), the other kinds by count, with a
fake clock over 400 days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.services import Services
from kiosk.services.backup import parse_name, select_kept
from tests.helpers import make_services


def _local_day(created: dt.datetime) -> dt.date:
    return created.replace(tzinfo=dt.UTC).astimezone().date()


def _check_gfs(kept: list[tuple[str, dt.datetime]], all_days: list[dt.datetime]) -> None:
    """Exactly the newest of the 7 newest days, 4 newest weeks and 12 newest months; nothing else."""
    days = sorted({_local_day(c) for c in all_days}, reverse=True)
    newest_in: dict[object, dt.datetime] = {}
    for created in sorted(all_days, reverse=True):
        d = _local_day(created)
        for key in (("d", d), ("w", d.isocalendar()[:2]), ("m", (d.year, d.month))):
            newest_in.setdefault(key, created)
    wanted_days = days[:7]
    wanted_weeks = sorted({d.isocalendar()[:2] for d in days}, reverse=True)[:4]
    wanted_months = sorted({(d.year, d.month) for d in days}, reverse=True)[:12]
    expected = {newest_in[("d", d)] for d in wanted_days} | {newest_in[("w", w)] for w in wanted_weeks} | {
        newest_in[("m", m)] for m in wanted_months}
    kept_times = {c for _n, c in kept}
    assert kept_times == expected
    kept_days = {_local_day(c) for c in kept_times}
    assert len([d for d in kept_days if d in wanted_days]) == 7
    assert {d.isocalendar()[:2] for d in kept_days} >= set(wanted_weeks)
    assert len({(d.year, d.month) for d in kept_days}) == 12
    assert len(kept_times) <= 7 + 4 + 12


def test_daily_rotation_over_400_days_with_a_fake_clock(tmp_path: Path) -> None:
    services: Services = make_services(tmp_path / "d")
    backup = services.backup
    now = [dt.datetime(2025, 10, 1, 9, 30)]
    backup.clock = lambda: now[0]  # type: ignore[method-assign]
    made: list[dt.datetime] = []
    for day in range(400):
        now[0] = dt.datetime(2025, 10, 1, 9, 30) + dt.timedelta(days=day, minutes=(day * 7) % 50)
        result = backup.run_daily_if_due()
        assert result is not None, day
        made.append(now[0])
        assert backup.run_daily_if_due() is None  # once a day
    files = sorted(p.name for p in services.store.paths.backups.iterdir())
    kept = []
    for name in files:
        parsed = parse_name(name)
        assert parsed is not None and parsed[0] == "daily" and parsed[2] is not None, name
        kept.append((name, parsed[2]))
    _check_gfs(kept, made)
    assert all(b.ok for b in backup.list())
    services.store.close()


def test_manual_pre_migration_and_pre_restore_keep_their_newest_ten(tmp_path: Path) -> None:
    start = dt.datetime(2026, 1, 1, 8, 0)
    entries = []
    for reason in ("manual", "pre-migration", "pre-restore"):
        for i in range(15):
            entries.append((Path(f"{reason}-{i}"), reason, start + dt.timedelta(days=i)))
    keep = select_kept(entries, daily=7, weekly=4, monthly=12, other=10)
    for reason in ("manual", "pre-migration", "pre-restore"):
        assert {p.name for p in keep if p.name.startswith(reason + "-")} == {f"{reason}-{i}" for i in range(5, 15)}


def test_select_kept_with_two_backups_a_day_keeps_the_newest_of_each_day() -> None:
    start = dt.datetime(2026, 3, 1, 5, 0)
    entries = [(Path(f"b{i}"), "daily", start + dt.timedelta(hours=12 * i)) for i in range(800)]
    keep = select_kept(entries, daily=7, weekly=4, monthly=12, other=10)
    _check_gfs([(p.name, c) for p, _r, c in entries if p in keep], [c for _p, _r, c in entries])


def test_rotation_leaves_other_villages_and_foreign_files_alone(tmp_path: Path) -> None:
    services: Services = make_services(tmp_path / "d")
    folder = services.store.paths.backups
    for i in range(30):
        (folder / f"smart-kampung-3510022001-daily-202601{i % 28 + 1:02d}-0800{i:02d}.zip").write_bytes(b"x")
    (folder / "catatan.txt").write_text("jangan dihapus")
    services.backup.rotate()
    assert len(list(folder.glob("smart-kampung-3510022001-*"))) == 30
    assert (folder / "catatan.txt").exists()
    services.store.close()
