/* SPDX-License-Identifier: Apache-2.0 */
/* The harness of the AIOTF procedures' unit tests (test_aiotf_proc*.c), without sockets: the
 * procedures' context (struct aiotf_proc) built alone, without the daemon's struct aiotf; the
 * actions recorded by fakes of aiotf_io (F); two readers set up by hand (aiotf_internal.h is
 * included for struct reader only, ng_readers.c's); the ADM, the readers, the devices and the
 * clock played by the test. Device n: permanent ID "dev-n", RAND_AIOT_d and RES of its own. */
#ifndef AIOT_TEST_AIOTF_PROC_HARNESS_H
#define AIOT_TEST_AIOTF_PROC_HARNESS_H
#include <stddef.h>
#include <stdint.h>

#include "aiotf/aiotf_internal.h" /* struct reader */
#include "aiotf/proc.h"
#include "nas/nas_security.h"

#define MAXREC 64

typedef struct adm_rec {
	char path[128];
	char *body;
	adm_build_fn build;
	adm_done_fn done;
	void *arg;
	int answered;
} adm_rec;

typedef struct ng_rec {
	reader *rd;
	ngap_type type;
	uint16_t corr;
	uint32_t ran_device_id;
	uint8_t end; /* DO-A downlink */
	uint8_t nas[AIOT_NAS_MAX_PDU];
	size_t nas_len;
} ng_rec;

typedef struct doa_rec { /* aiotf_io.doa_deliver */
	aiotf_id perm;
	int registration; /* data NULL */
	uint8_t data[AIOT_NAS_MAX_PAYLOAD];
	size_t len;
} doa_rec;

typedef struct fakes {
	uint64_t now;
	aiotf_timer *timers[MAXREC];
	size_t ntimers;
	adm_rec adm[MAXREC];
	size_t nadm;
	ng_rec ng[MAXREC];
	size_t nng;
	char *notif[MAXREC];
	size_t nnotif;
	doa_rec doa[MAXREC];
	size_t ndoa;
	reader *closed;  /* the link ng_close was asked to close */
	size_t released; /* transactions whose notification destination was released */
} fakes;

extern fakes F; /* what the procedures did, in order */

/* The procedures' context and what it points to; readers 0 and 1 (set up, connected). */
extern aiotf_proc *const A;
extern aiotf_cfg CFG;
extern aiotf_stats ST;
extern aiot_backend *BE;
extern reader *RD[2];

#define NOTIF "\"afId\":\"af\",\"notifUri\":\"http://127.0.0.1:9/cb\""
#define AREA                                                                                       \
	"\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},"               \
	"\"aiotAreaCode\":\"0a0B0c\"}]}"
#define READ_CMD "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":0,\"length\":4}"

/* The event loop's turn: deferred work (timers armed at 0 ms) runs until none is left. */
void run_deferred(void);
/* Time passes: every armed timer of at most ms fires, in this event (no deferred work). */
void fire(int ms);
/* ... then the deferred work runs. */
void expire(int ms);
/* The ADM answers request i (once, as the ADM client guarantees). */
void adm_answer(size_t i, int status, const char *json);
/* ADM requests whose path ends with suffix; the last one whose path contains it. */
size_t adm_count(const char *suffix);
size_t adm_last(const char *suffix);
/* cmocka setup / teardown of every test: a fresh context; at the end the AIOTF torn down
 * (pending ADM requests fail as the pool fails them) and every timer freed with its owner. */
int setup(void **state);
int teardown(void **state);
/* An accepted request (Naiotf_AIoT body json) becomes a transaction; get-rand is asked. */
tx *start(tx_type type, const char *json);
/* get-rand answered: one Inventory Request per reader; the probe paged on reader i. */
probe *paged(int i);
/* The ADM answers get-rand (RAND_AIOT_n). */
void answer_rand(void);
/* Device n: permanent ID "dev-n", RAND_AIOT_d n..., RES n repeated. */
void dev(int n, aiotf_id *perm, uint8_t rand_d[16], uint8_t res[8]);
/* A reader's Inventory Report carrying the D2Rs of devices devs[0..n), each presenting its
 * permanent ID, or the T-ID tid when tid is not NULL (identifier privacy). */
void report_as(probe *p, const int *devs, size_t n, int complete, const uint8_t *tid);
void report(probe *p, const int *devs, size_t n, int complete);
/* The ADM's GetAuthenticationResponse for device n: XRES = its RES. */
void answer_auth(size_t i, int n);
/* AIoTNotifs with lastRepInd. */
size_t count_last(void);
/* Times device n appears in the notifications (deviceId is its permanent ID, base64). */
size_t count_dev(int n);
const char *last_notif(void);
/* The only transaction ended, once: freed, active count 0, one lastRepInd, one release. */
void assert_ended_once(void);
/* A command transaction on reader 0, answered by device n (a complete report), under its
 * T-ID tid when not NULL. */
probe *command_reported_as(int n, const uint8_t *tid);
probe *command_reported(int n);
/* ... by device 1, authenticated, with its K_AIOTF: the READ Command Request is on the link
 * when this returns. */
probe *command_sent_as(const uint8_t *tid);
probe *command_sent(void);
/* The device's K_AIOT_int and K_AIOT_enc (TS 33.369 5.3.2), from K_AIOTF. */
void device_keys(uint8_t k_int[16], uint8_t k_enc[16]);
/* The device's Command Response (uplink COUNT count) with result (cmd, status); a READ's
 * success carries 4 octets. */
void command_result(probe *p, uint32_t count, aiot_nas_cmd cmd, aiot_nas_status status);
/* The device's Command Response (uplink COUNT count) to the READ just sent. */
void command_response(probe *p, uint32_t count);
/* The command the device reads in the k-th NG message (a Command Request). */
aiot_nas_cmd sent_command(size_t k);

#endif
