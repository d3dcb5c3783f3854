#!/usr/bin/env bash
# make fuzz-mjpeg: libFuzzer + ASan over the MJPEG parser (Sources/Ingest/MJPEG/MJPEGParser.swift, which only
# needs Glibc, compiled together with fuzz/harness/MJPEGFuzz.swift). RUNS (default 1,000,000) iterations over
# the seed corpus in fuzz/corpus-mjpeg (real vtest.avi frames in every multipart quirk). New corpus entries go
# to a scratch copy; crash inputs are kept in fuzz/regressions-mjpeg/, which MJPEGParserTests replays on every
# `make test`. Scratch: .build-fuzz-mjpeg at the repository root (its own clang module cache: sharing one with
# fuzz/jpeg.sh's .build-fuzz-jpeg made the second harness fail with "module '_Builtin_stddef' is defined in
# both …").
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
SCRATCH=../.build-fuzz-mjpeg
mkdir -p "$SCRATCH/corpus-mjpeg" "$SCRATCH/artifacts-mjpeg" regressions-mjpeg
BIN="$SCRATCH/fuzz-mjpeg"
rm -f "$BIN"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name MJPEGFuzz \
  -module-cache-path "$SCRATCH/module-cache" \
  ../Sources/Ingest/MJPEG/MJPEGParser.swift harness/MJPEGFuzz.swift -o "$BIN" 2>&1 \
  | grep -v "Cannot export local symbol" || true
[ -x "$BIN" ] || { echo "fuzz-mjpeg: harness did not link"; exit 1; }
cp -n corpus-mjpeg/* "$SCRATCH/corpus-mjpeg/" 2>/dev/null || true
cp -n regressions-mjpeg/* "$SCRATCH/corpus-mjpeg/" 2>/dev/null || true
echo "fuzz-mjpeg: $RUNS runs, corpus $(ls "$SCRATCH/corpus-mjpeg" | wc -l) files"
set +e
"$BIN" -runs="$RUNS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/artifacts-mjpeg/" "$SCRATCH/corpus-mjpeg" 2>&1 \
  | grep -vE "^#[0-9]+.*(NEW|REDUCE|pulse)" | tail -25
status=${PIPESTATUS[0]}
set -e
for a in "$SCRATCH"/artifacts-mjpeg/*; do
  [ -f "$a" ] || continue
  cp "$a" regressions-mjpeg/ && echo "kept crash input as fuzz/regressions-mjpeg/$(basename "$a")"
done
exit "$status"
