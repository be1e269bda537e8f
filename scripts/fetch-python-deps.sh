#!/usr/bin/env bash
# Installs the Python packages the tests need (seed 000's Python examples use
# websocket-client) into a virtual environment cached by version under
# $PWO_CACHE_DIR. Idempotent: a complete venv is reused without touching PyPI.
#
# Usage: scripts/fetch-python-deps.sh   -> prints the venv's python on stdout
# Env:   WEBSOCKET_CLIENT_VERSION (default 1.9.2; the hash below is for 1.9.2)
#
# The wheel is pinned by version and by SHA-256 (pip --require-hashes), so a
# fresh machine installs exactly what the tests were written against.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

WEBSOCKET_CLIENT_VERSION="${WEBSOCKET_CLIENT_VERSION:-1.9.2}"
WEBSOCKET_CLIENT_SHA256="${WEBSOCKET_CLIENT_SHA256:-e1a673830a9c7bfa47b1cd3d5e4178f4c9651d80a4eab02c9c23a1c3ec6250ce}"

need python3 "Install Python 3.8+ with the venv module (Debian: apt-get install python3 python3-venv)."
pyv=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' \
  || die "websocket-client $WEBSOCKET_CLIENT_VERSION needs Python 3.8+, found $pyv."

DIR="$PWO_CACHE_DIR/python-$pyv-websocket-client-$WEBSOCKET_CLIENT_VERSION"
PY="$DIR/bin/python"
if [[ -f "$DIR/.complete" && -x "$PY" ]]; then
  echo "$PY"; exit 0
fi

step python "creating a virtual environment in $DIR (Python $pyv)"
rm -rf "$DIR"
mkdir -p "$PWO_CACHE_DIR"
python3 -m venv "$DIR" \
  || die "python3 -m venv failed; install the venv module (Debian: apt-get install python3-venv)."

REQ="$DIR/requirements.txt"
printf 'websocket-client==%s --hash=sha256:%s\n' \
  "$WEBSOCKET_CLIENT_VERSION" "$WEBSOCKET_CLIENT_SHA256" >"$REQ"
with_heartbeat python "installing websocket-client $WEBSOCKET_CLIENT_VERSION from PyPI" \
  "$PY" -m pip install --disable-pip-version-check --no-input --no-deps \
    --only-binary=:all: --require-hashes -r "$REQ"

"$PY" -c 'import websocket' \
  || die "websocket-client installed but 'import websocket' fails in $DIR."
touch "$DIR/.complete"
step python "websocket-client $WEBSOCKET_CLIENT_VERSION ready"
echo "$PY"
