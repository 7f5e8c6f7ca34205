"""Core commands: init (set up an office without the GUI), demo-data, audit verify, users, info."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from cli import emit, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[parent], help=_("set up an office without the GUI"))
    p.add_argument("--village", required=True, help=_("Kemendagri village code, e.g. 35.10.01.2001"))
    p.add_argument("--village-name", help=_("name of the desa/kelurahan (looked up when known)"))
    p.add_argument("--kecamatan", help=_("name of the kecamatan (looked up when known)"))
    p.add_argument("--kabupaten", help=_("name of the kabupaten/kota (looked up when known)"))
    p.add_argument("--provinsi", help=_("name of the province (looked up when known)"))
    p.add_argument("--address", default="")
    p.add_argument("--head", default="", help=_("name of the head of village"))
    p.add_argument("--secretary", default="", help=_("name of the village secretary"))
    p.add_argument("--admin", default="admin", help=_("username of the first administrator"))
    p.add_argument("--admin-name", default="Administrator")
    p.add_argument("--role", choices=["office", "kiosk"], default="office")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo-data", parents=[parent], help=_("fill the data directory with a demo village"))
    p.add_argument("--residents", type=int, default=2000, help=_("number of residents (up to 100000)"))
    p.add_argument("--seed", type=int, default=2016)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("audit", parents=[parent], help=_("the audit trail"))
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", parents=[parent], help=_("check the audit trail's hash chain"))
    v.set_defaults(handler=cmd_audit_verify)

    p = sub.add_parser("info", parents=[parent], help=_("version, schema and data directory"))
    p.set_defaults(handler=cmd_info)


def cmd_init(args: argparse.Namespace) -> int:
    from kiosk.services.office import office_info_from_code

    services = open_services(args)
    info = office_info_from_code(
        args.village,
        village_name=args.village_name,
        kecamatan=args.kecamatan,
        kabupaten=args.kabupaten,
        provinsi=args.provinsi,
    )
    info.address = args.address
    info.head_name = args.head
    info.secretary_name = args.secretary
    password = os.environ.get("SMART_KAMPUNG_PASSWORD")
    if password is None:
        import getpass

        if not sys.stdin.isatty():
            print(_("Set SMART_KAMPUNG_PASSWORD for the administrator's password."), file=sys.stderr)
            return 2
        password = getpass.getpass(_("Password for {user}: ").format(user=args.admin))
    # Validate the password before anything is written, so a failed init leaves nothing behind.
    from kiosk.services.users import _check_password

    _check_password(password)
    device = services.office.setup(info, role=args.role)
    services.users.create_first_admin(username=args.admin, full_name=args.admin_name, password=password)
    emit(args, {"ok": True, "village": info.village_code, "device": device.id, "data_dir": str(services.store.paths.root)},
         _("Office {village} ({name}) is set up in {path}.").format(
             village=info.village_code, name=info.village_name, path=services.store.paths.root))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.services.demo import create_demo_village

    services = open_services(args)
    summary = create_demo_village(services, residents=args.residents, seed=args.seed)
    emit(args, {"ok": True, **summary},
         _("Demo village {name} with {n} residents in {families} families. Users: admin, operator, kades "
           "(password demo-kampung).").format(name=summary["village_name"], n=summary["residents"],
                                               families=summary["families"]))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kiosk.changes import verify_audit_chain

    services = open_services(args)
    with services.store.read() as s:
        result = verify_audit_chain(s)
    data = {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq,
            "reason": result.reason}
    if result.ok:
        emit(args, data, _("Audit trail intact: {n} entries checked.").format(n=result.checked))
        return 0
    emit(args, data, _("Audit trail broken at entry {seq} ({reason}); {n} entries before it are intact.").format(
        seq=result.first_bad_seq, reason=result.reason, n=result.checked))
    return 1


def cmd_info(args: argparse.Namespace) -> int:
    from kiosk import __version__
    from kiosk.db import current_revision

    services = open_services(args)
    data = {"version": __version__, "schema": current_revision(services.store),
            "data_dir": str(services.store.paths.root), "configured": services.office.is_configured()}
    emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))
    return 0
