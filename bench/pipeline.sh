#!/usr/bin/env bash
# make bench-pipeline: the full daemon against local cameras (see bench/Sources/camsift-bench/PipelineBench.swift).
# Two runs by default, at 1 frame / 10 s per camera:
#  - 10,000 static-scene cameras: real vtest.avi frames, each scene changes every 10 min, staggered (1 % of the
#    scenes every 6 s), so ~98 % of polls see an unchanged image; the warm-up covers the start-up burst
#    (every camera's first frame inside one interval);
#  - 1,000 always-changing cameras (every poll a new frame).
#   STATIC=10000 CHANGING=1000 DURATION=600 WARMUP=60 STATIC_WARMUP=180 COMPUTE_THREADS=2 bash bench/pipeline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
rc=0
if [ "${STATIC:-10000}" -gt 0 ]; then
  echo "== static scenes"
  "$BIN" pipeline --cameras "${STATIC:-10000}" --interval 10 --rotate-every 600 --stagger 1 \
    --duration "${DURATION:-600}" --warmup "${STATIC_WARMUP:-180}" --compute-threads "${COMPUTE_THREADS:-2}" || rc=1
fi
if [ "${CHANGING:-1000}" -gt 0 ]; then
  echo "== always-changing scenes"
  "$BIN" pipeline --cameras "${CHANGING:-1000}" --interval 10 --rotate-every 1 \
    --duration "${DURATION:-600}" --warmup "${WARMUP:-60}" --compute-threads "${COMPUTE_THREADS:-2}" || rc=1
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
