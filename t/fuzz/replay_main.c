/* replay_main.c - runs a fuzz harness over every file of corpus directories
 * (without libFuzzer), printing a TAP line per file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* main - replay each file; a crash ends the run, so reaching "ok" is the test */
int
main(int argc, char **argv)
{
    int i, n = 0;

    for (i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        if (d == NULL)
            continue;
        while ((e = readdir(d)) != NULL) {
            char path[4096], err[256];
            size_t len;
            char *buf;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            buf = fileio_read(path, 1u << 24, &len, err, sizeof err);
            if (buf == NULL)
                continue;
            LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
            free(buf);
            printf("ok %d - %s\n", ++n, path);
            fflush(stdout);
        }
        closedir(d);
    }
    printf("1..%d\n", n);
    return 0;
}
