/* SPDX-License-Identifier: Apache-2.0 */
/* A CA and certificates for mutual TLS between AIOTF, ADM and AFs (pki.c). */
#ifndef AIOT_CLI_PKI_H
#define AIOT_CLI_PKI_H
#include <stddef.h>

#define PKI_MAX_NAME 64
#define PKI_DEFAULT_SAN "DNS:localhost,IP:127.0.0.1"

typedef struct pki_opts {
	const char *dir;          /* existing directory */
	const char *const *names; /* one certificate each: NAME.crt, NAME.key */
	size_t nnames;
	const char *san; /* subjectAltName entries added to DNS:NAME (OpenSSL syntax) */
	/* nf_ids[i]: NF instance ID (a UUID) of names[i], put in its certificate as the URI SAN
	 * urn:uuid:<id> (TS 33.310 6.1.3c); NULL (array or entry): none. */
	const char *const *nf_ids;
	int days;      /* validity */
	int overwrite; /* replace existing files (else: refuse) */
} pki_opts;

/* 1 when name is 1..64 of [a-z0-9._-], not starting with '-' or '.', and not "ca". */
int pki_name_ok(const char *name);
/* Write ca.crt and NAME.crt + NAME.key (0600) for each name into o->dir; 0, or -1 with err. */
int pki_make(const pki_opts *o, char *err, size_t errlen);

#endif
