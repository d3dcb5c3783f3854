#!/usr/bin/env bash
# make bench-pipeline: the full daemon against local cameras (see bench/Sources/camsift-bench/PipelineBench.swift).
# Two runs by default: 10,000 static-scene cameras and 1,000 always-changing ones, at 1 frame / 10 s.
#   STATIC=10000 CHANGING=1000 DURATION=600 WARMUP=60 bash bench/pipeline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "== static scenes"
"$BIN" pipeline --cameras "${STATIC:-10000}" --interval 10 --rotate-every 3600 \
  --duration "${DURATION:-600}" --warmup "${WARMUP:-60}"
echo "== always-changing scenes"
"$BIN" pipeline --cameras "${CHANGING:-1000}" --interval 10 --rotate-every 1 \
  --duration "${DURATION:-600}" --warmup "${WARMUP:-60}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
