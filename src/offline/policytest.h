/*
 * policytest.h - runs the tests a policy class carries (class.tests).
 *
 * Installed as the engine's tester by the daemon: "luamilter -t" prints the
 * results, and a SIGHUP reload refuses a script whose own tests fail.  The
 * tests run through milter.test on the daemon's own core (milter.core from
 * this binary) with the recording MTA.  Neither module is left where the
 * policy could reach it, and test files are read only from inside the
 * script's directory (testvec.h).
 */
#ifndef LUAMILTER_POLICYTEST_H
#define LUAMILTER_POLICYTEST_H

#include <stddef.h>

struct lua_State;
struct lconn;
struct script;

/* in the message policytest_run gives when some of the tests failed */
#define POLICYTEST_FAILED " policy tests failed"

int policytest_run(struct lua_State *L, struct lconn *c, struct script *s,
                   char *err, size_t errlen);

#endif
