/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AUSF's decoders on arbitrary input: the route of a path (authCtxId segment),
 * AuthenticationInfo (supiOrSuci, servingNetworkName, resynchronizationInfo) and
 * ConfirmationData. What follows them (the UDM call, the contexts) runs on the AUSF's loop
 * thread and is covered by it_ausf.
 * Input: byte 0 selects; the rest is the path or the body.
 */
#include <stdlib.h>
#include <string.h>

#include "ausf/ausf_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	sbi_err e = {0};
	char id[AUSF_CTX_ID_LEN + 1];
	uint8_t res[16];
	ausf_authinfo a;
	char *text = malloc(size); /* NUL-terminated, as the SBI server hands it over */
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		ausf_route(text, id);
		break;
	case 1:
		ausf_authinfo_parse((const uint8_t *)text, size - 1, &a, &e);
		break;
	default:
		ausf_confirm_parse((const uint8_t *)text, size - 1, res, &e);
		break;
	}
	free(text);
	return 0;
}
