#!/usr/bin/env bash
# Builds the test-only OpenTelemetry Collector (main.go, modules pinned in go.mod/go.sum) into a cache
# directory OUTSIDE the repository and prints the binary's path on stdout (and nothing else there).
#
# Idempotent and cached: the directory is keyed by a hash of go.mod, go.sum, main.go, this script and the Go
# version, so a second run (or a run from another checkout of the same sources) only prints the path. The Go
# module and build caches stay where `go env` puts them, so a rebuild after an edit is fast too.
# Concurrent runs (tap runs two test files at once) are serialised with flock: one builds, the other waits
# and then finds the binary.
#
# Usage: test-support/collector/build.sh            -> prints /…/silicon-agent/otelcol-<hash>/otelcol
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v go >/dev/null 2>&1 || { echo "build.sh: Go is not installed; the Collector test peer needs it (see docs/collector.md)" >&2; exit 69; }

gov="$(go env GOVERSION)"
key="$( { cat go.mod go.sum main.go build.sh; printf '%s\n' "$gov"; } | sha256sum | cut -c1-16)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/silicon-agent"
dir="$cache/otelcol-$key"
bin="$dir/otelcol"

if [ -x "$bin" ]; then
  printf '%s\n' "$bin"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/otelcol-$key.lock"
flock 9
if [ ! -x "$bin" ]; then
  rm -rf "$cache/otelcol-$key.tmp."*   # left by a build that was stopped part-way (we hold the lock)
  tmp="$(mktemp -d "$cache/otelcol-$key.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "build.sh: building the test Collector ($gov) into $dir (first run: several minutes)" >&2
  start=$(date +%s)
  # -mod=readonly: go.sum must already list every module; nothing in the repository is rewritten.
  go build -mod=readonly -trimpath -buildvcs=false -ldflags='-s -w' -o "$tmp/otelcol" . >&2
  "$tmp/otelcol" --version >/dev/null
  mkdir -p "$dir"
  mv -f "$tmp/otelcol" "$bin"   # same filesystem: the binary appears whole or not at all
  echo "build.sh: built in $(( $(date +%s) - start )) s" >&2
fi
printf '%s\n' "$bin"
