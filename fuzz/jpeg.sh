#!/usr/bin/env bash
# make fuzz-jpeg: libFuzzer + ASan over camsift's JPEG decode path (JPEGDecoder + FrameFilter), seeded with
# real frames from Debian opencv-doc's vtest.avi (small sizes so an iteration costs microseconds), plus
# truncated and corrupted variants. RUNS (default 1,000,000) iterations; crashes land in fuzz/regressions/,
# which Tests/MediaTests/FuzzRegressionTests.swift replays on every `make test`. Scratch: .build-fuzz-jpeg at the
# repository root, never shared with fuzz/mjpeg.sh's .build-fuzz-mjpeg (a shared clang module cache made the
# second harness fail with "module '_Builtin_stddef' is defined in both …").
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
VIDEO=/usr/share/doc/opencv-doc/examples/data/vtest.avi
SCRATCH=../.build-fuzz-jpeg
swift build -c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "^\[" || true
BP=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
BIN="$SCRATCH/fuzz-jpeg"
rm -f "$BIN"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-cache-path "$SCRATCH/module-cache" \
  -I "$BP/Modules" -I Sources/CTurboJPEG -I Sources/CFFmpeg \
  harness/JPEGDecodeFuzz.swift "$BP/libFuzzMedia.a" \
  -lturbojpeg -lavformat -lavcodec -lavutil -lswscale -o "$BIN" 2>&1 | grep -v "Cannot export local symbol" || true
[ -x "$BIN" ] || { echo "fuzz-jpeg: harness did not link"; exit 1; }

CORPUS="$SCRATCH/corpus-jpeg"
if [ ! -d "$CORPUS" ] || [ -z "$(ls -A "$CORPUS")" ]; then
  mkdir -p "$CORPUS"
  for s in 64x48 96x72 160x120; do
    ffmpeg -nostdin -loglevel error -y -i "$VIDEO" -vf "scale=$s,fps=0.2" -frames:v 4 -q:v 4 "$CORPUS/seed-$s-%02d.jpg"
  done
  ffmpeg -nostdin -loglevel error -y -i "$VIDEO" -vf "scale=96x72,format=gray" -frames:v 1 "$CORPUS/seed-gray.jpg"
  ffmpeg -nostdin -loglevel error -y -i "$VIDEO" -vf "scale=96x72" -pix_fmt yuvj444p -frames:v 1 "$CORPUS/seed-444.jpg"
  ffmpeg -nostdin -loglevel error -y -i "$VIDEO" -vf "scale=96x72" -pix_fmt yuvj422p -frames:v 1 "$CORPUS/seed-422.jpg"
  # Truncated variants: the fault every flaky camera produces.
  for f in "$CORPUS"/seed-64x48-0*.jpg; do head -c $(( $(stat -c %s "$f") * 2 / 3 )) "$f" > "${f%.jpg}-cut.jpg"; done
fi
cp -n regressions/* "$CORPUS"/ 2>/dev/null || true
mkdir -p "$SCRATCH/artifacts"
echo "fuzz-jpeg: $RUNS runs, corpus $(ls "$CORPUS" | wc -l) files"
set +e
"$BIN" -runs="$RUNS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/artifacts/" "$CORPUS" 2>&1 | grep -vE "^#[0-9]+.*(NEW|REDUCE|pulse)" | tail -25
status=${PIPESTATUS[0]}
set -e
for a in "$SCRATCH"/artifacts/*; do
  [ -f "$a" ] || continue
  cp "$a" regressions/ && echo "kept crash input as fuzz/regressions/$(basename "$a")"
done
exit "$status"
