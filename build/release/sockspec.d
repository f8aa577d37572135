build/release/sockspec.o: src/sockspec.c src/sockspec.h
src/sockspec.h:
