#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager from the Go module
# proxy into a version-keyed cache (no Docker, no release downloads).
# kube-apiserver and KCM come from k8s.io/kubernetes through a wrapper module
# whose replace block is generated from k8s.io/kubernetes's own go.mod: the
# staging modules are required there at v0.0.0, which only resolves with
# replaces. etcd is built in a separate wrapper so MVS never mixes its grpc
# with Kubernetes'. Idempotent: complete cache entries are reused.
#
# Usage: scripts/build-k8s.sh     -> prints the bin directory
# Env:   K8S_VERSION (v1.33.13), ETCD_VERSION (v3.5.21)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

K8S_VERSION="${K8S_VERSION:-v1.33.13}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"
BIN="$PWO_CACHE_DIR/k8s-$K8S_VERSION-etcd-$ETCD_VERSION/bin"

# Needed at run time too: the control plane's certificates are made with openssl.
need openssl "Install OpenSSL (Debian: apt-get install openssl)."

have_all() { [[ -x "$BIN/etcd" && -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" ]]; }
if have_all; then echo "$BIN"; exit 0; fi

need go "Install Go 1.24+ (Debian: apt-get install golang, or the official toolchain)."
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$BIN"

if [[ ! -x "$BIN/etcd" ]]; then
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  printf 'module local/etcd\n\ngo 1.23.0\n' >"$W/go.mod"
  (cd "$W" && with_heartbeat k8s "downloading etcd $ETCD_VERSION modules" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
  (cd "$W" && with_heartbeat k8s "building etcd $ETCD_VERSION" \
    go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi

if [[ ! -x "$BIN/kube-apiserver" || ! -x "$BIN/kube-controller-manager" ]]; then
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  STAGING="v0.${K8S_VERSION#v1.}"
  MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
  printf 'module local/k8s\n\ngo 1.24.0\n\ngodebug default=go1.24\n' >"$W/go.mod"
  step k8s "reading k8s.io/kubernetes@$K8S_VERSION go.mod"
  GOMOD=$(cd "$W" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -s "$GOMOD" ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"
  { echo 'replace ('
    awk -v v="$STAGING" '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print "\t" $1 " => " $1 " " v }' "$GOMOD"
    echo ')'; } >>"$W/go.mod"
  (cd "$W" && with_heartbeat k8s "downloading Kubernetes $K8S_VERSION modules (several hundred MB on a cold cache)" \
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION")
  V=k8s.io/component-base/version
  LDF="-s -w -X $V.gitVersion=$K8S_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$MINOR -X $V.gitTreeState=clean -X $V.buildDate=1970-01-01T00:00:00Z"
  mkdir -p "$W/out"
  (cd "$W" && with_heartbeat k8s "compiling kube-apiserver and kube-controller-manager $K8S_VERSION (10-30 min on 2 cores when cold)" \
    go build -trimpath -ldflags "$LDF" -o "$W/out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
  mv "$W/out/kube-apiserver" "$W/out/kube-controller-manager" "$BIN/"
fi
have_all || die "build finished but binaries are missing in $BIN"
step k8s "binaries ready in $BIN"
echo "$BIN"
