/* SPDX-License-Identifier: Apache-2.0 */
/* The work directory of `aiot demo`: made by the demo and marked as its own, or reused; the
 * demo never removes a file it does not make itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"

#define MARKER ".aiot-demo"

/* Every file a run makes (cmd_demo.c, demo_pki.c, the children): all a new run removes. */
static const char *const made[] = {
	"adm.db", "adm.db-wal", "adm.db-shm", "adm.db.lock", "kek", "devices.jsonl",
	"provision.log", "ca.crt", "adm.crt", "adm.key", "aiotf.crt", "aiotf.key",
	"aiot-adm.log", "aiot-aiotf.log", "aiot-devsim.log", "aiot-reader.log",
	"devsim-stats.json",
};

/* 1: the directory holds only . and .. ; 0: it holds something; -1: error. */
static int is_empty(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int empty = 1;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int demo_prepare_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int rc = -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "work directory %s: %s", dir, strerror(errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "work directory %s: %s", dir, strerror(errno));
		return -1;
	}
	int ours = fstatat(dfd, MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	int empty = is_empty(dfd);
	if (!ours && empty != 1) {
		snprintf(err, errlen,
		         "work directory %s is not empty and was not made by aiot demo (no %s in "
		         "it): refusing to use it; give a new or empty directory",
		         dir, MARKER);
		goto out;
	}
	for (size_t i = 0; ours && i < sizeof made / sizeof made[0]; i++)
		if (unlinkat(dfd, made[i], 0) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "work directory %s: cannot remove %s: %s", dir,
			         made[i], strerror(errno));
			goto out;
		}
	int m = openat(dfd, MARKER, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (m < 0) {
		snprintf(err, errlen, "work directory %s: %s", dir, strerror(errno));
		goto out;
	}
	close(m);
	rc = 0;
out:
	close(dfd);
	return rc;
}
