#!/usr/bin/env bash
# make fuzz-mjpeg: libFuzzer + ASan over the MJPEG parser (Sources/Ingest/MJPEG/MJPEGParser.swift, which only
# needs Glibc, compiled together with bench/fuzz/MJPEGFuzz.swift). RUNS (default 1,000,000) iterations over
# the seed corpus in bench/fuzz/corpus-mjpeg (real vtest.avi frames in every multipart quirk). New corpus
# entries go to a scratch copy; crash inputs are kept in bench/fuzz/regressions-mjpeg/, which
# MJPEGParserTests replays on every `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-1000000}
SCRATCH=.build-fuzz
mkdir -p "$SCRATCH/corpus-mjpeg" "$SCRATCH/artifacts-mjpeg" bench/fuzz/regressions-mjpeg
BIN="$SCRATCH/fuzz-mjpeg"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name MJPEGFuzz \
  -module-cache-path "$SCRATCH/module-cache" \
  Sources/Ingest/MJPEG/MJPEGParser.swift bench/fuzz/MJPEGFuzz.swift -o "$BIN"
cp -n bench/fuzz/corpus-mjpeg/* "$SCRATCH/corpus-mjpeg/" 2>/dev/null || true
cp -n bench/fuzz/regressions-mjpeg/* "$SCRATCH/corpus-mjpeg/" 2>/dev/null || true
echo "fuzz-mjpeg: $RUNS runs, corpus $(ls "$SCRATCH/corpus-mjpeg" | wc -l) files"
set +e
"$BIN" -runs="$RUNS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/artifacts-mjpeg/" "$SCRATCH/corpus-mjpeg" 2>&1 \
  | grep -vE "^#[0-9]+.*(NEW|REDUCE|pulse)" | tail -25
status=${PIPESTATUS[0]}
set -e
for a in "$SCRATCH"/artifacts-mjpeg/*; do
  [ -f "$a" ] || continue
  cp "$a" bench/fuzz/regressions-mjpeg/ && echo "kept crash input as bench/fuzz/regressions-mjpeg/$(basename "$a")"
done
exit "$status"
