#!/usr/bin/env bash
# camsift demo (first version): runs the daemon in the foreground on the shipped example registry
# (cameras/), with its state and classification log under ./var/demo/ instead of /var/lib and /var/log.
# Stop it with Ctrl-C (SIGTERM/SIGINT: graceful stop, exit 0). Reload the registry: kill -HUP <pid>.
# The pipeline issue turns this into the full live demo (local camera servers + classification).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CAMSIFT_BIN:-.build/release/camsift}
[ -x "$BIN" ] || { echo "demo: no camsift binary at $BIN — run 'make build' (or make run) first" >&2; exit 66; }

VAR="$PWD/var/demo"
mkdir -p "$VAR/state" "$VAR/log"
# An explicit config, so an installed /etc/camsift/camsift.json does not leak into the demo.
cat > "$VAR/camsift.json" <<JSON
{
  "cameras": "$PWD/cameras",
  "state": "$VAR/state",
  "log": "$VAR/log/classifications.jsonl",
  "archive": "$VAR/archive",
  "models": "$PWD/weights"
}
JSON

"$BIN" validate --config "$VAR/camsift.json" cameras/ || true

cat <<TXT
camsift demo
  registry         $PWD/cameras   (edit a file: the daemon reloads it by itself)
  config           $VAR/camsift.json
  classification   $VAR/log/classifications.jsonl
  state            $VAR/state   (camsift.pid, cameras.json)
in another terminal:
  $BIN tail -f --log $VAR/log/classifications.jsonl
  $BIN status --state $VAR/state
  $BIN retrain --state $VAR/state
stop with Ctrl-C
TXT
exec "$BIN" run --config "$VAR/camsift.json"
