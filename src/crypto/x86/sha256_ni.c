/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256's block function with the x86 SHA extensions (sha256_hw.h), for the host build:
 * sha256.c calls it instead of its portable one when CPUID says the CPU has them. Same
 * result for every input (tests/unit/test_crypto_sha256_hw.c checks it against the portable
 * one). CT: no branch and no table index depends on the data; the message schedule stays
 * in registers.
 */
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

#include "crypto/sha256_hw.h"

/* CPUID.1:ECX bit 9 SSSE3, bit 19 SSE4.1; CPUID.(7,0):EBX bit 29 SHA. */
static int cpu_has_sha(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 29) & 1;
}

int aiot_sha256_hw(void)
{
	static _Atomic int have = -1; /* -1: not asked yet (CPUID is slow under a hypervisor) */
	int v = atomic_load_explicit(&have, memory_order_relaxed);

	if (v < 0) {
		v = cpu_has_sha();
		atomic_store_explicit(&have, v, memory_order_relaxed);
	}
	return v;
}

/* Four rounds on the schedule words w (W[t..t+3] + K[t..t+3]); s0 = ABEF, s1 = CDGH. */
#define ROUNDS4(w, t)                                                                              \
	do {                                                                                       \
		__m128i k_ =                                                                       \
		    _mm_add_epi32((w), _mm_loadu_si128((const __m128i *)&aiot_sha256_k[t]));       \
		s1 = _mm_sha256rnds2_epu32(s1, s0, k_);                                            \
		s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k_, 0x0e));                   \
	} while (0)

/* FIPS 180-4 6.2.2 step 1 for W[t..t+3]: m0..m3 hold W[t-16..t-1]; the result replaces m0. */
#define SCHEDULE(m0, m1, m2, m3)                                                                   \
	(m0 = _mm_sha256msg2_epu32(                                                                \
	     _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3))

__attribute__((target("sha,sse4.1,ssse3"))) void aiot_sha256_hw_compress(uint32_t h[8],
                                                                         const uint8_t block[64])
{
	const __m128i be = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i s0, s1, abef, cdgh, m0, m1, m2, m3;

	/* h[0..7] = A..H to the instructions' order: s0 = ABEF, s1 = CDGH. */
	s0 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1); /* CDAB */
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b); /* EFGH */
	abef = _mm_alignr_epi8(s0, s1, 8);
	cdgh = _mm_blend_epi16(s1, s0, 0xf0);
	s0 = abef;
	s1 = cdgh;

	m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 0)), be);
	ROUNDS4(m0, 0);
	m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16)), be);
	ROUNDS4(m1, 4);
	m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 32)), be);
	ROUNDS4(m2, 8);
	m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 48)), be);
	ROUNDS4(m3, 12);
	for (unsigned t = 16; t < 64; t += 16) {
		ROUNDS4(SCHEDULE(m0, m1, m2, m3), t);
		ROUNDS4(SCHEDULE(m1, m2, m3, m0), t + 4);
		ROUNDS4(SCHEDULE(m2, m3, m0, m1), t + 8);
		ROUNDS4(SCHEDULE(m3, m0, m1, m2), t + 12);
	}

	s0 = _mm_add_epi32(s0, abef);
	s1 = _mm_add_epi32(s1, cdgh);
	/* Back to A..H. */
	abef = _mm_shuffle_epi32(s0, 0x1b);                                    /* FEBA */
	cdgh = _mm_shuffle_epi32(s1, 0xb1);                                    /* DCHG */
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(abef, cdgh, 0xf0)); /* DCBA */
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(cdgh, abef, 8));    /* HGFE */
}
