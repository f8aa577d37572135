/*
 * milterlib.c - libmilter for the whole process (see milterlib.h).
 */
#include "milterlib.h"

/* milterlib_register - register the filter description */
int
milterlib_register(struct smfiDesc *desc)
{
    return smfi_register(*desc);
}

/* milterlib_setconn - the listening socket spec */
int
milterlib_setconn(const char *spec)
{
    return smfi_setconn((char *)spec);
}

/* milterlib_settimeout - MTA I/O timeout */
int
milterlib_settimeout(int seconds)
{
    return smfi_settimeout(seconds);
}

/* milterlib_setbacklog - listen backlog */
int
milterlib_setbacklog(int backlog)
{
    return smfi_setbacklog(backlog);
}

/* milterlib_opensocket - open the listening socket now */
int
milterlib_opensocket(int remove_stale)
{
    return smfi_opensocket(remove_stale ? true : false);
}

/* milterlib_main - run the accept loop until stopped */
int
milterlib_main(void)
{
    return smfi_main();
}

/* milterlib_version - libmilter's runtime version */
void
milterlib_version(unsigned *major, unsigned *minor, unsigned *patch)
{
    unsigned int a = 0, b = 0, c = 0;

    smfi_version(&a, &b, &c);
    *major = a;
    *minor = b;
    *patch = c;
}
