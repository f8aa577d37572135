/*
 * verdict.c - mapping of policy results to libmilter statuses (see verdict.h).
 */
#include "verdict.h"
#include "config.h"
#include "reply.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <strings.h>

static const struct {
    const char *name;
    int status;
} verdict_names[] = {
    {"continue", SMFIS_CONTINUE},
    {"reject", SMFIS_REJECT},
    {"discard", SMFIS_DISCARD},
    {"accept", SMFIS_ACCEPT},
    {"tempfail", SMFIS_TEMPFAIL},
    {"noreply", SMFIS_NOREPLY},
    {"skip", SMFIS_SKIP},
    {NULL, 0}
};

/* verdict_from_code - a valid status number, or -1 */
int
verdict_from_code(long long code)
{
    int i;

    for (i = 0; verdict_names[i].name != NULL; i++)
        if (verdict_names[i].status == code)
            return verdict_names[i].status;
    return -1;
}

/* verdict_from_name - the status for a name such as "reject", or -1 */
int
verdict_from_name(const char *name)
{
    int i;

    for (i = 0; verdict_names[i].name != NULL; i++)
        if (strcasecmp(verdict_names[i].name, name) == 0)
            return verdict_names[i].status;
    return -1;
}

/* verdict_name - upper-case name of a status, for logs */
const char *
verdict_name(int status)
{
    switch (status) {
    case SMFIS_CONTINUE: return "CONTINUE";
    case SMFIS_REJECT: return "REJECT";
    case SMFIS_DISCARD: return "DISCARD";
    case SMFIS_ACCEPT: return "ACCEPT";
    case SMFIS_TEMPFAIL: return "TEMPFAIL";
    case SMFIS_NOREPLY: return "NOREPLY";
    case SMFIS_SKIP: return "SKIP";
    case SMFIS_ALL_OPTS: return "ALL_OPTS";
    default: return "?";
    }
}

/* verdict_word - lower-case name of a status, for reports */
const char *
verdict_word(int status)
{
    int i;

    if (status == SMFIS_ALL_OPTS)
        return "all_opts";
    for (i = 0; verdict_names[i].name != NULL; i++)
        if (verdict_names[i].status == status)
            return verdict_names[i].name;
    return "unknown";
}

/* verdict_for_stage - fit a status to what this stage may send */
int
verdict_for_stage(int status, enum stage st, unsigned long protocol,
                  int *ignored)
{
    const struct stage_info *si = stage_info(st);

    *ignored = 0;
    if (st == ST_ABORT || st == ST_CLOSE)
        return SMFIS_CONTINUE;
    if (si->nr_bit != 0 && (protocol & si->nr_bit) != 0) {
        if (status != SMFIS_CONTINUE && status != SMFIS_NOREPLY)
            *ignored = 1;
        return SMFIS_NOREPLY;
    }
    if (status == SMFIS_NOREPLY)
        return SMFIS_CONTINUE;
    if (status == SMFIS_SKIP) {
        if (st == ST_BODY && (protocol & SMFIP_SKIP) != 0)
            return SMFIS_SKIP;
        if (st != ST_BODY)
            *ignored = 1;
        return SMFIS_CONTINUE;
    }
    return status;
}

/* verdict_reply_text - "rcode [xcode] [text]" into buf ("" without rcode) */
void
verdict_reply_text(const char *rcode, const char *xcode, const char *text,
                   char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", rcode ? rcode : "",
             rcode && xcode ? " " : "", rcode && xcode ? xcode : "",
             rcode && text ? " " : "", rcode && text ? text : "");
}

/* verdict_on_error_reply - the reply on_error sends, as text ("" if none) */
void
verdict_on_error_reply(int on_error, const struct fixed_reply *custom,
                       char *buf, size_t len)
{
    const char *rcode, *xcode, *text;

    verdict_on_error(on_error, custom, &rcode, &xcode, &text);
    verdict_reply_text(rcode, xcode, text, buf, len);
}

/* verdict_on_error - the status and reply used when a policy fails: the
 * admin's on_error_reply (custom, NULL or unset for the default), else
 * "451 4.3.0" or "554 5.3.0" with a short text; text is literal */
int
verdict_on_error(int on_error, const struct fixed_reply *custom,
                 const char **rcode, const char **xcode, const char **text)
{
    int status;

    *rcode = *xcode = *text = NULL;
    switch (on_error) {
    case ONERR_REJECT:
        *rcode = "554";
        *xcode = "5.3.0";
        *text = "Mail filter failure";
        status = SMFIS_REJECT;
        break;
    case ONERR_CONTINUE:
        return SMFIS_CONTINUE;
    case ONERR_ACCEPT:
        return SMFIS_ACCEPT;
    case ONERR_TEMPFAIL:
    default:
        *rcode = "451";
        *xcode = "4.3.0";
        *text = "Temporary mail filter failure";
        status = SMFIS_TEMPFAIL;
        break;
    }
    if (custom != NULL && custom->rcode[0] != '\0') {
        *rcode = custom->rcode;
        *xcode = custom->xcode[0] != '\0' ? custom->xcode : NULL;
        *text = custom->text[0] != '\0' ? custom->text : NULL;
    }
    return status;
}
