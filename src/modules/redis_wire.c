/*
 * redis_wire.c - one round trip on one hiredis connection (see
 * redis_wire.h).
 */
#include "redis_wire.h"
#include "monotime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define WIRE_READ_CHUNK 16384

/* meter_charge - count bytes against the cap of the reply being read;
 * 0 if they fit */
static int
meter_charge(const redisReadTask *task, size_t bytes)
{
    struct redis_meter *m = task->privdata;

    if (m->over || bytes > m->limit || m->used > m->limit - bytes) {
        m->over = 1;
        return -1;
    }
    m->used += bytes;
    return 0;
}

/* new_node - a reply node of type for task, linked into its parent array;
 * NULL if over the cap or out of memory (hiredis reports out of memory) */
static redisReply *
new_node(const redisReadTask *task, int type, size_t extra)
{
    redisReply *r, *parent;

    if (meter_charge(task, sizeof *r + extra) < 0)
        return NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->type = type;
    if (task->parent != NULL) {
        parent = task->parent->obj;
        parent->element[task->idx] = r;
    }
    return r;
}

/* make_string - reader callback: a bulk, status or error reply */
static void *
make_string(const redisReadTask *task, char *str, size_t len)
{
    redisReply *r;
    char *copy;

    if (meter_charge(task, len + 1) < 0)
        return NULL;
    copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, str, len);
    copy[len] = '\0';
    r = new_node(task, task->type, 0);
    if (r == NULL) {
        free(copy);
        return NULL;
    }
    r->str = copy;
    r->len = len;
    return r;
}

/* make_array - reader callback: an array of elements (charged before the
 * element vector is allocated) */
static void *
make_array(const redisReadTask *task, int elements)
{
    redisReply *r;
    size_t n = elements > 0 ? (size_t)elements : 0;

    if (n > ((size_t)-1) / sizeof(redisReply *) - 1 ||
        meter_charge(task, n * sizeof(redisReply *)) < 0)
        return NULL;
    r = new_node(task, REDIS_REPLY_ARRAY, 0);
    if (r == NULL)
        return NULL;
    if (n > 0) {
        r->element = calloc(n, sizeof *r->element);
        if (r->element == NULL) {
            if (task->parent != NULL)
                ((redisReply *)task->parent->obj)->element[task->idx] = NULL;
            free(r);
            return NULL;
        }
    }
    r->elements = n;
    return r;
}

/* make_integer - reader callback: an integer reply */
static void *
make_integer(const redisReadTask *task, long long value)
{
    redisReply *r = new_node(task, REDIS_REPLY_INTEGER, 0);

    if (r != NULL)
        r->integer = value;
    return r;
}

/* make_nil - reader callback: a nil bulk or nil array */
static void *
make_nil(const redisReadTask *task)
{
    return new_node(task, REDIS_REPLY_NIL, 0);
}

static redisReplyObjectFunctions metered_functions = {
    make_string, make_array, make_integer, make_nil, freeReplyObject
};

/* redis_wire_attach - take over a freshly connected context: command
 * timeout set again (hiredis drops it on reconnect; we never reconnect, we
 * connect anew), non-blocking, close-on-exec, metered reader */
int
redis_wire_attach(struct redis_conn *rc, redisContext *ctx, double io_timeout,
                  char *err, size_t errlen)
{
    struct timeval tv;
    int flags;

    memset(rc, 0, sizeof *rc);
    rc->ctx = ctx;
    tv.tv_sec = (time_t)io_timeout;
    tv.tv_usec = (suseconds_t)((io_timeout - (double)tv.tv_sec) * 1e6);
    flags = fcntl(ctx->fd, F_GETFL);
    if (redisSetTimeout(ctx, tv) != REDIS_OK || flags < 0 ||
        fcntl(ctx->fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(ctx->fd, F_SETFD, FD_CLOEXEC) < 0) {
        snprintf(err, errlen, "connection setup failed: %s", strerror(errno));
        return -1;
    }
    ctx->reader->fn = &metered_functions;
    ctx->reader->privdata = &rc->meter;
    return 0;
}

/* redis_wire_close - free the context (closes the socket) */
void
redis_wire_close(struct redis_conn *rc)
{
    if (rc->ctx != NULL)
        redisFree(rc->ctx);
    rc->ctx = NULL;
}

/* wait_fd - wait until fd has events or the deadline passes; 0 ready,
 * -1 timed out */
static int
wait_fd(int fd, short events, double deadline)
{
    struct pollfd pfd;
    double left;
    int rc;

    for (;;) {
        left = deadline - mono_now();
        if (left <= 0)
            return -1;
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        rc = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return 0;           /* the read or write says what is wrong */
    }
}

/* send_all - write the request to the deadline */
static int
send_all(struct redis_conn *rc, const struct redis_request *req,
         double deadline, char *err, size_t errlen)
{
    size_t off = 0;
    ssize_t n;

    while (off < req->len) {
        if (wait_fd(rc->ctx->fd, POLLOUT, deadline) < 0) {
            snprintf(err, errlen, "timeout sending the command");
            return REDIS_FAIL_TIMEOUT;
        }
        n = send(rc->ctx->fd, req->buf + off, req->len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                      errno == EINTR))
            continue;
        if (n < 0) {
            snprintf(err, errlen, "connection lost sending the command: %s",
                     strerror(errno));
            return REDIS_FAIL_CONNECTION;
        }
        off += (size_t)n;
    }
    return REDIS_FAIL_NONE;
}

/* read_more - feed what the socket has to the reader; counts *fed */
static int
read_more(struct redis_conn *rc, double deadline, size_t max_reply,
          size_t *fed, char *err, size_t errlen)
{
    char buf[WIRE_READ_CHUNK];
    ssize_t n;

    for (;;) {
        if (wait_fd(rc->ctx->fd, POLLIN, deadline) < 0) {
            snprintf(err, errlen, "timeout waiting for the reply");
            return REDIS_FAIL_TIMEOUT;
        }
        n = read(rc->ctx->fd, buf, sizeof buf);
        if (n > 0)
            break;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                      errno == EINTR))
            continue;
        if (n == 0)
            snprintf(err, errlen, "connection closed by the server");
        else
            snprintf(err, errlen, "connection lost: %s", strerror(errno));
        return REDIS_FAIL_CONNECTION;
    }
    *fed += (size_t)n;
    if (*fed > max_reply) {
        snprintf(err, errlen, "reply too large");
        return REDIS_FAIL_TOO_LARGE;
    }
    if (redisReaderFeed(rc->ctx->reader, buf, (size_t)n) != REDIS_OK) {
        snprintf(err, errlen, "connection: out of memory reading the reply");
        return REDIS_FAIL_CONNECTION;
    }
    return REDIS_FAIL_NONE;
}

/* redis_wire_roundtrip - send req, read its req->count replies into
 * replies[] (the caller frees them with freeReplyObject), all before the
 * deadline (CLOCK_MONOTONIC seconds) and within max_reply bytes read and
 * held; a failure frees what was read, says why in err and must be
 * followed by redis_wire_close */
int
redis_wire_roundtrip(struct redis_conn *rc, const struct redis_request *req,
                     double deadline, size_t max_reply, redisReply **replies,
                     char *err, size_t errlen)
{
    redisReader *rd = rc->ctx->reader;
    size_t fed = 0;
    void *reply;
    int got = 0, fail, i;

    rc->meter.used = 0;
    rc->meter.limit = max_reply;
    rc->meter.over = 0;
    fail = send_all(rc, req, deadline, err, errlen);
    while (fail == REDIS_FAIL_NONE && got < req->count) {
        if (redisReaderGetReply(rd, &reply) != REDIS_OK) {
            if (rc->meter.over) {
                snprintf(err, errlen, "reply too large");
                fail = REDIS_FAIL_TOO_LARGE;
            } else {
                snprintf(err, errlen, "connection: protocol error: %s",
                         rd->errstr);
                fail = REDIS_FAIL_CONNECTION;
            }
        } else if (reply != NULL) {
            replies[got++] = reply;
        } else {
            fail = read_more(rc, deadline, max_reply, &fed, err, errlen);
        }
    }
    if (fail == REDIS_FAIL_NONE && rd->pos < rd->len) {
        snprintf(err, errlen, "connection: protocol error: data after the "
                 "last reply");
        fail = REDIS_FAIL_CONNECTION;
    }
    if (fail != REDIS_FAIL_NONE) {
        for (i = 0; i < got; i++) {
            freeReplyObject(replies[i]);
            replies[i] = NULL;
        }
    }
    return fail;
}

/* redis_request_init - an empty request */
void
redis_request_init(struct redis_request *req)
{
    memset(req, 0, sizeof *req);
}

/* redis_request_add - append one command (binary-safe arguments); -1 when
 * out of memory */
int
redis_request_add(struct redis_request *req, int argc, const char **argv,
                  const size_t *argvlen)
{
    char *cmd = NULL, *bigger;
    int n = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    size_t need;

    if (n < 0)
        return -1;
    need = req->len + (size_t)n;
    if (need > req->cap) {
        size_t cap = req->cap > 0 ? req->cap : 256;

        while (cap < need)
            cap *= 2;
        bigger = realloc(req->buf, cap);
        if (bigger == NULL) {
            redisFreeCommand(cmd);
            return -1;
        }
        req->buf = bigger;
        req->cap = cap;
    }
    memcpy(req->buf + req->len, cmd, (size_t)n);
    req->len = need;
    req->count++;
    redisFreeCommand(cmd);
    return 0;
}

/* redis_request_free - release the request's buffer */
void
redis_request_free(struct redis_request *req)
{
    free(req->buf);
    redis_request_init(req);
}
