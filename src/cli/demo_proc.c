/* SPDX-License-Identifier: Apache-2.0 */
/* Child processes of `aiot demo`: spawned from the binaries beside `aiot`, logs to files,
 * always stopped (SIGTERM, then SIGKILL) when the demo ends, fails or is interrupted, and
 * killed by the kernel (PR_SET_PDEATHSIG) if the demo dies without stopping them. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "demo.h"

#define MAX_PROCS 16
static demo_proc *procs[MAX_PROCS];
static int nprocs;

static void bin_path(const char *name, char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		snprintf(out, cap, "%s", name);
		return;
	}
	self[n] = '\0';
	snprintf(out, cap, "%s/%s", dirname(self), name);
}

static pid_t spawn(const char *name, const char *logfile, char *const argv[])
{
	char path[PATH_MAX];
	bin_path(name, path, sizeof path);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* Die with the demo, even by kill -9; the demo may already be gone (fork race). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* The children get the default signal dispositions and an unblocked mask. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(path, argv);
	fprintf(stderr, "aiot demo: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

int demo_spawn(demo_proc *p, const char *name, const char *dir, char *const argv[])
{
	return demo_spawn_as(p, name, name, dir, argv);
}

int demo_spawn_as(demo_proc *p, const char *name, const char *as, const char *dir,
                  char *const argv[])
{
	p->name = as;
	snprintf(p->log, sizeof p->log, "%s/%s.log", dir, as);
	p->pid = spawn(name, p->log, argv);
	if (p->pid < 0)
		return -1;
	if (nprocs < MAX_PROCS)
		procs[nprocs++] = p;
	return 0;
}

void demo_script_path(const char *name, const char *env, char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	const char *e = env ? getenv(env) : NULL;

	if (e != NULL || n <= 0) {
		snprintf(out, cap, e ? "%s" : "scripts/%s", e ? e : name);
		return;
	}
	self[n] = '\0';
	snprintf(out, cap, "%s/../scripts/%s", dirname(self), name);
}

int demo_script(const char *vars, const char *script, const char *args, const char *log, char *out,
                size_t cap)
{
	char line[PATH_MAX * 3 + 256];
	size_t n = 0;
	FILE *p;

	snprintf(line, sizeof line, "%s bash '%s' %s 2>>'%s'", vars, script, args, log);
	if ((p = popen(line, "r")) == NULL)
		return -1;
	while (n + 1 < cap && fgets(out + n, (int)(cap - n), p) != NULL)
		n += strlen(out + n);
	out[n] = '\0';
	return pclose(p);
}

int demo_run(const char *name, const char *logfile, char *const argv[])
{
	int st;
	pid_t pid = spawn(name, logfile, argv);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int demo_wait_log(demo_proc *p, const char *needle, int timeout_ms, char *line, size_t cap)
{
	uint64_t end = aiot_mono_ms() + (uint64_t)timeout_ms;
	char buf[4096];
	while (aiot_mono_ms() < end) {
		FILE *f = fopen(p->log, "r");
		while (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
			if (strstr(buf, needle) != NULL) {
				fclose(f);
				buf[strcspn(buf, "\n")] = '\0';
				snprintf(line, cap, "%s", buf);
				return 0;
			}
		}
		if (f != NULL)
			fclose(f);
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

void demo_stop(demo_proc *p)
{
	if (p == NULL || p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (int i = 0; i < 250; i++) {
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			return;
		}
		usleep(20000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

void demo_stop_all(void)
{
	for (int i = nprocs - 1; i >= 0; i--)
		demo_stop(procs[i]);
	nprocs = 0;
}

int demo_port_after(const char *line, const char *tag)
{
	const char *p = strstr(line, tag);
	if (p == NULL)
		return -1;
	p += strlen(tag);
	while (*p == ' ')
		p++;
	const char *end = p + strcspn(p, " ,)");
	const char *colon = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == ':')
			colon = q;
	if (colon == NULL)
		return -1;
	return atoi(colon + 1);
}

cJSON *demo_devsim_stats(const demo_proc *devsim, const char *dir)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/devsim-stats.json", dir);
	unlink(path);
	kill(devsim->pid, SIGUSR1);
	for (int i = 0; i < 250; i++) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			char buf[1 << 16];
			size_t n = fread(buf, 1, sizeof buf - 1, f);
			fclose(f);
			buf[n] = '\0';
			cJSON *j = cJSON_Parse(buf);
			if (j != NULL)
				return j;
		}
		usleep(20000);
	}
	return NULL;
}
