/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XRES_AIOT per second on one core, per suite and per backend, exactly as the ADM computes
 * them (aiot_derive_res with a different device key and RAND_d each time, RES 64 bits).
 * usage: bench_crypto [seconds-per-case]   (prints one line per case)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "crypto/backend_openssl.h"
#include "crypto/kdf.h"

#define NKEYS 1024

static double run(const aiot_backend *be, aiot_suite s, double secs)
{
	static uint8_t keys[NKEYS][16];
	uint8_t rn[16] = {1}, rd[16] = {2}, res[8];
	for (int i = 0; i < NKEYS; i++)
		for (int j = 0; j < 16; j++)
			keys[i][j] = (uint8_t)(i * 31 + j * 7);
	unsigned long n = 0;
	double t0 = aiot_mono_s(), t;
	do {
		for (int i = 0; i < 1000; i++, n++) {
			rd[0] = (uint8_t)n;
			rd[1] = (uint8_t)(n >> 8);
			if (aiot_derive_res(be, s, keys[n % NKEYS], 16, rn, rd, 64, res) != 0) {
				fprintf(stderr, "derivation failed\n");
				exit(1);
			}
		}
		t = aiot_mono_s() - t0;
	} while (t < secs);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	aiot_backend *ossl = aiot_backend_openssl_new();
	if (ossl == NULL)
		return 1;
	const struct {
		const char *name;
		const aiot_backend *be;
		aiot_suite s;
	} cases[] = {
	    {"openssl", ossl, AIOT_SUITE_3GPP},
	    {"openssl", ossl, AIOT_SUITE_AES},
	    {"ref", &aiot_backend_ref, AIOT_SUITE_3GPP},
	    {"ref", &aiot_backend_ref, AIOT_SUITE_AES},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		printf("xres_per_s suite=%s backend=%s %.0f\n", aiot_suite_name(cases[i].s),
		       cases[i].name, run(cases[i].be, cases[i].s, secs));
	aiot_backend_openssl_free(ossl);
	return 0;
}
