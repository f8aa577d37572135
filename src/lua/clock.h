/*
 * clock.h - the time a policy sees: milter.now(), and the clock that
 * tests move.
 *
 * Live, milter.now() is the wall clock (Unix time, with fractions).  In a
 * test run (module.h: milter.test, replay, an in-policy test) it is the
 * wall clock plus what the run moved it by (t:advance, an `advance`
 * step), and the run's shared dictionaries expire on the monotonic clock
 * plus the same offset, so greylisting and rate limits are tested without
 * sleeping.  Time only moves forward.
 */
#ifndef LUAMILTER_CLOCK_H
#define LUAMILTER_CLOCK_H

struct lua_State;
struct module_run;

#define CLOCK_ADVANCE_MAX (100.0 * 365 * 86400)    /* seconds, one step */

double clock_wall(const struct module_run *r);
double clock_mono(const struct module_run *r);
int clock_advance(struct module_run *r, double seconds);
int clock_lua_now(struct lua_State *L);

#endif
