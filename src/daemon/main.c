/*
 * main.c - command line, startup and shutdown of the luamilter daemon.
 *
 * Loads the configuration and the first policy generation, opens the
 * socket with the configured mode, starts the signal thread (SIGHUP
 * reloads, SIGTERM/SIGINT stop) and runs libmilter's accept loop.
 */
#include "callbacks.h"
#include "config.h"
#include "engine.h"
#include "gate.h"
#include "policytest.h"
#include "privs.h"
#include "breaker.h"
#include "conn.h"
#include "decisionlog.h"
#include "listen.h"
#include "log.h"
#include "module.h"
#include "memtotal.h"
#include "metrics.h"
#include "conn_status.h"
#include "milterlib.h"
#include "paths.h"
#include "recordlog.h"
#include "reload.h"
#include "replay.h"
#include "outcome.h"
#include "script.h"
#include "sdnotify.h"
#include "signals.h"
#include "sockspec.h"
#include "verdict.h"
#include "version.h"
#include "watchdog.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <lua.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/luamilter/milter.conf"
#define MMAP_THRESHOLD (256 * 1024)

struct options {
    const char *config;
    const char *script;
    const char *socket;
    int check;
    int print_config;       /* --print-config */
};

static struct config *main_cfg;   /* the running config (referenced) */
static pthread_mutex_t main_cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct options main_opts;
static char *main_script_path;
static int main_from_systemd;       /* the socket came from systemd */
static int main_listen_fd = -1;     /* our own listener, or -1 (fd:N) */

/* usage - print the command line summary */
static void
usage(FILE *out)
{
    fprintf(out,
            "usage: luamilter [-c FILE] [-s SCRIPT] [-p SOCKET] [-t] "
            "[--print-config]\n"
            "       luamilter replay [OPTIONS] MESSAGE...   (see replay -h)\n"
            "       luamilter -h | -V\n"
            "\n"
            "  -c FILE    configuration file (default " DEFAULT_CONFIG
            " if it exists)\n"
            "  -s SCRIPT  policy script, overrides 'script' in the config\n"
            "  -p SOCKET  socket (unix:/path, inet:PORT@HOST, inet6:PORT@HOST,"
            " fd:N),\n"
            "             overrides 'socket' in the config\n"
            "  -t         check the configuration and compile the script, "
            "then exit\n"
            "             (status 0 if both are good, 1 otherwise)\n"
            "  --print-config  print every configuration key with its "
            "effective value\n"
            "  -h         this help\n"
            "  -V         version\n"
            "\n"
            "Runs in the foreground. SIGHUP reloads the script, SIGTERM and "
            "SIGINT stop.\n");
}

/* parse_args - fill options from argv; exits on -h, -V or a bad option */
static void
parse_args(int argc, char **argv, struct options *o)
{
    int ch, i, j;

    memset(o, 0, sizeof *o);
    for (i = j = 1; i < argc; i++) {        /* the one long option */
        if (strcmp(argv[i], "--print-config") == 0)
            o->print_config = 1;
        else
            argv[j++] = argv[i];
    }
    argc = j;
    argv[argc] = NULL;
    while ((ch = getopt(argc, argv, "c:s:p:thV")) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 's': o->script = optarg; break;
        case 'p': o->socket = optarg; break;
        case 't': o->check = 1; break;
        case 'h': usage(stdout); exit(0);
        case 'V': {
            unsigned a, b, c;
            milterlib_version(&a, &b, &c);
            printf("luamilter %s (%s, libmilter %u.%u.%u)\nLua library: %s\n",
                   LUAMILTER_VERSION, LUA_RELEASE, a, b, c, paths_libdir());
            exit(0);
        }
        default: usage(stderr); exit(1);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "luamilter: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        exit(1);
    }
}

/* load_config - config file plus command-line overrides; exits on error */
static struct config *
load_config(const struct options *o)
{
    struct config *cfg = config_new();
    char err[1024];
    const char *file = o->config;

    if (file == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
        file = DEFAULT_CONFIG;
    if (cfg == NULL) {
        fprintf(stderr, "luamilter: out of memory\n");
        exit(1);
    }
    if (file != NULL && config_load(cfg, file, err, sizeof err) < 0) {
        fprintf(stderr, "luamilter: %s\n", err);
        exit(1);
    }
    if (o->socket != NULL && config_set(cfg, "socket", o->socket, err,
                                        sizeof err) < 0) {
        fprintf(stderr, "luamilter: -p: %s\n", err);
        exit(1);
    }
    if (cfg->socket == NULL &&
        config_set(cfg, "socket", CONFIG_DEFAULT_SOCKET, err, sizeof err) < 0)
        exit(1);
    if (o->script != NULL)
        main_script_path = strdup(o->script);
    else if (cfg->script != NULL)
        main_script_path = paths_relative_to(cfg->file, cfg->script);
    if (main_script_path == NULL) {
        fprintf(stderr, "luamilter: no policy script: set 'script' in the "
                "config or use -s\n");
        exit(1);
    }
    return cfg;
}

/* print_line - config_print's writer: one line to stdout */
static int
print_line(const char *line, void *ud)
{
    (void)ud;
    return printf("%s\n", line) < 0 ? -1 : 0;
}

/* print_config - --print-config: every key and its effective value */
static int
print_config(const struct config *cfg)
{
    printf("# luamilter %s: the effective configuration (%s)\n",
           LUAMILTER_VERSION, cfg->file != NULL ? cfg->file
                                                : "no config file");
    if (config_print(cfg, print_line, NULL) < 0 || fflush(stdout) != 0)
        return 1;
    return 0;
}

/* load_script_for - compile and check the script of a configuration */
static struct script *
load_script_for(struct config *cfg, const char *path, char *err,
                size_t errlen)
{
    struct script_options so;

    script_options_init(&so, cfg, path);
    return script_load(&so, err, errlen);
}

/* compile_script - compile the configured script without running it (its
 * check follows the privilege drop) */
static struct script *
compile_script(char *err, size_t errlen)
{
    struct script_options so;

    script_options_init(&so, main_cfg, main_script_path);
    return script_compile(&so, err, errlen);
}

static __thread char *notes_buf;     /* where note_restart_only writes */
static __thread size_t notes_len;

/* reload_notes_into - make note_restart_only write into buf (NULL: off) */
static void
reload_notes_into(char *buf, size_t len)
{
    notes_buf = buf;
    notes_len = len;
    if (buf != NULL && len > 0)
        buf[0] = '\0';
}

/* note_restart_only - remember a changed key that needs a restart */
static void
note_restart_only(const char *key)
{
    size_t used;

    if (notes_buf == NULL)
        return;
    used = strlen(notes_buf);
    snprintf(notes_buf + used, notes_len - used, "%s%s", used > 0 ? " " : "",
             key);
}

/* log_restart_only - warn about each key a reload noted */
static void
log_restart_only(char *notes)
{
    char *key, *save = NULL;

    for (key = strtok_r(notes, " ", &save); key != NULL;
         key = strtok_r(NULL, " ", &save))
        log_warn("reload: '%s' changed in the config; it takes effect at the "
                 "next restart", key);
}

/* running_config - the config in force, referenced: a reload thread
 * reads it while another may commit */
static struct config *
running_config(void)
{
    struct config *cfg;

    pthread_mutex_lock(&main_cfg_lock);
    cfg = main_cfg;
    config_ref(cfg);
    pthread_mutex_unlock(&main_cfg_lock);
    return cfg;
}

/* apply_reloaded_config - make nc (whose restart-only keys already hold
 * the running values) the running config, and apply what it changes */
static void
apply_reloaded_config(struct config *nc)
{
    struct config *old;

    pthread_mutex_lock(&main_cfg_lock);
    old = main_cfg;
    main_cfg = nc;
    pthread_mutex_unlock(&main_cfg_lock);
    if (main_cfg->log_level != old->log_level)
        log_setup(main_cfg->log_syslog, main_cfg->log_level);
    memtotal_set_limit(main_cfg->memory_total);
    gate_set_limits(main_cfg->max_connections, main_cfg->negotiate_timeout);
    breaker_setup(main_cfg->breaker_errors, main_cfg->breaker_window,
                  main_cfg->breaker_mode);
    decisionlog_reload(main_cfg);
    config_unref(old);
}

/* a reload's outcome before it is committed: the new configuration (when
 * there is a config file) and the new generation */
struct reload_candidate {
    struct config *cfg;         /* NULL without a config file */
    char *path;                 /* the script's path under cfg */
    char notes[1024];           /* restart-only keys it changes */
    struct script *s;
};

/* discard_reload - free a candidate that is not (or no more) needed */
static void
discard_reload(void *p)
{
    struct reload_candidate *rc = p;

    if (rc == NULL)
        return;
    script_unref(rc->s);
    free(rc->path);
    config_unref(rc->cfg);
    free(rc);
}

/* prepare_reload - on the reload thread: re-read the config and the
 * script, check both; a candidate, or NULL and the line to log.  Works on
 * a reference to the config in force, which a commit meanwhile does not
 * free. */
static void *
prepare_reload(char *err, size_t errlen)
{
    struct reload_candidate *rc;
    struct config *cur;
    char why[8192];

    sdnotify_reloading();
    rc = calloc(1, sizeof *rc);
    cur = running_config();

    if (rc == NULL) {
        snprintf(err, errlen, "reload failed: out of memory");
        config_unref(cur);
        return NULL;
    }
    if (cur->file == NULL) {
        rc->s = load_script_for(cur, main_script_path, why, sizeof why);
        if (rc->s == NULL) {
            snprintf(err, errlen, "reload failed, still serving the previous "
                     "script: %s", why);
            goto fail;
        }
        config_unref(cur);
        return rc;
    }
    rc->cfg = config_new();
    if (rc->cfg == NULL) {
        snprintf(why, sizeof why, "out of memory");
        goto failed;
    }
    if (config_load(rc->cfg, cur->file, why, sizeof why) < 0)
        goto failed;
    if (main_opts.socket != NULL)
        config_set(rc->cfg, "socket", main_opts.socket, why, sizeof why);
    else if (rc->cfg->socket == NULL)
        config_set(rc->cfg, "socket", CONFIG_DEFAULT_SOCKET, why, sizeof why);
    reload_notes_into(rc->notes, sizeof rc->notes);
    config_keep_restart_only(rc->cfg, cur, note_restart_only);
    reload_notes_into(NULL, 0);
    rc->path = main_opts.script != NULL ? strdup(main_opts.script)
               : rc->cfg->script != NULL ? paths_relative_to(cur->file,
                                                             rc->cfg->script)
                                         : NULL;
    if (rc->path == NULL) {
        snprintf(err, errlen, "reload failed: no 'script' in %s; still "
                 "serving the previous script", cur->file);
        goto fail;
    }
    rc->s = load_script_for(rc->cfg, rc->path, why, sizeof why);
    if (rc->s == NULL)
        goto failed;
    config_unref(cur);
    return rc;
failed:
    snprintf(err, errlen, "reload failed, still serving the previous "
             "configuration and script: %s", why);
fail:
    config_unref(cur);
    discard_reload(rc);
    return NULL;
}

/* commit_reload - with the reload lock held: take the candidate's config
 * and publish its generation */
static void
commit_reload(void *p)
{
    struct reload_candidate *rc = p;
    struct script *s = rc->s;
    char err[1024];

    if (rc->cfg != NULL) {
        log_restart_only(rc->notes);
        if (modules_reload(main_cfg, rc->cfg, err, sizeof err) < 0)
            log_warn("reload: %s", err);
        apply_reloaded_config(rc->cfg);
        rc->cfg = NULL;
        free(main_script_path);
        main_script_path = rc->path;
        rc->path = NULL;
    }
    script_ref(s);                  /* for the log line below */
    script_publish(s);
    metrics_count_reload(1, NULL);
    metrics_set_script(s->hash, s->serial);
    rc->s = NULL;
    breaker_reset();
    log_notice("reloaded: script %s version %s (generation %lu)%s", s->path,
               s->hash, s->serial,
               s->tests_run > 0 ? ", its tests passed" : "");
    script_unref(s);
    discard_reload(rc);
}

/* reload_timeout_now - reload_timeout of the configuration in force */
static double
reload_timeout_now(void)
{
    return main_cfg->reload_timeout;
}

/* remove_socket - unlink our unix socket (if any), saying why it stays
 * when it cannot be removed */
static void
remove_socket(void)
{
    const char *path = sockspec_unix_path(main_cfg->socket);

    if (main_from_systemd)
        return;                 /* systemd's, kept for the next start */
    if (path != NULL && unlink(path) < 0 && errno != ENOENT)
        log_warn("socket %s: cannot remove it: %s (its directory must be "
                 "writable by the user luamilter runs as; a stale socket is "
                 "replaced at the next start)", path, strerror(errno));
}

/* service_status - systemd's STATUS= line: the script in force, open
 * connections and messages so far */
static void
service_status(char *buf, size_t len)
{
    struct script *s = script_current();

    snprintf(buf, len, "script %s version %s, %ld connection%s open, %lu "
             "message%s", s != NULL ? s->path : "(none)",
             s != NULL ? s->hash : "-", gate_count(),
             gate_count() == 1 ? "" : "s", outcome_messages(),
             outcome_messages() == 1 ? "" : "s");
    script_unref(s);
}

/* on_stop - SIGTERM/SIGINT: abandon a reload, stop taking connections,
 * drain, exit */
static void
on_stop(int sig)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    long waited_ms = 0, left;
    int reloading;

    /* first: after this no reload commits, so main_cfg stays as it is */
    metrics_set_draining();
    reloading = reload_stop(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    sdnotify_stopping();
    remove_socket();
    if (main_listen_fd >= 0)
        listen_stop(main_listen_fd);
    while ((left = gate_count()) > 0 &&
           waited_ms < 1000L * main_cfg->shutdown_grace) {
        if (waited_ms % 5000 == 0)
            log_notice("waiting for %ld open connection%s to finish", left,
                       left == 1 ? "" : "s");
        nanosleep(&tick, NULL);
        waited_ms += 10;
    }
    if (left > 0)
        log_warn("stopping with %ld connection%s still open", left,
                 left == 1 ? "" : "s");
    if (main_cfg->pidfile != NULL)
        unlink(main_cfg->pidfile);
    if (left == 0)
        modules_stop();     /* no callback can be using them any more */
    log_notice("stopped");
    recordlog_flush(2);
    log_flush();
    if (left > 0 || reloading > 0)
        _exit(0);       /* workers may still be in callbacks, a reload
                         * thread in the script: no atexit */
    exit(0);
}

/* write_pidfile - record our pid; -1 on failure */
static int
write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        log_err("pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0) {
        log_err("pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* dir_part - the directory part of path into dir ("." or "/" for a name
 * in the current or the root directory) */
static void
dir_part(const char *path, char *dir, size_t len)
{
    char *slash;

    snprintf(dir, len, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, len, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

/* dir_exists - whether the directory part of path exists */
static int
dir_exists(const char *path)
{
    char dir[4096];
    struct stat st;

    dir_part(path, dir, sizeof dir);
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* note_privileges - log who we run as after the drop, and whether the
 * socket can be removed at exit */
static void
note_privileges(void)
{
    const char *path = sockspec_unix_path(main_cfg->socket);
    struct passwd *pw = getpwuid(geteuid());
    struct group *gr = getgrgid(getegid());
    char dir[4096];

    if (geteuid() == 0) {
        log_notice("running as root (privileges not dropped)");
        return;
    }
    if (main_cfg->user != NULL || main_cfg->group != NULL)
        log_notice("running as user %s, group %s",
                   pw != NULL ? pw->pw_name : "?",
                   gr != NULL ? gr->gr_name : "?");
    if (path == NULL)
        return;
    dir_part(path, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) < 0)
        log_warn("socket %s: its directory %s is not writable by user %s, "
                 "so the socket cannot be removed at exit (give the "
                 "directory to that user; a stale socket is replaced at the "
                 "next start)", main_cfg->socket, dir,
                 pw != NULL ? pw->pw_name : "?");
}

/* check_startup - for -t: what would stop the daemon from starting */
static int
check_startup(const struct config *cfg)
{
    const char *where = cfg->file != NULL ? cfg->file : "luamilter";
    const char *path = sockspec_unix_path(cfg->socket);
    char err[512];
    int rc = 0;

    /* warnings only: a service manager may create these directories
     * (systemd's RuntimeDirectory) between the check and the start */
    if (path != NULL && !dir_exists(path))
        fprintf(stderr, "%s: warning: socket %s: its directory does not "
                "exist (yet)\n", where, cfg->socket);
    if (cfg->pidfile != NULL && !dir_exists(cfg->pidfile))
        fprintf(stderr, "%s: warning: pidfile %s: its directory does not "
                "exist (yet)\n", where, cfg->pidfile);
    /* with a config file, -t fails where the start would (a service's
     * check before the start); a policy checked alone (-s, no config
     * file) may well be checked as root: a warning then */
    if (privs_refuse_root(geteuid(), cfg->user, cfg->allow_root, err,
                          sizeof err) < 0) {
        if (cfg->file != NULL) {
            log_err("%s", err);
            rc = -1;
        } else {
            fprintf(stderr, "%s: warning: the daemon will stop: %s\n",
                    where, err);
        }
    }
    if (cfg->log_syslog && log_syslog_check(err, sizeof err) < 0)
        fprintf(stderr, "%s: warning: %s\n", where, err);
    if (cfg->user != NULL && getpwnam(cfg->user) == NULL) {
        fprintf(stderr, "%s: user: no such user '%s'\n", where, cfg->user);
        rc = -1;
    }
    if (cfg->group != NULL && getgrnam(cfg->group) == NULL) {
        fprintf(stderr, "%s: group: no such group '%s'\n", where,
                cfg->group);
        rc = -1;
    }
    if (cfg->socket_group != NULL && getgrnam(cfg->socket_group) == NULL) {
        fprintf(stderr, "%s: socket_group: no such group '%s'\n", where,
                cfg->socket_group);
        rc = -1;
    }
    return rc;
}

/* check_main - luamilter -t: check the config, then compile the script and
 * run its tests as the user the daemon serves as (root drops to 'user'
 * first, as the daemon does); the exit status */
static int
check_main(void)
{
    const char *where = main_cfg->file != NULL ? main_cfg->file : "luamilter";
    struct script *s;
    char err[8192];

    s = compile_script(err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (check_startup(main_cfg) < 0) {
        script_unref(s);
        return 1;
    }
    if (geteuid() == 0 &&
        privs_drop(main_cfg->user, main_cfg->group, err, sizeof err) < 0) {
        fprintf(stderr, "%s: cannot drop privileges to run the policy as "
                "the daemon would: %s\n", where, err);
        script_unref(s);
        return 1;
    }
    if (script_check(s, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        script_unref(s);
        return 1;
    }
    printf("%s: OK\n%s: OK (version %s)\n",
           main_cfg->file != NULL ? main_cfg->file : "(no config file)",
           s->path, s->hash);
    if (s->tests_run > 0)
        printf("%s%s: %d policy tests passed\n", s->test_report, s->path,
               s->tests_run);
    script_unref(s);
    return 0;
}

/* socket_group_of - the group a unix socket is given to, and the config
 * key that names it: socket_group, else group (NULL: none) */
static const char *
socket_group_of(const struct config *cfg, const char **key)
{
    *key = cfg->socket_group != NULL ? "socket_group" : "group";
    return cfg->socket_group != NULL ? cfg->socket_group : cfg->group;
}

/* describe_owner - "user U, group G (key)" (either part may be absent)
 * into out, for messages */
static void
describe_owner(const char *user, const char *group, const char *key,
               char *out, size_t len)
{
    int n = 0;

    out[0] = '\0';
    if (user != NULL)
        n = snprintf(out, len, "user %s", user);
    if (group != NULL && n >= 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, "%sgroup %s (%s)",
                 n > 0 ? ", " : "", group, key);
}

/* open_unix - our unix socket, given to its user and group, into
 * main_listen_fd; -1 once the reason is logged */
static int
open_unix(const struct config *cfg, const char *path)
{
    const char *group, *key;
    char err[1024], who[512];
    uid_t uid;
    gid_t gid;

    group = socket_group_of(cfg, &key);
    if (privs_socket_owner(cfg->user, group, key, &uid, &gid, err,
                           sizeof err) < 0) {
        log_err("socket %s: %s", cfg->socket, err);
        return -1;
    }
    describe_owner(cfg->user, group, key, who, sizeof who);
    main_listen_fd = listen_unix(path, cfg->socket_mode, uid, gid, who,
                                 cfg->backlog, err, sizeof err);
    if (main_listen_fd < 0) {
        log_err("socket %s: %s", cfg->socket, err);
        return -1;
    }
    log_info("socket %s: mode %04o%s%s", cfg->socket, cfg->socket_mode,
             who[0] != '\0' ? ", " : "", who);
    return 0;
}

/* open_own_socket - open the configured unix or inet socket ourselves
 * into main_listen_fd; its fd:N spec for libmilter in spec */
static int
open_own_socket(const struct config *cfg, char *spec, size_t speclen)
{
    const char *path = sockspec_unix_path(cfg->socket);
    char err[1024];

    if (path != NULL) {
        if (open_unix(cfg, path) < 0)
            return -1;
    } else {
        main_listen_fd = listen_inet(cfg->socket, cfg->backlog, err,
                                     sizeof err);
        if (main_listen_fd < 0) {
            log_err("%s", err);         /* it names the socket */
            return -1;
        }
    }
    snprintf(spec, speclen, "fd:%d", main_listen_fd);
    return 0;
}

/* open_systemd_socket - the socket systemd passed (socket activation),
 * into main_listen_fd; its fd:N spec for libmilter in spec */
static int
open_systemd_socket(const struct config *cfg, char *spec, size_t speclen)
{
    char err[512], what[128];

    if (!sdnotify_activated()) {
        log_err("socket systemd: no socket was passed (start luamilter "
                "through luamilter.socket, or set 'socket' to a path or "
                "port)");
        return -1;
    }
    main_listen_fd = sdnotify_listen_fd(what, sizeof what, err, sizeof err);
    if (main_listen_fd < 0) {
        log_err("%s", err);
        return -1;
    }
    main_from_systemd = 1;
    if (strcmp(cfg->socket, "systemd") != 0)
        log_notice("socket %s: systemd passed a socket: serving that one "
                   "(%s)", cfg->socket, what);
    else
        log_info("socket systemd: %s", what);
    snprintf(spec, speclen, "fd:%d", main_listen_fd);
    return 0;
}

/* open_socket - configure libmilter and open the listening socket */
static int
open_socket(const struct config *cfg)
{
    struct smfiDesc desc;
    char spec[32];

    callbacks_fill(&desc);
    if (milterlib_register(&desc) != MI_SUCCESS) {
        log_err("smfi_register failed");
        return -1;
    }
    if (sdnotify_activated() || strcmp(cfg->socket, "systemd") == 0) {
        if (open_systemd_socket(cfg, spec, sizeof spec) < 0)
            return -1;
    } else if (strncmp(cfg->socket, "fd:", 3) == 0) {
        snprintf(spec, sizeof spec, "%s", cfg->socket);
    } else if (open_own_socket(cfg, spec, sizeof spec) < 0) {
        return -1;
    }
    if (milterlib_setconn(spec) != MI_SUCCESS) {
        log_err("socket %s: libmilter refused %s", cfg->socket, spec);
        return -1;
    }
    if (milterlib_settimeout(cfg->timeout) != MI_SUCCESS ||
        (cfg->backlog > 0 && milterlib_setbacklog(cfg->backlog) != MI_SUCCESS)) {
        log_err("cannot set timeout or backlog");
        return -1;
    }
    if (milterlib_opensocket(1) != MI_SUCCESS) {
        log_err("socket %s: libmilter cannot listen on it (it logs the "
                "cause to syslog)", cfg->socket);
        return -1;
    }
    return 0;
}

/* main - run the daemon, or check the configuration with -t */
int
main(int argc, char **argv)
{
    struct options o;
    struct signal_handlers sh = {reload_request, on_stop, reload_tick,
                                 decisionlog_reopen};
    struct reload_ops ro = {prepare_reload, commit_reload, discard_reload,
                            reload_timeout_now, sdnotify_ready};
    struct script *s;
    char err[8192];
    long nofile, nofile_was;
    int rc;

    /* blocks of 256 KiB and more are mapped and unmapped one by one: a
     * state that built big strings and freed them (a tests table, a whole
     * message) gives the memory back, instead of glibc raising its
     * threshold and keeping them in each worker thread's arena */
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    engine_set_tester(policytest_run);      /* scripts' own tests, -t/HUP */
    if (modules_init(err, sizeof err) < 0) {
        fprintf(stderr, "luamilter: %s\n", err);
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "replay") == 0)
        return replay_main(argc - 1, argv + 1);
    parse_args(argc, argv, &o);
    main_opts = o;
    main_cfg = load_config(&o);
    if (o.print_config)
        return print_config(main_cfg);
    log_setup(o.check ? 0 : main_cfg->log_syslog, main_cfg->log_level);
    if (!o.check && main_cfg->log_syslog &&
        log_syslog_check(err, sizeof err) < 0)
        fprintf(stderr, "luamilter: warning: %s\n", err);
    if (watchdog_start() < 0)
        log_warn("cannot start the watchdog thread; a script stuck in a "
                 "library call will not be logged");
    if (o.check)
        return check_main();
    s = compile_script(err, sizeof err);
    if (s == NULL) {
        log_err("cannot load the policy: %s", err);
        return 1;
    }
    if (privs_refuse_root(geteuid(), main_cfg->user, main_cfg->allow_root,
                          err, sizeof err) < 0) {
        log_err("%s", err);
        script_unref(s);
        return 1;
    }
    signals_block();
    if (modules_start(main_cfg, err, sizeof err) < 0) {
        log_err("cannot start: %s", err);
        script_unref(s);
        return 1;
    }
    if (decisionlog_start(main_cfg, err, sizeof err) < 0) {
        log_err("cannot start: %s", err);
        script_unref(s);
        return 1;
    }
    breaker_setup(main_cfg->breaker_errors, main_cfg->breaker_window,
                  main_cfg->breaker_mode);
    nofile = privs_raise_nofile(&nofile_was);
    if (gate_init(nofile) < 0)
        return 1;
    gate_set_limits(main_cfg->max_connections, main_cfg->negotiate_timeout);
    callbacks_on_negotiate(gate_negotiated);
    memtotal_set_limit(main_cfg->memory_total);
    if (open_socket(main_cfg) < 0)
        return 1;
    if (privs_drop(main_cfg->user, main_cfg->group, err, sizeof err) < 0) {
        log_err("cannot drop privileges: %s", err);
        remove_socket();
        return 1;
    }
    note_privileges();
    /* the policy runs (its top level, its own tests) only now, as the
     * user it serves as: it reads at start what it could read live */
    if (script_check(s, err, sizeof err) < 0) {
        log_err("cannot load the policy: %s", err);
        script_unref(s);
        remove_socket();
        return 1;
    }
    script_publish(s);
    metrics_set_script(s->hash, s->serial);
    conn_status_install();
    {
        char reply[REPLY_MAX_LINE + 32];
        verdict_on_error_reply(main_cfg->on_error, &main_cfg->on_error_reply,
                               reply, sizeof reply);
        log_notice("luamilter %s starting: script %s version %s, socket %s, "
                   "on_error %s%s%s", LUAMILTER_VERSION, s->path, s->hash,
                   main_cfg->socket, config_on_error_name(main_cfg->on_error),
                   reply[0] ? " replying " : "", reply);
    }
    if (nofile > 0 && nofile != nofile_was)
        log_info("file descriptor limit: %ld (raised from %ld)", nofile,
                 nofile_was);
    else if (nofile > 0)
        log_info("file descriptor limit: %ld (the hard limit)", nofile);
    if (main_cfg->pidfile != NULL && write_pidfile(main_cfg->pidfile) < 0) {
        remove_socket();
        return 1;
    }
    reload_setup(&ro);
    if (signals_start(&sh) < 0) {
        remove_socket();
        if (main_cfg->pidfile != NULL)
            unlink(main_cfg->pidfile);
        return 1;
    }
    if (gate_start() < 0)
        log_warn("cannot start the thread that drops connections silent "
                 "past negotiate_timeout; they are held for 'timeout'");
    sdnotify_start(service_status);
    sdnotify_ready();           /* the socket listens, the script serves */
    rc = milterlib_main();
    recordlog_flush(2);
    modules_stop();
    remove_socket();
    if (main_cfg->pidfile != NULL)
        unlink(main_cfg->pidfile);
    log_notice("stopped");
    return rc == MI_SUCCESS ? 0 : 1;
}
