#!/usr/bin/env bash
# Install what the `browser` tests need: Debian's chromium + chromium-driver (apt; root) and the igv.js
# pinned in tools/browser/package-lock.json (npm ci into tools/browser/node_modules). Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
say() { echo "[browser-deps] $*"; }
need=()
for pkg in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
command -v npm > /dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "browser-deps: ERROR: ${need[*]} missing; install them as root (apt-get)" >&2; exit 1; }
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" > /dev/null
fi
if [ ! -f node_modules/igv/dist/igv.min.js ]; then
  say "npm ci (igv.js $(node -p 'require("./package.json").dependencies.igv'))"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "chromium $(dpkg-query -W -f='${Version}' chromium), igv.js $(node -p 'require("./node_modules/igv/package.json").version')"
