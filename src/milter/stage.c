/*
 * stage.c - the stage table (see stage.h).
 */
#include "stage.h"

#include <libmilter/mfapi.h>
#include <string.h>

static const struct stage_info stage_table[ST_COUNT] = {
    [ST_NONE] = {"", 0, 0, -1},
    [ST_NEGOTIATE] = {"negotiate", 0, 0, -1},
    [ST_CONNECT] = {"connect", SMFIP_NOCONNECT, SMFIP_NR_CONN, SMFIM_CONNECT},
    [ST_HELO] = {"hello", SMFIP_NOHELO, SMFIP_NR_HELO, SMFIM_HELO},
    [ST_ENVFROM] = {"envfrom", SMFIP_NOMAIL, SMFIP_NR_MAIL, SMFIM_ENVFROM},
    [ST_ENVRCPT] = {"envrcpt", SMFIP_NORCPT, SMFIP_NR_RCPT, SMFIM_ENVRCPT},
    [ST_DATA] = {"data", SMFIP_NODATA, SMFIP_NR_DATA, SMFIM_DATA},
    [ST_HEADER] = {"header", SMFIP_NOHDRS, SMFIP_NR_HDR, -1},
    [ST_EOH] = {"eoh", SMFIP_NOEOH, SMFIP_NR_EOH, SMFIM_EOH},
    [ST_BODY] = {"body", SMFIP_NOBODY, SMFIP_NR_BODY, -1},
    [ST_EOM] = {"eom", 0, 0, SMFIM_EOM},
    [ST_ABORT] = {"abort", 0, 0, -1},
    [ST_CLOSE] = {"close", 0, 0, -1},
    [ST_UNKNOWN] = {"unknown", SMFIP_NOUNKNOWN, SMFIP_NR_UNKN, -1},
};

/* stage_info - the table row of a stage */
const struct stage_info *
stage_info(enum stage st)
{
    if ((int)st < 0 || st >= ST_COUNT)
        st = ST_NONE;
    return &stage_table[st];
}

/* stage_name - the callback name of a stage, for messages */
const char *
stage_name(enum stage st)
{
    if (st == ST_NONE)
        return "(outside a callback)";
    return stage_info(st)->callback;
}

/* stage_by_callback - the stage whose callback has this name, or -1 */
int
stage_by_callback(const char *name)
{
    int st;

    for (st = ST_NEGOTIATE; st < ST_COUNT; st++)
        if (strcmp(stage_table[st].callback, name) == 0)
            return st;
    return -1;
}

/* stage_symlist_parse - SMFIM_* number for a macro stage name, or -1 */
int
stage_symlist_parse(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {
        {"connect", SMFIM_CONNECT}, {"helo", SMFIM_HELO},
        {"hello", SMFIM_HELO}, {"envfrom", SMFIM_ENVFROM},
        {"mail", SMFIM_ENVFROM}, {"envrcpt", SMFIM_ENVRCPT},
        {"rcpt", SMFIM_ENVRCPT}, {"data", SMFIM_DATA},
        {"eoh", SMFIM_EOH}, {"eom", SMFIM_EOM}, {NULL, 0}
    };
    int i;

    for (i = 0; names[i].name != NULL; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].code;
    return -1;
}
