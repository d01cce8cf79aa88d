#!/usr/bin/env bash
# Set up everything Tessera needs on this machine, idempotently.
#   scripts/bootstrap.sh run    what the desktop app needs
#   scripts/bootstrap.sh test   that, plus what the test suite needs
# Python packages go into a project-local virtual environment (.venv).
# Debian packages are installed when missing and we are root (or have
# password-less sudo); otherwise the script names what to install.
set -euo pipefail

purpose="${1:-run}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
python="${PYTHON:-python3}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# --- Debian packages --------------------------------------------------------
run_packages=(python3-venv libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 gnome-keyring
  dbus dbus-daemon gcc libc6-dev python3-dev libssl-dev)
test_packages=(dbus-x11 xvfb xauth age)

wanted=("${run_packages[@]}")
[ "$purpose" = test ] && wanted+=("${test_packages[@]}")

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${wanted[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = none ]; then
      die "missing Debian packages: ${missing[*]}
install them with: sudo apt-get install -y ${missing[*]}"
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  say "not a Debian/Ubuntu system: make sure these (or your system's equivalents) are installed:"
  printf '  %s\n' "${wanted[@]}" >&2
fi

# --- Python -----------------------------------------------------------------
"$python" - <<'PY' || die "Tessera needs Python 3.11 or newer (found $("$python" --version 2>&1))"
import sys
raise SystemExit(0 if sys.version_info >= (3, 11) else 1)
PY

if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtual environment in .venv"
  "$python" -m venv "$venv"
fi
stamp="$venv/.tessera-installed"
extras="$([ "$purpose" = test ] && echo '.[dev]' || echo '.')"
# The C fast lane is built by the install too: a change to its source reinstalls.
want_stamp="$(cat pyproject.toml setup.py app/core/datasets/_fastlane.c app/core/datasets/fastlane_c/*.c | sha256sum | cut -d' ' -f1) $extras"
if [ ! -f "$stamp" ] || ! grep -qxF "$want_stamp" "$stamp"; then
  say "installing Python packages ($extras)"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e "$extras"
  echo "$want_stamp" >> "$stamp"
fi
