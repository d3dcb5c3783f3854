#!/usr/bin/env bash
# Registry scale at 10,000 generated snapshot cameras: (1) loader load/reload in process vs Foundation;
# (2) `camsift run` from the outside — time to READY=1 and to apply a
# one-file change (inotify → RELOADING=1 → READY=1), with python3 json.load over the same files as the peer.
# Usage: bench/registry.sh [--cameras N] [--repeat R] [--changes K] [--only loader|daemon]  (make bench-registry builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CAMSIFT_BIN:-.build/release/camsift}
BENCH=${CAMSIFT_BENCH_BIN:-.build/release/camsift-bench}
[ -x "$BIN" ] && [ -x "$BENCH" ] || swift build -c release
# 10,000 registry files are watched in one directory; make sure a low default does not skew the run.
ulimit -n 65536 2>/dev/null || true
exec "$BENCH" registry --bin "$BIN" "$@"
