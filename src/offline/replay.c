/*
 * replay.c - "luamilter replay": run a policy over stored messages.
 *
 * Each message is split as an MTA would send it and fed, stage by stage,
 * to the same xxfi_* callbacks the daemon registers with libmilter, with
 * the recording MTA behind the mta seam.  Stages the policy negotiated away
 * are skipped, reply-less ones are reported as such, and the run stops where
 * an MTA would (a rejected connection, message or last recipient).
 */
#include "replay.h"
#include "callbacks.h"
#include "config.h"
#include "conn.h"
#include "engine.h"
#include "module.h"
#include "log.h"
#include "message.h"
#include "negotiate.h"
#include "fileio.h"
#include "paths.h"
#include "policytest.h"
#include "record.h"
#include "script.h"
#include "stage.h"
#include "verdict.h"
#include "watchdog.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIT_DELIVERED 0
#define EXIT_QUARANTINED 1
#define EXIT_DISCARDED 2
#define EXIT_REJECTED 3
#define EXIT_TEMPFAILED 4
#define EXIT_USAGE 64
#define EXIT_NOINPUT 66
#define EXIT_CONFIG 78

#define MAX_LIST 256
#define NRESULTS 6          /* delivered ... tempfailed, skipped */
#define SKIPPED 5           /* the counts[] slot of skipped messages */

struct replay_opts {
    const char *config;
    const char *script;
    const char *from;
    const char *rcpts[MAX_LIST];
    int nrcpts;
    const char *client;
    const char *helo;
    const char *macros[MAX_LIST];   /* "stage:name=value" */
    int nmacros;
    int json;
    int no_tests;                   /* skip the policy's own tests */
    int live_io;                    /* modules use the network (DNS) */
};

/* what became of one message */
struct outcome {
    const char *result;     /* delivered quarantined discarded rejected
                               tempfailed, or skipped (not replayed) */
    int code;               /* EXIT_* */
    const char *verdict;    /* the deciding status, lower case; NULL when
                               skipped */
    char reply[1024];       /* reply text that went with it, if any */
    const char *reason;     /* why it was skipped */
};

#define NO_RCPT_REASON \
    "no recipient: give --rcpt, or a To or Cc header in the message"

/* output: plain text, or JSON built in a buffer */
struct out {
    int json;
    char *buf;
    size_t len, cap;
    int first_stage;
};

static unsigned replay_seq;

/* usage - the replay help text */
static void
usage(FILE *f)
{
    fprintf(f,
"usage: luamilter replay [-c CONF] [-s SCRIPT] [--from ADDR] [--rcpt ADDR]...\n"
"                        [--client IP[:PORT]] [--helo NAME]\n"
"                        [--macro STAGE:NAME=VALUE]... [--json] [--no-tests]\n"
"                        [--live-io] MESSAGE...\n"
"\n"
"Runs the policy over stored messages (files, or directories of files)\n"
"through the same C core as live traffic, with a recording MTA, and prints\n"
"per stage the verdict and every action.\n"
"\n"
"  -c CONF        configuration file (script, lua_path, on_error, log_level,\n"
"                 callback_timeout, memory_limit, lua_allow)\n"
"  -s SCRIPT      policy script (overrides the config)\n"
"  --from ADDR    envelope sender (default: Return-Path, else From, else <>)\n"
"  --rcpt ADDR    envelope recipient, repeatable (default: To and Cc)\n"
"  --client IP[:PORT]  client address (default 127.0.0.1:25025)\n"
"  --helo NAME    HELO name (default localhost)\n"
"  --macro STAGE:NAME=VALUE  a macro for a stage (connect helo envfrom\n"
"                 envrcpt data eoh eom), repeatable; overrides the defaults\n"
"  --json         one JSON record per message instead of text\n"
"  --no-tests     do not run the policy's own tests (a warning says so), to\n"
"                 replay a policy whose tests fail\n"
"  --live-io      modules really query (milter.dns asks dns_servers); without\n"
"                 it they answer \"unrecorded\" and never touch the network\n"
"\n"
"Bytes outside printable ASCII are shown as \\xHH in text and as \\u00HH\n"
"(one code point per byte) in JSON.\n"
"\n"
"A message with no recipient (no --rcpt, no To or Cc) is not replayed: its\n"
"result is \"skipped\", with the reason, and the exit status 64.\n"
"\n"
"Exit status: the worst outcome over all messages:\n"
"  0 delivered, 1 quarantined, 2 discarded, 3 rejected, 4 temporarily\n"
"  failed (this includes policy errors under on_error = tempfail),\n"
"  64 usage error (a message without recipient too), 66 a message could not\n"
"  be read, 78 config or script error (the policy's own tests failing too).\n");
}

/* out_grow - make room for n more bytes */
static void
out_grow(struct out *o, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        char *b;
        while (o->len + n + 1 > cap)
            cap *= 2;
        b = realloc(o->buf, cap);
        if (b == NULL) {
            fprintf(stderr, "luamilter replay: out of memory\n");
            exit(EXIT_CONFIG);
        }
        o->buf = b;
        o->cap = cap;
    }
}

/* out_raw - append bytes to the JSON buffer */
static void
out_raw(struct out *o, const char *s, size_t n)
{
    out_grow(o, n);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* out_str - append a JSON string (bytes >= 0x80 as \u00HH), or null */
static void
out_str(struct out *o, const char *s, size_t n)
{
    size_t i;
    char esc[8];

    if (s == NULL) {
        out_raw(o, "null", 4);
        return;
    }
    out_raw(o, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            out_raw(o, esc, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            out_raw(o, esc, 6);
        } else {
            out_raw(o, (const char *)&c, 1);
        }
    }
    out_raw(o, "\"", 1);
}

/* out_cstr - out_str for a NUL-terminated string */
static void
out_cstr(struct out *o, const char *s)
{
    out_str(o, s, s != NULL ? strlen(s) : 0);
}

/* print_text - write bytes as text, escaping what is not printable */
static void
print_text(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

/* print_ctext - print_text for a NUL-terminated string */
static void
print_ctext(const char *s)
{
    print_text(s, strlen(s));
}

/* note - an explanation of a default that was applied */
static void
note(struct out *o, const char *fmt, const char *arg)
{
    char buf[1024];

    snprintf(buf, sizeof buf, fmt, arg);
    if (o->json) {
        out_raw(o, o->first_stage ? "" : ",", o->first_stage ? 0 : 1);
        out_cstr(o, buf);
        o->first_stage = 0;
    } else {
        printf("  note: ");
        print_ctext(buf);
        putchar('\n');
    }
}

/* reply_of - the reply set in this stage that applies to status */
static void
reply_of(SMFICTX *ctx, int status, char *buf, size_t cap)
{
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < record_count(ctx); i++) {
        const struct record_action *a = record_get(ctx, i);
        if (strcmp(a->op, "setreply") != 0)
            continue;
        if ((status == SMFIS_TEMPFAIL && a->name[0] == '4') ||
            (status == SMFIS_REJECT && a->name[0] == '5'))
            snprintf(buf, cap, "%s%s%s%s%s", a->name, a->xcode ? " " : "",
                     a->xcode ? a->xcode : "", a->value ? " " : "",
                     a->value ? a->value : "");
    }
}

/* print_action - one recorded action, text or JSON */
static void
print_action(struct out *o, const struct record_action *a, int first)
{
    if (o->json) {
        char idx[32];
        if (!first)
            out_raw(o, ",", 1);
        out_raw(o, "{\"op\":", 6);
        out_cstr(o, a->op);
        if (a->name != NULL) {
            out_raw(o, ",\"name\":", 8);
            out_cstr(o, a->name);
        }
        if (a->value != NULL) {
            out_raw(o, ",\"value\":", 9);
            out_cstr(o, a->value);
        }
        if (a->xcode != NULL) {
            out_raw(o, ",\"xcode\":", 9);
            out_cstr(o, a->xcode);
        }
        if (a->idx >= 0) {
            snprintf(idx, sizeof idx, ",\"index\":%ld", a->idx);
            out_raw(o, idx, strlen(idx));
        }
        if (a->bytes != NULL) {
            out_raw(o, ",\"body\":", 8);
            out_str(o, (const char *)a->bytes, a->len);
        }
        out_raw(o, "}", 1);
        return;
    }
    printf("    %s", a->op);
    if (strcmp(a->op, "replacebody") == 0) {
        printf(" (%zu bytes) ", a->len);
        print_text((const char *)a->bytes, a->len > 200 ? 200 : a->len);
        if (a->len > 200)
            printf("...");
    } else if (strcmp(a->op, "setreply") == 0) {
        printf(" %s%s%s ", a->name, a->xcode ? " " : "",
               a->xcode ? a->xcode : "");
        print_ctext(a->value != NULL ? a->value : "");
    } else {
        if (a->idx >= 0)
            printf(" [%ld]", a->idx);
        if (a->name != NULL) {
            putchar(' ');
            print_ctext(a->name);
        }
        if (a->value != NULL) {
            printf(strcmp(a->op, "addheader") == 0 ||
                   strcmp(a->op, "insheader") == 0 ||
                   strcmp(a->op, "chgheader") == 0 ? ": " : " ");
            print_ctext(a->value);
        } else if (strcmp(a->op, "chgheader") == 0) {
            printf(" (deleted)");
        }
    }
    putchar('\n');
}

/* report_stage - print a stage's answer and the actions it recorded */
static void
report_stage(struct out *o, SMFICTX *ctx, const char *stage, const char *arg,
             int status, struct outcome *oc)
{
    char reply[1024];
    size_t i;

    reply_of(ctx, status, reply, sizeof reply);
    if (o->json) {
        out_raw(o, o->first_stage ? "{\"stage\":" : ",{\"stage\":",
                o->first_stage ? 9 : 10);
        o->first_stage = 0;
        out_cstr(o, stage);
        if (arg != NULL) {
            out_raw(o, ",\"arg\":", 7);
            out_cstr(o, arg);
        }
        out_raw(o, ",\"verdict\":", 11);
        out_cstr(o, verdict_word(status));
        out_raw(o, ",\"reply\":", 9);
        out_cstr(o, reply[0] ? reply : NULL);
        out_raw(o, ",\"actions\":[", 12);
        for (i = 0; i < record_count(ctx); i++)
            print_action(o, record_get(ctx, i), i == 0);
        out_raw(o, "]}", 2);
    } else {
        printf("  %s", stage);
        if (arg != NULL) {
            putchar(' ');
            print_ctext(arg);
        }
        printf(": %s", verdict_word(status));
        if (reply[0]) {
            putchar(' ');
            print_ctext(reply);
        }
        putchar('\n');
        for (i = 0; i < record_count(ctx); i++)
            print_action(o, record_get(ctx, i), i == 0);
    }
    if (oc != NULL && reply[0])
        snprintf(oc->reply, sizeof oc->reply, "%s", reply);
    record_clear(ctx);
}

/* stage_skipped - a stage the policy negotiated away */
static void
stage_skipped(struct out *o, const char *stage)
{
    if (o->json) {
        out_raw(o, o->first_stage ? "{\"stage\":" : ",{\"stage\":",
                o->first_stage ? 9 : 10);
        o->first_stage = 0;
        out_cstr(o, stage);
        out_raw(o, ",\"verdict\":\"skipped\"}", 21);
    } else {
        printf("  %s: skipped (not requested by the policy)\n", stage);
    }
}

/* apply_macros - user --macro settings for one stage */
static void
apply_macros(const struct replay_opts *ro, SMFICTX *ctx, const char *stage)
{
    int i;
    size_t sl = strlen(stage);

    for (i = 0; i < ro->nmacros; i++) {
        const char *m = ro->macros[i];
        const char *eq = strchr(m, '=');
        char name[256];
        size_t nl;

        if (strncmp(m, stage, sl) != 0 || m[sl] != ':' || eq == NULL)
            continue;
        nl = (size_t)(eq - (m + sl + 1));
        if (nl >= sizeof name)
            continue;
        memcpy(name, m + sl + 1, nl);
        name[nl] = '\0';
        record_set_macro(ctx, name, eq + 1);
    }
}

/* bare_addr - an address without its angle brackets, in buf */
static const char *
bare_addr(const char *a, char *buf, size_t cap)
{
    size_t n = strlen(a);

    if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
        snprintf(buf, cap, "%.*s", (int)(n - 2), a + 1);
        return buf;
    }
    return a;
}

/* bracket - an address in angle brackets (malloc) */
static char *
bracket(const char *a)
{
    size_t n;
    char *s;

    while (*a == ' ' || *a == '\t' || *a == '\n')
        a++;
    n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\n'))
        n--;
    s = malloc(n + 3);
    if (s == NULL)
        return NULL;
    if (n > 0 && a[0] == '<')
        snprintf(s, n + 3, "%.*s", (int)n, a);
    else
        snprintf(s, n + 3, "<%.*s>", (int)n, a);
    return s;
}

/* parse_client - IP[:PORT] or [IPv6]:PORT into a socket address */
static int
parse_client(const char *spec, struct sockaddr_storage *ss, char *ip,
             size_t iplen)
{
    char buf[128];
    char *port = NULL;
    long p = 25025;

    snprintf(buf, sizeof buf, "%s", spec);
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL)
            return -1;
        *close = '\0';
        memmove(buf, buf + 1, strlen(buf + 1) + 1);
        if (close[1] == ':')
            port = close + 2 - 1;
    } else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
        port = strchr(buf, ':');
        *port++ = '\0';
    }
    if (port != NULL) {
        char *end;
        p = strtol(port, &end, 10);
        if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
            return -1;
    }
    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)p);
    } else if (inet_pton(AF_INET6, buf,
                         &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)p);
    } else {
        return -1;
    }
    snprintf(ip, iplen, "%s", buf);
    return 0;
}

/* set_outcome - record the deciding verdict of a message */
static void
set_outcome(struct outcome *oc, int status)
{
    oc->verdict = verdict_word(status);
    switch (status) {
    case SMFIS_REJECT:
        oc->result = "rejected";
        oc->code = EXIT_REJECTED;
        break;
    case SMFIS_TEMPFAIL:
        oc->result = "tempfailed";
        oc->code = EXIT_TEMPFAILED;
        break;
    case SMFIS_DISCARD:
        oc->result = "discarded";
        oc->code = EXIT_DISCARDED;
        break;
    default:
        oc->result = "delivered";
        oc->code = EXIT_DELIVERED;
        break;
    }
}

/* decisive - whether a status ends the message (or connection) */
static int
decisive(int status)
{
    return status == SMFIS_REJECT || status == SMFIS_TEMPFAIL ||
           status == SMFIS_DISCARD || status == SMFIS_ACCEPT;
}

/* envelope - the sender and recipients, from options or the message */
static int
envelope(const struct replay_opts *ro, const struct message *m, struct out *o,
         char **from, char ***rcpts, size_t *nrcpts)
{
    const char *h;
    size_t i;

    *from = NULL;
    if (ro->from != NULL) {
        *from = bracket(ro->from);
    } else if ((h = message_header(m, "Return-Path")) != NULL) {
        char **list;
        size_t n = message_addresses(h, &list);
        *from = n > 0 ? strdup(list[0]) : bracket(h);
        for (i = 0; i < n; i++)
            free(list[i]);
        free(list);
        note(o, "envelope sender %s taken from Return-Path", *from);
    } else if ((h = message_header(m, "From")) != NULL) {
        char **list;
        size_t n = message_addresses(h, &list);
        *from = n > 0 ? strdup(list[0]) : strdup("<>");
        for (i = 0; i < n; i++)
            free(list[i]);
        free(list);
        note(o, "envelope sender %s taken from From", *from);
    } else {
        *from = strdup("<>");
        note(o, "envelope sender %s (no --from, Return-Path or From)", *from);
    }
    *rcpts = NULL;
    *nrcpts = 0;
    if (ro->nrcpts > 0) {
        *rcpts = calloc((size_t)ro->nrcpts, sizeof **rcpts);
        for (i = 0; *rcpts != NULL && i < (size_t)ro->nrcpts; i++)
            (*rcpts)[i] = bracket(ro->rcpts[i]);
        *nrcpts = (size_t)ro->nrcpts;
    } else {
        const char *names[] = {"To", "Cc"};
        size_t k, j;
        for (k = 0; k < 2; k++) {
            for (j = 0; j < m->nhdrs; j++) {
                char **list, **grown;
                size_t n;
                if (strcasecmp(m->hdrs[j].name, names[k]) != 0)
                    continue;
                n = message_addresses(m->hdrs[j].value, &list);
                grown = realloc(*rcpts, (*nrcpts + n + 1) * sizeof *grown);
                if (grown == NULL)
                    return -1;
                *rcpts = grown;
                for (i = 0; i < n; i++) {
                    (*rcpts)[(*nrcpts)++] = list[i];
                    note(o, "envelope recipient %s taken from the message "
                         "headers", list[i]);
                }
                free(list);
            }
        }
    }
    return *from != NULL ? 0 : -1;
}

/* run_message - replay one parsed message; fills oc */
static void
run_message(const struct replay_opts *ro, const struct message *m,
            struct out *o, struct outcome *oc)
{
    struct smfiDesc d;
    SMFICTX *ctx = record_new();
    struct sockaddr_storage ss;
    unsigned long pf0 = 0, pf1 = 0, pf2 = 0, pf3 = 0, proto;
    char ip[64], host[128], qid[32], buf[1024], *from = NULL;
    char **rcpts = NULL;
    size_t nrcpts = 0, i, accepted = 0;
    int st, in_message = 0, tempfails = 0, quarantined = 0;
    char *argv[3];

    memset(oc, 0, sizeof *oc);
    set_outcome(oc, SMFIS_CONTINUE);
    callbacks_fill(&d);
    parse_client(ro->client != NULL ? ro->client : "127.0.0.1", &ss, ip,
                 sizeof ip);
    snprintf(host, sizeof host, "%s",
             strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0
                 ? "localhost" : "");
    if (host[0] == '\0')
        snprintf(host, sizeof host, "[%s]", ip);
    snprintf(qid, sizeof qid, "REPLAY%05u", ++replay_seq);
    if (o->json)
        out_raw(o, ",\"notes\":[", 10);
    o->first_stage = 1;
    if (envelope(ro, m, o, &from, &rcpts, &nrcpts) < 0) {
        fprintf(stderr, "luamilter replay: out of memory\n");
        exit(EXIT_CONFIG);
    }
    if (o->json) {
        out_raw(o, "],\"from\":", 9);
        out_cstr(o, from);
        out_raw(o, ",\"rcpts\":[", 10);
        for (i = 0; i < nrcpts; i++) {
            if (i > 0)
                out_raw(o, ",", 1);
            out_cstr(o, rcpts[i]);
        }
        out_raw(o, "],\"stages\":[", 12);
    }
    o->first_stage = 1;
    if (nrcpts == 0) {              /* nothing an MTA would filter */
        oc->result = "skipped";
        oc->verdict = NULL;
        oc->code = EXIT_USAGE;
        oc->reason = NO_RCPT_REASON;
        record_free(ctx);
        free(from);
        free(rcpts);
        return;
    }

    record_set_macro(ctx, "j", "localhost");
    record_set_macro(ctx, "{daemon_name}", "luamilter-replay");
    record_set_macro(ctx, "v", "luamilter replay");
    snprintf(buf, sizeof buf, "%s [%s]", host, ip);
    record_set_macro(ctx, "_", buf);
    record_set_macro(ctx, "{client_addr}", ip);
    record_set_macro(ctx, "{client_name}", host);

    st = d.xxfi_negotiate(ctx, NEGOTIATE_ALL_ACTIONS, 0x1fffffUL, 0, 0,
                          &pf0, &pf1, &pf2, &pf3);
    proto = st == SMFIS_ALL_OPTS ? 0 : pf1;
    snprintf(buf, sizeof buf, "actions=0x%lx protocol=0x%lx", pf0, proto);
    report_stage(o, ctx, "negotiate", buf, st == SMFIS_ALL_OPTS ?
                 SMFIS_CONTINUE : st, NULL);
    if (st != SMFIS_CONTINUE && st != SMFIS_ALL_OPTS) {
        set_outcome(oc, SMFIS_TEMPFAIL);
        goto close;
    }

#define STAGE_ON(bit) ((proto & (bit)) == 0)
    apply_macros(ro, ctx, "connect");
    if (STAGE_ON(SMFIP_NOCONNECT)) {
        st = d.xxfi_connect(ctx, host, (struct sockaddr *)&ss);
        report_stage(o, ctx, "connect", host, st, oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto close;
        }
    } else {
        stage_skipped(o, "connect");
    }
    apply_macros(ro, ctx, "helo");
    if (STAGE_ON(SMFIP_NOHELO)) {
        st = d.xxfi_helo(ctx, (char *)(ro->helo ? ro->helo : "localhost"));
        report_stage(o, ctx, "helo", ro->helo ? ro->helo : "localhost", st,
                     oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto close;
        }
    } else {
        stage_skipped(o, "helo");
    }

    in_message = 1;
    record_set_macro(ctx, "i", qid);
    record_set_macro(ctx, "{mail_addr}", bare_addr(from, buf, sizeof buf));
    apply_macros(ro, ctx, "envfrom");
    if (STAGE_ON(SMFIP_NOMAIL)) {
        argv[0] = from;
        argv[1] = NULL;
        st = d.xxfi_envfrom(ctx, argv);
        report_stage(o, ctx, "envfrom", from, st, oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto abort;
        }
    } else {
        stage_skipped(o, "envfrom");
    }
    for (i = 0; i < nrcpts; i++) {
        record_set_macro(ctx, "{rcpt_addr}",
                         bare_addr(rcpts[i], buf, sizeof buf));
        apply_macros(ro, ctx, "envrcpt");
        if (!STAGE_ON(SMFIP_NORCPT)) {
            accepted++;
            continue;
        }
        argv[0] = rcpts[i];
        argv[1] = NULL;
        st = d.xxfi_envrcpt(ctx, argv);
        report_stage(o, ctx, "envrcpt", rcpts[i], st, oc);
        if (st == SMFIS_DISCARD) {
            set_outcome(oc, st);
            goto abort;
        }
        if (st == SMFIS_TEMPFAIL)
            tempfails++;
        else if (st != SMFIS_REJECT)
            accepted++;
    }
    if (!STAGE_ON(SMFIP_NORCPT))
        stage_skipped(o, "envrcpt");
    if (accepted == 0) {
        set_outcome(oc, tempfails > 0 ? SMFIS_TEMPFAIL : SMFIS_REJECT);
        goto abort;
    }
    apply_macros(ro, ctx, "data");
    if (STAGE_ON(SMFIP_NODATA)) {
        st = d.xxfi_data(ctx);
        report_stage(o, ctx, "data", NULL, st, oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto abort;
        }
    } else {
        stage_skipped(o, "data");
    }
    if (STAGE_ON(SMFIP_NOHDRS)) {
        for (i = 0; i < m->nhdrs; i++) {
            char *v = m->hdrs[i].value;
            if ((proto & SMFIP_HDR_LEADSPC) == 0 && *v == ' ')
                v++;
            st = d.xxfi_header(ctx, m->hdrs[i].name, v);
            if (st != SMFIS_CONTINUE && st != SMFIS_NOREPLY) {
                report_stage(o, ctx, "header", m->hdrs[i].name, st, oc);
                if (decisive(st)) {
                    set_outcome(oc, st);
                    goto abort;
                }
            } else if (record_count(ctx) > 0) {
                report_stage(o, ctx, "header", m->hdrs[i].name, st, oc);
            }
        }
        snprintf(buf, sizeof buf, "%zu headers", m->nhdrs);
        report_stage(o, ctx, "header", buf,
                     (proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE,
                     oc);
    } else {
        stage_skipped(o, "header");
    }
    apply_macros(ro, ctx, "eoh");
    if (STAGE_ON(SMFIP_NOEOH)) {
        st = d.xxfi_eoh(ctx);
        report_stage(o, ctx, "eoh", NULL, st, oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto abort;
        }
    } else {
        stage_skipped(o, "eoh");
    }
    if (STAGE_ON(SMFIP_NOBODY)) {
        size_t off = 0, chunks = 0;
        st = (proto & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
        while (off < m->bodylen) {
            size_t n = m->bodylen - off > 65535 ? 65535 : m->bodylen - off;
            st = d.xxfi_body(ctx, m->body + off, n);
            off += n;
            chunks++;
            if (st != SMFIS_CONTINUE && st != SMFIS_NOREPLY)
                break;
        }
        snprintf(buf, sizeof buf, "%zu bytes in %zu chunk%s", off, chunks,
                 chunks == 1 ? "" : "s");
        report_stage(o, ctx, "body", buf, st, oc);
        if (decisive(st)) {
            set_outcome(oc, st);
            goto abort;
        }
    } else {
        stage_skipped(o, "body");
    }
    apply_macros(ro, ctx, "eom");
    st = d.xxfi_eom(ctx);
    for (i = 0; i < record_count(ctx); i++)
        if (strcmp(record_get(ctx, i)->op, "quarantine") == 0)
            quarantined = 1;
    report_stage(o, ctx, "eom", NULL, st, oc);
    set_outcome(oc, st);
    if (quarantined && oc->code == EXIT_DELIVERED) {
        oc->result = "quarantined";
        oc->code = EXIT_QUARANTINED;
    }
    in_message = 0;
    goto close;
abort:
    if (in_message) {
        d.xxfi_abort(ctx);
        record_clear(ctx);
    }
close:
    d.xxfi_close(ctx);
    record_clear(ctx);
    record_free(ctx);
    free(from);
    for (i = 0; i < nrcpts; i++)
        free(rcpts[i]);
    free(rcpts);
}

/* replay_file - replay one file and print its record */
static int
replay_file(const struct replay_opts *ro, const char *path, int *worst,
            unsigned counts[NRESULTS])
{
    size_t len = 0;
    unsigned char *buf;
    struct message m;
    struct outcome oc;
    struct out o;
    char err[512];

    buf = (unsigned char *)fileio_read(path, 256u << 20, &len, err,
                                       sizeof err);
    if (buf == NULL) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        return -1;
    }
    if (message_parse(buf, len, &m, err, sizeof err) < 0) {
        free(buf);
        fprintf(stderr, "luamilter replay: %s: %s\n", path, err);
        return -1;
    }
    free(buf);
    memset(&o, 0, sizeof o);
    o.json = ro->json;
    if (o.json) {
        out_raw(&o, "{\"file\":", 8);
        out_cstr(&o, path);
    } else {
        printf("message %s\n", path);
    }
    run_message(ro, &m, &o, &oc);
    if (o.json) {
        out_raw(&o, "],\"verdict\":", 12);
        out_cstr(&o, oc.verdict);
        out_raw(&o, ",\"result\":", 10);
        out_cstr(&o, oc.result);
        if (oc.reason != NULL) {
            out_raw(&o, ",\"reason\":", 10);
            out_cstr(&o, oc.reason);
        }
        out_raw(&o, ",\"reply\":", 9);
        out_cstr(&o, oc.reply[0] ? oc.reply : NULL);
        out_raw(&o, "}\n", 2);
        fwrite(o.buf, 1, o.len, stdout);
    } else {
        printf("  result: %s (%s)", oc.result,
               oc.reason != NULL ? oc.reason : oc.verdict);
        if (oc.reply[0]) {
            putchar(' ');
            print_ctext(oc.reply);
        }
        putchar('\n');
    }
    fflush(stdout);
    free(o.buf);
    message_free(&m);
    if (oc.reason != NULL)
        fprintf(stderr, "luamilter replay: %s: %s\n", path, oc.reason);
    if (oc.code > *worst)
        *worst = oc.code;
    counts[oc.reason != NULL ? SKIPPED : oc.code]++;
    return 0;
}

/* cmp_names - qsort comparison of file names */
static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_path - a file, or every regular file of a directory (sorted) */
static int
replay_path(const struct replay_opts *ro, const char *path, int *worst,
            unsigned counts[NRESULTS])
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    int rc = 0;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "luamilter replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(ro, path, worst, counts);
    dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "luamilter replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        char full[4096];
        char **grown;
        if (de->d_name[0] == '.')
            continue;
        snprintf(full, sizeof full, "%s/%s", path, de->d_name);
        if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        grown = realloc(names, (n + 1) * sizeof *names);
        if (grown == NULL)
            break;
        names = grown;
        names[n++] = strdup(full);
    }
    closedir(dir);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        if (names[i] != NULL && replay_file(ro, names[i], worst, counts) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

/* parse_opts - the replay command line */
static int
parse_opts(int argc, char **argv, struct replay_opts *ro)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"rcpt", required_argument, NULL, 'r'},
        {"client", required_argument, NULL, 'C'},
        {"helo", required_argument, NULL, 'H'},
        {"macro", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"no-tests", no_argument, NULL, 'T'},
        {"live-io", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}
    };
    int ch;

    memset(ro, 0, sizeof *ro);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': ro->config = optarg; break;
        case 's': ro->script = optarg; break;
        case 'f': ro->from = optarg; break;
        case 'r':
            if (ro->nrcpts == MAX_LIST)
                return -1;
            ro->rcpts[ro->nrcpts++] = optarg;
            break;
        case 'C': ro->client = optarg; break;
        case 'H': ro->helo = optarg; break;
        case 'm': {
            const char *colon = strchr(optarg, ':');
            char stage[16];
            if (colon == NULL || strchr(colon, '=') == NULL ||
                (size_t)(colon - optarg) >= sizeof stage) {
                fprintf(stderr, "luamilter replay: --macro %s: expected "
                        "STAGE:NAME=VALUE\n", optarg);
                return -1;
            }
            snprintf(stage, sizeof stage, "%.*s", (int)(colon - optarg),
                     optarg);
            if (stage_symlist_parse(stage) < 0) {
                fprintf(stderr, "luamilter replay: --macro %s: unknown stage "
                        "'%s' (connect helo envfrom envrcpt data eoh eom)\n",
                        optarg, stage);
                return -1;
            }
            if (ro->nmacros == MAX_LIST)
                return -1;
            ro->macros[ro->nmacros++] = optarg;
            break;
        }
        case 'j': ro->json = 1; break;
        case 'T': ro->no_tests = 1; break;
        case 'L': ro->live_io = 1; break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (ro->client != NULL) {
        struct sockaddr_storage ss;
        char ip[64];
        if (parse_client(ro->client, &ss, ip, sizeof ip) < 0) {
            fprintf(stderr, "luamilter replay: --client %s: expected IP or "
                    "IP:PORT ([IPv6]:PORT)\n", ro->client);
            return -1;
        }
    }
    return 0;
}

/* replay_main - entry point of "luamilter replay" */
int
replay_main(int argc, char **argv)
{
    struct replay_opts ro;
    struct config *cfg;
    struct script_options so;
    struct script *s;
    char err[8192], *script_path = NULL;
    unsigned counts[NRESULTS] = {0, 0, 0, 0, 0, 0};
    static const char *const names[NRESULTS] = {
        "delivered", "quarantined", "discarded", "rejected", "tempfailed",
        "skipped"
    };
    int worst = 0, i, rc = 0, total = 0;

    if (parse_opts(argc, argv, &ro) < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "luamilter replay: no message given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    cfg = config_new();
    if (cfg == NULL) {
        fprintf(stderr, "luamilter replay: out of memory\n");
        return EXIT_CONFIG;
    }
    if (ro.config != NULL && config_load(cfg, ro.config, err, sizeof err) < 0) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        config_unref(cfg);
        return EXIT_CONFIG;
    }
    log_setup(0, cfg->log_level);
    if (ro.script != NULL)
        script_path = strdup(ro.script);
    else if (cfg->script != NULL)
        script_path = paths_relative_to(cfg->file, cfg->script);
    if (script_path == NULL) {
        fprintf(stderr, "luamilter replay: no policy script: use -s or a "
                "config with 'script'\n");
        config_unref(cfg);
        return EXIT_USAGE;
    }
    if (watchdog_start() < 0)
        fprintf(stderr, "luamilter replay: cannot start the watchdog "
                "thread; a callback stuck in a library call will not be "
                "logged\n");
    script_options_init(&so, cfg, script_path);
    if (ro.no_tests) {
        engine_set_tester(NULL);
        fprintf(stderr, "luamilter replay: warning: --no-tests: the policy's "
                "own tests were not run\n");
    }
    s = script_load(&so, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "luamilter replay: %s\n", err);
        if (!ro.no_tests && strstr(err, POLICYTEST_FAILED) != NULL)
            fprintf(stderr, "luamilter replay: --no-tests replays it anyway, "
                    "to see where it goes wrong\n");
        free(script_path);
        config_unref(cfg);
        return EXIT_CONFIG;
    }
    script_publish(s);
    mta_use(&record_backend);
    conn_set_mode(ro.live_io ? MODULE_REPLAY_LIVE_IO : MODULE_REPLAY);
    for (i = optind; i < argc; i++)
        if (replay_path(&ro, argv[i], &worst, counts) < 0)
            rc = EXIT_NOINPUT;
    for (i = 0; i < NRESULTS; i++)
        total += (int)counts[i];
    if (total > 1 && !ro.json) {
        printf("summary: %d messages\n", total);
        for (i = 0; i < NRESULTS; i++)
            if (counts[i] > 0)
                printf("summary: %s %u%s\n", names[i], counts[i],
                       i == SKIPPED ? " (no recipient)" : "");
    }
    free(script_path);
    config_unref(cfg);
    return rc != 0 ? rc : worst;
}
