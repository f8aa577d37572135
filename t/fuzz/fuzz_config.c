/* fuzz_config.c - config_parse and config_set on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the input as a config file, then use its
 * first line as a key and the rest as a value */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[1024];
    struct config c;
    char *nl;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    config_init(&c);
    config_parse(&c, "fuzz.conf", text, err, sizeof err);
    config_free(&c);
    nl = strchr(text, '\n');
    if (nl != NULL) {
        *nl = '\0';
        config_init(&c);
        config_set(&c, text, nl + 1, err, sizeof err);
        config_free(&c);
    }
    free(text);
    return 0;
}
