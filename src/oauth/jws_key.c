/* SPDX-License-Identifier: Apache-2.0 */
/*
 * P-256 keys of the token signer (the NRF) and of the verifiers (producers), and the key id:
 * the RFC 7638 JWK thumbprint, which both sides compute from the key alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "oauth/jws.h"

static int is_p256(EVP_PKEY *key)
{
	char group[32];
	size_t gl = 0;
	return key != NULL && EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
	                                      &gl) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

static EVP_PKEY *create(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	int fd = -1;
	FILE *f = NULL;
	if (key == NULL) {
		snprintf(err, errlen, "%s: cannot generate a P-256 key", path);
		return NULL;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "%s: cannot write the key", path);
		unlink(path);
		goto fail;
	}
	return key;
fail:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(key);
	return NULL;
}

EVP_PKEY *aiot_jws_key_load_or_create(const char *path, char *err, size_t errlen)
{
	struct stat st;
	EVP_PKEY *key = NULL;
	FILE *f;

	if (stat(path, &st) != 0 && errno == ENOENT)
		return create(path, err, errlen);
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
		         "%s: a private key must not be readable by others (chmod 600)", path);
		goto out;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (!is_p256(key)) {
		snprintf(err, errlen, "%s: not a P-256 private key (PEM)", path);
		EVP_PKEY_free(key);
		key = NULL;
	}
out:
	if (f != NULL)
		fclose(f);
	return key;
}

EVP_PKEY *aiot_jws_pubkey_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key = NULL;
	X509 *cert;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if ((key = PEM_read_PUBKEY(f, NULL, NULL, NULL)) == NULL) {
		rewind(f);
		if ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
			key = X509_get_pubkey(cert);
			X509_free(cert);
		}
	}
	fclose(f);
	if (!is_p256(key)) {
		snprintf(err, errlen, "%s: not a P-256 public key or certificate (PEM)", path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int aiot_jws_pubkey_save(EVP_PKEY *key, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || PEM_write_PUBKEY(f, key) != 1) {
		snprintf(err, errlen, "%s: cannot write the public key", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* One affine coordinate as 32 octets, base64url. */
static int coord(EVP_PKEY *key, const char *name, char out[44])
{
	BIGNUM *bn = NULL;
	uint8_t b[32];
	int ok = EVP_PKEY_get_bn_param(key, name, &bn) == 1 && BN_bn2binpad(bn, b, 32) == 32 &&
	         aiot_b64url_encode(b, 32, out, 44) == 43;
	BN_free(bn);
	return ok ? 0 : -1;
}

int aiot_jws_kid(EVP_PKEY *key, char kid[AIOT_JWS_KID_LEN + 1])
{
	char x[44], y[44], jwk[160];
	uint8_t md[32];
	unsigned int mdl = 0;

	if (!is_p256(key) || coord(key, OSSL_PKEY_PARAM_EC_PUB_X, x) != 0 ||
	    coord(key, OSSL_PKEY_PARAM_EC_PUB_Y, y) != 0)
		return -1;
	/* RFC 7638 3.2: the required members only, lexicographic order, no whitespace. */
	int n = snprintf(jwk, sizeof jwk,
	                 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	if (n <= 0 || (size_t)n >= sizeof jwk ||
	    EVP_Digest(jwk, (size_t)n, md, &mdl, EVP_sha256(), NULL) != 1 || mdl != 32)
		return -1;
	return aiot_b64url_encode(md, 32, kid, AIOT_JWS_KID_LEN + 1) == AIOT_JWS_KID_LEN ? 0 : -1;
}
