/*
 * redis_cmd.h - which commands a policy may send through the shared pool.
 *
 * Refused, with an error naming the command (case-insensitive match):
 * - blocking ones, which would hold a pooled connection and a libmilter
 *   worker: SUBSCRIBE PSUBSCRIBE SSUBSCRIBE MONITOR BLPOP BRPOP BRPOPLPUSH
 *   BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP WAIT WAITAOF, and XREAD or
 *   XREADGROUP with a BLOCK argument;
 * - administrative ones: CLIENT CONFIG DEBUG FLUSHALL FLUSHDB KEYS SHUTDOWN
 *   ACL MODULE REPLICAOF SLAVEOF FAILOVER SYNC PSYNC REPLCONF;
 * - ones that change the pooled connection for whoever uses it next:
 *   SELECT AUTH HELLO RESET QUIT WATCH UNWATCH READONLY READWRITE
 *   UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE; MULTI, EXEC and DISCARD only
 *   inside one pipeline, where every MULTI is closed by EXEC or DISCARD.
 */
#ifndef LUAMILTER_REDIS_CMD_H
#define LUAMILTER_REDIS_CMD_H

#include <stddef.h>

/* where a command is sent from */
enum redis_cmd_where {
    REDIS_CMD_CALL = 0,         /* redis.call: one command */
    REDIS_CMD_PIPELINE          /* one of a pipeline's commands */
};

/* a pipeline's transaction state, for redis_cmd_check */
struct redis_cmd_txn {
    int open;                   /* a MULTI not yet closed */
};

int redis_cmd_check(int argc, const char *const *argv, const size_t *len,
                    int where, struct redis_cmd_txn *txn, char *err,
                    size_t errlen);
int redis_cmd_is(const char *name, size_t len, const char *word);

#endif
