#!/bin/sh
# Debian packages the full test run needs: headless Chromium for browser tests, a CJK font so
# PDFs and screenshots show Chinese, poppler to read PDFs back, zbar to read QR codes in them.
# Installed only where missing.
PACKAGES="chromium fonts-wqy-microhei poppler-utils zbar-tools"
missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "WARNING: missing Debian packages:$missing"
    echo "WARNING: browser and PDF tests will be SKIPPED (run as root or: sudo apt-get install$missing)"
fi
