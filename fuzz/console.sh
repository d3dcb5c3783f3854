#!/usr/bin/env bash
# make fuzz-console: the console's request router in-process, RUNS (default 1,000,000) generated requests on a
# real label store and review queue in a temporary archive (bench/Sources/camsift-bench/ConsoleFuzz.swift). Not
# libFuzzer like fuzz/jpeg.sh and fuzz/mjpeg.sh: the router needs the whole Console module and a label store.
# SEED=<n> repeats a run; a failure prints its run number, `--replay RUN` prints that request.
#   RUNS=1000000 SEED=12345 bash fuzz/console.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "$(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" console-fuzz --runs "${RUNS:-1000000}" ${SEED:+--seed "$SEED"}
