/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Card-backed devices (aiot-devsim --uicc N): the first N devices of devices.jsonl run the
 * same state machines with their K_AIOT_root on a UICC's AIoT application, reached through
 * PC/SC (src/pcsc). This file owns the binding (readers listed, each card's EF_AIOT_ID read,
 * the device holding that permanent ID bound to it, its soft key wiped) and the credential
 * ops that count card operations and errors. A card call blocks the caller (the event loop)
 * for one APDU exchange through pcscd, about a millisecond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "crypto/ct.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/pcsc.h"
#include "sim.h"

struct sim_card {
	aiot_cred_uicc cred;
	aiot_pcsc *pc;
	uint8_t failing; /* the last operation failed (logged once per run of failures) */
};

static sim *u_sim; /* one population per process, as in sim_devices.c */

static sim_card *card_of(const void *user)
{
	return u_sim->card_of[(const sim_dev *)user - u_sim->devs];
}

/* An operation's verdict counted; the first failure of a run said on stderr. */
static int counted(sim_card *c, int rc)
{
	u_sim->st.uicc_ops++;
	if (rc == AIOT_OK || rc == AIOT_ERR_MAC) {
		c->failing = 0;
		return rc;
	}
	u_sim->st.uicc_errors++;
	if (!c->failing)
		fprintf(stderr, "aiot-devsim: card in '%s': %s\n", aiot_pcsc_reader_name(c->pc),
		        c->cred.link.err);
	c->failing = 1;
	return rc;
}

static int op_inventory(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                        uint8_t res_octets, uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	sim_card *c = card_of(user);
	return counted(
	    c, aiot_cred_uicc_ops.inventory(&c->cred, rand_n, rand_d, res_octets, res, k_aiotf));
}

static int op_doa(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16], const uint8_t *id,
                  uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN], uint8_t res_octets,
                  uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	sim_card *c = card_of(user);
	return counted(c, aiot_cred_uicc_ops.doa(&c->cred, rand_n, rand_d, id, id_len, mac_n,
	                                         res_octets, res_d, k_aiotf));
}

static int op_next_tid(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                       uint8_t tid[AIOT_TID_LEN])
{
	sim_card *c = card_of(user);
	return counted(c, aiot_cred_uicc_ops.next_tid(&c->cred, rand_n, rand_d, tid));
}

static const aiot_cred_ops sim_card_ops = {op_inventory, op_doa, op_next_tid};

/* The genuine device among the first n whose permanent ID is id, or SIM_NONE. */
static uint32_t device_of(const sim *s, uint32_t n, const uint8_t *id, size_t len)
{
	for (uint32_t i = s->perm_head[sim_hash(id, len) & s->hmask]; i != SIM_NONE;
	     i = s->devs[i].next_perm) {
		const sim_dev *d = &s->devs[i];
		if (i < n && !d->clone && d->cfg.perm_id_len == len &&
		    memcmp(d->cfg.perm_id, id, len) == 0)
			return i;
	}
	return SIM_NONE;
}

/* "; 'READER': WHAT [(ID)]" appended to seen, what the binding saw in each reader. */
static void note(char *seen, size_t cap, const char *name, const char *what, const char *b64)
{
	size_t used = strlen(seen);
	snprintf(seen + used, cap - used, "%s'%.80s': %.200s%s%.60s%s", used ? "; " : "", name,
	         what, *b64 ? " (" : "", b64, *b64 ? ")" : "");
}

/* The card in reader `name`, if it holds the AIoT application of one of the first n
 * devices not yet bound: bound. Other cards (empty reader, no AIoT application, another
 * device) are noted in seen. */
static void try_reader(sim *s, uint32_t n, const char *name, char *seen, size_t cap)
{
	sim_card *c = &s->cards[s->ncards];
	uint8_t id[AIOT_DOA_ID_MAX];
	size_t len = 0;
	uint32_t i = SIM_NONE;
	char e[200], b64[AIOT_B64_LEN(AIOT_DOA_ID_MAX) + 1] = "";

	memset(c, 0, sizeof *c);
	if (aiot_pcsc_open(name, &c->pc, e, sizeof e) != AIOT_OK) {
		note(seen, cap, name, e, "");
		return;
	}
	if (aiot_cred_uicc_open(&c->cred, aiot_pcsc_xfer, c->pc) == AIOT_OK &&
	    aiot_cred_uicc_perm_id(&c->cred, id, &len) == AIOT_OK) {
		aiot_b64_encode(id, len, b64);
		i = device_of(s, n, id, len);
	}
	if (i == SIM_NONE || s->card_of[i] != NULL) {
		note(seen, cap, name,
		     len ? (i == SIM_NONE ? "a card for none of the first N devices"
		                          : "a second card for a bound device")
		         : c->cred.link.err,
		     b64);
		aiot_pcsc_close(c->pc);
		return;
	}
	note(seen, cap, name, "bound", b64);
	sim_dev *d = &s->devs[i];
	s->card_of[i] = c;
	s->ncards++;
	d->cfg.cred = &sim_card_ops;
	d->cfg.key_load = NULL;
	/* K_AIOT_root is the card's alone; key_len stays (a DO-A clone's wrong key has it). */
	aiot_zeroize(d->key, sizeof d->key);
}

/* The first of the n devices with no card, as "line L (ID)". */
static void unbound(const sim *s, uint32_t n, char *out, size_t cap)
{
	for (uint32_t i = 0; i < n; i++) {
		if (s->card_of[i] != NULL)
			continue;
		char b64[AIOT_B64_LEN(AIOT_DOA_ID_MAX) + 1];
		aiot_b64_encode(s->devs[i].cfg.perm_id, s->devs[i].cfg.perm_id_len, b64);
		snprintf(out, cap, "the device at line %u (%s)", s->devs[i].line, b64);
		return;
	}
}

int sim_uicc_bind(sim *s, uint32_t n, const char *filter, char *err, size_t errlen)
{
	char names[2048], seen[1500] = "", who[240] = "", e[200];
	uint32_t nreaders = 0;

	u_sim = s;
	if (n == 0)
		return 0;
	if (n > s->ndev - s->nclones) {
		snprintf(err, errlen, "uicc: %u card-backed devices, but only %u devices", n,
		         s->ndev - s->nclones);
		return -1;
	}
	if (aiot_pcsc_list_readers(names, sizeof names, e, sizeof e) != AIOT_OK) {
		snprintf(err, errlen, "uicc: %s", e);
		return -1;
	}
	s->card_of = calloc(n, sizeof *s->card_of);
	s->cards = calloc(n, sizeof *s->cards);
	if (s->card_of == NULL || s->cards == NULL) {
		snprintf(err, errlen, "uicc: out of memory");
		return -1;
	}
	s->nuicc = n;
	for (char *p = names, *nl; *p && s->ncards < n && nreaders < 64; p = nl) {
		nl = p + strcspn(p, "\n");
		if (*nl)
			*nl++ = '\0';
		if (filter == NULL || strstr(p, filter) != NULL) {
			nreaders++;
			try_reader(s, n, p, seen, sizeof seen);
		}
	}
	if (s->ncards == n)
		return 0;
	unbound(s, n, who, sizeof who);
	snprintf(err, errlen,
	         "uicc: %s has no card (%u of %u bound; readers%s%s: %s). A pcscd with Debian's "
	         "vpcd has two card slots: see scripts/pcsc.sh",
	         who, s->ncards, n, filter ? " matching " : "", filter ? filter : "",
	         nreaders ? seen : "none");
	return -1;
}

void sim_uicc_free(sim *s)
{
	for (uint32_t i = 0; i < s->ncards; i++)
		aiot_pcsc_close(s->cards[i].pc);
	free(s->cards);
	free(s->card_of);
	s->cards = NULL;
	s->card_of = NULL;
	s->ncards = s->nuicc = 0;
}
