#!/usr/bin/env bash
# Prepare a checkout of Smart Kampung for running and testing. Idempotent and quiet when nothing
# needs doing (a second run takes well under a second):
#   - the system libraries Qt, the tests and browser tests need (Debian/Ubuntu, as root, when missing);
#   - .venv with Python >= 3.11, created when missing;
#   - `pip install -e '.[test]'` when pyproject.toml changed since the last install (hash in .venv);
#   - the gettext catalogs resources/locale/*/*.po compiled to .mo when missing or stale.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
STAMP="$VENV/.smart-kampung-pyproject.sha256"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- system packages (Debian/Ubuntu) --------------------------------------------------------------
# Qt offscreen on a bare Debian; tools the tests use; a real window under Xvfb (see DESIGN.md).
QT_PACKAGES=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
             fonts-dejavu-core)
TEST_PACKAGES=(poppler-utils zbar-tools imagemagick)  # imagemagick: the phone-photo simulation of the QR test
XVFB_PACKAGES=(xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-randr0
               libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
               libx11-xcb1 openbox)  # openbox: a window manager for the 1366×768 screenshots
BROWSER_PACKAGES=(chromium)

deb_installed() {
    # Ubuntu 24.04 renamed some libraries with a t64 suffix (libglib2.0-0t64): accept either.
    local p
    for p in "$1" "$1t64"; do
        if dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
            return 0
        fi
    done
    return 1
}

apt_install() {
    # apt_install LABEL PACKAGE... ; a failure is a warning: the program may still run without them.
    local label="$1"; shift
    local log
    log="$(mktemp)"
    say "installing $label: $*"
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "$@" >"$log" 2>&1; then
        rm -f "$log"
    else
        tail -n 20 "$log" >&2
        rm -f "$log"
        printf 'setup: warning: could not install %s (%s); continuing\n' "$label" "$*" >&2
    fi
}

ensure_system_packages() {
    [[ "$(uname -s)" == Linux ]] || return 0
    if [[ ! -f /etc/debian_version ]] || ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then
        say "not Debian/Ubuntu: make sure Qt's libraries (EGL, OpenGL, xkbcommon, fontconfig, freetype," \
            "glib, dbus; xcb for windows), poppler, zbar and Xvfb are installed"
        return 0
    fi
    local missing_core=() missing_browser=() p
    for p in "${QT_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${XVFB_PACKAGES[@]}"; do
        deb_installed "$p" || missing_core+=("$p")
    done
    for p in "${BROWSER_PACKAGES[@]}"; do
        deb_installed "$p" || missing_browser+=("$p")
    done
    local missing=("${missing_core[@]}" "${missing_browser[@]}")
    (( ${#missing[@]} == 0 )) && return 0

    if [[ "$(id -u)" != 0 ]]; then
        printf 'setup: warning: missing system packages: %s\n' "${missing[*]}" >&2
        printf 'setup:   install them with: sudo apt-get install %s\n' "${missing[*]}" >&2
        return 0
    fi
    say "updating the apt package lists"
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null; then
        printf 'setup: warning: apt-get update failed; trying to install anyway\n' >&2
    fi
    # Two groups: an unavailable browser must not keep Qt's libraries from being installed.
    (( ${#missing_core[@]} )) && apt_install "system libraries" "${missing_core[@]}"
    (( ${#missing_browser[@]} )) && apt_install "the browser for browser tests" "${missing_browser[@]}"
    return 0
}

# --- Python and the virtual environment ------------------------------------------------------------
python_ok() {
    # Runs the candidate: a pyenv shim exists for versions that are not selected and then fails.
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

find_python() {
    local c
    for c in python3.11 python3.12 python3.13 python3; do
        if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if [[ -x "$VPY" ]] && python_ok "$VPY"; then
        return 0
    fi
    local py
    py="$(find_python)" || die "Python 3.11 or newer is needed (tried python3.11, python3.12, python3.13,
       python3). On Debian/Ubuntu: apt-get install python3 python3-venv"
    if [[ -e "$VENV" ]]; then
        say "$VENV is broken or too old; recreating it"
        rm -rf "$VENV"
    fi
    say "creating .venv with $py ($("$py" -c 'import platform; print(platform.python_version())'))"
    "$py" -m venv "$VENV" || die "could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)"
    rm -f "$STAMP"
}

ensure_install() {
    local want have=""
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    [[ -f "$STAMP" ]] && have="$(cat "$STAMP")"
    [[ "$want" == "$have" ]] && return 0
    say "installing the project and its test tools into .venv (pyproject.toml changed;" \
        "the first time takes a few minutes)"
    local log="$VENV/.smart-kampung-pip.log"
    if ! PIP_NO_INPUT=1 "$VPY" -m pip install --disable-pip-version-check -e '.[test]' >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "pip install -e '.[test]' failed (full log: $log)"
    fi
    printf '%s\n' "$want" >"$STAMP"
}

compile_catalogs() {
    local stale=() po mo
    shopt -s nullglob
    for po in resources/locale/*/*.po; do
        mo="${po%.po}.mo"
        [[ -f "$mo" && "$mo" -nt "$po" ]] || stale+=("$po")
    done
    shopt -u nullglob
    (( ${#stale[@]} == 0 )) && return 0
    local code='
import os, sys
from pathlib import Path
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

for name in sys.argv[1:]:
    po = Path(name)
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.name)
    tmp = po.with_suffix(".mo.tmp")
    with tmp.open("wb") as f:
        write_mo(f, catalog)
    os.replace(tmp, po.with_suffix(".mo"))
'
    "$VPY" -c "$code" "${stale[@]}" || die "compiling the translation catalogs failed"
}

ensure_system_packages
ensure_venv
ensure_install
compile_catalogs
