/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MSGin5G-1 messages (TS 24.538; the JSON members are this tree's, named after the TS 23.554
 * information elements, docs/protocol.md "MSGin5G-1"): one JSON object per CoAP payload with
 * "messageType" REG, DEREG, MSG, MSGRESP or IMDN. Decoding is strict (members, types and
 * lengths checked, unknown members refused); decode(encode(m)) == m
 * (fuzz/fuzz_msgin5g_msg.c). Used by the server (server.c) and the client (client.c).
 */
#ifndef AIOT_MSGIN5G_MSG_H
#define AIOT_MSGIN5G_MSG_H
#include <stddef.h>

#define MSGIN5G_ID_MAX 128       /* a UE service ID, a message ID */
#define MSGIN5G_PAYLOAD_MAX 1024 /* application data of one MSG, UTF-8 text */
#define MSGIN5G_CAUSE_MAX 64
#define MSGIN5G_URI_PATH "msgin5g" /* every request is a CoAP POST to /msgin5g */

typedef enum msgin5g_type {
	MSGIN5G_REG = 1, /* UE -> server: register ueServiceId */
	MSGIN5G_DEREG,   /* UE -> server */
	MSGIN5G_MSG,     /* UE -> server -> UE: store and forward */
	MSGIN5G_MSGRESP, /* the answer to each of the above (CoAP response payload) */
	MSGIN5G_IMDN,    /* server -> originating UE: delivery report of a MSG */
} msgin5g_type;

typedef struct msgin5g_msg {
	msgin5g_type type;
	char ue_service_id[MSGIN5G_ID_MAX + 1]; /* REG, DEREG */
	char message_id[MSGIN5G_ID_MAX + 1];    /* MSG, MSGRESP (of a MSG), IMDN */
	char from[MSGIN5G_ID_MAX + 1];          /* MSG, IMDN: originating UE service ID */
	char to[MSGIN5G_ID_MAX + 1];            /* MSG, IMDN: recipient UE service ID */
	int delivery_report;                    /* MSG: IMDN requested */
	char payload[MSGIN5G_PAYLOAD_MAX + 1];  /* MSG */
	int success;                            /* MSGRESP: "result" SUCCESS / FAILURE */
	char cause[MSGIN5G_CAUSE_MAX + 1];      /* MSGRESP (optional): "STORED", "NOT_BOUND", ... */
	/* IMDN "deliveryStatus" is always DELIVERED: a report is sent once the recipient took it */
} msgin5g_msg;

/* AIOT_OK or AIOT_ERR_MALFORMED; m is filled (zeroed first). */
int msgin5g_decode(const char *json, size_t len, msgin5g_msg *m);
/* A malloc'd NUL-terminated JSON text, or NULL (out of memory, or a field that would not
 * decode: an empty required ID, an unknown type). */
char *msgin5g_encode(const msgin5g_msg *m);
const char *msgin5g_type_name(msgin5g_type t);

#endif
