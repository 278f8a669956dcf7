/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SEAL KM's request decoders on arbitrary input (sealkm_req.c): the POST psk body and
 * the GET psk/{keyId} path. Input: the body, also tried (NUL-terminated) as a path suffix.
 */
#include <stdlib.h>
#include <string.h>

#include "sealkm/sealkm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbi_err e = {0};
	unsigned long long lifetime = 0;
	char key_id[SEALKM_KEY_ID_LEN + 1];
	char *path = malloc(sizeof SEALKM_ROOT + size + 1);
	if (sealkm_parse_psk_request(data, size, 600, &lifetime, &e) == 0 &&
	    (lifetime < 1 || lifetime > 600))
		abort();
	if (path == NULL)
		return 0;
	memcpy(path, SEALKM_ROOT "/", sizeof SEALKM_ROOT);
	memcpy(path + sizeof SEALKM_ROOT, data, size);
	path[sizeof SEALKM_ROOT + size] = '\0';
	if (sealkm_parse_key_path(path, key_id) == 0 && strlen(key_id) != SEALKM_KEY_ID_LEN)
		abort();
	free(path);
	return 0;
}
