/*
 * redis_cmd.c - the commands a policy may not send (see redis_cmd.h).
 */
#include "redis_cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum refusal {
    R_BLOCKING = 0,
    R_ADMIN,
    R_STATE
};

static const struct refused_cmd {
    const char *name;
    int why;                    /* enum refusal */
} refused[] = {
    {"SUBSCRIBE", R_BLOCKING}, {"PSUBSCRIBE", R_BLOCKING},
    {"SSUBSCRIBE", R_BLOCKING}, {"MONITOR", R_BLOCKING},
    {"BLPOP", R_BLOCKING}, {"BRPOP", R_BLOCKING},
    {"BRPOPLPUSH", R_BLOCKING}, {"BLMOVE", R_BLOCKING},
    {"BLMPOP", R_BLOCKING}, {"BZPOPMIN", R_BLOCKING},
    {"BZPOPMAX", R_BLOCKING}, {"BZMPOP", R_BLOCKING},
    {"WAIT", R_BLOCKING}, {"WAITAOF", R_BLOCKING},
    {"CLIENT", R_ADMIN}, {"CONFIG", R_ADMIN}, {"DEBUG", R_ADMIN},
    {"FLUSHALL", R_ADMIN}, {"FLUSHDB", R_ADMIN}, {"KEYS", R_ADMIN},
    {"SHUTDOWN", R_ADMIN}, {"ACL", R_ADMIN}, {"MODULE", R_ADMIN},
    {"REPLICAOF", R_ADMIN}, {"SLAVEOF", R_ADMIN}, {"FAILOVER", R_ADMIN},
    {"SYNC", R_ADMIN}, {"PSYNC", R_ADMIN}, {"REPLCONF", R_ADMIN},
    {"SELECT", R_STATE}, {"AUTH", R_STATE}, {"HELLO", R_STATE},
    {"RESET", R_STATE}, {"QUIT", R_STATE}, {"WATCH", R_STATE},
    {"UNWATCH", R_STATE}, {"READONLY", R_STATE}, {"READWRITE", R_STATE},
    {"UNSUBSCRIBE", R_STATE}, {"PUNSUBSCRIBE", R_STATE},
    {"SUNSUBSCRIBE", R_STATE},
    {NULL, 0}
};

static const char *const refusal_text[] = {
    "it blocks, holding a pooled connection",
    "administrative commands are refused",
    "it would change the pooled connection for its next user"
};

/* redis_cmd_is - whether name (len bytes) is word, ignoring case */
int
redis_cmd_is(const char *name, size_t len, const char *word)
{
    size_t i;

    if (strlen(word) != len)
        return 0;
    for (i = 0; i < len; i++)
        if (toupper((unsigned char)name[i]) != (unsigned char)word[i])
            return 0;
    return 1;
}

/* has_block_arg - whether XREAD/XREADGROUP options from first on name
 * BLOCK before STREAMS (after it come keys and ids, which may be called
 * anything; so may XREADGROUP's group and consumer, skipped) */
static int
has_block_arg(int argc, const char *const *argv, const size_t *len,
              int first)
{
    int i;

    for (i = first; i < argc; i++) {
        if (redis_cmd_is(argv[i], len[i], "STREAMS"))
            return 0;
        if (redis_cmd_is(argv[i], len[i], "BLOCK"))
            return 1;
    }
    return 0;
}

/* check_txn - MULTI, EXEC and DISCARD: a pipeline only, balanced */
static int
check_txn(const char *name, size_t len, int where, struct redis_cmd_txn *txn,
          char *err, size_t errlen)
{
    int multi = redis_cmd_is(name, len, "MULTI");

    if (!multi && !redis_cmd_is(name, len, "EXEC") &&
        !redis_cmd_is(name, len, "DISCARD"))
        return 0;
    if (where != REDIS_CMD_PIPELINE || txn == NULL) {
        snprintf(err, errlen, "redis: %s is only allowed inside "
                 "redis.pipeline, where EXEC or DISCARD closes each MULTI",
                 multi ? "MULTI" : redis_cmd_is(name, len, "EXEC") ? "EXEC"
                 : "DISCARD");
        return -1;
    }
    if (multi && txn->open) {
        snprintf(err, errlen, "redis: MULTI inside MULTI (close the first "
                 "with EXEC or DISCARD)");
        return -1;
    }
    txn->open = multi;
    return 0;
}

/* redis_cmd_check - 0 if the command may be sent, else -1 and an error
 * naming it; txn follows MULTI in a pipeline (the caller checks that it is
 * closed at the end) */
int
redis_cmd_check(int argc, const char *const *argv, const size_t *len,
                int where, struct redis_cmd_txn *txn, char *err,
                size_t errlen)
{
    int i;

    for (i = 0; refused[i].name != NULL; i++) {
        if (redis_cmd_is(argv[0], len[0], refused[i].name)) {
            snprintf(err, errlen, "redis: %s is not allowed (%s)",
                     refused[i].name, refusal_text[refused[i].why]);
            return -1;
        }
    }
    if ((redis_cmd_is(argv[0], len[0], "XREAD") &&
         has_block_arg(argc, argv, len, 1)) ||
        (redis_cmd_is(argv[0], len[0], "XREADGROUP") &&
         has_block_arg(argc, argv, len, 4))) {
        snprintf(err, errlen, "redis: %s with BLOCK is not allowed (%s)",
                 redis_cmd_is(argv[0], len[0], "XREAD") ? "XREAD"
                 : "XREADGROUP", refusal_text[R_BLOCKING]);
        return -1;
    }
    return check_txn(argv[0], len[0], where, txn, err, errlen);
}
