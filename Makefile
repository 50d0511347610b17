# lighter-host: one entry point.
#   make            build everything (incremental, parallel)
#   make check      install dependencies, build, run every test
#   make check-busy make test again beside a CPU hog (BUSY_RUNS, BUSY_MODE)
#   make check-asan the Check suites under AddressSanitizer + UBSan, no fork
#   make check-valgrind  the host's fit of a tiny config under memcheck
#   make fuzz       every libFuzzer target, FUZZ_SECONDS each
#   make soak       a long fit: RSS and open files must stay flat
#   make demo       install dependencies, build, run the demo
#   make install PREFIX=/usr/local
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2) --no-print-directory

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
CXX     ?= g++
PYTHON  ?= /usr/bin/python3

WARN     = -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
CXXOPT  ?= -O2 -g
SAN     ?=
ALL_CFLAGS   = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SAN) -Isdk/include -MMD -MP
# The shim's warnings stay visible but do not fail the build: libtorch's own
# headers change under us between Debian updates.
ALL_CXXFLAGS = -std=c++17 -Wall -Wextra -fPIC -fvisibility=hidden $(CXXOPT) $(SAN) \
               -Isdk/include -MMD -MP
TORCH_LIBS   = -ltorch -ltorch_cpu -lc10

LIB_SRCS = $(wildcard sdk/src/*.cpp)
LIB_OBJS = $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
LIB      = $(BUILD)/lib/liblighter.so

TEST_SRCS = $(wildcard tests/check_*.c)
TEST_OBJS = $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BIN  = $(BUILD)/tests/check_lighter
TEST_PLUGIN_SRCS = $(wildcard tests/plugins/*.c)
TEST_PLUGINS = $(TEST_PLUGIN_SRCS:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so)
PARITY_BIN = $(BUILD)/tests/parity_ops $(BUILD)/tests/build_forward

HOST_SRCS = $(wildcard host/*.c host/config/*.c)
HOST_OBJS = $(HOST_SRCS:%.c=$(BUILD)/obj/%.o)
# The report page's script and stylesheet are built into the host (.incbin).
$(BUILD)/obj/host/report_assets.o: host/report/page.js host/report/page.css
# Everything of the host but its main(), for the unit tests.
HOST_LIB_OBJS = $(filter-out $(BUILD)/obj/host/main.o,$(HOST_OBJS))
HOST_BIN  = $(BUILD)/bin/lighter-host

# Built-in components: one plugin per file, found by the host next to itself.
CORE_SRCS = $(wildcard plugins/core/*.c)
CORE_PLUGINS = $(CORE_SRCS:plugins/core/%.c=$(BUILD)/lib/lighter/plugins/core_%.so)
DATA_SRCS = $(wildcard plugins/data/*.c)
DATA_PLUGINS = $(DATA_SRCS:plugins/data/%.c=$(BUILD)/lib/lighter/plugins/data_%.so)
CALLBACK_SRCS = $(wildcard plugins/callbacks/*.c)
CALLBACK_PLUGINS = $(CALLBACK_SRCS:plugins/callbacks/%.c=$(BUILD)/lib/lighter/plugins/callbacks_%.so)
LIGHTER_SRCS = $(wildcard plugins/lighter/*.c)
LIGHTER_PLUGINS = $(LIGHTER_SRCS:plugins/lighter/%.c=$(BUILD)/lib/lighter/plugins/lighter_%.so)
# Plugins written as a user writes them (see README).
EXAMPLE_SRCS = $(wildcard plugins/examples/*.c)
EXAMPLE_PLUGINS = $(EXAMPLE_SRCS:plugins/examples/%.c=$(BUILD)/examples/%.so)

DEMO_BIN = $(BUILD)/bin/lighter-tiny-train
PCS = $(BUILD)/pkgconfig/lighter.pc $(BUILD)/pkgconfig/lighter-direct.pc

RPATH = -Wl,-rpath,'$$ORIGIN/../lib'

.PHONY: all setup check check-busy check-asan check-valgrind demo install clean test bench bench-ddp fuzz fuzz-config soak
all: $(LIB) $(HOST_BIN) $(CORE_PLUGINS) $(DATA_PLUGINS) $(LIGHTER_PLUGINS) $(CALLBACK_PLUGINS) $(EXAMPLE_PLUGINS) $(DEMO_BIN) $(PCS) $(TEST_BIN) $(TEST_PLUGINS) $(PARITY_BIN) \
     $(BUILD)/tests/fuzz_replay $(BUILD)/tests/fuzz_expr_replay $(BUILD)/tests/dist_peer $(BUILD)/tests/fail_fork.so \
     $(BUILD)/tests/abi/mlp_abi14.so

setup:
	@bash scripts/setup

# c10d's reducer.hpp includes a header Debian's libtorch-dev lacks: dist.cpp
# finds our stand-in (sdk/src/compat, see its comment)
$(BUILD)/obj/sdk/src/dist.o: ALL_CXXFLAGS += -Isdk/src/compat

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# c10d's Gloo process group (headers from libgloo-dev; libtorch has the code)
$(BUILD)/obj/sdk/src/dist.o: ALL_CXXFLAGS += -DUSE_C10D_GLOO

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) -shared $(SAN) -Wl,-soname,liblighter.so -Wl,--no-undefined -o $@ $^ $(TORCH_LIBS) -ldl

# The host never links libtorch: it dlopens liblighter when a run starts.
$(HOST_BIN): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ -lyaml -ldl -lm

$(DEMO_BIN): sdk/examples/tiny_train.c $(LIB)
	@mkdir -p $(dir $@) $(BUILD)/obj/sdk/examples
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< -L$(BUILD)/lib -llighter $(RPATH) -lz -lm

$(BUILD)/pkgconfig/%.pc: sdk/%.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@INCLUDEDIR@|$(CURDIR)/sdk/include|' \
	    -e 's|@LIBDIR@|$(CURDIR)/$(BUILD)/lib|' -e 's|@VERSION@|$(VERSION)|' $< > $@

VERSION = $(shell sed -n 's/^#define LT_VERSION_STRING "\(.*\)"/\1/p' sdk/include/lighter/lighter.h)

# Tests link the library directly (LT_DIRECT); plugins under tests/plugins
# are built exactly as a user builds one: no link flags at all.
$(BUILD)/obj/tests/%.o: ALL_CFLAGS += -DLT_DIRECT -Itests
$(TEST_BIN): $(TEST_OBJS) $(HOST_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $(TEST_OBJS) $(HOST_LIB_OBJS) -L$(BUILD)/lib -llighter $(RPATH) $$(pkg-config --libs check) -lyaml -ldeflate -lz -ldl -lm

# makes the Nth fork fail (LD_PRELOAD, tests/e2e/ddp.sh): the self-spawn's launch failure
$(BUILD)/tests/fail_fork.so: tests/dist/fail_fork.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -fPIC -shared -o $@ $< -ldl

# rank 1 of the process-group tests (check_dist.c is rank 0)
$(BUILD)/tests/dist_peer: tests/dist/peer.c tests/dist/scenario.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< -L$(BUILD)/lib -llighter $(RPATH) -lm

$(BUILD)/tests/plugins/%.so: tests/plugins/%.c $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) -pedantic -fPIC -shared -Isdk/include -o $@ $<

# A plugin built against the frozen SDK 1.4 headers: older minors keep working.
$(BUILD)/tests/abi/mlp_abi14.so: tests/abi/mlp_abi14.c $(wildcard tests/abi/1.4/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) -pedantic -fPIC -shared -Itests/abi/1.4 -o $@ $< -lm

PLUGIN_CFLAGS = -std=c99 $(WARN) -pedantic -O2 -fPIC -shared -Isdk/include
$(BUILD)/lib/lighter/plugins/core_%.so: plugins/core/%.c $(wildcard plugins/core/*.h) $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/examples/%.so: plugins/examples/%.c $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/lib/lighter/plugins/callbacks_%.so: plugins/callbacks/%.c $(wildcard plugins/callbacks/*.h) $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lz -lm
$(BUILD)/lib/lighter/plugins/lighter_%.so: plugins/lighter/%.c $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/lib/lighter/plugins/data_%.so: plugins/data/%.c $(wildcard plugins/data/*.h) $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -pthread -o $@ $< -ldeflate -lm

$(BUILD)/tests/parity_ops: tests/parity/parity_ops.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< -L$(BUILD)/lib -llighter $(RPATH) -lm
$(BUILD)/tests/build_forward: tests/parity/build_forward.c $(HOST_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< $(HOST_LIB_OBJS) -L$(BUILD)/lib -llighter $(RPATH) -lyaml -ldl -lm

test: all
	@LT_TEST_PLUGINS=$(CURDIR)/$(BUILD)/tests/plugins LT_TEST_DATA=$(CURDIR)/tests/data LT_SOURCE_DIR=$(CURDIR) \
	    LT_CORE_PLUGINS=$(CURDIR)/$(BUILD)/lib/lighter/plugins LT_EXAMPLE_PLUGINS=$(CURDIR)/$(BUILD)/examples \
	    LT_BUILD=$(BUILD) $(TEST_BIN)
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/parity/run.sh
	@LT_BUILD=$(BUILD) bash tests/e2e/run.sh
	@LT_BUILD=$(BUILD) bash tests/e2e/plugins.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/cifar10.sh
	@$(BUILD)/tests/fuzz_replay tests/fuzz/seeds/*
	@$(BUILD)/tests/fuzz_expr_replay tests/fuzz/expr_seeds/*
	@for t in $(FILE_FUZZ); do $(BUILD)/tests/fuzz_$${t}_replay tests/corpus/fuzz/$$t/* || exit 1; done
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/corpus.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/diskfull.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/tensorboard.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/trainer.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/peers/resume.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/residual_mlp.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/callback_books.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/weights.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/run_record.sh
	@LT_BUILD=$(BUILD) bash tests/e2e/runs.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/report.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/sweep.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/e2e/ddp.sh
	@LT_BUILD=$(BUILD) bash tests/e2e/valgrind.sh
	@LT_BUILD=$(BUILD) PYTHON=$(PYTHON) bash tests/peers/peers.sh

check: setup
	@$(MAKE) all
	@$(MAKE) test

# The tests again and again under load (one busy loop per core, or
# BUSY_MODE=taskset: all on one core), BUSY_RUNS times, to catch a test
# that waits on a time or depends on the CPU (scripts/check_busy.sh).
check-busy: setup
	@$(MAKE) all
	@BUILD=$(BUILD) bash scripts/check_busy.sh

# AddressSanitizer + UBSan over the library, the suites and the host, in a
# build tree of its own, without fork so that every leak is seen.
check-asan: setup
	@$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    CXXOPT="-O1 -g" CFLAGS="-O1 -g" all
	@CK_FORK=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    LT_TEST_PLUGINS=$(CURDIR)/build-asan/tests/plugins LT_TEST_DATA=$(CURDIR)/tests/data \
	    LT_CORE_PLUGINS=$(CURDIR)/build-asan/lib/lighter/plugins LT_EXAMPLE_PLUGINS=$(CURDIR)/build-asan/examples \
	    LT_SOURCE_DIR=$(CURDIR) LT_BUILD=build-asan build-asan/tests/check_lighter
	@# the built-in plugins, built and run by the host's builder, under ASan too
	@for y in $(notdir $(basename $(wildcard tests/parity/*.yaml))); do \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    build-asan/tests/build_forward build-asan/lib/lighter/plugins tests/parity/$$y.yaml /tmp/lt-asan-$$y.pt \
	    || exit 1; rm -f /tmp/lt-asan-$$y.pt; done; echo "check-asan: plugins clean"
	@ASAN_OPTIONS=detect_leaks=1 build-asan/tests/fuzz_replay tests/fuzz/seeds/*
	@ASAN_OPTIONS=detect_leaks=1 build-asan/tests/fuzz_expr_replay tests/fuzz/expr_seeds/*
	@for t in $(FILE_FUZZ); do ASAN_OPTIONS=detect_leaks=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    build-asan/tests/fuzz_$${t}_replay tests/corpus/fuzz/$$t/* || exit 1; done
	@# the host's trainer end to end, under ASan (leaks fail the run)
	@ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    KILL_TRIALS=4 LT_BUILD=build-asan PYTHON=$(PYTHON) bash tests/e2e/trainer.sh
	@# modules that keep their books (SDK 1.5): made children, config children, freeing
	@ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    LT_BUILD=build-asan PYTHON=$(PYTHON) bash tests/e2e/residual_mlp.sh

# memcheck over the host's fit of a tiny config (tests/e2e/valgrind.sh):
# no error, nothing definitely lost (tests/valgrind.supp: foreign code
# only), no tensor handle alive at exit. About 50 s on an idle machine, so
# make test runs it too; this target runs it alone.
check-valgrind: setup
	@$(MAKE) all
	@LT_BUILD=$(BUILD) bash tests/e2e/valgrind.sh

# A long fit (SOAK_MINUTES, 5 by default) with validation and checkpoints
# every few seconds: the host's RSS may grow < 1% after warm-up and its open
# files must stay flat (scripts/soak.py). Not in check.
SOAK_MINUTES ?= 5
soak: setup
	@$(MAKE) all
	@SOAK_MINUTES=$(SOAK_MINUTES) LT_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) scripts/soak.py

# libFuzzer over the config loader and composition, under ASan + UBSan.
FUZZ_SECONDS ?= 300
CONFIG_SRCS = $(wildcard host/config/*.c)
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(CONFIG_SRCS) $(wildcard host/config/*.h)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ tests/fuzz/fuzz_config.c $(CONFIG_SRCS) -lyaml -lm
$(BUILD)/fuzz/fuzz_expr: tests/fuzz/fuzz_expr.c $(CONFIG_SRCS) $(wildcard host/config/*.h)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ tests/fuzz/fuzz_expr.c $(CONFIG_SRCS) -lyaml -lm
# Every fuzz target in turn, FUZZ_SECONDS each; crashes land in $(BUILD)/fuzz
# as crash-* files: add them to tests/fuzz/seeds (config),
# tests/fuzz/expr_seeds (expressions) or tests/corpus/fuzz/<target> (the
# file readers) so make check replays them.
fuzz: setup
	@command -v clang >/dev/null || apt-get install -y -q clang libclang-rt-14-dev
	@$(MAKE) $(BUILD)/fuzz/fuzz_config $(BUILD)/fuzz/fuzz_expr $(FILE_FUZZ:%=$(BUILD)/fuzz/fuzz_%)
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/expr_corpus
	@cp configs/*/*.yaml tests/fuzz/seeds/* $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	@cp tests/fuzz/expr_seeds/* $(BUILD)/fuzz/expr_corpus/ 2>/dev/null || true
	cd $(BUILD)/fuzz && ./fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=2048 corpus
	cd $(BUILD)/fuzz && ./fuzz_expr -max_total_time=$(FUZZ_SECONDS) -max_len=512 -timeout=10 -rss_limit_mb=2048 expr_corpus
	@for t in $(FILE_FUZZ); do mkdir -p $(BUILD)/fuzz/$${t}_corpus; \
	  cp tests/corpus/fuzz/$$t/* $(BUILD)/fuzz/$${t}_corpus/ 2>/dev/null; \
	  (cd $(BUILD)/fuzz && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
	    $${t}_corpus) || exit 1; done

# The file readers under libFuzzer: IDX, CIFAR-10 binary and CSV (each
# target compiles its plugin's source, linking liblighter: libtorch is not
# instrumented) and the checkpoint reader (the tensor layer's sources built
# again with clang++ and the sanitizers). Inputs that once crashed live in
# tests/corpus/fuzz/<target>/: make test replays them with a plain build of
# each target (fuzz_<target>_replay), make check-asan under the sanitizers.
FILE_FUZZ = idx cifar csv state
# The host's checks of a plugin descriptor as dlsym finds it and of a config
# against the specs it declares (tests/fuzz/fuzz_descriptor.c): the host's
# sources, replayed like the readers from tests/corpus/fuzz/descriptor.
FILE_FUZZ += descriptor
# Where a checkpoint says the fit loop stopped (tests/fuzz/fuzz_progress.c).
FILE_FUZZ += progress
FILE_FUZZ_REPLAYS = $(FILE_FUZZ:%=$(BUILD)/tests/fuzz_%_replay)
all: $(FILE_FUZZ_REPLAYS)
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
READER_FUZZ_DEPS = tests/fuzz/reader.h $(wildcard plugins/data/*.h) $(wildcard sdk/include/lighter/*.h)
$(BUILD)/fuzz/fuzz_idx $(BUILD)/fuzz/fuzz_cifar $(BUILD)/fuzz/fuzz_csv: $(BUILD)/fuzz/fuzz_%: \
    tests/fuzz/fuzz_%.c $(READER_FUZZ_DEPS) plugins/data/mnist.c plugins/data/cifar10.c plugins/data/csvdataset.c $(LIB)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -Isdk/include $(FUZZ_SAN) \
	    -o $@ $< -L$(BUILD)/lib -llighter $(RPATH) -ldeflate -lm
$(BUILD)/tests/fuzz_idx_replay $(BUILD)/tests/fuzz_cifar_replay $(BUILD)/tests/fuzz_csv_replay: $(BUILD)/tests/fuzz_%_replay: \
    tests/fuzz/replay.c tests/fuzz/fuzz_%.c $(READER_FUZZ_DEPS) plugins/data/mnist.c plugins/data/cifar10.c plugins/data/csvdataset.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-format-truncation -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_$*.c -L$(BUILD)/lib -llighter $(RPATH) -ldeflate -lm
HOST_FUZZ_SRCS = $(filter-out host/main.c,$(HOST_SRCS))
$(BUILD)/fuzz/fuzz_descriptor: tests/fuzz/fuzz_descriptor.c $(HOST_FUZZ_SRCS) $(wildcard host/*.h host/config/*.h) \
    $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -Isdk/include $(FUZZ_SAN) \
	    -o $@ $< $(HOST_FUZZ_SRCS) -lyaml -ldl -lm
$(BUILD)/tests/fuzz_descriptor_replay: tests/fuzz/replay.c tests/fuzz/fuzz_descriptor.c $(HOST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_descriptor.c $(HOST_LIB_OBJS) -lyaml -ldl -lm
# (the checkpoint's progress: our older layout and Lightning's loops)
PROGRESS_SRCS = host/ckpt_progress.c host/ckpt_loops.c host/fit_state.c
PROGRESS_HDRS = host/ckpt_progress.h host/ckpt_loops.h host/fit_state.h
$(BUILD)/fuzz/fuzz_progress: tests/fuzz/fuzz_progress.c $(PROGRESS_SRCS) $(PROGRESS_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DLT_DIRECT -g -O1 -Isdk/include $(FUZZ_SAN) \
	    -o $@ $< $(PROGRESS_SRCS) -L$(BUILD)/lib -llighter $(RPATH) -lm
$(BUILD)/tests/fuzz_progress_replay: tests/fuzz/replay.c tests/fuzz/fuzz_progress.c $(PROGRESS_SRCS) \
    $(PROGRESS_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_progress.c $(PROGRESS_SRCS) \
	    -L$(BUILD)/lib -llighter $(RPATH) -lm
FUZZ_LIB_OBJS = $(LIB_SRCS:sdk/src/%.cpp=$(BUILD)/fuzz/obj/%.o)
$(BUILD)/fuzz/obj/%.o: sdk/src/%.cpp $(wildcard sdk/src/*.hpp) $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	clang++ -std=c++17 -g -O1 -Isdk/include -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr \
	    -fno-sanitize-recover=undefined $(if $(filter dist,$*),-DUSE_C10D_GLOO) -c $< -o $@
$(BUILD)/fuzz/fuzz_state: tests/fuzz/fuzz_state.cpp $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	clang++ -std=c++17 -g -O1 -Isdk/include -DLT_DIRECT $(FUZZ_SAN) -fno-sanitize=vptr \
	    -o $@ $< $(FUZZ_LIB_OBJS) $(TORCH_LIBS) -ldl
$(BUILD)/obj/tests/fuzz/fuzz_state.o: ALL_CXXFLAGS += -DLT_DIRECT
$(BUILD)/tests/fuzz_state_replay: $(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/obj/tests/fuzz/fuzz_state.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN) -o $@ $(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/obj/tests/fuzz/fuzz_state.o \
	    -L$(BUILD)/lib -llighter $(RPATH) $(TORCH_LIBS)
# The expression target without libFuzzer, replaying tests/fuzz/expr_seeds.
$(BUILD)/tests/fuzz_expr_replay: tests/fuzz/replay.c tests/fuzz/fuzz_expr.c $(CONFIG_SRCS) $(wildcard host/config/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_expr.c $(CONFIG_SRCS) -lyaml -lm
# The fuzz target without libFuzzer, replaying tests/fuzz/seeds in make check.
$(BUILD)/tests/fuzz_replay: tests/fuzz/replay.c tests/fuzz/fuzz_config.c $(CONFIG_SRCS) $(wildcard host/config/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_config.c $(CONFIG_SRCS) -lyaml -lm
fuzz-config: setup
	@command -v clang >/dev/null || apt-get install -y -q clang libclang-rt-14-dev
	@$(MAKE) $(BUILD)/fuzz/fuzz_config
	@mkdir -p $(BUILD)/fuzz/corpus
	@cp configs/*/*.yaml tests/fuzz/seeds/* $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	cd $(BUILD)/fuzz && ./fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -timeout=10 -rss_limit_mb=2048 corpus

# The demo: the CNN of configs/fashion_mnist_cnn.yaml (C steps in
# plugins/examples/fashion_cnn.c) fits 2 epochs of Fashion-MNIST, then the
# test set is scored from its last checkpoint.
demo: setup
	@$(MAKE) all
	$(HOST_BIN) fit configs/fashion_mnist_cnn.yaml --plugins $(BUILD)/examples
	$(HOST_BIN) test configs/fashion_mnist_cnn.yaml --plugins $(BUILD)/examples --ckpt_path last

# Benchmarks (not tests): figures measured in one run, written as JSON under
# $(BUILD)/bench and printed as Markdown. BENCH_REPEATS sets the repetitions.
BENCH_REPEATS ?= 3
$(BUILD)/bench/loader_bench: scripts/bench/loader_bench.c $(HOST_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< $(HOST_LIB_OBJS) -L$(BUILD)/lib -llighter $(RPATH) -lyaml -ldl -lm

# The training comparison (scripts/bench/run.py drives it): raw libtorch's
# C++ frontend, the timer callback lighter-host's fit gets, the per-op and
# host micro-benchmarks. BENCH_BATCHES: training batches per run.
BENCH_BATCHES ?= 200
TORCH_API_INC = -I/usr/include/torch/csrc/api/include
BENCH_CXXFLAGS = -std=c++17 -O2 -Wall -Wextra -Isdk/include $(TORCH_API_INC)
BENCH_BINS = $(BUILD)/bench/loader_bench $(BUILD)/bench/raw_train $(BUILD)/bench/micro_ops $(BUILD)/bench/micro_host \
             $(BUILD)/bench/micro_cnn $(BUILD)/bench/micro_compose \
             $(BUILD)/bench/plugins/bench_timer.so
$(BUILD)/bench/raw_train: scripts/bench/raw_train.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -o $@ $< $(TORCH_LIBS) -lz -ldl
$(BUILD)/bench/micro_ops: scripts/bench/micro_ops.cpp $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -o $@ $< -L$(BUILD)/lib -llighter $(RPATH) $(TORCH_LIBS)
$(BUILD)/bench/micro_cnn: scripts/bench/micro_cnn.cpp $(LIB) $(BUILD)/obj/host/alloc.o
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_CXXFLAGS) -o $@ $< $(BUILD)/obj/host/alloc.o -L$(BUILD)/lib -llighter $(RPATH) $(TORCH_LIBS)
$(BUILD)/bench/micro_compose: scripts/bench/micro_compose.c $(HOST_LIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLT_DIRECT -o $@ $< $(HOST_LIB_OBJS) -L$(BUILD)/lib -llighter $(RPATH) -lyaml -ldl -lm
# no liblighter here: plugin loading and config validation need no libtorch
$(BUILD)/bench/micro_host: scripts/bench/micro_host.c $(HOST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(HOST_LIB_OBJS) -lyaml -ldl -lm
$(BUILD)/bench/plugins/bench_timer.so: scripts/bench/bench_timer.c $(wildcard sdk/include/lighter/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $<

bench: setup
	@$(MAKE) all $(BENCH_BINS)
	$(BUILD)/bench/loader_bench $(BUILD)/lib/lighter/plugins scripts/bench/loader.yaml $(BUILD)/bench $(BENCH_REPEATS)
	$(PYTHON) scripts/bench/run.py $(BUILD) $(BENCH_REPEATS) $(BENCH_BATCHES)
	bash scripts/bench/runs_bench.sh $(BUILD) $(BUILD)/bench $(BENCH_REPEATS)
	PYTHON=$(PYTHON) bash scripts/bench/sweep_bench.sh $(BUILD) $(BUILD)/bench $(BENCH_REPEATS)

# Data parallel throughput: 1 rank vs 2 ranks of 1 thread each (JSON in $(BUILD)/bench).
bench-ddp: setup
	@$(MAKE) all
	bash scripts/bench/ddp_bench.sh $(BUILD) $(BUILD)/bench $(BENCH_REPEATS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/lighter
	install -m 755 $(HOST_BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 sdk/include/lighter/*.h $(DESTDIR)$(PREFIX)/include/lighter/
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -d $(DESTDIR)$(PREFIX)/lib/lighter/plugins
	for p in $(CORE_PLUGINS) $(DATA_PLUGINS) $(LIGHTER_PLUGINS) $(CALLBACK_PLUGINS); do install -m 755 $$p $(DESTDIR)$(PREFIX)/lib/lighter/plugins/; done
	for pc in lighter lighter-direct; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(PREFIX)/include|' \
	      -e 's|@LIBDIR@|$(PREFIX)/lib|' -e 's|@VERSION@|$(VERSION)|' sdk/$$pc.pc.in \
	      > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; done

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
