"""Smart Kampung's entry point: ``smart-kampung`` / ``python main.py``.

With a command (``init``, ``residents``, ``letters``...) it runs the command line; without one it
starts the staff program (``--kiosk``: the self-service kiosk). Heavy imports happen only on the path
that needs them, so the window appears quickly.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    wants_gui = not any(a and not a.startswith("-") for a in _positional(args))
    if wants_gui and "-h" not in args and "--help" not in args:
        from ui.app import run_gui

        return run_gui(args)
    from cli import run

    return run(args)


def _positional(args: list[str]) -> list[str]:
    """Arguments that are not options or option values (a command name, if any)."""
    takes_value = {"--data-dir", "--lang"}
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in takes_value:
            skip = True
            continue
        if not a.startswith("-"):
            out.append(a)
    return out


if __name__ == "__main__":
    sys.exit(main())
