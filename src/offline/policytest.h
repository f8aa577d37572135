/*
 * policytest.h - runs the tests a policy class carries (class.tests).
 *
 * Installed as the engine's tester by the daemon: "luamilter -t" prints the
 * results, and a SIGHUP reload refuses a script whose own tests fail.  Each
 * test runs on a fresh connection of the generation being checked, in
 * test mode, with the recording MTA, through the transaction driver (the
 * same one replay and milter.test use); its result is judged by
 * milter.test's check in a state the policy cannot reach.  Test files are
 * read only from inside the script's directory (testvec.h).
 */
#ifndef LUAMILTER_POLICYTEST_H
#define LUAMILTER_POLICYTEST_H

#include <stddef.h>

struct lconn;
struct script;

/* in the message policytest_run gives when some of the tests failed */
#define POLICYTEST_FAILED " policy tests failed"

int policytest_run(struct lconn *check, struct script *s, char *err,
                   size_t errlen);

#endif
