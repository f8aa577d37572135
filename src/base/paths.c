/*
 * paths.c - library directory discovery and path resolution (paths.h).
 *
 * The Lua library is looked up, in order: $LUAMILTER_LIBDIR, the lua/
 * directory beside the running executable (a build tree), and the install
 * directory compiled in as LUAMILTER_LIBDIR.
 */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LUAMILTER_LIBDIR
#define LUAMILTER_LIBDIR "/usr/local/share/luamilter/lua"
#endif

static char libdir_buf[PATH_MAX + 32];

/* has_milter_lua - whether dir holds milter.lua */
static int
has_milter_lua(const char *dir)
{
    char p[PATH_MAX + 64];

    snprintf(p, sizeof p, "%s/milter.lua", dir);
    return access(p, R_OK) == 0;
}

/* paths_libdir - the directory holding milter.lua */
const char *
paths_libdir(void)
{
    const char *env = getenv("LUAMILTER_LIBDIR");
    char exe[PATH_MAX - 32];
    ssize_t n;

    if (env != NULL && *env != '\0')
        return env;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        static const char *const up[] = {"", "/..", "/../.."};
        char *slash;
        size_t i;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            /* beside the binary, or above it for build/asan/luamilter */
            for (i = 0; i < sizeof up / sizeof up[0]; i++) {
                snprintf(libdir_buf, sizeof libdir_buf, "%s%s/lua", exe,
                         up[i]);
                if (has_milter_lua(libdir_buf))
                    return libdir_buf;
            }
        }
    }
    return LUAMILTER_LIBDIR;
}

/* paths_relative_to - path resolved against base_file's directory (malloc) */
char *
paths_relative_to(const char *base_file, const char *path)
{
    const char *slash;
    char *out;
    size_t dlen;

    if (path[0] == '/' || base_file == NULL ||
        (slash = strrchr(base_file, '/')) == NULL)
        return strdup(path);
    dlen = (size_t)(slash - base_file);
    out = malloc(dlen + strlen(path) + 2);
    if (out == NULL)
        return NULL;
    memcpy(out, base_file, dlen);
    out[dlen] = '/';
    strcpy(out + dlen + 1, path);
    return out;
}

/* paths_dir_of - the directory part of file (malloc): "." for a bare
 * name, "/" for a name in the root directory; NULL when out of memory */
char *
paths_dir_of(const char *file)
{
    const char *slash = file != NULL ? strrchr(file, '/') : NULL;
    char *out;

    if (slash == NULL)
        return strdup(".");
    if (slash == file)
        return strdup("/");
    out = malloc((size_t)(slash - file) + 1);
    if (out != NULL) {
        memcpy(out, file, (size_t)(slash - file));
        out[slash - file] = '\0';
    }
    return out;
}
