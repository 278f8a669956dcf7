/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-devsim internals: a population of AIoT devices, each running the real device library
 * (src/device), and the radio medium between them and a reader (docs/protocol.md §5).
 * The medium is sans-I/O: sim_medium_input() takes one received frame and emits the frames
 * to send back through a callback; main.c owns the socket, the clock and the signals.
 */
#ifndef AIOT_SIM_H
#define AIOT_SIM_H
#include <stddef.h>
#include <stdint.h>

#include "air/air.h"
#include "device/aiot_device.h"
#include "device/aiot_doa.h"

#define SIM_MEM_SIZE 256    /* user memory per device (TS 23.369 5.2.2 READ/WRITE) */
#define SIM_MAX_SESSIONS 64 /* concurrent reader sessions the medium tracks */
#define SIM_NONE UINT32_MAX

typedef struct sim_dev {
	aiot_device dev; /* the device library's state */
	aiot_device_cfg cfg;
	uint8_t key[32]; /* K_AIOT_root (a clone: a random wrong key) */
	uint8_t key_len;
	uint8_t clone;    /* 1: copies another device's identifiers, wrong key */
	uint8_t acked;    /* read and acknowledged in session `serial` */
	uint8_t resp_len; /* its Inventory Response for session `serial` (0: none), kept
	                     until acknowledged: re-sent as is in later rounds */
	uint8_t disabled; /* the disabled callback ran */
	uint32_t serial;  /* medium session the device last answered (0: none) */
	/* The medium sessions of its last AIOT_DEVICE_SESSIONS answers: a Command Request in
	 * any of them reaches the device, whose library holds that many sessions (NOTE 1). */
	uint32_t answered[AIOT_DEVICE_SESSIONS];
	uint8_t answered_next;
	uint32_t line;      /* devices.jsonl line (clones: the copied device's line) */
	uint32_t next_perm; /* index chains: permanent ID, T-ID, group code */
	uint32_t next_tid;
	uint32_t next_group;
	uint8_t nvm_tid[16]; /* simulated non-volatile memory of the T-ID */
	uint8_t tid_indexed; /* nvm_tid is in the T-ID index */
} sim_dev;

/* A DO-A device (sim_doa.c): the device library's DO-A machine and what its radio keeps. */
typedef struct sim_doa_dev {
	aiot_doa doa;
	uint32_t idx;             /* the device in sim.devs */
	uint8_t pdu[AIR_MAX_NAS]; /* the uplink PDU waiting for a slot and its ACK */
	uint16_t pdu_len;         /* 0: nothing to send */
	uint8_t sent;             /* pdu went out in the last round, no ACK yet */
	uint8_t bo_exp;           /* back-off: 0..2^bo_exp - 1 rounds sat out (capped) */
	uint16_t backoff;         /* rounds still to sit out */
	uint64_t answer_due_us;   /* M2 / M4 awaited until (0: none) */
	uint64_t next_data_us;    /* REGISTERED: the next Uplink Data */
	uint32_t data_seq;        /* application data: the device's line, then this */
} sim_doa_dev;

/* Device handles of a session: handle = ((index ^ k1) * m) ^ k2 (mod 2^32), m odd. */
typedef struct sim_handles {
	uint32_t k1, k2, m, minv;
} sim_handles;

typedef struct sim_stats {
	uint64_t pagings, responses, collisions, commands_accepted, commands_rejected;
	uint64_t clone_commands_accepted, clone_responses, tid_rotations, disabled;
	uint64_t lost, bad_frames, tid_store_failures;
	uint64_t repeats; /* kept Inventory Responses sent again in a later round */
	/* DO-A (sim_doa.c). */
	uint64_t doa_opens;         /* DOA_OPEN frames received */
	uint64_t doa_starts;        /* registrations started (M1 with a fresh RAND_d) */
	uint64_t doa_registrations; /* M4 accepted */
	uint64_t doa_uplink_sent;   /* Uplink Data PDUs ACKed by the reader (M3's excluded) */
	uint64_t doa_retries;       /* PDUs sent again: no ACK after a collision or a loss */
	uint64_t doa_timeouts;      /* new M1s: the answer did not come in time */
	uint64_t doa_gave_up;       /* registrations abandoned after max tries (restarted) */
	uint64_t doa_collisions;    /* DO-A slots with two or more devices */
	uint64_t doa_unexpected;    /* DOA_DOWNLINK to a device not waiting for it */
	/* DO-A attackers (sim_doa_attack.c, docs/protocol.md §5.7.3). */
	uint64_t doa_rogue_m2_sent, doa_rogue_m4_sent;     /* forged PDUs handed to devices */
	uint64_t doa_rogue_network_accepted;               /* of them accepted (must stay 0) */
	uint64_t doa_clone_m3_sent;                        /* clone M3s the reader took */
	uint64_t doa_clone_registered;                     /* M4 to a clone (must stay 0) */
	uint64_t doa_replays_sent;                         /* replayed PDUs the reader took: */
	uint64_t doa_replays_own_m3, doa_replays_own_data; /* under the victim's own handle */
	uint64_t doa_replays_fresh;                        /* under a new attacker handle */
	uint64_t doa_replays_after_m1; /* an old M3 after the attacker's own M1 */
	uint64_t doa_replays_answered; /* M4 for a replayed M3 (must stay 0) */
	/* Card-backed devices (sim_uicc.c). */
	uint64_t uicc_ops;    /* credential operations answered through a card */
	uint64_t uicc_errors; /* of them failed: card gone, refused, unparsable answer */
} sim_stats;

typedef struct sim_doa_attack sim_doa_attack;

typedef struct sim_session sim_session;
typedef struct sim_card sim_card;

typedef struct sim {
	sim_dev *devs;
	uint32_t ndev; /* genuine + clones */
	uint32_t nclones;
	uint8_t *ids;      /* permanent identifiers, back to back */
	uint8_t *mem;      /* ndev * SIM_MEM_SIZE user memory (calloc: lazily backed) */
	uint8_t *resp_pdu; /* ndev * AIOT_NAS_INV_RESP_MAX_LEN: each device's Inventory
	                      Response of its current session (calloc: lazily backed) */
	uint32_t *perm_head, *tid_head, *group_head; /* hash buckets -> device index chains */
	uint32_t hmask;
	double loss;           /* probability a D2R SINGLE / COMMAND_RESP is dropped */
	uint64_t rng[4];       /* xoshiro256**: slots, loss, handles (not key material) */
	uint8_t drbg_seed[32]; /* RAND_AIOT_d: SHA-256(seed || counter) */
	uint64_t drbg_ctr;
	sim_session *sessions[SIM_MAX_SESSIONS];
	uint32_t next_serial;
	uint64_t clock; /* frames processed: LRU age of sessions */
	/* Per-round scratch. */
	struct sim_resp *resp;
	size_t resp_cap;
	uint32_t *slot_count, *slot_first, *order;
	sim_stats st;
	/* Device-originated access: the devices doing it, and the reader's DO-A session. */
	sim_doa_dev *doa;
	uint32_t ndoa;
	uint32_t doa_period_ms, doa_timeout_ms;
	uint32_t doa_session; /* valid when doa_started */
	uint8_t doa_started;
	sim_handles doa_h;
	uint64_t *doa_draw;  /* per-round scratch: slot << 32 | device */
	uint64_t now_us;     /* the caller's clock, set before each sim_medium_input */
	sim_doa_attack *atk; /* DO-A attackers on the medium (NULL: none) */
	/* Card-backed devices: devs[i] for i < nuicc runs on card_of[i] (sim_uicc.c). */
	sim_card *cards;
	sim_card **card_of;
	uint32_t ncards, nuicc;
} sim;

/* Load devices.jsonl (one device per line, docs/protocol.md §5.6), add `clones` clones,
 * build the indexes. seed != 0 makes the run reproducible (RAND_AIOT_d included: for tests
 * only); seed == 0 seeds from getrandom(). Returns 0, or -1 with "FILE:LINE: problem". */
int sim_load(sim *s, const char *path, uint32_t clones, uint64_t seed, char *err, size_t errlen);
void sim_free(sim *s);

typedef void (*sim_emit_fn)(void *arg, const uint8_t *frame, size_t len);

/* One R2D frame in; the D2R frames it causes out through emit, in order. Malformed frames
 * are counted and dropped (returns the decoder's AIOT_ERR_*), else AIOT_OK. */
int sim_medium_input(sim *s, const uint8_t *buf, size_t len, sim_emit_fn emit, void *arg);

/* The first n devices on cards (aiot-devsim --uicc, sim_uicc.c), after sim_load and before
 * sim_doa_setup: every PC/SC reader whose name contains filter (NULL: all) is opened, its
 * card's EF_AIOT_ID read, and the device with that permanent ID bound to the card (its
 * credential ops the card's, its soft key wiped). 0, or -1 with err naming the first device
 * without a card and the readers seen. Card calls block for one APDU exchange. */
int sim_uicc_bind(sim *s, uint32_t n, const char *filter, char *err, size_t errlen);
void sim_uicc_free(sim *s);

/* n of the genuine devices (spread evenly over the file) become DO-A devices: they register on
 * the first DOA_OPEN of each DO-A session, send Uplink Data every period_ms once registered,
 * and start again (new RAND_d) when M2 / M4 is not there timeout_ms after the reader took
 * their PDU. 0, or -1 with err. */
int sim_doa_setup(sim *s, uint32_t n, uint32_t period_ms, uint32_t timeout_ms, char *err,
                  size_t errlen);
/* Devices currently REGISTERED; sum of the devices' refused M2s / M4s. */
uint32_t sim_doa_registered(const sim *s);
uint64_t sim_doa_m2_dropped(const sim *s);
uint64_t sim_doa_m4_dropped(const sim *s);

/* DO-A attackers (sim_doa_attack.c, docs/protocol.md §5.7.3), after sim_doa_setup: a rogue
 * network forging M2 / M4 for a share `rogue` (0..1) of the exchanges, `clones` DO-A clones,
 * a rogue device replaying each M3 / Uplink Data it hears with probability `replay`. 0, or -1
 * with err. */
int sim_doa_attack_setup(sim *s, double rogue, uint32_t clones, double replay, char *err,
                         size_t errlen);
uint32_t sim_doa_clones(const sim *s);
/* Clone c's wrong K_AIOT_root (*len octets) and the DO-A device it copies (tests only). */
const uint8_t *sim_doa_clone_key(const sim *s, uint32_t c, size_t *len, uint32_t *victim);

/* Internals shared by the sim files. */
uint64_t sim_rand64(sim *s);
void sim_drbg(sim *s, uint8_t *out, size_t len); /* SHA-256(seed || counter): RANDs, keys */
int sim_lost(sim *s);                            /* a D2R frame is lost on the air (--loss) */
void sim_emit_frame(sim_emit_fn emit, void *arg, const air_frame *f);
void sim_handles_new(sim *s, sim_handles *h);
uint32_t sim_handle_of(const sim_handles *h, uint32_t idx);
uint32_t sim_index_of(const sim_handles *h, uint32_t handle);
/* sim_doa.c: DOA_OPEN, DOA_DOWNLINK, and an ACK under the DO-A session (1: it was). */
void sim_doa_on_open(sim *s, const air_frame *f, sim_emit_fn emit, void *arg);
void sim_doa_on_downlink(sim *s, const air_frame *f);
int sim_doa_on_ack(sim *s, const air_frame *f);
void sim_doa_free(sim *s);
/* A DOA_DOWNLINK's PDU handed to DO-A device dd's library; 1 if the library took it. */
int sim_doa_deliver(sim *s, sim_doa_dev *dd, const uint8_t *nas, size_t len);
/* sim_doa_attack.c, called by sim_doa.c (no-ops without attackers): a genuine device's PDU
 * on the air (SINGLE) and a genuine DOA_DOWNLINK to it, seen by the attackers; its PDU
 * acknowledged; a round's draws of the attackers (appended to s->doa_draw after the genuine
 * ones; ids >= ndoa) and the PDU of such an id; ACK and DOA_DOWNLINK handles not of a
 * genuine device; a new DO-A session. */
void sim_doa_atk_heard(sim *s, uint32_t j, const uint8_t *pdu, size_t len);
void sim_doa_atk_heard_down(sim *s, uint32_t j, const uint8_t *pdu, size_t len);
void sim_doa_atk_acked(sim *s, uint32_t j);
uint32_t sim_doa_atk_draw(sim *s, uint32_t nslots, uint32_t ndraw);
const uint8_t *sim_doa_atk_pdu(sim *s, uint32_t id, uint32_t *handle, uint16_t *len);
void sim_doa_atk_on_ack(sim *s, uint32_t handle);
void sim_doa_atk_on_downlink(sim *s, uint32_t handle, const uint8_t *pdu, size_t len);
int sim_doa_atk_unexpected(sim *s, uint32_t j, const uint8_t *pdu, size_t len);
void sim_doa_atk_session(sim *s);
void sim_doa_atk_free(sim *s);
int sim_index_tid(sim *s, uint32_t idx, const uint8_t *old_tid, const uint8_t *new_tid);
uint32_t sim_hash(const uint8_t *p, size_t n);

#endif
