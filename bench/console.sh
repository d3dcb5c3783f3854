#!/usr/bin/env bash
# make bench-console: the operator console of the real `camsift run` at 10,000 cameras (the pipeline bench's farm,
# static scenes, 1 frame / 10 s each), on 127.0.0.1 (see bench/Sources/camsift-bench/ConsoleBench.swift):
#  (a) /cameras (60 tiles), a filtered and the last grid page, /api/cameras: p95 < 1 s over LOADS loads each;
#  (b) the daemon's frames/s in ROUNDS alternating windows of WINDOW s without and with headless Chromium
#      (CLIENT=chromium, bench/console_browser.py) or curl (CLIENT=curl) refreshing the grid every second:
#      median ratio ≥ 0.95.
#   CAMERAS=10000 WARMUP=180 WINDOW=30 ROUNDS=3 LOADS=30 CLIENT=chromium bash bench/console.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
rc=0
"$BIN" console --cameras "${CAMERAS:-10000}" --warmup "${WARMUP:-180}" --window "${WINDOW:-30}" --rounds "${ROUNDS:-3}" \
  --loads "${LOADS:-30}" --client "${CLIENT:-chromium}" --compute-threads "${COMPUTE_THREADS:-2}" || rc=1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
