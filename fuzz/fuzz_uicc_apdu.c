/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the card engine's APDU parser and dispatch (src/uicc/uicc_card.c, uicc_auth.c) and the
 * host's answer parsers (uicc_cmd.c) on what the card answers. The input is a sequence of
 * C-APDUs, each a length octet then that many octets, sent to one card (USIM and AIoT
 * applications). Checked after each: the engine returns AIOT_OK with 2..258 octets; no 8
 * consecutive octets of K, OPc or K_AIOT_root appear in any answer; the SQN array never moves
 * (no input can forge MAC-A under the card's K); every host parser either refuses the answer
 * or takes it with the lengths it announces.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "uicc/uicc_card.h"
#include "uicc/uicc_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int holds(const uint8_t *r, size_t n, const uint8_t *key, size_t kl)
{
	for (size_t w = 0; w + 8 <= kl; w++)
		for (size_t i = 0; i + 8 <= n; i++)
			if (memcmp(r + i, key + w, 8) == 0)
				return 1;
	return 0;
}

static void host_parsers(const uint8_t *body, size_t n, uint16_t sw)
{
	uint8_t res[16], k[16], tid[16];
	aiot_usim_result r;
	char imsi[16];

	(void)uicc_rsp_status(n, sw);
	if (uicc_rsp_imsi(body, n, sw, imsi, sizeof imsi) == AIOT_OK && strlen(imsi) < 6)
		__builtin_trap();
	int rc = uicc_rsp_usim_authenticate(body, n, sw, &r);
	if ((rc == AIOT_OK && (n != 44 || body[0] != UICC_TAG_SUCCESS)) ||
	    (rc == AIOT_USIM_SYNC_FAILURE && (n != 16 || body[0] != UICC_TAG_SYNC_FAIL)))
		__builtin_trap();
	for (uint8_t l = 4; l <= 16; l += 4) {
		if (uicc_rsp_aiot_inventory(body, n, sw, l, res, k) == AIOT_OK && n != 19u + l)
			__builtin_trap();
		if (uicc_rsp_aiot_doa(body, n, sw, l, res, k) == AIOT_OK && body[1] != l)
			__builtin_trap();
	}
	if (uicc_rsp_aiot_next_tid(body, n, sw, tid) == AIOT_OK && n != 18)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t aiot_key[32] = "0123456789abcdefghijklmnopqrstuv";
	uint64_t seq[AIOT_USIM_NIND];
	uint8_t r[UICC_RAPDU_MAX];
	uicc_perso p = {0};
	uicc_card c;
	size_t rl;

	p.apps = UICC_HAS_USIM | UICC_HAS_AIOT;
	memcpy(p.imsi, "001010123456789", 16);
	memset(p.k, 0x4B, 16), memset(p.opc, 0x6F, 16);
	memcpy(p.aiot_key, aiot_key, 32);
	p.aiot_key_len = 32, p.suite = AIOT_SUITE_3GPP;
	p.perm_id[0] = 0x01, p.perm_id_len = 1;
	if (uicc_card_init(&c, &p) != AIOT_OK)
		__builtin_trap();
	memcpy(seq, c.usim.seq_ms, sizeof seq);
	while (size > 0) {
		size_t n = data[0] < size - 1 ? data[0] : size - 1;
		if (uicc_card_apdu(&c, data + 1, n, r, sizeof r, &rl) != AIOT_OK || rl < 2 ||
		    rl > UICC_RAPDU_MAX)
			__builtin_trap();
		if (holds(r, rl, p.k, 16) || holds(r, rl, p.opc, 16) || holds(r, rl, aiot_key, 32))
			__builtin_trap();
		if (memcmp(seq, c.usim.seq_ms, sizeof seq) != 0)
			__builtin_trap();
		host_parsers(r, rl - 2, (uint16_t)(r[rl - 2] << 8 | r[rl - 1]));
		data += 1 + n, size -= 1 + n;
	}
	uicc_card_clear(&c);
	return 0;
}
