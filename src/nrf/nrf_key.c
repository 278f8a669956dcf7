/* SPDX-License-Identifier: Apache-2.0 */
/* The NRF's P-256 signing key (nrf_key.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "nrf_key.h"
#include "store/private_file.h"

static int is_p256(EVP_PKEY *k)
{
	char group[32];
	size_t len = 0;
	return EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &len) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

static EVP_PKEY *load(int fd, const char *path, char *err, size_t errlen)
{
	FILE *f = fdopen(fd, "rb");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	else
		close(fd);
	if (k == NULL || !is_p256(k)) {
		snprintf(err, errlen, "%s: not a P-256 private key in PEM", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static EVP_PKEY *create(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	int fd = k ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	int ok = f != NULL && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	         fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	else if (fd >= 0)
		close(fd);
	if (!ok) {
		snprintf(err, errlen, "%s: cannot create the signing key: %s", path,
		         k ? strerror(errno) : "key generation failed");
		if (fd >= 0)
			unlink(path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *nrf_signing_key_load_or_create(const char *path, int *created, char *err, size_t errlen)
{
	*created = 0;
	int fd = aiot_private_open("signing key", path, O_RDONLY, err, errlen);
	if (fd >= 0)
		return load(fd, path, err, errlen);
	if (errno != ENOENT)
		return NULL;
	*created = 1;
	return create(path, err, errlen);
}
