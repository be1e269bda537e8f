# Shared helpers for the project's shell scripts: progress lines with elapsed
# time, loud failures that name the missing tool, and the cache location.
# shellcheck shell=bash

PWO_CACHE_DIR="${PWO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulsar-websocket-operator}"
export PWO_CACHE_DIR
_PWO_T0=$(date +%s)

# step NAME MESSAGE: one progress line, prefixed with the elapsed seconds.
step() {
  local now; now=$(date +%s)
  printf '[%s +%4ss] %s\n' "$1" "$((now - _PWO_T0))" "$2" >&2
}

die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# need TOOL HINT: fail loudly when a required tool is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || die "required tool '$1' not found on PATH. $2"
}

# with_heartbeat NAME MESSAGE CMD...: runs CMD, printing a line every 30 s so a
# long cold build never leaves a silent terminal. Output goes to a log file,
# whose tail is shown on failure.
with_heartbeat() {
  local name=$1 msg=$2; shift 2
  local log; log=$(mktemp "${TMPDIR:-/tmp}/pwo-${name}.XXXXXX.log")
  step "$name" "$msg (log: $log)"
  "$@" >"$log" 2>&1 &
  local pid=$! start last; start=$(date +%s); last=$start
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    local now; now=$(date +%s)
    local el=$(( now - start ))
    if (( now - last >= 30 )) && kill -0 "$pid" 2>/dev/null; then
      last=$now
      step "$name" "  ... still working: $msg (${el}s, last: $(tail -c 300 "$log" | tr '\n\r' '  ' | tail -c 120))"
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" >&2
    die "$name: '$msg' failed; full log in $log"
  fi
  rm -f "$log"
}
