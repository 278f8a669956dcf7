/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mirror check every AIoT NAS codec test applies to every valid encoding (test_nas_codec.c,
 * test_nas_doa.c): encode gives exactly the bytes and nothing at a smaller capacity, decode then
 * encode gives the bytes back, every prefix and one trailing octet give the decoder's documented
 * error, and every one-octet substitution either fails or re-encodes to itself (one canonical
 * encoding, docs/protocol.md §3.1). Include after <cmocka.h>.
 */
#ifndef AIOT_TEST_NAS_CODEC_CHECK_H
#define AIOT_TEST_NAS_CODEC_CHECK_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"

#define SENTINEL 0xA5

typedef int (*decode_fn)(const uint8_t *buf, size_t len, void *msg);
typedef int (*encode_fn)(const void *msg, uint8_t *out, size_t cap);
/* What the decoder must return for the first l octets of a valid encoding of len octets, and
 * for l = len + 1 (the encoding followed by a 0x00 octet). */
typedef int (*prefix_fn)(size_t l, size_t len);

static inline int all_sentinel(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != SENTINEL)
			return 0;
	return 1;
}

/* A self-delimiting message: every prefix is TRUNC, a trailing octet MALFORMED. */
static inline int prefix_trunc(size_t l, size_t len)
{
	return l < len ? AIOT_ERR_TRUNC : AIOT_ERR_MALFORMED;
}

static inline void check_codec(const void *msg, const uint8_t *enc, size_t len, decode_fn dec,
                               encode_fn en, prefix_fn prefix)
{
	uint8_t out[600], in[600];
	_Alignas(max_align_t) uint8_t m[256]; /* any decoded message structure */

	for (size_t cap = 0; cap < len; cap++) {
		memset(out, SENTINEL, sizeof out);
		assert_int_equal(en(msg, out, cap), AIOT_ERR_NOSPACE);
		assert_true(all_sentinel(out, sizeof out));
	}
	memset(out, SENTINEL, sizeof out);
	assert_int_equal(en(msg, out, len), (int)len);
	assert_memory_equal(out, enc, len);
	assert_true(all_sentinel(out + len, sizeof out - len));
	assert_int_equal(en(msg, out, sizeof out), (int)len);

	/* decode, then re-encode what was decoded */
	memcpy(in, enc, len);
	assert_int_equal(dec(in, len, m), AIOT_OK);
	assert_int_equal(en(m, out, sizeof out), (int)len);
	assert_memory_equal(out, enc, len);

	/* truncations (a zero-length and a NULL buffer too), one trailing octet */
	assert_int_equal(dec(NULL, 0, m), AIOT_ERR_TRUNC);
	for (size_t l = 0; l < len; l++)
		assert_int_equal(dec(in, l, m), prefix(l, len));
	in[len] = 0x00;
	assert_int_equal(dec(in, len + 1, m), prefix(len + 1, len));
	/* NULL arguments */
	assert_int_equal(dec(in, len, NULL), AIOT_ERR_INVAL);
	assert_int_equal(en(NULL, out, sizeof out), AIOT_ERR_INVAL);
	assert_int_equal(en(msg, NULL, sizeof out), AIOT_ERR_INVAL);

	/* every single-octet substitution either fails or is canonical (re-encodes exactly) */
	for (size_t pos = 0; pos < len; pos++) {
		for (unsigned v = 0; v < 256; v++) {
			memcpy(in, enc, len);
			in[pos] = (uint8_t)v;
			int rc = dec(in, len, m);
			assert_true(rc == AIOT_OK || rc == AIOT_ERR_TRUNC ||
			            rc == AIOT_ERR_MALFORMED || rc == AIOT_ERR_UNKNOWN);
			if (rc != AIOT_OK)
				continue;
			assert_int_equal(en(m, out, sizeof out), (int)len);
			assert_memory_equal(out, in, len);
		}
	}
}

#endif
