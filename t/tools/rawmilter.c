/*
 * rawmilter.c - scriptable MTA-side milter (protocol v6) client for
 * end-to-end tests: one command per stdin line, one event per stdout line.
 *
 * usage: rawmilter [-t TIMEOUT_SECONDS] SOCKET < script
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define MAX_REPLY_LEN (16UL * 1024 * 1024) /* larger replies are refused */
#define MAX_BODY_CHUNK 65535               /* bodysize packet size */
#define MAX_ARGS 256                       /* arguments per input line */
#define CONNECT_RETRY_MS 5000              /* the filter may be starting */
#define FILLER_LINE 78                     /* bodysize line, CRLF included */
#define OFFER_VERSION 6                    /* what Postfix offers */
#define OFFER_ACTIONS 0x1ffUL
#define OFFER_PROTOCOL 0x1fffffUL

struct buf {
    unsigned char *p;
    size_t len, cap;
};

struct arg {
    char *p;    /* unescaped and NUL-terminated in place */
    size_t len;
};

struct call {
    struct arg a[MAX_ARGS];
    int n;
    int noreply; /* raw line ended with " noreply" */
};

struct session {
    int fd;             /* socket to the filter, -1 after close */
    int timeout_ms;     /* per packet, 0 = wait forever */
    int negotiated;     /* an OPTNEG reply has been seen */
    int quit_sent;      /* no QUIT needed at end of input */
    uint32_t version, actions, protocol; /* the filter's OPTNEG reply */
    struct buf out, in; /* packet being sent, data of the last reply */
};

struct command;
typedef void handler(struct session *, const struct command *, struct call *);

struct command {
    const char *name; /* input keyword, also the stage name printed */
    int wire;         /* SMFIC_* command byte, 0 if none */
    int min, max;     /* argument counts; the last argument takes the rest */
    int autoneg;      /* negotiate with the defaults first if not done yet */
    uint32_t nobit;   /* SMFIP_NO* bit: the filter doesn't want this stage */
    uint32_t nrbit;   /* SMFIP_NR_* bit: the filter won't reply to it */
    handler *run;
};

static void fail(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* fail - print "error: ..." on stdout and exit with status */
static void
fail(int status, const char *fmt, ...)
{
    va_list ap;

    fputs("error: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    exit(status);
}

/* conn_error - fail for a socket error, naming peer disconnects as such */
static void
conn_error(const char *op, int err)
{
    if (err == EPIPE || err == ECONNRESET)
        fail(2, "connection closed by filter (%s: %s)", op, strerror(err));
    fail(2, "%s: %s", op, strerror(err));
}

/* buf_reserve - make room for n more bytes in b */
static void
buf_reserve(struct buf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    unsigned char *p;

    if (b->p != NULL && b->len + n <= b->cap)
        return;
    while (cap < b->len + n)
        cap *= 2;
    if ((p = realloc(b->p, cap)) == NULL)
        fail(1, "out of memory");
    b->p = p;
    b->cap = cap;
}

/* buf_add - append n bytes to b */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* buf_add_byte - append one byte to b */
static void
buf_add_byte(struct buf *b, int c)
{
    unsigned char ch = (unsigned char)c;

    buf_add(b, &ch, 1);
}

/* buf_add_arg - append an argument and a NUL terminator to b */
static void
buf_add_arg(struct buf *b, const struct arg *a)
{
    buf_add(b, a->p, a->len);
    buf_add_byte(b, 0);
}

/* put_u32 - store v big-endian at p */
static void
put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* get_u32 - load a big-endian 32-bit value from p */
static uint32_t
get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* now_ms - milliseconds on the monotonic clock */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleep_seconds - sleep a possibly fractional time, resuming after EINTR */
static void
sleep_seconds(double sec)
{
    struct timespec ts;

    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* deadline_for - when the next packet transfer times out, -1 for never */
static long long
deadline_for(const struct session *s)
{
    return s->timeout_ms > 0 ? now_ms() + s->timeout_ms : -1;
}

/* wait_fd - wait until fd is ready for events, failing at the deadline */
static void
wait_fd(int fd, short events, long long deadline, const char *what)
{
    struct pollfd pfd;
    long long left;
    int ms, rc;

    for (;;) {
        ms = -1;
        if (deadline >= 0) {
            if ((left = deadline - now_ms()) <= 0)
                fail(2, "timeout %s", what);
            ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        if ((rc = poll(&pfd, 1, ms)) > 0)
            return;
        if (rc < 0 && errno != EINTR)
            fail(2, "poll: %s", strerror(errno));
    }
}

/* write_all - write n bytes to the filter across partial writes and EINTR */
static void
write_all(const struct session *s, const unsigned char *p, size_t n)
{
    long long deadline = deadline_for(s);
    ssize_t w;

    while (n > 0) {
        wait_fd(s->fd, POLLOUT, deadline, "writing to filter");
        if ((w = write(s->fd, p, n)) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            conn_error("write", errno);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* read_full - read exactly n bytes; fails on EOF, error or the deadline */
static void
read_full(int fd, unsigned char *p, size_t n, long long deadline)
{
    ssize_t r;

    while (n > 0) {
        wait_fd(fd, POLLIN, deadline, "waiting for reply");
        if ((r = read(fd, p, n)) == 0)
            fail(2, "connection closed by filter");
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            conn_error("read", errno);
        }
        p += r;
        n -= (size_t)r;
    }
}

/* read_packet - read one reply into s->in; returns its command byte */
static int
read_packet(struct session *s)
{
    long long deadline = deadline_for(s);
    unsigned char hdr[5];
    uint32_t len;

    if (s->fd < 0)
        fail(1, "socket already closed");
    read_full(s->fd, hdr, 4, deadline);
    if ((len = get_u32(hdr)) == 0)
        fail(2, "malformed reply: zero length");
    if (len > MAX_REPLY_LEN)
        fail(2, "reply too large (%lu bytes)", (unsigned long)len);
    read_full(s->fd, hdr + 4, 1, deadline);
    s->in.len = 0;
    buf_reserve(&s->in, len);
    read_full(s->fd, s->in.p, len - 1, deadline);
    s->in.len = len - 1;
    return hdr[4];
}

/* pkt_begin - start building a packet with command byte cmd in s->out */
static void
pkt_begin(struct session *s, int cmd)
{
    s->out.len = 0;
    buf_reserve(&s->out, 5);
    s->out.len = 5;
    s->out.p[4] = (unsigned char)cmd;
}

/* pkt_send - fill in the length of the packet in s->out and send it */
static void
pkt_send(struct session *s)
{
    if (s->fd < 0)
        fail(1, "socket already closed");
    put_u32(s->out.p, (uint32_t)(s->out.len - 4));
    write_all(s, s->out.p, s->out.len);
}

/* print_escaped - print bytes, as \xHH outside 0x20-0x7e and \\ for '\' */
static void
print_escaped(const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\\')
            fputs("\\\\", stdout);
        else if (p[i] >= 0x20 && p[i] <= 0x7e)
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
}

/* next_str - take the NUL-terminated string at *off in d[0..n), 0 if none */
static int
next_str(const unsigned char *d, size_t n, size_t *off,
         const unsigned char **str, size_t *slen)
{
    const unsigned char *nul;

    if (*off >= n || (nul = memchr(d + *off, 0, n - *off)) == NULL)
        return 0;
    *str = d + *off;
    *slen = (size_t)(nul - *str);
    *off = (size_t)(nul - d) + 1;
    return 1;
}

/* final_reply_name - name of a reply code that ends a stage, or NULL */
static const char *
final_reply_name(int cmd)
{
    static const char codes[] = { SMFIR_CONTINUE, SMFIR_ACCEPT, SMFIR_REJECT,
        SMFIR_TEMPFAIL, SMFIR_DISCARD, SMFIR_SKIP, SMFIR_CONN_FAIL,
        SMFIR_SHUTDOWN };
    static const char *names[] = { "continue", "accept", "reject", "tempfail",
        "discard", "skip", "connfail", "shutdown" };
    const char *p = cmd != 0 ? memchr(codes, cmd, sizeof codes) : NULL;

    return p != NULL ? names[p - codes] : NULL;
}

/* print_modification - print a modification or progress reply, 0 if not one */
static int
print_modification(int cmd, const unsigned char *d, size_t n)
{
    static const struct {
        int cmd, idx, smin, smax; /* has a u32 index; string count range */
        const char *name;
    } mods[] = {
        { SMFIR_ADDHEADER, 0, 2, 2, "addheader" },
        { SMFIR_INSHEADER, 1, 2, 2, "insheader" },
        { SMFIR_CHGHEADER, 1, 2, 2, "chgheader" },
        { SMFIR_ADDRCPT, 0, 1, 1, "addrcpt" },
        { SMFIR_ADDRCPT_PAR, 0, 1, 2, "addrcpt_par" },
        { SMFIR_DELRCPT, 0, 1, 1, "delrcpt" },
        { SMFIR_CHGFROM, 0, 1, 2, "chgfrom" },
        { SMFIR_QUARANTINE, 0, 1, 1, "quarantine" },
        { SMFIR_PROGRESS, 0, 0, 0, "progress" },
    };
    size_t i, off = 0, slen, nmods = sizeof mods / sizeof mods[0];
    const unsigned char *str;
    int k;

    if (cmd == SMFIR_REPLBODY) {
        fputs("replbody ", stdout);
        print_escaped(d, n);
        putchar('\n');
        return 1;
    }
    for (i = 0; i < nmods && mods[i].cmd != cmd; i++)
        ;
    if (i == nmods)
        return 0;
    if (mods[i].idx && n < 4)
        fail(2, "malformed %s reply", mods[i].name);
    fputs(mods[i].name, stdout);
    if (mods[i].idx) {
        printf(" %lu", (unsigned long)get_u32(d));
        off = 4;
    }
    for (k = 0; k < mods[i].smax && next_str(d, n, &off, &str, &slen); k++) {
        putchar(' ');
        print_escaped(str, slen);
    }
    putchar('\n');
    if (k < mods[i].smin || off != n)
        fail(2, "malformed %s reply", mods[i].name);
    return 1;
}

/* handle_optneg_reply - record and print the OPTNEG reply held in s->in */
static void
handle_optneg_reply(struct session *s)
{
    static const char *stages[] = { "connect", "helo", "mail", "rcpt",
        "data", "eom", "eoh" }; /* SMFIM_* order */
    const unsigned char *d = s->in.p, *str;
    size_t n = s->in.len, off = 12, slen;
    uint32_t idx;

    if (n < 12)
        fail(2, "malformed negotiate reply (%zu bytes)", n);
    s->version = get_u32(d);
    s->actions = get_u32(d + 4);
    s->protocol = get_u32(d + 8);
    s->negotiated = 1;
    printf("negotiated version=%lu actions=0x%lx protocol=0x%lx\n",
           (unsigned long)s->version, (unsigned long)s->actions,
           (unsigned long)s->protocol);
    while (off < n) {
        if (n - off < 4)
            fail(2, "malformed symlist in negotiate reply");
        idx = get_u32(d + off);
        off += 4;
        if (!next_str(d, n, &off, &str, &slen))
            fail(2, "malformed symlist in negotiate reply");
        if (idx < sizeof stages / sizeof stages[0])
            printf("symlist %s ", stages[idx]);
        else
            printf("symlist %lu ", (unsigned long)idx);
        print_escaped(str, slen);
        putchar('\n');
    }
}

/* await_reply - read until a reply ends the stage, printing modifications */
static int
await_reply(struct session *s, const char *stage)
{
    const char *name;
    size_t n;
    int cmd;

    for (;;) {
        cmd = read_packet(s);
        if ((name = final_reply_name(cmd)) != NULL) {
            printf("%s %s\n", stage, name);
            return cmd;
        }
        if (cmd == SMFIR_REPLYCODE) {
            n = s->in.len;
            if (n > 0 && s->in.p[n - 1] == '\0')
                n--;
            printf("%s replycode ", stage);
            print_escaped(s->in.p, n);
            putchar('\n');
            return cmd;
        }
        if (cmd == SMFIC_OPTNEG) {
            handle_optneg_reply(s);
            return cmd;
        }
        if (!print_modification(cmd, s->in.p, s->in.len))
            fail(2, "unexpected reply 0x%02x to %s", cmd, stage);
    }
}

/* negotiate - send OPTNEG with the given offer and process the reply */
static void
negotiate(struct session *s, uint32_t ver, uint32_t act, uint32_t proto)
{
    unsigned char offer[12];
    int cmd;

    put_u32(offer, ver);
    put_u32(offer + 4, act);
    put_u32(offer + 8, proto);
    pkt_begin(s, SMFIC_OPTNEG);
    buf_add(&s->out, offer, sizeof offer);
    pkt_send(s);
    if ((cmd = read_packet(s)) != SMFIC_OPTNEG)
        fail(2, "unexpected reply 0x%02x to negotiate", cmd);
    handle_optneg_reply(s);
}

/* finish_stage - await the stage's reply unless it was negotiated away */
static int
finish_stage(struct session *s, const char *stage, uint32_t nrbit)
{
    if (nrbit != 0 && (s->protocol & nrbit) != 0) {
        printf("%s noreply\n", stage);
        return SMFIR_CONTINUE;
    }
    return await_reply(s, stage);
}

/* stage_skipped - whether the filter declined the stage (says "skipped") */
static int
stage_skipped(const struct session *s, uint32_t nobit, const char *stage)
{
    if (nobit == 0 || (s->protocol & nobit) == 0)
        return 0;
    printf("skipped %s\n", stage);
    return 1;
}

/* unescape - decode \n \r \t \\ \0 \s \xHH in place, NUL-terminate; -1 if bad */
static int
unescape(struct arg *a)
{
    static const char from[] = "nrt\\0s", to[] = "\n\r\t\\\0 ";
    static const char hex[] = "0123456789abcdef";
    char *r = a->p, *w = a->p, *end = a->p + a->len;
    const char *e, *hi, *lo;

    while (r < end) {
        if (*r != '\\') {
            *w++ = *r++;
        } else if (end - r >= 2 && r[1] != 'x' &&
                   (e = memchr(from, r[1], sizeof from - 1)) != NULL) {
            *w++ = to[e - from];
            r += 2;
        } else if (end - r >= 4 && r[1] == 'x' && r[2] != 0 && r[3] != 0 &&
                   (hi = strchr(hex, r[2] | 0x20)) != NULL &&
                   (lo = strchr(hex, r[3] | 0x20)) != NULL) {
            *w++ = (char)((hi - hex) * 16 + (lo - hex));
            r += 4;
        } else {
            return -1;
        }
    }
    *w = '\0';
    a->len = (size_t)(w - a->p);
    return 0;
}

/* split_fields - split at single spaces into at most max fields, the last
 * taking the rest of the line; -1 if there are more than max */
static int
split_fields(char *s, size_t len, struct call *c, int max)
{
    char *end = s + len, *sp;
    struct arg *a;

    for (c->n = 0;;) {
        if (c->n == max)
            return -1;
        a = &c->a[c->n++];
        a->p = s;
        sp = c->n == max ? NULL : memchr(s, ' ', (size_t)(end - s));
        a->len = (size_t)((sp != NULL ? sp : end) - s);
        if (sp == NULL)
            return 0;
        s = sp + 1;
    }
}

/* parse_num - a decimal or 0x-hex number up to max, failing on junk */
static unsigned long long
parse_num(const struct arg *a, unsigned long long max, const char *what)
{
    int hex = a->len > 2 && a->p[0] == '0' && (a->p[1] | 0x20) == 'x';
    unsigned long long v;
    char *end;

    errno = 0;
    v = strtoull(a->p, &end, hex ? 16 : 10);
    if (a->len == 0 || a->p[0] == '-' || end != a->p + a->len || errno != 0 ||
        v > max)
        fail(1, "bad %s '%s'", what, a->p);
    return v;
}

/* cmd_negotiate - negotiate [VERSION ACTIONS PROTOCOL] */
static void
cmd_negotiate(struct session *s, const struct command *c, struct call *a)
{
    (void)c;
    if (a->n == 0) {
        negotiate(s, OFFER_VERSION, OFFER_ACTIONS, OFFER_PROTOCOL);
        return;
    }
    if (a->n != 3)
        fail(1, "negotiate takes 0 or 3 arguments");
    negotiate(s, (uint32_t)parse_num(&a->a[0], UINT32_MAX, "version"),
              (uint32_t)parse_num(&a->a[1], UINT32_MAX, "actions"),
              (uint32_t)parse_num(&a->a[2], UINT32_MAX, "protocol"));
}

/* cmd_connect - connect HOST FAMILY [PORT ADDR] */
static void
cmd_connect(struct session *s, const struct command *c, struct call *a)
{
    static const char *fams[] = { "inet", "inet6", "unix", "unknown" };
    static const char wire[] = { SMFIA_INET, SMFIA_INET6, SMFIA_UNIX,
        SMFIA_UNKNOWN };
    unsigned long long port;
    size_t f;

    for (f = 0; f < 4 && strcmp(a->a[1].p, fams[f]) != 0; f++)
        ;
    if (f == 4)
        fail(1, "connect: unknown family '%s'", a->a[1].p);
    if (a->n != (wire[f] == SMFIA_UNKNOWN ? 2 : 4))
        fail(1, "connect: family %s %s", fams[f],
             wire[f] == SMFIA_UNKNOWN ? "takes no PORT ADDR" : "needs PORT ADDR");
    if (stage_skipped(s, c->nobit, c->name))
        return;
    pkt_begin(s, c->wire);
    buf_add_arg(&s->out, &a->a[0]);
    buf_add_byte(&s->out, wire[f]);
    if (a->n == 4) {
        port = parse_num(&a->a[2], 65535, "port");
        buf_add_byte(&s->out, (int)(port >> 8));
        buf_add_byte(&s->out, (int)(port & 0xff));
        buf_add_arg(&s->out, &a->a[3]);
    }
    pkt_send(s);
    finish_stage(s, c->name, c->nrbit);
}

/* cmd_macro - macro STAGE NAME VALUE ...: sent as given, odd counts too */
static void
cmd_macro(struct session *s, const struct command *c, struct call *a)
{
    static const char *names[] = { "connect", "helo", "mail", "rcpt", "data",
        "header", "eoh", "body", "eom", "unknown" };
    static const char chars[] = { SMFIC_CONNECT, SMFIC_HELO, SMFIC_MAIL,
        SMFIC_RCPT, SMFIC_DATA, SMFIC_HEADER, SMFIC_EOH, SMFIC_BODY,
        SMFIC_BODYEOB, SMFIC_UNKNOWN };
    size_t i;

    for (i = 0; i < sizeof chars && strcmp(a->a[0].p, names[i]) != 0; i++)
        ;
    if (i == sizeof chars && a->a[0].len != 1)
        fail(1, "macro: bad stage '%s'", a->a[0].p);
    pkt_begin(s, c->wire);
    buf_add_byte(&s->out, i < sizeof chars ? chars[i] : a->a[0].p[0]);
    for (i = 1; i < (size_t)a->n; i++)
        buf_add_arg(&s->out, &a->a[i]);
    pkt_send(s);
}

/* cmd_strings - helo, mail, rcpt, header, unknown, data, eoh, eom: each
 * argument NUL-terminated */
static void
cmd_strings(struct session *s, const struct command *c, struct call *a)
{
    int i;

    if (stage_skipped(s, c->nobit, c->name))
        return;
    pkt_begin(s, c->wire);
    for (i = 0; i < a->n; i++)
        buf_add_arg(&s->out, &a->a[i]);
    pkt_send(s);
    finish_stage(s, c->name, c->nrbit);
}

/* cmd_body - body BYTES: one BODY packet, whatever its size */
static void
cmd_body(struct session *s, const struct command *c, struct call *a)
{
    if (stage_skipped(s, c->nobit, c->name))
        return;
    pkt_begin(s, c->wire);
    if (a->n > 0)
        buf_add(&s->out, a->a[0].p, a->a[0].len);
    pkt_send(s);
    finish_stage(s, c->name, c->nrbit);
}

/* filler_byte - byte i of an n-byte body of "xx..x\r\n" lines, the last one
 * 3-80 bytes long so that the body ends in CRLF */
static unsigned char
filler_byte(unsigned long long i, unsigned long long n)
{
    unsigned long long last = n > 80 ? (n - 3) / FILLER_LINE * FILLER_LINE : 0;
    unsigned long long pos = i < last ? i % FILLER_LINE : i - last;
    unsigned long long len = i < last ? FILLER_LINE : n - last;

    if (len >= 2 && pos >= len - 2)
        return pos == len - 2 ? '\r' : '\n';
    return 'x';
}

/* cmd_bodysize - bodysize N: N filler bytes in BODY packets, stopping early
 * at a reply other than continue */
static void
cmd_bodysize(struct session *s, const struct command *c, struct call *a)
{
    unsigned long long n = parse_num(&a->a[0], ULLONG_MAX, "size"), i = 0;
    size_t chunk, k;

    if (stage_skipped(s, c->nobit, "body"))
        return;
    while (i < n) {
        chunk = n - i > MAX_BODY_CHUNK ? MAX_BODY_CHUNK : (size_t)(n - i);
        pkt_begin(s, c->wire);
        buf_reserve(&s->out, chunk);
        for (k = 0; k < chunk; k++)
            s->out.p[s->out.len++] = filler_byte(i++, n);
        pkt_send(s);
        if (finish_stage(s, "body", c->nrbit) != SMFIR_CONTINUE)
            return;
    }
}

/* cmd_noreply - abort, quit, quitnc: commands the filter never answers */
static void
cmd_noreply(struct session *s, const struct command *c, struct call *a)
{
    (void)a;
    pkt_begin(s, c->wire);
    pkt_send(s);
    if (c->wire == SMFIC_ABORT)
        printf("abort noreply\n");
    if (c->wire == SMFIC_QUIT)
        s->quit_sent = 1;
}

/* cmd_raw - raw CMDCHAR [BYTES] [noreply]: an arbitrary packet */
static void
cmd_raw(struct session *s, const struct command *c, struct call *a)
{
    if (a->a[0].len != 1)
        fail(1, "raw: CMDCHAR must be a single byte");
    if (a->a[0].p[0] != SMFIC_OPTNEG && !s->negotiated)
        negotiate(s, OFFER_VERSION, OFFER_ACTIONS, OFFER_PROTOCOL);
    pkt_begin(s, a->a[0].p[0]);
    if (a->n > 1)
        buf_add(&s->out, a->a[1].p, a->a[1].len);
    pkt_send(s);
    if (!a->noreply)
        await_reply(s, c->name);
}

/* cmd_sleep - sleep SECONDS */
static void
cmd_sleep(struct session *s, const struct command *c, struct call *a)
{
    char *end;
    double sec = strtod(a->a[0].p, &end);

    (void)s;
    (void)c;
    if (a->a[0].len == 0 || end != a->a[0].p + a->a[0].len ||
        !(sec >= 0 && sec < 1e9))
        fail(1, "sleep: bad duration '%s'", a->a[0].p);
    sleep_seconds(sec);
}

/* cmd_close - close: drop the connection without QUIT (RST on TCP) */
static void
cmd_close(struct session *s, const struct command *c, struct call *a)
{
    struct linger lg = { 1, 0 };

    (void)c;
    (void)a;
    if (s->fd < 0)
        fail(1, "socket already closed");
    (void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(s->fd);
    s->fd = -1;
}

static const struct command commands[] = {
    { "negotiate", SMFIC_OPTNEG, 0, 3, 0, 0, 0, cmd_negotiate },
    { "connect", SMFIC_CONNECT, 2, 4, 1, SMFIP_NOCONNECT, SMFIP_NR_CONN,
      cmd_connect },
    { "macro", SMFIC_MACRO, 1, MAX_ARGS, 1, 0, 0, cmd_macro },
    { "helo", SMFIC_HELO, 1, 1, 1, SMFIP_NOHELO, SMFIP_NR_HELO, cmd_strings },
    { "mail", SMFIC_MAIL, 1, MAX_ARGS, 1, SMFIP_NOMAIL, SMFIP_NR_MAIL,
      cmd_strings },
    { "rcpt", SMFIC_RCPT, 1, MAX_ARGS, 1, SMFIP_NORCPT, SMFIP_NR_RCPT,
      cmd_strings },
    { "data", SMFIC_DATA, 0, 0, 1, SMFIP_NODATA, SMFIP_NR_DATA, cmd_strings },
    { "header", SMFIC_HEADER, 2, 2, 1, SMFIP_NOHDRS, SMFIP_NR_HDR,
      cmd_strings },
    { "eoh", SMFIC_EOH, 0, 0, 1, SMFIP_NOEOH, SMFIP_NR_EOH, cmd_strings },
    { "body", SMFIC_BODY, 0, 1, 1, SMFIP_NOBODY, SMFIP_NR_BODY, cmd_body },
    { "bodysize", SMFIC_BODY, 1, 1, 1, SMFIP_NOBODY, SMFIP_NR_BODY,
      cmd_bodysize },
    { "eom", SMFIC_BODYEOB, 0, 0, 1, 0, 0, cmd_strings },
    { "abort", SMFIC_ABORT, 0, 0, 1, 0, 0, cmd_noreply },
    { "unknown", SMFIC_UNKNOWN, 1, 1, 1, SMFIP_NOUNKNOWN, SMFIP_NR_UNKN,
      cmd_strings },
    { "quit", SMFIC_QUIT, 0, 0, 1, 0, 0, cmd_noreply },
    { "quitnc", SMFIC_QUIT_NC, 0, 0, 1, 0, 0, cmd_noreply },
    { "raw", 0, 1, 2, 0, 0, 0, cmd_raw },
    { "sleep", 0, 1, 1, 0, 0, 0, cmd_sleep },
    { "close", 0, 0, 0, 0, 0, 0, cmd_close },
};

/* find_command - the command named by the first len bytes of word, or NULL */
static const struct command *
find_command(const char *word, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strlen(commands[i].name) == len &&
            memcmp(commands[i].name, word, len) == 0)
            return &commands[i];
    return NULL;
}

/* strip_noreply - drop a trailing " noreply" from line, 1 if it was there */
static int
strip_noreply(char *line, size_t *len)
{
    static const char suffix[] = " noreply";
    size_t n = sizeof suffix - 1;

    if (*len < n || memcmp(line + *len - n, suffix, n) != 0)
        return 0;
    *len -= n;
    line[*len] = '\0';
    return 1;
}

/* run_line - parse and execute one input line */
static void
run_line(struct session *s, char *line, size_t len, unsigned long lineno)
{
    const struct command *c;
    struct call call;
    char *sp;
    int i;

    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len == 0 || line[0] == '#')
        return;
    sp = memchr(line, ' ', len);
    if ((c = find_command(line, sp ? (size_t)(sp - line) : len)) == NULL)
        fail(1, "line %lu: unknown command '%.*s'", lineno,
             (int)(sp ? (size_t)(sp - line) : len), line);
    call.noreply = c->run == cmd_raw && strip_noreply(line, &len);
    call.n = 0;
    if (sp != NULL && sp < line + len &&
        split_fields(sp + 1, (size_t)(line + len - sp - 1), &call, c->max) < 0)
        fail(1, "line %lu: too many arguments for %s", lineno, c->name);
    if (call.n < c->min)
        fail(1, "line %lu: too few arguments for %s", lineno, c->name);
    for (i = 0; i < call.n; i++)
        if (unescape(&call.a[i]) < 0)
            fail(1, "line %lu: bad escape in argument %d", lineno, i + 1);
    if (c->autoneg && !s->negotiated)
        negotiate(s, OFFER_VERSION, OFFER_ACTIONS, OFFER_PROTOCOL);
    c->run(s, c, &call);
}

/* resolve_socket - turn a milter socket spec into an address */
static void
resolve_socket(const char *spec, struct sockaddr_storage *ss, socklen_t *sl)
{
    struct sockaddr_un *un = (struct sockaddr_un *)ss;
    struct addrinfo hints, *res;
    const char *path = NULL, *rest, *at;
    char port[32], host[256];
    int v6, rc;

    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
        path = strchr(spec, ':') + 1;
    else if (spec[0] == '/')
        path = spec;
    memset(ss, 0, sizeof *ss);
    if (path != NULL) {
        if (strlen(path) >= sizeof un->sun_path)
            fail(1, "socket path too long: %s", path);
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, path);
        *sl = sizeof *un;
        return;
    }
    if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0)
        fail(1, "bad socket spec '%s'", spec);
    v6 = spec[4] == '6';
    rest = spec + (v6 ? 6 : 5);
    at = strchr(rest, '@');
    rc = snprintf(port, sizeof port, "%.*s",
                  (int)(at ? (size_t)(at - rest) : strlen(rest)), rest);
    if (port[0] == '\0' || rc >= (int)sizeof port)
        fail(1, "bad port in socket spec '%s'", spec);
    /* default host as libmilter binds it; [addr] brackets are dropped */
    snprintf(host, sizeof host, "%s", at ? at + 1 : v6 ? "::1" : "127.0.0.1");
    if (host[0] == '[' && (rc = (int)strlen(host)) > 1 && host[rc - 1] == ']') {
        host[rc - 1] = '\0';
        memmove(host, host + 1, (size_t)rc - 1);
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
        fail(1, "%s: %s", spec, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
}

/* connect_filter - connect, retrying for a while as the filter may be
 * still starting */
static int
connect_filter(const char *spec)
{
    long long deadline = now_ms() + CONNECT_RETRY_MS;
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, err;

    resolve_socket(spec, &ss, &sl);
    for (;;) {
        if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
            fail(2, "socket: %s", strerror(errno));
        if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
            return fd;
        err = errno;
        close(fd);
        if (now_ms() >= deadline)
            fail(2, "connect %s: %s", spec, strerror(err));
        sleep_seconds(0.05);
    }
}

/* usage - print usage and exit */
static void
usage(void)
{
    fprintf(stderr, "usage: rawmilter [-t TIMEOUT_SECONDS] SOCKET < script\n"
                    "SOCKET: unix:/path local:/path /path inet:PORT@HOST "
                    "inet6:PORT@HOST\n");
    exit(1);
}

/* main - parse options, connect, run the script from stdin, then QUIT */
int
main(int argc, char **argv)
{
    struct session s;
    char *line = NULL, *end;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    double t;
    int opt;

    memset(&s, 0, sizeof s);
    s.timeout_ms = 10000;
    while ((opt = getopt(argc, argv, "t:")) != -1) {
        if (opt != 't')
            usage();
        t = strtod(optarg, &end);
        if (*end != '\0' || end == optarg || !(t >= 0 && t < 2e6))
            usage();
        s.timeout_ms = t > 0 && t < 0.001 ? 1 : (int)(t * 1000);
    }
    if (optind != argc - 1)
        usage();
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    s.fd = connect_filter(argv[optind]);
    while ((len = getline(&line, &cap, stdin)) != -1)
        run_line(&s, line, (size_t)len, ++lineno);
    if (s.fd >= 0 && !s.quit_sent) {
        pkt_begin(&s, SMFIC_QUIT);
        pkt_send(&s);
    }
    if (s.fd >= 0)
        close(s.fd);
    free(line);
    free(s.in.p);
    free(s.out.p);
    return 0;
}
