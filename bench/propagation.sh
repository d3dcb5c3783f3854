#!/usr/bin/env bash
# make bench-propagation (issue 21): Iterative Multi-label Propagation — karate-club correctness, Fashion-MNIST
# quality against scikit-learn's LabelSpreading on the same graph, and the 5.1 M-node scale run (its own process, so
# its peak RSS is its own). Prints PASS/FAIL lines and exits 1 on any FAIL.
# Env: PROPAGATION_DIR (work dir, default /tmp/camsift-propagation), PROPAGATION_PYTHON (/usr/bin/python3),
#      PROPAGATION_ARGS (extra options, e.g. "--scale-iterations 5"), PROPAGATION_PYSPARK (pyspark --target directory,
#      default weights/pyspark-4.3.0; the scale part then runs the same graph through tools/imp_spark.py in local[2],
#      SPARK_ARGS e.g. "--spark-budget 900 --spark-partitions 6").
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product camsift-bench >/dev/null
echo "camsift-bench propagation run $(date -u +%FT%TZ) at $(git rev-parse --short HEAD) on $(nproc) cores"
status=0
.build/release/camsift-bench propagation --part karate,quality --work "${PROPAGATION_DIR:-/tmp/camsift-propagation}" \
  --python "${PROPAGATION_PYTHON:-/usr/bin/python3}" ${PROPAGATION_ARGS:-} || status=1
pyspark="${PROPAGATION_PYSPARK:-$PWD/weights/pyspark-4.3.0}"
spark=()
if [ -f "$pyspark/pyspark/__init__.py" ]; then spark=(--pyspark "$pyspark"); else echo "no pyspark at $pyspark (make spark): Spark column skipped"; fi
.build/release/camsift-bench propagation --part scale --work "${PROPAGATION_DIR:-/tmp/camsift-propagation}" "${spark[@]}" \
  ${SPARK_ARGS:-} ${PROPAGATION_ARGS:-} || status=1
exit $status
