/* SPDX-License-Identifier: Apache-2.0 */
/* 5G AKA (TS 33.501 Annex A) and AKMA (TS 33.535 Annex A) derivations over the generic KDF
 * (kdf.h); the text forms they take (SNN, SUPI, A-KID) are checked here, before any use. */
#include "aka5g.h"

#include <string.h>

#include "../common/aiot_err.h"
#include "aiot_fc.h"
#include "ct.h"
#include "kdf.h"
#include "sha256.h"

static const char hexdig[] = "0123456789abcdef";

/* 1 if s is exactly lo..hi decimal digits. */
static int digits(const char *s, size_t lo, size_t hi)
{
	size_t n = 0;
	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9' || n == hi)
			return 0;
	return n >= lo;
}

/* Append the string s at out[*n] if it fits before the NUL at cap. */
static void put(char *out, size_t cap, size_t *n, const char *s)
{
	size_t l = strlen(s);
	if (*n + l < cap)
		memcpy(out + *n, s, l);
	*n += l;
}

/* "mnc<MNC 3 digits>.mcc<MCC>.3gppnetwork.org" after prefix, NUL-terminated. */
static int plmn_domain(const char *prefix, const char *mcc, const char *mnc, char *out, size_t cap,
                       size_t *n)
{
	if (!digits(mcc, 3, 3) || !digits(mnc, 2, 3) || out == NULL)
		return AIOT_ERR_INVAL;
	put(out, cap, n, prefix);
	put(out, cap, n, strlen(mnc) == 2 ? "mnc0" : "mnc");
	put(out, cap, n, mnc);
	put(out, cap, n, ".mcc");
	put(out, cap, n, mcc);
	put(out, cap, n, ".3gppnetwork.org");
	if (*n >= cap)
		return AIOT_ERR_NOSPACE;
	out[*n] = '\0';
	return AIOT_OK;
}

int aiot_5g_snn(const char *mcc, const char *mnc, char *out, size_t cap)
{
	size_t n = 0;
	int rc = plmn_domain("5G:", mcc, mnc, out, cap, &n);
	if (rc != AIOT_OK && out != NULL && cap > 0)
		out[0] = '\0';
	return rc;
}

/* KEY = CK || IK for the two derivations of TS 33.501 keyed with it. */
static int kdf_ckik(const uint8_t ck[16], const uint8_t ik[16], uint8_t fc, const aiot_kdf_param *p,
                    size_t np, uint8_t out[32])
{
	uint8_t key[32];
	int rc;

	if (ck == NULL || ik == NULL)
		return AIOT_ERR_INVAL;
	memcpy(key, ck, 16);
	memcpy(key + 16, ik, 16);
	rc = aiot_kdf(NULL, key, sizeof key, fc, p, np, out);
	aiot_zeroize(key, sizeof key);
	return rc;
}

static int snn_ok(const char *snn)
{
	return snn != NULL && snn[0] != '\0' && strlen(snn) < AIOT_SNN_MAX;
}

int aiot_5g_kausf(const uint8_t ck[16], const uint8_t ik[16], const char *snn,
                  const uint8_t sqn_xor_ak[6], uint8_t kausf[32])
{
	if (!snn_ok(snn) || sqn_xor_ak == NULL || kausf == NULL)
		return AIOT_ERR_INVAL;
	const aiot_kdf_param p[2] = {{(const uint8_t *)snn, (uint16_t)strlen(snn)},
	                             {sqn_xor_ak, 6}};
	return kdf_ckik(ck, ik, AIOT_FC_KAUSF, p, 2, kausf);
}

int aiot_5g_res_star(const uint8_t ck[16], const uint8_t ik[16], const char *snn,
                     const uint8_t rand[16], const uint8_t *res, size_t res_len,
                     uint8_t res_star[16])
{
	uint8_t out[32];
	int rc;

	if (!snn_ok(snn) || rand == NULL || res == NULL || res_star == NULL ||
	    res_len < AIOT_RES_MIN || res_len > AIOT_RES_MAX)
		return AIOT_ERR_INVAL;
	const aiot_kdf_param p[3] = {
	    {(const uint8_t *)snn, (uint16_t)strlen(snn)}, {rand, 16}, {res, (uint16_t)res_len}};
	rc = kdf_ckik(ck, ik, AIOT_FC_RES_STAR, p, 3, out);
	if (rc == AIOT_OK)
		memcpy(res_star, out + 16, 16); /* the 128 least significant bits */
	aiot_zeroize(out, sizeof out);
	return rc;
}

void aiot_5g_hxres_star(const uint8_t rand[16], const uint8_t xres_star[16], uint8_t hxres_star[16])
{
	aiot_sha256_ctx c;
	uint8_t h[32];

	aiot_sha256_init(&c);
	aiot_sha256_update(&c, rand, 16);
	aiot_sha256_update(&c, xres_star, 16);
	aiot_sha256_final(&c, h);
	memcpy(hxres_star, h + 16, 16);
	aiot_zeroize(h, sizeof h);
}

int aiot_supi_kdf_param(const char *supi, const char **p1, size_t *p1_len)
{
	if (supi == NULL || p1 == NULL || p1_len == NULL || strncmp(supi, "imsi-", 5) != 0 ||
	    !digits(supi + 5, 5, 15))
		return AIOT_ERR_INVAL;
	*p1 = supi + 5;
	*p1_len = strlen(supi + 5);
	return AIOT_OK;
}

/* KDF(K_AUSF, fc, label, SUPI digits): K_AKMA and A-TID. */
static int kdf_supi(const uint8_t kausf[32], uint8_t fc, const char *label, const char *supi,
                    uint8_t out[32])
{
	const char *d;
	size_t dl;

	if (kausf == NULL || out == NULL || aiot_supi_kdf_param(supi, &d, &dl) != AIOT_OK)
		return AIOT_ERR_INVAL;
	const aiot_kdf_param p[2] = {{(const uint8_t *)label, (uint16_t)strlen(label)},
	                             {(const uint8_t *)d, (uint16_t)dl}};
	return aiot_kdf(NULL, kausf, 32, fc, p, 2, out);
}

int aiot_akma_kakma(const uint8_t kausf[32], const char *supi, uint8_t kakma[32])
{
	return kdf_supi(kausf, AIOT_FC_KAKMA, "AKMA", supi, kakma);
}

int aiot_akma_atid(const uint8_t kausf[32], const char *supi, uint8_t atid[32])
{
	return kdf_supi(kausf, AIOT_FC_ATID, "A-TID", supi, atid);
}

int aiot_akma_akid(const uint8_t atid[32], const char *rid, const char *mcc, const char *mnc,
                   char *out, size_t cap)
{
	char user[4 + 1 + 64 + 1];
	size_t n = 0, u = strlen(rid ? rid : "");
	int rc;

	if (atid == NULL || out == NULL || !digits(rid, 1, 4))
		return AIOT_ERR_INVAL;
	memcpy(user, rid, u);
	user[u++] = '.';
	for (size_t i = 0; i < 32; i++) {
		user[u++] = hexdig[atid[i] >> 4];
		user[u++] = hexdig[atid[i] & 15];
	}
	user[u] = '\0';
	put(out, cap, &n, user);
	rc = plmn_domain("@5gc.", mcc, mnc, out, cap, &n);
	if (rc != AIOT_OK && out != NULL && cap > 0)
		out[0] = '\0';
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not the A-KID's form */
}

/* s starts with exactly n digits: copy them to out (NUL-terminated). */
static int take_digits(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

int aiot_akma_akid_parse(const char *akid, char rid[5], uint8_t atid[32], char mcc[4], char mnc[4])
{
	static const char mid[] = "@5gc.mnc", tail[] = ".3gppnetwork.org";
	size_t r = 0;

	if (akid == NULL || rid == NULL || atid == NULL || mcc == NULL || mnc == NULL)
		return AIOT_ERR_INVAL;
	while (r < 5 && akid[r] >= '0' && akid[r] <= '9')
		r++;
	if (r < 1 || r > 4 || akid[r] != '.')
		return AIOT_ERR_MALFORMED;
	const char *h = akid + r + 1, *p = h + 64;
	for (size_t i = 0; i < 64; i++)
		if (h[i] == '\0' || hexval(h[i]) < 0)
			return AIOT_ERR_MALFORMED;
	if (strncmp(p, mid, sizeof mid - 1) != 0)
		return AIOT_ERR_MALFORMED;
	p += sizeof mid - 1;
	char mn[4], mc[4];
	if (!take_digits(p, 3, mn) || strncmp(p + 3, ".mcc", 4) != 0 ||
	    !take_digits(p + 7, 3, mc) || strcmp(p + 10, tail) != 0)
		return AIOT_ERR_MALFORMED;
	for (size_t i = 0; i < 32; i++)
		atid[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
	memcpy(rid, akid, r);
	rid[r] = '\0';
	memcpy(mcc, mc, 4);
	memcpy(mnc, mn, 4);
	return AIOT_OK;
}

/* AF_ID: an FQDN of printable octets (UTF-8 allowed, no space or control octet). */
static int fqdn_ok(const char *f, size_t *len)
{
	size_t n = 0;
	if (f == NULL)
		return 0;
	for (; f[n] != '\0'; n++)
		if ((unsigned char)f[n] <= 0x20 || f[n] == 0x7f || n == AIOT_AF_FQDN_MAX)
			return 0;
	*len = n;
	return n > 0;
}

int aiot_akma_kaf(const uint8_t kakma[32], const char *af_fqdn, const uint8_t ua_id[5],
                  uint8_t kaf[32])
{
	uint8_t afid[AIOT_AF_FQDN_MAX + 5];
	size_t n;

	if (kakma == NULL || ua_id == NULL || kaf == NULL || !fqdn_ok(af_fqdn, &n))
		return AIOT_ERR_INVAL;
	memcpy(afid, af_fqdn, n);
	memcpy(afid + n, ua_id, 5);
	const aiot_kdf_param p[1] = {{afid, (uint16_t)(n + 5)}};
	return aiot_kdf(NULL, kakma, 32, AIOT_FC_KAF, p, 1, kaf);
}
