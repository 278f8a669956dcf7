/* SPDX-License-Identifier: Apache-2.0 */
/* The KM request decoders (sealkm.h): every check before anything is touched. */
#include <stdio.h>
#include <string.h>

#include "sealkm.h"

int sealkm_parse_psk_request(const uint8_t *body, size_t len, unsigned long long max,
                             unsigned long long *lifetime, sbi_err *e)
{
	*lifetime = max;
	if (len == 0)
		return 0;
	cJSON *j = sbi_json_parse_object(body, len, e);
	if (j == NULL)
		return -1;
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "lifetime");
	int rc = 0;
	if (l != NULL) {
		double v = cJSON_IsNumber(l) ? l->valuedouble : -1;
		if (v < 1 || v > (double)max || v != (double)(unsigned long long)v) {
			e->cause = "OPTIONAL_IE_INCORRECT";
			e->status = 400;
			snprintf(e->text, sizeof e->text, "lifetime: expected an integer 1..%llu",
			         max);
			rc = -1;
		} else {
			*lifetime = (unsigned long long)v;
		}
	}
	cJSON_Delete(j);
	return rc;
}

int sealkm_parse_key_path(const char *path, char key_id[SEALKM_KEY_ID_LEN + 1])
{
	size_t root = strlen(SEALKM_ROOT);
	if (strncmp(path, SEALKM_ROOT "/", root + 1) != 0)
		return -1;
	const char *id = path + root + 1;
	if (strlen(id) != SEALKM_KEY_ID_LEN || strspn(id, "0123456789abcdef") != SEALKM_KEY_ID_LEN)
		return -1;
	memcpy(key_id, id, SEALKM_KEY_ID_LEN + 1);
	return 0;
}
