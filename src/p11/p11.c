/* SPDX-License-Identifier: Apache-2.0 */
/* K_AIOT_root in a PKCS#11 token (p11.h). */
#define CRYPTOKI_GNU                                                                               \
	1 /* p11-kit's header: the spec's lowercase names, no macros named                         \
	     "value" or "count" leaking into this file */
#include "p11.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <p11-kit/pkcs11.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "store/private_file.h"

#define PIN_MAX 256
#define MSG_MAX 512            /* a message C_Sign takes in one call; longer: SignUpdate */
#define HANDLES_FIRST 1024     /* handle table entries of a new session */
#define HANDLES_MAX (1u << 20) /* and at most (16 MiB) */
#define FIND_BATCH 256

/* A handle the setup session's listing saw for a reference (by its random part): a hint for
 * the backends' sessions, which check it before use (PKCS#11 v2.40 leaves open whether a
 * handle is valid in every session of an application). */
typedef struct handle_hint {
	uint64_t id;
	ck_object_handle_t h;
} handle_hint;

struct aiot_p11 {
	handle_hint *hints; /* sorted by id, from the last aiot_p11_list() */
	size_t nhints;
	void *dl;
	struct ck_function_list *f;
	ck_slot_id_t slot;
	ck_session_handle_t s; /* setup session: login, import, list */
	int has_session, finalize;
	char token[33];
};

/* The return values an operator may meet, by name (PKCS#11 v2.40 section 5.1). */
static const char *rv_name(ck_rv_t rv)
{
	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_HOST_MEMORY:
		return "CKR_HOST_MEMORY";
	case CKR_GENERAL_ERROR:
		return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED:
		return "CKR_FUNCTION_FAILED";
	case CKR_ARGUMENTS_BAD:
		return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_TYPE_INVALID:
		return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID:
		return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_DEVICE_ERROR:
		return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_MEMORY:
		return "CKR_DEVICE_MEMORY";
	case CKR_KEY_HANDLE_INVALID:
		return "CKR_KEY_HANDLE_INVALID";
	case CKR_KEY_SIZE_RANGE:
		return "CKR_KEY_SIZE_RANGE";
	case CKR_KEY_TYPE_INCONSISTENT:
		return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_MECHANISM_INVALID:
		return "CKR_MECHANISM_INVALID";
	case CKR_OBJECT_HANDLE_INVALID:
		return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_PIN_INCORRECT:
		return "CKR_PIN_INCORRECT";
	case CKR_PIN_LEN_RANGE:
		return "CKR_PIN_LEN_RANGE";
	case CKR_PIN_LOCKED:
		return "CKR_PIN_LOCKED";
	case CKR_SESSION_HANDLE_INVALID:
		return "CKR_SESSION_HANDLE_INVALID";
	case CKR_TEMPLATE_INCOMPLETE:
		return "CKR_TEMPLATE_INCOMPLETE";
	case CKR_TEMPLATE_INCONSISTENT:
		return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TOKEN_NOT_PRESENT:
		return "CKR_TOKEN_NOT_PRESENT";
	case CKR_TOKEN_WRITE_PROTECTED:
		return "CKR_TOKEN_WRITE_PROTECTED";
	case CKR_USER_NOT_LOGGED_IN:
		return "CKR_USER_NOT_LOGGED_IN";
	case CKR_USER_PIN_NOT_INITIALIZED:
		return "CKR_USER_PIN_NOT_INITIALIZED";
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return "CKR_CRYPTOKI_NOT_INITIALIZED";
	default:
		return NULL;
	}
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* " (CKR_NAME)" or " (CKR 0x...)" for messages. */
static const char *rv_text(ck_rv_t rv, char buf[32])
{
	const char *n = rv_name(rv);
	if (n != NULL)
		snprintf(buf, 32, "%s", n);
	else
		snprintf(buf, 32, "CKR 0x%lx", (unsigned long)rv);
	return buf;
}

/* The user PIN from its file (checked like the KEK file), without a trailing newline. */
static int read_pin(const char *path, char pin[PIN_MAX], size_t *len, char *err, size_t errlen)
{
	int fd = aiot_private_open("PIN file", path, O_RDONLY, err, errlen);
	if (fd < 0)
		return AIOT_ERR_STATE;
	ssize_t n = read(fd, pin, PIN_MAX);
	int e = errno;
	close(fd);
	if (n < 0)
		return fail(err, errlen, AIOT_ERR_STATE, "PIN file %s: %s", path, strerror(e));
	if (n == PIN_MAX)
		return fail(err, errlen, AIOT_ERR_STATE, "PIN file %s: longer than %d bytes", path,
		            PIN_MAX - 1);
	while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		n--;
	if (n == 0)
		return fail(err, errlen, AIOT_ERR_STATE, "PIN file %s is empty", path);
	*len = (size_t)n;
	return AIOT_OK;
}

/* A token label is 32 bytes, padded with blanks. */
static int label_is(const unsigned char l[32], const char *want)
{
	size_t n = strlen(want);
	if (n > 32 || memcmp(l, want, n) != 0)
		return 0;
	for (size_t i = n; i < 32; i++)
		if (l[i] != ' ' && l[i] != '\0')
			return 0;
	return 1;
}

static void label_text(const unsigned char l[32], char out[33])
{
	size_t n = 32;
	memcpy(out, l, 32);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

/* The slot of the token labelled want; or an error naming the labels there are. */
static int find_token(aiot_p11 *t, const char *want, char *err, size_t errlen)
{
	unsigned long n = 0;
	ck_slot_id_t *slots = NULL;
	char seen[256] = "", rvb[32];
	ck_rv_t rv = t->f->C_GetSlotList(1, NULL, &n);
	if (rv == CKR_OK && n > 0 && (slots = calloc(n, sizeof *slots)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK && n > 0)
		rv = t->f->C_GetSlotList(1, slots, &n);
	if (rv != CKR_OK) {
		free(slots);
		return fail(err, errlen, AIOT_ERR_CRYPTO, "PKCS#11 C_GetSlotList: %s",
		            rv_text(rv, rvb));
	}
	for (unsigned long i = 0; i < n; i++) {
		struct ck_token_info ti;
		char l[33];
		if (t->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (label_is(ti.label, want)) {
			t->slot = slots[i];
			free(slots);
			return AIOT_OK;
		}
		label_text(ti.label, l);
		size_t k = strlen(seen);
		snprintf(seen + k, sizeof seen - k, "%s'%s'", k ? ", " : "", l);
	}
	free(slots);
	return fail(err, errlen, AIOT_ERR_UNKNOWN,
	            "no PKCS#11 token labelled '%s' (%lu token%s: %s)", want, n, n == 1 ? "" : "s",
	            n ? seen : "none initialised");
}

static int login(aiot_p11 *t, const char *pin_file, char *err, size_t errlen)
{
	char pin[PIN_MAX], rvb[32];
	size_t len = 0;
	int rc = read_pin(pin_file, pin, &len, err, errlen);
	if (rc != AIOT_OK) {
		aiot_zeroize(pin, sizeof pin); /* read() may have filled it before the refusal */
		return rc;
	}
	ck_rv_t rv = t->f->C_Login(t->s, CKU_USER, (unsigned char *)pin, len);
	aiot_zeroize(pin, sizeof pin);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return AIOT_OK;
	if (rv == CKR_PIN_INCORRECT)
		return fail(err, errlen, AIOT_ERR_MAC,
		            "wrong PIN for PKCS#11 token '%s' (CKR_PIN_INCORRECT; PIN file %s)",
		            t->token, pin_file);
	if (rv == CKR_PIN_LOCKED)
		return fail(err, errlen, AIOT_ERR_STATE,
		            "the user PIN of PKCS#11 token '%s' is locked (CKR_PIN_LOCKED)",
		            t->token);
	return fail(err, errlen, AIOT_ERR_CRYPTO, "PKCS#11 token '%s': C_Login: %s", t->token,
	            rv_text(rv, rvb));
}

aiot_p11 *aiot_p11_open(const aiot_p11_cfg *cfg, char *err, size_t errlen)
{
	char rvb[32];
	ck_rv_t rv;
	if (cfg == NULL || cfg->module == NULL || cfg->token == NULL || cfg->pin_file == NULL) {
		fail(err, errlen, 0,
		     "PKCS#11: the module, the token's label and the PIN file are "
		     "all required");
		return NULL;
	}
	aiot_p11 *t = calloc(1, sizeof *t);
	if (t == NULL) {
		fail(err, errlen, 0, "out of memory");
		return NULL;
	}
	snprintf(t->token, sizeof t->token, "%s", cfg->token);
	if ((t->dl = dlopen(cfg->module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fail(err, errlen, 0, "PKCS#11 module %s cannot be loaded: %s", cfg->module,
		     dlerror());
		goto fail;
	}
	ck_rv_t (*get_list)(struct ck_function_list **) = NULL;
	*(void **)&get_list = dlsym(t->dl, "C_GetFunctionList");
	if (get_list == NULL || get_list(&t->f) != CKR_OK || t->f == NULL) {
		fail(err, errlen, 0, "%s is not a PKCS#11 module (no C_GetFunctionList)",
		     cfg->module);
		goto fail;
	}
	/* Sessions are used from several threads (one per SBI worker): the OS's locking. */
	struct ck_c_initialize_args ia = {.flags = CKF_OS_LOCKING_OK};
	rv = t->f->C_Initialize(&ia);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		fail(err, errlen, 0, "PKCS#11 module %s: C_Initialize: %s", cfg->module,
		     rv_text(rv, rvb));
		goto fail;
	}
	t->finalize = rv == CKR_OK;
	if (find_token(t, cfg->token, err, errlen) != AIOT_OK)
		goto fail;
	rv = t->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->s);
	if (rv != CKR_OK) {
		fail(err, errlen, 0, "PKCS#11 token '%s': C_OpenSession: %s", t->token,
		     rv_text(rv, rvb));
		goto fail;
	}
	t->has_session = 1;
	if (login(t, cfg->pin_file, err, errlen) != AIOT_OK)
		goto fail;
	return t;
fail:
	aiot_p11_close(t);
	return NULL;
}

void aiot_p11_close(aiot_p11 *t)
{
	if (t == NULL)
		return;
	if (t->has_session) /* the last session closed logs the application out */
		t->f->C_CloseSession(t->s);
	if (t->finalize)
		t->f->C_Finalize(NULL);
	if (t->dl != NULL)
		dlclose(t->dl);
	free(t->hints);
	free(t);
}

/* The random part of a reference, which identifies it (the tag is the same in all). */
static uint64_t ref_id(const uint8_t ref[AIOT_P11_REF_LEN])
{
	uint64_t id;
	memcpy(&id, ref + AIOT_P11_TAG_LEN, sizeof id);
	return id;
}

int aiot_p11_is_ref(const uint8_t *key, size_t len)
{
	return key != NULL && len == AIOT_P11_REF_LEN &&
	       memcmp(key, AIOT_P11_TAG, AIOT_P11_TAG_LEN) == 0;
}

int aiot_p11_import(aiot_p11 *t, aiot_suite suite, const uint8_t *key, size_t key_len,
                    const uint8_t *perm_id, size_t perm_id_len, uint8_t ref[AIOT_P11_REF_LEN],
                    char *err, size_t errlen)
{
	static unsigned char yes = 1, no = 0;
	ck_object_class_t cls = CKO_SECRET_KEY;
	ck_key_type_t kt = suite == AIOT_SUITE_AES ? CKK_AES : CKK_GENERIC_SECRET;
	uint8_t val[32] = {0};
	char label[2 * 64 + 1], rvb[32];
	ck_object_handle_t h;

	if (t == NULL || key == NULL || perm_id == NULL || perm_id_len == 0 || perm_id_len > 64 ||
	    aiot_suite_check_key(suite, key_len) != AIOT_OK)
		return fail(err, errlen, AIOT_ERR_INVAL, "PKCS#11 import: bad key or identifier");
	/* 3gpp: a 128-bit key zero-padded to SoftHSM's 32-byte HMAC minimum: the same MAC
	 * (RFC 2104 section 2: a key shorter than the block is padded with zeros). */
	size_t vlen = suite == AIOT_SUITE_AES ? 16 : 32;
	memcpy(val, key, key_len);
	memcpy(ref, AIOT_P11_TAG, AIOT_P11_TAG_LEN);
	if (getrandom(ref + AIOT_P11_TAG_LEN, AIOT_P11_REF_LEN - AIOT_P11_TAG_LEN, 0) !=
	    AIOT_P11_REF_LEN - AIOT_P11_TAG_LEN) {
		aiot_zeroize(val, sizeof val);
		return fail(err, errlen, AIOT_ERR_STATE, "getrandom failed");
	}
	aiot_hex_encode(perm_id, perm_id_len, label);
	label[2 * perm_id_len] = '\0';
	struct ck_attribute a[] = {
	    {CKA_CLASS, &cls, sizeof cls},
	    {CKA_KEY_TYPE, &kt, sizeof kt},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_SENSITIVE, &yes, 1},
	    {CKA_EXTRACTABLE, &no, 1},
	    {CKA_SIGN, &yes, 1},
	    {CKA_VERIFY, &no, 1},
	    {CKA_ENCRYPT, &no, 1},
	    {CKA_DECRYPT, &no, 1},
	    {CKA_WRAP, &no, 1},
	    {CKA_UNWRAP, &no, 1},
	    {CKA_DERIVE, &no, 1},
	    {CKA_ID, ref, AIOT_P11_REF_LEN},
	    {CKA_LABEL, label, 2 * perm_id_len},
	    {CKA_VALUE, val, vlen},
	};
	ck_rv_t rv = t->f->C_CreateObject(t->s, a, sizeof a / sizeof a[0], &h);
	aiot_zeroize(val, sizeof val);
	if (rv != CKR_OK)
		return fail(err, errlen, AIOT_ERR_CRYPTO,
		            "PKCS#11 token '%s': C_CreateObject (device %s): %s", t->token, label,
		            rv_text(rv, rvb));
	return AIOT_OK;
}

/* The first object of class secret key with CKA_ID ref in session s: a handle, or 0. */
static ck_object_handle_t find_ref(struct ck_function_list *f, ck_session_handle_t s,
                                   const uint8_t ref[AIOT_P11_REF_LEN], ck_rv_t *rv)
{
	ck_object_class_t cls = CKO_SECRET_KEY;
	struct ck_attribute q[] = {{CKA_CLASS, &cls, sizeof cls},
	                           {CKA_ID, (void *)ref, AIOT_P11_REF_LEN}};
	ck_object_handle_t h = CK_INVALID_HANDLE;
	unsigned long n = 0;
	*rv = f->C_FindObjectsInit(s, q, 2);
	if (*rv != CKR_OK)
		return CK_INVALID_HANDLE;
	*rv = f->C_FindObjects(s, &h, 1, &n);
	f->C_FindObjectsFinal(s);
	return *rv == CKR_OK && n == 1 ? h : CK_INVALID_HANDLE;
}

int aiot_p11_destroy(aiot_p11 *t, const uint8_t ref[AIOT_P11_REF_LEN])
{
	ck_rv_t rv;
	ck_object_handle_t h = find_ref(t->f, t->s, ref, &rv);
	if (rv != CKR_OK)
		return AIOT_ERR_CRYPTO;
	if (h == CK_INVALID_HANDLE)
		return AIOT_OK;
	return t->f->C_DestroyObject(t->s, h) == CKR_OK ? AIOT_OK : AIOT_ERR_CRYPTO;
}

static int ref_cmp(const void *a, const void *b)
{
	return memcmp(a, b, AIOT_P11_REF_LEN);
}

static int hint_cmp(const void *a, const void *b)
{
	uint64_t x = ((const handle_hint *)a)->id, y = ((const handle_hint *)b)->id;
	return x < y ? -1 : x > y;
}

int aiot_p11_list(aiot_p11 *t, aiot_p11_refs *out, char *err, size_t errlen)
{
	ck_object_class_t cls = CKO_SECRET_KEY;
	struct ck_attribute q[] = {{CKA_CLASS, &cls, sizeof cls}};
	ck_object_handle_t *h = NULL;
	size_t nh = 0, cap = 0;
	char rvb[32];
	memset(out, 0, sizeof *out);
	/* Every handle first, then their IDs: no other call inside a find operation. */
	ck_rv_t rv = t->f->C_FindObjectsInit(t->s, q, 1);
	while (rv == CKR_OK) {
		unsigned long got = 0;
		if (nh + FIND_BATCH > cap) {
			ck_object_handle_t *nb =
			    realloc(h, (cap + 4 * FIND_BATCH + cap) * sizeof *h);
			if (nb == NULL) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			h = nb;
			cap += 4 * FIND_BATCH + cap;
		}
		rv = t->f->C_FindObjects(t->s, h + nh, FIND_BATCH, &got);
		if (rv != CKR_OK || got == 0)
			break;
		nh += got;
	}
	t->f->C_FindObjectsFinal(t->s);
	handle_hint *hints = NULL;
	if (rv == CKR_OK && nh > 0 &&
	    ((out->ref = calloc(nh, AIOT_P11_REF_LEN)) == NULL ||
	     (hints = calloc(nh, sizeof *hints)) == NULL))
		rv = CKR_HOST_MEMORY;
	for (size_t i = 0; rv == CKR_OK && i < nh; i++) {
		uint8_t id[AIOT_P11_REF_LEN];
		struct ck_attribute a = {CKA_ID, id, sizeof id};
		/* A longer ID is CKR_BUFFER_TOO_SMALL: not one of ours, as is one without the tag.
		 */
		if (t->f->C_GetAttributeValue(t->s, h[i], &a, 1) == CKR_OK &&
		    aiot_p11_is_ref(id, a.value_len)) {
			hints[out->n] = (handle_hint){ref_id(id), h[i]};
			memcpy(out->ref[out->n++], id, AIOT_P11_REF_LEN);
		}
	}
	free(h);
	if (rv != CKR_OK) {
		free(hints);
		aiot_p11_refs_free(out);
		return fail(err, errlen, AIOT_ERR_CRYPTO, "PKCS#11 token '%s': listing objects: %s",
		            t->token, rv_text(rv, rvb));
	}
	if (out->n > 1) {
		qsort(out->ref, out->n, AIOT_P11_REF_LEN, ref_cmp);
		qsort(hints, out->n, sizeof *hints, hint_cmp);
	}
	free(t->hints);
	t->hints = hints;
	t->nhints = out->n;
	return AIOT_OK;
}

int aiot_p11_refs_has(const aiot_p11_refs *l, const uint8_t ref[AIOT_P11_REF_LEN])
{
	return l->n > 0 && bsearch(ref, l->ref, l->n, AIOT_P11_REF_LEN, ref_cmp) != NULL;
}

void aiot_p11_refs_free(aiot_p11_refs *l)
{
	free(l->ref);
	memset(l, 0, sizeof *l);
}

/* ---- the backend: C_Sign in one session per thread --------------------------------------- */

/* The handles a session found, by the reference's random part (random already: its low bits
 * index the table), open addressing with linear probing. It grows with the devices the
 * session has used, to HANDLES_MAX entries (16 MiB), and then starts over. h ==
 * CK_INVALID_HANDLE with id != 0 marks an object the token no longer has. */
typedef struct handle_slot {
	uint64_t id; /* 0: empty */
	ck_object_handle_t h;
} handle_slot;

typedef struct p11_be {
	aiot_backend be; /* first: be.ctx points back here */
	aiot_p11 *t;
	ck_session_handle_t s;
	handle_slot *tab;
	size_t cap, used; /* cap: a power of two */
} p11_be;

static handle_slot *slot_of(p11_be *p, uint64_t id)
{
	size_t i = (size_t)id & (p->cap - 1);
	while (p->tab[i].id != 0 && p->tab[i].id != id)
		i = (i + 1) & (p->cap - 1);
	return &p->tab[i];
}

/* Records id -> h (h may be CK_INVALID_HANDLE: gone). Out of memory: not recorded. */
static void remember(p11_be *p, uint64_t id, ck_object_handle_t h)
{
	handle_slot *sl = slot_of(p, id);
	if (sl->id == 0 && 2 * (p->used + 1) > p->cap) {
		size_t ncap = p->cap < HANDLES_MAX ? 2 * p->cap : p->cap;
		handle_slot *old = p->tab, *nt = calloc(ncap, sizeof *nt);
		if (nt == NULL)
			return;
		size_t ocap = p->cap;
		p->tab = nt;
		p->cap = ncap;
		p->used = 0;
		for (size_t i = 0; ncap > ocap && i < ocap; i++) /* full size: start over */
			if (old[i].id != 0) {
				*slot_of(p, old[i].id) = old[i];
				p->used++;
			}
		free(old);
		sl = slot_of(p, id);
	}
	if (sl->id == 0)
		p->used++;
	sl->id = id;
	sl->h = h;
}

/* 1 if object h of this session has CKA_ID ref. */
static int handle_is(p11_be *p, ck_object_handle_t h, const uint8_t ref[AIOT_P11_REF_LEN])
{
	uint8_t id[AIOT_P11_REF_LEN];
	struct ck_attribute a = {CKA_ID, id, sizeof id};
	return p->t->f->C_GetAttributeValue(p->s, h, &a, 1) == CKR_OK &&
	       a.value_len == AIOT_P11_REF_LEN && memcmp(id, ref, AIOT_P11_REF_LEN) == 0;
}

/* The object of ref: remembered, else found by CKA_ID. AIOT_ERR_NOTFOUND if the token has
 * none. */
static int key_handle(p11_be *p, const uint8_t *ref, size_t len, int fresh, ck_object_handle_t *h)
{
	ck_rv_t rv;
	if (!aiot_p11_is_ref(ref, len))
		return AIOT_ERR_INVAL; /* a key, not a reference: never sent to the token */
	uint64_t id = ref_id(ref);
	const handle_slot *sl = id != 0 ? slot_of(p, id) : NULL;
	if (!fresh && sl != NULL && sl->id == id && sl->h != CK_INVALID_HANDLE) {
		*h = sl->h;
		return AIOT_OK;
	}
	/* The listing's handle, checked in this session, saves a search (SoftHSM's visits every
	 * object); a stale handle (fresh) is searched for. */
	handle_hint key = {id, 0}, *hint = NULL;
	if (!fresh && p->t->nhints > 0)
		hint = bsearch(&key, p->t->hints, p->t->nhints, sizeof key, hint_cmp);
	if (hint != NULL && handle_is(p, hint->h, ref)) {
		*h = hint->h;
		rv = CKR_OK;
	} else {
		*h = find_ref(p->t->f, p->s, ref, &rv);
	}
	if (rv != CKR_OK)
		return AIOT_ERR_CRYPTO;
	if (id != 0 && (*h != CK_INVALID_HANDLE || sl->id == id))
		remember(p, id, *h);
	return *h == CK_INVALID_HANDLE ? AIOT_ERR_NOTFOUND : AIOT_OK;
}

/* MAC of the first len bytes of iov[0..niov) under the object of ref by C_Sign. */
static int sign(p11_be *p, ck_mechanism_type_t mech, const uint8_t *ref, size_t ref_len,
                const aiot_iov *iov, size_t niov, size_t len, uint8_t *mac, unsigned long mac_len)
{
	struct ck_function_list *f = p->t->f;
	struct ck_mechanism m = {mech, NULL, 0};
	ck_object_handle_t h;
	ck_rv_t rv = CKR_KEY_HANDLE_INVALID;
	uint8_t buf[MSG_MAX];
	int rc = AIOT_OK;

	/* A cached handle may be stale (object destroyed and made again): look it up once more. */
	for (int fresh = 0;
	     fresh < 2 && (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID);
	     fresh++) {
		if ((rc = key_handle(p, ref, ref_len, fresh, &h)) != AIOT_OK)
			return rc;
		rv = f->C_SignInit(p->s, &m, h);
	}
	if (rv != CKR_OK)
		return AIOT_ERR_CRYPTO;
	unsigned long out_len = mac_len;
	if (len <= sizeof buf) { /* the usual case: one call */
		size_t off = 0;
		for (size_t i = 0; i < niov && off < len; i++) {
			size_t n = iov[i].len < len - off ? iov[i].len : len - off;
			memcpy(buf + off, iov[i].p, n);
			off += n;
		}
		rv = f->C_Sign(p->s, buf, len, mac, &out_len);
		aiot_zeroize(buf, len);
	} else {
		size_t left = len;
		for (size_t i = 0; i < niov && left > 0 && rv == CKR_OK; i++) {
			size_t n = iov[i].len < left ? iov[i].len : left;
			rv = f->C_SignUpdate(p->s, (unsigned char *)iov[i].p, n);
			left -= n;
		}
		if (rv == CKR_OK)
			rv = f->C_SignFinal(p->s, mac, &out_len);
	}
	/* A failed C_Sign/C_SignUpdate ends the operation (v2.40 5.11). */
	return rv == CKR_OK && out_len == mac_len ? AIOT_OK : AIOT_ERR_CRYPTO;
}

static size_t iov_total(const aiot_iov *iov, size_t niov)
{
	size_t n = 0;
	for (size_t i = 0; i < niov; i++)
		n += iov[i].len;
	return n;
}

static int p11_hmac_sha256(void *ctx, const uint8_t *key, size_t key_len, const aiot_iov *iov,
                           size_t niov, uint8_t mac[32])
{
	return sign(ctx, CKM_SHA256_HMAC, key, key_len, iov, niov, iov_total(iov, niov), mac, 32);
}

static int p11_aes_cmac(void *ctx, const uint8_t key[16], const aiot_iov *iov, size_t niov,
                        size_t nbits, uint8_t mac[16])
{
	/* CKM_AES_CMAC takes whole bytes; every AIoT derivation's S is whole bytes. */
	if (nbits % 8 != 0 || nbits / 8 > iov_total(iov, niov))
		return AIOT_ERR_INVAL;
	return sign(ctx, CKM_AES_CMAC, key, AIOT_P11_REF_LEN, iov, niov, nbits / 8, mac, 16);
}

aiot_backend *aiot_p11_backend_new(aiot_p11 *t, char *err, size_t errlen)
{
	char rvb[32];
	p11_be *p = calloc(1, sizeof *p);
	if (p == NULL) {
		fail(err, errlen, 0, "out of memory");
		return NULL;
	}
	p->t = t;
	p->cap = HANDLES_FIRST;
	if ((p->tab = calloc(p->cap, sizeof *p->tab)) == NULL) {
		fail(err, errlen, 0, "out of memory");
		free(p);
		return NULL;
	}
	ck_rv_t rv = t->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &p->s);
	if (rv != CKR_OK) {
		fail(err, errlen, 0, "PKCS#11 token '%s': C_OpenSession: %s", t->token,
		     rv_text(rv, rvb));
		free(p->tab);
		free(p);
		return NULL;
	}
	p->be = (aiot_backend){
	    .name = "pkcs11", .ctx = p, .hmac_sha256 = p11_hmac_sha256, .aes_cmac = p11_aes_cmac};
	return &p->be;
}

void aiot_p11_backend_free(aiot_backend *be)
{
	if (be == NULL)
		return;
	p11_be *p = be->ctx;
	p->t->f->C_CloseSession(p->s);
	free(p->tab);
	free(p);
}
