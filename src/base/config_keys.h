/*
 * config_keys.h - the core's configuration keys (config_keys.c), the one
 * place each of them is declared.
 */
#ifndef LUAMILTER_CONFIG_KEYS_H
#define LUAMILTER_CONFIG_KEYS_H

#include "config.h"

extern const struct config_section config_core_section;
extern const char *const config_on_error_words[];
extern const char *const config_allow_words[];

#endif
