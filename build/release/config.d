build/release/config.o: src/config.c src/config.h src/log.h \
 src/sockspec.h
src/config.h:
src/log.h:
src/sockspec.h:
