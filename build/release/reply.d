build/release/reply.o: src/reply.c src/reply.h
src/reply.h:
