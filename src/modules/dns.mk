# milter.dns links libunbound (Debian libunbound-dev)
MODULE_LIBS += -lunbound
