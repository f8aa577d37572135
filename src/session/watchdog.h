/*
 * watchdog.h - notices callbacks stuck past their time budget.
 *
 * The budget's hook runs between Lua instructions; a single library call
 * (a string pattern with heavy backtracking) cannot be interrupted.  The
 * watchdog thread logs such a callback once, so an admin can find it; the
 * callback still gets on_error when the call returns.
 */
#ifndef LUAMILTER_WATCHDOG_H
#define LUAMILTER_WATCHDOG_H

int watchdog_start(void);

#endif
