/* fuzz_message.c - message_parse and message_addresses on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - split a message, read addresses of each header */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct message m;
    char err[256];
    size_t i, j, n;
    char **list;

    if (message_parse(data, size, &m, err, sizeof err) < 0)
        return 0;
    for (i = 0; i < m.nhdrs; i++) {
        n = message_addresses(m.hdrs[i].value, &list);
        for (j = 0; j < n; j++)
            free(list[j]);
        free(list);
    }
    message_free(&m);
    return 0;
}
