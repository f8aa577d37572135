/*
 * notes.h - self:note(key, value): why the policy decided, for the
 * message's decision record (and replay --json).
 *
 * A note is a key (a string of 1 to NOTE_KEY_MAX bytes) and a string,
 * number, boolean, or an array of those.  A note made while a message is
 * open (envfrom to eom or abort) belongs to that message; one made outside
 * (negotiate, connect, helo, close) belongs to the connection and shows in
 * every record of it.  Noting a key again replaces its value.  The store
 * is bounded: at most NOTES_MAX keys per scope (one more raises), arrays of
 * NOTE_ITEMS_MAX items (the rest left out), strings of NOTE_STR_MAX bytes
 * (cut, with a marker when written).  It lives in C, beside the
 * connection's Lua state, and is freed with it.
 */
#ifndef LUAMILTER_NOTES_H
#define LUAMILTER_NOTES_H

#include <stddef.h>

struct lua_State;
struct lconn;

#define NOTES_MAX 64
#define NOTE_KEY_MAX 64
#define NOTE_ITEMS_MAX 32
#define NOTE_STR_MAX 4096

enum note_kind {
    NOTE_STR = 0,
    NOTE_INT,
    NOTE_NUM,
    NOTE_BOOL
};

struct note_scalar {
    int kind;                   /* enum note_kind */
    long long i;                /* NOTE_INT, NOTE_BOOL */
    double d;                   /* NOTE_NUM */
    char *s;                    /* NOTE_STR: its bytes (malloc) */
    size_t len, full_len;       /* kept, and as given */
};

struct note {
    char key[NOTE_KEY_MAX + 1];
    int array;                  /* a list, even of one or none */
    size_t n, given;            /* items kept, items given */
    struct note_scalar *v;
};

/* the notes of a scope */
struct note_set {
    struct note items[NOTES_MAX];
    size_t n;
};

struct lnotes {
    struct note_set conn, msg;
};

int notes_note(struct lua_State *L, struct lconn *c);
void notes_message_begin(struct lconn *c);
void notes_session_begin(struct lconn *c);
void notes_free(struct lconn *c);
/* each note of c's connection, then of its message unless the connection
 * has the key too (the message's value wins) */
void notes_each(const struct lconn *c,
                void (*fn)(const struct note *n, void *ud), void *ud);
size_t notes_count(const struct lconn *c);

#endif
