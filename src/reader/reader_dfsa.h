/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's frame-size rule (dynamic framed slotted ALOHA, docs/protocol.md §5.5): pure
 * functions of what a round saw, no I/O, no clock. reader_proc.c owns the rounds and their
 * timers and asks these for the Q of the next frame (2^Q slots).
 */
#ifndef AIOT_READER_DFSA_H
#define AIOT_READER_DFSA_H
#include <stdint.h>

/* What the medium reported for a round (ROUND_END) and what the reader received of it. */
typedef struct dfsa_round {
	uint8_t q;         /* the frame size exponent of the round */
	int timed_out;     /* no ROUND_END: nothing known of the round */
	uint32_t single;   /* slots with one answer (ROUND_END) */
	uint32_t received; /* of those, SLOT frames that reached the reader */
	uint32_t collided; /* slots with more than one answer */
	uint32_t empty;    /* slots with none */
} dfsa_round;

/* Q of the first round: 2^Q >= approx (approxNumberofDevices), 4 when unknown (0). */
uint8_t dfsa_first_q(unsigned approx);
/* Q of the next round: Schoute's backlog estimate, the frame size 2^Q closest to it. */
uint8_t dfsa_next_q(const dfsa_round *r);
/* Q of the next DO-A access round: the same rule on all the round's answers (received
 * ignored: every device seen may contend again, new ones arrive). */
uint8_t dfsa_doa_q(const dfsa_round *r);

#endif
