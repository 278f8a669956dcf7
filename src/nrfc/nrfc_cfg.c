/* SPDX-License-Identifier: Apache-2.0 */
/* The NRF client's configuration keys (nrfc_cfg.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "svc/nf_id.h"
#include "nrfc_cfg.h"
#include "svc/config.h"

int nrfc_cfg_from(const struct cfg *c, nrfc_cfg *out, char *err, size_t errlen)
{
	unsigned long long hb;
	memset(out, 0, sizeof *out);
	if ((out->url = cfg_get(c, "nrf.url")) == NULL)
		return 0;
	if (cfg_get_uint(c, "nrf.heartbeat-s", 0, 0, 86400, &hb, err, errlen) != 0)
		return -1;
	out->heartbeat_s = (uint32_t)hb;
	out->tls_ca = cfg_get(c, "nrf.ca");
	out->tls_cert = cfg_get(c, "nrf.cert");
	out->tls_key = cfg_get(c, "nrf.key");
	if (strncmp(out->url, "https://", 8) == 0 && out->tls_ca == NULL) {
		snprintf(err, errlen, "nrf: an https:// NRF needs nrf.ca");
		return -1;
	}
	return 1;
}

int nrfc_instance_id(const struct cfg *c, const char *def_file, char id[37], char *err,
                     size_t errlen)
{
	const char *v = cfg_get(c, "nf-instance-id");
	const char *file =
	    cfg_get(c, "nf-instance-id-file") ? cfg_get(c, "nf-instance-id-file") : def_file;
	if (v != NULL) {
		if (!aiot_uuid_valid(v)) {
			snprintf(err, errlen, "nf-instance-id: '%s' is not a UUID", v);
			return -1;
		}
		for (int i = 0; i < 37; i++)
			id[i] = (char)tolower((unsigned char)v[i]);
		return 0;
	}
	if (file == NULL) {
		snprintf(err, errlen, "nf-instance-id or nf-instance-id-file is required");
		return -1;
	}
	if (aiot_nf_instance_id_load_or_create(file, id) != 0) {
		snprintf(err, errlen, "%s: %s", file,
		         errno == EINVAL ? "not a UUID" : strerror(errno));
		return -1;
	}
	return 0;
}

int nrfc_listen_host(const char *listen, char *host, size_t cap)
{
	const char *hs = listen, *he = strrchr(listen, ':');
	if (*hs == '[') {
		hs++;
		he = strchr(hs, ']');
	}
	size_t n = he ? (size_t)(he - hs) : 0;
	if (n == 0 || n >= cap)
		return -1;
	memcpy(host, hs, n);
	host[n] = '\0';
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		return gethostname(host, cap) == 0 ? 0 : -1;
	return 0;
}
