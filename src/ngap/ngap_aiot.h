/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NG link between the AIOTF and NG-RAN readers: the NGAP AIoT procedures of TS 38.413
 * V19.2.0 (38413-j20.asn), with the same IEs and value ranges, in the project's own compact
 * binary encoding (docs/protocol.md §4) instead of ASN.1 PER. AIoT NAS PDUs travel inside as
 * opaque octet strings (AIoT-NASPDU). Plus a minimal NG Setup so a reader announces itself,
 * and the device-originated access (DO-A) transport, which NGAP Rel-19 does not have: ours,
 * numbered after the others (docs/protocol.md §4.3.8-4.3.10).
 *
 * Sans-I/O codec: ngap_encode() into a caller buffer; ngap_decode() validates every length
 * and range and returns an allocated message (network side only) or an error code, never
 * asserting on input. Transport (ngap_link.h) frames messages over SCTP or TCP.
 */
#ifndef AIOT_NGAP_AIOT_H
#define AIOT_NGAP_AIOT_H
#include <stddef.h>
#include <stdint.h>

#define NGAP_MAX_AIOTF_NAME 150     /* AIOTFName 1..150 */
#define NGAP_MAX_IDENT_BITS 1024    /* singleDevice / groupDevices BIT STRING (SIZE(1..1024)) */
#define NGAP_MAX_READERS 65535      /* maxnoofReaders */
#define NGAP_MAX_DEVICES 65535      /* maxnoofDevices per reader report */
#define NGAP_MAX_NAS_PDU 256        /* AIoT NAS PDU octets carried here */
#define NGAP_MAX_MESSAGE (4u << 20) /* one framed message; bigger reports are split */

typedef enum ngap_type {
	NGAP_NG_SETUP_REQUEST = 1,          /* reader -> AIOTF: GlobalGNB-ID, reader index */
	NGAP_NG_SETUP_RESPONSE = 2,         /* AIOTF -> reader: AIOTF name */
	NGAP_INVENTORY_REQUEST = 3,         /* AIOTF -> reader */
	NGAP_INVENTORY_RESPONSE = 4,        /* reader -> AIOTF: accepted */
	NGAP_INVENTORY_FAILURE = 5,         /* reader -> AIOTF: Cause */
	NGAP_INVENTORY_REPORT = 6,          /* reader -> AIOTF: D2R NAS PDUs */
	NGAP_COMMAND_REQUEST = 7,           /* AIOTF -> reader */
	NGAP_COMMAND_RESPONSE = 8,          /* reader -> AIOTF */
	NGAP_COMMAND_FAILURE = 9,           /* reader -> AIOTF */
	NGAP_SESSION_RELEASE_COMMAND = 10,  /* AIOTF -> reader (AIOTSessionReleaseCommand) */
	NGAP_SESSION_RELEASE_COMPLETE = 11, /* reader -> AIOTF */
	NGAP_SESSION_RELEASE_REQUEST = 12,  /* reader -> AIOTF */
	/* DO-A (ours): a device that speaks first reaches the AIOTF through a reader, which
	 * names it by a RAN-AIOT-Device-NGAP-ID of its own for the length of the exchange. */
	NGAP_DOA_UPLINK_NAS = 13, /* reader -> AIOTF: Registration Request, Auth Response, data */
	NGAP_DOA_DOWNLINK_NAS =
	    14, /* AIOTF -> reader: Authentication Request, Registration Accept */
	NGAP_DOA_DOWNLINK_FAILURE = 15, /* reader -> AIOTF: a downlink PDU was not delivered */
} ngap_type;

/* AIoT-DeviceIdentificationRequested (CHOICE). */
typedef enum ngap_ident_kind {
	NGAP_IDENT_SINGLE = 0, /* singleDevice: permanent identifier or T-ID */
	NGAP_IDENT_GROUP = 1,  /* groupDevices: filtering information (a bit prefix) */
	NGAP_IDENT_ALL = 2,    /* allDevices */
} ngap_ident_kind;

/* Cause (TS 38.413 9.3.1.2), the groups and values this project uses. */
typedef enum ngap_cause_group { NGAP_CAUSE_RADIO = 0, NGAP_CAUSE_MISC = 4 } ngap_cause_group;
enum {
	NGAP_CAUSE_UNSPECIFIED = 0,
	NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID = 1, /* unknown-RAN-AIoT-Device-NGAP-ID */
	NGAP_CAUSE_AREA_NOT_SERVED = 2, /* requested-AIoT-service-area-information-not-served */
	NGAP_CAUSE_UNKNOWN_SESSION = 3, /* unknown-AIoT-session */
	NGAP_CAUSE_DEVICE_NOT_REACHABLE = 4, /* aiot-device-not-reachable */
	NGAP_CAUSE_MULTIPLE_SESSION_IDS = 5, /* multiple-AIoT-session-ID-instances */
	NGAP_CAUSE_OVERLOAD = 6,
};

typedef struct ngap_cause {
	uint8_t group;
	uint8_t value;
} ngap_cause;

typedef struct ngap_reader_ref { /* AIoT-RequestedServiceAreaInformation reader list item */
	uint32_t gnb_id;
	uint16_t reader_index;
} ngap_reader_ref;

typedef struct ngap_device_report { /* deviceReportList item */
	const uint8_t *nas_pdu;     /* AIoT-NASPDU; points into the decoded message */
	uint16_t nas_len;           /* 1..NGAP_MAX_NAS_PDU */
	uint8_t has_ran_device_id;
	uint32_t ran_device_id; /* RAN-AIOT-Device-NGAP-ID */
} ngap_device_report;

typedef struct ngap_reader_report { /* readerReportList item */
	uint16_t reader_index;
	ngap_device_report *devices;
	uint32_t ndevices; /* 0..NGAP_MAX_DEVICES */
} ngap_reader_report;

typedef struct ngap_msg {
	ngap_type type;
	uint16_t correlation_id; /* AIoT-CorrelationIdentifier 0..65535 */
	union {
		struct { /* NG_SETUP_REQUEST */
			uint32_t gnb_id;
			uint16_t reader_index;
			char name[NGAP_MAX_AIOTF_NAME + 1];
		} setup_req;
		struct { /* NG_SETUP_RESPONSE */
			char aiotf_name[NGAP_MAX_AIOTF_NAME + 1];
		} setup_resp;
		struct { /* INVENTORY_REQUEST (+ InventoryRequestTransfer) */
			char aiotf_name[NGAP_MAX_AIOTF_NAME + 1]; /* AIOTFIdentifier */
			ngap_ident_kind ident_kind;
			uint8_t ident[NGAP_MAX_IDENT_BITS / 8];
			uint16_t ident_bits;      /* 1..1024 for SINGLE/GROUP, 0 for ALL */
			ngap_reader_ref *readers; /* optional reader list */
			uint32_t nreaders;
			uint16_t expected_d2r_size; /* 1..256 */
			uint16_t approx_devices;    /* 0 = absent, else 1..65535 */
			uint16_t time_interval;     /* 0 = absent, else 1..256 */
			uint8_t followon_command;   /* AIoT-FollowonCommandIndication present */
			uint8_t rand_n[16];         /* AIoT-SecurityInfo a-IoT-RAND-n (mandatory) */
		} inv_req;
		struct { /* INVENTORY_FAILURE, COMMAND_FAILURE, SESSION_RELEASE_COMMAND/_REQUEST,
			    DOA_DOWNLINK_FAILURE (RAN ID required) */
			ngap_cause cause;
			uint8_t has_ran_device_id;
			uint32_t ran_device_id;
		} fail;
		struct { /* INVENTORY_REPORT */
			uint32_t gnb_id;
			ngap_reader_report *readers;
			uint32_t nreaders;
			uint8_t complete; /* inventoryCompleteIndication */
		} report;
		struct { /* COMMAND_REQUEST / COMMAND_RESPONSE */
			char aiotf_name[NGAP_MAX_AIOTF_NAME + 1]; /* request only */
			uint32_t ran_device_id;
			const uint8_t *nas_pdu;
			uint16_t nas_len;
			uint16_t expected_d2r_size; /* request only: 0 = absent, else 1..256 */
		} cmd;
		struct {                        /* DOA_UPLINK_NAS / DOA_DOWNLINK_NAS */
			uint32_t ran_device_id; /* the reader's name for the device */
			uint8_t
			    end; /* downlink only: the exchange ends, the reader forgets the ID */
			const uint8_t *nas_pdu;
			uint16_t nas_len; /* 1..NGAP_MAX_NAS_PDU */
		} doa;
	} u;
} ngap_msg;

/* Encode m; returns bytes written (> 0) or AIOT_ERR_NOSPACE / AIOT_ERR_INVAL (a field out
 * of its ASN.1 range, or more than NGAP_MAX_MESSAGE octets). ngap_encoded_size() gives the
 * exact size needed, 0 if m cannot be encoded. Reader indexes are 1..65535 (AIoT-ReaderIndex). */
int ngap_encode(const ngap_msg *m, uint8_t *out, size_t cap);
size_t ngap_encoded_size(const ngap_msg *m);

/* Decode one message (without the transport framing). On success *out is a newly allocated
 * message owning a copy of buf (its pointers point into that copy); free with ngap_free().
 * Returns AIOT_OK or AIOT_ERR_TRUNC / _MALFORMED / _UNKNOWN / _NOSPACE (allocation). */
int ngap_decode(const uint8_t *buf, size_t len, ngap_msg **out);
void ngap_free(ngap_msg *m);

const char *ngap_type_name(ngap_type t);

#endif
