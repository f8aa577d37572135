# src/modules/metrics.mk - the metrics module serves HTTP with libmicrohttpd
MODULE_LIBS += -lmicrohttpd
