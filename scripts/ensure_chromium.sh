#!/usr/bin/env bash
# Install Debian's Chromium (and a CJK font, so screenshots show Chinese) for the end-to-end widget test
# when it is missing (needs root or sudo).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "chromium is missing and this user cannot install it: the browser test will be skipped" >&2
  exit 0
fi
echo "installing Debian chromium for the browser test…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null || echo "no CJK font: screenshots will show boxes" >&2
