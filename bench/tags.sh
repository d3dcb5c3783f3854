#!/usr/bin/env bash
# make bench-tags (issue 19): yeast multi-label (5 seeded 60/20/20 splits) and the visual path end to end (2×2
# Fashion-MNIST mosaics → EfficientNet-Lite0 features + time-of-day context; 3 splits), Swift rows + scikit-learn
# peer in one run.
# Env: TAGS_DIR (peer files and log, default /tmp/camsift-tags), TAGS_PART (all | yeast | mosaic), TAGS_SPLITS (5),
#      TAGS_SEED (1), TAGS_TREES (500), TAGS_MIN_COMBINATION (5), TAGS_RFE_STEP (1), TAGS_MOSAICS (1500),
#      TAGS_MOSAIC_SPLITS (3), TAGS_MOSAIC_RFE_STEP (64), TAGS_PYTHON (/usr/bin/python3 with Debian python3-sklearn).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=.build/release/camsift-bench
swift build -c release --product camsift-bench >/dev/null
DIR="${TAGS_DIR:-/tmp/camsift-tags}"
mkdir -p "$DIR"
echo "camsift-bench tags $(date -u +%FT%TZ) on $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
"$BENCH" tags --data weights/yeast.csv --work "$DIR" --python "${TAGS_PYTHON:-/usr/bin/python3}" --peer bench/tags_peer.py \
  --splits "${TAGS_SPLITS:-5}" --seed "${TAGS_SEED:-1}" --trees "${TAGS_TREES:-500}" \
  --min-combination "${TAGS_MIN_COMBINATION:-5}" --rfe-step "${TAGS_RFE_STEP:-1}" --part "${TAGS_PART:-all}" \
  --mosaics "${TAGS_MOSAICS:-1500}" --mosaic-splits "${TAGS_MOSAIC_SPLITS:-3}" --mosaic-rfe-step "${TAGS_MOSAIC_RFE_STEP:-64}"
