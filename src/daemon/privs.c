/*
 * privs.c - socket owner, privilege drop and RLIMIT_NOFILE (see privs.h).
 */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* lookup - the entries of user and of group (NULL for one not set); -1
 * and a message naming the config key (user, or group_key) if one does not
 * exist */
static int
lookup(const char *user, const char *group, const char *group_key,
       struct passwd **pw, struct group **gr, char *err, size_t errlen)
{
    *pw = NULL;
    *gr = NULL;
    if (user != NULL && (*pw = getpwnam(user)) == NULL) {
        snprintf(err, errlen, "user: no such user '%s'", user);
        return -1;
    }
    if (group != NULL && (*gr = getgrnam(group)) == NULL) {
        snprintf(err, errlen, "%s: no such group '%s'", group_key, group);
        return -1;
    }
    return 0;
}

/* privs_socket_owner - the uid of user and the gid of group (the value of
 * config key group_key) to give the socket to; (uid_t)-1 and (gid_t)-1 for
 * one not set; -1 and a message if one does not exist */
int
privs_socket_owner(const char *user, const char *group, const char *group_key,
                   uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    struct passwd *pw;
    struct group *gr;

    if (lookup(user, group, group_key, &pw, &gr, err, errlen) < 0)
        return -1;
    *uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
    *gid = gr != NULL ? gr->gr_gid : (gid_t)-1;
    return 0;
}

/* privs_drop - become user:group (group alone: change only the group).
 * Every step is checked; -1 and a message if one fails. */
int
privs_drop(const char *user, const char *group, char *err, size_t errlen)
{
    struct passwd *pw;
    struct group *gr;
    gid_t gid;

    if (user == NULL && group == NULL)
        return 0;
    if (lookup(user, group, "group", &pw, &gr, err, errlen) < 0)
        return -1;
    gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
    if (geteuid() == 0) {
        gid_t groups[1] = {gid};
        if (setgroups(1, groups) < 0) {
            snprintf(err, errlen, "setgroups: %s", strerror(errno));
            return -1;
        }
    }
    if (setgid(gid) < 0 || getgid() != gid || getegid() != gid) {
        snprintf(err, errlen, "setgid(%ld): %s", (long)gid, strerror(errno));
        return -1;
    }
    if (pw != NULL) {
        if (setuid(pw->pw_uid) < 0 || getuid() != pw->pw_uid ||
            geteuid() != pw->pw_uid) {
            snprintf(err, errlen, "setuid(%ld): %s", (long)pw->pw_uid,
                     strerror(errno));
            return -1;
        }
        if (pw->pw_uid != 0 && setuid(0) == 0) {
            snprintf(err, errlen, "setuid: could regain root after dropping");
            return -1;
        }
    }
    return 0;
}

/* privs_refuse_root - -1 and why when luamilter would go on running as
 * root: started as root with no 'user' to drop to, or with a 'user' that
 * is root (uid 0), and no 'allow_root = yes' */
int
privs_refuse_root(uid_t euid, const char *user, int allow_root, char *err,
                  size_t errlen)
{
    struct passwd *pw;

    if (allow_root)
        return 0;
    if (user != NULL) {
        pw = getpwnam(user);
        if (pw == NULL || pw->pw_uid != 0)
            return 0;
        snprintf(err, errlen, "refusing to run as root: 'user = %s' is "
                 "root (uid 0); set 'user' to an unprivileged user, or "
                 "'allow_root = yes' to keep running as root", user);
        return -1;
    }
    if (euid != 0)
        return 0;
    snprintf(err, errlen, "refusing to run as root: set 'user' (and "
             "'group') in the config to drop privileges after opening the "
             "socket, or 'allow_root = yes' to keep running as root");
    return -1;
}

/* privs_raise_nofile - raise the soft fd limit to the hard one; the new
 * limit (-1: unknown or unlimited), the old one in *before */
long
privs_raise_nofile(long *before)
{
    struct rlimit rl;

    *before = -1;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    *before = rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
}
