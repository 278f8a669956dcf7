/* SPDX-License-Identifier: Apache-2.0 */
/* `aiot`: the project's command-line tool. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/aiot_err.h"
#include "common/hex.h"

_Noreturn void cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("aiot: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

size_t cli_hex(const char *opt, const char *hex, uint8_t *buf, size_t cap, const size_t *allowed,
               size_t nallowed)
{
	size_t len = strlen(hex);
	int n = aiot_hex_decode(hex, len, buf, cap);
	if (n == AIOT_ERR_NOSPACE)
		cli_fail(CLI_EXIT_USAGE, "%s: too long (%zu hex digits, at most %zu)", opt, len,
		         2 * cap);
	if (n < 0)
		cli_fail(CLI_EXIT_USAGE, "%s: not an even-length hex string", opt);
	if (allowed != NULL) {
		for (size_t i = 0; i < nallowed; i++)
			if ((size_t)n == allowed[i])
				return (size_t)n;
		char want[128] = "";
		for (size_t i = 0; i < nallowed; i++) {
			size_t o = strlen(want);
			snprintf(want + o, sizeof want - o, "%s%zu", i ? " or " : "",
			         8 * allowed[i]);
		}
		cli_fail(CLI_EXIT_USAGE, "%s: %d bits given, %s bits expected", opt, 8 * n, want);
	}
	return (size_t)n;
}

unsigned long long cli_uint(const char *opt, const char *s, unsigned long long max)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		cli_fail(CLI_EXIT_USAGE, "%s: '%s' is not an unsigned integer", opt, s);
	unsigned long long v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		cli_fail(CLI_EXIT_USAGE, "%s: '%s' is not an unsigned integer", opt, s);
	if (v > max)
		cli_fail(CLI_EXIT_USAGE, "%s: %llu is out of range (0..%llu)", opt, v, max);
	return v;
}

void cli_print_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (s == NULL)
		cli_fail(CLI_EXIT_FAIL, "out of memory");
	aiot_hex_encode(p, n, s);
	puts(s);
	free(s);
}

static void usage(FILE *f)
{
	fputs("usage: aiot <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  crypto     test-vector tools: kdf, res, kaiotf, algkey, tid, nia2, nea2\n"
	      "  provision  create devices (keys, IDs) in an ADM store, or import them\n"
	      "  provision-ue  import 5G subscribers (SUPI, K, OPc) into a UDM store\n"
	      "  sbi        one HTTP/2 request with aiot's own SBI client (h2c or TLS)\n"
	      "  pki        a CA and certificates for mutual TLS (ADM, AIOTF, AF)\n"
	      "  token      OAuth 2.0 access tokens (JWS ES256): keygen, kid, sign, verify\n"
	      "  af-sink    an AF's notifUri: prints each AIoTNotif as one JSON line\n"
	      "  ue         a test UE: 5G AKA with the AUSF, AKMA keys, MSGin5G client\n"
	      "  demo       the whole system on loopback: inventory, commands, clones\n"
	      "\n"
	      "`aiot <command> --help` describes a command.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "crypto") == 0)
		return cmd_crypto(argc - 1, argv + 1);
	if (strcmp(argv[1], "provision") == 0)
		return cmd_provision(argc - 1, argv + 1);
	if (strcmp(argv[1], "provision-ue") == 0)
		return cmd_provision_ue(argc - 1, argv + 1);
	if (strcmp(argv[1], "sbi") == 0)
		return cmd_sbi(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "pki") == 0)
		return cmd_pki(argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (strcmp(argv[1], "ue") == 0)
		return cmd_ue(argc - 1, argv + 1);
	if (strcmp(argv[1], "af-sink") == 0)
		return cmd_af_sink(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "aiot: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
