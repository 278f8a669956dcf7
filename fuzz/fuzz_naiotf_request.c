/* SPDX-License-Identifier: Apache-2.0 */
/* Naiotf_AIoT request bodies (TS 29.569 InventoryReq / CommandReq, our DoaSubscription)
 * through the AIOTF's own parser and validator. The first byte picks the operation: bit 1
 * DoaSubscription, else bit 0 CommandReq / InventoryReq. */
#include <stdint.h>

#include "aiotf/aiotf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	sbi_err e = {0};
	tx_type type = (data[0] & 2) ? TX_DOA_SUB : (data[0] & 1) ? TX_COMMAND : TX_INVENTORY;
	aiotf_req *r = naiotf_parse(type, data + 1, size - 1, &e);
	aiotf_req_free(r);
	return 0;
}
