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
	const char *transport; /* auto | sctp | tcp (tcp with TLS) */
	/* TLS 1.3 on the NG link (docs/backhaul.md): the CA the AIOTF's certificate must chain
	 * to, matched to the host of aiotf (NULL: plain NG); this reader's certificate and key. */
	const char *ng_tls_ca, *ng_tls_cert, *ng_tls_key;
	const char *air;  /* the air medium (aiot-devsim), ADDR:PORT (UDP) */
	const char *name; /* RAN node name in NG Setup */
	uint32_t gnb_id;
	uint16_t reader_index;       /* AIoT-ReaderIndex 1..65535 */
	unsigned max_rounds;         /* per inventory */
	unsigned round_timeout_ms;   /* silence on the air that ends a round */
	unsigned command_timeout_ms; /* per attempt; one retry, then aiot-device-not-reachable */
	unsigned report_batch;       /* devices per Inventory Report at most */
	unsigned max_sessions;       /* concurrent inventory sessions */
	/* Device-originated access (docs/protocol.md §5.7): 0 turns the DO-A rounds off. */
	unsigned doa_interval_ms; /* a DOA_OPEN access round every ... */
	unsigned doa_session_s;   /* the DO-A session (its air id, its RAN IDs) lasts ... */
	unsigned doa_max_devices; /* DO-A devices with a RAN ID in a session, at most */
} reader_cfg;

typedef struct reader reader;

/* Counters for aiot-reader --metrics; read them on the reader's event loop thread. */
typedef struct reader_stats {
	uint64_t inventories;        /* Inventory Requests accepted */
	uint64_t pagings;            /* PAGING frames sent (one per round) */
	uint64_t collided_slots;     /* slots the medium reported collided */
	uint64_t d2r_relayed;        /* Inventory Responses relayed in Inventory Reports */
	uint64_t d2r_foreign;        /* answers to a RAND_AIOT_n this reader did not page */
	uint64_t air_dropped;        /* D2R datagrams that do not decode */
	uint64_t commands_sent;      /* Command Requests sent on the air, retries included */
	uint64_t commands_delivered; /* Command Responses relayed to the AIOTF */
	uint64_t commands_failed;    /* device not reachable after the retry */
	uint64_t doa_sessions;       /* DO-A sessions opened (rotations, link losses) */
	uint64_t doa_rounds;         /* DOA_OPEN frames sent */
	uint64_t doa_collided_slots; /* DO-A slots the medium reported collided */
	uint64_t doa_uplink;         /* DO-A uplink PDUs relayed to the AIOTF (and ACKed) */
	uint64_t doa_downlink;       /* DO-A downlink PDUs sent to a device */
	uint64_t doa_unknown_ran;    /* downlinks for a RAN ID the reader does not know */
	uint64_t doa_table_full;     /* uplinks not taken: doa-max-devices reached */
	uint64_t ng_setups;          /* NG Setup Responses: the link came up */
	uint64_t ng_link_losses;     /* the link closed or a connect failed */
	uint64_t ng_tls_failures;    /* of them, a TLS handshake failed */
	int ng_link_up;
} reader_stats;

/* Opens the air socket and starts connecting; NULL with err on a configuration error. */
reader *reader_new(struct event_base *base, const reader_cfg *cfg, char *err, size_t errlen);
void reader_free(reader *r);
reader_stats reader_get_stats(const reader *r);

#endif
