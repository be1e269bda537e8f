#!/usr/bin/env bash
# Fetches third-party CustomResourceDefinitions the operator's integration tests install:
# cert-manager's (certificates.cert-manager.io and its siblings) and the Prometheus Operator's
# ServiceMonitor, straight from the projects' Go modules through the Go module proxy (the
# modules ship the generated CRD YAML: cert-manager in deploy/crds/, prometheus-operator in
# example/prometheus-operator-crd/). Idempotent: a complete, version-keyed cache entry is reused.
#
# Usage: scripts/fetch-crds.sh   -> prints the cache directory, which holds
#        cert-manager/*.yaml and prometheus-operator/monitoring.coreos.com_servicemonitors.yaml
# Env:   CERT_MANAGER_VERSION (default v1.21.2), PROMETHEUS_OPERATOR_VERSION (default v0.85.0)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

CERT_MANAGER_VERSION="${CERT_MANAGER_VERSION:-v1.21.2}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
DIR="$PWO_CACHE_DIR/crds-cert-manager-$CERT_MANAGER_VERSION-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"

if [[ -f "$DIR/.complete" ]]; then
  echo "$DIR"; exit 0
fi

need go "Install Go 1.22+ (https://go.dev/dl/); it fetches the CRDs from the Go module proxy."
# A private module cache: `go mod download` leaves files read-only, and keeping it under our
# cache makes the whole entry removable with one rm -rf (after chmod -R u+w).
export GOMODCACHE="$PWO_CACHE_DIR/go-mod-crds"
export GOFLAGS=-mod=mod
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pwo-crds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# module_dir MODULE VERSION: downloads MODULE@VERSION and prints its extracted directory.
module_dir() {
  local json dir
  step crds "downloading $1@$2 from the Go module proxy"
  json=$(cd "$tmp" && go mod download -json "$1@$2") || die "go mod download $1@$2 failed"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download $1@$2 gave no module directory: $json"
  printf '%s\n' "$dir"
}

cm=$(module_dir github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION")
po=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")

mkdir -p "$tmp/out/cert-manager" "$tmp/out/prometheus-operator"
for f in cert-manager.io_certificates.yaml cert-manager.io_certificaterequests.yaml \
  cert-manager.io_issuers.yaml cert-manager.io_clusterissuers.yaml; do
  [[ -s "$cm/deploy/crds/$f" ]] || die "cert-manager $CERT_MANAGER_VERSION has no deploy/crds/$f"
  cp "$cm/deploy/crds/$f" "$tmp/out/cert-manager/$f"
done
sm=example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
[[ -s "$po/$sm" ]] || die "prometheus-operator $PROMETHEUS_OPERATOR_VERSION has no $sm"
cp "$po/$sm" "$tmp/out/prometheus-operator/"
chmod -R u+w "$tmp/out"

rm -rf "$DIR"
mkdir -p "$(dirname "$DIR")"
mv "$tmp/out" "$DIR"
touch "$DIR/.complete"
step crds "CRDs ready in $DIR"
echo "$DIR"
