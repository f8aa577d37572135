# scripts/install.mk - `make install` and `make uninstall` for luamilter.
#
# Included from the top-level Makefile (after BIN and LIBDIR are set), or
# used alone on a built tree:
#     make -f scripts/install.mk install PREFIX=/usr DESTDIR=/tmp/stage
#
#   $(PREFIX)/sbin/luamilter                      the daemon
#   $(LIBDIR)/milter.lua, milter/*.lua,           its Lua library; LIBDIR is
#     default.lua, examples/ (the policies,       $(PREFIX)/share/luamilter/lua,
#     access.lua's tables too)                    compiled into the daemon
#   $(PREFIX)/lib/luamilter/milter/core.so        milter.core, for busted specs
#                                                 using milter.test (optional,
#                                                 INSTALL_CORE_SO= skips it)
#   $(PREFIX)/share/doc/luamilter/                milter.conf.example, docs
#   $(PREFIX)/share/man/man8/luamilter.8, man5/luamilter.conf.5
#   $(PREFIX)/lib/systemd/system/luamilter.service and luamilter.socket
#   /etc/luamilter/milter.conf                    only if absent (never
#                                                 overwritten); made from the
#                                                 example with the production
#                                                 socket and script
#
# DESTDIR is prepended to every path (package builds); the config goes to
# $(DESTDIR)/etc/luamilter too, as a package's conffile would.  The daemon
# looks for /etc/luamilter/milter.conf whatever PREFIX is, hence
# INSTALL_SYSCONFDIR does not follow PREFIX.
#
# The daemon must have been built with the same PREFIX (its library path is
# compiled in); install refuses a binary built for another one unless
# INSTALL_CHECK_LIBDIR=no.

PREFIX ?= /usr/local
DESTDIR ?=
BIN ?= luamilter
LIBDIR ?= $(PREFIX)/share/luamilter/lua

INSTALL_CMD ?= install
INSTALL_SBINDIR ?= $(PREFIX)/sbin
INSTALL_COREDIR ?= $(PREFIX)/lib/luamilter
INSTALL_DOCDIR ?= $(PREFIX)/share/doc/luamilter
INSTALL_MANDIR ?= $(PREFIX)/share/man
INSTALL_UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_SYSCONFDIR ?= /etc
INSTALL_CORE_SO ?= lua/milter/core.so
INSTALL_CHECK_LIBDIR ?= yes
INSTALL_CONF := $(INSTALL_SYSCONFDIR)/luamilter/milter.conf
INSTALL_LUA_MODULES := $(wildcard lua/milter/*.lua)
# the example policies and the files they read (access.lua's tables)
INSTALL_LUA_EXAMPLES := $(wildcard lua/examples/*)
INSTALL_DOCS := milter.conf.example $(wildcard README.md docs/lua-api.md)
INSTALL_SED := sed -e 's|/usr/local/share/luamilter/lua|$(LIBDIR)|g' \
	-e 's|/usr/local/share/doc/luamilter|$(INSTALL_DOCDIR)|g' \
	-e 's|/usr/local/lib/luamilter|$(INSTALL_COREDIR)|g' \
	-e 's|/usr/local/sbin/luamilter|$(INSTALL_SBINDIR)/luamilter|g'

.PHONY: install install-check uninstall

install: install-check $(BIN) $(INSTALL_CORE_SO)
	$(INSTALL_CMD) -d $(DESTDIR)$(INSTALL_SBINDIR) $(DESTDIR)$(LIBDIR)/milter \
		$(DESTDIR)$(INSTALL_DOCDIR) $(DESTDIR)$(INSTALL_MANDIR)/man8 \
		$(DESTDIR)$(INSTALL_MANDIR)/man5 $(DESTDIR)$(INSTALL_UNITDIR) \
		$(DESTDIR)$(INSTALL_SYSCONFDIR)/luamilter
	$(INSTALL_CMD) -m 755 $(BIN) $(DESTDIR)$(INSTALL_SBINDIR)/luamilter
	$(INSTALL_CMD) -m 644 lua/milter.lua lua/default.lua $(DESTDIR)$(LIBDIR)/
ifneq ($(INSTALL_LUA_MODULES),)
	$(INSTALL_CMD) -m 644 $(INSTALL_LUA_MODULES) $(DESTDIR)$(LIBDIR)/milter/
endif
ifneq ($(INSTALL_LUA_EXAMPLES),)
	$(INSTALL_CMD) -d $(DESTDIR)$(LIBDIR)/examples
	$(INSTALL_CMD) -m 644 $(INSTALL_LUA_EXAMPLES) $(DESTDIR)$(LIBDIR)/examples/
endif
ifneq ($(INSTALL_CORE_SO),)
	$(INSTALL_CMD) -d $(DESTDIR)$(INSTALL_COREDIR)/milter
	$(INSTALL_CMD) -m 644 $(INSTALL_CORE_SO) $(DESTDIR)$(INSTALL_COREDIR)/milter/core.so
endif
	$(INSTALL_CMD) -m 644 $(INSTALL_DOCS) $(DESTDIR)$(INSTALL_DOCDIR)/
	$(INSTALL_SED) doc/man/luamilter.8 >$(DESTDIR)$(INSTALL_MANDIR)/man8/luamilter.8
	$(INSTALL_SED) doc/man/luamilter.conf.5 >$(DESTDIR)$(INSTALL_MANDIR)/man5/luamilter.conf.5
	sed -e 's|/usr/sbin/luamilter|$(INSTALL_SBINDIR)/luamilter|g' \
		-e 's|/etc/luamilter/milter.conf|$(INSTALL_CONF)|g' \
		scripts/luamilter.service >$(DESTDIR)$(INSTALL_UNITDIR)/luamilter.service
	cp scripts/luamilter.socket $(DESTDIR)$(INSTALL_UNITDIR)/luamilter.socket
	chmod 644 $(DESTDIR)$(INSTALL_MANDIR)/man8/luamilter.8 \
		$(DESTDIR)$(INSTALL_MANDIR)/man5/luamilter.conf.5 \
		$(DESTDIR)$(INSTALL_UNITDIR)/luamilter.service \
		$(DESTDIR)$(INSTALL_UNITDIR)/luamilter.socket
	@if [ -e $(DESTDIR)$(INSTALL_CONF) ]; then \
		echo "install: keeping the existing $(DESTDIR)$(INSTALL_CONF)"; \
	else \
		sed -e 's|^socket = .*|socket = unix:/run/luamilter/luamilter.sock|' \
			-e 's|^script = .*|script = $(LIBDIR)/default.lua|' \
			-e 's|^allow_root = .*|allow_root = no|' \
			milter.conf.example >$(DESTDIR)$(INSTALL_CONF).tmp && \
		grep -q '^socket = unix:/run/luamilter/luamilter.sock$$' $(DESTDIR)$(INSTALL_CONF).tmp && \
		grep -q '^script = $(LIBDIR)/default.lua$$' $(DESTDIR)$(INSTALL_CONF).tmp && \
		grep -q '^allow_root = no$$' $(DESTDIR)$(INSTALL_CONF).tmp || \
		{ echo "install: milter.conf.example has no 'socket = ', 'script = ' or 'allow_root = ' line to set" >&2; \
		  rm -f $(DESTDIR)$(INSTALL_CONF).tmp; exit 1; }; \
		chmod 644 $(DESTDIR)$(INSTALL_CONF).tmp && \
		mv $(DESTDIR)$(INSTALL_CONF).tmp $(DESTDIR)$(INSTALL_CONF) && \
		echo "install: wrote $(DESTDIR)$(INSTALL_CONF)"; \
	fi

# install-check - refuse a daemon whose compiled-in library path is not
# LIBDIR: no string in the binary ends with it (a heuristic that never
# refuses a good binary; it cannot tell /local from /usr/local)
install-check: $(BIN)
	@if [ "$(INSTALL_CHECK_LIBDIR)" != no ] && \
	    ! tr '\000' '\n' <$(BIN) | awk -v d='$(LIBDIR)' \
	        'substr($$0, length($$0) - length(d) + 1) == d { f = 1 } END { exit !f }'; then \
		echo "install: $(BIN) was not built with PREFIX=$(PREFIX) (it would not" >&2; \
		echo "install: find $(LIBDIR)); rebuild: make clean && make PREFIX=$(PREFIX)" >&2; \
		echo "install: (or INSTALL_CHECK_LIBDIR=no and set LUAMILTER_LIBDIR at run time)" >&2; \
		exit 1; \
	fi

# uninstall - remove what install put in place, except the config in /etc
uninstall:
	rm -f $(DESTDIR)$(INSTALL_SBINDIR)/luamilter
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INSTALL_COREDIR) $(DESTDIR)$(INSTALL_DOCDIR)
	rmdir $(DESTDIR)$(LIBDIR)/.. 2>/dev/null || true
	rm -f $(DESTDIR)$(INSTALL_MANDIR)/man8/luamilter.8 \
		$(DESTDIR)$(INSTALL_MANDIR)/man5/luamilter.conf.5 \
		$(DESTDIR)$(INSTALL_UNITDIR)/luamilter.service \
		$(DESTDIR)$(INSTALL_UNITDIR)/luamilter.socket
