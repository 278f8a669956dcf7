/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's procedures, sans I/O (docs/protocol.md §5): inventory sessions run as rounds
 * of framed slotted ALOHA (TS 33.369 5.2.2 steps 3, 5, 6), the devices' Inventory Responses
 * relayed in Inventory Reports, Command Requests relayed to a device with one retry and its
 * Command Response back (TS 23.369 6.2.3), Session Release.
 *
 * Events in: an NG message from the AIOTF (reader_proc_on_ng), a D2R air frame as received
 * (reader_proc_on_air, then reader_proc_air_batch_end once per receive batch), a timer expiry
 * (the callbacks given to timer_new), the loss of the NG link (reader_proc_link_lost).
 * Actions out, only through reader_io: send an NG message, send an encoded R2D air frame, arm
 * or cancel a timer, read the clock, draw a random air session. The daemon implements
 * reader_io with libevent and sockets (reader.c); tests/unit/test_reader_proc.c with
 * recording fakes.
 *
 * Ownership: reader_proc owns its sessions; a session owns its device table, handle index,
 * ACK list, report batch and round timer, and its commands; a command owns its copy of the
 * NAS PDU and its timer. Messages and frames passed in are the caller's, borrowed for the
 * call; messages and frames passed to reader_io are reader_proc's, borrowed for that call.
 * A session ends in one place (inv_free: RELEASE on the air, its commands and timers freed):
 * on a silent round or a limit (unless a follow-on command keeps it), on Session Release,
 * on the loss of the NG link, and in reader_proc_free. reader.c owns the sockets, the NG
 * link, its reconnection and the link's counters (reader_stats ng_*).
 *
 * Device-originated access (DO-A) is reader_doa.h's, owned by reader_proc and reached
 * through the same events: DO-A Downlink NAS Transport in reader_proc_on_ng, the DO-A
 * session's frames in reader_proc_on_air, the loss of the NG link; its access rounds run on
 * a timer of the same reader_io (cfg doa_interval_ms, 0: off).
 */
#ifndef AIOT_READER_PROC_H
#define AIOT_READER_PROC_H
#include <stddef.h>
#include <stdint.h>

#include "ngap/ngap_aiot.h"
#include "reader.h"

typedef struct reader_timer reader_timer; /* the implementation's */
typedef void (*reader_timer_fn)(void *arg);

typedef struct reader_io {
	uint64_t (*now_us)(void *io_arg);                   /* monotonic */
	int (*random)(void *io_arg, void *out, size_t len); /* 0: out filled */
	int (*ng_send)(void *io_arg, const ngap_msg *m);    /* 0: handed to the NG link */
	void (*air_send)(void *io_arg, const uint8_t *frame, size_t len);        /* one datagram */
	reader_timer *(*timer_new)(void *io_arg, reader_timer_fn fn, void *arg); /* NULL: OOM */
	void (*timer_arm)(reader_timer *tm, unsigned ms);                        /* (re)starts it */
	void (*timer_cancel)(reader_timer *tm);
	void (*timer_free)(reader_timer *tm); /* cancels; NULL allowed */
} reader_io;

typedef struct reader_proc reader_proc;

/* cfg: the procedures use gnb_id, reader_index, max_rounds, the timeouts, report_batch and
 * max_sessions (copied; the strings are not kept). NULL when out of memory. */
reader_proc *reader_proc_new(const reader_cfg *cfg, const reader_io *io, void *io_arg);
/* Ends every session (RELEASE on the air) and frees p. NULL allowed. */
void reader_proc_free(reader_proc *p);

/* Inventory Request, Command Request, Session Release Command, DO-A Downlink NAS Transport:
 * 1 if handled, 0 if the message is not a procedure's (the caller's: NG Setup Response, or
 * unexpected). */
int reader_proc_on_ng(reader_proc *p, const ngap_msg *m);
/* One received D2R datagram. Undecodable frames are dropped and counted (air_dropped). */
void reader_proc_on_air(reader_proc *p, const uint8_t *buf, size_t len);
/* After a receive batch: the rounds that went on in it re-arm their silence timer (once per
 * batch, not per frame). */
void reader_proc_air_batch_end(reader_proc *p);
/* The NG link closed: the AIOTF's procedures died with the association, every session ends. */
void reader_proc_link_lost(reader_proc *p);

/* The procedures' counters (the ng_* fields are reader.c's and stay 0 here). */
reader_stats reader_proc_stats(const reader_proc *p);
unsigned reader_proc_sessions(const reader_proc *p);

#endif
