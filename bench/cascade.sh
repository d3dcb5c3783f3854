#!/usr/bin/env bash
# make bench-cascade (issue 20, "The cascade"): see bench/Sources/camsift-bench/CascadeBench.swift.
# Task 1 (gated): three real videos of opencv-doc at 640×480 (the pipeline farm's size), labelled by scene — the
#    kind of class an operator gives a camera network: street (vtest.avi, a fixed street camera), cartoon
#    (Megamind.avi) and tree (tree.avi, hand-held). The first quarter of each video (vtest 1–200, Megamind 1–68,
#    tree 1–17) is held out: the cheap stage never sees it, the threshold is never fitted on it, and the farm serves
#    it to the daemon. The rest is the archive: `camsift train --arch effnet-lite0 --fine-tune-blocks 0 --cascade
#    --split 50/30/20` (the threshold's Wilson bound needs ≥ 133 frames for 98 % at 95 %; reference + test give ~420).
#    Then camsift-bench cascade: cost vs an EfficientNet-Lite0 pass, agreement on the held-out frames, and the
#    pipeline ladder without / with the cascade (each step a fresh daemon: WARMUP + DURATION seconds).
# Task 2 (INFO, HARD=1): the earlier, ill-posed task — vtest frames 201–795 labelled by the ImageNet classifier's
#    top-1 (pole / unicycle / alp / other on one static scene) — to show what the bound does when the cheap stage
#    cannot agree with the main model: agreement on frames 1–200 and the share settled.
# Env: PLAIN_STEPS (600,900,1200,1500,1800: the ladder climbs until a step fails), CASCADE_STEPS (2.5, 4, 6, 8 × the
#      best plain step, ≤ 10,000, until a step fails), WARMUP (20), DURATION (40), COMPUTE_THREADS (2), PIPELINE (1; 0 skips the ladder), HARD (1).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
BIN=.build/release/camsift
EFFNET=weights/effnet-lite0-imagenet.csm
DATA=/usr/share/doc/opencv-doc/examples/data
[ -f "$EFFNET" ] || { echo "no $EFFNET: run make weights"; exit 66; }
swift build -c release --product camsift >/dev/null
swift build -c release --product camsift-bench >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $(date -u '+%F %T') UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
W=$(mktemp -d /tmp/camsift-bench-cascade.XXXXXX)
trap 'rm -rf "$W"' EXIT

# Task 1: scenes.
mkdir -p "$W/held"
for spec in street:vtest.avi:200 cartoon:Megamind.avi:68 tree:tree.avi:17; do
  IFS=: read -r label video held <<<"$spec"
  mkdir -p "$W/frames-$label" "$W/archive/$label"
  ffmpeg -nostdin -v error -i "$DATA/$video" -vf scale=640:480 -fps_mode passthrough -q:v 3 "$W/frames-$label/%04d.jpg"
  for f in "$W/frames-$label"/*.jpg; do
    n=$((10#$(basename "$f" .jpg)))
    if [ "$n" -le "$held" ]; then mv "$f" "$W/held/$label-$(basename "$f")"; else mv "$f" "$W/archive/$label/"; fi
  done
done
echo "scenes: archive $(for d in "$W"/archive/*; do printf '%s %s  ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done); held out $(ls "$W/held" | wc -l) frames"
/usr/bin/time -f "train + cascade: %e s wall, %U s user" "$BIN" train --archive "$W/archive" --out "$W/bundle" \
  --arch effnet-lite0 --fine-tune-blocks 0 --backbone "$EFFNET" --seed 1 --quiet --split 50/30/20 --cascade
status=0
.build/release/camsift-bench cascade --bundle "$W/bundle" --frames "$W/held" --imagenet "$EFFNET" --bin "$BIN" \
  --name "scenes" --plain-steps "${PLAIN_STEPS:-600,900,1200,1500,1800}" ${CASCADE_STEPS:+--cascade-steps "$CASCADE_STEPS"} \
  --warmup "${WARMUP:-20}" --duration "${DURATION:-40}" --compute-threads "${COMPUTE_THREADS:-2}" --pipeline "${PIPELINE:-1}" \
  || status=$?

# Task 2: vtest by ImageNet top-1 (INFO).
if [ "${HARD:-1}" = 1 ]; then
  mkdir -p "$W/hard/all" "$W/hard/held" "$W/hard/archive"
  ffmpeg -nostdin -v error -i "$DATA/vtest.avi" -vf scale=640:480 -q:v 3 "$W/hard/all/%04d.jpg"
  for f in "$W"/hard/all/*.jpg; do
    n=$((10#$(basename "$f" .jpg)))
    if [ "$n" -le 200 ]; then mv "$f" "$W/hard/held/"; fi
  done
  "$BIN" classify --model "$EFFNET" --top 1 --json "$W"/hard/all/*.jpg > "$W/hard/labels.jsonl"
  /usr/bin/python3 - "$W/hard" <<'PY'
import collections, json, os, sys
w = sys.argv[1]
rows = [json.loads(l) for l in open(w + "/labels.jsonl")]
name = lambda r: r["top"][0][0].split(",")[0].strip().replace(" ", "-")
counts = collections.Counter(name(r) for r in rows)
for r in rows:
    label = name(r) if counts[name(r)] >= 15 else "other"
    os.makedirs(f"{w}/archive/{label}", exist_ok=True)
    os.rename(r["image"], f"{w}/archive/{label}/{os.path.basename(r['image'])}")
print("imagenet-top1 task: labels of frames 201-795:", dict(collections.Counter(
    name(r) if counts[name(r)] >= 15 else "other" for r in rows)))
PY
  "$BIN" train --archive "$W/hard/archive" --out "$W/hard/bundle" --arch effnet-lite0 --fine-tune-blocks 0 \
    --backbone "$EFFNET" --seed 1 --quiet --split 50/30/20 --cascade
  .build/release/camsift-bench cascade --bundle "$W/hard/bundle" --frames "$W/hard/held" --imagenet "$EFFNET" --bin "$BIN" \
    --name "imagenet-top1" --gate 0 --pipeline 0 || status=$?
fi
exit "$status"
