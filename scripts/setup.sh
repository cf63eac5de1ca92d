#!/usr/bin/env bash
# Set up everything nsauto needs on this machine; idempotent, and quick when already done.
#   - .venv with `pip install -e '.[dev]'` (again only when pyproject.toml changed)
#   - a Chromium: Playwright's own download if reachable, else Debian's `chromium` and, where the
#     distribution has it, `chromium-headless-shell` (what headless runs use: far less CPU)
#   - system packages: chromium (only without Playwright's), ffmpeg, gnome-keyring, dbus,
#     libsecret-tools; installed with apt-get when root or passwordless sudo on Debian/Ubuntu,
#     otherwise listed for you to install
#   - an ffmpeg where Playwright looks for it (video recording)
# Environment: NSAUTO_BROWSER_DOWNLOAD_TIMEOUT (seconds, default 180),
#              NSAUTO_BROWSER_DOWNLOAD=0 to not try Playwright's download at all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

venv=.venv
py=$venv/bin/python

# --- 1. Python venv and the package ----------------------------------------------------------
if [[ ! -x $py ]]; then
  say "creating $venv (python3 -m venv)"
  python3 -m venv "$venv"
elif ! "$py" -c '' 2>/dev/null; then
  echo "setup: $venv is broken (its python does not run); remove it with 'make clean' and retry" >&2
  exit 1
fi
stamp=$venv/.nsauto-pyproject.sha256
want=$({ sha256sum pyproject.toml 2>/dev/null || shasum -a 256 pyproject.toml; } | cut -d' ' -f1)
if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
  say "pip install -e '.[dev]' (pyproject.toml is new or changed)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -e '.[dev]'
  echo "$want" >"$stamp"
else
  say "$venv is up to date"
fi

# --- 2. Playwright's own Chromium (download) -------------------------------------------------
# Prints: the headless-shell executable Playwright launches, whether it is installed, and the
# playwright version (the key for remembering a failed download).
pw_info() {
  "$py" - <<'PY'
import json, os, pathlib, playwright
from importlib.metadata import version
pkg = pathlib.Path(playwright.__file__).parent / "driver" / "package"
revs = {b["name"]: b["revision"] for b in json.loads((pkg / "browsers.json").read_text())["browsers"]}
root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ms-playwright")
d = pathlib.Path(root) / f"chromium_headless_shell-{revs['chromium-headless-shell']}"
exe = d / "chrome-headless-shell-linux64" / "chrome-headless-shell"
ok = exe.is_file() and (d / "INSTALLATION_COMPLETE").exists()
print(exe, "yes" if ok else "no", version("playwright"))
PY
}
read -r pw_exe pw_ok pw_version < <(pw_info) || {
  echo "setup: cannot inspect the installed playwright package" >&2
  exit 1
}
failed_stamp=$venv/.nsauto-browser-download-failed
if [[ $pw_ok == no ]]; then
  if [[ ${NSAUTO_BROWSER_DOWNLOAD:-1} == 0 ]]; then
    say "not downloading Playwright's Chromium (NSAUTO_BROWSER_DOWNLOAD=0)"
  elif [[ $(cat "$failed_stamp" 2>/dev/null) == "$pw_version" ]] && have chromium; then
    say "Playwright's Chromium download failed before; not retrying (rm $failed_stamp to retry)"
  else
    t=${NSAUTO_BROWSER_DOWNLOAD_TIMEOUT:-180}
    say "trying 'playwright install chromium' (timeout ${t}s)"
    log=$venv/playwright-install.log
    if timeout "$t" "$venv/bin/playwright" install chromium >"$log" 2>&1; then
      rm -f "$failed_stamp"
      read -r pw_exe pw_ok pw_version < <(pw_info)
    else
      echo "$pw_version" >"$failed_stamp"
      say "download failed ($(grep -m1 -o 'Error: .*' "$log" | cut -c1-100 || echo "see $log")); falling back to Debian's chromium"
    fi
  fi
fi

# --- 3. System packages ----------------------------------------------------------------------
pkgs=()
optional=()
if [[ $pw_ok == yes ]]; then
  # A downloaded Chromium needs shared libraries a bare Debian lacks; Playwright knows which.
  if ldd "$pw_exe" 2>/dev/null | grep -q 'not found'; then
    mapfile -t deps < <("$venv/bin/playwright" install-deps --dry-run chromium 2>/dev/null |
      grep -E '^ +[a-z0-9][a-z0-9.+-]*$' | tr -d ' ' || true)
    pkgs+=("${deps[@]}")
  fi
else
  have chromium || pkgs+=(chromium)
  # Optional: Debian 12 and later have it; a distribution without it still runs the full Chromium.
  have chromium-headless-shell || optional=(chromium-headless-shell)
fi
have ffmpeg || pkgs+=(ffmpeg)
have gnome-keyring-daemon || pkgs+=(gnome-keyring)
{ have dbus-run-session && have dbus-send; } || pkgs+=(dbus)
have secret-tool || pkgs+=(libsecret-tools)

if [[ $((${#pkgs[@]} + ${#optional[@]})) -gt 0 ]]; then
  sudo=()
  if [[ $EUID -ne 0 ]] && have sudo && sudo -n true 2>/dev/null; then sudo=(sudo -n); fi
  if [[ -f /etc/debian_version ]] && have apt-get && [[ $EUID -eq 0 || ${#sudo[@]} -gt 0 ]]; then
    say "apt-get install $(echo "${pkgs[*]} ${optional[*]}" | xargs) (about a minute on a fresh machine)"
    log=$venv/apt.log
    updated=yes
    "${sudo[@]}" apt-get update -q >"$log" 2>&1 || updated=no
    if [[ ${#pkgs[@]} -gt 0 ]] && { [[ $updated == no ]] ||
       ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
          "${pkgs[@]}" >>"$log" 2>&1; }; then
      tail -n 20 "$log" >&2
      echo "setup: apt-get failed (log: $log)" >&2
      exit 1
    fi
    # Only what is optional missing: an unreachable mirror is no reason to stop.
    if [[ ${#optional[@]} -gt 0 ]] && { [[ $updated == no ]] ||
       ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
          "${optional[@]}" >>"$log" 2>&1; }; then
      say "${optional[*]} could not be installed (log: $log); headless runs use the full Chromium"
    fi
  else
    if [[ ${#pkgs[@]} -gt 0 ]]; then
      warn "missing system packages: ${pkgs[*]}"
    fi
    if [[ ${#optional[@]} -gt 0 ]]; then
      say "headless runs take far less CPU with ${optional[*]} installed (optional)"
    fi
    if [[ -f /etc/debian_version ]]; then
      warn "install with: sudo apt-get update && sudo apt-get install --no-install-recommends ${pkgs[*]} ${optional[*]}"
    else
      warn "install their equivalents with your package manager (names vary by distribution)"
    fi
    [[ ${#pkgs[@]} -eq 0 ]] || warn "continuing without them"
  fi
fi

# --- 4. ffmpeg for Playwright's video recording ----------------------------------------------
if line=$("$py" scripts/place_ffmpeg.py); then say "$line"; else warn "$line"; fi

# --- 5. Summary ------------------------------------------------------------------------------
if [[ $pw_ok == yes ]]; then
  say "browser: Playwright's Chromium $pw_exe"
elif have chromium; then
  say "browser: system $(chromium --version 2>/dev/null | awk 'NR == 1 {print $1, $2}') ($(command -v chromium))"
  if have chromium-headless-shell; then say "headless runs: $(command -v chromium-headless-shell)"; fi
else
  warn "no browser: install Debian's chromium, or let 'playwright install chromium' download one"
fi
missing=()
for tool in gnome-keyring-daemon dbus-run-session dbus-send; do have "$tool" || missing+=("$tool"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "keyring: gnome-keyring $(gnome-keyring-daemon --version 2>/dev/null | awk 'NR == 1 {print $2}'), used through scripts/with-keyring"
else
  warn "keyring: missing ${missing[*]}; scripts/with-keyring needs them unless your session has a keyring"
fi
say "done"
