/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' YAML configuration loader (src/svc/config.c) on arbitrary text: it must
 * return an error (a duplicate key among them) or a set of keys, each with its line, never
 * crash or leak. */
#include <stdint.h>
#include <stdlib.h>

#include "svc/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	static const char *const known[] = {"listen", "tls.cert", NULL};
	cfg *c = cfg_new();
	if (c == NULL)
		return 0;
	if (cfg_load_string(c, (const char *)data, size, err, sizeof err) == 0) {
		unsigned long long v;
		const char *k = cfg_unknown_key(c, known);
		if (k != NULL && cfg_line(c, k) == 0)
			abort(); /* every key of a file knows its line */
		(void)cfg_get(c, "listen");
		(void)cfg_get_uint(c, "workers", 1, 1, 64, &v, err, sizeof err);
	}
	cfg_free(c);
	return 0;
}
