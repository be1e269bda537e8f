#!/usr/bin/env bash
# Provides Prometheus and promtool from Debian's `prometheus` package, for the monitoring
# integration test (dashboards' and alert rules' PromQL evaluated against a real Prometheus).
# Idempotent: tools already on PATH, or a complete cache entry, are reused.
#
# Usage: scripts/install-prometheus.sh   -> prints the directory holding `prometheus` and `promtool`
#
# Why not `apt-get install`: the package's maintainer scripts create a system user and start
# Prometheus as a service on :9090. The test needs only the two binaries, started by itself on
# a free port with a temporary config, so the .deb is downloaded with apt and unpacked into
# the cache (no service, no system change besides apt's package lists).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  dirname "$(command -v prometheus)"; exit 0
fi

DIR="$PWO_CACHE_DIR/prometheus-deb"
BIN="$DIR/root/usr/bin"
if [[ -x "$BIN/prometheus" && -x "$BIN/promtool" ]]; then
  echo "$BIN"; exit 0
fi

need apt-get "Prometheus comes from Debian's 'prometheus' package; this needs a Debian-based machine."
need dpkg-deb "Install dpkg."
rm -rf "$DIR"
mkdir -p "$DIR/deb"
with_heartbeat prometheus "apt-get update" apt-get update
# apt-get download writes into the current directory; as root it drops privileges to _apt,
# which must be able to write there.
chmod 0777 "$DIR/deb"
with_heartbeat prometheus "downloading Debian's prometheus package" \
  bash -c "cd '$DIR/deb' && apt-get download prometheus"
deb=$(find "$DIR/deb" -maxdepth 1 -name 'prometheus_*.deb' | head -1)
[[ -n "$deb" ]] || die "apt-get download prometheus produced no .deb in $DIR/deb"
step prometheus "unpacking $(basename "$deb")"
dpkg-deb -x "$deb" "$DIR/root"
rm -rf "$DIR/deb"
[[ -x "$BIN/prometheus" && -x "$BIN/promtool" ]] \
  || die "the prometheus package did not contain usr/bin/prometheus and usr/bin/promtool"
"$BIN/prometheus" --version >/dev/null 2>&1 || die "$BIN/prometheus does not run"
step prometheus "ready: $("$BIN/prometheus" --version 2>&1 | head -1)"
echo "$BIN"
