/* fuzz_bridge.c - random callback sequences through the real binding.
 *
 * The input is read as a sequence of operations (one byte each, then
 * length-prefixed arguments) driven through the xxfi_* callbacks on a
 * recording context, with t/fuzz/fuzz_policy.lua calling every action. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "callbacks.h"
#include "config.h"
#include "log.h"
#include "record.h"
#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct smfiDesc desc;

/* setup - load the fuzzing policy once */
static void
setup(void)
{
    static int done;
    struct script_options so;
    struct script *s;
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
    s = script_load(&so, err, sizeof err);
    config_unref(so.cfg);
    if (s == NULL)
        abort();
    script_publish(s);
    mta_use(&record_backend);
    callbacks_fill(&desc);
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

/* LLVMFuzzerTestOneInput - run one sequence, always ending with close */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    SMFICTX *ctx;
    unsigned long p0, p1, p2, p3;
    int steps = 0;

    setup();
    ctx = record_new();
    if (ctx == NULL)
        return 0;
    record_set_macro(ctx, "i", "FUZZ1");
    if (p < end) {
        unsigned long f1 = (unsigned long)*p++ << 12 | 0x7f;
        desc.xxfi_negotiate(ctx, 0x1ff, f1, 0, 0, &p0, &p1, &p2, &p3);
    }
    while (p < end && steps++ < 64) {
        uint8_t op = *p++;
        size_t l1, l2;
        char *a = take(&p, end, &l1);
        char *b = take(&p, end, &l2);
        char *argv[4] = {a, b, NULL, NULL};

        switch (op % 12) {
        case 0: {
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
            desc.xxfi_connect(ctx, a, op & 0x80 ? NULL : (struct sockaddr *)&ss);
            break;
        }
        case 1: desc.xxfi_helo(ctx, a); break;
        case 2: desc.xxfi_envfrom(ctx, argv); break;
        case 3: desc.xxfi_envrcpt(ctx, argv); break;
        case 4: desc.xxfi_data(ctx); break;
        case 5: desc.xxfi_header(ctx, a, b); break;
        case 6: desc.xxfi_eoh(ctx); break;
        case 7: desc.xxfi_body(ctx, (unsigned char *)b, l2); break;
        case 8: desc.xxfi_eom(ctx); break;
        case 9: desc.xxfi_abort(ctx); break;
        case 10: desc.xxfi_unknown(ctx, a); break;
        default: break;
        }
        free(a);
        free(b);
        record_clear(ctx);
    }
    desc.xxfi_close(ctx);
    record_free(ctx);
    return 0;
}
