/* fuzz_bridge.c - random callback sequences through the real binding.
 *
 * The input is read as a sequence of operations (one byte each, then
 * length-prefixed arguments) driven, through the transaction driver's
 * single stages, into the session's entry points on a connection whose
 * MTA is the recorder, with t/fuzz/fuzz_policy.lua calling every action.
 * A connect carries a socket address made of the input's bytes, decoded
 * as libmilter's would be. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config.h"
#include "driver.h"
#include "event.h"
#include "log.h"
#include "module.h"
#include "record.h"
#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct script *policy;

/* setup - load the fuzzing policy once */
static void
setup(void)
{
    static int done;
    struct script_options so;
    char err[4096];

    if (done)
        return;
    done = 1;
    log_setup(0, -1);
    memset(&so, 0, sizeof so);
    so.path = getenv("FUZZ_POLICY") ? getenv("FUZZ_POLICY")
                                     : "t/fuzz/fuzz_policy.lua";
    so.libdir = "lua";
    so.cfg = config_new();
    if (so.cfg == NULL)
        abort();
    so.cfg->callback_timeout = 1;
    so.cfg->memory_limit = 8u << 20;
    policy = script_load(&so, err, sizeof err);
    config_unref(so.cfg);
    if (policy == NULL)
        abort();
}

/* take - the next argument: a length byte (x256 if high bit) then bytes */
static char *
take(const uint8_t **p, const uint8_t *end, size_t *lenp)
{
    size_t n;
    char *s;

    if (*p >= end) {
        n = 0;
    } else {
        n = **p & 0x7f;
        if (**p & 0x80)
            n *= 512;
        (*p)++;
    }
    if (n > (size_t)(end - *p))
        n = (size_t)(end - *p);
    s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n;
    *lenp = n;
    return s;
}

/* connect_event - connect with a socket address of the input's bytes:
 * inet, inet6 or unix by the length of b, none when op's high bit is set */
static void
connect_event(struct event *ev, uint8_t op, const char *a, const char *b,
              size_t l2)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof ss);
    if (l2 % 3 == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, b, l2 < 4 ? l2 : 4);
    } else if (l2 % 3 == 1) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, b, l2 < 16 ? l2 : 16);
    } else {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, b, l2 < 100 ? l2 : 100);
    }
    event_connect_sa(ev, a, op & 0x80 ? NULL : (struct sockaddr *)&ss);
}

/* LLVMFuzzerTestOneInput - run one sequence, always ending with close */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum stage ops[] = {
        ST_CONNECT, ST_HELO, ST_ENVFROM, ST_ENVRCPT, ST_DATA, ST_HEADER,
        ST_EOH, ST_BODY, ST_EOM, ST_ABORT, ST_UNKNOWN
    };
    const uint8_t *p = data, *end = data + size;
    struct driver d;
    char err[256];
    int steps = 0;

    setup();
    if (driver_open(&d, policy, MODULE_REPLAY, NULL, NULL, err,
                    sizeof err) < 0)
        return 0;
    record_set_macro(d.rec, "i", "FUZZ1");
    if (p < end) {
        unsigned long f1 = (unsigned long)*p++ << 12 | 0x7f;
        driver_negotiate(&d, 0x1ff, f1);
    }
    while (p < end && steps++ < 64) {
        uint8_t op = *p++;
        size_t l1, l2;
        char *a = take(&p, end, &l1);
        char *b = take(&p, end, &l2);
        char *argv[4] = {a, b, NULL, NULL};
        struct event ev;
        enum stage st;

        if (op % 12 == 11) {
            free(a);
            free(b);
            continue;
        }
        st = ops[op % 12];
        switch (st) {
        case ST_CONNECT: connect_event(&ev, op, a, b, l2); break;
        case ST_HELO: case ST_UNKNOWN: event_str(&ev, a); break;
        case ST_ENVFROM: case ST_ENVRCPT: event_argv(&ev, argv); break;
        case ST_HEADER: event_header(&ev, a, b); break;
        case ST_BODY: event_bytes(&ev, b, l2); break;
        default: event_none(&ev); break;
        }
        driver_stage(&d, st, &ev);
        free(a);
        free(b);
    }
    driver_close(&d);
    return 0;
}
