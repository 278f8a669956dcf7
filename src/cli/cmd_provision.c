/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot provision`: create devices in the ADM's store and write their
 * credentials, one JSON object per line, for the device maker; or import such a file.
 *
 *   permanent ID (AiotDevPermId, TS 29.369 "Bytes", base64) = group code (4 bytes: the first
 *   4 bytes of SHA-256 of the group name) || 8 random bytes. The group code is the
 *   filtering information (AiotFilteringInformation) that selects the group at inventory.
 *   K_AIOT_root: 128 bits from getrandom (suite 3gpp may take 256).
 *
 * Devices are made in batches of BATCH, file first: a batch's lines are appended to --out and
 * fsynced, then the batch is committed to the store in one transaction; if the commit fails,
 * the lines are truncated away. So the file and the store hold the same devices after every
 * batch, and a crash between the two steps (kill -9, power loss) can only leave lines for
 * devices the store does not hold, never a device whose key exists nowhere. SIGINT and
 * SIGTERM finish the current batch and stop there. A run that fails before its first batch
 * committed removes what it created (the output file, a new KEK file, a new empty store).
 *
 * --pkcs11-module/--pkcs11-token/--pkcs11-pin-file (docs/pkcs11.md): each key goes into the
 * token as a non-extractable object (src/p11/p11.h) after the batch's lines are written and
 * before the store's commit, and the store gets the object's reference in place of the key.
 * A failed commit destroys the batch's objects; a crash between the two can leave objects no
 * device refers to (harmless, and the ADM ignores them). A store is either token-backed or
 * not: adding to an existing store checks that it is the same kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "devfile/devices_jsonl.h"
#include "p11/p11.h"
#include "sbi/sbi_wipe.h"
#include "store/store.h"
#include "svc/nodump.h"

#define BATCH 10000
#define PROGRESS_EVERY 100000
#define ID_RANDOM_LEN 8
#define OUT_LINE_MAX 800 /* a written line: 88 + 64 + 6 * AIOT_GROUP_MAX + 32 + the names */

static const char provision_usage[] =
    "usage:\n"
    "  aiot provision --store URI --kek-file FILE --count N --out FILE.jsonl\n"
    "                 [--suite 3gpp|aes] [--res-bits 32|64|96|128] [--group NAME]\n"
    "                 [--privacy] [--key-bits 128|256]\n"
    "  aiot provision --store URI --kek-file FILE --import FILE.jsonl\n"
    "  either with [--pkcs11-module PATH --pkcs11-token LABEL --pkcs11-pin-file FILE]:\n"
    "  the keys go into that PKCS#11 token, the store holds references (docs/pkcs11.md)\n"
    "URI: sqlite:PATH or redis-cluster://HOST:PORT[,HOST:PORT...][?wait=N&wait-ms=T&ns=NAME]\n"
    "Creates N devices (K_AIOT_root from the OS CSPRNG, permanent ID = 4-byte group code ||\n"
    "8 random bytes) and writes one JSON object per device to --out (mode 0600: it holds\n"
    "the keys):\n"
    "  {\"aiotDevPermId\":\"<base64>\",\"key\":\"<hex>\",\"suite\":\"3gpp\",\"resBits\":64,"
    "\"group\":\"NAME\"[,\"privacy\":true,\"tid\":\"<hex>\"]}\n"
    "--import loads such a file (every line is checked before anything is stored).\n"
    "The KEK file (32 raw bytes, mode 0600) is created when it does not exist.\n"
    "Defaults: --suite 3gpp --res-bits 64 --group default --key-bits 128.\n";

struct prov_args {
	const char *store, *kek_file, *out, *import, *group;
	aiot_p11_cfg p11; /* all NULL: keys in the store */
	unsigned long long count;
	aiot_suite suite;
	unsigned res_bits, key_bits;
	int privacy, have_count;
};

enum {
	O_STORE = 1,
	O_KEK,
	O_COUNT,
	O_SUITE,
	O_RES_BITS,
	O_GROUP,
	O_PRIVACY,
	O_KEY_BITS,
	O_OUT,
	O_IMPORT,
	O_P11_MODULE,
	O_P11_TOKEN,
	O_P11_PIN,
	O_HELP
};

static const struct option prov_opts[] = {
    {"store", required_argument, NULL, O_STORE},
    {"kek-file", required_argument, NULL, O_KEK},
    {"count", required_argument, NULL, O_COUNT},
    {"suite", required_argument, NULL, O_SUITE},
    {"res-bits", required_argument, NULL, O_RES_BITS},
    {"group", required_argument, NULL, O_GROUP},
    {"privacy", no_argument, NULL, O_PRIVACY},
    {"key-bits", required_argument, NULL, O_KEY_BITS},
    {"out", required_argument, NULL, O_OUT},
    {"import", required_argument, NULL, O_IMPORT},
    {"pkcs11-module", required_argument, NULL, O_P11_MODULE},
    {"pkcs11-token", required_argument, NULL, O_P11_TOKEN},
    {"pkcs11-pin-file", required_argument, NULL, O_P11_PIN},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static int res_bits_ok(unsigned long long b)
{
	return b == 32 || b == 64 || b == 96 || b == 128;
}

static void parse_args(int argc, char **argv, struct prov_args *a)
{
	int c;
	a->suite = AIOT_SUITE_3GPP;
	a->res_bits = 64;
	a->key_bits = 128;
	a->group = "default";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", prov_opts, NULL)) != -1) {
		switch (c) {
		case O_STORE:
			a->store = optarg;
			break;
		case O_KEK:
			a->kek_file = optarg;
			break;
		case O_COUNT:
			a->count = cli_uint("--count", optarg, 100000000ULL);
			a->have_count = 1;
			break;
		case O_SUITE:
			if (aiot_suite_from_name(optarg, &a->suite) != AIOT_OK)
				cli_fail(CLI_EXIT_USAGE, "--suite: '%s' is not 3gpp or aes",
				         optarg);
			break;
		case O_RES_BITS:
			a->res_bits = (unsigned)cli_uint("--res-bits", optarg, 128);
			if (!res_bits_ok(a->res_bits))
				cli_fail(CLI_EXIT_USAGE, "--res-bits: %u is not 32, 64, 96 or 128",
				         a->res_bits);
			break;
		case O_GROUP:
			a->group = optarg;
			break;
		case O_PRIVACY:
			a->privacy = 1;
			break;
		case O_KEY_BITS:
			a->key_bits = (unsigned)cli_uint("--key-bits", optarg, 256);
			if (a->key_bits != 128 && a->key_bits != 256)
				cli_fail(CLI_EXIT_USAGE, "--key-bits: %u is not 128 or 256",
				         a->key_bits);
			break;
		case O_OUT:
			a->out = optarg;
			break;
		case O_IMPORT:
			a->import = optarg;
			break;
		case O_P11_MODULE:
			a->p11.module = optarg;
			break;
		case O_P11_TOKEN:
			a->p11.token = optarg;
			break;
		case O_P11_PIN:
			a->p11.pin_file = optarg;
			break;
		case O_HELP:
			fputs(provision_usage, stdout);
			exit(0);
		default:
			cli_fail(CLI_EXIT_USAGE, "provision: unknown or incomplete option '%s'\n%s",
			         argv[optind - 1], provision_usage);
		}
	}
	if (optind < argc)
		cli_fail(CLI_EXIT_USAGE, "provision: unexpected argument '%s'", argv[optind]);
	if (a->store == NULL || a->kek_file == NULL)
		cli_fail(CLI_EXIT_USAGE, "provision: --store and --kek-file are required\n%s",
		         provision_usage);
	int p11 = (a->p11.module != NULL) + (a->p11.token != NULL) + (a->p11.pin_file != NULL);
	if (p11 != 0 && p11 != 3)
		cli_fail(CLI_EXIT_USAGE, "provision: --pkcs11-module, --pkcs11-token and "
		                         "--pkcs11-pin-file go together");
	if (a->import != NULL) {
		if (a->have_count || a->out != NULL)
			cli_fail(CLI_EXIT_USAGE, "provision: --import takes no --count or --out");
		return;
	}
	if (!a->have_count || a->out == NULL)
		cli_fail(CLI_EXIT_USAGE, "provision: --count and --out are required\n%s",
		         provision_usage);
	if (a->count == 0)
		cli_fail(CLI_EXIT_USAGE, "--count: must be at least 1");
	if (a->key_bits == 256 && a->suite != AIOT_SUITE_3GPP)
		cli_fail(CLI_EXIT_USAGE, "--key-bits 256: suite aes takes 128-bit keys only");
	size_t gl = strlen(a->group);
	if (gl == 0 || gl > AIOT_GROUP_MAX)
		cli_fail(CLI_EXIT_USAGE, "--group: 1 to %d characters", AIOT_GROUP_MAX);
}

/* One provisioning run and what it created, to undo a failure (module comment). */
struct prov_run {
	const struct prov_args *a;
	aiot_store *s;
	aiot_p11 *tok;     /* --pkcs11-*, else NULL */
	int out;           /* --out fd, or -1 */
	int kek_created;   /* this run made the KEK file */
	int store_existed; /* the store file was there before this run */
	unsigned long long done;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT/SIGTERM: finish the batch in progress, then stop (module comment). */
static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* PATH of "sqlite:PATH", or NULL (aiot_store_open refuses other URIs). */
static const char *store_file(const char *uri)
{
	return strncmp(uri, "sqlite:", 7) == 0 && uri[7] != '\0' ? uri + 7 : NULL;
}

struct first_dev {
	size_t n;
	int ref;
};

static void first_dev(void *arg, const aiot_dev_record *r)
{
	struct first_dev *f = arg;
	f->n++;
	f->ref = aiot_p11_is_ref(r->key, r->key_len);
}

/* Removes what a run that provisioned nothing created: the output file, a new empty store,
 * and a new KEK file unless a store sealed under it remains. */
static void undo_run(struct prov_run *r)
{
	const char *path = store_file(r->a->store);
	int store_gone = r->s == NULL;
	if (r->out >= 0) {
		close(r->out);
		(void)unlink(r->a->out);
		r->out = -1;
	}
	aiot_p11_close(r->tok);
	r->tok = NULL;
	if (r->s != NULL) {
		size_t n = aiot_store_count(r->s);
		aiot_store_close(r->s);
		r->s = NULL;
		if (!r->store_existed && n == 0 && path != NULL) {
			aiot_store_remove(r->a->store);
			store_gone = 1;
		}
	}
	if (r->kek_created && store_gone)
		(void)unlink(r->a->kek_file);
}

_Noreturn static void run_fail(struct prov_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn static void run_fail(struct prov_run *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->done == 0)
		undo_run(r);
	cli_fail(CLI_EXIT_FAIL, "%s", msg);
}

static void open_store(struct prov_run *r)
{
	const struct prov_args *a = r->a;
	uint8_t kek[32];
	char err[512];
	struct stat st;
	const char *path = store_file(a->store);
	r->store_existed = path == NULL || lstat(path, &st) == 0 || errno != ENOENT;
	int rc = aiot_kek_create(a->kek_file, kek, err, sizeof err);
	r->kek_created = rc == AIOT_OK;
	if (rc == AIOT_ERR_STATE) /* it exists: load it */
		rc = aiot_kek_load(a->kek_file, kek, 0, err, sizeof err);
	if (rc != AIOT_OK)
		cli_fail(CLI_EXIT_FAIL, "%s", err);
	r->s = aiot_store_open(a->store, kek, 1, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (r->s == NULL)
		run_fail(r, "store: %s", err);
	if (a->p11.module != NULL && (r->tok = aiot_p11_open(&a->p11, err, sizeof err)) == NULL)
		run_fail(r, "%s", err);
	/* A store is token-backed or not (module comment): its first device says which. */
	struct first_dev f = {0};
	aiot_store_match_prefix(r->s, NULL, 0, 1, first_dev, &f);
	if (f.n > 0 && f.ref != (r->tok != NULL))
		run_fail(r,
		         f.ref ? "store %s holds references to PKCS#11 token objects: add devices "
		                 "to it with --pkcs11-module, --pkcs11-token, --pkcs11-pin-file"
		               : "store %s holds keys: its devices cannot be added to a PKCS#11 "
		                 "token's store (a store is either token-backed or not)",
		         a->store);
}

/* --pkcs11-*: each key of the batch into the token and its reference in its place; on
 * failure the objects made are destroyed again. */
static void token_undo(aiot_p11 *tok, const aiot_dev_record *recs, size_t n)
{
	for (size_t i = 0; tok != NULL && i < n; i++)
		if (aiot_p11_is_ref(recs[i].key, recs[i].key_len))
			(void)aiot_p11_destroy(tok, recs[i].key);
}

static int to_token(aiot_p11 *tok, aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; tok != NULL && i < n; i++) {
		aiot_dev_record *r = &recs[i];
		uint8_t ref[AIOT_P11_REF_LEN];
		int rc = aiot_p11_import(tok, r->suite, r->key, r->key_len, r->perm_id,
		                         r->perm_id_len, ref, err, errlen);
		if (rc != AIOT_OK) {
			token_undo(tok, recs, i);
			return rc;
		}
		aiot_zeroize(r->key, sizeof r->key);
		memcpy(r->key, ref, sizeof ref);
		r->key_len = AIOT_P11_REF_LEN;
	}
	return AIOT_OK;
}

/* Into the store, through the token with --pkcs11-* (module comment). */
static int insert_batch(aiot_store *s, aiot_p11 *tok, aiot_dev_record *recs, size_t n, char *err,
                        size_t errlen)
{
	int rc = to_token(tok, recs, n, err, errlen);
	if (rc == AIOT_OK && (rc = aiot_store_insert(s, recs, n, err, errlen)) != AIOT_OK)
		token_undo(tok, recs, n);
	return rc;
}

static void fill_random(uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			cli_fail(CLI_EXIT_FAIL, "getrandom: %s", strerror(errno));
		p += r;
		n -= (size_t)r;
	}
}

/* One line of --out for r, through the format's one writer (devices_jsonl.h). */
static int format_line(const aiot_dev_record *r, char *buf, size_t cap)
{
	aiot_devline l = {.perm_id_len = r->perm_id_len,
	                  .suite = r->suite,
	                  .key_len = r->key_len,
	                  .res_bits = r->res_bits,
	                  .privacy = r->privacy,
	                  .has_tid = r->has_tid};
	memcpy(l.perm_id, r->perm_id, r->perm_id_len);
	memcpy(l.key, r->key, r->key_len);
	memcpy(l.group, r->group, sizeof r->group);
	memcpy(l.tid, r->tid, sizeof l.tid);
	int n = aiot_devline_format(&l, buf, cap);
	aiot_zeroize(&l, sizeof l);
	return n;
}

static int open_out(struct prov_run *r)
{
	/* O_EXCL: never overwrite (or inherit the mode of) an existing file of keys. */
	int fd = open(r->a->out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		run_fail(r, "--out %s: %s%s", r->a->out, strerror(errno),
		         errno == EEXIST ? " (refusing to overwrite a credentials file)" : "");
	return fd;
}

/* Builds one batch of new devices from the CSPRNG. */
static void make_batch(const struct prov_args *a, const uint8_t code[4], aiot_dev_record *recs,
                       size_t n, uint8_t *rnd)
{
	size_t klen = a->key_bits / 8, per = ID_RANDOM_LEN + klen + 16;
	fill_random(rnd, n * per);
	for (size_t i = 0; i < n; i++) {
		aiot_dev_record *r = &recs[i];
		const uint8_t *p = rnd + i * per;
		memset(r, 0, sizeof *r);
		memcpy(r->perm_id, code, AIOT_GROUP_CODE_LEN);
		memcpy(r->perm_id + AIOT_GROUP_CODE_LEN, p, ID_RANDOM_LEN);
		r->perm_id_len = AIOT_GROUP_CODE_LEN + ID_RANDOM_LEN;
		memcpy(r->key, p + ID_RANDOM_LEN, klen);
		r->key_len = (uint8_t)klen;
		r->suite = a->suite;
		r->res_bits = (uint8_t)a->res_bits;
		memcpy(r->group, a->group, strlen(a->group) + 1);
		r->privacy = (uint8_t)a->privacy;
		if (a->privacy) { /* initial T-ID, provisioned into the device (TID_STORED) */
			r->has_tid = 1;
			r->tid_type = AIOT_TID_STORED;
			memcpy(r->tid, p + ID_RANDOM_LEN + klen, 16);
		}
	}
	aiot_zeroize(rnd, n * per);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Appends the batch's lines to --out and fsyncs them. 0, or -1 with errno. */
static int append_lines(int fd, const aiot_dev_record *recs, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int w = format_line(&recs[i], buf + len, cap - len);
		if (w < 0)
			rc = (errno = ENOSPC, -1);
		else
			len += (size_t)w;
	}
	if (rc == 0)
		rc = write_all(fd, buf, len);
	aiot_zeroize(buf, cap);
	return rc == 0 ? fsync(fd) : rc;
}

/* One batch, file first, then the store (module comment). */
static int provision_batch(struct prov_run *r, const uint8_t code[4], size_t n,
                           aiot_dev_record *recs, uint8_t *rnd, char *buf, char *err, size_t errlen)
{
	off_t off = lseek(r->out, 0, SEEK_CUR);
	int rc = AIOT_ERR_INVAL;
	/* 64 random bits per ID: a collision with a stored ID is improbable but would fail
	 * the batch atomically; draw again. */
	for (int attempt = 0; attempt < 3 && rc == AIOT_ERR_INVAL; attempt++) {
		make_batch(r->a, code, recs, n, rnd);
		if (append_lines(r->out, recs, n, buf, (size_t)BATCH * OUT_LINE_MAX) != 0) {
			snprintf(err, errlen, "--out %s: write failed: %s", r->a->out,
			         strerror(errno));
			rc = AIOT_ERR_STATE;
		} else if ((rc = insert_batch(r->s, r->tok, recs, n, err + 7, errlen - 7)) !=
		           AIOT_OK) {
			memcpy(err, "store: ", 7);
		}
		if (rc != AIOT_OK && (ftruncate(r->out, off) != 0 ||
		                      lseek(r->out, off, SEEK_SET) != off || fsync(r->out) != 0))
			snprintf(err + strlen(err), errlen - strlen(err),
			         "; cannot truncate %s back to its committed devices: %s",
			         r->a->out, strerror(errno));
	}
	aiot_zeroize(recs, n * sizeof *recs);
	return rc;
}

static int do_provision(const struct prov_args *a)
{
	uint8_t code[32];
	char err[1024];
	struct prov_run r = {.a = a, .out = -1};
	size_t per = ID_RANDOM_LEN + 32 + 16;
	aiot_dev_record *recs = calloc(BATCH, sizeof *recs);
	uint8_t *rnd = malloc(BATCH * per);
	char *buf = malloc((size_t)BATCH * OUT_LINE_MAX);
	if (recs == NULL || rnd == NULL || buf == NULL)
		cli_fail(CLI_EXIT_FAIL, "out of memory");
	/* The group code: filtering information selecting this group (module comment). */
	if (EVP_Digest(a->group, strlen(a->group), code, NULL, EVP_sha256(), NULL) != 1)
		cli_fail(CLI_EXIT_FAIL, "SHA-256 failed");
	catch_stop_signals();
	open_store(&r);
	r.out = open_out(&r);
	double t0 = aiot_mono_s();
	unsigned long long next_progress = PROGRESS_EVERY;
	while (r.done < a->count && !stop_signal) {
		size_t n = a->count - r.done < BATCH ? (size_t)(a->count - r.done) : BATCH;
		if (provision_batch(&r, code, n, recs, rnd, buf, err, sizeof err) != AIOT_OK)
			run_fail(&r, "%s (%llu devices were provisioned and written to %s)", err,
			         r.done, a->out);
		r.done += n;
		if (r.done >= next_progress && a->count >= PROGRESS_EVERY) {
			fprintf(stderr, "aiot provision: %llu / %llu devices\n", r.done, a->count);
			next_progress += PROGRESS_EVERY;
		}
	}
	free(recs);
	free(rnd);
	free(buf);
	if (stop_signal && r.done == 0)
		run_fail(&r, "interrupted by signal %d: no device provisioned", (int)stop_signal);
	double dt = aiot_mono_s() - t0;
	close(r.out);
	aiot_p11_close(r.tok);
	aiot_store_close(r.s);
	if (stop_signal)
		cli_fail(CLI_EXIT_FAIL,
		         "interrupted by signal %d: %llu of %llu devices provisioned, each in the "
		         "store and in %s",
		         (int)stop_signal, r.done, a->count, a->out);
	fprintf(stderr, "aiot provision: %llu devices in %.2f s (%.0f devices/s), group '%s'\n",
	        a->count, dt, dt > 0 ? (double)a->count / dt : 0.0, a->group);
	return 0;
}

/* ---- import ----------------------------------------------------------------------------- */

/* One line of the file into r (the store takes what devices_jsonl.h parses, with its own
 * limit on the permanent ID): 0, 1 for a blank line, -1 with the reason in msg. */
static int parse_line(const char *line, size_t len, aiot_dev_record *r, char *msg, size_t mlen)
{
	_Static_assert(sizeof r->group >= sizeof((aiot_devline *)0)->group, "group names fit");
	aiot_devline l;
	memset(r, 0, sizeof *r);
	int rc = aiot_devline_parse(line, len, AIOT_DEVLINE_ALL, AIOT_PERM_ID_MAX, &l, msg, mlen);
	if (rc != 0)
		return rc;
	memcpy(r->perm_id, l.perm_id, l.perm_id_len);
	r->perm_id_len = l.perm_id_len;
	r->suite = l.suite;
	memcpy(r->key, l.key, l.key_len);
	r->key_len = l.key_len;
	r->res_bits = l.res_bits;
	memcpy(r->group, l.group, sizeof l.group);
	r->privacy = l.privacy;
	if (l.has_tid) {
		memcpy(r->tid, l.tid, 16);
		r->has_tid = 1;
		r->tid_type = AIOT_TID_STORED;
	}
	aiot_zeroize(&l, sizeof l);
	return 0;
}

/* Reads path line by line; with s == NULL only checks every line. Returns devices read. */
static unsigned long long import_pass(const char *path, aiot_store *s, aiot_p11 *tok,
                                      aiot_dev_record *recs)
{
	char msg[160], err[512];
	char *line = NULL;
	size_t cap = 0, n = 0;
	unsigned long long lineno = 0, devices = 0, stored = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		cli_fail(CLI_EXIT_FAIL, "--import %s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		int pr = parse_line(line, (size_t)len, &recs[n], msg, sizeof msg);
		if (pr == 1)
			continue; /* blank line */
		if (pr != 0)
			cli_fail(CLI_EXIT_FAIL, "%s:%llu: %s; nothing imported", path, lineno, msg);
		aiot_zeroize(line, (size_t)len);
		devices++;
		if (s != NULL && ++n == BATCH) {
			if (insert_batch(s, tok, recs, n, err, sizeof err) != AIOT_OK)
				cli_fail(CLI_EXIT_FAIL,
				         "%s: batch ending at line %llu: %s (%llu "
				         "devices imported before it)",
				         path, lineno, err, stored);
			stored += n;
			n = 0;
		}
	}
	if (ferror(f))
		cli_fail(CLI_EXIT_FAIL, "--import %s: read error", path);
	if (s != NULL && n > 0) {
		if (insert_batch(s, tok, recs, n, err, sizeof err) != AIOT_OK)
			cli_fail(CLI_EXIT_FAIL,
			         "%s: last batch (to line %llu): %s (%llu devices "
			         "imported before it)",
			         path, lineno, err, stored);
	}
	if (line != NULL)
		aiot_zeroize(line, cap);
	free(line);
	fclose(f);
	aiot_zeroize(recs, BATCH * sizeof *recs);
	return devices;
}

static int do_import(const struct prov_args *a)
{
	aiot_dev_record *recs = calloc(BATCH, sizeof *recs);
	if (recs == NULL)
		cli_fail(CLI_EXIT_FAIL, "out of memory");
	sbi_wipe_freed_memory(); /* cJSON's strings hold keys */
	/* Pass 1 checks every line, so a bad file imports nothing at all; pass 2 stores in
	 * transactions of BATCH (a conflicting batch is rolled back whole). */
	unsigned long long n = import_pass(a->import, NULL, NULL, recs);
	if (n == 0)
		cli_fail(CLI_EXIT_FAIL, "--import %s: no devices in the file", a->import);
	struct prov_run r = {.a = a, .out = -1};
	open_store(&r);
	aiot_store *s = r.s;
	double t0 = aiot_mono_s();
	import_pass(a->import, s, r.tok, recs);
	double dt = aiot_mono_s() - t0;
	size_t total = aiot_store_count(s);
	aiot_p11_close(r.tok);
	aiot_store_close(s);
	free(recs);
	fprintf(stderr,
	        "aiot provision: imported %llu devices in %.2f s (%.0f devices/s); the "
	        "store holds %zu\n",
	        n, dt, dt > 0 ? (double)n / dt : 0.0, total);
	return 0;
}

int cmd_provision(int argc, char **argv)
{
	struct prov_args a = {0};
	parse_args(argc, argv, &a);
	if (svc_no_core_dumps() != 0) /* it holds the KEK and the keys it writes */
		cli_fail(CLI_EXIT_FAIL, "cannot disable core dumps: %s", strerror(errno));
	return a.import != NULL ? do_import(&a) : do_provision(&a);
}
