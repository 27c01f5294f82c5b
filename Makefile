# Build, install and test the Rust libzmq. `make` builds; `make test` runs every test.

PREFIX    ?= /usr/local
DRAFT     ?= 0
CARGO     ?= cargo
SOVERSION  = 5
SOFULL     = 5.2.5
BUILD      = build
LIBDIR     = $(BUILD)/lib
RELEASE    = target/release

ifeq ($(DRAFT),1)
PC_DEFINES = -DZMQ_BUILD_DRAFT_API=1
else
PC_DEFINES =
endif

.PHONY: all lib install test deps cargo-test header-check abi-check install-check capi-test system-test preload-test cppzmq-test valgrind-test memcheck demo examples examples-test examples-inject-test interop-test pyzmq-test clean bench bench-quick

all: lib pkgconfig/libzmq.pc

# The release cdylib (SONAME libzmq.so.5), the static library, and include/zmq.h (build.rs).
lib:
	$(CARGO) build --release --lib
	@mkdir -p $(LIBDIR)
	@# Replace by rename, never rewrite in place: running programs may have the old file mapped.
	cp -f $(RELEASE)/libzmq.so $(LIBDIR)/.libzmq.so.tmp.$$$$ && mv -f $(LIBDIR)/.libzmq.so.tmp.$$$$ $(LIBDIR)/libzmq.so.$(SOFULL)
	ln -sf libzmq.so.$(SOFULL) $(LIBDIR)/libzmq.so.$(SOVERSION)
	ln -sf libzmq.so.$(SOVERSION) $(LIBDIR)/libzmq.so
	cp -f $(RELEASE)/libzmq.a $(LIBDIR)/.libzmq.a.tmp.$$$$ && mv -f $(LIBDIR)/.libzmq.a.tmp.$$$$ $(LIBDIR)/libzmq.a

pkgconfig/libzmq.pc: pkgconfig/libzmq.pc.in Makefile FORCE
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@defines@|$(PC_DEFINES)|' $< > $@

FORCE:

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(LIBDIR)/libzmq.so.$(SOFULL) $(DESTDIR)$(PREFIX)/lib/libzmq.so.$(SOFULL)
	ln -sf libzmq.so.$(SOFULL) $(DESTDIR)$(PREFIX)/lib/libzmq.so.$(SOVERSION)
	ln -sf libzmq.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libzmq.so
	install -m 644 $(LIBDIR)/libzmq.a $(DESTDIR)$(PREFIX)/lib/libzmq.a
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@defines@|$(PC_DEFINES)|' pkgconfig/libzmq.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/libzmq.pc
	install -m 644 include/zmq.h include/zmq_utils.h $(DESTDIR)$(PREFIX)/include/

deps:
	@scripts/ensure-deps.sh

test: deps all
	@scripts/test-all.sh

cargo-test:
	$(CARGO) test --quiet

# The committed header must be what cbindgen generates now.
header-check: lib
	@git diff --exit-code --stat -- include/zmq.h || \
		{ echo "include/zmq.h differs from the committed one: commit the regenerated header"; exit 1; }

abi-check: lib
	capi-tests/abi/check.sh $(LIBDIR)

install-check: lib
	scripts/check-install.sh

capi-test: lib
	capi-tests/run.sh $(LIBDIR)

# The same tests compiled against the system zmq.h and libzmq, run on ours (the ABI proof).
system-test: lib
	capi-tests/run.sh --system $(LIBDIR)

# The same binaries (system header, linked to the system libzmq.so.5) with ours injected by
# LD_PRELOAD.
preload-test: lib
	capi-tests/run.sh --preload $(LIBDIR)

# A C++ program on Debian's cppzmq headers, built against our zmq.h, plainly and under valgrind.
cppzmq-test: lib
	capi-tests/cppzmq/run.sh $(LIBDIR)

valgrind-test: lib
	capi-tests/run.sh --valgrind $(LIBDIR)

# Every C test and every example under valgrind memcheck (errors or definite/indirect leaks fail).
memcheck: valgrind-test examples
	EXAMPLE_MODES=valgrind scripts/run-examples.sh $(BUILD)/examples

# A peer on the real libzmq (system libzmq.so.5) against a peer on ours, over tcp and ipc.
interop-test: lib
	capi-tests/interop/run.sh $(LIBDIR)

# pyzmq 27.3.0 built from its PyPI sdist against `make install PREFIX=build/pyzmq/prefix`, and its
# own test suite run on it; ends with "pyzmq: N passed, N failed". PYZMQ_AGAINST=system runs the
# same against Debian's libzmq. Needs PyPI on the first run only (venv and sdist are cached).
pyzmq-test: lib
	scripts/pyzmq-test.sh

# The guide-style C programs in examples/, built against include/zmq.h and $(LIBDIR).
CC              ?= cc
EXAMPLE_CFLAGS   = -std=gnu11 -g -O1 -Wall -Wextra -Werror -pthread
EXAMPLE_SRCS     = $(filter-out examples/helpers.h,$(wildcard examples/*.c))
EXAMPLE_BINS     = $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))
# The tcp examples: several processes each, started together by scripts/run-examples.sh.
TCP_EXAMPLE_SRCS = $(wildcard examples/tcp/*.c)
TCP_EXAMPLE_BINS = $(patsubst examples/tcp/%.c,$(BUILD)/examples/tcp/%,$(TCP_EXAMPLE_SRCS))

examples: lib
	@$(MAKE) --no-print-directory $(EXAMPLE_BINS) $(TCP_EXAMPLE_BINS)

$(BUILD)/examples/%: examples/%.c examples/helpers.h include/zmq.h
	@mkdir -p $(BUILD)/examples
	$(CC) $(EXAMPLE_CFLAGS) -Iinclude -o $@ $< -L$(LIBDIR) -lzmq -Wl,-rpath,$(abspath $(LIBDIR))

$(BUILD)/examples/tcp/%: examples/tcp/%.c examples/tcp/net.h examples/helpers.h include/zmq.h
	@mkdir -p $(BUILD)/examples/tcp
	$(CC) $(EXAMPLE_CFLAGS) -Iinclude -o $@ $< -L$(LIBDIR) -lzmq -Wl,-rpath,$(abspath $(LIBDIR))

# Runs some of them, showing what they do: the tcp ones are separate processes on
# tcp://127.0.0.1 (each output line tagged with its process).
demo: examples
	@echo "==== hello (tcp): hwserver (REP) answers 10 Hellos from two hwclient processes (REQ)"
	@scripts/run-examples.sh --demo $(BUILD)/examples hello
	@echo "==== weather (tcp): wuserver (PUB) -> two wuclient processes (SUB), each filtering one zip code"
	@scripts/run-examples.sh --demo $(BUILD)/examples weather
	@echo "==== mtserver (inproc): clients -> ROUTER -> zmq_proxy -> DEALER -> worker threads"
	@$(BUILD)/examples/mtserver
	@echo "==== mtrelay (inproc): PAIR signals across threads, step 1 -> step 2 -> step 3"
	@$(BUILD)/examples/mtrelay

# Every example, plainly and under valgrind; ends with "examples: N passed, N failed".
examples-test: examples
	scripts/run-examples.sh $(BUILD)/examples

# The examples as programs built for the real libzmq (system zmq.h, system libzmq.so.5), run
# with ours injected by LD_LIBRARY_PATH and by LD_PRELOAD.
SYS_EXAMPLE_BINS     = $(patsubst examples/%.c,$(BUILD)/examples-system/%,$(EXAMPLE_SRCS))
SYS_TCP_EXAMPLE_BINS = $(patsubst examples/tcp/%.c,$(BUILD)/examples-system/tcp/%,$(TCP_EXAMPLE_SRCS))

$(BUILD)/examples-system/%: examples/%.c examples/helpers.h
	@mkdir -p $(BUILD)/examples-system
	$(CC) $(EXAMPLE_CFLAGS) -o $@ $< -lzmq

$(BUILD)/examples-system/tcp/%: examples/tcp/%.c examples/tcp/net.h examples/helpers.h
	@mkdir -p $(BUILD)/examples-system/tcp
	$(CC) $(EXAMPLE_CFLAGS) -o $@ $< -lzmq

examples-inject-test: lib
	@$(MAKE) --no-print-directory $(SYS_EXAMPLE_BINS) $(SYS_TCP_EXAMPLE_BINS)
	scripts/run-examples.sh --inject $(LIBDIR) $(BUILD)/examples-system

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

bench: lib
	python3 bench/run.py --lib $(LIBDIR) --readme README.md

bench-quick: lib
	python3 bench/run.py --lib $(LIBDIR) --quick
