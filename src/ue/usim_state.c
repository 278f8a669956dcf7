/* SPDX-License-Identifier: Apache-2.0 */
/* A USIM's state file (usim_state.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/private_file.h"
#include "ue/usim_state.h"

#define UE_STATE_MAGIC "# aiot ue: USIM SEQ_MS array (TS 33.102 C.2)"
#define UE_SEQ_MAX ((1ull << 43) - 1) /* SEQ: the 43 high bits of the 48-bit SQN */

static int state_parse(FILE *f, const char *supi, aiot_usim *u, char *err, size_t errlen)
{
	char line[128], who[64];
	unsigned ind, seen = 0;
	unsigned long long seq;
	if (fgets(line, sizeof line, f) == NULL || strncmp(line, UE_STATE_MAGIC, 20) != 0 ||
	    fgets(line, sizeof line, f) == NULL || sscanf(line, "supi %63s", who) != 1) {
		snprintf(err, errlen, "not an aiot ue state file");
		return -1;
	}
	if (strcmp(who, supi) != 0) {
		snprintf(err, errlen, "the state file is %s's, not %s's", who, supi);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "ind %u %llu", &ind, &seq) != 2 || ind >= AIOT_USIM_NIND ||
		    seq > UE_SEQ_MAX || (seen & (1u << ind))) {
			snprintf(err, errlen, "bad line: %.60s", line);
			return -1;
		}
		seen |= 1u << ind;
		u->seq_ms[ind] = seq;
	}
	return 0;
}

int aiot_usim_state_load(const char *path, const char *supi, aiot_usim *u, char *err, size_t errlen)
{
	char e[300];
	int fd = aiot_private_open("the USIM state", path, O_RDONLY, e, sizeof e);
	if (fd < 0 && errno == ENOENT)
		return 0; /* a fresh card */
	if (fd < 0) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = state_parse(f, supi, u, e, sizeof e);
	fclose(f);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, e);
	return rc;
}

int aiot_usim_state_save(const char *path, const char *supi, const aiot_usim *u, char *err,
                         size_t errlen)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	int ok = f != NULL;
	if (ok) {
		fprintf(f, "%s\nsupi %s\n", UE_STATE_MAGIC, supi);
		for (unsigned i = 0; i < AIOT_USIM_NIND; i++)
			fprintf(f, "ind %u %" PRIu64 "\n", i, u->seq_ms[i]);
		ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	}
	if (f != NULL)
		ok = fclose(f) == 0 && ok;
	else if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
