build/release/stage.o: src/stage.c src/stage.h
src/stage.h:
