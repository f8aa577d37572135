/*
 * metrics_pages.h - what each HTTP endpoint answers, apart from HTTP
 * itself: GET /metrics, /healthz, /status, /connections; a known path
 * with another method gets 405, anything else 404.
 */
#ifndef LUAMILTER_METRICS_PAGES_H
#define LUAMILTER_METRICS_PAGES_H

#include <stddef.h>

struct mtext;

struct mpage {
    int status;             /* HTTP status */
    const char *type;       /* Content-Type */
    int allow_get;          /* 405: send Allow: GET */
    char *body;             /* malloc'd, NUL-terminated */
    size_t len;
};

void metrics_render_all(struct mtext *t);
int metrics_page(const char *method, const char *path, struct mpage *p);
void metrics_mark_start(void);

#endif
