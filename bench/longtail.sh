#!/usr/bin/env bash
# make bench-longtail: long-tailed Fashion-MNIST (ρ = 100, 14,886 images) through `camsift train` / `camsift eval`.
# Builds the archives once (seeded), then trains every run once per training seed and prints one table (mean over seeds) (see bench/RESULTS.md (long-tail section)).
# Env: LONGTAIL_DIR (data + bundles, default /tmp/camsift-longtail), LONGTAIL_ITERATIONS (15), LONGTAIL_SEED (1: the
#      archive's draw), LONGTAIL_SEEDS (1,2,3: training seeds — every run once per seed, targets on the mean),
#      LONGTAIL_LANES (2 parallel runs), LONGTAIL_RHO (100), LONGTAIL_SHAPE (exponential|step), LONGTAIL_ORDER (e.g. 9,8,7,6,5,4,3,2,1,0).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
DIR="${LONGTAIL_DIR:-/tmp/camsift-longtail}"
SEED="${LONGTAIL_SEED:-1}"
SEEDS="${LONGTAIL_SEEDS:-1,2,3}"
RHO="${LONGTAIL_RHO:-100}"
SHAPE="${LONGTAIL_SHAPE:-exponential}"
ORDER="${LONGTAIL_ORDER:-0,1,2,3,4,5,6,7,8,9}"
BIN=.build/release/camsift
BENCH=.build/release/camsift-bench
[ -x "$BIN" ] || swift build -c release --product camsift
swift build -c release --product camsift-bench >/dev/null
STAMP="$DIR/data/.built-$RHO-$SHAPE-$ORDER-$SEED"
if [ ! -f "$STAMP" ]; then
  rm -rf "$DIR/data"; mkdir -p "$DIR/data"
  "$BENCH" longtail data --out "$DIR/data" --rho "$RHO" --shape "$SHAPE" --order "$ORDER" --seed "$SEED"
  touch "$STAMP"
fi
# LONGTAIL_RUNS=a,b re-runs only those (e.g. "default" with LONGTAIL_DEFAULT_ARGS) and reads the other rows
# back from the previous full run in the same directory (per seed); LONGTAIL_RUNS=none trains nothing and re-prints
# the table and targets from the stored runs.
if [ -z "${LONGTAIL_RUNS:-}" ]; then rm -rf "$DIR/runs"; fi
mkdir -p "$DIR/bin" "$DIR/runs"
# Run from a copy so a rebuild during the (long) benchmark cannot mix binaries between runs.
BINCOPY="$DIR/bin/camsift-$$"
cp "$BIN" "$BINCOPY"
trap 'rm -f "$BINCOPY"' EXIT
echo "camsift-bench longtail run (ρ=$RHO $SHAPE order $ORDER, archive seed $SEED, training seeds $SEEDS) $(date -u +%FT%TZ) on $(nproc) cores, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
"$BENCH" longtail run --data "$DIR/data" --camsift "$BINCOPY" --work "$DIR/runs" \
  --iterations "${LONGTAIL_ITERATIONS:-15}" --seeds "$SEEDS" --lanes "${LONGTAIL_LANES:-2}" ${LONGTAIL_RUNS:+--runs "$LONGTAIL_RUNS"} \
  ${LONGTAIL_DEFAULT_ARGS:+--default-args "$LONGTAIL_DEFAULT_ARGS"}
