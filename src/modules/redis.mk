# src/modules/redis.mk - milter.redis links hiredis (Debian libhiredis-dev)
MODULE_LIBS += -lhiredis
