/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot crypto ...`: test-vector tools over the AIoT derivations (docs/protocol.md §2) and
 * 128-NIA2/NEA2. Each prints one line of lowercase hex and exits 0, or prints an error on
 * stderr and exits 2 (bad arguments) or 1 (computation failed). --backend picks the
 * OpenSSL (default) or the freestanding reference implementation.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "common/bytes.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend_openssl.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "crypto/nxa2.h"

#define MAX_MSG 65536

static const char crypto_usage[] =
    "usage:\n"
    "  aiot crypto kdf    --key HEX --fc HEX [--param HEX]...\n"
    "  aiot crypto res    --suite 3gpp|aes --key HEX --rand-n HEX --rand-d HEX [--bits "
    "32|64|96|128]\n"
    "  aiot crypto kaiotf --suite 3gpp|aes --key HEX --rand-n HEX --rand-d HEX\n"
    "  aiot crypto tid    --suite 3gpp|aes --key HEX --rand-n HEX --rand-d HEX\n"
    "  aiot crypto macn   --suite 3gpp|aes --key HEX --rand-n HEX --rand-d HEX --id HEX\n"
    "  aiot crypto resd   --suite 3gpp|aes --key HEX --rand-n HEX --rand-d HEX --id HEX [--bits "
    "32|64|96|128]\n"
    "  aiot crypto algkey --suite 3gpp|aes --key HEX(K_AIOTF) --type enc|int [--alg N]\n"
    "  aiot crypto nia2   --key HEX --count HEX --bearer N --direction 0|1 --msg HEX [--bits N]\n"
    "  aiot crypto nea2   --key HEX --count HEX --bearer N --direction 0|1 --msg HEX [--bits N]\n"
    "  aiot crypto milenage|kausf|res-star|kakma|atid|akid|kaf ... (5G AKA and AKMA; --help)\n"
    "common: [--backend openssl|ref]\n"
    "macn and resd are the DO-A proofs (MAC_N, RES_D); --id is the identifier the device\n"
    "sent in its Registration Request (its T-ID, or its permanent ID), 1 to 128 octets;\n"
    "kdf prints the 256-bit generic KDF output of TS 33.220 B.2 (HMAC-SHA-256);\n"
    "--bits for nia2/nea2 is the message length in bits (default 8 x bytes given).\n";

struct args {
	const char *sub;
	const char *key, *fc, *suite, *rand_n, *rand_d, *bits, *count, *bearer, *direction, *msg,
	    *type, *alg, *backend, *id;
	const char *params[AIOT_KDF_MAX_PARAMS];
	size_t nparams;
};

enum {
	O_KEY = 1,
	O_FC,
	O_PARAM,
	O_SUITE,
	O_RAND_N,
	O_RAND_D,
	O_BITS,
	O_COUNT,
	O_BEARER,
	O_DIRECTION,
	O_MSG,
	O_TYPE,
	O_ALG,
	O_BACKEND,
	O_ID,
	O_HELP
};

static const struct option opts[] = {
    {"key", required_argument, NULL, O_KEY},
    {"fc", required_argument, NULL, O_FC},
    {"param", required_argument, NULL, O_PARAM},
    {"suite", required_argument, NULL, O_SUITE},
    {"rand-n", required_argument, NULL, O_RAND_N},
    {"rand-d", required_argument, NULL, O_RAND_D},
    {"bits", required_argument, NULL, O_BITS},
    {"count", required_argument, NULL, O_COUNT},
    {"bearer", required_argument, NULL, O_BEARER},
    {"direction", required_argument, NULL, O_DIRECTION},
    {"msg", required_argument, NULL, O_MSG},
    {"type", required_argument, NULL, O_TYPE},
    {"alg", required_argument, NULL, O_ALG},
    {"backend", required_argument, NULL, O_BACKEND},
    {"id", required_argument, NULL, O_ID},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static void parse(int argc, char **argv, struct args *a)
{
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_KEY:
			a->key = optarg;
			break;
		case O_FC:
			a->fc = optarg;
			break;
		case O_PARAM:
			if (a->nparams == AIOT_KDF_MAX_PARAMS)
				cli_fail(CLI_EXIT_USAGE, "--param: at most %d parameters",
				         AIOT_KDF_MAX_PARAMS);
			a->params[a->nparams++] = optarg;
			break;
		case O_SUITE:
			a->suite = optarg;
			break;
		case O_RAND_N:
			a->rand_n = optarg;
			break;
		case O_RAND_D:
			a->rand_d = optarg;
			break;
		case O_BITS:
			a->bits = optarg;
			break;
		case O_COUNT:
			a->count = optarg;
			break;
		case O_BEARER:
			a->bearer = optarg;
			break;
		case O_DIRECTION:
			a->direction = optarg;
			break;
		case O_MSG:
			a->msg = optarg;
			break;
		case O_TYPE:
			a->type = optarg;
			break;
		case O_ALG:
			a->alg = optarg;
			break;
		case O_BACKEND:
			a->backend = optarg;
			break;
		case O_ID:
			a->id = optarg;
			break;
		case O_HELP:
			fputs(crypto_usage, stdout);
			exit(0);
		default:
			cli_fail(CLI_EXIT_USAGE, "crypto %s: unknown or incomplete option '%s'\n%s",
			         a->sub, argv[optind - 1], crypto_usage);
		}
	}
	if (optind != argc)
		cli_fail(CLI_EXIT_USAGE, "crypto %s: unexpected argument '%s'", a->sub,
		         argv[optind]);
}

static const char *need(const char *v, const char *opt, const char *sub)
{
	if (v == NULL)
		cli_fail(CLI_EXIT_USAGE, "crypto %s: %s is required", sub, opt);
	return v;
}

/* Refuse options that the subcommand does not take, so that a typo is not ignored. */
static void only(const struct args *a, const char *allowed)
{
	struct {
		const char *name;
		const void *set;
	} all[] = {
	    {"key", a->key},
	    {"fc", a->fc},
	    {"param", a->nparams ? a : NULL},
	    {"suite", a->suite},
	    {"rand-n", a->rand_n},
	    {"rand-d", a->rand_d},
	    {"bits", a->bits},
	    {"count", a->count},
	    {"bearer", a->bearer},
	    {"direction", a->direction},
	    {"msg", a->msg},
	    {"type", a->type},
	    {"alg", a->alg},
	    {"id", a->id},
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		char word[32];
		snprintf(word, sizeof word, " %s ", all[i].name);
		if (all[i].set != NULL && strstr(allowed, word) == NULL)
			cli_fail(CLI_EXIT_USAGE, "crypto %s does not take --%s", a->sub,
			         all[i].name);
	}
}

static aiot_suite get_suite(const struct args *a)
{
	aiot_suite s;
	if (aiot_suite_from_name(need(a->suite, "--suite", a->sub), &s) != AIOT_OK)
		cli_fail(CLI_EXIT_USAGE, "--suite: '%s' is not 3gpp or aes", a->suite);
	return s;
}

static size_t get_key(const struct args *a, aiot_suite s, uint8_t key[32])
{
	size_t n = cli_hex("--key", need(a->key, "--key", a->sub), key, 32, NULL, 0);
	if (aiot_suite_check_key(s, n) != AIOT_OK)
		cli_fail(CLI_EXIT_USAGE, "--key: suite %s cannot take a %zu-bit key (%s)",
		         aiot_suite_name(s), 8 * n,
		         s == AIOT_SUITE_AES ? "128 bits" : "128 or 256 bits");
	return n;
}

static void get_rands(const struct args *a, uint8_t rn[16], uint8_t rd[16])
{
	static const size_t len16[] = {AIOT_RAND_LEN};
	cli_hex("--rand-n", need(a->rand_n, "--rand-n", a->sub), rn, 16, len16, 1);
	cli_hex("--rand-d", need(a->rand_d, "--rand-d", a->sub), rd, 16, len16, 1);
}

static void check(int rc, const char *what)
{
	if (rc < 0)
		cli_fail(CLI_EXIT_FAIL, "%s failed: %s", what, aiot_strerror(rc));
}

static int do_kdf(const struct args *a, const aiot_backend *be)
{
	only(a, " key fc param ");
	uint8_t key[256], fc, out[32];
	static uint8_t pbuf[AIOT_KDF_MAX_PARAMS][MAX_MSG / AIOT_KDF_MAX_PARAMS];
	aiot_kdf_param p[AIOT_KDF_MAX_PARAMS];
	static const size_t one[] = {1};
	size_t klen = cli_hex("--key", need(a->key, "--key", "kdf"), key, sizeof key, NULL, 0);
	if (klen == 0)
		cli_fail(CLI_EXIT_USAGE, "--key: empty key");
	cli_hex("--fc", need(a->fc, "--fc", "kdf"), &fc, 1, one, 1);
	for (size_t i = 0; i < a->nparams; i++) {
		size_t n = cli_hex("--param", a->params[i], pbuf[i], sizeof pbuf[i], NULL, 0);
		p[i] = (aiot_kdf_param){pbuf[i], (uint16_t)n};
	}
	check(aiot_kdf(be, key, klen, fc, p, a->nparams, out), "kdf");
	aiot_zeroize(key, sizeof key);
	cli_print_hex(out, sizeof out);
	return 0;
}

/* --bits for res and resd: L of the device profile. */
static unsigned get_res_bits(const struct args *a)
{
	unsigned bits =
	    a->bits ? (unsigned)cli_uint("--bits", a->bits, 128) : AIOT_RES_BITS_DEFAULT;
	if (!AIOT_RES_BITS_VALID(bits))
		cli_fail(CLI_EXIT_USAGE, "--bits: %u is not 32, 64, 96 or 128", bits);
	return bits;
}

static int do_rand_derivation(const struct args *a, const aiot_backend *be)
{
	uint8_t key[32], rn[16], rd[16], out[16];
	size_t outlen = 16;
	int rc;
	if (strcmp(a->sub, "res") == 0)
		only(a, " suite key rand-n rand-d bits ");
	else
		only(a, " suite key rand-n rand-d ");
	aiot_suite s = get_suite(a);
	size_t klen = get_key(a, s, key);
	get_rands(a, rn, rd);
	if (strcmp(a->sub, "res") == 0) {
		unsigned bits = get_res_bits(a);
		outlen = bits / 8;
		rc = aiot_derive_res(be, s, key, klen, rn, rd, bits, out);
	} else if (strcmp(a->sub, "kaiotf") == 0) {
		rc = aiot_derive_kaiotf(be, s, key, klen, rn, rd, out);
	} else {
		rc = aiot_derive_tid(be, s, key, klen, rn, rd, out);
	}
	aiot_zeroize(key, sizeof key);
	check(rc, a->sub);
	cli_print_hex(out, outlen);
	return 0;
}

/* DO-A: MAC_N (M2) and RES_D (M3), bound to the identifier sent in M1. */
static int do_doa(const struct args *a, const aiot_backend *be)
{
	uint8_t key[32], rn[16], rd[16], id[AIOT_DOA_ID_MAX], out[16];
	int macn = strcmp(a->sub, "macn") == 0;
	only(a, macn ? " suite key rand-n rand-d id " : " suite key rand-n rand-d id bits ");
	aiot_suite s = get_suite(a);
	size_t klen = get_key(a, s, key);
	get_rands(a, rn, rd);
	size_t idlen = cli_hex("--id", need(a->id, "--id", a->sub), id, sizeof id, NULL, 0);
	if (idlen == 0)
		cli_fail(CLI_EXIT_USAGE, "--id: empty identifier (1 to %d octets)",
		         AIOT_DOA_ID_MAX);
	size_t outlen = macn ? AIOT_MACN_LEN : get_res_bits(a) / 8;
	int rc = macn ? aiot_derive_macn(be, s, key, klen, rn, rd, id, idlen, out)
	              : aiot_derive_resd(be, s, key, klen, rn, rd, id, idlen,
	                                 (unsigned)(8 * outlen), out);
	aiot_zeroize(key, sizeof key);
	check(rc, a->sub);
	cli_print_hex(out, outlen);
	return 0;
}

static int do_algkey(const struct args *a, const aiot_backend *be)
{
	static const size_t len16[] = {16};
	uint8_t k[16], out[16], type;
	only(a, " suite key type alg ");
	aiot_suite s = get_suite(a);
	cli_hex("--key", need(a->key, "--key", "algkey"), k, 16, len16, 1);
	const char *t = need(a->type, "--type", "algkey");
	if (strcmp(t, "enc") == 0)
		type = AIOT_ALG_TYPE_ENC;
	else if (strcmp(t, "int") == 0)
		type = AIOT_ALG_TYPE_INT;
	else
		cli_fail(CLI_EXIT_USAGE, "--type: '%s' is not enc or int", t);
	uint8_t alg = a->alg ? (uint8_t)cli_uint("--alg", a->alg, 255)
	                     : (type == AIOT_ALG_TYPE_ENC ? AIOT_ALG_ID_NEA2 : AIOT_ALG_ID_NIA2);
	int rc = aiot_derive_algkey(be, s, k, type, alg, out);
	aiot_zeroize(k, sizeof k);
	check(rc, "algkey");
	cli_print_hex(out, sizeof out);
	return 0;
}

static int do_nxa2(const struct args *a, const aiot_backend *be)
{
	static const size_t len16[] = {16};
	static uint8_t msg[MAX_MSG], out[MAX_MSG];
	uint8_t key[16], cnt[4];
	only(a, " key count bearer direction msg bits ");
	cli_hex("--key", need(a->key, "--key", a->sub), key, 16, len16, 1);
	/* COUNT: up to 8 hex digits, left-padded (e.g. 38a6f056). */
	const char *c = need(a->count, "--count", a->sub);
	size_t cl = strlen(c);
	if (cl == 0 || cl > 8)
		cli_fail(CLI_EXIT_USAGE, "--count: 1 to 8 hex digits (32 bits) expected");
	char padded[9] = "00000000";
	memcpy(padded + 8 - cl, c, cl);
	cli_hex("--count", padded, cnt, 4, NULL, 0);
	uint32_t count = aiot_get_be32(cnt);
	uint8_t bearer = (uint8_t)cli_uint("--bearer", need(a->bearer, "--bearer", a->sub), 31);
	uint8_t dir =
	    (uint8_t)cli_uint("--direction", need(a->direction, "--direction", a->sub), 1);
	size_t n = cli_hex("--msg", need(a->msg, "--msg", a->sub), msg, sizeof msg, NULL, 0);
	size_t bits = a->bits ? (size_t)cli_uint("--bits", a->bits, 8ull * n) : 8 * n;
	if (a->bits && (bits + 7) / 8 != n)
		cli_fail(CLI_EXIT_USAGE, "--bits: %zu bits need %zu message bytes, %zu given", bits,
		         (bits + 7) / 8, n);
	int rc;
	if (strcmp(a->sub, "nia2") == 0) {
		rc = aiot_nia2(be, key, count, bearer, dir, msg, bits, out);
		n = AIOT_NIA2_MAC_LEN;
	} else {
		rc = aiot_nea2(be, key, count, bearer, dir, msg, bits, out);
	}
	aiot_zeroize(key, sizeof key);
	check(rc, a->sub);
	cli_print_hex(out, n);
	return 0;
}

int cmd_crypto(int argc, char **argv)
{
	struct args a = {0};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(crypto_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	a.sub = argv[1];
	if (cmd_crypto_akma_has(a.sub))
		return cmd_crypto_akma(argc - 1, argv + 1);
	parse(argc - 1, argv + 1, &a);

	aiot_backend *ossl = NULL;
	const aiot_backend *be;
	if (a.backend == NULL || strcmp(a.backend, "openssl") == 0) {
		be = ossl = aiot_backend_openssl_new();
		if (ossl == NULL)
			cli_fail(CLI_EXIT_FAIL, "OpenSSL cannot provide HMAC, CMAC or AES-CTR");
	} else if (strcmp(a.backend, "ref") == 0) {
		be = &aiot_backend_ref;
	} else {
		cli_fail(CLI_EXIT_USAGE, "--backend: '%s' is not openssl or ref", a.backend);
	}

	int rc;
	if (strcmp(a.sub, "kdf") == 0)
		rc = do_kdf(&a, be);
	else if (!strcmp(a.sub, "res") || !strcmp(a.sub, "kaiotf") || !strcmp(a.sub, "tid"))
		rc = do_rand_derivation(&a, be);
	else if (strcmp(a.sub, "macn") == 0 || strcmp(a.sub, "resd") == 0)
		rc = do_doa(&a, be);
	else if (strcmp(a.sub, "algkey") == 0)
		rc = do_algkey(&a, be);
	else if (strcmp(a.sub, "nia2") == 0 || strcmp(a.sub, "nea2") == 0)
		rc = do_nxa2(&a, be);
	else
		cli_fail(CLI_EXIT_USAGE, "crypto: unknown subcommand '%s'\n%s", a.sub,
		         crypto_usage);
	aiot_backend_openssl_free(ossl);
	return rc;
}
