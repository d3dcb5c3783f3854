#!/usr/bin/env bash
# camsift live demo (`make run`): serves real outdoor-camera footage (Debian opencv-doc's vtest.avi) on 127.0.0.1
# as an MJPEG camera, a snapshot camera, a four-camera aggregator and an RTMP stream (tools/camservers.sh), starts
# `camsift run` on the shipped registry (cameras/) with its state and log under ./var/demo/, and follows the
# classification log with `camsift tail -f`. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CAMSIFT_BIN:-.build/release/camsift}
[ -x "$BIN" ] || { echo "demo: no camsift binary at $BIN — run 'make build' (or make run) first" >&2; exit 66; }

VAR="$PWD/var/demo"
mkdir -p "$VAR/state" "$VAR/log" "$VAR/models" "$VAR/archive"
# The ImageNet model serves until the first retrain promotes a bundle of the operator's own labels.
ln -sf "$PWD/weights/effnet-lite0-imagenet.csm" "$VAR/models/imagenet.csm"
PORT=${DEMO_CONSOLE_PORT:-${DEMO_METRICS_PORT:-19464}}
LOG="$VAR/log/classifications.jsonl"
# An explicit config, so an installed /etc/camsift/camsift.json does not leak into the demo. The console (and
# /metrics) on a port of its own so an installed daemon's 9464 does not collide. Retrains train a level-1 head
# (frozen EfficientNet features, cached): a minute or two on 2 cores for a few dozen labelled frames.
cat > "$VAR/camsift.json" <<JSON
{
  "cameras": "$PWD/cameras",
  "state": "$VAR/state",
  "log": "$LOG",
  "archive": "$VAR/archive",
  "models": "$VAR/models",
  "console": "127.0.0.1:$PORT",
  "retrainFineTuneBlocks": 0,
  "computeThreads": 1,
  "decodeThreads": 1
}
JSON

echo "camsift demo: the console will be at http://127.0.0.1:$PORT/ (starting…)"
"$BIN" validate --config "$VAR/camsift.json" cameras/

daemon=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
  fi
  tools/camservers.sh stop "$VAR/servers" || true
  echo "demo stopped; the log stays in $LOG"
}
trap cleanup EXIT INT TERM

tools/camservers.sh start "$VAR/servers"
"$BIN" run --config "$VAR/camsift.json" 2>>"$VAR/daemon.log" &
daemon=$!

cat <<TXT

camsift demo — open the console:  http://127.0.0.1:$PORT/
  Cameras shows what each camera sees; Review holds frames worth labelling: create two labels, label ~20
  frames (click, shift-click, number keys), then Models → Retrain; the log below switches to your labels.
  classified frames appear below within a minute
  registry         $PWD/cameras   (edit a file: the daemon reloads it by itself)
  classification   $LOG
  operational log  $VAR/daemon.log   (camera up/down, reloads, errors)
  metrics          http://127.0.0.1:$PORT/metrics
  other terminal:  $BIN status --state $VAR/state    |    $BIN cameras --state $VAR/state
stop with Ctrl-C

TXT
"$BIN" tail -f --log "$LOG" &
tailer=$!
wait "$daemon" || true
kill "$tailer" 2>/dev/null || true
