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
#include "policytest.h"
#include "privs.h"
#include "breaker.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "mta.h"
#include "paths.h"
#include "replay.h"
#include "script.h"
#include "signals.h"
#include "sockspec.h"
#include "verdict.h"
#include "version.h"
#include "watchdog.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <lua.h>
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
};

static struct config main_cfg;
static struct options main_opts;
static char *main_script_path;
static int main_listen_fd = -1;     /* our own inet listener, or -1 */

/* usage - print the command line summary */
static void
usage(FILE *out)
{
    fprintf(out,
            "usage: luamilter [-c FILE] [-s SCRIPT] [-p SOCKET] [-t]\n"
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
    int ch;

    memset(o, 0, sizeof *o);
    while ((ch = getopt(argc, argv, "c:s:p:thV")) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 's': o->script = optarg; break;
        case 'p': o->socket = optarg; break;
        case 't': o->check = 1; break;
        case 'h': usage(stdout); exit(0);
        case 'V': {
            unsigned a, b, c;
            mta_version(&a, &b, &c);
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
static void
load_config(const struct options *o, struct config *cfg)
{
    char err[1024];
    const char *file = o->config;

    config_init(cfg);
    if (file == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
        file = DEFAULT_CONFIG;
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
}

/* load_script - compile and check the script of a configuration */
static struct script *
load_script_for(const struct config *cfg, const char *path, char *err,
                size_t errlen)
{
    struct script_options so;

    script_options_init(&so, cfg, path);
    return script_load(&so, err, errlen);
}

/* load_script - compile and check the configured script */
static struct script *
load_script(char *err, size_t errlen)
{
    return load_script_for(&main_cfg, main_script_path, err, errlen);
}

/* note_restart_only - warn about a changed key that needs a restart */
static void
note_restart_only(const char *key, int changed)
{
    if (changed)
        log_warn("reload: '%s' changed in the config; it takes effect at the "
                 "next restart", key);
}

/* str_differs - whether two optional strings differ */
static int
str_differs(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a != b;
    return strcmp(a, b) != 0;
}

/* apply_reloaded_config - take the reloadable keys of nc into main_cfg */
static void
apply_reloaded_config(struct config *nc)
{
    char *tmp;

    note_restart_only("socket", str_differs(nc->socket, main_cfg.socket));
    note_restart_only("socket_mode", nc->socket_mode != main_cfg.socket_mode);
    note_restart_only("timeout", nc->timeout != main_cfg.timeout);
    note_restart_only("backlog", nc->backlog != main_cfg.backlog);
    note_restart_only("log", nc->log_syslog != main_cfg.log_syslog);
    note_restart_only("pidfile", str_differs(nc->pidfile, main_cfg.pidfile));
    note_restart_only("user", str_differs(nc->user, main_cfg.user));
    note_restart_only("group", str_differs(nc->group, main_cfg.group));
    tmp = main_cfg.lua_path;
    main_cfg.lua_path = nc->lua_path;
    nc->lua_path = tmp;
    tmp = main_cfg.script;
    main_cfg.script = nc->script;
    nc->script = tmp;
    main_cfg.on_error = nc->on_error;
    main_cfg.on_error_reply = nc->on_error_reply;
    main_cfg.callback_timeout = nc->callback_timeout;
    main_cfg.memory_limit = nc->memory_limit;
    main_cfg.lua_allow = nc->lua_allow;
    main_cfg.shutdown_grace = nc->shutdown_grace;
    main_cfg.allow_root = nc->allow_root;
    if (nc->log_level != main_cfg.log_level) {
        main_cfg.log_level = nc->log_level;
        log_setup(main_cfg.log_syslog, main_cfg.log_level);
    }
    if (nc->max_connections != main_cfg.max_connections) {
        main_cfg.max_connections = nc->max_connections;
        conn_set_max(nc->max_connections);
    }
    main_cfg.breaker_errors = nc->breaker_errors;
    main_cfg.breaker_window = nc->breaker_window;
    main_cfg.breaker_mode = nc->breaker_mode;
    breaker_setup(nc->breaker_errors, nc->breaker_window, nc->breaker_mode);
}

/* on_reload - SIGHUP: re-read the config and the script; publish a new
 * generation, or keep everything as it was */
static void
on_reload(void)
{
    char err[8192];
    struct config nc;
    char *path = NULL;
    struct script *s;

    config_init(&nc);
    if (main_cfg.file != NULL &&
        config_load(&nc, main_cfg.file, err, sizeof err) < 0) {
        log_err("reload failed, still serving the previous configuration "
                "and script: %s", err);
        config_free(&nc);
        return;
    }
    if (main_cfg.file == NULL) {
        config_free(&nc);
        s = load_script(err, sizeof err);
        if (s == NULL) {
            log_err("reload failed, still serving the previous script: %s",
                    err);
            return;
        }
    } else {
        if (main_opts.socket != NULL)
            config_set(&nc, "socket", main_opts.socket, err, sizeof err);
        else if (nc.socket == NULL)
            config_set(&nc, "socket", CONFIG_DEFAULT_SOCKET, err, sizeof err);
        path = main_opts.script != NULL ? strdup(main_opts.script)
               : nc.script != NULL ? paths_relative_to(main_cfg.file,
                                                       nc.script)
                                   : NULL;
        if (path == NULL) {
            log_err("reload failed: no 'script' in %s; still serving the "
                    "previous script", main_cfg.file);
            config_free(&nc);
            return;
        }
        s = load_script_for(&nc, path, err, sizeof err);
        if (s == NULL) {
            log_err("reload failed, still serving the previous configuration "
                    "and script: %s", err);
            free(path);
            config_free(&nc);
            return;
        }
        apply_reloaded_config(&nc);
        free(main_script_path);
        main_script_path = path;
        config_free(&nc);
    }
    script_publish(s);
    breaker_reset();
    log_notice("reloaded: script %s version %s (generation %lu)%s", s->path,
               s->hash, s->serial,
               s->tests_run > 0 ? ", its tests passed" : "");
}

/* remove_socket - unlink our unix socket (if any), saying why it stays
 * when it cannot be removed */
static void
remove_socket(void)
{
    const char *path = sockspec_unix_path(main_cfg.socket);

    if (path != NULL && unlink(path) < 0 && errno != ENOENT)
        log_warn("socket %s: cannot remove it: %s (its directory must be "
                 "writable by the user luamilter runs as; a stale socket is "
                 "replaced at the next start)", path, strerror(errno));
}

/* on_stop - SIGTERM/SIGINT: stop taking connections, drain, exit */
static void
on_stop(int sig)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    long waited_ms = 0, left;

    (void)sig;
    remove_socket();
    if (main_listen_fd >= 0)
        listen_stop(main_listen_fd);
    while ((left = conn_count()) > 0 &&
           waited_ms < 1000L * main_cfg.shutdown_grace) {
        if (waited_ms % 5000 == 0)
            log_notice("waiting for %ld open connection%s to finish", left,
                       left == 1 ? "" : "s");
        nanosleep(&tick, NULL);
        waited_ms += 10;
    }
    if (left > 0)
        log_warn("stopping with %ld connection%s still open", left,
                 left == 1 ? "" : "s");
    if (main_cfg.pidfile != NULL)
        unlink(main_cfg.pidfile);
    log_notice("stopped");
    log_flush();
    if (left > 0)
        _exit(0);       /* workers may still be in callbacks: no atexit */
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
    const char *path = sockspec_unix_path(main_cfg.socket);
    struct passwd *pw = getpwuid(geteuid());
    struct group *gr = getgrgid(getegid());
    char dir[4096];

    if (geteuid() == 0) {
        log_notice("running as root (privileges not dropped)");
        return;
    }
    if (main_cfg.user != NULL || main_cfg.group != NULL)
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
                 "next start)", main_cfg.socket, dir,
                 pw != NULL ? pw->pw_name : "?");
}

/* check_startup - for -t: what would stop the daemon from starting */
static int
check_startup(const struct config *cfg)
{
    const char *where = cfg->file != NULL ? cfg->file : "luamilter";
    const char *path = sockspec_unix_path(cfg->socket);
    char err[256];
    int rc = 0;

    /* warnings only: a service manager may create these directories
     * (systemd's RuntimeDirectory) between the check and the start */
    if (path != NULL && !dir_exists(path))
        fprintf(stderr, "%s: warning: socket %s: its directory does not "
                "exist (yet)\n", where, cfg->socket);
    if (cfg->pidfile != NULL && !dir_exists(cfg->pidfile))
        fprintf(stderr, "%s: warning: pidfile %s: its directory does not "
                "exist (yet)\n", where, cfg->pidfile);
    /* a warning here: tests of a policy (-t) may well be run as root */
    if (privs_refuse_root(geteuid(), cfg->user, cfg->allow_root, err,
                          sizeof err) < 0)
        fprintf(stderr, "%s: warning: the daemon will stop: %s\n", where,
                err);
    if (cfg->user != NULL && getpwnam(cfg->user) == NULL) {
        fprintf(stderr, "%s: user: no such user '%s'\n", where, cfg->user);
        rc = -1;
    }
    if (cfg->group != NULL && getgrnam(cfg->group) == NULL) {
        fprintf(stderr, "%s: group: no such group '%s'\n", where,
                cfg->group);
        rc = -1;
    }
    return rc;
}

/* socket_in_use - whether something answers on an existing unix socket */
static int
socket_in_use(const char *path)
{
    struct sockaddr_un sun;
    int fd, rc;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    rc = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    close(fd);
    return rc;
}

/* open_socket - configure libmilter and open the listening socket */
static int
open_socket(const struct config *cfg)
{
    struct smfiDesc desc;
    const char *path = sockspec_unix_path(cfg->socket);
    mode_t old;
    int rc;

    callbacks_fill(&desc);
    if (mta_register(&desc) != MI_SUCCESS) {
        log_err("smfi_register failed");
        return -1;
    }
    if (strncmp(cfg->socket, "inet", 4) == 0) {
        char spec[32], err[512];
        main_listen_fd = listen_inet(cfg->socket, cfg->backlog, err,
                                     sizeof err);
        if (main_listen_fd < 0) {
            log_err("%s", err);
            return -1;
        }
        snprintf(spec, sizeof spec, "fd:%d", main_listen_fd);
        if (mta_setconn(spec) != MI_SUCCESS) {
            log_err("socket %s: libmilter refused %s", cfg->socket, spec);
            return -1;
        }
    } else if (mta_setconn(cfg->socket) != MI_SUCCESS) {
        log_err("socket %s: rejected by libmilter", cfg->socket);
        return -1;
    }
    if (mta_settimeout(cfg->timeout) != MI_SUCCESS ||
        (cfg->backlog > 0 && mta_setbacklog(cfg->backlog) != MI_SUCCESS)) {
        log_err("cannot set timeout or backlog");
        return -1;
    }
    if (path != NULL) {
        char dir[4096];
        char *slash;
        struct stat st;

        snprintf(dir, sizeof dir, "%s", path);
        slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                log_err("socket %s: directory %s does not exist", cfg->socket,
                        dir);
                return -1;
            }
        }
        if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            log_err("socket %s: %s exists and is not a socket; not replacing "
                    "it", cfg->socket, path);
            return -1;
        }
        if (lstat(path, &st) == 0 && socket_in_use(path)) {
            log_err("socket %s: another process is listening on it (a "
                    "luamilter already running?); not taking it over",
                    cfg->socket);
            return -1;
        }
    }
    old = umask(0777 & ~(mode_t)cfg->socket_mode);
    rc = mta_opensocket(1);
    umask(old);
    if (rc != MI_SUCCESS) {
        log_err("socket %s: cannot open (in use, or no permission; "
                "libmilter logs the cause to syslog)", cfg->socket);
        return -1;
    }
    if (path != NULL && chmod(path, (mode_t)cfg->socket_mode) < 0) {
        log_err("socket %s: chmod %o: %s", cfg->socket, cfg->socket_mode,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* main - run the daemon, or check the configuration with -t */
int
main(int argc, char **argv)
{
    struct options o;
    struct signal_handlers sh = {on_reload, on_stop};
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
    if (argc > 1 && strcmp(argv[1], "replay") == 0)
        return replay_main(argc - 1, argv + 1);
    parse_args(argc, argv, &o);
    main_opts = o;
    load_config(&o, &main_cfg);
    log_setup(o.check ? 0 : main_cfg.log_syslog, main_cfg.log_level);
    s = load_script(err, sizeof err);
    if (s == NULL) {
        if (o.check)
            fprintf(stderr, "%s\n", err);
        else
            log_err("cannot load the policy: %s", err);
        return 1;
    }
    if (o.check && check_startup(&main_cfg) < 0) {
        script_unref(s);
        return 1;
    }
    if (o.check) {
        printf("%s: OK\n%s: OK (version %s)\n",
               main_cfg.file != NULL ? main_cfg.file : "(no config file)",
               s->path, s->hash);
        if (s->tests_run > 0)
            printf("%s%s: %d policy tests passed\n", s->test_report,
                   s->path, s->tests_run);
        script_unref(s);
        return 0;
    }
    if (privs_refuse_root(geteuid(), main_cfg.user, main_cfg.allow_root,
                          err, sizeof err) < 0) {
        log_err("%s", err);
        script_unref(s);
        return 1;
    }
    signals_block();
    script_publish(s);
    breaker_setup(main_cfg.breaker_errors, main_cfg.breaker_window,
                  main_cfg.breaker_mode);
    conn_set_max(main_cfg.max_connections);
    nofile = privs_raise_nofile(&nofile_was);
    {
        char reply[REPLY_MAX_LINE + 32];
        verdict_on_error_reply(main_cfg.on_error, &main_cfg.on_error_reply,
                               reply, sizeof reply);
        log_notice("luamilter %s starting: script %s version %s, socket %s, "
                   "on_error %s%s%s", LUAMILTER_VERSION, s->path, s->hash,
                   main_cfg.socket, config_on_error_name(main_cfg.on_error),
                   reply[0] ? " replying " : "", reply);
    }
    if (nofile > 0 && nofile != nofile_was)
        log_info("file descriptor limit: %ld (raised from %ld)", nofile,
                 nofile_was);
    else if (nofile > 0)
        log_info("file descriptor limit: %ld (the hard limit)", nofile);
    if (open_socket(&main_cfg) < 0)
        return 1;
    if (privs_drop(main_cfg.user, main_cfg.group,
                   sockspec_unix_path(main_cfg.socket), err,
                   sizeof err) < 0) {
        log_err("cannot drop privileges: %s", err);
        remove_socket();
        return 1;
    }
    note_privileges();
    if (main_cfg.pidfile != NULL && write_pidfile(main_cfg.pidfile) < 0) {
        remove_socket();
        return 1;
    }
    if (signals_start(&sh) < 0) {
        remove_socket();
        if (main_cfg.pidfile != NULL)
            unlink(main_cfg.pidfile);
        return 1;
    }
    if (watchdog_start() < 0)
        log_warn("cannot start the watchdog thread; callbacks stuck in a "
                 "library call will not be logged");
    rc = mta_main();
    remove_socket();
    if (main_cfg.pidfile != NULL)
        unlink(main_cfg.pidfile);
    log_notice("stopped");
    return rc == MI_SUCCESS ? 0 : 1;
}
