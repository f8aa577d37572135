build/release/engine.o: src/engine.c src/engine.h src/stage.h \
 src/actions.h src/conn.h src/negotiate.h src/log.h src/sandbox.h \
 src/mta.h src/script.h src/verdict.h /usr/include/lua5.4/lauxlib.h \
 /usr/include/lua5.4/luaconf.h /usr/include/lua5.4/lua.h \
 /usr/include/lua5.4/lua.h /usr/include/lua5.4/lualib.h
src/engine.h:
src/stage.h:
src/actions.h:
src/conn.h:
src/negotiate.h:
src/log.h:
src/sandbox.h:
src/mta.h:
src/script.h:
src/verdict.h:
/usr/include/lua5.4/lauxlib.h:
/usr/include/lua5.4/luaconf.h:
/usr/include/lua5.4/lua.h:
/usr/include/lua5.4/lua.h:
/usr/include/lua5.4/lualib.h:
