/*
 * metrics_http.c - serve the endpoints of metrics_pages.c over HTTP
 * (metrics_http.h).
 */
#include "metrics_http.h"
#include "metrics_listen.h"
#include "metrics_pages.h"
#include "log.h"

#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Daemon *http_daemon;
static char http_where[160];
static char http_unix_path[108];

/* mhd_log - libmicrohttpd's error messages, into our log */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    log_warn("http: %s", line);
}

/* answer - the access handler: one page per request, GET only */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version, const char *upload,
       size_t *upload_size, void **con_cls)
{
    struct MHD_Response *resp;
    struct mpage p;
    enum MHD_Result rc;

    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (metrics_page(method, url, &p) < 0)
        return MHD_NO;                  /* out of memory: drop it */
    resp = MHD_create_response_from_buffer(p.len, p.body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(p.body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, p.type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (p.allow_get)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET");
    rc = MHD_queue_response(conn, (unsigned int)p.status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* metrics_http_start - open http_listen's socket and serve it; -1 with
 * err */
int
metrics_http_start(const char *spec, uid_t uid, gid_t gid, char *err,
                   size_t errlen)
{
    struct http_addr a;
    sigset_t all, old;
    int fd;

    if (http_daemon != NULL) {
        snprintf(err, errlen, "already serving on %s", http_where);
        return -1;
    }
    if (metrics_listen_parse(spec, &a, err, errlen) < 0)
        return -1;
    fd = metrics_listen_open(&a, uid, gid, http_where, sizeof http_where,
                             err, errlen);
    if (fd < 0)
        return -1;
    /* its thread inherits this mask: no signal is ever delivered there */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    http_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
        0, NULL, NULL, answer, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
        MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (http_daemon == NULL) {
        snprintf(err, errlen, "%s: libmicrohttpd could not start", spec);
        close(fd);
        if (a.family == AF_UNIX)
            unlink(a.path);
        return -1;
    }
    if (a.family == AF_UNIX)
        snprintf(http_unix_path, sizeof http_unix_path, "%s", a.path);
    metrics_mark_start();
    log_notice("http: serving /metrics, /healthz, /status, /connections on "
               "%s", http_where);
    return 0;
}

/* metrics_http_where - where the listener listens ("" if it does not) */
const char *
metrics_http_where(void)
{
    return http_daemon != NULL ? http_where : "";
}

/* metrics_http_stop - stop serving, close (and remove) the socket */
void
metrics_http_stop(void)
{
    if (http_daemon == NULL)
        return;
    MHD_stop_daemon(http_daemon);       /* closes the listening socket */
    http_daemon = NULL;
    if (http_unix_path[0] != '\0' && unlink(http_unix_path) < 0)
        log_debug("http: cannot remove %s (its directory is not writable "
                  "after the privilege drop)", http_unix_path);
    http_unix_path[0] = '\0';
    http_where[0] = '\0';
}
