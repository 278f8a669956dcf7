/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the serving network's decoders of the AUSF's answers (src/ue/ue_aka_json.h): any
 * input fails cleanly or decodes to fields within their bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ue/ue_aka_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ue_challenge c;
	static ue_confirmation f;
	char why[200], text[300];
	if (ue_challenge_parse((const char *)data, size, &c, why, sizeof why) == 0 &&
	    (c.href[0] == '\0' || strlen(c.href) >= sizeof c.href))
		__builtin_trap();
	if (ue_confirmation_parse((const char *)data, size, &f, why, sizeof why) == 0 &&
	    strlen(f.supi) > UE_SUPI_MAX)
		__builtin_trap();
	ue_problem_text((const char *)data, size, 403, text, sizeof text);
	for (const char *p = text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			__builtin_trap();
	return 0;
}
