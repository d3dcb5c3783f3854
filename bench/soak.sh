#!/usr/bin/env bash
# make bench-soak: issue 6's soak (see bench/Sources/camsift-bench/SoakBench.swift): the full daemon with 1,000
# cameras for an hour, the snapshot server killed and the MJPEG streams stalled on a schedule, one SIGUSR1
# retrain + promotion in the middle; checks no crash, no lost line, RSS flat.
#   CAMERAS=1000 DURATION=3600 WARMUP=300 FAULT_EVERY=600 bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
"$BIN" soak --cameras "${CAMERAS:-1000}" --mjpeg "${MJPEG:-100}" --duration "${DURATION:-3600}" --warmup "${WARMUP:-300}" \
  --fault-every "${FAULT_EVERY:-600}" --rotate-every "${ROTATE_EVERY:-60}" --per-class "${PER_CLASS:-100}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
