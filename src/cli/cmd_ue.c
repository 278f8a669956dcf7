/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot ue aka|kaf|msg|listen|handshake`: a test UE with a software USIM (MILENAGE), or the
 * USIM of a card behind PC/SC (--usim pcsc, ue_card.c). It plays
 * the UE and its serving network (the SEAF's requests) towards the AUSF: 5G AKA, then AKMA
 * (K_AKMA, A-KID, K_AF), then, as an MSGin5G client, TLS 1.3 with K_AF (ue.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"
#include "ue.h"

static const char ue_usage[] =
    "usage: aiot ue MODE --ausf URL --supi imsi-DIGITS --k HEX (--opc HEX | --op HEX)\n"
    "               --mcc DIGITS --mnc DIGITS [--rid DIGITS] [--usim-state FILE] [options]\n"
    "       aiot ue MODE --ausf URL --usim pcsc[:READER] [--supi imsi-DIGITS]\n"
    "               --mcc DIGITS --mnc DIGITS [--rid DIGITS] [options]\n"
    "A test UE: a software USIM (MILENAGE), or a card's USIM through PC/SC (K, OPc and the\n"
    "SQN state stay on the card), and the UE's serving network in one process. It\n"
    "runs 5G AKA with the AUSF as the SEAF would (TS 33.501 6.1.3.2), then derives the AKMA\n"
    "keys (TS 33.535). It is not a UE on a radio: it talks to the AUSF over the SBI.\n"
    "modes:\n"
    "  aka        5G AKA + AKMA; prints the A-KID (with --show-keys: K_AUSF and K_AKMA)\n"
    "  kaf        as aka, then K_AF for --af-fqdn; prints it only with --show-keys\n"
    "  msg        as kaf, then the MSGin5G client: registers --service-id at --server, sends\n"
    "             --text to --to with a delivery report asked and waits for that report\n"
    "  listen     as kaf, then registers --service-id and prints each message received\n"
    "             until --count messages or --wait-ms without one\n"
    "  handshake  as kaf, then only the TLS 1.3 PSK handshake with --server (any TLS server)\n"
    "options:\n"
    "  --usim soft|pcsc[:READER]  the USIM: soft (default, --k and --opc/--op) or the card in\n"
    "                      the PC/SC reader whose name contains READER (default: the first\n"
    "                      reader holding a card); the SUPI is then read from the card's\n"
    "                      EF_IMSI unless --supi is given\n"
    "  --rid DIGITS        routing indicator, the A-KID's prefix (default 0)\n"
    "  --usim-state FILE   the USIM's SQN array, read then written back (mode 0600); without\n"
    "                      it every run is a fresh card\n"
    "  --ca/--cert/--key FILE  TLS towards an https:// AUSF\n"
    "  --token TOKEN       an OAuth 2.0 access token for the AUSF\n"
    "  --timeout-ms N      each request (default 5000)\n"
    "  --af-fqdn FQDN      the AF (kaf, msg, listen, handshake)\n"
    "  --server HOST:PORT  aiot-msgin5g (msg, listen, handshake)\n"
    "  --service-id ID --to ID --text TEXT   msg; --count N --wait-ms N   listen\n"
    "  --show-keys         print the keys (hex) as well\n"
    "  --pause             msg, listen, handshake: after AKMA, print the A-KID (and with\n"
    "                      --show-keys K_AF), then wait for a line on standard input before\n"
    "                      connecting (time to give a TLS server that key)\n"
    "  --seaf-snn SNN      (tests) the serving network claims SNN to the AUSF while the UE\n"
    "                      sees --mcc/--mnc: a lying network, which the AUSF must refuse\n"
    "Exit: 0 done, 1 refused or failed (reason on stderr), 2 bad usage.\n";

enum {
	O_AUSF = 1,
	O_SUPI,
	O_K,
	O_OPC,
	O_OP,
	O_MCC,
	O_MNC,
	O_RID,
	O_STATE,
	O_CA,
	O_CERT,
	O_KEY,
	O_TOKEN,
	O_TIMEOUT,
	O_AF,
	O_SERVER,
	O_SID,
	O_TO,
	O_TEXT,
	O_COUNT,
	O_WAIT,
	O_SHOW,
	O_SEAF_SNN,
	O_PAUSE,
	O_USIM
};

static const struct option ue_opts[] = {
    {"ausf", required_argument, NULL, O_AUSF},
    {"supi", required_argument, NULL, O_SUPI},
    {"k", required_argument, NULL, O_K},
    {"opc", required_argument, NULL, O_OPC},
    {"op", required_argument, NULL, O_OP},
    {"mcc", required_argument, NULL, O_MCC},
    {"mnc", required_argument, NULL, O_MNC},
    {"rid", required_argument, NULL, O_RID},
    {"usim-state", required_argument, NULL, O_STATE},
    {"ca", required_argument, NULL, O_CA},
    {"cert", required_argument, NULL, O_CERT},
    {"key", required_argument, NULL, O_KEY},
    {"token", required_argument, NULL, O_TOKEN},
    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
    {"af-fqdn", required_argument, NULL, O_AF},
    {"server", required_argument, NULL, O_SERVER},
    {"service-id", required_argument, NULL, O_SID},
    {"to", required_argument, NULL, O_TO},
    {"text", required_argument, NULL, O_TEXT},
    {"count", required_argument, NULL, O_COUNT},
    {"wait-ms", required_argument, NULL, O_WAIT},
    {"show-keys", no_argument, NULL, O_SHOW},
    {"seaf-snn", required_argument, NULL, O_SEAF_SNN},
    {"pause", no_argument, NULL, O_PAUSE},
    {"usim", required_argument, NULL, O_USIM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The string options: where each goes. */
static const char **ue_str_opt(ue_args *a, int c)
{
	switch (c) {
	case O_AUSF:
		return &a->net.ausf;
	case O_SUPI:
		return &a->supi;
	case O_MCC:
		return &a->net.mcc;
	case O_MNC:
		return &a->net.mnc;
	case O_RID:
		return &a->net.rid;
	case O_STATE:
		return &a->state;
	case O_CA:
		return &a->net.ca;
	case O_CERT:
		return &a->net.cert;
	case O_KEY:
		return &a->net.key;
	case O_TOKEN:
		return &a->net.bearer;
	case O_AF:
		return &a->af_fqdn;
	case O_SERVER:
		return &a->server;
	case O_SID:
		return &a->service_id;
	case O_TO:
		return &a->to;
	case O_TEXT:
		return &a->text;
	case O_SEAF_SNN:
		return &a->net.seaf_snn;
	case O_USIM:
		return &a->usim_spec;
	default:
		return NULL;
	}
}

/* The modes and what runs them (cmd_ue_msg.c for the MSGin5G ones). */
static int ue_keys(ue_args *a);
static const struct {
	const char *name;
	int (*run)(ue_args *a);
} ue_modes[] = {{"aka", ue_keys},
                {"kaf", ue_keys},
                {"msg", ue_msg},
                {"listen", ue_listen},
                {"handshake", ue_handshake}};
#define UE_MODES "aka, kaf, msg, listen, handshake"

static int (*ue_mode_run(const char *m))(ue_args *)
{
	for (size_t i = 0; i < sizeof ue_modes / sizeof ue_modes[0]; i++)
		if (strcmp(m, ue_modes[i].name) == 0)
			return ue_modes[i].run;
	return NULL;
}

/* Parse into a; K, OP and OPc go into the USIM (*op_given: 1 for --op, 2 for --opc, 3 both). */
static void ue_parse(int argc, char **argv, ue_args *a, uint8_t k[16], uint8_t op[16], int *k_given,
                     int *op_given)
{
	static const size_t n16[] = {16};
	int c, opc_given = 0;
	const char **s;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", ue_opts, NULL)) != -1) {
		if ((s = ue_str_opt(a, c)) != NULL) {
			*s = optarg;
			continue;
		}
		switch (c) {
		case O_K:
			*k_given = cli_hex("--k", optarg, k, 16, n16, 1) == 16;
			break;
		case O_OPC:
			opc_given = cli_hex("--opc", optarg, a->usim.opc, 16, n16, 1) == 16;
			break;
		case O_OP:
			*op_given = cli_hex("--op", optarg, op, 16, n16, 1) == 16;
			break;
		case O_TIMEOUT:
			a->net.timeout_ms = (int)cli_uint("--timeout-ms", optarg, 600000);
			break;
		case O_COUNT:
			a->count = (int)cli_uint("--count", optarg, 1000000);
			break;
		case O_WAIT:
			a->wait_ms = (int)cli_uint("--wait-ms", optarg, 86400000);
			break;
		case O_SHOW:
			a->show_keys = 1;
			break;
		case O_PAUSE:
			a->pause = 1;
			break;
		case 'h':
			fputs(ue_usage, stdout);
			exit(0);
		default:
			fputs(ue_usage, stderr);
			exit(CLI_EXIT_USAGE);
		}
	}
	if (optind == argc) { /* the mode may come anywhere (getopt_long permutes) */
		fputs(ue_usage, stderr);
		exit(CLI_EXIT_USAGE);
	}
	if (optind + 1 != argc)
		cli_fail(CLI_EXIT_USAGE, "ue: one mode expected, got '%s' and '%s'", argv[optind],
		         argv[optind + 1]);
	a->mode = argv[optind];
	if (ue_mode_run(a->mode) == NULL)
		cli_fail(CLI_EXIT_USAGE, "ue: unknown mode '%s' (%s)", a->mode, UE_MODES);
	*op_given |= opc_given << 1;
}

/* card: --usim pcsc, where the SUPI may come from the card. */
static void ue_require(const ue_args *a, int card)
{
	const char *p;
	size_t n;
	if (!a->net.ausf || (!a->supi && !card) || !a->net.mcc || !a->net.mnc)
		cli_fail(CLI_EXIT_USAGE, "ue: --ausf, --supi, --k, --mcc and --mnc are required");
	if (a->supi && aiot_supi_kdf_param(a->supi, &p, &n) != AIOT_OK)
		cli_fail(CLI_EXIT_USAGE, "ue: --supi: imsi-<5 to 15 digits> expected");
	char snn[AIOT_SNN_MAX];
	if (aiot_5g_snn(a->net.mcc, a->net.mnc, snn, sizeof snn) != AIOT_OK)
		cli_fail(CLI_EXIT_USAGE, "ue: --mcc: 3 digits, --mnc: 2 or 3 digits");
	n = strlen(a->net.rid);
	if (n < 1 || n > 4 || strspn(a->net.rid, "0123456789") != n)
		cli_fail(CLI_EXIT_USAGE, "ue: --rid: 1 to 4 digits");
	if (strcmp(a->mode, "aka") != 0 && a->af_fqdn == NULL)
		cli_fail(CLI_EXIT_USAGE, "ue %s: --af-fqdn is required", a->mode);
	if (strcmp(a->mode, "kaf") == 0 && !a->show_keys)
		cli_fail(CLI_EXIT_USAGE, "ue kaf prints a key: add --show-keys");
}

static void ue_print_key(const char *name, const uint8_t *k, size_t n)
{
	char hex[65];
	aiot_hex_encode(k, n, hex);
	printf("%s %s\n", name, hex);
	aiot_zeroize(hex, sizeof hex);
}

/* 5G AKA and AKMA with the USIM; its state saved whatever the outcome. Exits 1 on failure. */
static void ue_run_aka(ue_args *a, aiot_ue_akma *k)
{
	char err[400], serr[400];
	int rc = a->pcsc ? aiot_ue_5g_aka_usim(&a->ops, a->supi, &a->net, k, err, sizeof err)
	                 : aiot_ue_5g_aka(&a->usim, a->supi, &a->net, k, err, sizeof err);
	if (a->state != NULL &&
	    aiot_usim_state_save(a->state, a->supi, &a->usim, serr, sizeof serr) != 0)
		fprintf(stderr, "aiot: ue: the USIM state not saved: %s\n", serr);
	if (rc != AIOT_OK) {
		aiot_usim_clear(&a->usim);
		if (a->pcsc && a->card.link.err[0])
			fprintf(stderr, "aiot: ue: the card: %s\n", a->card.link.err);
		cli_fail(CLI_EXIT_FAIL, "ue: 5G AKA failed: %s", err);
	}
	if (k->resynced)
		fprintf(stderr, "aiot: ue: SQN resynchronised (AUTS) and authenticated\n");
}

void ue_akma_kaf(ue_args *a, aiot_ue_akma *k, uint8_t kaf[32])
{
	static const uint8_t ua[5] = AIOT_UA_TLS13_PSK;
	ue_run_aka(a, k);
	if (aiot_akma_kaf(k->kakma, a->af_fqdn, ua, kaf) != AIOT_OK) {
		aiot_ue_akma_clear(k);
		cli_fail(CLI_EXIT_USAGE, "ue: --af-fqdn: 1 to %d printable octets",
		         AIOT_AF_FQDN_MAX);
	}
}

/* aka and kaf: print what was derived. */
static int ue_keys(ue_args *a)
{
	aiot_ue_akma k;
	uint8_t kaf[32];
	if (strcmp(a->mode, "aka") == 0)
		ue_run_aka(a, &k);
	else
		ue_akma_kaf(a, &k, kaf);
	printf("akid %s\nresynced %d\n", k.akid, k.resynced);
	if (a->show_keys) {
		ue_print_key("kausf", k.kausf, 32);
		ue_print_key("kakma", k.kakma, 32);
	}
	if (a->af_fqdn != NULL && strcmp(a->mode, "kaf") == 0)
		ue_print_key("kaf", kaf, 32);
	aiot_ue_akma_clear(&k);
	aiot_zeroize(kaf, sizeof kaf);
	return 0;
}

/* --usim: 1 for pcsc[:READER] (*reader set), 0 for soft; exits 2 on anything else. */
static int ue_usim_kind(const char *spec, const char **reader)
{
	*reader = NULL;
	if (spec == NULL || strcmp(spec, "soft") == 0)
		return 0;
	if (strncmp(spec, "pcsc", 4) != 0 || (spec[4] != '\0' && spec[4] != ':'))
		cli_fail(CLI_EXIT_USAGE, "ue: --usim: soft or pcsc[:READER]");
	*reader = spec[4] == ':' ? spec + 5 : "";
	return 1;
}

/* The soft USIM from --k and --opc/--op, its SQN state from --usim-state. */
static void ue_soft_usim(ue_args *a, uint8_t k[16], uint8_t op[16], int k_given, int op_given)
{
	uint8_t opc[16];
	char err[400];
	if (!k_given)
		cli_fail(CLI_EXIT_USAGE, "ue: --k is required");
	if (op_given != 1 && op_given != 2)
		cli_fail(CLI_EXIT_USAGE, "ue: give one of --opc and --op");
	if (op_given == 1)
		aiot_milenage_opc(k, op, opc);
	else
		memcpy(opc, a->usim.opc, 16);
	aiot_usim_init(&a->usim, k, opc);
	aiot_zeroize(opc, sizeof opc);
	if (a->state != NULL &&
	    aiot_usim_state_load(a->state, a->supi, &a->usim, err, sizeof err) != 0)
		cli_fail(CLI_EXIT_FAIL, "ue: %s", err);
}

/* The card's USIM: no key on the command line, no state file (the card keeps its SQNs). */
static void ue_card_usim(ue_args *a, const char *reader, int k_given, int op_given)
{
	char err[600];
	const char *p;
	size_t n;
	if (k_given || op_given || a->state != NULL)
		cli_fail(CLI_EXIT_USAGE, "ue: --usim pcsc: the card holds K, OPc and the SQN state "
		                         "(no --k, --op, --opc or --usim-state)");
	if (ue_card_open(a, reader, err, sizeof err) != 0)
		cli_fail(CLI_EXIT_FAIL, "ue: %s", err);
	if (aiot_supi_kdf_param(a->supi, &p, &n) != AIOT_OK)
		cli_fail(CLI_EXIT_FAIL, "ue: the card's IMSI is no SUPI: %s", a->supi);
}

int cmd_ue(int argc, char **argv)
{
	static ue_args a; /* holds the USIM's keys: wiped before exit */
	uint8_t k[16], op[16];
	int k_given = 0, op_given = 0, rc, card;
	const char *reader;
	a.net.rid = "0";
	ue_parse(argc, argv, &a, k, op, &k_given, &op_given);
	card = ue_usim_kind(a.usim_spec, &reader);
	ue_require(&a, card);
	if (card)
		ue_card_usim(&a, reader, k_given, op_given);
	else
		ue_soft_usim(&a, k, op, k_given, op_given);
	aiot_zeroize(k, sizeof k);
	aiot_zeroize(op, sizeof op);
	signal(SIGPIPE, SIG_IGN); /* msgin5g/client.h: a server that closes must not kill us */
	rc = ue_mode_run(a.mode)(&a);
	aiot_usim_clear(&a.usim);
	ue_card_close(&a);
	return rc;
}
