/*
 * stage.h - the milter stages, their callback names and protocol bits.
 *
 * One table ties each stage to the Lua callback name (pymilter's), the
 * SMFIP_NO* bit that skips it and the SMFIP_NR_* bit that makes it
 * reply-less, so negotiation and dispatch never disagree.
 */
#ifndef LUAMILTER_STAGE_H
#define LUAMILTER_STAGE_H

enum stage {
    ST_NONE = 0,
    ST_NEGOTIATE,
    ST_CONNECT,
    ST_HELO,
    ST_ENVFROM,
    ST_ENVRCPT,
    ST_DATA,
    ST_HEADER,
    ST_EOH,
    ST_BODY,
    ST_EOM,
    ST_ABORT,
    ST_CLOSE,
    ST_UNKNOWN,
    ST_COUNT
};

#define STAGE_BIT(st) (1u << (st))

struct stage_info {
    const char *callback;       /* Lua method name */
    unsigned long no_bit;       /* SMFIP_NO* skipping it, 0 if none */
    unsigned long nr_bit;       /* SMFIP_NR_* for no reply, 0 if none */
    int symlist_stage;          /* SMFIM_* for macros, -1 if none */
};

const struct stage_info *stage_info(enum stage st);
const char *stage_name(enum stage st);
int stage_by_callback(const char *name);
int stage_symlist_parse(const char *name);

#endif
