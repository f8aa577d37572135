/* unit_checks.c - socket specs, reply validation, verdict mapping,
 * negotiation flags, the root refusal and the syslog socket check: the
 * functions behind the daemon's decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "log.h"
#include "negotiate.h"
#include "privs.h"
#include "reply.h"
#include "sockspec.h"
#include "stage.h"
#include "verdict.h"

/* spec_ok - spec is accepted with this kind */
static void
spec_ok(const char *spec, int kind)
{
    char err[256];
    int k = -1;

    if (sockspec_check(spec, &k, err, sizeof err) != 0)
        fail_msg("%s rejected: %s", spec, err);
    assert_int_equal(k, kind);
}

/* spec_bad - spec is rejected with a message containing needle */
static void
spec_bad(const char *spec, const char *needle)
{
    char err[256];

    assert_int_equal(sockspec_check(spec, NULL, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("%s: '%s' lacks '%s'", spec, err, needle);
}

/* test_sockspec - every accepted form, and the bad ones */
static void
test_sockspec(void **state)
{
    char longpath[200];

    (void)state;
    spec_ok("unix:/run/m.sock", SOCK_UNIX);
    spec_ok("local:/run/m.sock", SOCK_UNIX);
    spec_ok("/run/m.sock", SOCK_UNIX);
    spec_ok("inet:8891", SOCK_INET);
    spec_ok("inet:8891@localhost", SOCK_INET);
    spec_ok("inet:8891@[127.0.0.1]", SOCK_INET);
    spec_ok("inet:smtp@mx.example.com", SOCK_INET);
    spec_ok("inet6:8891@[::1]", SOCK_INET6);
    spec_ok("fd:3", SOCK_FD);
    spec_bad("", "empty");
    spec_bad("tcp:25", "unknown type");
    spec_bad("inet:0", "out of range");
    spec_bad("inet:65536", "out of range");
    spec_bad("inet:", "missing port");
    spec_bad("inet:25@", "empty host");
    spec_bad("inet:25@[300.1.1.1]", "bad IPv4");
    spec_bad("inet6:25@[::g]", "bad IPv6");
    spec_bad("inet:25@ho st", "bad character");
    spec_bad("fd:x", "descriptor");
    spec_bad("unix:run/m.sock", "must be absolute");
    spec_bad("local:./m.sock", "must be absolute");
    spec_bad("m.sock", "unknown type");
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    spec_bad(longpath, "longer than");
    assert_string_equal(sockspec_unix_path("unix:/a"), "/a");
    assert_string_equal(sockspec_unix_path("local:/b"), "/b");
    assert_null(sockspec_unix_path("inet:25"));
}

/* test_reply - codes, extended codes and text lines */
static void
test_reply(void **state)
{
    char err[256], line[REPLY_MAX_LINE + 2];

    (void)state;
    assert_int_equal(reply_check_code("550", "5.7.1", err, sizeof err), 0);
    assert_int_equal(reply_check_code("451", NULL, err, sizeof err), 0);
    assert_int_equal(reply_check_code("421", "4.3.2", err, sizeof err), 0);
    assert_int_equal(reply_check_code("250", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("354", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("55", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("5500", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("abc", NULL, err, sizeof err), -1);
    assert_int_equal(reply_check_code("451", "5.7.1", err, sizeof err), -1);
    assert_non_null(strstr(err, "must look like 4.X.Y"));
    assert_int_equal(reply_check_code("550", "5.7", err, sizeof err), -1);
    assert_int_equal(reply_check_code("550", "5.7.1x", err, sizeof err), -1);
    assert_int_equal(reply_check_code("550", "5.1000.1", err, sizeof err), -1);
    assert_int_equal(reply_check_line("plain text", 10, err, sizeof err), 0);
    /* text is literal: a lone '%' is fine, it is doubled for libmilter */
    assert_int_equal(reply_check_line("100% sure", 9, err, sizeof err), 0);
    assert_int_equal(reply_check_line("user%relay@host", 15, err,
                                      sizeof err), 0);
    assert_int_equal(reply_escaped_len("a%b%%", 5), 8);
    {
        char out[16], back[16];
        assert_int_equal(reply_escape("100% a%%", 8, out), 11);
        assert_string_equal(out, "100%% a%%%%");
        memcpy(back, out, sizeof back);
        reply_unescape(back);
        assert_string_equal(back, "100% a%%");
    }
    assert_int_equal(reply_check_line("a\r\nb", 4, err, sizeof err), -1);
    assert_non_null(strstr(err, "CR"));
    assert_int_equal(reply_check_line("a\nb", 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "LF"));
    assert_int_equal(reply_check_line("a\0b", 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    memset(line, 'x', sizeof line);
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE, err, sizeof err),
                     0);
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE + 1, err,
                                      sizeof err), -1);
    line[0] = '%';          /* counts twice once doubled: one byte too many */
    assert_int_equal(reply_check_line(line, REPLY_MAX_LINE, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "counts twice"));
}

/* test_verdict - codes and names, fitting to stages, on_error */
static void
test_verdict(void **state)
{
    const char *r, *x, *t;
    int ign;

    (void)state;
    assert_int_equal(verdict_from_code(0), SMFIS_CONTINUE);
    assert_int_equal(verdict_from_code(1), SMFIS_REJECT);
    assert_int_equal(verdict_from_code(8), SMFIS_SKIP);
    assert_int_equal(verdict_from_code(5), -1);
    assert_int_equal(verdict_from_code(42), -1);
    assert_int_equal(verdict_from_code(10), -1);     /* ALL_OPTS: negotiate */
    assert_int_equal(verdict_from_name("reject"), SMFIS_REJECT);
    assert_int_equal(verdict_from_name("TEMPFAIL"), SMFIS_TEMPFAIL);
    assert_int_equal(verdict_from_name("bounce"), -1);
    /* a noreply stage answers NOREPLY whatever the script said */
    assert_int_equal(verdict_for_stage(SMFIS_REJECT, ST_HEADER, SMFIP_NR_HDR,
                                       &ign), SMFIS_NOREPLY);
    assert_int_equal(ign, 1);
    assert_int_equal(verdict_for_stage(SMFIS_CONTINUE, ST_HEADER,
                                       SMFIP_NR_HDR, &ign), SMFIS_NOREPLY);
    assert_int_equal(ign, 0);
    /* NOREPLY where the MTA waits would hang it: CONTINUE instead */
    assert_int_equal(verdict_for_stage(SMFIS_NOREPLY, ST_ENVRCPT, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_BODY, SMFIP_SKIP, &ign),
                     SMFIS_SKIP);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_BODY, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_SKIP, ST_EOM, SMFIP_SKIP, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(ign, 1);
    assert_int_equal(verdict_for_stage(SMFIS_REJECT, ST_CLOSE, 0, &ign),
                     SMFIS_CONTINUE);
    assert_int_equal(verdict_for_stage(SMFIS_DISCARD, ST_EOM, 0, &ign),
                     SMFIS_DISCARD);
    assert_int_equal(verdict_on_error(ONERR_TEMPFAIL, NULL, &r, &x, &t),
                     SMFIS_TEMPFAIL);
    assert_string_equal(r, "451");
    assert_string_equal(x, "4.3.0");
    assert_string_equal(t, "Temporary mail filter failure");
    assert_int_equal(verdict_on_error(ONERR_REJECT, NULL, &r, &x, &t),
                     SMFIS_REJECT);
    assert_string_equal(r, "554");
    assert_string_equal(x, "5.3.0");
    assert_string_equal(t, "Mail filter failure");
    assert_int_equal(verdict_on_error(ONERR_CONTINUE, NULL, &r, &x, &t),
                     SMFIS_CONTINUE);
    assert_null(r);
    assert_int_equal(verdict_on_error(ONERR_ACCEPT, NULL, &r, &x, &t),
                     SMFIS_ACCEPT);
    {
        struct fixed_reply fr;
        char err[256];
        assert_int_equal(reply_parse("451 4.7.1 Policy down, 100% sure", &fr,
                                     err, sizeof err), 0);
        assert_int_equal(verdict_on_error(ONERR_TEMPFAIL, &fr, &r, &x, &t),
                         SMFIS_TEMPFAIL);
        assert_string_equal(r, "451");
        assert_string_equal(x, "4.7.1");
        assert_string_equal(t, "Policy down, 100% sure");
        assert_int_equal(reply_parse("421 closing", &fr, err, sizeof err), 0);
        verdict_on_error(ONERR_TEMPFAIL, &fr, &r, &x, &t);
        assert_null(x);
        assert_string_equal(t, "closing");
    }
}

/* test_negotiate - the flags a class shape asks for */
static void
test_negotiate(void **state)
{
    struct policy_shape ps;
    unsigned long act, proto;

    (void)state;
    memset(&ps, 0, sizeof ps);
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_int_equal(act, 0x1ff);
    assert_true(proto & SMFIP_NOBODY);
    assert_true(proto & SMFIP_NOHDRS);
    assert_false(proto & SMFIP_NOCONNECT);  /* connect comes, for the log */
    assert_true(proto & SMFIP_NR_CONN);     /* ... without a reply */
    assert_true(proto & SMFIP_NOUNKNOWN);
    assert_true(proto & SMFIP_NODATA);
    assert_true(proto & SMFIP_SKIP);
    assert_false(proto & SMFIP_NR_HDR);

    ps.callbacks = STAGE_BIT(ST_BODY) | STAGE_BIT(ST_HEADER) |
                   STAGE_BIT(ST_EOM);
    ps.noreply = STAGE_BIT(ST_HEADER);
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_false(proto & SMFIP_NOBODY);
    assert_false(proto & SMFIP_NOHDRS);
    assert_true(proto & SMFIP_NR_HDR);
    assert_false(proto & SMFIP_NR_BODY);
    assert_true(proto & SMFIP_NOMAIL);

    /* what the MTA does not offer is never requested */
    negotiate_flags(&ps, 0x3f, SMFIP_NOCONNECT | SMFIP_NR_HDR, &act, &proto);
    assert_int_equal(act, 0x3f);
    assert_int_equal(proto & ~(SMFIP_NOCONNECT | SMFIP_NR_HDR), 0);

    ps.leadspc = 1;
    ps.rcpt_rej = 1;
    negotiate_flags(&ps, 0x1ff, 0x1fffff, &act, &proto);
    assert_true(proto & SMFIP_HDR_LEADSPC);
    assert_true(proto & SMFIP_RCPT_REJ);
}

/* test_refuse_root - root without 'user' runs only with allow_root */
static void
test_refuse_root(void **state)
{
    char err[256] = "";

    (void)state;
    assert_int_equal(privs_refuse_root(0, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "refusing to run as root"));
    assert_non_null(strstr(err, "'user'"));
    assert_non_null(strstr(err, "allow_root = yes"));
    assert_int_equal(privs_refuse_root(0, NULL, 1, err, sizeof err), 0);
    assert_int_equal(privs_refuse_root(0, "luamilter", 0, err, sizeof err),
                     0);
    assert_int_equal(privs_refuse_root(1000, NULL, 0, err, sizeof err), 0);
    /* 'user = root' (any name of uid 0) is root too */
    err[0] = '\0';
    assert_int_equal(privs_refuse_root(0, "root", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "'user = root' is root"));
    assert_non_null(strstr(err, "allow_root = yes"));
    assert_int_equal(privs_refuse_root(1000, "root", 0, err, sizeof err), -1);
    assert_int_equal(privs_refuse_root(0, "root", 1, err, sizeof err), 0);
    assert_int_equal(privs_refuse_root(0, "nobody", 0, err, sizeof err), 0);
}

/* bound_socket - a unix socket of this type bound at path (listening if a
 * stream); its fd */
static int
bound_socket(const char *path, int type)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, type, 0);

    assert_true(fd >= 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 1), 0);
    return fd;
}

/* test_syslog_socket - a syslog socket takes lines when a datagram or a
 * stream socket listens there; a missing path, a stale socket or a file
 * that is no socket are named as the reason lines would be lost */
static void
test_syslog_socket(void **state)
{
    char dir[] = "/tmp/lm-unit-XXXXXX", path[128], err[256];
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log", dir);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_non_null(strstr(err, path));
    fd = bound_socket(path, SOCK_DGRAM);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), 0);
    close(fd);                  /* the daemon is gone, its socket stays */
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "Connection refused"));
    unlink(path);
    fd = bound_socket(path, SOCK_STREAM);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), 0);
    close(fd);
    unlink(path);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(log_socket_accepts(path, err, sizeof err), -1);
    unlink(path);
    rmdir(dir);
}

/* main - run the checks */
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sockspec),
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_refuse_root),
        cmocka_unit_test(test_syslog_socket),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
