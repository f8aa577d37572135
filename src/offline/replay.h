/*
 * replay.h - "luamilter replay": stored messages through the real core.
 *
 * Runs a policy over .eml files offline: the same callbacks, engine and
 * action bindings as live traffic, with the recording MTA (record.c) in
 * place of libmilter.  See replay_main's --help text for the interface.
 */
#ifndef LUAMILTER_REPLAY_H
#define LUAMILTER_REPLAY_H

int replay_main(int argc, char **argv);

#endif
