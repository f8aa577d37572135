build/release/negotiate.o: src/negotiate.c src/negotiate.h src/stage.h
src/negotiate.h:
src/stage.h:
