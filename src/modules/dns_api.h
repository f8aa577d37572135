/*
 * dns_api.h - the Lua functions of milter.dns (dns_api.c: query, start and
 * its handles, queries, ptr; dns_lists.c: fcrdns, dnsbl, rhsbl,
 * dnsbl_any).  Each takes the state's userdata as upvalue 1.
 */
#ifndef LUAMILTER_DNS_API_H
#define LUAMILTER_DNS_API_H

#include <lauxlib.h>

#include "dns_names.h"

struct dns_state;
struct dns_job;
struct lua_State;

#define DNS_HANDLE "luamilter.dns.handle"

extern const luaL_Reg dns_api_funcs[];
extern const luaL_Reg dns_list_funcs[];

struct dns_state *dns_upstate(struct lua_State *L);
int dns_check_type(struct lua_State *L, int idx);
const char *dns_check_string(struct lua_State *L, int idx, size_t *len);
int dns_run_jobs(struct lua_State *L, struct dns_state *st,
                 struct dns_job *jobs, int n, double *deadline);
void dns_ptr_job(struct lua_State *L, int idx, struct dns_job *j,
                 struct dns_addr *a);
int dns_ip_arg(struct lua_State *L, int idx, struct dns_addr *a);
void dns_job_fail_addr(struct dns_job *j, const char *ip);
void dns_handle_meta(struct lua_State *L, int idx);

#endif
