build/release/mta.o: src/mta.c src/mta.h
src/mta.h:
