/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device population: devices.jsonl (the output of `aiot provision`) -> one aiot_device
 * per line with its callbacks (secure storage, entropy, user memory, T-ID NVM), plus clones,
 * plus the identifier indexes that let a paging reach only the devices it may address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/sha256.h"
#include "devfile/devices_jsonl.h"
#include "sim.h"

/* The callbacks get the device as `user`; the population they belong to is this one (one
 * population per process). */
static sim *g_sim;

uint32_t sim_hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ^ (h >> 15);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman, Vigna): slot choice, loss, handle keys. Not for key material. */
uint64_t sim_rand64(sim *s)
{
	uint64_t *r = s->rng;
	uint64_t out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;
	r[2] ^= r[0];
	r[3] ^= r[1];
	r[1] ^= r[2];
	r[0] ^= r[3];
	r[2] ^= t;
	r[3] = rotl(r[3], 45);
	return out;
}

/* RAND_AIOT_d source (TS 33.369 5.2.2 step 4; its randomness is FFS there): blocks of
 * SHA-256(seed || counter), the seed from getrandom() unless --seed asked for a replay. */
void sim_drbg(sim *s, uint8_t *out, size_t len)
{
	while (len) {
		uint8_t in[40], blk[32];
		memcpy(in, s->drbg_seed, 32);
		for (int i = 0; i < 8; i++)
			in[32 + i] = (uint8_t)(s->drbg_ctr >> (56 - 8 * i));
		s->drbg_ctr++;
		aiot_sha256(in, sizeof in, blk);
		size_t n = len < 32 ? len : 32;
		memcpy(out, blk, n);
		aiot_zeroize(blk, sizeof blk);
		out += n;
		len -= n;
	}
}

static int cb_entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	sim_drbg(g_sim, out, len);
	return 0;
}

/* Secure storage: the device's K_AIOT_root (the library zeroises its copy after use). */
static int cb_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	const sim_dev *d = user;
	if (d->key_len > cap)
		return -1;
	memcpy(key, d->key, d->key_len);
	*len = d->key_len;
	return 0;
}

static uint8_t *dev_mem(const sim_dev *d)
{
	return g_sim->mem + (size_t)(d - g_sim->devs) * SIM_MEM_SIZE;
}

static int cb_mem_read(void *user, uint16_t offset, uint8_t *out, uint8_t len)
{
	if ((size_t)offset + len > SIM_MEM_SIZE)
		return AIOT_ST_PARAMS_INVALID;
	memcpy(out, dev_mem(user) + offset, len);
	return AIOT_ST_SUCCESS;
}

static int cb_mem_write(void *user, uint16_t offset, const uint8_t *in, uint8_t len)
{
	if ((size_t)offset + len > SIM_MEM_SIZE)
		return AIOT_ST_PARAMS_INVALID;
	memcpy(dev_mem(user) + offset, in, len);
	return AIOT_ST_SUCCESS;
}

/* TID_UPDATE (identifier privacy): persist, re-index; the library commits after this. Both
 * machines of a device (network-triggered, DO-A) store into the one NVM T-ID, which is the
 * one indexed (tid_indexed). */
static int cb_tid_store(void *user, const uint8_t tid[16])
{
	sim_dev *d = user;
	uint32_t idx = (uint32_t)(d - g_sim->devs);
	if (sim_index_tid(g_sim, idx, d->tid_indexed ? d->nvm_tid : NULL, tid) != 0) {
		g_sim->st.tid_store_failures++;
		return -1;
	}
	memcpy(d->nvm_tid, tid, 16);
	d->tid_indexed = 1;
	g_sim->st.tid_rotations++;
	return 0;
}

static void cb_disabled(void *user)
{
	sim_dev *d = user;
	d->disabled = 1;
	g_sim->st.disabled++;
}

static void chain_push(uint32_t *head, uint32_t *next_of_idx, uint32_t idx)
{
	*next_of_idx = *head;
	*head = idx;
}

/* Move device idx from the old T-ID's chain to the new one's. */
int sim_index_tid(sim *s, uint32_t idx, const uint8_t *old_tid, const uint8_t *new_tid)
{
	if (old_tid != NULL) {
		uint32_t *pp = &s->tid_head[sim_hash(old_tid, 16) & s->hmask];
		while (*pp != SIM_NONE && *pp != idx)
			pp = &s->devs[*pp].next_tid;
		if (*pp == idx)
			*pp = s->devs[idx].next_tid;
	}
	s->devs[idx].next_tid = SIM_NONE;
	if (new_tid != NULL)
		chain_push(&s->tid_head[sim_hash(new_tid, 16) & s->hmask], &s->devs[idx].next_tid,
		           idx);
	return 0;
}

static void set_callbacks(sim_dev *d)
{
	d->cfg.entropy = cb_entropy;
	d->cfg.key_load = cb_key_load;
	d->cfg.mem_read = cb_mem_read;
	d->cfg.mem_write = cb_mem_write;
	d->cfg.tid_store = cb_tid_store;
	d->cfg.disabled = cb_disabled;
	d->cfg.user = d;
}

/* One line of devices.jsonl into d (permanent ID appended to ids at *ids_used): 0, 1 for a
 * blank line, -1 with the reason in msg. resBits and group may be left out here. */
static int parse_line(const char *line, size_t len, sim_dev *d, uint8_t *ids, size_t *ids_used,
                      char *msg, size_t mlen)
{
	aiot_devline l;
	int rc = aiot_devline_parse(line, len, 0, AIOT_NAS_MAX_ID_LEN, &l, msg, mlen);
	if (rc != 0)
		return rc;
	if (l.privacy && !l.has_tid) {
		/* The device would have to show its permanent ID: refuse (TS 33.369 privacy). */
		snprintf(msg, mlen, "privacy device without a tid");
		rc = -1;
		goto out;
	}
	memcpy(ids + *ids_used, l.perm_id, l.perm_id_len);
	*ids_used += l.perm_id_len;
	d->cfg.perm_id = NULL; /* set once ids stops moving */
	d->cfg.perm_id_len = l.perm_id_len;
	memcpy(d->key, l.key, l.key_len);
	d->key_len = l.key_len;
	d->cfg.suite = l.suite;
	d->cfg.res_bits = l.res_bits;
	d->cfg.privacy = l.privacy;
	memcpy(d->nvm_tid, l.tid, sizeof d->nvm_tid);
out:
	aiot_zeroize(&l, sizeof l);
	return rc;
}

static int grow(sim *s, size_t *cap, size_t *ids_cap)
{
	size_t nc = *cap ? *cap * 2 : 1024;
	sim_dev *nd = malloc(nc * sizeof *nd); /* not realloc: the old block holds keys */
	if (nd == NULL)
		return -1;
	if (s->devs != NULL) {
		memcpy(nd, s->devs, *cap * sizeof *nd);
		aiot_zeroize(s->devs, *cap * sizeof *nd);
		free(s->devs);
	}
	s->devs = nd;
	*cap = nc;
	uint8_t *ni = realloc(s->ids, nc * AIOT_NAS_MAX_ID_LEN);
	if (ni == NULL)
		return -1;
	s->ids = ni;
	*ids_cap = nc * AIOT_NAS_MAX_ID_LEN;
	return 0;
}

static void make_clones(sim *s, uint32_t ngen, uint32_t k)
{
	for (uint32_t j = 0; j < k; j++) {
		/* Deterministic choice: every ngen/k-th genuine device. */
		uint32_t g = (uint32_t)((uint64_t)j * ngen / k);
		sim_dev *c = &s->devs[ngen + j];
		*c = s->devs[g];
		c->clone = 1;
		do { /* a wrong key of the same length */
			sim_drbg(s, c->key, c->key_len);
		} while (aiot_ct_eq(c->key, s->devs[g].key, c->key_len));
		char id[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
		aiot_b64_encode(c->cfg.perm_id, c->cfg.perm_id_len, id);
		fprintf(stderr, "aiot-devsim: clone %u copies device at line %u (%s)%s\n", ngen + j,
		        c->line, id, c->cfg.privacy ? ", T-ID too" : "");
	}
}

static int build_index(sim *s, char *err, size_t errlen)
{
	uint32_t nb = 1024;
	while (nb < 2 * s->ndev)
		nb *= 2;
	s->hmask = nb - 1;
	s->perm_head = malloc(nb * sizeof(uint32_t));
	s->tid_head = malloc(nb * sizeof(uint32_t));
	s->group_head = malloc(nb * sizeof(uint32_t));
	if (!s->perm_head || !s->tid_head || !s->group_head) {
		snprintf(err, errlen, "out of memory for the index of %u devices", s->ndev);
		return -1;
	}
	memset(s->perm_head, 0xFF, nb * sizeof(uint32_t));
	memset(s->tid_head, 0xFF, nb * sizeof(uint32_t));
	memset(s->group_head, 0xFF, nb * sizeof(uint32_t));
	/* Pushed in reverse so that chains list devices in file order. */
	for (uint32_t i = s->ndev; i-- > 0;) {
		sim_dev *d = &s->devs[i];
		d->next_tid = d->next_group = SIM_NONE;
		chain_push(&s->perm_head[sim_hash(d->cfg.perm_id, d->cfg.perm_id_len) & s->hmask],
		           &d->next_perm, i);
		d->tid_indexed = d->dev.has_tid; /* its T-ID is nvm_tid (aiot_device_init) */
		if (d->dev.has_tid)
			chain_push(&s->tid_head[sim_hash(d->dev.tid, 16) & s->hmask], &d->next_tid,
			           i);
		if (d->cfg.perm_id_len >= 4)
			chain_push(&s->group_head[sim_hash(d->cfg.perm_id, 4) & s->hmask],
			           &d->next_group, i);
	}
	return 0;
}

int sim_load(sim *s, const char *path, uint32_t clones, uint64_t seed, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fbuf = malloc(BUFSIZ), msg[160];
	size_t lcap = 0, cap = 0, ids_cap = 0, ids_used = 0;
	uint32_t lineno = 0, ngen = 0;
	ssize_t n;
	int rc = -1;

	memset(s, 0, sizeof *s);
	g_sim = s;
	s->next_serial = 1;
	if (f == NULL || fbuf == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(f ? ENOMEM : errno));
		if (f != NULL)
			fclose(f);
		free(fbuf);
		return -1;
	}
	setvbuf(f, fbuf, _IOFBF, BUFSIZ); /* ours, to wipe: the file holds keys */
	if (seed != 0) {
		uint64_t x = seed; /* splitmix64 expands the seed */
		for (int i = 0; i < 4; i++) {
			x += 0x9E3779B97F4A7C15ull;
			uint64_t z = x;
			z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
			z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
			s->rng[i] = z ^ (z >> 31);
		}
		aiot_sha256((const uint8_t *)s->rng, sizeof s->rng, s->drbg_seed);
	} else if (getrandom(s->rng, sizeof s->rng, 0) != sizeof s->rng ||
	           getrandom(s->drbg_seed, sizeof s->drbg_seed, 0) != sizeof s->drbg_seed) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		goto out;
	}
	while ((n = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		if (ngen + clones + 1 > cap && grow(s, &cap, &ids_cap) != 0) {
			snprintf(err, errlen, "out of memory at %u devices", ngen);
			goto out;
		}
		sim_dev *d = &s->devs[ngen];
		memset(d, 0, sizeof *d);
		int pr = parse_line(line, (size_t)n, d, s->ids, &ids_used, msg, sizeof msg);
		if (pr == 1)
			continue; /* blank line */
		if (pr != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
		d->line = lineno;
		if (++ngen == UINT32_MAX - 1) {
			snprintf(err, errlen, "%s: too many devices", path);
			goto out;
		}
	}
	if (ngen == 0) {
		snprintf(err, errlen, "%s: no devices", path);
		goto out;
	}
	if (clones > ngen) {
		snprintf(err, errlen, "--clones %u: only %u devices to copy", clones, ngen);
		goto out;
	}
	while (ngen + clones > cap) {
		if (grow(s, &cap, &ids_cap) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	/* ids no longer moves: point each configuration at its identifier, start devices. */
	size_t off = 0;
	for (uint32_t i = 0; i < ngen; i++) {
		sim_dev *d = &s->devs[i];
		d->cfg.perm_id = s->ids + off;
		off += d->cfg.perm_id_len;
	}
	s->ndev = ngen + clones;
	s->nclones = clones;
	make_clones(s, ngen, clones);
	for (uint32_t i = 0; i < s->ndev; i++) {
		sim_dev *d = &s->devs[i];
		set_callbacks(d);
		if (aiot_device_init(&d->dev, &d->cfg, d->cfg.privacy ? d->nvm_tid : NULL) !=
		    AIOT_OK) {
			snprintf(err, errlen, "%s:%u: the device library refused the profile", path,
			         d->line);
			goto out;
		}
	}
	s->mem = calloc(s->ndev, SIM_MEM_SIZE);
	s->resp_pdu = calloc(s->ndev, AIOT_NAS_INV_RESP_MAX_LEN);
	if (s->mem == NULL || s->resp_pdu == NULL) {
		snprintf(err, errlen, "out of memory for user memory");
		goto out;
	}
	rc = build_index(s, err, errlen);
out:
	if (line != NULL)
		aiot_zeroize(line, lcap);
	free(line);
	fclose(f);
	aiot_zeroize(fbuf, BUFSIZ);
	free(fbuf);
	if (rc != 0)
		sim_free(s);
	return rc;
}
