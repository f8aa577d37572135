/*
 * outcome.c - result lines of messages and connections (see outcome.h).
 */
#include "outcome.h"
#include "conn.h"
#include "decision.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

static void aborted(struct conn *c);

/* outcome_stage_start - a stage begins: no reply set yet; envfrom opens a
 * new message */
void
outcome_stage_start(struct conn *c, enum stage st)
{
    c->lc.stage_reply[0] = '\0';
    if (st == ST_ENVFROM) {
        if (c->story.open && !c->story.decided)
            aborted(c);         /* neither eom nor abort came */
        memset(&c->story, 0, sizeof c->story);
        c->story.open = 1;
        c->lc.quarantined = 0;
    }
}

/* outcome_reply - the reply set for this stage (its text literal, as the
 * client reads it; more lines are only counted) */
void
outcome_reply(struct conn *c, const char *rcode, const char *xcode,
              const char *text, int nlines)
{
    lconn_note_reply(&c->lc, rcode, xcode, text, nlines);
}

/* reply_note - ", reply X" for a status that sends the reply set (in
 * buf), else what the client gets instead */
static const char *
reply_note(const struct conn *c, int status, char *buf, size_t len)
{
    char cls = status == SMFIS_TEMPFAIL ? '4' : '5';

    if (status != SMFIS_REJECT && status != SMFIS_TEMPFAIL)
        return "";
    if (c->lc.stage_reply[0] != cls)
        return ", the MTA's own reply";
    snprintf(buf, len, ", reply %s", c->lc.stage_reply);
    return buf;
}

/* reply_sent - the reply set at this stage when status sends it, else
 * NULL (none, or the MTA's own) */
static const char *
reply_sent(const struct conn *c, int status)
{
    char cls = status == SMFIS_TEMPFAIL ? '4' : '5';

    if (status != SMFIS_REJECT && status != SMFIS_TEMPFAIL)
        return NULL;
    return c->lc.stage_reply[0] == cls ? c->lc.stage_reply : NULL;
}

/* result_word - what a status does to a message */
static const char *
result_word(const struct conn *c, int status)
{
    switch (status) {
    case SMFIS_REJECT: return "rejected";
    case SMFIS_TEMPFAIL: return "tempfailed";
    case SMFIS_DISCARD: return "discarded";
    default: return c->lc.quarantined ? "quarantined" : "delivered";
    }
}

/* decisive - whether a status ends the message (or the connection) */
static int
decisive(int status)
{
    return status == SMFIS_REJECT || status == SMFIS_TEMPFAIL ||
           status == SMFIS_DISCARD || status == SMFIS_ACCEPT;
}

/* envelope_note - " (client C, from F, N recipients, M refused)": the
 * rest of the message's story, for its result line */
static void
envelope_note(const struct conn *c, char *buf, size_t len)
{
    char refused[32] = "";

    if (c->story.rcpts_refused > 0)
        snprintf(refused, sizeof refused, ", %d refused",
                 c->story.rcpts_refused);
    snprintf(buf, len, " (client %s, from %s, %d recipient%s%s)",
             c->client[0] ? c->client : "unknown",
             c->story.from[0] ? c->story.from : "unknown",
             c->story.rcpts_ok, c->story.rcpts_ok == 1 ? "" : "s", refused);
}

static unsigned long messages_decided;     /* for outcome_messages */

/* outcome_messages - how many messages got a result since the start */
unsigned long
outcome_messages(void)
{
    return __atomic_load_n(&messages_decided, __ATOMIC_RELAXED);
}

/* message_result - the one line saying what became of the message */
static void
message_result(struct conn *c, enum stage st, int status)
{
    char tag[CONN_TAG_MAX], buf[sizeof c->lc.stage_reply + 16], at[48] = "";
    char env[sizeof c->client + sizeof c->story.from + 64];
    const char *note;

    if (!c->story.open || c->story.decided)
        return;
    c->story.decided = 1;
    __atomic_add_fetch(&messages_decided, 1, __ATOMIC_RELAXED);
    if (c->lc.mode == MODULE_LIVE)
        metrics_count_message(result_word(c, status));
    if (c->decision != NULL)
        decision_result(c, st, result_word(c, status), reply_sent(c, status));
    if (!log_enabled(LOGL_INFO))
        return;
    note = reply_note(c, status, buf, sizeof buf);
    envelope_note(c, env, sizeof env);
    if (st != ST_EOM)
        snprintf(at, sizeof at, " at %s%s", stage_name(st),
                 status == SMFIS_ACCEPT ? " (accepted: no more filtering)"
                                        : "");
    log_info("%s: result: %s%s%s%s", conn_tag(c, tag, sizeof tag),
             result_word(c, status), at, note, env);
}

/* recipient_refused - one line for a recipient the policy refused */
static void
recipient_refused(struct conn *c, int status, const struct event *ev)
{
    char tag[CONN_TAG_MAX], buf[sizeof c->lc.stage_reply + 16];
    const char *rcpt = ev != NULL && ev->argc > 0 && ev->argv[0].s != NULL
                           ? ev->argv[0].s : "?";
    const char *note = reply_note(c, status, buf, sizeof buf);

    c->story.rcpts_refused++;
    if (status == SMFIS_TEMPFAIL)
        c->story.rcpts_tempfailed++;
    if (!log_enabled(LOGL_INFO))
        return;
    log_info("%s: recipient %s %s%s", conn_tag(c, tag, sizeof tag), rcpt,
             status == SMFIS_REJECT ? "rejected" : "tempfailed", note);
}

/* connection_result - a connection refused or accepted as a whole */
static void
connection_result(struct conn *c, enum stage st, int status)
{
    char tag[CONN_TAG_MAX], buf[sizeof c->lc.stage_reply + 16];
    const char *note;

    if (c->decision != NULL)
        decision_connection_result(c, st, status == SMFIS_ACCEPT ? "delivered"
                                          : result_word(c, status),
                                   reply_sent(c, status));
    if (!log_enabled(LOGL_INFO))
        return;
    note = reply_note(c, status, buf, sizeof buf);
    log_info("%s: connection %s at %s%s", conn_tag(c, tag, sizeof tag),
             status == SMFIS_ACCEPT ? "accepted (no more filtering)"
             : status == SMFIS_REJECT ? "rejected"
             : status == SMFIS_TEMPFAIL ? "tempfailed" : "discarded",
             stage_name(st), note);
}

/* aborted - the MTA ended a message the milter had not decided: rejected
 * (tempfailed) when the policy refused every recipient, else aborted */
static void
aborted(struct conn *c)
{
    char tag[CONN_TAG_MAX];
    char env[sizeof c->client + sizeof c->story.from + 64];
    int refused = c->story.rcpts_refused > 0 && c->story.rcpts_ok == 0;
    const char *word = !refused ? "aborted"
                       : c->story.rcpts_tempfailed > 0 ? "tempfailed"
                                                       : "rejected";

    if (!c->story.open || c->story.decided)
        return;
    c->story.decided = 1;
    if (refused)
        __atomic_add_fetch(&messages_decided, 1, __ATOMIC_RELAXED);
    if (c->lc.mode == MODULE_LIVE)
        metrics_count_message(word);
    if (c->decision != NULL)
        decision_message_gone(c);
    if (!log_enabled(LOGL_INFO))
        return;
    envelope_note(c, env, sizeof env);
    if (refused)
        log_info("%s: result: %s at envrcpt (every recipient refused)%s",
                 conn_tag(c, tag, sizeof tag), word, env);
    else
        log_info("%s: result: aborted by the MTA before end of message%s",
                 conn_tag(c, tag, sizeof tag), env);
}

/* recipient_word - what a status at envrcpt does to the recipient */
static const char *
recipient_word(int status)
{
    switch (status) {
    case SMFIS_REJECT: return "rejected";
    case SMFIS_TEMPFAIL: return "tempfailed";
    case SMFIS_DISCARD: return "discarded";
    default: return "accepted";
    }
}

/* outcome_stage_end - a stage answered status: log what it decided */
void
outcome_stage_end(struct conn *c, enum stage st, int status,
                  const struct event *ev)
{
    if (st == ST_ENVRCPT && c->lc.mode == MODULE_LIVE)
        metrics_count_recipient(recipient_word(status));
    switch (st) {
    case ST_CONNECT:
    case ST_HELO:
        if (decisive(status))
            connection_result(c, st, status);
        break;
    case ST_ENVRCPT:
        if (c->decision != NULL)
            decision_rcpt(c, ev != NULL && ev->argc > 0 ? ev->argv[0].s
                                                        : NULL,
                          recipient_word(status), reply_sent(c, status));
        if (status == SMFIS_REJECT || status == SMFIS_TEMPFAIL)
            recipient_refused(c, status, ev);
        else if (decisive(status))
            message_result(c, st, status);
        else
            c->story.rcpts_ok++;
        break;
    case ST_ENVFROM:
        if (ev != NULL && ev->argc > 0 && ev->argv[0].s != NULL)
            snprintf(c->story.from, sizeof c->story.from, "%s",
                     ev->argv[0].s);
        if (decisive(status))
            message_result(c, st, status);
        break;
    case ST_DATA:
    case ST_HEADER:
    case ST_EOH:
    case ST_BODY:
        if (decisive(status))
            message_result(c, st, status);
        break;
    case ST_EOM:
        message_result(c, st, status);
        c->story.open = 0;
        break;
    case ST_ABORT:
    case ST_CLOSE:
        aborted(c);
        c->story.open = 0;
        break;
    default:
        break;
    }
}
