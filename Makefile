# vlab — see README.md. `make` builds, `sudo make check` installs what is
# missing and runs every test, `sudo make demo` runs the default lab.
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

PKGS    := libnl-3.0 libnl-route-3.0 libmnl inih libnftnl libpcap
CFLAGS  ?= -O2 -g
# Flags the build needs whatever CFLAGS the caller gives (make asan, fuzz).
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Iinclude -DVLAB_VERSION=\"$(VERSION)\" \
	   $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LDLIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Debian packages: building, testing, and the stock-kernel (qemu) tier.
DEPS_BUILD := gcc make pkg-config libnl-3-dev libnl-route-3-dev libmnl-dev \
	libinih-dev libnftnl-dev libcmocka-dev libpcap-dev
DEPS_TEST  := iproute2 iputils-ping iperf3 tcpdump netcat-openbsd nftables \
	graphviz valgrind time qemu-system-x86 busybox-static cpio xz-utils kmod clang \
	python3 groff-base bsdextrautils zsh

LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit check-topologies golden sanitize integration test-labs qemu demo bench \
	stress fuzz asan valgrind install clean

all: $(BUILD)/vlab

$(BUILD)/%.o: src/%.c $(wildcard include/vlab/*.h) | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD):
	mkdir -p $(BUILD)/tests

$(BUILD)/libvlab.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/vlab: $(BUILD)/main.o $(BUILD)/libvlab.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libvlab.a | $(BUILD)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libvlab.a $(LDLIBS) $(TEST_LDLIBS)

# Install missing Debian packages (needs root; a no-op when all are there).
deps:
	@missing=$$(for p in $(DEPS_BUILD) $(DEPS_TEST); do \
		dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing; \
	fi

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

check-topologies: $(BUILD)/vlab
	@tests/check-topologies.sh $(BUILD)/vlab
	@tests/cli.sh $(BUILD)/vlab
	@tests/man.sh $(BUILD)/vlab
	@tests/completion.sh

golden: $(BUILD)/vlab
	@tests/golden/run.sh $(BUILD)/vlab

integration: $(BUILD)/vlab
	@tests/integration/run.sh $(BUILD)/vlab

# `vlab test` on every bundled lab (root; also part of make integration).
test-labs: $(BUILD)/vlab
	@VLAB=$(abspath $(BUILD)/vlab) bash tests/integration/t_topologies.sh

stress: $(BUILD)/vlab
	@tests/integration/run.sh $(BUILD)/vlab tests/stress

qemu: $(BUILD)/vlab
	@tests/qemu/run.sh $(BUILD)/vlab

# Everything: unit tests, every bundled topology, root integration tests on
# this kernel, reliability tests (faults, kill -9, decoys, cycles), the
# integration tests under ASan/UBSan, and beside those (tests/check-tiers.sh)
# the same integration tests on a stock Debian kernel under qemu.
check: deps
	$(MAKE) all
	$(MAKE) unit check-topologies golden
	$(MAKE) $(BUILD)/vlab asan
	@tests/check-tiers.sh "$(MAKE)"
	@echo "make check: all tiers passed"

demo: deps
	$(MAKE) all
	@tests/demo.sh $(BUILD)/vlab topologies/demo.ini

bench: deps
	$(MAKE) all
	@bench/run.sh $(BUILD)/vlab

asan:
	$(MAKE) BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BINS))

# The unit and integration tests again against the ASan+UBSan build.
sanitize: asan
	@ASAN_OPTIONS=detect_leaks=1 VLAB_TIME_FACTOR=10 tests/run-unit.sh $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BINS))
	@ASAN_OPTIONS=detect_leaks=1 tests/integration/run.sh build-asan/vlab

install: $(BUILD)/vlab
	install -Dm755 $(BUILD)/vlab $(DESTDIR)$(PREFIX)/bin/vlab
	install -Dm644 man/vlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/vlab.1
	install -Dm644 man/vlab.ini.5 $(DESTDIR)$(PREFIX)/share/man/man5/vlab.ini.5
	install -Dm644 completion/vlab.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vlab
	install -Dm644 completion/_vlab $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_vlab

clean:
	rm -rf build build-asan build-fuzz

# Fuzz the parser, validator and planner (libFuzzer, clang). Crashes land in
# build-fuzz/; each one found becomes a tests/bad/ or tests/fuzz/regress case.
FUZZ_SECONDS ?= 60
# An input at the expansion caps (20,000 nodes) takes 0.15 s natively and
# several seconds under ASan+coverage: 20 s still catches real hangs.
FUZZ_TIMEOUT ?= 20
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
		build-fuzz/libvlab.a
	clang -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
		-o build-fuzz/fuzz_topology tests/fuzz/fuzz_topology.c build-fuzz/libvlab.a $(LDLIBS)
	mkdir -p build-fuzz/corpus
	cp topologies/*.ini tests/bad/*.ini tests/good/*.ini build-fuzz/corpus/ 2>/dev/null || true
	cd build-fuzz && ./fuzz_topology -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-timeout=$(FUZZ_TIMEOUT) corpus
