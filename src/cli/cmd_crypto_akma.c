/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot crypto milenage|kausf|res-star|kakma|atid|akid|kaf`: test-vector tools over MILENAGE
 * (src/crypto/milenage.h) and the 5G AKA / AKMA derivations (src/crypto/aka5g.h). Same
 * conventions as cmd_crypto.c: one line of lowercase hex (akid: the A-KID text) and exit 0,
 * or a message on stderr and exit 2 (bad arguments) or 1 (computation failed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"

static const char akma_usage[] =
    "usage:\n"
    "  aiot crypto milenage --k HEX (--opc HEX | --op HEX) --rand HEX --sqn HEX --amf HEX\n"
    "                       --out mac-a|mac-s|res|ck|ik|ak|ak-star\n"
    "  aiot crypto kausf    --ck HEX --ik HEX --snn STRING --sqn-xor-ak HEX\n"
    "  aiot crypto res-star --ck HEX --ik HEX --snn STRING --rand HEX --res HEX\n"
    "  aiot crypto kakma    --kausf HEX --supi STRING\n"
    "  aiot crypto atid     --kausf HEX --supi STRING\n"
    "  aiot crypto akid     --kausf HEX --supi STRING --rid DIGITS --mcc DIGITS --mnc DIGITS\n"
    "  aiot crypto kaf      --kakma HEX --af-fqdn FQDN\n"
    "MILENAGE is TS 35.206; kausf and res-star TS 33.501 A.2 and A.4; kakma, atid and kaf\n"
    "TS 33.535 A.2 to A.4 (K_AF for the Ua* protocol TLS 1.3 with a shared key).\n"
    "--snn is the serving network name, e.g. 5G:mnc001.mcc001.3gppnetwork.org; --supi as on\n"
    "the SBI, e.g. imsi-001010000000001; --res is 4 to 16 octets; akid prints\n"
    "<RID>.<A-TID hex>@5gc.mnc<MNC, 3 digits>.mcc<MCC>.3gppnetwork.org.\n";

enum {
	A_K,
	A_OPC,
	A_OP,
	A_RAND,
	A_SQN,
	A_AMF,
	A_OUT,
	A_CK,
	A_IK,
	A_SNN,
	A_SQNAK,
	A_RES,
	A_KAUSF,
	A_SUPI,
	A_RID,
	A_MCC,
	A_MNC,
	A_KAKMA,
	A_FQDN,
	A_N
};

static const struct option akma_opts[] = {
    {"k", required_argument, NULL, A_K},
    {"opc", required_argument, NULL, A_OPC},
    {"op", required_argument, NULL, A_OP},
    {"rand", required_argument, NULL, A_RAND},
    {"sqn", required_argument, NULL, A_SQN},
    {"amf", required_argument, NULL, A_AMF},
    {"out", required_argument, NULL, A_OUT},
    {"ck", required_argument, NULL, A_CK},
    {"ik", required_argument, NULL, A_IK},
    {"snn", required_argument, NULL, A_SNN},
    {"sqn-xor-ak", required_argument, NULL, A_SQNAK},
    {"res", required_argument, NULL, A_RES},
    {"kausf", required_argument, NULL, A_KAUSF},
    {"supi", required_argument, NULL, A_SUPI},
    {"rid", required_argument, NULL, A_RID},
    {"mcc", required_argument, NULL, A_MCC},
    {"mnc", required_argument, NULL, A_MNC},
    {"kakma", required_argument, NULL, A_KAKMA},
    {"af-fqdn", required_argument, NULL, A_FQDN},
    {"help", no_argument, NULL, A_N},
    {NULL, 0, NULL, 0},
};

struct akma_args {
	const char *sub;
	const char *v[A_N];
};

/* Each subcommand: the options it requires, then those it also accepts (bit masks). */
#define B(x) (1u << (x))
static const struct {
	const char *sub;
	unsigned need, may;
} subs[] = {
    {"milenage", B(A_K) | B(A_RAND) | B(A_SQN) | B(A_AMF) | B(A_OUT), B(A_OPC) | B(A_OP)},
    {"kausf", B(A_CK) | B(A_IK) | B(A_SNN) | B(A_SQNAK), 0},
    {"res-star", B(A_CK) | B(A_IK) | B(A_SNN) | B(A_RAND) | B(A_RES), 0},
    {"kakma", B(A_KAUSF) | B(A_SUPI), 0},
    {"atid", B(A_KAUSF) | B(A_SUPI), 0},
    {"akid", B(A_KAUSF) | B(A_SUPI) | B(A_RID) | B(A_MCC) | B(A_MNC), 0},
    {"kaf", B(A_KAKMA) | B(A_FQDN), 0},
};

int cmd_crypto_akma_has(const char *sub)
{
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(subs[i].sub, sub) == 0)
			return 1;
	return 0;
}

static void akma_parse(int argc, char **argv, struct akma_args *a, unsigned need, unsigned may)
{
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", akma_opts, NULL)) != -1) {
		if (c == A_N) {
			fputs(akma_usage, stdout);
			exit(0);
		}
		if (c < 0 || c >= A_N)
			cli_fail(CLI_EXIT_USAGE, "crypto %s: unknown or incomplete option '%s'\n%s",
			         a->sub, argv[optind - 1], akma_usage);
		if (!((need | may) & B(c)))
			cli_fail(CLI_EXIT_USAGE, "crypto %s does not take --%s", a->sub,
			         akma_opts[c].name);
		a->v[c] = optarg;
	}
	if (optind != argc)
		cli_fail(CLI_EXIT_USAGE, "crypto %s: unexpected argument '%s'", a->sub,
		         argv[optind]);
	for (int i = 0; i < A_N; i++)
		if ((need & B(i)) && a->v[i] == NULL)
			cli_fail(CLI_EXIT_USAGE, "crypto %s: --%s is required", a->sub,
			         akma_opts[i].name);
}

/* The hex value of option i, exactly n bytes. */
static void hexn(const struct akma_args *a, int i, uint8_t *buf, size_t n)
{
	char opt[32];
	snprintf(opt, sizeof opt, "--%s", akma_opts[i].name);
	cli_hex(opt, a->v[i], buf, n, &n, 1);
}

static void done(int rc, const char *what, const uint8_t *out, size_t n)
{
	if (rc < 0)
		cli_fail(CLI_EXIT_FAIL, "%s failed: %s", what, aiot_strerror(rc));
	cli_print_hex(out, n);
}

static int do_milenage(const struct akma_args *a)
{
	static const char *const names[] = {"mac-a", "mac-s", "res", "ck", "ik", "ak", "ak-star"};
	uint8_t k[16], opc[16], rand[16], sqn[6], amf[2];
	aiot_milenage_out o;
	size_t which = 0;

	if ((a->v[A_OPC] == NULL) == (a->v[A_OP] == NULL))
		cli_fail(CLI_EXIT_USAGE, "crypto milenage: give exactly one of --opc and --op");
	while (which < 7 && strcmp(a->v[A_OUT], names[which]) != 0)
		which++;
	if (which == 7)
		cli_fail(CLI_EXIT_USAGE,
		         "--out: '%s' is not mac-a, mac-s, res, ck, ik, ak or ak-star",
		         a->v[A_OUT]);
	hexn(a, A_K, k, 16);
	hexn(a, a->v[A_OPC] ? A_OPC : A_OP, opc, 16);
	hexn(a, A_RAND, rand, 16);
	hexn(a, A_SQN, sqn, 6);
	hexn(a, A_AMF, amf, 2);
	if (a->v[A_OP] != NULL)
		aiot_milenage_opc(k, opc, opc);
	aiot_milenage(k, opc, rand, sqn, amf, &o);
	const struct {
		const uint8_t *p;
		size_t n;
	} outs[] = {{o.mac_a, 8}, {o.mac_s, 8}, {o.res, 8},    {o.ck, 16},
	            {o.ik, 16},   {o.ak, 6},    {o.ak_star, 6}};
	cli_print_hex(outs[which].p, outs[which].n);
	aiot_zeroize(k, sizeof k);
	aiot_zeroize(opc, sizeof opc);
	aiot_zeroize(&o, sizeof o);
	return 0;
}

static const char *snn_arg(const struct akma_args *a)
{
	size_t n = strlen(a->v[A_SNN]);
	if (n == 0 || n >= AIOT_SNN_MAX)
		cli_fail(CLI_EXIT_USAGE, "--snn: 1 to %d characters expected", AIOT_SNN_MAX - 1);
	return a->v[A_SNN];
}

static int do_ckik(const struct akma_args *a)
{
	uint8_t ck[16], ik[16], p[16], res[AIOT_RES_MAX], out[32];
	static const size_t rl[] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	int rc, star = strcmp(a->sub, "res-star") == 0;

	hexn(a, A_CK, ck, 16);
	hexn(a, A_IK, ik, 16);
	const char *snn = snn_arg(a);
	if (star) {
		hexn(a, A_RAND, p, 16);
		size_t n = cli_hex("--res", a->v[A_RES], res, sizeof res, rl, 13);
		rc = aiot_5g_res_star(ck, ik, snn, p, res, n, out);
	} else {
		hexn(a, A_SQNAK, p, 6);
		rc = aiot_5g_kausf(ck, ik, snn, p, out);
	}
	aiot_zeroize(ck, sizeof ck);
	aiot_zeroize(ik, sizeof ik);
	done(rc, a->sub, out, star ? 16 : 32);
	aiot_zeroize(out, sizeof out);
	return 0;
}

static void supi_arg(const struct akma_args *a)
{
	const char *p;
	size_t n;
	if (aiot_supi_kdf_param(a->v[A_SUPI], &p, &n) != AIOT_OK)
		cli_fail(CLI_EXIT_USAGE, "--supi: '%s' is not imsi-<5 to 15 digits>", a->v[A_SUPI]);
}

static int do_kausf_keyed(const struct akma_args *a)
{
	uint8_t kausf[32], out[32];
	char akid[AIOT_AKID_MAX];
	int rc;

	hexn(a, A_KAUSF, kausf, 32);
	supi_arg(a);
	if (strcmp(a->sub, "kakma") == 0) {
		rc = aiot_akma_kakma(kausf, a->v[A_SUPI], out);
	} else {
		rc = aiot_akma_atid(kausf, a->v[A_SUPI], out);
	}
	aiot_zeroize(kausf, sizeof kausf);
	if (strcmp(a->sub, "akid") != 0) {
		done(rc, a->sub, out, 32);
		aiot_zeroize(out, sizeof out);
		return 0;
	}
	if (rc == AIOT_OK)
		rc = aiot_akma_akid(out, a->v[A_RID], a->v[A_MCC], a->v[A_MNC], akid, sizeof akid);
	if (rc == AIOT_ERR_INVAL)
		cli_fail(CLI_EXIT_USAGE, "akid: --rid must be 1 to 4 digits, --mcc 3 digits, "
		                         "--mnc 2 or 3 digits");
	if (rc < 0)
		cli_fail(CLI_EXIT_FAIL, "akid failed: %s", aiot_strerror(rc));
	puts(akid);
	return 0;
}

static int do_kaf(const struct akma_args *a)
{
	static const uint8_t ua[5] = AIOT_UA_TLS13_PSK;
	uint8_t kakma[32], out[32];
	size_t n = strlen(a->v[A_FQDN]);
	int ok = n > 0 && n <= AIOT_AF_FQDN_MAX;

	for (size_t i = 0; i < n; i++)
		ok &= (unsigned char)a->v[A_FQDN][i] > 0x20 && a->v[A_FQDN][i] != 0x7f;
	if (!ok)
		cli_fail(CLI_EXIT_USAGE, "--af-fqdn: 1 to %d printable characters, no space",
		         AIOT_AF_FQDN_MAX);
	hexn(a, A_KAKMA, kakma, 32);
	int rc = aiot_akma_kaf(kakma, a->v[A_FQDN], ua, out);
	aiot_zeroize(kakma, sizeof kakma);
	done(rc, "kaf", out, 32);
	aiot_zeroize(out, sizeof out);
	return 0;
}

int cmd_crypto_akma(int argc, char **argv)
{
	struct akma_args a = {.sub = argv[0]};
	size_t i = 0;
	while (strcmp(subs[i].sub, a.sub) != 0)
		i++; /* the caller checked cmd_crypto_akma_has() */
	akma_parse(argc, argv, &a, subs[i].need, subs[i].may);
	if (i == 0)
		return do_milenage(&a);
	if (i <= 2)
		return do_ckik(&a);
	if (i <= 5)
		return do_kausf_keyed(&a);
	return do_kaf(&a);
}
