build/release/actions.o: src/actions.c src/actions.h src/conn.h \
 src/negotiate.h src/stage.h src/log.h src/mta.h src/reply.h \
 /usr/include/lua5.4/lauxlib.h /usr/include/lua5.4/luaconf.h \
 /usr/include/lua5.4/lua.h /usr/include/lua5.4/lua.h
src/actions.h:
src/conn.h:
src/negotiate.h:
src/stage.h:
src/log.h:
src/mta.h:
src/reply.h:
/usr/include/lua5.4/lauxlib.h:
/usr/include/lua5.4/luaconf.h:
/usr/include/lua5.4/lua.h:
/usr/include/lua5.4/lua.h:
