/*
 * replay_report.h - what luamilter replay prints: observers of the
 * transaction driver (driver.h) writing text or one JSON record per
 * message.
 *
 * Text: "message PATH", notes, one line per stage ("  envrcpt <a@b>:
 * reject 550 5.7.1 text") with its actions below, "  result: ...".
 * JSON (the tree's writer in JSON_BYTES mode): the fields of the
 * message's decision record (decision.h: time, conn, message, qid, client,
 * helo, from, rcpts [{addr, result, reply}], script, result, stage, reply,
 * actions, errors, ms, stages_ms, notes), then {"file", "verdict",
 * "defaults" (what the driver filled in), "stages": [{"stage", "arg",
 * "verdict", "reply", "actions"}]}, so one jq filter reads both.  A message
 * without recipient is not run: "skipped", with "reason", "from" and
 * "rcpts".  Bytes outside printable ASCII are \xHH in text and \u00HH in
 * JSON.
 */
#ifndef LUAMILTER_REPLAY_REPORT_H
#define LUAMILTER_REPLAY_REPORT_H

#include "json.h"

struct driver_observer;

/* what became of one message */
struct outcome {
    const char *result;     /* delivered quarantined discarded rejected
                               tempfailed, or skipped (not replayed) */
    int code;               /* 0 delivered ... 4 tempfailed, 64 skipped */
    const char *verdict;    /* the deciding status, lower case; NULL when
                               skipped */
    char reply[1024];       /* reply text that went with it, if any */
    const char *reason;     /* why it was skipped */
};

#define REPORT_NO_RCPT \
    "no recipient: give --rcpt, or a To or Cc header in the message"
#define REPORT_SKIPPED_CODE 64

/* one message's report */
struct report {
    int json;
    struct json j;          /* the stages, JSON only */
    struct json defaults;   /* the driver's notes */
    struct json env;        /* from, and */
    struct json rcpts;      /* ... the recipients the driver sent */
    struct json record;     /* the decision record's fields */
    int has_record, record_from, record_rcpts;
    const char *path;       /* the message's file */
    struct outcome oc;
};

/* bytes of the decision record's part of a JSON record */
#define REPORT_RECORD_MAX (1u << 20)

struct decision;
void report_decision(void *ud, const struct decision *d);

extern const struct driver_observer report_observer;

void report_begin(struct report *r, int json, const char *path);
void report_end(struct report *r);

#endif
