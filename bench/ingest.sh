#!/usr/bin/env bash
# make bench-ingest: N local cameras through camsift's real ingest for a fixed time (see
# bench/Sources/camsift-bench/IngestBench.swift): snapshots from a real nginx aggregator whose JPEGs change,
# MJPEG from `camsift-bench camserver` (thousands of streams on one epoll thread), a few RTMP cameras from
# nginx-rtmp fed by ffmpeg. Everything on 127.0.0.1; the servers run as separate processes so the CPU figure
# is ingest + decode only. Prints cameras, decoded frames/s, CPU %, RSS per camera, drops/rejects, p50/p99
# capture->decoded latency and the decode queue over time.
#   CAMERAS=10000 MJPEG=2000 RTMP=4 INTERVAL=10 DURATION=60 DECODE_THREADS=(default: 2 on 2+ cores) bash bench/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_BIN:-.build/release/camsift-bench}
[ -x "$BIN" ] || swift build -c release --product camsift-bench
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (the box is shared; see RESULTS)"
"$BIN" ingest --cameras "${CAMERAS:-10000}" --mjpeg "${MJPEG:-2000}" --rtmp "${RTMP:-4}" \
  --interval "${INTERVAL:-10}" --duration "${DURATION:-60}" ${DECODE_THREADS:+--decode-threads "$DECODE_THREADS"} \
  --fps "${FPS:-1}" --size "${SIZE:-640x480}" 2> >(grep -vE "starting → online|stream opened" >&2)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
