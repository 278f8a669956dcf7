/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's throwaway PKI for mutual TLS between AIOTF and ADM (DESIGN.md §3): a CA, a
 * server certificate for the ADM (SAN IP:127.0.0.1) and a client certificate for the AIOTF,
 * EC P-256, valid for two days, written as PEM files with keys at mode 0600.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"

static EVP_PKEY *new_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* issuer == NULL: self-signed CA. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       const char *san, int is_ca, long serial)
{
	X509 *c = X509_new();
	if (c == NULL)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 2 * 24 * 3600);
	X509_set_pubkey(c, key);
	X509_NAME *name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"aiot demo", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509 *signer = issuer ? issuer : c;
	X509_set_issuer_name(c, X509_get_subject_name(signer));
	if (add_ext(c, signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE") ||
	    add_ext(c, signer, NID_key_usage,
		    is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") ||
	    add_ext(c, signer, NID_subject_key_identifier, "hash") ||
	    (san != NULL && add_ext(c, signer, NID_subject_alt_name, san)) ||
	    (!is_ca && add_ext(c, signer, NID_ext_key_usage, "serverAuth,clientAuth")) ||
	    !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static int write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key)
{
	char path[1024];
	int rc = -1;
	snprintf(path, sizeof path, "%s/%s.crt", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL || !PEM_write_X509(f, cert))
		goto out;
	fclose(f);
	f = NULL;
	if (key == NULL)
		return 0;
	snprintf(path, sizeof path, "%s/%s.key", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		rc = 0;
out:
	if (f != NULL)
		fclose(f);
	return rc;
}

int demo_make_pki(const char *dir, char *err, size_t errlen)
{
	EVP_PKEY *ca_key = new_key(), *adm_key = new_key(), *aiotf_key = new_key();
	X509 *ca = NULL, *adm = NULL, *aiotf = NULL;
	int rc = -1;
	if (ca_key == NULL || adm_key == NULL || aiotf_key == NULL)
		goto out;
	ca = make_cert(ca_key, "aiot demo CA", NULL, NULL, NULL, 1, 1);
	adm = ca ? make_cert(adm_key, "adm", ca, ca_key, "IP:127.0.0.1,DNS:localhost", 0, 2) : NULL;
	aiotf = ca ? make_cert(aiotf_key, "aiotf", ca, ca_key, "DNS:aiotf", 0, 3) : NULL;
	if (adm == NULL || aiotf == NULL)
		goto out;
	if (write_pem(dir, "ca", ca, NULL) || write_pem(dir, "adm", adm, adm_key) ||
	    write_pem(dir, "aiotf", aiotf, aiotf_key))
		goto out;
	rc = 0;
out:
	if (rc != 0)
		snprintf(err, errlen, "could not create the demo PKI in %s", dir);
	X509_free(ca);
	X509_free(adm);
	X509_free(aiotf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(adm_key);
	EVP_PKEY_free(aiotf_key);
	return rc;
}
