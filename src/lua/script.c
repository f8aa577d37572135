/*
 * script.c - policy generations: compile, check, share, publish (script.h).
 */
#include "script.h"
#include "config.h"
#include "engine.h"
#include "paths.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t script_lock = PTHREAD_MUTEX_INITIALIZER;
static struct script *script_now;
static struct script *script_prev;     /* the one before, for last_good */
static unsigned long script_serial;

struct dump_buf {
    unsigned char *p;
    size_t len, cap;
};

/* dump_writer - lua_Writer collecting bytecode in a growing buffer */
static int
dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    struct dump_buf *b = ud;

    (void)L;
    if (b->cap - b->len < sz) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *bigger;
        while (cap - b->len < sz)
            cap *= 2;
        bigger = realloc(b->p, cap);
        if (bigger == NULL)
            return 1;
        b->p = bigger;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, sz);
    b->len += sz;
    return 0;
}

/* compile_chunk - compile a source file to bytecode, keeping line info */
static int
compile_chunk(const char *path, struct script_chunk *out, char *hash,
              int strip, char *err, size_t errlen)
{
    lua_State *L;
    size_t len = 0;
    char *src = fileio_read_regular(path, 64u << 20, &len, err, errlen);
    struct dump_buf b = {NULL, 0, 0};
    int rc = -1;

    if (src == NULL)
        return -1;
    if (hash != NULL) {
        uint64_t h = 1469598103934665603ULL;
        size_t i;
        for (i = 0; i < len; i++) {
            h ^= (unsigned char)src[i];
            h *= 1099511628211ULL;
        }
        snprintf(hash, 13, "%012llx",
                 (unsigned long long)(h & 0xffffffffffffULL));
    }
    L = luaL_newstate();
    if (L == NULL) {
        snprintf(err, errlen, "%s: cannot create a Lua state", path);
        free(src);
        return -1;
    }
    out->name = malloc(strlen(path) + 2);
    if (out->name == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    out->name[0] = '@';
    strcpy(out->name + 1, path);
    if (luaL_loadbufferx(L, src, len, out->name, "t") != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        goto done;
    }
    if (lua_dump(L, dump_writer, &b, strip) != 0) {
        snprintf(err, errlen, "%s: cannot dump bytecode (out of memory)", path);
        goto done;
    }
    out->code = b.p;
    out->len = b.len;
    b.p = NULL;
    rc = 0;
done:
    free(b.p);
    free(src);
    lua_close(L);
    return rc;
}

/* compile_modules - the library's own modules (libdir/milter/NAME.lua) into
 * s->mods; one that does not compile is left out (require then reports
 * its error as Lua's searcher finds it); -1 only when out of memory */
static int
compile_modules(struct script *s, const char *libdir, char *err,
                size_t errlen)
{
    char dir[4096], path[4096], why[512];
    struct script_module *more;
    struct dirent *e;
    DIR *d;
    size_t n;

    snprintf(dir, sizeof dir, "%s/milter", libdir);
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".lua") != 0 ||
            e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        more = realloc(s->mods, (s->nmods + 1) * sizeof *more);
        if (more == NULL)
            goto oom;
        s->mods = more;
        memset(&s->mods[s->nmods], 0, sizeof s->mods[0]);
        s->mods[s->nmods].path = strdup(path);
        if (s->mods[s->nmods].path == NULL)
            goto oom;
        if (compile_chunk(path, &s->mods[s->nmods].chunk, NULL, 0, why,
                          sizeof why) < 0) {
            free(s->mods[s->nmods].path);
            free(s->mods[s->nmods].chunk.name);
            continue;
        }
        s->nmods++;
    }
    closedir(d);
    return 0;
oom:
    closedir(d);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* free_script - release a generation and everything it owns */
static void
free_script(struct script *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nmods; i++) {
        free(s->mods[i].path);
        free(s->mods[i].chunk.name);
        free(s->mods[i].chunk.code);
    }
    free(s->mods);
    free(s->path);
    free(s->policy.name);
    free(s->policy.code);
    free(s->lib.name);
    free(s->lib.code);
    free(s->package_path);
    free(s->test_report);
    modules_gen_free(s);
    config_unref(s->cfg);
    free(s);
}

/* make_package_path - admin's lua_path, then ours, then (if granted)
 * Lua's system defaults */
static char *
make_package_path(const char *lua_path, const char *libdir, unsigned allow)
{
    const char *tail = (allow & CONFIG_ALLOW_SYSPATH) ? LUA_PATH_DEFAULT : "";
    size_t n = (lua_path ? strlen(lua_path) : 0) + 2 * strlen(libdir) +
               strlen(tail) + 64;
    char *p = malloc(n);

    if (p == NULL)
        return NULL;
    snprintf(p, n, "%s%s%s/?.lua;%s/?/init.lua%s%s",
             lua_path ? lua_path : "",
             lua_path && *lua_path && lua_path[strlen(lua_path) - 1] != ';'
                 ? ";" : "",
             libdir, libdir, *tail ? ";" : "", tail);
    return p;
}

/* script_compile - compile a policy and the library without running
 * either; a new generation to check with script_check, or NULL */
struct script *
script_compile(const struct script_options *opt, char *err, size_t errlen)
{
    struct script *s = calloc(1, sizeof *s);
    char libpath[4096];
    int i;

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->refs = 1;
    s->cfg = opt->cfg;
    config_ref(s->cfg);
    s->path = strdup(opt->path);
    for (i = 0; i <= MODULE_REPLAY_LIVE_IO; i++) {
        s->env[i].cfg = s->cfg;
        s->env[i].script = s;
        s->env[i].mode = (enum module_mode)i;
    }
    s->package_path = make_package_path(opt->cfg->lua_path, opt->libdir,
                                        opt->cfg->lua_allow);
    if (s->path == NULL || s->package_path == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(libpath, sizeof libpath, "%s/milter.lua", opt->libdir);
    /* the library without debug info: smaller states; the policy keeps
     * its line numbers for error messages */
    if (compile_chunk(libpath, &s->lib, NULL, 1, err, errlen) < 0)
        goto fail;
    if (compile_chunk(opt->path, &s->policy, s->hash, 0, err, errlen) < 0)
        goto fail;
    if (compile_modules(s, opt->libdir, err, errlen) < 0)
        goto fail;
    if (modules_gen_open(s, err, errlen) < 0)
        goto fail;
    return s;
fail:
    free_script(s);
    return NULL;
}

/* script_check - run a compiled generation in a throwaway state and run
 * its own tests; 0, or -1 and why */
int
script_check(struct script *s, char *err, size_t errlen)
{
    return engine_check(s, err, errlen);
}

/* script_load - compile and check a policy; a new generation or NULL */
struct script *
script_load(const struct script_options *opt, char *err, size_t errlen)
{
    struct script *s = script_compile(opt, err, errlen);

    if (s != NULL && script_check(s, err, errlen) < 0) {
        free_script(s);
        return NULL;
    }
    return s;
}

/* script_options_init - the options a configuration gives a script path */
void
script_options_init(struct script_options *so, struct config *cfg,
                    const char *path)
{
    so->path = path;
    so->libdir = paths_libdir();
    so->cfg = cfg;
}

/* script_ref - take a reference */
void
script_ref(struct script *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

/* script_unref - drop a reference; the last one frees the generation */
void
script_unref(struct script *s)
{
    if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free_script(s);
}

/* script_current - the generation new connections use, referenced */
struct script *
script_current(void)
{
    struct script *s;

    pthread_mutex_lock(&script_lock);
    s = script_now;
    if (s != NULL)
        script_ref(s);
    pthread_mutex_unlock(&script_lock);
    return s;
}

/* script_publish - make s current (takes over the caller's reference) */
void
script_publish(struct script *s)
{
    struct script *old;

    pthread_mutex_lock(&script_lock);
    s->serial = ++script_serial;
    old = script_prev;
    script_prev = script_now;
    script_now = s;
    pthread_mutex_unlock(&script_lock);
    script_unref(old);
}

/* script_restore_previous - make the previous generation current again;
 * 0 if there is none */
int
script_restore_previous(void)
{
    struct script *bad;

    pthread_mutex_lock(&script_lock);
    if (script_prev == NULL) {
        pthread_mutex_unlock(&script_lock);
        return 0;
    }
    bad = script_now;
    script_now = script_prev;
    script_prev = NULL;
    pthread_mutex_unlock(&script_lock);
    script_unref(bad);
    return 1;
}
