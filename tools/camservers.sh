#!/usr/bin/env bash
# Serves real outdoor-camera footage (Debian opencv-doc's vtest.avi, a fixed street camera) on 127.0.0.1 as:
#   MJPEG camera    http://127.0.0.1:${MJPEG_PORT:-8081}/cam.mjpg      (ffmpeg -f mpjpeg -listen 1, restarted per client)
#   snapshot camera http://127.0.0.1:${HTTP_PORT:-8080}/snap/vtest.jpg (nginx; ffmpeg refreshes the JPEG atomically, 2/s)
#   more scenes     http://127.0.0.1:${HTTP_PORT:-8080}/snap/{tree,megamind}.jpg (opencv-doc's tree.avi, Megamind.avi)
#   aggregator      http://127.0.0.1:${HTTP_PORT:-8080}/agg/{0001..0004}.jpg (four crops of the scene)
#   RTMP stream     rtmp://127.0.0.1:${RTMP_PORT:-1935}/live/vtest      (nginx-rtmp, ffmpeg publishing H.264)
# Usage: tools/camservers.sh start DIR | stop DIR. Everything it starts is recorded in DIR/pids and stopped by `stop`.
set -euo pipefail
cmd=${1:?start|stop}; dir=$(realpath -m "${2:?state dir}")
VIDEO=${VIDEO:-/usr/share/doc/opencv-doc/examples/data/vtest.avi}
HTTP_PORT=${HTTP_PORT:-8080}; MJPEG_PORT=${MJPEG_PORT:-8081}; RTMP_PORT=${RTMP_PORT:-1935}
FF="ffmpeg -hide_banner -loglevel fatal -nostdin"

stop() {
  [ -f "$dir/pids" ] || return 0
  # Each server runs in its own session (setsid), so killing the process group takes its children too.
  while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done < "$dir/pids"
  sleep 0.3
  while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done < "$dir/pids"
  rm -f "$dir/pids"
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ -r "$VIDEO" ] || { echo "camservers: $VIDEO missing — apt-get install opencv-doc" >&2; exit 66; }
stop
mkdir -p "$dir/www/snap" "$dir/www/agg" "$dir/nginx-tmp"
: > "$dir/pids"
rtmp_mod=$(ls /usr/lib/nginx/modules/ngx_rtmp_module.so 2>/dev/null || true)
cat > "$dir/nginx.conf" <<CONF
$( [ -n "$rtmp_mod" ] && echo "load_module $rtmp_mod;" )
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-tmp; proxy_temp_path $dir/nginx-tmp; fastcgi_temp_path $dir/nginx-tmp;
  uwsgi_temp_path $dir/nginx-tmp; scgi_temp_path $dir/nginx-tmp;
  keepalive_requests 100000;
  types { image/jpeg jpg; }
  server { listen 127.0.0.1:$HTTP_PORT; root $dir/www; etag on; }
}
$( [ -n "$rtmp_mod" ] && cat <<RTMP
rtmp { server { listen 127.0.0.1:$RTMP_PORT; application live { live on; record off; } } }
RTMP
)
CONF
setsid /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" & echo $! >> "$dir/pids"

# Snapshot + aggregator: one decoder, five atomically rewritten JPEGs, twice a second.
setsid $FF -re -stream_loop -1 -i "$VIDEO" -filter_complex \
  "fps=2,split=5[a][b][c][d][e];[b]crop=384:288:0:0[b1];[c]crop=384:288:384:0[c1];[d]crop=384:288:0:288[d1];[e]crop=384:288:384:288[e1]" \
  -map "[a]" -q:v 5 -update 1 -atomic_writing 1 -y "$dir/www/snap/vtest.jpg" \
  -map "[b1]" -q:v 5 -update 1 -atomic_writing 1 -y "$dir/www/agg/0001.jpg" \
  -map "[c1]" -q:v 5 -update 1 -atomic_writing 1 -y "$dir/www/agg/0002.jpg" \
  -map "[d1]" -q:v 5 -update 1 -atomic_writing 1 -y "$dir/www/agg/0003.jpg" \
  -map "[e1]" -q:v 5 -update 1 -atomic_writing 1 -y "$dir/www/agg/0004.jpg" &
echo $! >> "$dir/pids"

# Two more scenes as snapshot cameras (so labels can differ between cameras): a tree in the wind and an
# animated clip, both from opencv-doc, once a second.
for clip in tree Megamind; do
  src="$(dirname "$VIDEO")/$clip.avi"
  [ -r "$src" ] || continue
  out="$dir/www/snap/$(echo "$clip" | tr 'A-Z' 'a-z').jpg"
  setsid $FF -re -stream_loop -1 -i "$src" -vf fps=1 -q:v 5 -update 1 -atomic_writing 1 -y "$out" &
  echo $! >> "$dir/pids"
done

# MJPEG: ffmpeg's -listen serves one client per process, so serve in a loop.
setsid bash -c "while true; do $FF -re -stream_loop -1 -i '$VIDEO' -f mpjpeg -q:v 5 -listen 1 http://127.0.0.1:$MJPEG_PORT/cam.mjpg || sleep 0.5; done" &
echo $! >> "$dir/pids"

# RTMP: publish H.264 (short GOP so a new reader gets a key frame fast).
if [ -n "$rtmp_mod" ]; then
  setsid bash -c "sleep 1; while true; do $FF -re -stream_loop -1 -i '$VIDEO' -c:v libx264 -preset ultrafast \
      -tune zerolatency -g 10 -f flv rtmp://127.0.0.1:$RTMP_PORT/live/vtest || sleep 1; done" &
  echo $! >> "$dir/pids"
fi
for _ in $(seq 50); do [ -s "$dir/www/snap/vtest.jpg" ] && break; sleep 0.1; done
echo "camservers: serving $VIDEO on 127.0.0.1 (http :$HTTP_PORT, mjpeg :$MJPEG_PORT, rtmp :$RTMP_PORT); stop with: $0 stop $dir"
