/*
 * metrics_policy.h - the policy's own metrics: Policy.metrics declarations
 * and self:metric (the public calls are in metrics.h).
 */
#ifndef LUAMILTER_METRICS_POLICY_H
#define LUAMILTER_METRICS_POLICY_H

#include <stddef.h>

struct lua_State;

#define METRICS_POLICY_PREFIX "luamilter_policy_"
#define METRICS_POLICY_NAME_MAX 48      /* of the name the policy gives */
#define METRICS_POLICY_PER_CLASS 64

int metrics_policy_declare(struct lua_State *L, int cls, int mode,
                           const char *owner, char *err, size_t errlen);
int metrics_policy_metric(struct lua_State *L, int mode);

#endif
