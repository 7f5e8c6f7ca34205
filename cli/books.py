"""Book and report commands: ``smart-kampung report monthly --month 2026-11 [--close]`` and
``smart-kampung books NAME --from --to --out FILE.pdf|.xlsx``. They call the same services as the
Buku Administrasi and Laporan Bulanan screens."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    r = sub.add_parser("report", parents=[parent], help=_("the monthly population report"))
    rsub = r.add_subparsers(dest="report_command", required=True, metavar=_("COMMAND"))
    m = rsub.add_parser("monthly", parents=[parent], help=_("compute, close or re-open the monthly report"))
    m.add_argument("--month", required=True, help=_("the month, YYYY-MM"))
    m.add_argument("--close", action="store_true", help=_("close the month (a snapshot sent to the district)"))
    m.add_argument("--reopen", metavar=_("REASON"), help=_("re-open a closed month, with the reason"))
    m.add_argument("--out", help=_("save the report as PDF to this file"))
    m.add_argument("--user", help=_("the user (needed to close or re-open; password from SMART_KAMPUNG_PASSWORD)"))
    m.set_defaults(handler=cmd_monthly)
    _register_books(sub, parent)


def _register_books(sub: Any, parent: argparse.ArgumentParser) -> None:
    from kiosk.books.catalog import BOOKS

    b = sub.add_parser("books", parents=[parent], help=_("print the village's administration books"))
    b.add_argument("name", choices=sorted(BOOKS), help=_("the book: {names}").format(names=", ".join(sorted(BOOKS))))
    b.add_argument("--from", dest="date_from", help=_("first day, YYYY-MM-DD"))
    b.add_argument("--to", dest="date_to", help=_("last day, YYYY-MM-DD"))
    b.add_argument("--dusun", help=_("only this dusun"))
    b.add_argument("--rw", help=_("only this RW"))
    b.add_argument("--rt", help=_("only this RT"))
    b.add_argument("--out", required=True, help=_("the .pdf or .xlsx file to write"))
    b.add_argument("--user", help=_("the user who prints it (default: the program itself)"))
    b.set_defaults(handler=cmd_books)


def _actor(services: Any, args: argparse.Namespace) -> Any:
    if getattr(args, "user", None):
        return login(services, args.user)
    from kiosk.actor import Actor

    return Actor.system("cli")


def _figures_text(info: Any) -> str:
    v = info.figures["village"]
    t = v["total"]
    labels = [("start", _("start of month")), ("births", _("births")), ("deaths", _("deaths")),
              ("moved_in", _("moved in")), ("moved_out", _("moved out")), ("end", _("end of month"))]
    states = {"open": _("not closed yet"), "closed": _("closed"), "reopened": _("re-opened")}
    lines = [_("Monthly population report {month} ({state})").format(month=info.month,
                                                                     state=states.get(info.state, info.state))]
    lines.append(f"{'':22} {'L':>6} {'P':>6} {'L+P':>6}")
    for key, label in labels:
        lines.append(f"{label:22} {t['L'][key]:>6} {t['P'][key]:>6} {t['all'][key]:>6}")
    f = v["families"]
    lines.append(_("Families (KK): {start} + {new} − {gone} = {end}").format(**f))
    if info.differs_from_events:
        lines.append(_("Note: the events changed since this month was closed; re-open it to correct it."))
    return "\n".join(lines)


def cmd_monthly(args: argparse.Namespace) -> int:
    services = open_services(args)
    reports = services.monthly_reports
    actor = login(services, args.user) if args.close or args.reopen else _actor(services, args)
    if args.reopen:
        info = reports.reopen(actor, args.month, args.reopen)
    if args.close:
        info = reports.close(actor, args.month)
    info = reports.compute(actor, args.month)
    out = None
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(reports.pdf(actor, args.month))
    data = {"ok": True, "month": info.month, "state": info.state, "revision": info.revision,
            "figures": info.figures, "differs_from_events": info.differs_from_events,
            "pdf": str(out) if out else None}
    emit(args, data, lambda: _figures_text(info) + (f"\nPDF: {out}" if out else ""))
    return 0


def _date(value: str | None) -> dt.date | None:
    from kiosk.errors import ValidationError
    from kiosk.i18n import N_

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(N_("Write dates as YYYY-MM-DD, e.g. 2026-11-01."), value=value) from None


def cmd_books(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = _actor(services, args)
    from kiosk.books.export import BookService

    result = BookService(services.store).export(
        actor, args.name, Path(args.out), date_from=_date(args.date_from), date_to=_date(args.date_to),
        dusun=args.dusun, rw=args.rw, rt=args.rt)
    emit(args, {"ok": True, "book": args.name, "rows": result.rows, "file": str(result.path)},
         _("{title}: {rows} rows written to {path}").format(title=result.title, rows=result.rows, path=result.path))
    return 0
