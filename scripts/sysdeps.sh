#!/usr/bin/env bash
# Debian packages the portal needs, by what you are about to do (installs what is missing, as root; otherwise prints
# the apt-get line to run):
#   serve  Japanese fonts and Pango for WeasyPrint PDFs, gettext for the English catalogue (make run)
#   test   the same, and Chromium and poppler for the browser and PDF tests (make test)
#   bench  the same as serve, and wrk (make bench)
set -euo pipefail
purpose="${1:-serve}"
missing=()
fc-list :lang=ja 2>/dev/null | grep -qi "noto sans cjk" || missing+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=(libpangoft2-1.0-0)
command -v msgfmt >/dev/null || missing+=(gettext)
if [ "$purpose" = test ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
fi
if [ "$purpose" = bench ]; then
  command -v wrk >/dev/null || missing+=(wrk)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
