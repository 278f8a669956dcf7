/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon lifecycle shared by aiot-adm and aiot-aiotf (daemon.h). */
#include "daemon.h"

#include <pthread.h>
#include <string.h>

#include "log.h"

void svc_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int svc_wait_stop(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) == 0 && sig == SIGHUP)
		log_info("SIGHUP: nothing to reload");
	log_info("signal %d: stopping", sig);
	return sig;
}

void svc_log_listen(const char *what, const char *listen, int port, const char *how)
{
	const char *colon = strrchr(listen, ':');
	int hl = colon ? (int)(colon - listen) : (int)strlen(listen);

	log_info("%s %.*s:%d (%s)", what, hl, listen, port, how);
}
