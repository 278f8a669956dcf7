/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store of `aiot demo --store redis-cluster` (demo_run.h): a Redis Cluster of the demo's
 * own, 3 masters and 3 replicas on loopback from scripts/redis-cluster.sh (its files in
 * DIR/redis, its output in DIR/redis-cluster.log), the store URL that script prints, and its
 * stop when the run ends, also when it fails. docs/redis-cluster.md.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "demo_run.h"

/* 1 when name is an executable in a directory of $PATH. */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], file[PATH_MAX + 64];
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		snprintf(dir, sizeof dir, "%.*s", (int)(n < sizeof dir ? n : sizeof dir - 1), path);
		snprintf(file, sizeof file, "%s/%s", n ? dir : ".", name);
		if (access(file, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

void demo_cluster_check(void)
{
	if (!on_path("redis-server") || !on_path("redis-cli"))
		cli_fail(CLI_EXIT_FAIL, "demo: --store redis-cluster needs redis-server and "
		                        "redis-cli on the PATH (Debian: apt-get install "
		                        "redis-server redis-tools)");
}

/* `redis-cluster.sh CMD` for this run's cluster: its exit status, stdout in out. */
static int cluster_sh(demo *d, const char *cmd, char *out, size_t cap)
{
	char script[PATH_MAX], log[PATH_MAX], abs[PATH_MAX], vars[PATH_MAX + 64];
	if (realpath(d->dir, abs) == NULL) /* redis-server changes directory: an absolute one */
		return -1;
	demo_script_path("redis-cluster.sh", "AIOT_REDIS_CLUSTER_SH", script, sizeof script);
	snprintf(log, sizeof log, "%s/redis-cluster.log", d->dir);
	snprintf(vars, sizeof vars, "AIOT_REDIS_DIR='%s/redis'", abs);
	return demo_script(vars, script, cmd, log, out, cap);
}

void demo_cluster_start(demo *d)
{
	char out[4096];
	d->cluster_started = 1; /* from here on, stop it whatever happens */
	if (cluster_sh(d, "start", out, sizeof out) != 0)
		demo_die(d, "scripts/redis-cluster.sh start failed (see %s/redis-cluster.log)",
		         d->dir);
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	const char *last = strrchr(out, '\n');
	last = last ? last + 1 : out;
	if (strncmp(last, "redis-cluster://", 16) != 0 ||
	    (size_t)snprintf(d->store, sizeof d->store, "%s?ns=demo", last) >= sizeof d->store)
		demo_die(d,
		         "scripts/redis-cluster.sh start printed no store URL (see "
		         "%s/redis-cluster.log)",
		         d->dir);
}

void demo_cluster_stop(demo *d)
{
	char out[256];
	if (d->cluster_started)
		(void)cluster_sh(d, "stop", out, sizeof out);
	d->cluster_started = 0;
}
