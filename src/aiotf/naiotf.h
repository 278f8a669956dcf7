/* SPDX-License-Identifier: Apache-2.0 */
/* Naiotf_AIoT requests as validated (naiotf.c): what a procedure is asked to do. A request
 * belongs to its transaction once accepted (tx_free frees it), before that to afauth.c. */
#ifndef AIOT_AIOTF_NAIOTF_H
#define AIOT_AIOTF_NAIOTF_H
#include <stdint.h>

#include <cjson/cJSON.h>

#include "nas/nas.h"
#include "sbi/sbi_json.h"
#include "sbi/sbi_url.h"

struct sbi_pending;
struct notif_dest;

typedef struct aiotf_id {
	uint8_t len; /* 1..AIOT_NAS_MAX_ID_LEN */
	uint8_t b[AIOT_NAS_MAX_ID_LEN];
} aiotf_id;

/* AiotAreaId (TS 29.571), as validated: digits / hex digits, nid "" when absent. */
typedef struct aiotf_area {
	char mcc[4], mnc[4], nid[12], code[7];
} aiotf_area;

/* Transactions (inventory, command), then DO-A subscription requests (doa_subs.h): POST,
 * GET, DELETE, which never become transactions. */
typedef enum tx_type {
	TX_INVENTORY = 0,
	TX_COMMAND = 1,
	TX_DOA_SUB = 2,
	TX_DOA_GET = 3,
	TX_DOA_DEL = 4
} tx_type;
typedef enum tgt_kind { TGT_AREA = 0, TGT_DEVICES = 1, TGT_FILTER = 2 } tgt_kind;

typedef struct aiotf_req {
	tx_type type;
	char trans_id[48];
	char *af_id;
	char *notif_uri;
	tgt_kind kind;     /* TGT_AREA: no targetDevices */
	aiotf_area *areas; /* targetArea.areaIds (NULL when absent) */
	size_t nareas;
	aiotf_id *devs; /* TGT_DEVICES */
	size_t ndevs;
	aiotf_id filt;          /* TGT_FILTER */
	uint32_t num_devices;   /* 0 = absent */
	uint32_t time_interval; /* 0 = absent */
	uint8_t reg_ind;        /* TX_DOA_SUB: regInd */
	/* TX_COMMAND */
	int cmd; /* AIOT_CMD_READ / _WRITE / _DISABLE */
	uint16_t offset;
	uint8_t length;
	uint8_t data[AIOT_NAS_MAX_DATA];
	struct sbi_pending *pending; /* the AF's request, answered once authorized (afauth.c) */
	char notif_addr[46];         /* notifUri's host as checked and resolved (notify_policy.c) */
	struct notif_dest *dest;     /* its destination, held while the transaction runs */
	struct aiotf_req *next;
} aiotf_req;

/* Parse and validate an InventoryReq / CommandReq / DoaSubscription body. NULL with e filled
 * (sbi_err_status() gives the status). */
aiotf_req *naiotf_parse(tx_type type, const uint8_t *body, size_t len, sbi_err *e);
void aiotf_req_free(aiotf_req *r);
/* An AiotArea; where names it in error texts. 0, or -1 with e filled. *out malloc'd. */
int naiotf_parse_area(const cJSON *area, const char *where, aiotf_area **out, size_t *n,
                      sbi_err *e);

#endif
