/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's ADM list (src/aiotf/adm_client.c): the operator's adm.url is checked strictly
 * (one bad item: refused, the AIOTF exits 2); a list found through the NRF keeps what fits
 * (http(s)://HOST:PORT, the first kept item's scheme, each once, at most AIOTF_MAX_ADM) and
 * skips the rest, so one unusable NF profile does not stop the AIOTF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "aiotf/aiotf.h"

static void test_discovered_skips(void **state)
{
	(void)state;
	char out[8192], err[256];
	static const char mixed[] = "http://bad host:1,https://10.0.0.1:443,http://10.0.0.2:80,"
	                            "https://10.0.0.1:443,ftp://10.0.0.4:21,https://[::1]:8443";
	assert_int_equal(aiotf_adm_urls_check(mixed, err, sizeof err), -1);
	assert_int_equal(aiotf_adm_urls_discovered(mixed, out, sizeof out, err, sizeof err), 2);
	assert_string_equal(out, "https://10.0.0.1:443,https://[::1]:8443");
	/* more than AIOTF_MAX_ADM: the first ones */
	size_t o = 0;
	char many[2048];
	for (int i = 0; i < AIOTF_MAX_ADM + 2; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "%shttp://10.0.1.%d:80",
		                      i ? "," : "", i);
	assert_int_equal(aiotf_adm_urls_check(many, err, sizeof err), -1);
	assert_int_equal(aiotf_adm_urls_discovered(many, out, sizeof out, err, sizeof err),
	                 AIOTF_MAX_ADM);
	assert_non_null(strstr(out, "http://10.0.1.15:80"));
	assert_null(strstr(out, "http://10.0.1.16:80"));
	/* nothing usable: an error */
	assert_int_equal(
	    aiotf_adm_urls_discovered("ftp://a:1,http://b c:2", out, sizeof out, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "no usable ADM URL"));
	assert_int_equal(aiotf_adm_urls_discovered("", out, sizeof out, err, sizeof err), -1);
	/* a good list is kept as it is */
	assert_int_equal(aiotf_adm_urls_check("http://a:1,http://b:2", err, sizeof err), 0);
	assert_int_equal(
	    aiotf_adm_urls_discovered("http://a:1,http://b:2", out, sizeof out, err, sizeof err),
	    2);
	assert_string_equal(out, "http://a:1,http://b:2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discovered_skips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
