build/release/callbacks.o: src/callbacks.c src/callbacks.h src/config.h \
 src/breaker.h src/conn.h src/negotiate.h src/stage.h src/engine.h \
 src/log.h src/mta.h src/script.h src/verdict.h
src/callbacks.h:
src/config.h:
src/breaker.h:
src/conn.h:
src/negotiate.h:
src/stage.h:
src/engine.h:
src/log.h:
src/mta.h:
src/script.h:
src/verdict.h:
