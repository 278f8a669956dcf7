/* SPDX-License-Identifier: Apache-2.0 */
/* The AIOTF's registration with the NRF and its discovery of the ADM (nrf_link.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "aiotf.h"
#include "nrf_link.h"
#include "nrfc/nf_main.h"
#include "nrfc/nrfc_cfg.h"
#include "svc/config.h"
#include "svc/log.h"

int aiotf_nrf_prepare(struct cfg *c, char id[37])
{
	char err[512];
	nrfc_cfg nc;
	int on = nrfc_cfg_from(c, &nc, err, sizeof err);
	if (on < 0 || (on > 0 && nrfc_instance_id(c, NULL, id, err, sizeof err) != 0)) {
		log_error("%s", err);
		return -1;
	}
	/* TS 29.510 5.3.2.2.2: the consumer names its type and the producer's */
	int configured = cfg_get(c, "adm.url") != NULL;
	if (on > 0 &&
	    nf_main_discover_all(c, "adm", "ADM", "AIOTF", id, "nadm-sec", AIOTF_MAX_ADM) != 0)
		return -1;
	/* a list from the NRF: what does not fit is skipped (the operator's list is checked
	 * strictly, aiotf_adm_urls_check) */
	char urls[8192]; /* nf_main_discover_all's list of 4096, each URL given a port */
	if (on > 0 && !configured &&
	    (aiotf_adm_urls_discovered(cfg_get(c, "adm.url"), urls, sizeof urls, err, sizeof err) <
	         0 ||
	     cfg_set(c, "adm.url", urls) != 0)) {
		log_error("%s", err);
		return -1;
	}
	return on;
}

int aiotf_nrf_adm_tokens(const struct cfg *c, nrfc_cfg *nc)
{
	return nf_main_peer_tokens(c, "adm", nc);
}

int aiotf_nrf_register(const struct cfg *c, const char *id, int tls, int port, nrfc **out)
{
	static const char *const services[] = {"naiotf-aiot", NULL};
	char err[512], host[256], info[256];
	nrfc_cfg nc;
	if (nrfc_cfg_from(c, &nc, err, sizeof err) <= 0)
		return 0; /* checked by aiotf_nrf_prepare */
	if (nrfc_listen_host(cfg_get(c, "listen") ? cfg_get(c, "listen") : "127.0.0.1:7780", host,
	                     sizeof host) != 0) {
		log_error("listen: no host for the NFProfile");
		return -1;
	}
	/* TS 29.510 6.1.6.2.2 aiotfInfoList: one AiotfInfo, keyed by the AIOTF's name (its
	 * AIoT areas are its readers', not configured here) */
	const char *name = cfg_get(c, "name") ? cfg_get(c, "name") : "aiotf";
	cJSON *k = cJSON_CreateString(name);
	char *kj = k ? cJSON_PrintUnformatted(k) : NULL;
	cJSON_Delete(k);
	snprintf(info, sizeof info, "{%s:{}}", kj ? kj : "\"aiotf\"");
	cJSON_free(kj);
	nrfc_nf nf = {.nf_instance_id = id,
	              .nf_type = "AIOTF",
	              .host = host,
	              .port = port,
	              .tls = tls,
	              .services = services,
	              .info_name = "aiotfInfoList",
	              .info_json = info};
	if ((*out = nrfc_start(&nc, &nf, err, sizeof err)) == NULL) {
		log_error("%s", err);
		return -1;
	}
	log_info("nfInstanceId %s, registering with the NRF %s", id, nc.url);
	return 0;
}
