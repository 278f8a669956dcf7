/* SPDX-License-Identifier: Apache-2.0 */
/* NF instance IDs (nf_id.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "nf_id.h"

int aiot_uuid_valid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (s == NULL || strlen(s) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int read_id(int fd, char out[37])
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (!aiot_uuid_valid(buf)) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < 37; i++)
		out[i] = (char)tolower((unsigned char)buf[i]);
	return 0;
}

int aiot_uuid_random(char out[37])
{
	uint8_t b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return -1;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
	return 0;
}

int aiot_nf_instance_id_load_or_create(const char *path, char out[37])
{
	char tmp[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		int rc = read_id(fd, out);
		int saved = errno;
		close(fd);
		errno = saved;
		return rc;
	}
	if (errno != ENOENT || aiot_uuid_random(out) != 0 ||
	    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	int ok = dprintf(fd, "%s\n", out) == 37 && fsync(fd) == 0;
	close(fd);
	/* link(), not rename(): a concurrent first start keeps the ID written first */
	if (!ok || (link(tmp, path) != 0 && errno != EEXIST)) {
		unlink(tmp);
		return -1;
	}
	unlink(tmp);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = read_id(fd, out);
	close(fd);
	return rc;
}
