# Two commands on a fresh Debian 12 machine as root: `make demo` and `make test`.
# Each installs what it needs (apt-get, npm ci), skipping what is already there.
SHELL := /bin/bash
JOBS ?= 2
# ccache across build directories and clones: the package build reuses the Release objects.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

APT_PACKAGES := build-essential cmake pkg-config ccache git openssl curl \
  libboost-dev libcurl4-openssl-dev libssl-dev libsimdjson-dev libspdlog-dev \
  prometheus-cpp-dev libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libsqlite3-dev sqlite3 libsystemd-dev prometheus prometheus-alertmanager python3 \
  systemd lintian dpkg-dev clang-16 libclang-rt-16-dev clang-tidy-16 \
  libmstch-dev libhowardhinnant-date-dev tzdata chromium fonts-liberation \
  mmdebstrap umoci skopeo runc yamllint

CMAKE_COMMON := -DSWAS_WERROR=ON
CONFORMANCE := tests/conformance
BROWSER := tests/browser
DEPLOY_CHECKS := tests/deploy

.PHONY: all deps node-deps build build-asan build-fuzz test test-release test-asan test-package \
  test-fuzz fuzz package image test-image demo bench soak torture clean

all: build

# apt-get only when something is missing; nodejs may come from elsewhere (npm bundled), so
# node and npm are checked as commands.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	  grep -q 'install ok installed' || echo $$p; done); \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The official SDK (conformance), playwright-core (the status page in chromium), and the
# Kubernetes, prometheus-operator and compose schemas (deploy_manifests).
node-deps: deps
	@for dir in $(CONFORMANCE) $(BROWSER) $(DEPLOY_CHECKS); do \
	  if [ ! -f $$dir/node_modules/.package-lock.json ] || \
	      [ $$dir/package-lock.json -nt $$dir/node_modules/.package-lock.json ]; then \
	    (cd $$dir && npm ci --no-audit --no-fund) || exit 1; \
	  fi; \
	done

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_COMMON)
	cmake --build build -j$(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWAS_SANITIZE=address,undefined \
	  -DSWAS_BUILD_BENCH=OFF $(CMAKE_COMMON)
	cmake --build build-asan -j$(JOBS)

test-release: build node-deps
	cd build && ../scripts/ctest_no_skips.sh --output-on-failure -j$(JOBS)

test-asan: build-asan node-deps
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ../scripts/ctest_no_skips.sh \
	  --output-on-failure -j$(JOBS) -E '^sizes$$'
# (sizes is a check of the sources, the same in both builds: test-release runs it.)

# The Debian package: a Release build without tests, installed under /usr by CPack.
package: deps
	cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DSWAS_BUILD_TESTS=OFF \
	  -DSWAS_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr $(CMAKE_COMMON)
	cmake --build build-pkg -j$(JOBS)
	cd build-pkg && cpack
	@ls build-pkg/package/*.deb

test-package: package
	scripts/check_package.sh build-pkg/package/*.deb

# The OCI image from the Debian package, without a base image (scripts/build_image.sh): the
# layout and the docker/podman archives under build-image/. swas-sim and the demo scenario ride
# along for the compose stack's demo. Debian's packages are cached in /var/cache.
image: package build
	rm -rf build-image/extra
	install -D -m 0755 -s build/swas-sim build-image/extra/usr/lib/swas-invocation-monitor/swas-sim
	install -D -m 0644 config/demo-scenario.yaml \
	  build-image/extra/usr/share/swas-invocation-monitor/demo-scenario.yaml
	scripts/build_image.sh build-pkg/package/*.deb build-image/extra build-image

# The image run with runc (as root): --check-config, --once against swas-sim, /healthz.
test-image: image
	scripts/check_image.sh build-image build/swas-sim

# libFuzzer targets with clang-16 (address and undefined sanitizers); see tests/fuzz.
build-fuzz: deps
	CXX=clang++-16 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWAS_FUZZ=ON \
	  -DSWAS_BUILD_TESTS=OFF -DSWAS_BUILD_BENCH=OFF
	cmake --build build-fuzz --target fuzz_targets -j$(JOBS)

# Every seed corpus replayed, then FUZZ_SECONDS of new inputs per target.
FUZZ_SECONDS ?= 20
test-fuzz: build-fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz: build-fuzz
	scripts/fuzz.sh $${FUZZ_SECONDS:-600}

test: test-release test-asan test-fuzz test-package test-image

demo: build
	@scripts/demo.sh

bench: build node-deps
	@scripts/bench.sh

# Resource flatness over 30 minutes (SOAK_SECONDS), figures into tests/bench/results.md.
soak: build
	@scripts/soak.sh

# Crash torture: N kills with SIGKILL at random moments (make test runs 10).
N ?= 100
torture: build
	SWAS_TORTURE_KILLS=$(N) ./build/tests/integration/torture_test

clean:
	rm -rf build build-asan build-pkg build-fuzz
