# luamilter - a libmilter mail filter whose policy is written in Lua 5.4.
#
#   make            build ./luamilter
#   make run        install dependencies, build, run with milter.conf.example
#   make test       install dependencies, run every test (C, Lua, end to end,
#                   DNS against a real server)
#   make check-asan the same tests against an ASan/UBSan build
#   make bench      throughput, latency, CPU and memory against libmilter floors
#   make bench-redis  INCR round trips per second through milter.redis
#   make bench-metrics  the cost of a counter or histogram update, 1 and 8 threads
#   make fuzz       libFuzzer on the config parser, checks, messages, Lua bridge
#   make stress     60 s of load with SIGHUP every 100 ms
#   make leakcheck  the stress load on the ASan build: 100 000 messages, no leak
#   make install    PREFIX=/usr/local DESTDIR=  (make uninstall too); another
#                   PREFIX builds its own daemon in build/prefix_...

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR := $(PREFIX)/share/luamilter/lua

CC ?= cc
LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUA_LIBS := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)

WARN := -Wall -Wextra -Werror -Wshadow -Wwrite-strings -Wmissing-prototypes \
	-Wstrict-prototypes -Wold-style-definition -Wno-format-truncation
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	$(CFLAGS) $(LUA_CFLAGS) -DLUAMILTER_LIBDIR='"$(LIBDIR)"' -MMD -MP
# milter/core.so is loaded by the system's lua5.4 (busted): never built
# with the sanitizers, whichever build asks for it
PIC_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(ALL_CFLAGS))

ifeq ($(SANITIZE),1)
BUILD := build/asan
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
BIN := $(BUILD)/luamilter
else ifeq ($(PREFIX),/usr/local)
BUILD := build/release
BIN := luamilter
else
# another PREFIX compiles another library path in: its own build, so that
# `make install PREFIX=/usr` works in one step on any tree
BUILD := build/prefix$(subst /,_,$(PREFIX))
BIN := $(BUILD)/luamilter
endif

# libmilter linked statically so the sigwait wrapper keeps SIGHUP for us,
# and the accept, close and read wrappers count connections (src/daemon/gate.c)
MILTER_LIBS := -Wl,--wrap=sigwait,--wrap=accept,--wrap=close,--wrap=read \
	-l:libmilter.a -pthread
LIBS = $(MILTER_LIBS) $(MODULE_LIBS) $(LUA_LIBS) -lsystemd -lm -ldl

# src/ is in layers, each including only the layers before it in LAYERS
# (checked by `make layers`); headers are found by name, as in nginx; the
# source lists are in src/sources.mk, shared with t/fuzz/fuzz.mk
include src/sources.mk
ALL_CFLAGS += $(INCLUDES)
DAEMON_OBJS := $(addprefix $(BUILD)/,$(DAEMON_SRCS:.c=.o))

C_TESTS := unit_config unit_sockspec unit_reply unit_verdict unit_negotiate \
	unit_privs unit_log unit_arena unit_stage unit_message unit_record \
	unit_engine unit_driver unit_json unit_sandbox unit_reload unit_libcache unit_dns unit_metrics \
	unit_decision unit_recordlog
C_TEST_BINS := $(addprefix $(BUILD)/t/,$(C_TESTS))
TEST_CORE_OBJS := $(addprefix $(BUILD)/,$(CORE_SRCS:.c=.o) daemon/privs.o) $(BUILD)/t/mta_fake.o
# unit tests of the Lua layer write and load policies with t/c/policy_kit.c
# and drive connections through the session's entry points; unit_budget
# runs policies' own tests too (policytest, milter.core), its connections
# on the recording MTA (record.c, in the core)
KIT_OBJ := $(BUILD)/t/policy_kit.o
KIT_TESTS := unit_sandbox unit_lstate unit_breaker unit_conn unit_budget
C_TESTS += unit_budget unit_lstate unit_breaker unit_conn
C_TEST_BINS += $(addprefix $(BUILD)/t/,unit_budget unit_lstate unit_breaker \
	unit_conn)
$(addprefix $(BUILD)/t/,$(KIT_TESTS)): $(KIT_OBJ)
$(BUILD)/t/unit_budget: $(addprefix $(BUILD)/,$(LCORE_SRCS:.c=.o) \
	offline/policytest.o)

# shared dictionaries (src/modules/shdict*, issue 11): the core's own units,
# for its unit test and microbench (the module is in MODULE_SRCS)
SHDICT_SRCS := shdict.c shdict_hash.c shdict_heap.c shdict_keeper.c \
	shdict_lua.c shdict_region.c shdict_set.c
SHDICT_OBJS := $(addprefix $(BUILD)/modules/,$(SHDICT_SRCS:.c=.o))
C_TESTS += unit_shdict
C_TEST_BINS += $(BUILD)/t/unit_shdict

# milter.core for busted specs (milter.test): the core with a recording
# MTA, without libmilter
PIC_SRCS := $(CORE_SRCS) $(LCORE_SRCS)
PIC_OBJS := $(addprefix build/pic/,$(PIC_SRCS:.c=.o))
CORE_SO := lua/milter/core.so

.PHONY: all run test check check-c check-lua check-e2e check-dns check-asan deps clean install tools stress bench bench-metrics leakcheck leakcheck-run layers

all: $(BIN) $(CORE_SO)

# --- Redis client (src/modules/redis_*, issue 11): its unit test against a
# scripted RESP peer, and the driver of the real-server tier (t/redis/run)
C_TESTS += unit_redis
C_TEST_BINS += $(BUILD)/t/unit_redis
REDIS_TEST_LIBS := $(MODULE_LIBS) $(LUA_LIBS) -pthread -lm -ldl

$(BUILD)/t/unit_redis: $(BUILD)/t/unit_redis.o $(BUILD)/t/resp_peer.o \
		$(BUILD)/t/redis_kit.o $(TEST_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ -lcmocka $(REDIS_TEST_LIBS)

$(BUILD)/t/redis-%: $(BUILD)/t/redis_%.o $(BUILD)/t/redis_kit.o $(TEST_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(REDIS_TEST_LIBS)

$(BUILD)/t/redis_%.o: t/redis/redis_%.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -Isrc -Isrc/modules -It/c -c -o $@ $<

# the real-server tier (t/redis/run) drives milter.redis through this
check: $(BUILD)/t/redis-driver

# make bench-redis: INCR round trips per second through milter.redis from
# 1 and 8 threads, against a private redis-server (not part of make test)
bench-redis: deps $(BUILD)/t/redis-bench
	@BUILD=$(BUILD) t/redis/bench

.PHONY: bench-redis
# --- end of the Redis client

$(CORE_SO): $(PIC_OBJS)
	$(CC) -shared -o $@ $^ $(MODULE_LIBS) -pthread

build/pic/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PIC_CFLAGS) -fPIC -c -o $@ $<

$(BIN): $(DAEMON_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/t/%.o: t/c/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/t/unit_%: $(BUILD)/t/unit_%.o $(TEST_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ -lcmocka $(MODULE_LIBS) $(LUA_LIBS) -pthread -lm -ldl

# t/dns/run: milter.dns in a bare Lua state against the test DNS server
$(BUILD)/t/dns_harness: $(BUILD)/t/dns/harness.o $(TEST_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(MODULE_LIBS) $(LUA_LIBS) -pthread -lm -ldl

$(BUILD)/t/dns/%.o: t/dns/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD):
	@mkdir -p $(BUILD)/t

t/tools/rawmilter: t/tools/rawmilter.c
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 -o $@ $<

t/tools/silent: t/tools/silent.c t/tools/mproto.h
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 -o $@ $<

tools: t/tools/rawmilter t/tools/silent build/stress build/perf-client

build/stress: t/stress/stress.c t/tools/mproto.h
	@mkdir -p build
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 -o $@ $< -pthread

build/perf-client: t/perf/client.c t/tools/mproto.h
	@mkdir -p build
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 -o $@ $< -pthread

build/perf-noop: t/perf/noop.c
	@mkdir -p build
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O2 -o $@ $< -lmilter -pthread

# bench-metrics: the cost of counting on the callback path (not in make test)
bench-metrics: $(BUILD)/t/metrics_bench
	$(BUILD)/t/metrics_bench

$(BUILD)/t/metrics_bench: $(BUILD)/t/metrics_bench.o $(TEST_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(MODULE_LIBS) $(LUA_LIBS) -pthread -lm -ldl

$(BUILD)/t/metrics_bench.o: t/perf/metrics_bench.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

bench: deps all build/perf-client build/perf-noop $(BUILD)/tables-bench \
		$(BUILD)/table-query
	@scripts/deps-bench
	@BUILD=$(BUILD) scripts/bench

stress: $(BIN) build/stress
	LUAMILTER=$(BIN) t/stress/run 60

# leakcheck: the stress run against the ASan build, at least 100 000
# messages, then LeakSanitizer's report at exit must be empty
leakcheck: deps
	$(MAKE) SANITIZE=1 leakcheck-run

leakcheck-run: $(BIN) build/stress
	LUAMILTER=$(BIN) STRESS_MIN_MESSAGES=100000 t/stress/run 120

layers:
	@scripts/check-layers "$(LAYERS)"

deps:
	@scripts/deps

run: deps
	$(MAKE) all
	./$(BIN) -c milter.conf.example

test: deps
	$(MAKE) check

check: $(BIN) $(CORE_SO) $(C_TEST_BINS) $(BUILD)/t/dns_harness tools build/perf-client
	@BUILD=$(BUILD) LUAMILTER=$(BIN) C_TESTS="$(C_TESTS)" LAYERS="$(LAYERS)" t/run-all

check-c: $(C_TEST_BINS)
	@BUILD=$(BUILD) C_TESTS="$(C_TESTS)" t/run-all c

check-lua: $(CORE_SO)
	@t/run-all lua

check-e2e: $(BIN) tools
	@LUAMILTER=$(BIN) t/run-all e2e

check-dns: $(BUILD)/t/dns_harness
	@BUILD=$(BUILD) t/run-all dns

check-asan: deps
	$(MAKE) SANITIZE=1 check

clean:
	rm -rf build luamilter t/tools/rawmilter t/tools/silent $(CORE_SO)

# shared dictionaries: objects, unit test, microbench (make bench-shdict)
.PHONY: bench-shdict
$(BUILD)/t/unit_shdict.o: ALL_CFLAGS += -Isrc/modules

$(BUILD)/t/unit_shdict: $(BUILD)/t/unit_shdict.o $(SHDICT_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ -lcmocka $(LUA_LIBS) -pthread -lm -ldl

$(BUILD)/shdict-bench: t/perf/shdict_bench.c $(SHDICT_OBJS)
	$(CC) $(ALL_CFLAGS) -Isrc/modules -o $@ $< $(SHDICT_OBJS) $(SAN_LDFLAGS) $(LUA_LIBS) -pthread -lm -ldl

bench-shdict: $(BUILD)/shdict-bench
	$(BUILD)/shdict-bench

# --- a real run answering issue 13's three questions with curl and jq
# (rejections by rule, the p99 of eom, the stuck connection): not in make test
.PHONY: observe-demo
observe-demo: deps all build/perf-client
	scripts/observe-demo


# --- milter.tables (issue 12): its sources are src/modules/tables*.c, built
# in like every module's.  Here: build/.../table-query (postmap -q's twin,
# for t/tables/run), the unit tests' fixture, make tables-bench (lookups per
# second from Lua, not in make test).
TABLES_CORE_OBJS := $(addprefix $(BUILD)/modules/,tables_line.o tables_file.o \
	tables_table.o tables_texthash.o tables_cidr.o tables_regexp.o \
	tables_registry.o tables_watch.o)
C_TESTS += unit_tables unit_ltables
TABLES_TEST_BINS := $(BUILD)/t/unit_tables $(BUILD)/t/unit_ltables

.PHONY: check-tables tables-bench
$(TABLES_TEST_BINS): $(BUILD)/t/tables_fixture.o

$(BUILD)/t/table_query.o: t/tables/table_query.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/t/tables_bench.o: t/perf/tables_bench.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/table-query: $(BUILD)/t/table_query.o $(TABLES_CORE_OBJS)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ -pthread

$(BUILD)/tables-bench: $(BUILD)/t/tables_bench.o $(TABLES_CORE_OBJS) \
		$(BUILD)/modules/tables_lua.o
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(LUA_LIBS) -pthread -lm -ldl

check: $(BUILD)/table-query $(TABLES_TEST_BINS)
check-c: $(TABLES_TEST_BINS)

check-tables: $(BUILD)/table-query
	@BUILD=$(BUILD) t/run-all tables

tables-bench: $(BUILD)/tables-bench
	$(BUILD)/tables-bench

include scripts/install.mk
include t/fuzz/fuzz.mk

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/t/*.d build/pic/*/*.d)
