build/release/paths.o: src/paths.c src/paths.h
src/paths.h:
