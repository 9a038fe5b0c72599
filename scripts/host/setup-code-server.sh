#!/usr/bin/env bash
# Installs code-server (a real VS Code: server + web workbench, from the npm registry) for Baton's host
# tests and `npm start`, without any download other than npm packages and Debian packages.
#
#   scripts/host/setup-code-server.sh            install if needed, print the install folder
#   BATON_CODE_SERVER_DIR=DIR                    install there instead of the user cache
#   BATON_SKIP_APT=1                             do not install Debian packages (check only)
#   BATON_NO_BROWSER=1                           leave out Chromium (npm start: the person's own browser
#                                                opens the workbench; only the tests drive Chromium)
#
# code-server's own post-install step downloads ripgrep and fails offline, so the install runs with
# --ignore-scripts and then does by hand what that step does: install the VS Code part's dependencies,
# build the native modules against the local Node, use Debian's ripgrep, and make the links the
# packaged layout expects. A marker file is written last: an install without it is redone from scratch.
# The install is built in a staging folder and moved into place, so a concurrent reader never sees a
# half-done tree.
set -euo pipefail

VERSION=4.100.3
DIR="${BATON_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton/code-server-$VERSION}"
MARKER="$DIR/.baton-setup-ok"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
STAMP="code-server@$VERSION node$NODE_MAJOR $(uname -m)"

log() { printf '[setup-code-server] %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------
# libkrb5-dev + pkg-config: to build the kerberos module; ripgrep: VS Code's search; bubblewrap + socat:
# Claude Code's sandbox for workers' commands (`sandbox: on`, tested with the real CLI); chromium: the
# browser that opens the workbench in tests (not for npm start: BATON_NO_BROWSER).
ensure_debian_packages() {
  local wanted=(libkrb5-dev pkg-config ripgrep bubblewrap socat) missing=() p
  [ -n "${BATON_NO_BROWSER:-}" ] || wanted+=(chromium)
  if ! command -v dpkg >/dev/null 2>&1; then
    # Not Debian: say what is needed and let the build below tell whether it is there.
    log "not a Debian system: make sure these (or your system's equivalents) are installed: ${wanted[*]}"
    return 0
  fi
  for p in "${wanted[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ -n "${BATON_SKIP_APT:-}" ]; then
    log "missing Debian packages: ${missing[*]} (BATON_SKIP_APT is set, not installing; run as root: $command)"
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "missing Debian packages: ${missing[*]}. Install them as root: $command"; return 1; }
    # Never wait for a password nobody can type (no terminal): say what to run instead.
    if ! sudo -n true 2>/dev/null; then
      log "missing Debian packages: ${missing[*]}. Install them with: sudo $command"
      return 1
    fi
    sudo=(sudo)
  fi
  # Say what is about to happen before it happens.
  log "installing Debian packages ${missing[*]}: running ${sudo[*]:+${sudo[*]} }$command"
  local aptlog
  aptlog="$(mktemp)"
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
         "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
           "${missing[@]}"; } >"$aptlog" 2>&1; then
    tail -n 40 "$aptlog" >&2
    rm -f "$aptlog"
    log "apt-get failed"
    return 1
  fi
  rm -f "$aptlog"
}

ensure_debian_packages

installed() {
  [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$STAMP" ] &&
    [ -f "$DIR/node_modules/code-server/out/node/entry.js" ]
}

if installed; then
  echo "$DIR"
  exit 0
fi

# --- code-server from npm ----------------------------------------------------------------------------
# One install at a time (tests and npm start may ask together); the second waits, then finds it done.
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock 9
if installed; then
  echo "$DIR"
  exit 0
fi
rm -rf "$DIR".partial.* # left by an install that was killed
STAGE="$(mktemp -d "$DIR.partial.XXXXXX")"
chmod 755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
log "installing code-server@$VERSION into $DIR (a few minutes on a cold cache)"
start=$SECONDS

cd "$STAGE"
printf '{ "name": "baton-code-server", "private": true }\n' > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "code-server@$VERSION" >&2

VSCODE="$STAGE/node_modules/code-server/lib/vscode"
cd "$VSCODE"
log "installing the VS Code part's dependencies"
npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error >&2
log "building native modules"
# native-watchdog (not in code-server's notes) lets the extension host end itself when its parent
# dies; it is native too and left unbuilt by --ignore-scripts.
npm rebuild --loglevel=error kerberos @parcel/watcher @vscode/spdlog native-watchdog >&2
# node-pty (the integrated terminal) builds pty.node, then its post-install step runs
# `npx node-gyp configure -f compile_commands_json`, which only writes an editor index and fails when
# npx may not fetch node-gyp. The build is what matters: check for it.
ptylog="$(mktemp)"
if ! npm rebuild --loglevel=error node-pty >"$ptylog" 2>&1; then
  if [ ! -f node_modules/node-pty/build/Release/pty.node ]; then
    cat "$ptylog" >&2
    log "node-pty did not build"
    exit 1
  fi
fi
rm -f "$ptylog"
for native in node-pty/build/Release/pty.node kerberos/build/Release/kerberos.node \
  @vscode/spdlog/build/Release/spdlog.node native-watchdog/build/Release/watchdog.node; do
  [ -f "node_modules/$native" ] || { log "missing after build: $native"; exit 1; }
done
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
log "installing the built-in extensions' dependencies"
(cd extensions && npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error >&2)

cd "$STAGE"
npm rebuild --loglevel=error argon2 >&2

# Prove it runs before calling it done (--config: do not write the user's default config file).
"$STAGE/node_modules/.bin/code-server" --config "$STAGE/config.yaml" --version >&2
rm -f "$STAGE/config.yaml"

echo "$STAMP" > "$STAGE/.baton-setup-ok"
rm -rf "$DIR"
mv "$STAGE" "$DIR"
trap - EXIT
log "done in $((SECONDS - start)) s"
echo "$DIR"
