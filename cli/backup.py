"""Backups: ``smart-kampung backup [FILE]``, ``smart-kampung backup list [--json]``,
``smart-kampung restore FILE [--yes] [--user NAME]``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[parent],
                       help=_("back up the database and archived letters (\"backup list\" lists them)"))
    p.add_argument("file", nargs="?", metavar="FILE",
                   help=_("output file (.zip); without it, into the backups folder; \"list\" lists the backups"))
    p.add_argument("--user", help=_("the user making the backup (default: the program itself)"))
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", parents=[parent], help=_("restore a backup (the current data is backed up first)"))
    p.add_argument("file", metavar="FILE", help=_("the backup file (.zip)"))
    p.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    p.add_argument("--user", help=_("an administrator (not needed in a data directory without an office)"))
    p.set_defaults(handler=cmd_restore)


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(n, 1) / 1024:.0f} KB"


def check_label(check: str) -> str:
    return {"ok": _("OK"), "damaged": _("damaged"), "foreign": _("not usable"),
            "unchecked": _("not checked")}.get(check, check)


def reason_label(reason: str) -> str:
    return {"manual": _("manual"), "daily": _("daily"), "pre-migration": _("before upgrade"),
            "pre-restore": _("before restore")}.get(reason, reason)


def cmd_backup(args: argparse.Namespace) -> int:
    services = open_services(args)
    if args.file == "list":
        return _list(args, services)
    actor = login(services, args.user) if args.user else None
    result = services.backup.create(actor, "manual", target_file=args.file) if args.file \
        else services.backup.create(actor, "manual")
    info = result.backup
    data = {"ok": True, "backup": info.to_json(),
            "second_copy": str(result.second_copy) if result.second_copy else None,
            "second_copy_error": result.second_copy_error, "removed": [str(p) for p in result.removed]}

    def text() -> str:
        lines = [_("Backup saved: {path} ({size}, check {check}).").format(
            path=info.path, size=_size(info.size), check=check_label(info.check))]
        if result.second_copy:
            lines.append(_("Second copy: {path}").format(path=result.second_copy))
        if result.second_copy_error:
            lines.append(result.second_copy_error)
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def _list(args: argparse.Namespace, services: Any) -> int:
    backups = services.backup.list()
    second = services.backup.second_folder()
    extra = services.backup.list(second) if second and second.is_dir() else []

    def text() -> str:
        if not backups and not extra:
            return _("No backups yet in {folder}.").format(folder=services.store.paths.backups)
        lines = []
        for folder, items in ((services.store.paths.backups, backups), (second, extra)):
            if not items:
                continue
            lines.append(f"{folder}:")
            for b in items:
                created = f"{b.created:%Y-%m-%d %H:%M} UTC" if b.created else "?"
                line = f"  {created}  {reason_label(b.reason):<16} {_size(b.size):>9}  {check_label(b.check)}  {b.name}"
                if b.problem:
                    line += f"\n      {b.problem}"
                lines.append(line)
        return "\n".join(lines)

    emit(args, {"ok": True, "backups": [b.to_json() for b in backups],
                "second_folder": [b.to_json() for b in extra]}, text)
    return 0 if all(b.ok for b in backups + extra) else 1


def cmd_restore(args: argparse.Namespace) -> int:
    services = open_services(args)
    backup = services.backup
    info = backup.verify(args.file)  # refuse a damaged or foreign file before asking anything
    actor = login(services, args.user) if services.office.is_configured() else None
    if not args.yes:
        if not sys.stdin.isatty():
            print(_("Add --yes to restore without a question."), file=sys.stderr)
            return 2
        created = f"{info.created:%Y-%m-%d %H:%M} UTC" if info.created else "?"
        answer = input(_("Replace ALL data in {folder} with the backup of {village} made {created}? "
                         "The current data is backed up first. [y/N] ").format(
            folder=services.store.paths.root, village=info.village_name or info.village_code, created=created))
        if answer.strip().lower() not in ("y", "ya", "yes"):
            print(_("Nothing was restored."))
            return 1
    result = backup.restore(actor, args.file)
    data = {"ok": True, "restored": result.restored.to_json(),
            "pre_restore": result.pre_restore.to_json() if result.pre_restore else None,
            "needs_reenroll": result.needs_reenroll}

    def text() -> str:
        lines = [_("Restored the backup made {created}.").format(
            created=f"{result.restored.created:%Y-%m-%d %H:%M} UTC" if result.restored.created else "?")]
        if result.pre_restore:
            lines.append(_("The data before the restore was saved as {path}.").format(path=result.pre_restore.path))
        if result.needs_reenroll:
            lines.append(_("This device must be enrolled with the district again before it syncs."))
        return "\n".join(lines)

    emit(args, data, text)
    return 0
