#!/usr/bin/env bash
# Installs what the VS Code integration and UI tests need, offline except for Debian apt and the
# npm registry: Debian chromium + ripgrep + build deps, the project's npm devDependencies
# (mocha, playwright-core, vsce), and code-server (a real VS Code) into .vscode-test/code-server.
# Idempotent: a second run only checks markers and exits in about a second.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3   # newest code-server whose engines accept Node 20 (VS Code 1.100.3)
RIPGREP_CACHE=vscode-ripgrep-cache-1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.vscode-test"
CS_DIR="$TOOLS/code-server"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_MARKER="$CS_DIR/.installed-$CODE_SERVER_VERSION"

log() { echo "[install] $*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

# 1. Debian packages. apt-get update only when something is missing and the first try fails.
APT_PACKAGES=(chromium ripgrep libkrb5-dev g++ make python3 ca-certificates)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "${missing[@]}" \
    || { as_root apt-get update && as_root apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

# 2. The project's own npm dependencies (mocha, playwright-core, @vscode/vsce are devDependencies).
cd "$ROOT"
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/mocha/package.json ] \
   || [ ! -f node_modules/@vscode/vsce/package.json ]; then
  log "npm: installing project dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# 3. code-server, pinned, in its own tool folder (never one of the extension's dependencies).
if [ -f "$CS_MARKER" ] && [ -f "$CS_PKG/package.json" ]; then
  log "code-server $CODE_SERVER_VERSION already installed"
  exit 0
fi
log "code-server $CODE_SERVER_VERSION: installing into $CS_DIR"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR" "$TOOLS/tmp"

# @vscode/ripgrep downloads rg from GitHub unless its cache holds the asset: give it Debian's rg.
export TMPDIR="$TOOLS/tmp"
mkdir -p "$TMPDIR/$RIPGREP_CACHE"
staging="$(mktemp -d)"
cp "$(command -v rg)" "$staging/rg"
tar -C "$staging" -czf "$TMPDIR/$RIPGREP_CACHE/$RIPGREP_ASSET" rg
rm -rf "$staging"

echo '{ "name": "di-vscode-test-code-server", "private": true }' > "$CS_DIR/package.json"
# code-server's postinstall runs npm install inside lib/vscode, whose native modules (kerberos,
# node-pty, spdlog, ...) need their install scripts: npm 11 blocks those by default, older npm
# runs them as root only with unsafe-perm. node-pty runs `npx node-gyp`: npm_config_yes answers it.
export npm_config_yes=true npm_config_unsafe_perm=true npm_config_dangerously_allow_all_scripts=true
export npm_config_update_notifier=false
(cd "$CS_DIR" && npm install --no-audit --no-fund --foreground-scripts --loglevel=warn \
  "code-server@$CODE_SERVER_VERSION") > "$CS_DIR/install.log" 2>&1 \
  || { tail -40 "$CS_DIR/install.log"; log "code-server install failed (log: $CS_DIR/install.log)"; exit 1; }

# Check that the postinstall really ran: the native bits VS Code's server needs must exist.
VS="$CS_PKG/lib/vscode/node_modules"
for need in "$VS/@vscode/ripgrep/bin/rg" "$VS/node-pty/build/Release/pty.node" \
            "$VS/@vscode/spdlog/build/Release/spdlog.node" "$CS_PKG/out/node/entry.js"; do
  if [ ! -e "$need" ]; then
    tail -40 "$CS_DIR/install.log"
    log "code-server postinstall did not complete: missing $need (log: $CS_DIR/install.log)"
    exit 1
  fi
done
"$CS_DIR/node_modules/.bin/code-server" --version | head -1 | sed 's/^/[install] code-server /'
touch "$CS_MARKER"
log "done"
