"""Settings commands: ``smart-kampung settings get [KEY]`` and ``settings set KEY VALUE`` (admin)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli import emit, login, open_services
from kiosk.i18n import _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("settings", parents=[parent], help=_("read or change the office's settings"))
    ssub = p.add_subparsers(dest="settings_command", required=True)
    g = ssub.add_parser("get", parents=[parent], help=_("show one setting, or all of them"))
    g.add_argument("key", nargs="?", help=_("the setting, e.g. printing.paper"))
    g.set_defaults(handler=cmd_get)
    s = ssub.add_parser("set", parents=[parent], help=_("change a setting (checked like the Settings screen)"))
    s.add_argument("key", help=_("the setting, e.g. printing.paper"))
    s.add_argument("value", help=_("the new value (margins: top=20,right=20,bottom=20,left=25)"))
    s.add_argument("--user", help=_("the administrator who changes it (password from SMART_KAMPUNG_PASSWORD)"))
    s.set_defaults(handler=cmd_set)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cmd_get(args: argparse.Namespace) -> int:
    services = open_services(args)
    prefs = services.preferences
    if args.key:
        d = prefs.definition(args.key)
        value = prefs.get(d)
        emit(args, {"key": d.key, "value": value, "default": d.default, "label": _(d.label)},
             f"{d.key} = {_show(value)}")
        return 0
    values = prefs.all()
    emit(args, {"settings": values}, lambda: "\n".join(f"{k:32} {_show(v)}" for k, v in sorted(values.items())))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from kiosk.services.preferences import parse_text

    services = open_services(args)
    actor = login(services, args.user)
    prefs = services.preferences
    d = prefs.definition(args.key)
    prefs.set(actor, d, parse_text(d, args.value))
    value = prefs.get(d)
    emit(args, {"ok": True, "key": d.key, "value": value},
         _("{key} is now {value}.").format(key=d.key, value=_show(value)))
    return 0
