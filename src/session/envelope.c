/*
 * envelope.c - envelope, client and macro defaults (see envelope.h).
 */
#include "envelope.h"
#include "driver.h"
#include "event.h"
#include "message.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* note - an explanation of a default that was applied */
static void
note(void (*fn)(void *, const char *), void *ud, const char *fmt,
     const char *arg)
{
    char buf[1024];

    if (fn == NULL)
        return;
    snprintf(buf, sizeof buf, fmt, arg);
    fn(ud, buf);
}

/* envelope_bracket - an address in angle brackets, white space around it
 * dropped (malloc; NULL if out of memory) */
char *
envelope_bracket(const char *a)
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

/* free_list - free n addresses and their list */
static void
free_list(char **list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* first_address - the first address of a header value, bracketed; or,
 * with none, fallback (bracketed if it is the value itself) */
static char *
first_address(const char *value, const char *fallback)
{
    char **list;
    size_t n = message_addresses(value, &list);
    char *a;

    if (n > 0)
        a = strdup(list[0]);
    else if (fallback == NULL)
        a = envelope_bracket(value);
    else
        a = strdup(fallback);
    free_list(list, n);
    return a;
}

/* take_sender - the sender given, else Return-Path, From, <> */
static char *
take_sender(const struct message *m, const char *from,
            void (*fn)(void *, const char *), void *ud)
{
    const char *h;
    char *a;

    if (from != NULL)
        return envelope_bracket(from);
    if ((h = message_header(m, "Return-Path")) != NULL) {
        a = first_address(h, NULL);
        if (a != NULL)
            note(fn, ud, "envelope sender %s taken from Return-Path", a);
    } else if ((h = message_header(m, "From")) != NULL) {
        a = first_address(h, "<>");
        if (a != NULL)
            note(fn, ud, "envelope sender %s taken from From", a);
    } else {
        a = strdup("<>");
        if (a != NULL)
            note(fn, ud, "envelope sender %s (no --from, Return-Path or "
                 "From)", a);
    }
    return a;
}

/* take_header_rcpts - the addresses of every To, then every Cc header */
static int
take_header_rcpts(struct envelope *e, const struct message *m,
                  void (*fn)(void *, const char *), void *ud)
{
    static const char *const names[] = {"To", "Cc"};
    size_t k, j, i;

    for (k = 0; k < 2; k++) {
        for (j = 0; j < m->nhdrs; j++) {
            char **list, **grown;
            size_t n;

            if (strcasecmp(m->hdrs[j].name, names[k]) != 0)
                continue;
            n = message_addresses(m->hdrs[j].value, &list);
            grown = realloc(e->rcpts, (e->nrcpts + n + 1) * sizeof *grown);
            if (grown == NULL) {
                free_list(list, n);
                return -1;
            }
            e->rcpts = grown;
            for (i = 0; i < n; i++) {
                e->rcpts[e->nrcpts++] = list[i];
                note(fn, ud, "envelope recipient %s taken from the message "
                     "headers", list[i]);
            }
            free(list);
        }
    }
    return 0;
}

/* envelope_take - the sender and recipients: those given (bracketed), or
 * those the message implies, each default told to note; 0 or -1 (out of
 * memory) */
int
envelope_take(struct envelope *e, const struct message *m, const char *from,
              const char *const *rcpts, size_t nrcpts,
              void (*fn)(void *ud, const char *text), void *ud)
{
    size_t i;

    memset(e, 0, sizeof *e);
    e->from = take_sender(m, from, fn, ud);
    if (e->from == NULL)
        return -1;
    if (rcpts == NULL || nrcpts == 0)
        return take_header_rcpts(e, m, fn, ud);
    e->rcpts = calloc(nrcpts, sizeof *e->rcpts);
    if (e->rcpts == NULL)
        return -1;
    for (i = 0; i < nrcpts; i++) {
        e->rcpts[i] = envelope_bracket(rcpts[i]);
        if (e->rcpts[i] == NULL)
            return -1;
        e->nrcpts++;
    }
    return 0;
}

/* envelope_free - release the addresses */
void
envelope_free(struct envelope *e)
{
    free(e->from);
    free_list(e->rcpts, e->nrcpts);
    memset(e, 0, sizeof *e);
}

/* envelope_connect_event - connect's arguments for env's client: family
 * inet (inet6 for an address with ':'), 127.0.0.1 or ::1, port 25025, and
 * the hostname "localhost" for a loopback client, else "[ip]" (written in
 * host); 0, or -1 and what is wrong with the client */
int
envelope_connect_event(struct event *ev, const struct driver_env *env,
                       char *host, size_t hostcap, char *err, size_t errlen)
{
    const char *family = env->family, *client = env->client;
    char why[128];

    if (family == NULL)
        family = client != NULL && strchr(client, ':') != NULL ? "inet6"
                                                               : "inet";
    if (client == NULL)
        client = strcmp(family, "inet6") == 0 ? "::1" : "127.0.0.1";
    if (event_connect(ev, "", family, client,
                      env->port != 0 ? env->port : 25025, 0, 0, why,
                      sizeof why) < 0) {
        snprintf(err, errlen, "client '%s' (%s): %s", client, family, why);
        return -1;
    }
    if (env->hostname != NULL)
        snprintf(host, hostcap, "%s", env->hostname);
    else if ((ev->argv[2].kind != EV_ADDR && ev->argv[2].kind != EV_ADDR6) ||
             strcmp(ev->text, "127.0.0.1") == 0 ||
             strcmp(ev->text, "::1") == 0)
        snprintf(host, hostcap, "localhost");
    else
        snprintf(host, hostcap, "[%s]", ev->text);
    ev->argv[0].s = host;
    ev->argv[0].len = strlen(host);
    return 0;
}

/* envelope_connection_macros - what the MTA says of itself */
void
envelope_connection_macros(struct record *rec)
{
    record_default_macro(rec, "j", "localhost");
    record_default_macro(rec, "{daemon_name}", "luamilter-replay");
    record_default_macro(rec, "v", "luamilter replay");
}

/* envelope_client_macros - the client at connect: its name, and for an
 * IP client (ip not NULL) its address and "name [ip]" */
void
envelope_client_macros(struct record *rec, const char *host, const char *ip)
{
    char buf[512];

    if (host != NULL)
        record_default_macro(rec, "{client_name}", host);
    if (ip == NULL)
        return;
    snprintf(buf, sizeof buf, "%s [%s]", host != NULL ? host : "", ip);
    record_default_macro(rec, "_", buf);
    record_default_macro(rec, "{client_addr}", ip);
}

/* bare - an address without its angle brackets, in buf */
static const char *
bare(const char *a, char *buf, size_t cap)
{
    size_t n = strlen(a);

    if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
        snprintf(buf, cap, "%.*s", (int)(n - 2), a + 1);
        return buf;
    }
    return a;
}

/* envelope_sender_macros - a new message: its queue id and sender */
void
envelope_sender_macros(struct record *rec, const char *queue_id,
                       const char *from)
{
    char buf[1024];

    record_default_macro(rec, "i", queue_id);
    if (from != NULL)
        record_default_macro(rec, "{mail_addr}", bare(from, buf, sizeof buf));
}

/* envelope_rcpt_macros - the recipient of this envrcpt */
void
envelope_rcpt_macros(struct record *rec, const char *rcpt)
{
    char buf[1024];

    if (rcpt != NULL)
        record_default_macro(rec, "{rcpt_addr}", bare(rcpt, buf, sizeof buf));
}
