/*
 * dns_stub.h - the answers of milter.dns in in-policy tests and replay,
 * where it never touches the network.
 *
 * A test puts a table in the Lua registry under "luamilter.stub.dns"
 * (in-policy tests: the test's `dns` field; milter.test: mt.new's `dns`
 * option), keyed "NAME/TYPE" with NAME in lower case and without the
 * trailing dot ("2.0.0.127.zen.example.org/A", "example.org/MX"):
 *
 *   a list        the records (strings; MX {preference=, exchange=}; SOA a
 *                 table of its fields), optionally with ttl = N;
 *                 {} is NODATA
 *   "nxdomain"    the name does not exist: {nxdomain = true}
 *   another word  the lookup fails with it: nil, "timeout" (or "servfail",
 *                 "refused", ...)
 *
 * A name the table does not list gives nil, "unrecorded".
 */
#ifndef LUAMILTER_DNS_STUB_H
#define LUAMILTER_DNS_STUB_H

#define DNS_STUB_KEY "luamilter.stub.dns"

struct lua_State;

int dns_stub_push(struct lua_State *L, const char *name, int qtype);

#endif
