/*
 * tables_table.h - one Postfix lookup table (texthash, cidr, regexp), loaded.
 *
 * A struct table is one version of one table file, parsed once into a
 * structure that answers lookups as `postmap -q KEY TYPE:PATH` does
 * (smtputf8_enable = no: keys and results are bytes, case folding is
 * ASCII): texthash is a hash table on lower-cased keys (a lookup costs
 * O(key length)), cidr an index by prefix length over the rules, flattened
 * through if/endif (O(address bits)), regexp the list of compiled POSIX
 * expressions in file order.  Once built it is immutable: any number of
 * threads may look up in it at once.  It is reference counted; the last
 * table_unref frees it.
 *
 * A line postmap(1) would skip or guess at with a warning (a bad address,
 * a missing result, a duplicate key, an unbalanced if/endif...) makes the
 * whole file fail to load, with "PATH:LINE: what is wrong".
 *
 *   table_spec_parse   "TYPE:PATH" -> type and path
 *   table_load         read and parse a file (table_parse: from memory)
 *   table_lookup       the result for a key, or none
 *   table_ref, table_unref, table_type_of, table_is_fixed, table_path,
 *   table_rules, table_file_id, table_alive
 *
 * Depends on tables_line.c, tables_file.c and the three types' files.
 */
#ifndef LUAMILTER_TABLE_H
#define LUAMILTER_TABLE_H

#include <stddef.h>

#include "tables_file.h"

enum table_type {
    TABLE_TEXTHASH,
    TABLE_CIDR,
    TABLE_REGEXP
};

enum table_status {
    TABLE_MISS = 0,             /* no result for the key */
    TABLE_FOUND = 1,            /* ans->value, ans->len hold it */
    TABLE_NOMEM = -1,           /* out of memory */
    TABLE_EXPIRED = -2          /* the caller's time ran out (regexp) */
};

/* a lookup's result: value points into the table or into buf, which the
 * lookup may (re)allocate for a substituted regexp result; the caller owns
 * buf (free it when done with the answer struct), starts it at NULL/0 */
struct table_answer {
    const char *value;
    size_t len;
    char *buf;
    size_t cap;
};

/* what a lookup may ask of its caller: the seconds left (<= 0: stop),
 * checked between regexp rules; remaining NULL: no limit */
struct table_limit {
    double (*remaining)(void *ud);
    void *ud;
};

struct table;

int table_spec_parse(const char *spec, enum table_type *type,
                     const char **path, char *err, size_t errlen);
const char *table_type_name(enum table_type type);

/* confine_dir: the file must lie below it (NULL: anywhere) */
struct table *table_load(enum table_type type, const char *path,
                         const char *confine_dir, char *err, size_t errlen);
struct table *table_parse(enum table_type type, const char *path,
                          const char *text, size_t len, char *err,
                          size_t errlen);
enum table_status table_lookup(const struct table *t, const char *key,
                               size_t len, struct table_answer *ans,
                               const struct table_limit *lim);

void table_ref(struct table *t);
void table_unref(struct table *t);
enum table_type table_type_of(const struct table *t);
int table_is_fixed(const struct table *t);
const char *table_path(const struct table *t);
size_t table_rules(const struct table *t);
const struct tfile_id *table_file_id(const struct table *t);
long table_alive(void);

#endif
