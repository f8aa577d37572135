/*
 * redis_wire.h - one round trip on one hiredis connection, to a deadline
 * and within a reply cap.
 *
 * hiredis (0.14) formats the commands and parses the replies; this unit
 * moves the bytes itself, on a non-blocking socket with poll(2) to one
 * absolute deadline, because SO_RCVTIMEO (redisSetTimeout) bounds each
 * read, not the call: a server trickling a byte at a time would keep a
 * redisGetReply going for ever.  Replies are built by counting object
 * functions, so an array header announcing 2^31 elements or a reply over
 * the cap fails before hiredis allocates it (hiredis's own allocator would
 * abort on out-of-memory, and its memory is outside memory_limit).
 *
 * Any failure (timeout, closed, protocol error, too large) leaves the
 * connection in an unknown state (hiredis #306: a late reply is read as the
 * answer to the next command): the caller must free it, never reuse it.
 * Error replies ("-WRONGTYPE ...") are replies, not failures.
 */
#ifndef LUAMILTER_REDIS_WIRE_H
#define LUAMILTER_REDIS_WIRE_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* what a round trip can end with */
enum redis_fail {
    REDIS_FAIL_NONE = 0,
    REDIS_FAIL_TIMEOUT,         /* the deadline passed ("timeout ...") */
    REDIS_FAIL_CONNECTION,      /* refused, closed, reset, protocol error */
    REDIS_FAIL_TOO_LARGE,       /* over the reply cap ("reply too large") */
    REDIS_FAIL_BUDGET           /* under 10 ms left, nothing sent */
};

/* the memory a reply being read takes, against the cap */
struct redis_meter {
    size_t used;
    size_t limit;
    int over;
};

/* one open connection: a hiredis context set up by redis_wire_attach */
struct redis_conn {
    redisContext *ctx;
    struct redis_meter meter;
    struct redis_conn *next;    /* the pool's idle list */
};

/* commands formatted for one round trip */
struct redis_request {
    char *buf;
    size_t len, cap;
    int count;                  /* commands, so replies expected */
};

int redis_wire_attach(struct redis_conn *rc, redisContext *ctx,
                      double io_timeout, char *err, size_t errlen);
void redis_wire_close(struct redis_conn *rc);
int redis_wire_roundtrip(struct redis_conn *rc,
                         const struct redis_request *req, double deadline,
                         size_t max_reply, redisReply **replies, char *err,
                         size_t errlen);

void redis_request_init(struct redis_request *req);
int redis_request_add(struct redis_request *req, int argc,
                      const char **argv, const size_t *argvlen);
void redis_request_free(struct redis_request *req);

#endif
