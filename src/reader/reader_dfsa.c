/* SPDX-License-Identifier: Apache-2.0 */
/* Frame sizes of the reader's rounds (reader_dfsa.h). */
#include "reader_dfsa.h"

#include "air/air.h"

#define SCHOUTE 2.39 /* expected tags per collided slot (Schoute 1983) */

uint8_t dfsa_first_q(unsigned approx)
{
	uint8_t q = 0;
	if (approx == 0)
		return 4;
	while (q < AIR_MAX_Q && (1u << q) < approx)
		q++;
	return q;
}

/*
 * Schoute's backlog estimate: 2.39 devices per collided slot plus the detected singles whose
 * frame was lost, and the frame size 2^Q closest to it (DFSA; the EPC Gen2 Q-algorithm needs
 * per-slot QueryAdjust, which a whole-frame air does not have). A saturated frame (no empty
 * slot) says only "many more": the backlog is then taken as at least 4 x 2^Q. A round that
 * timed out keeps its frame size.
 */
uint8_t dfsa_next_q(const dfsa_round *r)
{
	double frame = (double)(1u << r->q);
	double backlog =
	    SCHOUTE * r->collided + (r->single > r->received ? r->single - r->received : 0);
	if (r->timed_out)
		backlog = frame; /* nothing known: keep the frame size */
	else if (r->empty == 0 && r->collided > 0 && backlog < 4.0 * frame)
		backlog = 4.0 * frame;
	uint8_t q = 0; /* round(log2(backlog)): 2^(q - 1/2) <= backlog < 2^(q + 1/2) */
	while (q < AIR_MAX_Q && backlog >= 1.41421356 * (double)(1u << q))
		q++;
	return q;
}

/*
 * DO-A rounds (docs/protocol.md §5.7): devices keep arriving, so the next round's contenders
 * are estimated as this round's: the singles plus Schoute's 2.39 per collided slot (the rule
 * above with no single counted as read), the frame size 2^Q closest to that.
 */
uint8_t dfsa_doa_q(const dfsa_round *r)
{
	dfsa_round c = *r;
	c.received = 0;
	return dfsa_next_q(&c);
}
