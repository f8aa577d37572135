/*
 * testvec.c - the message file of a test, read into a Lua string
 * (testvec.h).
 */
#include "testvec.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdarg.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TESTVEC_FD "luamilter.testvec.fd"

/* lexical_inside - path with "." and ".." steps folded, into out; -1 if a
 * ".." would climb above the start */
static int
lexical_inside(const char *path, char *out, size_t outlen)
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
            if (len + n + 2 > outlen)
                return -1;
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

/* testvec_resolve - the real path of test file path inside dir, into out;
 * -1 and why (naming path as written) if it is not a path inside dir */
int
testvec_resolve(const char *dir, const char *path, char *out, size_t outlen,
                char *err, size_t errlen)
{
    char root[PATH_MAX], rel[PATH_MAX], joined[2 * PATH_MAX + 2];
    char real[PATH_MAX];
    size_t n;

    if (path[0] == '\0') {
        snprintf(err, errlen, "test file '': an empty path");
        return -1;
    }
    if (path[0] == '/') {
        snprintf(err, errlen, "test file '%s': an absolute path; name test "
                 "files relative to the script's directory %s", path, dir);
        return -1;
    }
    if (realpath(dir, root) == NULL) {
        snprintf(err, errlen, "test file '%s': the script's directory %s: "
                 "%s", path, dir, strerror(errno));
        return -1;
    }
    /* fold '..' before touching the file system: nothing outside dir is
     * even looked up */
    if (lexical_inside(path, rel, sizeof rel) < 0) {
        snprintf(err, errlen, "test file '%s': outside the script's "
                 "directory %s", path, root);
        return -1;
    }
    snprintf(joined, sizeof joined, "%s/%s", root, rel);  /* rel may be "" */
    if (realpath(joined, real) == NULL) {
        snprintf(err, errlen, "test file '%s': cannot open: %s", path,
                 strerror(errno));
        return -1;
    }
    n = strlen(root);
    if (strcmp(root, "/") != 0 &&
        (strncmp(real, root, n) != 0 || (real[n] != '/' && real[n] != '\0'))) {
        snprintf(err, errlen, "test file '%s': outside the script's "
                 "directory %s (a symlink leads to %s)", path, root, real);
        return -1;
    }
    if (strlen(real) >= outlen) {
        snprintf(err, errlen, "test file '%s': path too long", path);
        return -1;
    }
    strcpy(out, real);
    return 0;
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

/* testvec_push - push the bytes of the regular file path (at most
 * TESTVEC_MAX), opened without blocking; nofollow: refuse a symlink as
 * the last step.  Raises an error naming the file as shown. */
int
testvec_push(lua_State *L, const char *path, const char *shown, int nofollow)
{
    int *fd = new_fd_box(L);
    struct stat st;
    luaL_Buffer b;
    char *p;
    ssize_t got;

    *fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
               (nofollow ? O_NOFOLLOW : 0));
    if (*fd < 0)
        return fail(L, "test file '%s': cannot open: %s", shown,
                          strerror(errno));
    if (fstat(*fd, &st) < 0)
        return fail(L, "test file '%s': %s", shown, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(L, "test file '%s': not a regular file", shown);
    if ((unsigned long long)st.st_size > TESTVEC_MAX)
        return fail(L, "test file '%s': larger than 64 MiB (%I "
                          "bytes), the limit for test files", shown,
                          (lua_Integer)st.st_size);
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

/* testvec_push_in - push the bytes of test file path, which must lie in
 * dir (see testvec.h); raises an error naming path */
int
testvec_push_in(lua_State *L, const char *dir, const char *path)
{
    char real[PATH_MAX], err[3 * PATH_MAX];

    if (testvec_resolve(dir, path, real, sizeof real, err, sizeof err) < 0)
        return fail(L, "%s", err);
    return testvec_push(L, real, path, 1);
}
