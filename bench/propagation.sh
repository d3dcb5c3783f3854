#!/usr/bin/env bash
# make bench-propagation (issue 21): Iterative Multi-label Propagation — karate-club correctness, Fashion-MNIST
# quality against scikit-learn's LabelSpreading on the same graph, and the 5.1 M-node scale run (its own process, so
# its peak RSS is its own). Prints PASS/FAIL lines and exits 1 on any FAIL.
# Env: PROPAGATION_DIR (work dir, default /tmp/camsift-propagation), PROPAGATION_PYTHON (/usr/bin/python3),
#      PROPAGATION_ARGS (extra options, e.g. "--scale-iterations 5").
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product camsift-bench >/dev/null
echo "camsift-bench propagation run $(date -u +%FT%TZ) at $(git rev-parse --short HEAD) on $(nproc) cores"
status=0
.build/release/camsift-bench propagation --part karate,quality --work "${PROPAGATION_DIR:-/tmp/camsift-propagation}" \
  --python "${PROPAGATION_PYTHON:-/usr/bin/python3}" ${PROPAGATION_ARGS:-} || status=1
.build/release/camsift-bench propagation --part scale ${PROPAGATION_ARGS:-} || status=1
exit $status
