/*
 * resp_peer.h - a scripted RESP server on a unix socket, for unit tests of
 * the Redis client: it answers what real Redis never sends on demand
 * (silence, a trickle, a close mid-reply, a bad frame, a huge header).
 *
 * Commands (parsed with hiredis's reader; one thread per connection):
 *   AUTH [user] pass  +OK when pass is the peer's password, else -WRONGPASS
 *   SELECT n, PING    +OK, +PONG
 *   ECHO x            x as a bulk string
 *   RAW bytes         bytes, verbatim (RAW "" answers nothing)
 *   LATE secs bytes   bytes after secs seconds
 *   TRICKLE secs bytes  one byte every secs seconds
 *   BIG n             a bulk string of n bytes
 *   CLOSE             closes the connection
 *   EVAL script nkeys arg...   remembers sha1(script), answers the array
 *                              of nkeys and args
 *   EVALSHA sha nkeys arg...   the same when sha is remembered, else
 *                              -NOSCRIPT
 *   STAT name         how many commands called name it saw ("*": all;
 *                     "BATCH": how many came in the read before)
 *   anything else     +OK
 */
#ifndef RESP_PEER_H
#define RESP_PEER_H

struct resp_peer;

struct resp_peer *resp_peer_start(const char *path, const char *password);
void resp_peer_stop(struct resp_peer *p);
long resp_peer_count(struct resp_peer *p, const char *name);

#endif
