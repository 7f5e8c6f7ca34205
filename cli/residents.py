"""Resident commands: ``residents import FILE``, ``residents export FILE.xlsx``, ``residents search TEXT``.

They call the same ``ResidentService`` as the Penduduk screen. Import prints exact counts and exits
non-zero when no row could be imported (never "success" with nothing imported).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("residents", parents=[parent], help=_("import, export and search residents"))
    rsub = p.add_subparsers(dest="residents_command", required=True, metavar=_("COMMAND"))

    user = argparse.ArgumentParser(add_help=False)
    user.add_argument("--user", required=True, help=_("user name (password from SMART_KAMPUNG_PASSWORD)"))

    i = rsub.add_parser("import", parents=[parent, user], help=_("import an OpenSID resident workbook or CSV"))
    i.add_argument("file", help=_("the .xlsx, .xlsm or .csv file"))
    i.add_argument("--dry-run", action="store_true", help=_("check everything, write nothing"))
    i.add_argument("--rejects", metavar="OUT.csv", help=_("write the rejected rows and the warnings with their reasons to a CSV "
                                                        "(checked before anything is imported)"))
    i.set_defaults(handler=cmd_import)

    e = rsub.add_parser("export", parents=[parent, user], help=_("export all residents as an OpenSID workbook"))
    e.add_argument("file", help=_("the .xlsx file to write"))
    e.add_argument("--active-only", action="store_true", help=_("only residents with status HIDUP"))
    e.set_defaults(handler=cmd_export)

    s = rsub.add_parser("search", parents=[parent, user], help=_("search residents by name, NIK or No. KK"))
    s.add_argument("text", help=_("name words or the first digits of a NIK / No. KK"))
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--dusun")
    s.add_argument("--rt")
    s.add_argument("--rw")
    s.add_argument("--status", type=int, help=_("status code (1 hidup, 2 mati, 3 pindah, ...)"))
    s.set_defaults(handler=cmd_search)


def _summary(report: Any) -> str:
    from kiosk.services.import_report_text import report_lines

    return "\n".join(report_lines(report))


def cmd_import(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    last = [-1]

    def progress(done: int, total: int) -> None:
        if args.json or not sys.stderr.isatty() or total == 0:
            return
        percent = done * 100 // total
        if percent != last[0]:
            last[0] = percent
            print(_("\rImporting… {percent}%").format(percent=percent), end="", file=sys.stderr, flush=True)

    report = services.residents.import_residents(actor, args.file, dry_run=args.dry_run, progress=progress,
                                                 rejects_path=args.rejects)
    if last[0] >= 0:
        print(file=sys.stderr)
    emit(args, report.to_json(), lambda: _summary(report))
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    count = services.residents.export_residents(actor, args.file, include_inactive=not args.active_only)
    emit(args, {"ok": True, "file": args.file, "residents": count},
         _("{n} residents written to {file}.").format(n=count, file=args.file))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from kiosk.services.residents_search import ResidentQuery

    services = open_services(args)
    actor = login(services, args.user)
    query = ResidentQuery(text=args.text, dusun=args.dusun, rt=args.rt, rw=args.rw, status=args.status)
    page = services.residents.search(actor, query, limit=max(1, args.limit))
    rows = [r._asdict() for r in page.rows]

    def text() -> str:
        if not rows:
            return _("No resident found.")
        return "\n".join(f"{r['nik'] or _('(no NIK)'):<16}  {r['name']:<30}  RT {r['rt'] or '-'}/RW {r['rw'] or '-'}  "
                         f"{r['dusun']}" for r in rows)

    emit(args, {"ok": True, "results": rows, "more": page.next_cursor is not None}, text)
    return 0
