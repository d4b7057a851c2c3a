#!/usr/bin/env bash
# Installs what the tests need and runs all of them, browser tests included:
# Debian's chromium, CJK fonts (IPAex Gothic: a TrueType font Chromium embeds in PDFs), poppler (for PDF checks),
# postgresql (the tests start throwaway clusters on loopback for the team catalog) and strace (the crash tests
# kill imports at chosen system calls), then the Python packages, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for pkg in chromium fonts-noto-cjk fonts-ipaexfont-gothic poppler-utils postgresql strace; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt
exec python3 -m pytest "$@"
