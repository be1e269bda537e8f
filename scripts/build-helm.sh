#!/usr/bin/env bash
# Builds helm from the Go module proxy (helm.sh/helm/v3/cmd/helm) into a
# version-keyed cache: no release downloads, same route as the Kubernetes
# binaries. Idempotent: a complete cache entry is reused.
#
# Usage: scripts/build-helm.sh    -> prints the path of the helm binary
# Env:   HELM_VERSION (v3.18.6)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

HELM_VERSION="${HELM_VERSION:-v3.18.6}"
BIN="$PWO_CACHE_DIR/helm-$HELM_VERSION/bin"

if [[ -x "$BIN/helm" ]]; then echo "$BIN/helm"; exit 0; fi

need go "Install Go 1.24+ (Debian: apt-get install golang, or the official toolchain)."
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$BIN"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
printf 'module local/helm\n\ngo 1.24.0\n' >"$W/go.mod"
(cd "$W" && with_heartbeat helm "downloading helm $HELM_VERSION modules" go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
# Stamp the versions the way helm's own Makefile does: without them `helm version` is
# empty and `helm template`/`helm lint` assume Kubernetes v1.20 (the Kubernetes version is
# that of the client-go helm builds with, major + 1: v0.33 -> v1.33).
KV=$(cd "$W" && go list -f '{{.Version}}' -m k8s.io/client-go)
[[ "$KV" =~ ^v0\.([0-9]+)\. ]] || die "unexpected k8s.io/client-go version '$KV' in helm's build list"
KMINOR=${BASH_REMATCH[1]}
LDF="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  LDF+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$KMINOR"
done
(cd "$W" && with_heartbeat helm "compiling helm $HELM_VERSION (a few minutes on 2 cores when cold)" \
  go build -trimpath -ldflags "$LDF" -o "$BIN/helm.tmp" helm.sh/helm/v3/cmd/helm)
mv "$BIN/helm.tmp" "$BIN/helm"
"$BIN/helm" version --short >/dev/null || die "built helm does not run: $BIN/helm"
step helm "helm $HELM_VERSION ready in $BIN"
echo "$BIN/helm"
