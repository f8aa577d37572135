build/release/signals.o: src/signals.c src/signals.h src/log.h
src/signals.h:
src/log.h:
