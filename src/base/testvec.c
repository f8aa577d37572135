/*
 * testvec.c - the message file of a test, read into a Lua string
 * (testvec.h).
 */
#include "testvec.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TESTVEC_FD "luamilter.testvec.fd"
#define OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* lexical_inside - path with "." and ".." steps folded, into out (as
 * long as path); -1 if a ".." would climb above the start */
static int
lexical_inside(const char *path, char *out)
{
    size_t len = 0;
    const char *p = path;

    out[0] = '\0';
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

        if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *slash;
            if (len == 0)
                return -1;
            slash = strrchr(out, '/');
            len = slash != NULL ? (size_t)(slash - out) : 0;
            out[len] = '\0';
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (len > 0)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
            out[len] = '\0';
        }
        p += n;
        if (*p == '/')
            p++;
    }
    return 0;
}

/* real_inside - the real path (malloc) of rel under the real directory
 * root; NULL and why (naming path as written) */
static char *
real_inside(const char *root, const char *rel, const char *path, char *err,
            size_t errlen)
{
    size_t n = strlen(root);
    char *joined = malloc(n + strlen(rel) + 2), *real;

    if (joined == NULL) {
        snprintf(err, errlen, "test file '%s': out of memory", path);
        return NULL;
    }
    sprintf(joined, "%s/%s", root, rel);        /* rel may be "" */
    real = realpath(joined, NULL);
    free(joined);
    if (real == NULL) {
        snprintf(err, errlen, "test file '%s': cannot open: %s", path,
                 strerror(errno));
        return NULL;
    }
    if (strcmp(root, "/") != 0 &&
        (strncmp(real, root, n) != 0 || (real[n] != '/' && real[n] != '\0'))) {
        snprintf(err, errlen, "test file '%s': outside the script's "
                 "directory %s (a symlink leads to %s)", path, root, real);
        free(real);
        return NULL;
    }
    return real;
}

/* testvec_resolve - the real path (malloc) of test file path inside dir;
 * NULL and why (naming path as written) if it is not a path inside dir */
char *
testvec_resolve(const char *dir, const char *path, char *err, size_t errlen)
{
    char *root, *rel, *real = NULL;

    if (path[0] == '\0') {
        snprintf(err, errlen, "test file '': an empty path");
        return NULL;
    }
    if (path[0] == '/') {
        snprintf(err, errlen, "test file '%s': an absolute path; name test "
                 "files relative to the script's directory %s", path, dir);
        return NULL;
    }
    root = realpath(dir, NULL);
    if (root == NULL) {
        snprintf(err, errlen, "test file '%s': the script's directory %s: "
                 "%s", path, dir, strerror(errno));
        return NULL;
    }
    rel = malloc(strlen(path) + 1);
    if (rel == NULL)
        snprintf(err, errlen, "test file '%s': out of memory", path);
    else if (lexical_inside(path, rel) < 0)     /* before any lookup: */
        snprintf(err, errlen, "test file '%s': outside the script's "
                 "directory %s", path, root);   /* nothing outside is */
    else                                        /* even looked up */
        real = real_inside(root, rel, path, err, errlen);
    free(rel);
    free(root);
    return real;
}

/* fail - raise an error message without a position prefix: it is about
 * the file, not about the Lua line that asked for it */
static int
fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

/* fd_gc - __gc of the descriptor box: close a file an error left open */
static int
fd_gc(lua_State *L)
{
    int *fd = lua_touserdata(L, 1);

    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return 0;
}

/* new_fd_box - a userdata holding a descriptor (-1), closed when collected */
static int *
new_fd_box(lua_State *L)
{
    int *fd = lua_newuserdatauv(L, sizeof *fd, 0);

    *fd = -1;
    if (luaL_newmetatable(L, TESTVEC_FD)) {
        lua_pushcfunction(L, fd_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return fd;
}

/* read_all - up to size bytes of fd into b; the count, or -1 (errno) */
static ssize_t
read_all(int fd, char *p, size_t size)
{
    size_t got = 0;

    while (got < size) {
        ssize_t n = read(fd, p + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* push_opened - push the bytes of the file open in *fd, which must be a
 * regular file of at most TESTVEC_MAX bytes; closes it; raises an error
 * naming the file as shown */
static int
push_opened(lua_State *L, int *fd, const char *shown)
{
    struct stat st;
    luaL_Buffer b;
    char *p;
    ssize_t got;

    if (fstat(*fd, &st) < 0)
        return fail(L, "test file '%s': %s", shown, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(L, "test file '%s': not a regular file", shown);
    if ((unsigned long long)st.st_size > TESTVEC_MAX)
        return fail(L, "test file '%s': larger than 64 MiB (%I bytes), the "
                    "limit for test files", shown, (lua_Integer)st.st_size);
    p = luaL_buffinitsize(L, &b, (size_t)st.st_size);
    got = read_all(*fd, p, (size_t)st.st_size);
    if (got < 0)
        return fail(L, "test file '%s': read error: %s", shown,
                    strerror(errno));
    close(*fd);
    *fd = -1;
    luaL_pushresultsize(&b, (size_t)got);
    return 1;
}

/* testvec_push - push the bytes of the regular file path (at most
 * TESTVEC_MAX), opened without blocking; raises an error naming it */
int
testvec_push(lua_State *L, const char *path)
{
    int *fd = new_fd_box(L);

    *fd = open(path, OPEN_FLAGS);
    if (*fd < 0)
        return fail(L, "test file '%s': cannot open: %s", path,
                    strerror(errno));
    return push_opened(L, fd, path);
}

/* testvec_push_in - push the bytes of test file path, which must lie in
 * dir (see testvec.h); raises an error naming path */
int
testvec_push_in(lua_State *L, const char *dir, const char *path)
{
    int *fd = new_fd_box(L);                    /* before the malloc */
    char err[2048];
    char *real = testvec_resolve(dir, path, err, sizeof err);
    int e;

    if (real == NULL)
        return fail(L, "%s", err);
    *fd = open(real, OPEN_FLAGS | O_NOFOLLOW);  /* no symlink swapped in */
    e = errno;
    free(real);
    if (*fd < 0)
        return fail(L, "test file '%s': cannot open: %s", path, strerror(e));
    return push_opened(L, fd, path);
}
