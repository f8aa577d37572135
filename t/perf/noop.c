/*
 * noop.c - the floor of any libmilter-based milter: continue everywhere.
 *
 * usage: noop SOCKET [nr]
 * Without "nr" it replies at every stage (a); with "nr" it negotiates
 * SMFIP_NR_* for every stage but end of message (b).
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int noreply;

/* st - the answer of every stage but eom */
static sfsistat st(void) { return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE; }

static sfsistat f_conn(SMFICTX *c, char *h, _SOCK_ADDR *a) { (void)c; (void)h; (void)a; return st(); }
static sfsistat f_helo(SMFICTX *c, char *h) { (void)c; (void)h; return st(); }
static sfsistat f_env(SMFICTX *c, char **v) { (void)c; (void)v; return st(); }
static sfsistat f_hdr(SMFICTX *c, char *n, char *v) { (void)c; (void)n; (void)v; return st(); }
static sfsistat f_eoh(SMFICTX *c) { (void)c; return st(); }
static sfsistat f_body(SMFICTX *c, unsigned char *b, size_t l) { (void)c; (void)b; (void)l; return st(); }
static sfsistat f_eom(SMFICTX *c) { (void)c; return SMFIS_CONTINUE; }
static sfsistat f_abort(SMFICTX *c) { (void)c; return SMFIS_CONTINUE; }
static sfsistat f_close(SMFICTX *c) { (void)c; return SMFIS_CONTINUE; }
static sfsistat f_unknown(SMFICTX *c, const char *s) { (void)c; (void)s; return st(); }
static sfsistat f_data(SMFICTX *c) { (void)c; return st(); }

/* f_neg - ask for the NR bits in nr mode */
static sfsistat
f_neg(SMFICTX *c, unsigned long f0, unsigned long f1, unsigned long f2,
      unsigned long f3, unsigned long *p0, unsigned long *p1,
      unsigned long *p2, unsigned long *p3)
{
    (void)c; (void)f2; (void)f3;
    *p0 = f0 & 0x1ff;
    *p1 = noreply ? (f1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                           SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN |
                           SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_HDR))
                  : 0;
    *p2 = *p3 = 0;
    return SMFIS_CONTINUE;
}

/* main - register and run */
int
main(int argc, char **argv)
{
    struct smfiDesc d;
    static char name[] = "noop";

    if (argc < 2)
        return 2;
    noreply = argc > 2 && strcmp(argv[2], "nr") == 0;
    memset(&d, 0, sizeof d);
    d.xxfi_name = name;
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = 0x1ff;
    d.xxfi_connect = f_conn;
    d.xxfi_helo = f_helo;
    d.xxfi_envfrom = f_env;
    d.xxfi_envrcpt = f_env;
    d.xxfi_header = f_hdr;
    d.xxfi_eoh = f_eoh;
    d.xxfi_body = f_body;
    d.xxfi_eom = f_eom;
    d.xxfi_abort = f_abort;
    d.xxfi_close = f_close;
    d.xxfi_unknown = f_unknown;
    d.xxfi_data = f_data;
    d.xxfi_negotiate = f_neg;
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS)
        return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
