#!/usr/bin/env bash
# make bench-lowlevel (issue 20): Table I's bootstrapped batches against plain, weighted and balanced batches for
# the Table III low-level-feature network, each Fashion-MNIST class in turn as the concept (see
# bench/Sources/camsift-bench/LowLevelBench.swift and bench/RESULTS.md). Exits 1 when a target fails.
# Env: LOWLEVEL_ITERATIONS (2: I, Table I iterations; every row trains I × 100 steps), LOWLEVEL_SEED (1),
#      LOWLEVEL_CONCEPTS (0,…,9), LOWLEVEL_LR (Adam learning rate, 1e-2).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product camsift-bench >/dev/null
exec .build/release/camsift-bench lowlevel --iterations "${LOWLEVEL_ITERATIONS:-2}" --seed "${LOWLEVEL_SEED:-1}" \
  --concepts "${LOWLEVEL_CONCEPTS:-0,1,2,3,4,5,6,7,8,9}" --lr "${LOWLEVEL_LR:-1e-2}"
