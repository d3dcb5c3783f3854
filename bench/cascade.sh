#!/usr/bin/env bash
# make bench-cascade (issue 20, "The cascade"): see bench/Sources/camsift-bench/CascadeBench.swift.
# 1. Footage: vtest.avi at 640×480 (the pipeline farm's size). Frames 0–199 (the ones the farm serves) are held
#    out; frames 200–794 are labelled by the ImageNet EfficientNet-Lite0 (`camsift classify`, top-1, first name of
#    the synset; labels with < 15 frames merged into `other`) into ARCHIVE/<label>/.
# 2. The main model: `camsift train --arch effnet-lite0 --fine-tune-blocks 0 --cascade` on that archive — the
#    bundle's cheap stage is trained and its threshold fitted on the reference split for 98 % agreement.
# 3. camsift-bench cascade: cost vs an EfficientNet-Lite0 pass, agreement on the held-out frames, and the pipeline
#    ladder without / with the cascade (each step a fresh daemon: WARMUP + DURATION seconds).
# Env: PLAIN_STEPS (300,600,900,1200), CASCADE_STEPS (2.5 × the best plain step), WARMUP (20), DURATION (40),
#      COMPUTE_THREADS (2), PIPELINE (1; 0 skips the ladder).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
BIN=.build/release/camsift
EFFNET=weights/effnet-lite0-imagenet.csm
[ -f "$EFFNET" ] || { echo "no $EFFNET: run make weights"; exit 66; }
swift build -c release --product camsift >/dev/null
swift build -c release --product camsift-bench >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
W=$(mktemp -d /tmp/camsift-bench-cascade.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/all" "$W/held" "$W/archive"
ffmpeg -nostdin -v error -i /usr/share/doc/opencv-doc/examples/data/vtest.avi -vf scale=640:480 -q:v 3 "$W/all/%04d.jpg"
for f in "$W"/all/*.jpg; do
  n=$((10#$(basename "$f" .jpg)))
  if [ "$n" -le 200 ]; then mv "$f" "$W/held/"; fi
done
"$BIN" classify --model "$EFFNET" --top 1 --json "$W"/all/*.jpg > "$W/labels.jsonl"
/usr/bin/python3 - "$W" <<'PY'
import collections, json, os, sys
w = sys.argv[1]
rows = [json.loads(l) for l in open(w + "/labels.jsonl")]
name = lambda r: r["top"][0][0].split(",")[0].strip().replace(" ", "-")
counts = collections.Counter(name(r) for r in rows)
for r in rows:
    label = name(r) if counts[name(r)] >= 15 else "other"
    os.makedirs(f"{w}/archive/{label}", exist_ok=True)
    os.rename(r["image"], f"{w}/archive/{label}/{os.path.basename(r['image'])}")
print("labels (ImageNet top-1 of frames 201-795):", dict(collections.Counter(
    name(r) if counts[name(r)] >= 15 else "other" for r in rows)))
PY
/usr/bin/time -f "train + cascade: %e s wall, %U s user" "$BIN" train --archive "$W/archive" --out "$W/bundle" \
  --arch effnet-lite0 --fine-tune-blocks 0 --backbone "$EFFNET" --seed 1 --quiet --cascade
exec .build/release/camsift-bench cascade --bundle "$W/bundle" --frames "$W/held" --imagenet "$EFFNET" --bin "$BIN" \
  --plain-steps "${PLAIN_STEPS:-300,600,900,1200}" ${CASCADE_STEPS:+--cascade-steps "$CASCADE_STEPS"} \
  --warmup "${WARMUP:-20}" --duration "${DURATION:-40}" --compute-threads "${COMPUTE_THREADS:-2}" --pipeline "${PIPELINE:-1}"
