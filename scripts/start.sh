#!/usr/bin/env bash
# Installs what the app needs and starts it on the embedded data (http://localhost:8501):
# Debian's chromium and a Japanese TrueType font (IPAex Gothic) for the PDF/A3/PNG exports — Chromium embeds a
# TrueType font in PDFs, while CFF fonts (Noto CJK) would come out as Type 3 glyphs — then the Python packages.
# Without root or sudo the system packages are skipped with a note: the app runs, and those exports say what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for pkg in chromium fonts-ipaexfont-gothic fonts-noto-cjk; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "注意: ${missing[*]} を入れられませんでした（root か sudo が必要）。PDF・A3・PNG の出力はそれまで作れません。" >&2
  fi
fi
python3 -m pip install -q --disable-pip-version-check -r requirements.txt
exec python3 -m kpiboard.serve "$@"  # = streamlit run app.py (see kpiboard/serve.py)
