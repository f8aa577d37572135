# t/fuzz/fuzz.mk - libFuzzer harnesses (make fuzz) and the replay of their
# corpora under ASan/UBSan without libFuzzer (make fuzz-replay, run by
# make test).  Included from the top-level Makefile; also usable alone:
#     make -f t/fuzz/fuzz.mk fuzz FUZZ_SECONDS=30
# Harnesses: config (config parser), checks (socket specs, reply codes and
# lines), message (message splitting), bridge (random callback sequences
# through the transaction driver into the session and the real Lua binding,
# t/fuzz/fuzz_policy.lua calling every action; no libmilter).

include src/sources.mk
FUZZ_SECONDS ?= 60
FUZZ_DIR := build/fuzz
FUZZ_HARNESSES := config checks message bridge
FUZZ_LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
FUZZ_LUA_LIBS := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
FUZZ_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	$(INCLUDES) $(FUZZ_LUA_CFLAGS) -DLUAMILTER_LIBDIR='"lua"'
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined

FUZZ_SRC_config := src/base/config.c src/base/config_keys.c src/base/log.c \
	src/base/sockspec.c src/base/fileio.c src/base/reply.c
FUZZ_SRC_checks := src/base/reply.c src/base/sockspec.c
FUZZ_SRC_message := src/base/message.c
FUZZ_SRC_bridge := $(addprefix src/,$(CORE_SRCS))
FUZZ_LIBS_bridge = $(FUZZ_LUA_LIBS) $(MODULE_LIBS) -pthread -lm -ldl

# FUZZ_PICK - shell: the sources (src) and libraries (libs) of harness $h
FUZZ_PICK = src=""; libs=""; \
	case $$h in \
	config) src="$(FUZZ_SRC_config)";; \
	checks) src="$(FUZZ_SRC_checks)";; \
	message) src="$(FUZZ_SRC_message)";; \
	bridge) src="$(FUZZ_SRC_bridge)"; libs="$(FUZZ_LIBS_bridge)";; \
	esac;

.PHONY: fuzz fuzz-replay

# fuzz: each harness with libFuzzer for FUZZ_SECONDS; new inputs go to
# build/fuzz/new-<harness>, crashes to build/fuzz/crash-*
fuzz:
	@scripts/deps-fuzz
	@mkdir -p $(FUZZ_DIR)
	@for h in $(FUZZ_HARNESSES); do \
	    $(FUZZ_PICK) \
	    clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	        -o $(FUZZ_DIR)/fuzz_$$h t/fuzz/fuzz_$$h.c $$src $$libs || exit 1; \
	    mkdir -p $(FUZZ_DIR)/new-$$h; \
	    echo "== fuzz_$$h for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_DIR)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_DIR)/crash-$$h- \
	        -print_final_stats=1 \
	        $(FUZZ_DIR)/new-$$h t/fuzz/corpus/$$h 2>&1 | \
	        grep -E "^(#[0-9]+ +DONE|stat::|==.*ERROR|SUMMARY|Done)" || true; \
	done

# fuzz-replay: every kept corpus input through each harness, no libFuzzer
fuzz-replay:
	@mkdir -p $(FUZZ_DIR)
	@for h in $(FUZZ_HARNESSES); do \
	    $(FUZZ_PICK) \
	    case " $$src " in *" src/base/fileio.c "*) ;; *) src="$$src src/base/fileio.c";; esac; \
	    cc $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $(FUZZ_DIR)/replay_$$h \
	        t/fuzz/fuzz_$$h.c t/fuzz/replay_main.c $$src $$libs || exit 1; \
	    $(FUZZ_DIR)/replay_$$h t/fuzz/corpus/$$h >$(FUZZ_DIR)/replay_$$h.out || \
	        { cat $(FUZZ_DIR)/replay_$$h.out; echo "not ok - fuzz_$$h corpus replay crashed"; exit 1; }; \
	    sed -e "s|^ok [0-9]* - |ok - |" -e '/^1\.\./d' $(FUZZ_DIR)/replay_$$h.out; \
	done
