# src/sources.mk - every source file of the daemon, by layer (each layer
# includes only the layers before it in LAYERS).  Included by the Makefile
# and by t/fuzz/fuzz.mk, so a new file is listed once.
ifndef LUAMILTER_SOURCES_MK
LUAMILTER_SOURCES_MK := 1
LAYERS := base milter lua modules session offline daemon
INCLUDES := $(addprefix -Isrc/,$(LAYERS))

BASE_SRCS := base/arena.c base/config.c base/config_keys.c base/fileio.c base/log.c base/paths.c \
	base/json.c base/message.c base/recordlog.c base/reply.c base/sockspec.c base/testvec.c
MILTER_SRCS := milter/mta.c milter/negotiate.c milter/record.c milter/stage.c milter/verdict.c
LUA_SRCS := lua/actions.c lua/budget.c lua/clock.c lua/engine.c lua/lib_milter.c lua/libcache.c lua/lstate.c \
	lua/memtotal.c lua/module.c lua/notes.c lua/package_view.c lua/protomask.c \
	lua/sandbox.c lua/script.c
# every .c in src/modules is built in; a module that links a library says
# so in its own src/modules/NAME.mk (MODULE_LIBS += -lfoo)
MODULE_SRCS := $(patsubst src/%,%,$(sort $(wildcard src/modules/*.c)))
MODULE_LIBS ?=
-include $(sort $(wildcard src/modules/*.mk))
SESSION_SRCS := session/breaker.c session/conn.c session/conn_status.c session/decision.c session/decision_mta.c session/decision_record.c session/dispatch.c session/driver.c \
	session/envelope.c session/event.c session/outcome.c session/watchdog.c
# the core needs no libmilter (only its constants): milter.core, the unit
# tests and the fuzz harnesses link it alone
CORE_SRCS := $(BASE_SRCS) $(MILTER_SRCS) $(LUA_SRCS) $(MODULE_SRCS) $(SESSION_SRCS)
# milter.core and what the offline tools share with it
LCORE_SRCS := offline/lcore.c offline/lenv.c offline/lresult.c offline/lvector.c
# libmilter itself: its backend, the xxfi_* adapter, the process calls
LIBMILTER_SRCS := milter/mta_libmilter.c session/callbacks.c daemon/milterlib.c
DAEMON_SRCS := $(CORE_SRCS) $(LCORE_SRCS) $(LIBMILTER_SRCS) \
	offline/replay.c offline/replay_report.c offline/policytest.c daemon/signals.c \
	daemon/privs.c daemon/listen.c daemon/gate.c daemon/reload.c daemon/sdnotify.c daemon/decisionlog.c \
	daemon/main.c
endif
