"""List source strings marked for translation (``_``, ``N_``, ``ngettext``) that have no Indonesian
translation in ``resources/locale/id/*.po``. Exit 1 when any is missing.

    .venv/bin/python scripts/missing_translations.py [--po-stub]
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["kiosk", "ui", "cli", "sync", "forms", "main.py"]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def source_messages() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        path = ROOT / package
        targets = [(path.parent, path.name)] if path.is_file() else [(path, None)]
        for folder, only in targets:
            for filename, lineno, message, _comments, _context in extract_from_dir(
                folder, method_map=[("**.py", "python")], keywords=KEYWORDS
            ):
                if only and filename != only:
                    continue
                if "migrations" in filename or "district" in filename:
                    continue
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid:
                    found.setdefault(msgid, []).append(f"{folder.name}/{filename}:{lineno}")
    return found


def translated() -> set[str]:
    have: set[str] = set()
    for po in (ROOT / "resources" / "locale" / "id").glob("*.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id and message.string and not message.context:
                have.add(message.id if isinstance(message.id, str) else message.id[0])
    return have


def missing() -> dict[str, list[str]]:
    have = translated()
    return {k: v for k, v in source_messages().items() if k not in have}


def main() -> int:
    todo = missing()
    stub = "--po-stub" in sys.argv
    for msgid, where in sorted(todo.items(), key=lambda kv: kv[1][0]):
        if stub:
            esc = msgid.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            print(f"#: {where[0]}\nmsgid \"{esc}\"\nmsgstr \"\"\n")
        else:
            print(f"{where[0]}: {msgid!r}")
    if not stub:
        print(f"{len(todo)} missing", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
