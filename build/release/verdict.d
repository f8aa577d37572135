build/release/verdict.o: src/verdict.c src/verdict.h src/stage.h \
 src/config.h
src/verdict.h:
src/stage.h:
src/config.h:
