/*
 * clock.c - milter.now() and the clock of a test run (see clock.h).
 */
#include "clock.h"
#include "module.h"
#include "monotime.h"

#include <lua.h>
#include <math.h>
#include <time.h>

/* offset_of - what run r moved time by (0 live) */
static double
offset_of(const struct module_run *r)
{
    return r != NULL ? r->offset : 0;
}

/* clock_wall - Unix time in seconds, moved by r's offset */
double
clock_wall(const struct module_run *r)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + offset_of(r);
}

/* clock_mono - monotonic seconds, moved by r's offset (what shared
 * dictionaries expire on) */
double
clock_mono(const struct module_run *r)
{
    return mono_now() + offset_of(r);
}

/* clock_advance - move r's time forward; -1 for a step that is negative,
 * not finite or larger than CLOCK_ADVANCE_MAX */
int
clock_advance(struct module_run *r, double seconds)
{
    if (!isfinite(seconds) || seconds < 0 || seconds > CLOCK_ADVANCE_MAX)
        return -1;
    r->offset += seconds;
    return 0;
}

/* clock_lua_now - milter.now(): the time of the state's run (Unix time,
 * fractions of a second) */
int
clock_lua_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)clock_wall(module_run_of(L)));
    return 1;
}
