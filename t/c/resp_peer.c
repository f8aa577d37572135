/*
 * resp_peer.c - a scripted RESP server for unit tests (see resp_peer.h).
 */
#include "resp_peer.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sha1.h"

#define PEER_MAX_CONNS 64
#define PEER_MAX_NAMES 32
#define PEER_MAX_SCRIPTS 16

struct peer_conn {
    struct resp_peer *peer;
    int fd;
    pthread_t thread;
};

struct resp_peer {
    char path[108];
    char password[64];
    int lfd;
    pthread_t acceptor;
    pthread_mutex_t lock;
    struct peer_conn conns[PEER_MAX_CONNS];
    int nconns;
    int stopping;
    char names[PEER_MAX_NAMES][32];
    long counts[PEER_MAX_NAMES];
    long all, batch;
    char scripts[PEER_MAX_SCRIPTS][SHA1_HEX_LEN + 1];
    int nscripts;
};

/* pause_s - sleep secs seconds, less if the peer is stopping */
static void
pause_s(struct resp_peer *p, double secs)
{
    struct timespec ts = {0, 5000000};
    int stopping = 0;

    for (; secs > 0 && !stopping; secs -= 0.005) {
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&p->lock);
        stopping = p->stopping;
        pthread_mutex_unlock(&p->lock);
    }
}

/* put - write all bytes (errors ignored: the client may be gone) */
static void
put(int fd, const char *s, size_t len)
{
    ssize_t n;

    while (len > 0 && (n = send(fd, s, len, MSG_NOSIGNAL)) > 0)
        s += n, len -= (size_t)n;
}

/* put_str - write a C string */
static void
put_str(int fd, const char *s)
{
    put(fd, s, strlen(s));
}

/* put_bulk - a bulk string reply */
static void
put_bulk(int fd, const char *s, size_t len)
{
    char head[32];

    snprintf(head, sizeof head, "$%zu\r\n", len);
    put(fd, head, strlen(head));
    put(fd, s, len);
    put(fd, "\r\n", 2);
}

/* count - note one command called name (lock held) */
static void
count(struct resp_peer *p, const char *name, size_t len)
{
    int i;

    p->all++;
    for (i = 0; i < PEER_MAX_NAMES && p->names[i][0] != '\0'; i++)
        if (strlen(p->names[i]) == len && strncasecmp(p->names[i], name,
                                                      len) == 0)
            break;
    if (i == PEER_MAX_NAMES || len >= sizeof p->names[0])
        return;
    if (p->names[i][0] == '\0') {
        memcpy(p->names[i], name, len);
        p->names[i][len] = '\0';
    }
    p->counts[i]++;
}

/* resp_peer_count - see resp_peer.h */
long
resp_peer_count(struct resp_peer *p, const char *name)
{
    long n = 0;
    int i;

    pthread_mutex_lock(&p->lock);
    if (strcmp(name, "*") == 0)
        n = p->all;
    else if (strcmp(name, "BATCH") == 0)
        n = p->batch;
    for (i = 0; i < PEER_MAX_NAMES && n == 0 && p->names[i][0] != '\0'; i++)
        if (strcasecmp(p->names[i], name) == 0)
            n = p->counts[i];
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* known_script - whether sha was loaded by an EVAL; remember it if add */
static int
known_script(struct resp_peer *p, const char *sha, int add)
{
    int i, found = 0;

    pthread_mutex_lock(&p->lock);
    for (i = 0; i < p->nscripts && !found; i++)
        found = strcmp(p->scripts[i], sha) == 0;
    if (!found && add && p->nscripts < PEER_MAX_SCRIPTS)
        snprintf(p->scripts[p->nscripts++], SHA1_HEX_LEN + 1, "%s", sha);
    pthread_mutex_unlock(&p->lock);
    return found;
}

/* put_eval - the answer of EVAL and EVALSHA: the array nkeys, args... */
static void
put_eval(int fd, redisReply *cmd)
{
    char head[32];
    size_t i;

    snprintf(head, sizeof head, "*%zu\r\n", cmd->elements - 2);
    put(fd, head, strlen(head));
    for (i = 2; i < cmd->elements; i++)
        put_bulk(fd, cmd->element[i]->str, cmd->element[i]->len);
}

/* is - whether argument i of cmd is word (any case) */
static int
is(redisReply *cmd, size_t i, const char *word)
{
    return i < cmd->elements && cmd->element[i]->len == strlen(word) &&
           strncasecmp(cmd->element[i]->str, word, strlen(word)) == 0;
}

/* answer - act on one command; -1 to close the connection */
static int
answer(struct resp_peer *p, int fd, redisReply *cmd)
{
    redisReply **a = cmd->element;
    char sha[SHA1_HEX_LEN + 1], *big;
    size_t n, i;

    if (cmd->type != REDIS_REPLY_ARRAY || cmd->elements == 0)
        return -1;
    pthread_mutex_lock(&p->lock);
    count(p, a[0]->str, a[0]->len);
    pthread_mutex_unlock(&p->lock);
    n = cmd->elements;
    if (is(cmd, 0, "AUTH")) {
        if (strcmp(a[n - 1]->str, p->password) == 0)
            put_str(fd, "+OK\r\n");
        else
            put_str(fd, "-WRONGPASS invalid username-password pair\r\n");
    } else if (is(cmd, 0, "PING")) {
        put_str(fd, "+PONG\r\n");
    } else if (is(cmd, 0, "ECHO") && n == 2) {
        put_bulk(fd, a[1]->str, a[1]->len);
    } else if (is(cmd, 0, "RAW") && n == 2) {
        put(fd, a[1]->str, a[1]->len);
    } else if (is(cmd, 0, "LATE") && n == 3) {
        pause_s(p, atof(a[1]->str));
        put(fd, a[2]->str, a[2]->len);
    } else if (is(cmd, 0, "TRICKLE") && n == 3) {
        for (i = 0; i < a[2]->len; i++) {
            pause_s(p, atof(a[1]->str));
            put(fd, a[2]->str + i, 1);
        }
    } else if (is(cmd, 0, "BIG") && n == 2) {
        n = (size_t)atol(a[1]->str);
        big = malloc(n + 1);
        if (big == NULL)
            return -1;
        memset(big, 'x', n);
        put_bulk(fd, big, n);
        free(big);
    } else if (is(cmd, 0, "CLOSE")) {
        return -1;
    } else if ((is(cmd, 0, "EVAL") || is(cmd, 0, "EVALSHA")) && n >= 3) {
        if (is(cmd, 0, "EVAL"))
            sha1_hex(a[1]->str, a[1]->len, sha);
        else
            snprintf(sha, sizeof sha, "%.*s", (int)a[1]->len, a[1]->str);
        if (known_script(p, sha, is(cmd, 0, "EVAL")) || is(cmd, 0, "EVAL"))
            put_eval(fd, cmd);
        else
            put_str(fd, "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    } else if (is(cmd, 0, "STAT") && n == 2) {
        char line[32];

        snprintf(line, sizeof line, ":%ld\r\n", resp_peer_count(p,
                                                                a[1]->str));
        put(fd, line, strlen(line));
    } else {
        put_str(fd, "+OK\r\n");
    }
    return 0;
}

/* serve - one connection: read commands and answer them */
static void *
serve(void *arg)
{
    struct peer_conn *c = arg;
    redisReader *rd = redisReaderCreate();
    char buf[65536];
    void *cmd;
    ssize_t n;
    long batch;
    int done = 0;

    while (!done && (n = read(c->fd, buf, sizeof buf)) > 0) {
        redisReaderFeed(rd, buf, (size_t)n);
        batch = 0;
        while (!done && redisReaderGetReply(rd, &cmd) == REDIS_OK &&
               cmd != NULL) {
            batch++;
            done = answer(c->peer, c->fd, cmd) < 0;
            freeReplyObject(cmd);
        }
        pthread_mutex_lock(&c->peer->lock);
        c->peer->batch = batch;     /* STAT BATCH: the read before it */
        pthread_mutex_unlock(&c->peer->lock);
        if (rd->err)
            done = 1;
    }
    redisReaderFree(rd);
    shutdown(c->fd, SHUT_RDWR);
    return NULL;
}

/* accept_loop - take connections until stopped */
static void *
accept_loop(void *arg)
{
    struct resp_peer *p = arg;
    int fd;

    while ((fd = accept(p->lfd, NULL, NULL)) >= 0) {
        pthread_mutex_lock(&p->lock);
        if (p->stopping || p->nconns == PEER_MAX_CONNS) {
            pthread_mutex_unlock(&p->lock);
            close(fd);
            continue;
        }
        p->conns[p->nconns].peer = p;
        p->conns[p->nconns].fd = fd;
        pthread_create(&p->conns[p->nconns].thread, NULL, serve,
                       &p->conns[p->nconns]);
        p->nconns++;
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

/* resp_peer_start - listen on path; NULL on failure */
struct resp_peer *
resp_peer_start(const char *path, const char *password)
{
    struct resp_peer *p = calloc(1, sizeof *p);
    struct sockaddr_un sa;

    if (p == NULL)
        return NULL;
    snprintf(p->path, sizeof p->path, "%s", path);
    snprintf(p->password, sizeof p->password, "%s",
             password != NULL ? password : "");
    pthread_mutex_init(&p->lock, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    unlink(path);
    p->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(p->lfd, 128) < 0) {
        if (p->lfd >= 0)
            close(p->lfd);
        free(p);
        return NULL;
    }
    pthread_create(&p->acceptor, NULL, accept_loop, p);
    return p;
}

/* resp_peer_stop - close everything, wait for the threads, free */
void
resp_peer_stop(struct resp_peer *p)
{
    int i;

    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    for (i = 0; i < p->nconns; i++)
        shutdown(p->conns[i].fd, SHUT_RDWR);
    pthread_mutex_unlock(&p->lock);
    shutdown(p->lfd, SHUT_RDWR);
    pthread_join(p->acceptor, NULL);
    close(p->lfd);
    for (i = 0; i < p->nconns; i++) {
        pthread_join(p->conns[i].thread, NULL);
        close(p->conns[i].fd);
    }
    unlink(p->path);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
