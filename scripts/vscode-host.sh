#!/usr/bin/env bash
# Installs a real VS Code for the extension's integration tests: code-server (= VS Code 1.139.1, a real workbench
# and a real Node extension host) into .tools/code-server, and Debian's Chromium (apt) for playwright-core to drive it.
# @vscode/test-electron cannot be used here: it downloads VS Code, and nothing but npm and apt is reachable.
# Idempotent: does nothing when the right versions are already there.  Usage: bash scripts/vscode-host.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh      # Node 24 on PATH and npm_config_nodedir -> Node 24 headers (code-server's native modules need ABI 137)
CS_VERSION=${CS_VERSION:-4.139.1}
CS_DIR=$PWD/.tools/code-server

if [ ! -x /usr/bin/chromium ]; then
  echo "== apt: chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

installed=$(node -p "try{require('$CS_DIR/node_modules/code-server/package.json').version}catch{''}" 2>/dev/null || true)
if [ "$installed" != "$CS_VERSION" ]; then
  echo "== code-server $CS_VERSION into .tools/code-server (builds native modules; ~3 min)"
  # native modules: a compiler, python3 for node-gyp, and Kerberos headers (code-server's `kerberos` includes gssapi/gssapi.h)
  if ! command -v make >/dev/null || ! command -v g++ >/dev/null || ! command -v python3 >/dev/null || ! command -v pkg-config >/dev/null || [ ! -f /usr/include/gssapi/gssapi.h ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends build-essential python3 pkg-config libkrb5-dev >/dev/null
  fi
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{"private":true}' > "$CS_DIR/package.json"
  (cd "$CS_DIR" && npm install --no-save --no-audit --no-fund "code-server@$CS_VERSION" >install.log 2>&1) || { tail -40 "$CS_DIR/install.log"; exit 1; }
fi
# code-server writes a default config on every start: keep it out of the home folder.
XDG_CONFIG_HOME=$PWD/.tools/code-server/xdg "$CS_DIR/node_modules/.bin/code-server" --version | head -1
