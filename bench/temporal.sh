#!/usr/bin/env bash
# make bench-temporal (issue 18): the paper's six rows on imbalanced JapaneseVowels, camsift vs a PyTorch peer on the
# same prepared arrays, 3 seeds; prints PASS/FAIL lines and exits 1 on a FAIL. Data: `make temporal-data`.
# Env: TEMPORAL_DIR (work dir, default /tmp/camsift-temporal), TEMPORAL_SEEDS (1,2,3), TEMPORAL_ARGS (extra
#      camsift-bench temporal options, e.g. "--epochs 30 --alpha 20 --lr 1e-3"), TEMPORAL_PYTHON (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product camsift-bench >/dev/null
echo "camsift-bench temporal run $(date -u +%FT%TZ) at $(git rev-parse --short HEAD) on $(nproc) cores"
.build/release/camsift-bench temporal --data weights/JapaneseVowels --work "${TEMPORAL_DIR:-/tmp/camsift-temporal}" \
  --seeds "${TEMPORAL_SEEDS:-1,2,3}" --python "${TEMPORAL_PYTHON:-/usr/bin/python3}" --peer-script bench/temporal_peer.py \
  ${TEMPORAL_ARGS:-}
