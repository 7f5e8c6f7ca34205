"""APBDes commands: ``apbdes import FILE``, ``apbdes export FILE``, ``apbdes show``, ``apbdes report``,
``apbdes poster``, ``apbdes set`` — the same ``ApbdesService`` as the APBDes screen.

``import`` checks the whole file first; with ``--dry-run`` it only reports. It exits non-zero when the
file has rejects (then nothing was imported).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("apbdes", parents=[parent], help=_("the village budget (APBDes): import, show, print"))
    asub = p.add_subparsers(dest="apbdes_command", required=True, metavar=_("COMMAND"))
    user = argparse.ArgumentParser(add_help=False)
    user.add_argument("--user", required=True, help=_("user name (password from SMART_KAMPUNG_PASSWORD)"))
    year = argparse.ArgumentParser(add_help=False)
    year.add_argument("--year", type=int, default=None, help=_("budget year (default: this year)"))

    i = asub.add_parser("import", parents=[parent, user], help=_("import a Siskeudes zip or the APBDes template"))
    i.add_argument("file", help=_("the Siskeudes .zip, or the template .xlsx/.csv"))
    i.add_argument("--dry-run", action="store_true", help=_("check everything, write nothing"))
    i.add_argument("--kd-desa", help=_("the village's Siskeudes Kd_Desa (default: from the village code)"))
    i.set_defaults(handler=cmd_import)

    e = asub.add_parser("export", parents=[parent, user, year], help=_("write the year's budget to the template"))
    e.add_argument("file", help=_("the .xlsx or .csv file to write"))
    e.set_defaults(handler=cmd_export)

    s = asub.add_parser("show", parents=[parent, user, year], help=_("the budget tree with realization"))
    s.add_argument("--version", type=int, default=None, help=_("0 = induk, 1.. = perubahan (default: latest)"))
    s.add_argument("--depth", type=int, default=2, help=_("how deep to show the tree"))
    s.set_defaults(handler=cmd_show)

    r = asub.add_parser("report", parents=[parent, user, year],
                        help=_("Laporan Realisasi Pelaksanaan APBDes (PDF)"))
    r.add_argument("--period", choices=["semester1", "akhir"], default="semester1")
    r.add_argument("--out", required=True, help=_("the PDF file to write"))
    r.set_defaults(handler=cmd_report)

    o = asub.add_parser("poster", parents=[parent, user, year], help=_("the transparency poster (PDF)"))
    o.add_argument("--size", choices=["A3", "A1"], default="A3")
    o.add_argument("--out", required=True, help=_("the PDF file to write"))
    o.set_defaults(handler=cmd_poster)

    u = asub.add_parser("submit-report", parents=[parent, user, year],
                        help=_("send the realization report of a period to the district"))
    u.add_argument("--period", choices=["semester1", "akhir"], required=True)
    u.set_defaults(handler=cmd_submit)

    t = asub.add_parser("set-status", parents=[parent, user, year],
                        help=_("move the APBDes to its next state (disepakati_bpd, dievaluasi, ditetapkan)"))
    t.add_argument("status", choices=["draft", "disepakati_bpd", "dievaluasi", "ditetapkan"])
    t.add_argument("--version", type=int, default=None)
    t.add_argument("--perdes-no", help=_("Perdes number (before setting)"))
    t.add_argument("--perdes-date", type=dt.date.fromisoformat, help=_("Perdes date, YYYY-MM-DD"))
    t.set_defaults(handler=cmd_status)


def _year(args: argparse.Namespace) -> int:
    return int(args.year or dt.date.today().year)


def cmd_import(args: argparse.Namespace) -> int:
    from kiosk.budget.importing import ImportRefused

    services = open_services(args)
    actor = login(services, args.user)
    try:
        report = services.apbdes.import_file(actor, Path(args.file), dry_run=args.dry_run, kd_desa=args.kd_desa)
    except ImportRefused as e:
        report = e.report
    emit(args, report.to_json(), report.text)
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    path = services.apbdes.export_template(actor, _year(args), Path(args.file))
    emit(args, {"ok": True, "file": str(path)}, _("Written to {file}.").format(file=path))
    return 0


def _tree_text(view: Any, depth: int) -> str:
    from kiosk.budget.money import format_rupiah as rp
    from kiosk.budget.service import STATUS_LABELS

    a = view.apbdes
    out = [f"{a.label} — {view.village_name} — {_(STATUS_LABELS.get(a.status, a.status))}"]
    if a.perdes_no:
        out.append(_("Perdes {number} ({date})").format(number=a.perdes_no, date=a.perdes_date or "-"))
    out.append(f"{_('Code'):<22} {_('Name'):<44} {_('Budget'):>17} {_('Realization'):>17} {'%':>7}")
    for top in view.tree:
        for node in top.walk():
            if node.level > depth:
                continue
            pct = node.percent
            out.append(f"{'  ' * node.level + node.code:<22} {node.name[:44]:<44} {rp(node.budget):>17} "
                       f"{rp(node.realization):>17} {'' if pct is None else str(pct):>7}")
    b = view.budget
    out.append(_("Surplus/(defisit) {s} · pembiayaan netto {n} · SiLPA {silpa}").format(
        s=rp(b.surplus, parentheses=True), n=rp(b.pembiayaan_netto), silpa=rp(b.silpa, parentheses=True)))
    out.append(_("Realization as of {date}").format(date=view.as_of or "-"))
    return "\n".join(out)


def cmd_show(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    view = services.apbdes.view(actor, _year(args), args.version)
    emit(args, {"ok": True, **view.to_json()}, lambda: _tree_text(view, args.depth))
    return 0


def _write_pdf(path: str, data: bytes) -> Path:
    from kiosk import durable

    out = Path(path)
    durable.write_bytes(out, data)
    return out


def cmd_report(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    out = _write_pdf(args.out, services.apbdes.report_pdf(actor, _year(args), args.period))
    emit(args, {"ok": True, "file": str(out)}, _("Written to {file}.").format(file=out))
    return 0


def cmd_poster(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    out = _write_pdf(args.out, services.apbdes.poster_pdf(actor, _year(args), size=args.size))
    emit(args, {"ok": True, "file": str(out)}, _("Written to {file}.").format(file=out))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.budget.service import STATUS_LABELS

    services = open_services(args)
    actor = login(services, args.user)
    info = services.apbdes.find(actor, _year(args), args.version)
    if args.perdes_no or args.perdes_date:
        info = services.apbdes.update_header(actor, info.id, perdes_no=args.perdes_no, perdes_date=args.perdes_date)
    info = services.apbdes.transition(actor, info.id, args.status)
    emit(args, {"ok": True, "apbdes": info.to_json()},
         _("{label}: {status}").format(label=info.label, status=_(STATUS_LABELS.get(info.status, info.status))))
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    sent = services.apbdes.submit_report(actor, _year(args), args.period)
    emit(args, {"ok": True, "report": sent},
         _("The report was queued for the district (sent with the next sync)."))
    return 0
