/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every long-running daemon of this tree does around its work: signals handled by the
 * main thread only (the worker and loop threads inherit the blocked mask), SIGPIPE ignored,
 * SIGHUP logged, SIGINT/SIGTERM stop; and the "listening on host:port (how)" line.
 */
#ifndef AIOT_SVC_DAEMON_H
#define AIOT_SVC_DAEMON_H
#include <signal.h>

/* Block SIGINT, SIGTERM and SIGHUP in this thread (call before starting threads) and ignore
 * SIGPIPE. set receives the blocked set for svc_wait_stop(). */
void svc_block_signals(sigset_t *set);

/* Wait for SIGINT or SIGTERM (SIGHUP is logged: nothing to reload); returns the signal. */
int svc_wait_stop(const sigset_t *set);

/* log_info("<what> <host>:<port> (<how>)"): the host of listen ("host:port") with the port
 * actually bound (listen may say port 0). */
void svc_log_listen(const char *what, const char *listen, int port, const char *how);

#endif
