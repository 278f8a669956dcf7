/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF: the notifUri policy (src/aiotf/notify_policy.c, docs/security.md T13n): the default
 * (public unicast; loopback only when the SBI listens on loopback), configured networks with
 * prefix boundaries and IPv4-mapped IPv6, host names and *.domain, refused configurations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h"

static notif_policy *pol(const char *schemes, const char *hosts, const char *nets, int local)
{
	char err[256];
	return notif_policy_new(schemes, hosts, nets, local, err, sizeof err);
}

static void check_addrs(const notif_policy *p, const char *const *yes, const char *const *no)
{
	for (; *yes != NULL; yes++)
		if (notif_policy_allows_addr(p, *yes) != 1)
			fail_msg("%s should be allowed", *yes);
	for (; *no != NULL; no++)
		if (notif_policy_allows_addr(p, *no) != 0)
			fail_msg("%s should be refused", *no);
}

static void default_public_only(void **state)
{
	(void)state;
	static const char *const yes[] = {
	    "8.8.8.8",         "172.15.255.255",       "172.32.0.0",     "100.128.0.1",
	    "223.255.255.255", "2001:4860:4860::8888", "::ffff:8.8.8.8", NULL};
	static const char *const no[] = {"127.0.0.1",
	                                 "127.255.255.254",
	                                 "10.0.0.1",
	                                 "172.16.0.1",
	                                 "172.31.255.255",
	                                 "192.168.1.1",
	                                 "169.254.169.254",
	                                 "100.64.0.1",
	                                 "0.0.0.0",
	                                 "224.0.0.1",
	                                 "255.255.255.255",
	                                 "192.0.2.1",
	                                 "198.18.0.1",
	                                 "::1",
	                                 "::",
	                                 "fe80::1",
	                                 "fd00::1",
	                                 "fc00::1",
	                                 "ff02::1",
	                                 "::ffff:10.0.0.1",
	                                 "::ffff:127.0.0.1",
	                                 "64:ff9b::a00:1",
	                                 "2001:db8::1",
	                                 "2002:a00:1::1",
	                                 "4000::1",
	                                 NULL};
	notif_policy *p = pol(NULL, NULL, NULL, 0);
	assert_non_null(p);
	assert_int_equal(notif_policy_allows_addr(p, "3fff::1"), 1); /* 2000::/3 */
	check_addrs(p, yes, no);
	notif_policy_free(p);
}

static void default_loopback_when_local(void **state)
{
	(void)state;
	static const char *const yes[] = {"127.0.0.1", "::1", "8.8.8.8", NULL};
	static const char *const no[] = {"10.0.0.1", "169.254.169.254", "fd00::1", NULL};
	notif_policy *p = pol(NULL, NULL, NULL, 1);
	assert_non_null(p);
	check_addrs(p, yes, no);
	assert_int_equal(notif_policy_allows_addr(p, "localhost"), -1);
	notif_policy_free(p);
}

static void configured_networks(void **state)
{
	(void)state;
	static const char *const yes[] = {"10.20.0.0",     "10.20.0.255",        "::ffff:10.20.0.5",
	                                  "2001:db8:1::1", "2001:db8:1:ffff::1", NULL};
	static const char *const no[] = {"10.20.1.0",     "10.19.255.255", "127.0.0.1", "8.8.8.8",
	                                 "2001:db8:2::1", "::1",           NULL};
	notif_policy *p = pol("https", NULL, " 10.20.0.0/24 , 2001:db8:1::/48", 1);
	assert_non_null(p);
	check_addrs(p, yes, no);
	notif_policy_free(p);
	static const char *const all[] = {"127.0.0.1", "::1", "10.0.0.1", "8.8.8.8", NULL};
	static const char *const none[] = {NULL};
	p = pol(NULL, NULL, "any", 0);
	assert_non_null(p);
	check_addrs(p, all, none);
	notif_policy_free(p);
	p = pol(NULL, NULL, "192.0.2.7", 0); /* no prefix: one address */
	assert_non_null(p);
	assert_int_equal(notif_policy_allows_addr(p, "192.0.2.7"), 1);
	assert_int_equal(notif_policy_allows_addr(p, "192.0.2.8"), 0);
	notif_policy_free(p);
}

static void hosts(void **state)
{
	(void)state;
	notif_policy *p = pol(NULL, "*.example.com,af.test", NULL, 0);
	assert_non_null(p);
	assert_int_equal(notif_policy_allows_host(p, "a.example.com"), 1);
	assert_int_equal(notif_policy_allows_host(p, "A.B.EXAMPLE.COM"), 1);
	assert_int_equal(notif_policy_allows_host(p, "example.com"), 0);
	assert_int_equal(notif_policy_allows_host(p, "xexample.com"), 0);
	assert_int_equal(notif_policy_allows_host(p, "a.example.com.evil"), 0);
	assert_int_equal(notif_policy_allows_host(p, "af.test"), 1);
	assert_int_equal(notif_policy_allows_host(p, "af.test.evil"), 0);
	notif_policy_free(p);
	p = pol(NULL, NULL, NULL, 0);
	assert_int_equal(notif_policy_allows_host(p, "anything.example"), 1);
	notif_policy_free(p);
}

static void refused_configurations(void **state)
{
	(void)state;
	static const char *const nets[] = {"10.0.0.0/33", "300.1.1.1",   "10.0.0.0/", "10.0.0.0/-1",
	                                   "::/129",      "10.0.0.0/8x", "",          ",",
	                                   "example.com", NULL};
	for (const char *const *n = nets; *n != NULL; n++)
		if (pol(NULL, NULL, *n, 0) != NULL)
			fail_msg("networks '%s' accepted", *n);
	assert_null(pol("ftp", NULL, NULL, 0));
	assert_null(pol("http,gopher", NULL, NULL, 0));
	assert_null(pol("", NULL, NULL, 0));
	assert_null(pol(NULL, "", NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_public_only),    cmocka_unit_test(default_loopback_when_local),
	    cmocka_unit_test(configured_networks),    cmocka_unit_test(hosts),
	    cmocka_unit_test(refused_configurations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
