/* SPDX-License-Identifier: Apache-2.0 */
/* The NRF client's I/O (nrfc.h): the registration thread and discovery, over sbi_fetch. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "nrfc.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_url.h"
#include "svc/log.h"

struct nrfc {
	sbi_client_cfg sc;
	char host[256], path[512]; /* path: .../nf-instances/{id} */
	char *profile;             /* the NFProfile JSON */
	uint32_t heartbeat_s;      /* configured; 0: the NRF's */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, registered;
};

/* The sbi_client_cfg of an NRF URL; the path prefix after the authority in *prefix. */
int nrfc_client_cfg(const nrfc_cfg *cfg, sbi_client_cfg *sc, char *host, size_t hcap,
                    const char **prefix)
{
	int tls;
	memset(sc, 0, sizeof *sc);
	if (cfg->url == NULL || sbi_parse_url(cfg->url, &tls, host, hcap, &sc->port, prefix) != 0)
		return -1;
	sc->host = host;
	sc->tls_ca = tls ? cfg->tls_ca : NULL;
	sc->tls_cert = tls ? cfg->tls_cert : NULL;
	sc->tls_key = tls ? cfg->tls_key : NULL;
	sc->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	if (strcmp(*prefix, "/") == 0)
		*prefix = "";
	return tls && cfg->tls_ca == NULL ? -1 : 0;
}

/* Sleep s seconds unless stopped first; 1 when stopped. */
static int wait_stop(nrfc *c, uint32_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &ts) != ETIMEDOUT)
		;
	int s = c->stop;
	pthread_mutex_unlock(&c->mu);
	return s;
}

/* PUT the profile: the heartBeatTimer to use, or 0 on failure. */
static uint32_t do_register(nrfc *c)
{
	char err[256], *body = NULL;
	int st = sbi_fetch(&c->sc, "PUT", c->path, "application/json", c->profile, &body, err,
	                   sizeof err);
	uint32_t hb =
	    (st == 200 || st == 201) && body ? nrfc_profile_heartbeat(body, strlen(body)) : 0;
	free(body);
	if (st != 200 && st != 201) {
		if (st != 0)
			log_warn("NRF registration refused: HTTP %d", st);
		else
			log_warn("NRF registration: %s", err);
		return 0;
	}
	return hb ? hb : 60;
}

static void set_registered(nrfc *c, int v)
{
	pthread_mutex_lock(&c->mu);
	c->registered = v;
	pthread_mutex_unlock(&c->mu);
}

static void *run(void *arg)
{
	nrfc *c = arg;
	static const char beat[] =
	    "[{\"op\":\"replace\",\"path\":\"/nfStatus\",\"value\":\"REGISTERED\"}]";
	uint32_t hb = 0;
	char err[256];
	for (;;) {
		if (hb == 0) {
			if ((hb = do_register(c)) == 0) {
				if (wait_stop(c, 1000))
					break;
				continue;
			}
			set_registered(c, 1);
			log_info("registered with the NRF (heartBeatTimer %u s)", hb);
		}
		/* TS 29.510 5.2.2.3.2: a heartbeat every heartBeatTimer */
		if (wait_stop(c, (c->heartbeat_s ? c->heartbeat_s : hb) * 1000))
			break;
		int st = sbi_fetch(&c->sc, "PATCH", c->path, "application/json-patch+json", beat,
		                   NULL, err, sizeof err);
		if (st == 404) { /* the NRF forgot us: register again */
			log_warn("NRF heartbeat: not registered any more; registering again");
			hb = 0;
		} else if (st != 200 && st != 204) {
			if (st != 0)
				log_warn("NRF heartbeat refused: HTTP %d", st);
			else
				log_warn("NRF heartbeat failed: %s", err);
		}
	}
	return NULL;
}

nrfc *nrfc_start(const nrfc_cfg *cfg, const nrfc_nf *nf, char *err, size_t errlen)
{
	const char *prefix;
	nrfc *c = calloc(1, sizeof *c);
	if (c == NULL || nrfc_client_cfg(cfg, &c->sc, c->host, sizeof c->host, &prefix) != 0) {
		snprintf(err, errlen,
		         "nrf: '%s' is not http://HOST:PORT or https://HOST:PORT "
		         "(with nrf.ca)",
		         cfg->url ? cfg->url : "");
		free(c);
		return NULL;
	}
	snprintf(c->path, sizeof c->path, "%s/nnrf-nfm/v1/nf-instances/%s", prefix,
	         nf->nf_instance_id);
	c->heartbeat_s = cfg->heartbeat_s;
	if ((c->profile = nrfc_profile_json(nf)) == NULL) {
		snprintf(err, errlen, "nrf: cannot build the NFProfile");
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		snprintf(err, errlen, "nrf: cannot start its thread");
		free(c->profile);
		free(c);
		return NULL;
	}
	return c;
}

int nrfc_registered(nrfc *c)
{
	pthread_mutex_lock(&c->mu);
	int r = c->registered;
	pthread_mutex_unlock(&c->mu);
	return r;
}

void nrfc_stop(nrfc *c)
{
	char err[256];
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	if (c->registered) { /* TS 29.510 5.2.2.4: deregister */
		int st = sbi_fetch(&c->sc, "DELETE", c->path, NULL, NULL, NULL, err, sizeof err);
		if (st == 204)
			log_info("deregistered from the NRF");
		else
			log_warn("NRF deregistration: %s", st ? "refused" : err);
	}
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->profile);
	free(c);
}

int nrfc_discover(const nrfc_cfg *cfg, const char *target_nf_type, const char *requester_nf_type,
                  const char *requester_id, const char *service, int wait_ms, int max, char *url,
                  size_t cap, int *oauth2, char *err, size_t errlen)
{
	sbi_client_cfg sc;
	char host[256], path[1024];
	const char *prefix;
	if (nrfc_client_cfg(cfg, &sc, host, sizeof host, &prefix) != 0) {
		snprintf(err, errlen, "nrf: '%s' is not http://HOST:PORT or https://HOST:PORT",
		         cfg->url ? cfg->url : "");
		return -1;
	}
	snprintf(path, sizeof path,
	         "%s/nnrf-disc/v1/nf-instances?target-nf-type=%s&requester-nf-type=%s"
	         "&service-names=%s%s%s",
	         prefix, target_nf_type, requester_nf_type, service,
	         requester_id ? "&requester-nf-instance-id=" : "",
	         requester_id ? requester_id : "");
	uint64_t deadline = aiot_mono_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	for (;;) {
		char *body = NULL;
		int st = sbi_fetch(&sc, "GET", path, NULL, NULL, &body, err, errlen);
		int rc = st == 200 && body ? nrfc_search_result_all(body, strlen(body), service,
		                                                    max, url, cap, oauth2)
		                           : -1;
		free(body);
		if (rc == 0)
			return 0;
		if (st != 0 && st != 200)
			snprintf(err, errlen, "NRF discovery of %s answered %d", target_nf_type,
			         st);
		else if (st == 200)
			snprintf(err, errlen, "the NRF knows no %s offering %s", target_nf_type,
			         service);
		if (aiot_mono_ms() >= deadline)
			return -1;
		struct timespec ts = {0, 200 * 1000000L};
		nanosleep(&ts, NULL);
	}
}
