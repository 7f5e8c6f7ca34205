"""The command line: ``smart-kampung COMMAND ...``. Each command group lives in its own module here
and registers itself through ``register(subparsers)``; all call the same services as the screens."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.errors import DomainError
from kiosk.i18n import _

log = logging.getLogger(__name__)

# Command modules; a feature adds its module name here.
COMMAND_MODULES = ["cli.core", "cli.letters", "cli.backup", "cli.sync", "cli.residents", "cli.settings",
                   "cli.books", "cli.apbdes"]


def common_parent(*, for_subcommand: bool = False) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command name.

    On sub-commands their defaults are suppressed, so ``--data-dir X residents ...`` is not undone by
    the sub-command's own (absent) ``--data-dir``.
    """
    default: Any = argparse.SUPPRESS if for_subcommand else None
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--data-dir", default=default,
                        help=_("data directory (default: SMART_KAMPUNG_DATA_DIR or the user data dir)"))
    parent.add_argument("--lang", choices=["id", "en"], default=default, help=_("language of messages"))
    parent.add_argument("--json", action="store_true", default=argparse.SUPPRESS if for_subcommand else False,
                        help=_("print machine-readable JSON"))
    return parent


def translate_argparse() -> None:
    """argparse's own words ("usage:", "options", its errors) in the user's language: argparse looks
    them up through its module's ``_``/``ngettext`` (GNU gettext), pointed here at ours."""
    from kiosk import i18n

    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    translate_argparse()
    parent = common_parent(for_subcommand=True)
    parser = argparse.ArgumentParser(
        prog="smart-kampung",
        description=_("Smart Kampung: the village office program. Without a command, the staff program starts."),
        parents=[common_parent()],
    )
    parser.add_argument("--kiosk", action="store_true", help=_("start the self-service kiosk"))
    parser.add_argument("--demo", action="store_true", help=_("use a demo village on first run"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, parent)
    return parser


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """Print ``data`` as JSON with ``--json``, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text() if callable(text) else text)


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command; domain errors print in the user's language with a non-zero exit."""
    from kiosk.i18n import set_language

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv:
        i = argv.index("--lang")
        if i + 1 < len(argv):
            set_language(argv[i + 1])
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except DomainError as e:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": e.to_json()}, ensure_ascii=False))
        else:
            print(_("Error: {message}").format(message=e.user_message()), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a full disk or a damaged database met outside a service: the clear message
        from kiosk.storage_errors import classify

        storage = classify(e)
        if storage is None:
            raise
        log.error("command stopped by a storage error: %s", e)
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": storage.to_json()}, ensure_ascii=False))
        else:
            print(_("Error: {message}").format(message=storage.user_message()), file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `smart-kampung ... | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def open_services(args: argparse.Namespace) -> Any:
    """The services over the data directory named by ``--data-dir`` (migrated, logging set up)."""
    from kiosk.db import Store
    from kiosk.logging_setup import setup_logging
    from kiosk.services import Services

    store = Store.open(args.data_dir)
    setup_logging(store.paths.logs)
    return Services(store)


def login(services: Any, username: str | None) -> Any:
    """Sign in a user for a command: password from SMART_KAMPUNG_PASSWORD or a prompt."""
    import getpass
    import os

    from kiosk.errors import AuthenticationFailed

    if not username:
        raise AuthenticationFailed(_("Give the user with --user NAME."))
    password = os.environ.get("SMART_KAMPUNG_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise AuthenticationFailed(_("Set SMART_KAMPUNG_PASSWORD or run in a terminal to type the password."))
        password = getpass.getpass(_("Password for {user}: ").format(user=username))
    return services.users.authenticate(username, password)
