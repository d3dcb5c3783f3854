#!/usr/bin/env bash
# make bench-transfer (issue 16): the operator's loop at its shortest — a level-1 transfer head (frozen
# EfficientNet-Lite0 features, cached) trained on 200 labelled 640×480 camera frames of 4 classes, end to end
# from the JPEGs, timed on this box. Frames: Debian opencv-doc's vtest.avi (a real street camera), 200 frames at
# 2.5 fps scaled to 640×480, labelled by time window (4 windows of 50 consecutive frames: the people in the scene
# differ, which a head on ImageNet features can tell). Target: ≤ 60 s wall (Frigate trains its state classifier
# in 1–3 minutes on CPU). Also prints the test-split accuracy, so a fast but useless head cannot pass unnoticed.
#   FRAMES=200 CLASSES=4 THREADS=2 LIMIT=60 bash bench/transfer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/camsift}
MODEL=weights/effnet-lite0-imagenet.csm
VIDEO=/usr/share/doc/opencv-doc/examples/data/vtest.avi
FRAMES=${FRAMES:-200}
CLASSES=${CLASSES:-4}
THREADS=${THREADS:-2}
LIMIT=${LIMIT:-60}
for f in "$BIN" "$MODEL" "$VIDEO"; do
  [ -e "$f" ] || { echo "bench/transfer.sh: $f is missing; run \`make bench-transfer\` (it builds everything)" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/camsift-bench-transfer.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
fps=$(python3 -c "print($FRAMES / 79.5)")
ffmpeg -nostdin -loglevel error -y -i "$VIDEO" -vf "fps=$fps,scale=640:480" -frames:v "$FRAMES" -q:v 3 "$DIR/f-%04d.jpg"
n=$(ls "$DIR"/f-*.jpg | wc -l)
per=$(( (n + CLASSES - 1) / CLASSES ))
i=0
for f in $(ls "$DIR"/f-*.jpg); do
  c=$(( i / per )); mkdir -p "$DIR/archive/window-$c"; mv "$f" "$DIR/archive/window-$c/"; i=$((i + 1))
done
echo "archive: $n frames of 640x480 in $CLASSES time windows ($(for d in "$DIR"/archive/*; do echo -n "$(basename "$d")=$(ls "$d" | wc -l) "; done))"
start=$(date +%s.%N)
"$BIN" train --archive "$DIR/archive" --out "$DIR/model" --arch effnet-lite0 --backbone "$MODEL" --fine-tune-blocks 0 \
  --threads "$THREADS" --quiet > "$DIR/train.out"
end=$(date +%s.%N)
secs=$(python3 -c "print(f'{$end - $start:.1f}')")
grep -iE "accuracy|test split" "$DIR/train.out" | head -4 || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if python3 -c "import sys; sys.exit(0 if $end - $start <= $LIMIT else 1)"; then
  echo "PASS  level-1 transfer, $n frames, $CLASSES classes, end to end from JPEGs: $secs s vs ≤ $LIMIT s"
else
  echo "FAIL  level-1 transfer, $n frames, $CLASSES classes, end to end from JPEGs: $secs s vs ≤ $LIMIT s"
  exit 1
fi
