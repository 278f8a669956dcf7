/* SPDX-License-Identifier: Apache-2.0 */
/* Opening and checking files at rest that hold secrets (private_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private_file.h"

int aiot_private_check(int fd, const char *what, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen,
		         "%s %s: owned by uid %u, not by this user (uid %u) or root; refusing a "
		         "file another user controls (chown it)",
		         what, path, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
		         "%s %s: mode %04o gives access to group/other; it must be 0600 or "
		         "stricter (chmod 600 %s)",
		         what, path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

int aiot_private_open(const char *what, const char *path, int flags, char *err, size_t errlen)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s %s: %s", what, path,
		         e == ELOOP ? "is a symbolic link; refusing to follow it (give the "
		                      "real file's path)"
		                    : strerror(e));
		errno = e;
		return -1;
	}
	if (aiot_private_check(fd, what, path, err, errlen) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* The PID the holder wrote into the lock file, or 0. */
static long lock_holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int aiot_private_lock(const char *path, char *err, size_t errlen)
{
	char lp[4096], pid[24];
	if (snprintf(lp, sizeof lp, "%s.lock", path) >= (int)sizeof lp) {
		snprintf(err, errlen, "store %s: path too long", path);
		return -1;
	}
	int fd = aiot_private_open("store lock", lp, O_RDWR | O_CREAT, err, errlen);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long holder = e == EWOULDBLOCK ? lock_holder(fd) : 0;
		if (e != EWOULDBLOCK)
			snprintf(err, errlen, "store lock %s: %s", lp, strerror(e));
		else if (holder > 0)
			snprintf(err, errlen,
			         "store %s is in use by another process (pid %ld holds %s); one "
			         "process at a time may open a store",
			         path, holder, lp);
		else
			snprintf(err, errlen,
			         "store %s is in use by another process (it holds %s); one "
			         "process at a time may open a store",
			         path, lp);
		close(fd);
		return -1;
	}
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		snprintf(err, errlen, "store lock %s: %s", lp, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int aiot_private_store_file(const char *path, int create, int *created, const char *missing,
                            char *err, size_t errlen)
{
	int fd = aiot_private_open("store", path, O_RDWR, err, errlen);
	if (fd < 0 && errno == ENOENT && create) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			snprintf(err, errlen, "store %s: cannot create: %s", path, strerror(errno));
		else if (created != NULL)
			*created = 1;
	} else if (fd < 0 && errno == ENOENT) {
		snprintf(err, errlen, "store %s does not exist%s", path, missing ? missing : "");
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}
