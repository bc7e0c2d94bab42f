#!/usr/bin/env bash
# Install the Debian packages Sigap's checks need when they are missing:
# chromium (browser tests, default) and gettext (catalogues). Usage: ensure-system-packages.sh [gettext]
set -euo pipefail
want=("${@:-chromium}")
missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    gettext) command -v msgfmt >/dev/null || missing+=(gettext) ;;
    *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
