"""The core packages never load Qt or the UI, checked by importing every one of their modules.

import-linter (the contracts in pyproject.toml) sees only import statements; this test also catches
imports made at run time by ``importlib``, plugins and third-party packages. Each package is imported
in a fresh interpreter, so nothing the test process imported can hide or cause a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ["kiosk", "forms", "printing", "sync"]

# Runs in the subprocess with the package name as argv[1]. Walks the package like
# pkgutil.walk_packages, but decides what to skip before importing anything: Alembic's
# migrations/versions scripts and migrations/env.py (env.py runs a migration when imported), and
# __main__ modules (importing one runs the program).
_CHECK = r"""
import importlib, pkgutil, sys, traceback

root = sys.argv[1]
FORBIDDEN = ("PySide6", "shiboken6", "ui")

def forbidden_loaded():
    return sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)

def skipped(name):
    parts = name.split(".")
    if parts[-1] == "__main__":
        return True
    for i, part in enumerate(parts[:-1]):
        if part == "migrations" and parts[i + 1] in ("versions", "env"):
            return True
    return False

errors = []
imported = []

def visit(name):
    try:
        module = importlib.import_module(name)
    except BaseException:
        errors.append(f"cannot import {name}:\n{traceback.format_exc()}")
        return
    imported.append(name)
    loaded = forbidden_loaded()
    if loaded:
        print(f"FAIL: importing {name} loaded {', '.join(loaded[:5])}")
        sys.exit(1)
    path = getattr(module, "__path__", None)
    if path is None:
        return
    for info in sorted(pkgutil.iter_modules(path, name + "."), key=lambda i: i.name):
        if not skipped(info.name):
            visit(info.name)

visit(root)
if errors:
    print("FAIL: " + "\n".join(errors))
    sys.exit(1)
print(f"ok: {len(imported)} modules")
"""


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_package_never_loads_qt_or_ui(package: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _CHECK, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"{package}: {output}"
    assert output.startswith("ok:"), output


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    binary = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    if binary is None:
        pytest.skip("lint-imports (import-linter) is not installed: run scripts/setup.sh")
    proc = subprocess.run([binary], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
