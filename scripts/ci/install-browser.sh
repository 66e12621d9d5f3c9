#!/usr/bin/env bash
# Installs the browser the Web UI test (test/browser/webui.test.ts) drives: Debian's `chromium` package, at
# /usr/bin/chromium (or CHROMIUM_PATH). Idempotent: does nothing when it is already there. Installs only as root
# (or with passwordless sudo); otherwise says how, and the test then fails in CI / is skipped locally.
# No browser download from the internet: playwright-core drives the distribution's package.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "${browser}" ]; then
  echo "install-browser: already there: ${browser} ($("${browser}" --version 2>/dev/null | head -n1 || echo 'version unknown'))"
  exit 0
fi
if [ "${browser}" != /usr/bin/chromium ]; then
  echo "install-browser: CHROMIUM_PATH=${browser} is not an executable; unset it to install Debian's chromium" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-browser: ${browser} is missing and we are not root; as root run:"
  echo "  apt-get update && apt-get install -y --no-install-recommends chromium"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium yourself and set CHROMIUM_PATH" >&2
  exit 1
fi

start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "install-browser: installed $("${browser}" --version 2>/dev/null | head -n1) in $((SECONDS - start))s"
