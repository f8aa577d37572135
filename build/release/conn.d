build/release/conn.o: src/conn.c src/conn.h src/negotiate.h src/stage.h \
 src/config.h src/engine.h src/log.h src/mta.h src/script.h
src/conn.h:
src/negotiate.h:
src/stage.h:
src/config.h:
src/engine.h:
src/log.h:
src/mta.h:
src/script.h:
