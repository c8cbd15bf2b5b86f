#!/usr/bin/env bash
# Debian packages the portal needs: Japanese fonts and Pango for WeasyPrint PDFs, gettext for the
# English catalogue, Chromium and poppler for the browser and PDF tests, wrk for `make bench`. Installs what is missing.
set -euo pipefail
missing=()
fc-list :lang=ja 2>/dev/null | grep -qi "noto sans cjk" || missing+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=(libpangoft2-1.0-0)
command -v msgfmt >/dev/null || missing+=(gettext)
command -v chromium >/dev/null || missing+=(chromium)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
