build/release/main.o: src/main.c src/callbacks.h src/config.h \
 src/engine.h src/stage.h src/policytest.h src/privs.h src/breaker.h \
 src/conn.h src/negotiate.h src/listen.h src/log.h src/mta.h src/paths.h \
 src/replay.h src/script.h src/signals.h src/sockspec.h src/version.h \
 /usr/include/lua5.4/lua.h /usr/include/lua5.4/luaconf.h
src/callbacks.h:
src/config.h:
src/engine.h:
src/stage.h:
src/policytest.h:
src/privs.h:
src/breaker.h:
src/conn.h:
src/negotiate.h:
src/listen.h:
src/log.h:
src/mta.h:
src/paths.h:
src/replay.h:
src/script.h:
src/signals.h:
src/sockspec.h:
src/version.h:
/usr/include/lua5.4/lua.h:
/usr/include/lua5.4/luaconf.h:
