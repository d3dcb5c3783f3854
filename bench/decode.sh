#!/usr/bin/env bash
# make bench-decode: JPEG -> model-input RGB throughput of camsift's JPEGDecoder vs tjbench (libjpeg-turbo-progs)
# on the same files at the same DCT scale. Frames are real footage (Debian opencv-doc's vtest.avi) at the
# camera's 768x576 and re-encoded at common IP-camera sizes (720p, 1080p).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_BIN:-.build/release/camsift-bench}
VIDEO=/usr/share/doc/opencv-doc/examples/data/vtest.avi
SIZE=${SIZE:-224}
FIT=${FIT:-crop}
SECONDS_PER=${SECONDS_PER:-0.6}
FILES=${FILES:-3}
[ -x "$BIN" ] || swift build -c release --product camsift-bench
DIR=$(mktemp -d /tmp/camsift-bench-decode.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
for spec in "768x576:" "1280x720:scale=1280:720," "1920x1080:scale=1920:1080,"; do
  name=${spec%%:*}; vf=${spec#*:}
  ffmpeg -nostdin -loglevel error -y -ss 5 -i "$VIDEO" -vf "${vf}fps=0.5" -frames:v "$FILES" -q:v 3 "$DIR/${name}-%02d.jpg"
done
"$BIN" decode --dir "$DIR" --size "$SIZE" --fit "$FIT" --seconds "$SECONDS_PER" --files "$FILES"
