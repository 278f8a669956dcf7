/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the `aiot` subcommands. */
#ifndef AIOT_CLI_H
#define AIOT_CLI_H
#include <stddef.h>
#include <stdint.h>

/* Exit codes: 0 ok, 1 failure, 2 usage / bad argument. */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* Print "aiot: <msg>" on stderr and exit with code. */
_Noreturn void cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decode the hex argument of option opt into buf; exits 2 with a clear message on bad hex or
 * if the length is not one of the allowed byte counts (allowed = NULL: any up to cap). */
size_t cli_hex(const char *opt, const char *hex, uint8_t *buf, size_t cap, const size_t *allowed,
               size_t nallowed);

/* Parse a decimal or 0x-hex unsigned integer in [0, max]; exits 2 otherwise. */
unsigned long long cli_uint(const char *opt, const char *s, unsigned long long max);

/* Print n bytes as one line of lowercase hex. */
void cli_print_hex(const uint8_t *p, size_t n);

int cmd_crypto(int argc, char **argv);
/* The 5G AKA / AKMA subcommands of `aiot crypto` (cmd_crypto_akma.c); argv[0] names one. */
int cmd_crypto_akma_has(const char *sub);
int cmd_crypto_akma(int argc, char **argv);
int cmd_provision(int argc, char **argv);
int cmd_provision_ue(int argc, char **argv);
int cmd_sbi(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_af_sink(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_ue(int argc, char **argv);

#endif
