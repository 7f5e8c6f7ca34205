"""Sync commands: ``enroll --server URL --code CODE --user ADMIN [--name NAME]``, ``sync [--once] [--json]``,
``sync status``, ``sync export-queue FILE --user ADMIN`` (a revoked device's unsent changes) and
``sync duplicates [--fix --user NAME]`` (letters numbered twice before enrolment).

Who may run them (issue 20.7; enforced in the services): ``sync`` and ``sync status`` may run as the
program itself (a scheduled task), or for ``--user`` with ``sync.run``; ``enroll`` and ``export-queue``
need an administrator's ``--user`` (``sync.enroll``, ``sync.export_queue``)."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _

log = logging.getLogger(__name__)


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("enroll", parents=[parent], help=_("enroll this computer at the district server"))
    p.add_argument("--server", required=True, help=_("address of the district server, e.g. https://sync.example"))
    p.add_argument("--code", required=True, help=_("one-time enrollment code from the district"))
    p.add_argument("--name", help=_("name of this computer at the district"))
    p.add_argument("--user", help=_("an administrator (password from SMART_KAMPUNG_PASSWORD or a prompt)"))
    p.set_defaults(handler=cmd_enroll)

    p = sub.add_parser("sync", parents=[parent], help=_("synchronise with the district server"))
    p.add_argument("--once", action="store_true", help=_("one sync, then exit"))
    p.add_argument("--user", help=_("the user who syncs (default: the program itself)"))
    p.set_defaults(handler=cmd_sync)
    ssub = p.add_subparsers(dest="sync_command")
    e = ssub.add_parser("export-queue", parents=[parent], help=_("write the changes not yet sent to a file"))
    e.add_argument("file")
    e.add_argument("--user", help=_("an administrator (password from SMART_KAMPUNG_PASSWORD or a prompt)"))
    e.set_defaults(handler=cmd_export_queue)
    s = ssub.add_parser("status", parents=[parent], help=_("show the sync status"))
    s.set_defaults(handler=cmd_status)
    d = ssub.add_parser("duplicates", parents=[parent],
                        help=_("letters numbered twice before enrolment, and their fix"))
    d.add_argument("--fix", action="store_true",
                   help=_("void each one and issue it again under a new number from the district"))
    d.add_argument("--user", help=_("who looks (letters) or fixes (a supervisor)"))
    d.set_defaults(handler=cmd_duplicates)


def _client(args: argparse.Namespace) -> Any:
    from sync.client import SyncClient

    services = open_services(args)
    return services, SyncClient(services.store)


def cmd_enroll(args: argparse.Namespace) -> int:
    services, client = _client(args)
    actor = login(services, args.user)
    resp = client.enroll(args.server, args.code, name=args.name, actor=actor)
    emit(args, {"ok": True, "device_id": resp.device_id, "village": resp.village, "role": resp.role},
         _("Enrolled at {server} as device {device} of village {village}.").format(
             server=args.server, device=resp.device_id, village=resp.village))
    services.store.close()
    return 0


def _report_text(report: Any, status: Any) -> str:
    lines = [status.label()]
    if status.detail():
        lines.append(status.detail())
    lines.append(_("sent {sent}, acknowledged {acked}, conflicts {conflicts}, rejected {rejected}, "
                   "received {pulled}").format(sent=report.sent, acked=report.acked, conflicts=report.conflicts,
                                               rejected=report.rejected, pulled=report.pulled))
    if report.error:
        lines.append(_("Problem: {error}").format(error=report.error))
    return "\n".join(lines)


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.services import sync_state as st

    services, client = _client(args)
    actor = login(services, args.user) if getattr(args, "user", None) else None
    try:
        while True:
            report = client.run_cycle(force=True, actor=actor)
            try:
                with services.store.read() as s:
                    status = st.status(s)
            except Exception as exc:  # the disk that stopped the cycle may stop this read too
                if report.outcome != "storage":
                    raise
                log.warning("status unreadable after a storage failure: %s", exc)
                status = st.SyncStatus(state="failed", last_error=report.error)
            if report.outcome == "storage" and status.state == "synced":
                status.state, status.last_error = "failed", report.error  # the note could not be written
            emit(args, {"ok": report.ok, "report": report.to_json(), "status": status.to_json()},
                 lambda report=report, status=status: _report_text(report, status))
            if args.once:
                return 0 if report.ok else 1
            from kiosk import settings

            with services.store.read() as s:
                interval = float(settings.get(s, settings.SYNC_INTERVAL_SECONDS))
            time.sleep(min(interval, report.retry_in or interval))
    finally:
        services.store.close()


def cmd_status(args: argparse.Namespace) -> int:
    services = open_services(args)
    status = services.sync.status()
    emit(args, status.to_json(), lambda: "\n".join(x for x in (status.label(), status.detail()) if x))
    services.store.close()
    return 0


def cmd_export_queue(args: argparse.Namespace) -> int:
    services, client = _client(args)
    n = client.export_queue(Path(args.file), actor=login(services, args.user))
    emit(args, {"ok": True, "changes": n, "file": args.file},
         _("{n} changes not acknowledged by the district written to {file}.").format(n=n, file=args.file))
    services.store.close()
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        actor = login(services, args.user)
        if args.fix:
            fixed = services.duplicates.fix(actor)
            emit(args, {"ok": True, "fixed": [f.to_json() for f in fixed]}, lambda: "\n".join(
                [_("{n} letters issued again under a new number; the old ones are void.").format(n=len(fixed))]
                + [f"  {f.number}  →  {f.new_number}" for f in fixed]))
            return 0
        found = services.duplicates.list(actor)
        fix = "smart-kampung sync duplicates --fix --user NAME"

        def text() -> str:
            if not found:
                return _("No letters numbered twice.")
            lines = [_("{n} letters carry numbers the district holds for other letters of the village "
                       "(numbered before enrolment):").format(n=len(found))]
            lines += [f"  {d.number}  {d.issued_on:%d-%m-%Y}  {d.letter_type}  {d.resident_name}" for d in found]
            lines.append(_("Fix: void them and issue them again under new numbers: {command}").format(command=fix))
            return "\n".join(lines)

        emit(args, {"ok": True, "duplicates": [d.to_json() for d in found], "fix": fix}, text)
        return 0
    finally:
        services.store.close()
