/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MSGin5G phase of `aiot demo` (issue 15; TS 33.535 AKMA, TS 33.501 Annex Y.2,
 * TS 24.538 MSGin5G-1): two subscribers provisioned with `aiot provision-ue`, aiot-udm,
 * aiot-aanf, aiot-ausf and aiot-msgin5g started beside the core (demo_start.c's process
 * handling, logs in the work directory, ports chosen by the kernel), then two UEs on the
 * test UE library (src/ue/ue_aka.h: 5G AKA towards the AUSF, K_AKMA, A-KID) derive K_AF
 * for the server's FQDN and are MSGin5G clients (src/msgin5g/client.h): they register
 * their UE service IDs and exchange messages with delivery reports (IMDN), one of them
 * stored while its recipient is away and forwarded when it registers again. Then the
 * attackers, each of which must be refused: a USIM with a wrong K (AKA fails: MAC
 * failure), a genuine A-KID with a wrong K_AF and an unknown A-KID (the TLS handshake
 * fails), and a genuine UE registering the UE service ID bound to the other SUPI (REG
 * refused). Each refusal is also checked at the server's counters (/metrics).
 *
 * TLS: the UDM and the AUSF under mutual TLS (the AUSF's clients: the demo's SEAF
 * certificate); the AAnF over TLS 1.3 with its certificate only, because aiot-msgin5g
 * has no client certificate towards it. With SBA security (not --no-sba) the UDM, the AUSF
 * and the AAnF register with the NRF and require its access tokens, the AUSF and
 * aiot-msgin5g find their producers through it and fetch their tokens, and the test UE's
 * serving network (the SEAF) gets its token for the AUSF as an AMF (demo_sba.c).
 * Ownership: this file owns the subscribers' keys (wiped at the end of the phase).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "coap/coap_tcp.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/aka5g.h"
#include "demo_run.h"
#include "msgin5g/client.h"
#include "pcsc/pcsc.h"
#include "pcsc/usim_uicc.h"
#include "ue/ue_aka.h"

#define M5_FQDN "msgin5g.aiot-demo.example" /* the AF's FQDN, the afId of K_AF */
#define M5_MCC "001"
#define M5_MNC "01"
#define M5_RID "0" /* the subscribers' routing indicator: the A-KID's prefix */
#define M5_NUES 2  /* honest UEs */
#define M5_NMSGS 3 /* A -> B, B -> A, A -> B stored while B is away */
#define M5_NATTACKS 4

const char *const demo_m5_certs[DEMO_M5_NCERTS] = {"udm", "ausf", "aanf", "seaf", "msgin5g"};
enum { ID_UDM, ID_AUSF, ID_AANF, ID_SEAF, ID_M5 }; /* d->sba.extra_id[] */

typedef struct m5_ue {
	char supi[32], service_id[64];
	uint8_t k[16], opc[16];
	aiot_ue_akma keys;
	uint8_t kaf[32];
	m5_client *c;
} m5_ue;

typedef struct m5_run {
	demo *d;
	m5_ue ue[M5_NUES];
	aiot_ue_net net;
	char ausf_url[64], server[64], seaf_cert[1100], seaf_key[1100];
	char *seaf_token; /* with SBA: the SEAF's (nfType AMF) access token for the AUSF */
	int ausf_metrics, m5_metrics;
} m5_run;

static void wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* Random K and OPc for each UE (a UE on a card: the card's, demo_uicc.c), written for
 * `aiot provision-ue` (mode 0600: keys). */
static int write_subscribers(m5_run *r, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < M5_NUES && rc == 0; i++) {
		m5_ue *u = &r->ue[i];
		char k[33], opc[33];
		snprintf(u->supi, sizeof u->supi, "imsi-%s%s00000000%02d", M5_MCC, M5_MNC, i + 1);
		snprintf(u->service_id, sizeof u->service_id, "ue-%c@%s", 'a' + i, M5_FQDN);
		if ((unsigned long)i < r->d->uicc) {
			memcpy(u->k, r->d->ue_k[i], 16);
			memcpy(u->opc, r->d->ue_opc[i], 16);
		} else if (getrandom(u->k, 16, 0) != 16 || getrandom(u->opc, 16, 0) != 16) {
			rc = -1;
		}
		aiot_hex_encode(u->k, 16, k);
		aiot_hex_encode(u->opc, 16, opc);
		if (rc == 0 &&
		    fprintf(f,
		            "{\"supi\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\",\"sqn\":\"000000000000\","
		            "\"amf\":\"8000\",\"akmaInd\":true,\"routingId\":\"%s\"}\n",
		            u->supi, k, opc, M5_RID) < 0)
			rc = -1;
		wipe(k, sizeof k), wipe(opc, sizeof opc);
	}
	return fclose(f) != 0 ? -1 : rc;
}

/* Each UE service ID bound to its subscriber's SUPI (TS 33.501 Y.2). */
static int write_bindings(const m5_run *r, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "{\"%s\": \"%s\", \"%s\": \"%s\"}\n", r->ue[0].service_id, r->ue[0].supi,
	        r->ue[1].service_id, r->ue[1].supi);
	return fclose(f);
}

static void provision(m5_run *r)
{
	demo *d = r->d;
	char subs[1100], store[1100], kek[1100], log[1100], bind[1100];
	snprintf(subs, sizeof subs, "%s/subscribers.jsonl", d->dir);
	snprintf(store, sizeof store, "sqlite:%s/udm.db", d->dir);
	snprintf(kek, sizeof kek, "%s/udm.kek", d->dir);
	snprintf(log, sizeof log, "%s/provision-ue.log", d->dir);
	snprintf(bind, sizeof bind, "%s/msgin5g-bindings.json", d->dir);
	if (write_subscribers(r, subs) != 0 || write_bindings(r, bind) != 0)
		demo_die(d, "%s, %s: cannot write", subs, bind);
	char *pv[] = {"aiot", "provision-ue", "--store", store, "--kek-file",
	              kek,    "--import",     subs,      NULL};
	int st = demo_run("aiot", log, pv);
	unlink(subs); /* the keys stay in the UDM's sealed store only */
	if (st != 0)
		demo_die(d, "aiot provision-ue failed (see %s)", log);
}

/* The SBI flags of an AKMA NF: its store and KEK, TLS 1.3 with its certificate, client
 * certificates of the demo's CA required when mutual. */
static void nf_flags(demo *d, demo_args *a, int id, int mutual)
{
	const char *nf = demo_m5_certs[id];
	demo_opt(a, "--listen", "127.0.0.1:0");
	if (id != ID_AUSF) {
		demo_opt(a, "--store", "sqlite:%s/%s.db", d->dir, nf);
		demo_opt(a, "--kek-file", "%s/%s.kek", d->dir, nf);
	}
	demo_opt(a, "--tls-cert", "%s/%s.crt", d->dir, nf);
	demo_opt(a, "--tls-key", "%s/%s.key", d->dir, nf);
	if (mutual)
		demo_opt(a, "--tls-ca", "%s", d->sba.ca);
	demo_opt(a, "--workers", "1");
	if (d->sba.enabled) /* registered with the NRF, OAuth 2.0 required */
		demo_sba_flags(d, a, nf, d->sba.extra_id[id]);
}

static int start_nf(m5_run *r, demo_proc *p, demo_args *a, const char *metrics_tag, int *metrics)
{
	char line[1024];
	demo_start_proc(r->d, p, a, metrics_tag ? metrics_tag : "listening on", line, sizeof line);
	if (metrics_tag != NULL) {
		*metrics = atoi(strstr(line, metrics_tag) + strlen(metrics_tag));
		if (demo_wait_log(p, "listening on", 15000, line, sizeof line) != 0)
			demo_die(r->d, "%s: no address in its log", a->v[0]);
	}
	return demo_port_after(line, "listening on");
}

static void start_nfs(m5_run *r)
{
	demo *d = r->d;
	demo_args u = {.n = 0}, n = {.n = 0}, s = {.n = 0}, m = {.n = 0};
	demo_arg(&u, "aiot-udm");
	nf_flags(d, &u, ID_UDM, 1);
	int udm = start_nf(r, &d->udm, &u, NULL, NULL);
	demo_arg(&n, "aiot-aanf");
	nf_flags(d, &n, ID_AANF, 0);
	demo_opt(&n, "--supi-allowed-afs", "%s", M5_FQDN);
	int aanf = start_nf(r, &d->aanf, &n, NULL, NULL);
	demo_arg(&s, "aiot-ausf");
	nf_flags(d, &s, ID_AUSF, 1);
	if (!d->sba.enabled) { /* else found through the NRF */
		demo_opt(&s, "--udm", "https://127.0.0.1:%d", udm);
		demo_opt(&s, "--aanf", "https://127.0.0.1:%d", aanf);
	}
	demo_opt(&s, "--mcc", M5_MCC);
	demo_opt(&s, "--mnc", M5_MNC);
	demo_opt(&s, "--client-ca", "%s", d->sba.ca);
	demo_opt(&s, "--client.cert", "%s/ausf.crt", d->dir);
	demo_opt(&s, "--client.key", "%s/ausf.key", d->dir);
	demo_opt(&s, "--metrics", "127.0.0.1:0");
	int ausf = start_nf(r, &d->ausf, &s, "metrics on port", &r->ausf_metrics);
	demo_arg(&m, "aiot-msgin5g");
	demo_opt(&m, "--listen", "127.0.0.1:0");
	demo_opt(&m, "--aanf-ca", "%s", d->sba.ca);
	if (d->sba.enabled) { /* the AAnF found through the NRF, its tokens from the NRF */
		demo_opt(&m, "--nrf", "https://127.0.0.1:%d", d->sba.nrf_port);
		demo_opt(&m, "--nrf.ca", "%s", d->sba.ca);
		demo_opt(&m, "--nrf.cert", "%s/msgin5g.crt", d->dir);
		demo_opt(&m, "--nrf.key", "%s/msgin5g.key", d->dir);
		demo_opt(&m, "--nf-instance-id", "%s", d->sba.extra_id[ID_M5]);
		demo_arg(&m, "--aanf-oauth2");
	} else {
		demo_opt(&m, "--aanf", "https://127.0.0.1:%d", aanf);
	}
	demo_opt(&m, "--af-fqdn", M5_FQDN);
	demo_opt(&m, "--bindings", "%s/msgin5g-bindings.json", d->dir);
	demo_opt(&m, "--metrics", "127.0.0.1:0");
	int srv = start_nf(r, &d->m5, &m, "metrics on port", &r->m5_metrics);
	snprintf(r->ausf_url, sizeof r->ausf_url, "https://127.0.0.1:%d", ausf);
	snprintf(r->server, sizeof r->server, "127.0.0.1:%d", srv);
	fprintf(d->out,
	        "           aiot-udm :%d and aiot-ausf :%d (TLS 1.3, client certificates "
	        "required), aiot-aanf :%d (TLS 1.3), aiot-msgin5g :%d (AF %s, TLS 1.3 PSK)\n",
	        udm, ausf, aanf, srv, M5_FQDN);
}

/* 5G AKA with the USIM of the card in `reader` (PC/SC, pcsc/usim_uicc.h). */
static int card_aka(m5_run *r, const char *reader, const char *supi, aiot_ue_akma *keys, char *err,
                    size_t errlen)
{
	aiot_pcsc *pc;
	aiot_usim_uicc card;
	int rc = aiot_pcsc_open(reader, &pc, err, errlen);

	if (rc != AIOT_OK)
		return rc;
	rc = aiot_usim_uicc_open(&card, aiot_pcsc_xfer, pc);
	if (rc == AIOT_OK) {
		aiot_ue_usim ops = {aiot_usim_uicc_authenticate, &card};
		rc = aiot_ue_5g_aka_usim(&ops, supi, &r->net, keys, err, errlen);
	} else {
		snprintf(err, errlen, "the USIM in '%s': %s", reader, card.link.err);
	}
	aiot_pcsc_close(pc);
	return rc;
}

/* 5G AKA and AKMA as the UE with USIM (k, opc; or the card in reader, not NULL), then K_AF
 * for the server; AIOT_OK or the library's error (err says why). */
static int akma(m5_run *r, const char *supi, const uint8_t k[16], const uint8_t opc[16],
                const char *reader, aiot_ue_akma *keys, uint8_t kaf[32], char *err, size_t errlen)
{
	static const uint8_t ua[5] = AIOT_UA_TLS13_PSK;
	aiot_usim usim;
	int rc;
	if (reader != NULL) {
		rc = card_aka(r, reader, supi, keys, err, errlen);
	} else {
		aiot_usim_init(&usim, k, opc);
		rc = aiot_ue_5g_aka(&usim, supi, &r->net, keys, err, errlen);
		aiot_usim_clear(&usim);
	}
	if (rc == AIOT_OK && (rc = aiot_akma_kaf(keys->kakma, M5_FQDN, ua, kaf)) != AIOT_OK)
		snprintf(err, errlen, "K_AF derivation failed");
	return rc;
}

static m5_client *connect_as(m5_run *r, const char *akid, const uint8_t kaf[32], char *err,
                             size_t errlen)
{
	m5_client_cfg cfg = {.server = r->server, .akid = akid, .kaf = kaf};
	return m5_client_connect(&cfg, err, errlen);
}

/* Connect and register UE u; 1 when registered. */
static int attach(m5_run *r, m5_ue *u)
{
	char err[512];
	msgin5g_msg resp = {0};
	u->c = connect_as(r, u->keys.akid, u->kaf, err, sizeof err);
	if (u->c == NULL) {
		fprintf(r->d->out, "           %s: handshake FAILED: %s\n", u->service_id, err);
		return 0;
	}
	int code = m5_client_register(u->c, u->service_id, &resp);
	if (code != COAP_CREATED)
		fprintf(r->d->out, "           %s: REG refused (%d.%02d %s)\n", u->service_id,
		        code >> 5, code & 31, resp.cause);
	return code == COAP_CREATED;
}

/* The AUSF registers the anchor keys at the AAnF after its answer (README): wait for n. */
static int anchor_keys_registered(m5_run *r, double n)
{
	for (int i = 0; i < 250; i++) {
		if (demo_metric(r->ausf_metrics,
		                "aiot_ausf_akma_registrations_total{result=\"ok\"}") >= n)
			return 1;
		usleep(20000);
	}
	return 0;
}

/* Wait for a message of type t with id on c (others skipped); 1 when it came. */
static int await(m5_client *c, msgin5g_type t, const char *id, msgin5g_msg *out)
{
	double end = aiot_mono_s() + 5;
	while (aiot_mono_s() < end)
		if (m5_client_recv(c, 500, out) == 1 && out->type == t &&
		    strcmp(out->message_id, id) == 0)
			return 1;
	return 0;
}

/* MSG id from -> to with a delivery report; when away, `to` is offline and registers again
 * after the MSG was stored. 1 when the recipient got it intact and the sender its IMDN. */
static int deliver(m5_run *r, m5_ue *from, m5_ue *to, const char *id, int away)
{
	msgin5g_msg m = {.type = MSGIN5G_MSG, .delivery_report = 1}, resp = {0}, got;
	snprintf(m.message_id, sizeof m.message_id, "%s", id);
	snprintf(m.from, sizeof m.from, "%s", from->service_id);
	snprintf(m.to, sizeof m.to, "%s", to->service_id);
	snprintf(m.payload, sizeof m.payload, "hello from %s (%s)", from->service_id, id);
	/* Away: DEREG answered (the server has taken it) before the connection closes, so that
	 * the MSG cannot race the close. */
	if (away && m5_client_deregister(to->c, to->service_id, &resp) != COAP_CHANGED)
		fprintf(r->d->out, "           %s: DEREG refused\n", to->service_id);
	if (away) {
		m5_client_close(to->c);
		to->c = NULL;
	}
	int code = m5_client_send(from->c, &m, &resp);
	const char *want = away ? "STORED" : "FORWARDED";
	int ok = code == COAP_CHANGED && strcmp(resp.cause, want) == 0;
	if (ok && away)
		ok = attach(r, to);
	ok = ok && await(to->c, MSGIN5G_MSG, id, &got) && strcmp(got.payload, m.payload) == 0 &&
	     strcmp(got.from, m.from) == 0 && await(from->c, MSGIN5G_IMDN, id, &got);
	fprintf(r->d->out, "           MSG %s %s -> %s: %s%s\n", id, from->service_id,
	        to->service_id, code == COAP_CHANGED ? resp.cause : "REFUSED",
	        ok ? ", delivered, delivery report (IMDN) back" : ", LOST");
	return ok;
}

/* A server counter (its /metrics), polled until it passed base (the server counts after
 * the client saw the outcome); 1 when it did. */
static int counted(m5_run *r, const char *metric, double base)
{
	for (int i = 0; i < 100; i++) {
		if (demo_metric(r->m5_metrics, metric) > base)
			return 1;
		usleep(20000);
	}
	return 0;
}

/* What an attacker achieved: refused (and the server counted the refusal), let in, or
 * neither clearly (a transport failure: counted against the run, not as refused). */
enum { REFUSED, ACCEPTED, UNCLEAR };
static const char *const outcome_name[] = {"refused", "ACCEPTED", "NOT SEEN REFUSED"};

/* A handshake that must fail, seen failing at the server's counter metric. */
static int handshake_attack(m5_run *r, const char *akid, const uint8_t kaf[32], const char *metric)
{
	char err[512];
	double base = demo_metric(r->m5_metrics, metric);
	m5_client *c = connect_as(r, akid, kaf, err, sizeof err);
	if (c != NULL) {
		m5_client_close(c);
		return ACCEPTED;
	}
	return counted(r, metric, base) ? REFUSED : UNCLEAR;
}

/* UE A's SUPI with a USIM of another K: the USIM must refuse AUTN (MAC failure). */
static int wrong_k_attack(m5_run *r)
{
	char err[512];
	uint8_t k[16], kaf[32];
	aiot_ue_akma keys;
	if (getrandom(k, sizeof k, 0) != sizeof k)
		demo_die(r->d, "no randomness");
	int rc = akma(r, r->ue[0].supi, k, r->ue[0].opc, NULL, &keys, kaf, err, sizeof err);
	aiot_ue_akma_clear(&keys);
	wipe(k, sizeof k), wipe(kaf, sizeof kaf);
	return rc == AIOT_OK ? ACCEPTED : rc == AIOT_ERR_MAC ? REFUSED : UNCLEAR;
}

/* UE A, authenticated, registering UE B's service ID (TS 33.501 Y.2): 4.03. */
static int foreign_id_attack(m5_run *r)
{
	char err[512];
	msgin5g_msg resp = {0};
	const char *metric = "aiot_msgin5g_registrations_refused_total";
	double base = demo_metric(r->m5_metrics, metric);
	m5_client *c = connect_as(r, r->ue[0].keys.akid, r->ue[0].kaf, err, sizeof err);
	int code = c ? m5_client_register(c, r->ue[1].service_id, &resp) : -1;
	m5_client_close(c);
	if (code == COAP_CREATED)
		return ACCEPTED;
	return code == COAP_FORBIDDEN && counted(r, metric, base) ? REFUSED : UNCLEAR;
}

static void attackers(m5_run *r, demo_m5_result *res)
{
	char akid[AIOT_AKID_MAX];
	uint8_t kaf[32], atid[32];
	int o[M5_NATTACKS];
	if (getrandom(kaf, sizeof kaf, 0) != sizeof kaf ||
	    getrandom(atid, sizeof atid, 0) != sizeof atid ||
	    aiot_akma_akid(atid, M5_RID, M5_MCC, M5_MNC, akid, sizeof akid) != AIOT_OK)
		demo_die(r->d, "no randomness");
	o[0] = wrong_k_attack(r);
	o[1] = handshake_attack(r, r->ue[0].keys.akid, kaf, "aiot_msgin5g_handshake_failed_total");
	o[2] = handshake_attack(r, akid, kaf, "aiot_msgin5g_handshake_unknown_akid_total");
	o[3] = foreign_id_attack(r);
	fprintf(r->d->out,
	        "           a USIM with a wrong K (5G AKA): %s; UE A's A-KID with a wrong K_AF "
	        "(TLS): %s;\n           an unknown A-KID (TLS): %s; UE A registering %s "
	        "(bound to %s): %s\n",
	        outcome_name[o[0]], outcome_name[o[1]], outcome_name[o[2]], r->ue[1].service_id,
	        r->ue[1].supi, outcome_name[o[3]]);
	for (int i = 0; i < M5_NATTACKS; i++) {
		res->attacks_refused += o[i] == REFUSED;
		res->attackers_accepted += o[i] == ACCEPTED;
	}
	wipe(kaf, sizeof kaf);
}

static void set_net(m5_run *r)
{
	demo *d = r->d;
	snprintf(r->seaf_cert, sizeof r->seaf_cert, "%s/seaf.crt", d->dir);
	snprintf(r->seaf_key, sizeof r->seaf_key, "%s/seaf.key", d->dir);
	r->net = (aiot_ue_net){.ausf = r->ausf_url,
	                       .mcc = M5_MCC,
	                       .mnc = M5_MNC,
	                       .rid = M5_RID,
	                       .ca = d->sba.ca,
	                       .cert = r->seaf_cert,
	                       .key = r->seaf_key};
	if (!d->sba.enabled)
		return;
	/* The SEAF's part of the test UE is an AMF to the NRF (TS 29.509: nausf-auth). */
	char err[512];
	r->seaf_token =
	    demo_sba_token_nf(&d->sba, r->seaf_cert, r->seaf_key, d->sba.extra_id[ID_SEAF], "AMF",
	                      "AUSF", "nausf-auth", err, sizeof err);
	if (r->seaf_token == NULL)
		demo_die(d, "the SEAF's access token: %s", err);
	r->net.bearer = r->seaf_token;
}

/* The honest UEs: AKA + AKMA, register, the messages. */
static void honest(m5_run *r, demo_m5_result *res)
{
	char err[512];
	for (int i = 0; i < M5_NUES; i++) {
		m5_ue *u = &r->ue[i];
		const char *card = (unsigned long)i < r->d->uicc ? r->d->card_reader[i] : NULL;
		if (akma(r, u->supi, u->k, u->opc, card, &u->keys, u->kaf, err, sizeof err) !=
		    AIOT_OK) {
			fprintf(r->d->out, "           %s: AKA/AKMA FAILED: %s\n", u->supi, err);
			continue;
		}
		res->ues++;
		res->on_cards += card != NULL;
		fprintf(r->d->out, "           %s: 5G AKA done%s%s%s, A-KID %.18s...@...\n",
		        u->supi, card ? " (USIM on the card in '" : "", card ? card : "",
		        card ? "')" : "", u->keys.akid);
	}
	if (res->ues < M5_NUES)
		return;
	if (!anchor_keys_registered(r, M5_NUES)) {
		fprintf(r->d->out,
		        "           the AUSF did not register both anchor keys at the AAnF "
		        "within 5 s (see aiot-ausf.log)\n");
		return;
	}
	for (int i = 0; i < M5_NUES; i++)
		res->registered += (unsigned long)attach(r, &r->ue[i]);
	if (res->registered < M5_NUES)
		return;
	res->delivered += (unsigned long)deliver(r, &r->ue[0], &r->ue[1], "m1", 0);
	res->delivered += (unsigned long)deliver(r, &r->ue[1], &r->ue[0], "m2", 0);
	res->delivered += (unsigned long)deliver(r, &r->ue[0], &r->ue[1], "m3", 1);
}

void demo_msgin5g_phase(demo *d, demo_m5_result *res)
{
	static m5_run r; /* holds the subscribers' keys: wiped below */
	memset(&r, 0, sizeof r);
	memset(res, 0, sizeof *res);
	r.d = d;
	provision(&r);
	start_nfs(&r);
	set_net(&r);
	honest(&r, res);
	if (res->ues == M5_NUES)
		attackers(&r, res);
	for (int i = 0; i < M5_NUES; i++) {
		m5_client_close(r.ue[i].c);
		aiot_ue_akma_clear(&r.ue[i].keys);
	}
	free(r.seaf_token);
	wipe(&r, sizeof r);
	res->ok = res->ues == M5_NUES && res->registered == M5_NUES && res->delivered == M5_NMSGS &&
	          res->attacks_refused == M5_NATTACKS && res->attackers_accepted == 0;
	res->messages = M5_NMSGS;
	res->attacks = M5_NATTACKS;
}

void demo_msgin5g_summary(demo *d, const demo_m5_result *r)
{
	const char *sba =
	    d->sba.enabled ? "UDM, AUSF and AAnF registered with the NRF and requiring OAuth 2.0 "
	                     "tokens, found through it by the AUSF and the MSGin5G server"
	                   : "no NRF and no OAuth 2.0 (--no-sba)";
	fprintf(d->out,
	        "  MSGin5G: AKA + AKMA %lu of %d UEs, registered %lu, messages delivered with "
	        "a delivery report %lu of %lu, attackers refused %lu of %lu, accepted %lu "
	        "(UDM and AUSF under mutual TLS, AAnF under TLS; %s)\n  %s\n",
	        r->ues, M5_NUES, r->registered, r->delivered, r->messages, r->attacks_refused,
	        r->attacks, r->attackers_accepted, sba,
	        r->ok ? "OK: both UEs authenticated by AKMA, registered and got every message "
	                "with its report; every attacker refused"
	              : "FAILED (MSGin5G)");
}
