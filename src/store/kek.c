/* SPDX-License-Identifier: Apache-2.0 */
/* The key-encryption key file (store.h): 32 raw bytes, mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/aiot_err.h"
#include "store.h"

#define KEK_LEN 32

static int read_kek(int fd, const char *path, uint8_t kek[32], char *err, size_t errlen)
{
	struct stat st;
	uint8_t buf[KEK_LEN + 1];
	size_t got = 0;
	int rc = AIOT_ERR_INVAL;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "KEK file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "KEK file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
		         "KEK file %s: mode %04o gives access to group/other; it must be 0600 "
		         "or stricter (chmod 600 %s)",
		         path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (got < sizeof buf) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "KEK file %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != KEK_LEN) {
		snprintf(err, errlen, "KEK file %s: must hold exactly 32 bytes, it holds %s%zu",
		         path, got > KEK_LEN ? "more than " : "",
		         got > KEK_LEN ? (size_t)KEK_LEN : got);
		goto out;
	}
	memcpy(kek, buf, KEK_LEN);
	rc = AIOT_OK;
out:
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

/* fsync the directory holding path, so that the new name survives a crash too. */
static void sync_parent(const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return;
	int dfd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

static int create_kek(const char *path, uint8_t kek[32], char *err, size_t errlen)
{
	uint8_t k[KEK_LEN];
	size_t got = 0, put = 0;
	int fd = -1, rc = AIOT_ERR_INVAL;

	while (got < KEK_LEN) {
		ssize_t r = getrandom(k + got, KEK_LEN - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			goto out;
		}
		got += (size_t)r;
	}
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? AIOT_ERR_STATE : AIOT_ERR_INVAL;
		snprintf(err, errlen, "KEK file %s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	while (put < KEK_LEN) {
		ssize_t w = write(fd, k + put, KEK_LEN - put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, errlen, "KEK file %s: write: %s", path, strerror(errno));
			goto fail_unlink;
		}
		put += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "KEK file %s: fsync: %s", path, strerror(errno));
		goto fail_unlink;
	}
	sync_parent(path);
	memcpy(kek, k, KEK_LEN);
	rc = AIOT_OK;
	goto out;
fail_unlink:
	(void)unlink(path);
out:
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(k, sizeof k);
	return rc;
}

int aiot_kek_load(const char *path, uint8_t kek[32], int create_if_missing, char *err,
                  size_t errlen)
{
	char dummy[1];
	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (path == NULL || kek == NULL) {
		snprintf(err, errlen, "KEK file: no path given");
		return AIOT_ERR_INVAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC); /* symlinks allowed: secret mounts */
		if (fd >= 0) {
			int rc = read_kek(fd, path, kek, err, errlen);
			close(fd);
			return rc;
		}
		if (errno != ENOENT || !create_if_missing) {
			snprintf(err, errlen, "KEK file %s: %s", path, strerror(errno));
			return AIOT_ERR_INVAL;
		}
		int rc = create_kek(path, kek, err, errlen);
		if (rc != AIOT_ERR_STATE) /* EEXIST: another process made it; load that one */
			return rc;
	}
	return AIOT_ERR_INVAL;
}
