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

#include "device/aiot_device.h"

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
} sim_dev;

typedef struct sim_stats {
	uint64_t pagings, responses, collisions, commands_accepted, commands_rejected;
	uint64_t clone_commands_accepted, clone_responses, tid_rotations, disabled;
	uint64_t lost, bad_frames, tid_store_failures;
	uint64_t repeats; /* kept Inventory Responses sent again in a later round */
} sim_stats;

typedef struct sim_session sim_session;

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

/* Internals shared by the sim files. */
uint64_t sim_rand64(sim *s);
int sim_index_tid(sim *s, uint32_t idx, const uint8_t *old_tid, const uint8_t *new_tid);
uint32_t sim_hash(const uint8_t *p, size_t n);

#endif
