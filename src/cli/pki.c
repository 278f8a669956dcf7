/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small PKI for mutual TLS between the network functions (TS 33.501 13.1: TLS between NFs,
 * here TLS 1.3 only): a CA and one certificate per name, EC P-256, for both TLS server and
 * client use, written as PEM files: ca.crt, NAME.crt, NAME.key (mode 0600). `aiot pki`
 * (cmd_pki.c) and `aiot demo` use it. The CA's key is not kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "pki.h"

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
                       const char *san, int is_ca, long serial, int days)
{
	X509 *c = X509_new();
	if (c == NULL)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), (long)days * 24 * 3600);
	X509_set_pubkey(c, key);
	X509_NAME *name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"aiot", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509 *signer = issuer ? issuer : c;
	X509_set_issuer_name(c, X509_get_subject_name(signer));
	if (add_ext(c, signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE") ||
	    add_ext(c, signer, NID_key_usage,
	            is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") ||
	    add_ext(c, signer, NID_subject_key_identifier, "hash") ||
	    (issuer != NULL && add_ext(c, signer, NID_authority_key_identifier, "keyid")) ||
	    (san != NULL && add_ext(c, signer, NID_subject_alt_name, san)) ||
	    (!is_ca && add_ext(c, signer, NID_ext_key_usage, "serverAuth,clientAuth")) ||
	    !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

/* Create dir/file with mode; replace an existing file only when overwrite is set. Never
 * follows a symbolic link. */
static FILE *create(const char *dir, const char *file, mode_t mode, int overwrite, char *err,
                    size_t errlen)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fl = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
	int fd = open(path, fl, mode);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (fchmod(fd, mode) != 0) { /* an overwritten file keeps its old mode otherwise */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	return f;
}

static int write_pem(const pki_opts *o, const char *name, X509 *cert, EVP_PKEY *key, char *err,
                     size_t errlen)
{
	char file[PKI_MAX_NAME + 8];
	int ok;
	snprintf(file, sizeof file, "%s.crt", name);
	FILE *f = create(o->dir, file, 0644, o->overwrite, err, errlen);
	if (f == NULL)
		return -1;
	ok = PEM_write_X509(f, cert);
	if (fclose(f) != 0 || !ok)
		goto fail;
	if (key == NULL)
		return 0;
	snprintf(file, sizeof file, "%s.key", name);
	if ((f = create(o->dir, file, 0600, o->overwrite, err, errlen)) == NULL)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0 || !ok)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s/%s: cannot write", o->dir, file);
	return -1;
}

int pki_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > PKI_MAX_NAME || strcmp(name, "ca") == 0 || name[0] == '-' ||
	    name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '.' || name[i] == '_'))
			return 0;
	return 1;
}

/* One certificate issued by the CA: SAN DNS:name plus o->san. */
static int issue(const pki_opts *o, size_t i, X509 *ca, EVP_PKEY *ca_key, char *err, size_t errlen)
{
	char san[PKI_MAX_NAME + 1100];
	int rc = -1;
	snprintf(san, sizeof san, "DNS:%s,%s%s%s", o->names[i], o->san,
	         o->nf_ids && o->nf_ids[i] ? ",URI:urn:uuid:" : "",
	         o->nf_ids && o->nf_ids[i] ? o->nf_ids[i] : "");
	EVP_PKEY *key = new_key();
	X509 *c =
	    key ? make_cert(key, o->names[i], ca, ca_key, san, 0, (long)i + 2, o->days) : NULL;
	if (c == NULL)
		snprintf(err, errlen, "%s: cannot make the certificate (SAN '%s')", o->names[i],
		         san);
	else
		rc = write_pem(o, o->names[i], c, key, err, errlen);
	X509_free(c);
	EVP_PKEY_free(key);
	return rc;
}

int pki_make(const pki_opts *o, char *err, size_t errlen)
{
	EVP_PKEY *ca_key = new_key();
	X509 *ca = ca_key ? make_cert(ca_key, "aiot CA", NULL, NULL, NULL, 1, 1, o->days) : NULL;
	int rc = -1;
	if (ca == NULL) {
		snprintf(err, errlen, "cannot make the CA");
		goto out;
	}
	for (size_t i = 0; i < o->nnames; i++)
		if (issue(o, i, ca, ca_key, err, errlen) != 0)
			goto out;
	rc = write_pem(o, "ca", ca, NULL, err, errlen);
out:
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rc;
}
