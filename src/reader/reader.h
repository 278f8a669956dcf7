/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-reader: an NG-RAN node acting as AIoT reader. It keeps an NG link to the AIOTF
 * (NGAP AIoT procedures, TS 38.413) and runs the simulated air interface to the devices
 * (docs/protocol.md §5): R2D paging with the identification information and
 * RAND_AIOT_n (TS 33.369 5.2.2 step 3), framed slotted random access with an adaptive frame
 * size, D2R Inventory Responses relayed in Inventory Reports (step 6), Command Requests
 * relayed to the device and its Command Response back. It relays: no keys, no crypto.
 */
#ifndef AIOT_READER_H
#define AIOT_READER_H
#include <stdint.h>

struct event_base;

typedef struct reader_cfg {
	const char *aiotf;     /* AIOTF NG address, ADDR:PORT */
	const char *transport; /* auto | sctp | tcp */
	const char *air;       /* the air medium (aiot-devsim), ADDR:PORT (UDP) */
	const char *name;      /* RAN node name in NG Setup */
	uint32_t gnb_id;
	uint16_t reader_index;       /* AIoT-ReaderIndex 1..65535 */
	unsigned max_rounds;         /* per inventory */
	unsigned round_timeout_ms;   /* silence on the air that ends a round */
	unsigned command_timeout_ms; /* per attempt; one retry, then aiot-device-not-reachable */
	unsigned report_batch;       /* devices per Inventory Report at most */
	unsigned max_sessions;       /* concurrent inventory sessions */
} reader_cfg;

typedef struct reader reader;

/* Opens the air socket and starts connecting; NULL with err on a configuration error. */
reader *reader_new(struct event_base *base, const reader_cfg *cfg, char *err, size_t errlen);
void reader_free(reader *r);

#endif
