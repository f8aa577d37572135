/*
 * dns_rdata.h - libunbound's answers as Lua values: A and AAAA as address
 * text, PTR, NS and CNAME as names without the trailing dot, TXT as the
 * strings of one record joined, MX as {preference=, exchange=} sorted by
 * preference, SOA as a table of its fields.  Names and strings are bytes as
 * they came.
 */
#ifndef LUAMILTER_DNS_RDATA_H
#define LUAMILTER_DNS_RDATA_H

struct lua_State;
struct ub_result;

void dns_rdata_push(struct lua_State *L, const struct ub_result *res,
                    int qtype);
void dns_mx_sort(struct lua_State *L, int idx);

#endif
