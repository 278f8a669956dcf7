/* SPDX-License-Identifier: Apache-2.0 */
/* The work directory of `aiot demo`: made by the demo and marked as its own, or reused; the
 * demo never removes a file it does not make itself, and refuses a directory it did not
 * mark that holds anything else. */
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
    "adm.db",
    "adm.db-wal",
    "adm.db-shm",
    "adm.db.lock",
    "kek",
    "devices.jsonl",
    "provision.log",
    "ca.crt",
    "adm.crt",
    "adm.key",
    "aiotf.crt",
    "aiotf.key",
    "aiot-adm.log",
    /* with --store redis-cluster (demo_cluster.c; the cluster's own files are in redis/) */
    "aiot-adm-2.log",
    "adm2.crt",
    "adm2.key",
    "adm2.id",
    "redis-cluster.log",
    "aiot-aiotf.log",
    "aiot-devsim.log",
    "aiot-reader.log",
    "devsim-stats.json",
    "af-auth.json",
    /* with SBA security (demo_sba.c) */
    "nrf.crt",
    "nrf.key",
    "af.crt",
    "af.key",
    "reader.crt",
    "reader.key",
    "nrf-signing.pem",
    "nrf-signing.pub.pem",
    "adm.id",
    "aiotf.id",
    "nrf.id",
    "af.id",
    "nrf.db",
    "nrf.db-wal",
    "nrf.db-shm",
    "nrf.db.lock",
    "nrf.db.nf-instance-id",
    "adm.db.nf-instance-id",
    "aiot-nrf.log",
    /* the MSGin5G phase (demo_msgin5g.c) */
    "subscribers.jsonl",
    "provision-ue.log",
    "msgin5g-bindings.json",
    "udm.db",
    "udm.db-wal",
    "udm.db-shm",
    "udm.db.lock",
    "udm.db.nf-instance-id",
    "udm.kek",
    "aanf.db",
    "aanf.db-wal",
    "aanf.db-shm",
    "aanf.db.lock",
    "aanf.db.nf-instance-id",
    "aanf.kek",
    "udm.crt",
    "udm.key",
    "ausf.crt",
    "ausf.key",
    "aanf.crt",
    "aanf.key",
    "seaf.crt",
    "seaf.key",
    "aiot-udm.log",
    "aiot-ausf.log",
    "aiot-aanf.log",
    "aiot-msgin5g.log",
    "msgin5g.crt",
    "msgin5g.key",
    "udm.id",
    "ausf.id",
    "aanf.id",
    "seaf.id",
    "msgin5g.id",
    /* the cards (demo_uicc.c) */
    "uicc-0.json",
    "uicc-1.json",
    "aiot-uicc-0.log",
    "aiot-uicc-1.log",
    "pcsc.log",
};

static int is_made(const char *name)
{
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
		if (strcmp(name, made[i]) == 0)
			return 1;
	return 0;
}

/* 1: the directory holds nothing but files a run makes (an empty one, or one an earlier
 * release of the demo made, unmarked); 0: it holds something else; -1: error. */
static int only_made(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int only = 1;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (only && (e = readdir(d)) != NULL)
		only = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		       is_made(e->d_name);
	closedir(d);
	return only;
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
	if (!ours && only_made(dfd) != 1) {
		snprintf(err, errlen,
		         "work directory %s holds files aiot demo does not make and was not made "
		         "by aiot demo (no %s in it): refusing to use it; give a new or empty "
		         "directory",
		         dir, MARKER);
		goto out;
	}
	for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
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
