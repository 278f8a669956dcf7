/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ProblemDetails causes (TS 29.500 Table 5.2.7.2-1): the table itself, the body sbi_problem()
 * writes, and every (status, cause) pair the source tree emits, found by scanning src/.
 */
#include <ftw.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sbi/sbi_json.h"
#include "sbi/sbi_server.h"

static void test_table(void **state)
{
	(void)state;
	assert_true(sbi_cause_valid(400, "INVALID_MSG_FORMAT"));
	assert_true(sbi_cause_valid(404, "RESOURCE_URI_STRUCTURE_NOT_FOUND"));
	assert_true(sbi_cause_valid(503, "NF_CONGESTION"));
	assert_true(sbi_cause_valid(413, NULL));
	/* invented, or defined for another status */
	assert_false(sbi_cause_valid(413, "PAYLOAD_TOO_LARGE"));
	assert_false(sbi_cause_valid(415, "UNSUPPORTED_MEDIA_TYPE"));
	assert_false(sbi_cause_valid(404, "CONTEXT_NOT_FOUND"));
	assert_false(sbi_cause_valid(500, "NF_CONGESTION"));
	assert_false(sbi_cause_valid(400, "SYSTEM_FAILURE"));
}

static void test_body(void **state)
{
	sbi_response r = {0};

	(void)state;
	sbi_problem(&r, 413, NULL, "body of %d bytes", 5);
	assert_non_null(r.body);
	assert_string_equal(r.body, "{\"title\":\"Content Too Large\",\"status\":413,"
	                            "\"detail\":\"body of 5 bytes\"}");
	free(r.body);
	sbi_problem(&r, 400, "MANDATORY_IE_MISSING", "x");
	assert_non_null(strstr(r.body, "\"cause\":\"MANDATORY_IE_MISSING\""));
	free(r.body);
}

/* ---- the tree ------------------------------------------------------------------------------ */

/* status, cause: sbi_problem(x, 404, "CAUSE" and the server's `status == 400 ? "CAUSE"`. */
#define RE_PAIR                                                                                    \
	"(sbi_problem\\([^,]+,[[:space:]]*|status == "                                             \
	")([0-9]{3})(,|[[:space:]]*\\?)[[:space:]]*\"([A-Z_]+)\""
/* causes carried by an sbi_err (status from sbi_err_status()): fail/bad(e, "X", e->cause = "X",
 * and the cause constants (#define NAME "X") of the files that fill an sbi_err. */
#define RE_ERR "((fail|bad)\\(e,[[:space:]]*|e->cause = |#define [A-Z_]+ )\"([A-Z_]+)\""

static regex_t re_pair, re_err;
static int npairs, nerr, nbad;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		buf[fread(buf, 1, (size_t)n, f)] = '\0';
	}
	fclose(f);
	return buf;
}

static void scan(const char *path, const char *text)
{
	regmatch_t m[5];
	const char *p;
	char cause[64];
	int uses_err = strstr(text, "sbi_err *e") != NULL;

	for (p = text; regexec(&re_pair, p, 5, m, 0) == 0; p += m[0].rm_eo) {
		int status = atoi(p + m[2].rm_so);

		snprintf(cause, sizeof cause, "%.*s", (int)(m[4].rm_eo - m[4].rm_so),
		         p + m[4].rm_so);
		npairs++;
		if (!sbi_cause_valid(status, cause)) {
			print_error("%s: status %d with cause %s\n", path, status, cause);
			nbad++;
		}
	}
	for (p = text; uses_err && regexec(&re_err, p, 4, m, 0) == 0; p += m[0].rm_eo) {
		sbi_err e = {.cause = cause};

		snprintf(cause, sizeof cause, "%.*s", (int)(m[3].rm_eo - m[3].rm_so),
		         p + m[3].rm_so);
		nerr++;
		if (!sbi_cause_valid(sbi_err_status(&e), cause)) {
			print_error("%s: sbi_err cause %s for status %d\n", path, cause,
			            sbi_err_status(&e));
			nbad++;
		}
	}
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	size_t n = strlen(path);
	char *text;

	(void)sb;
	(void)ftw;
	if (type != FTW_F || n < 2 || strcmp(path + n - 2, ".c") != 0)
		return 0;
	text = slurp(path);
	if (text != NULL)
		scan(path, text);
	free(text);
	return 0;
}

static void test_tree(void **state)
{
	char src[4096];
	const char *tail = strstr(__FILE__, "tests/unit/test_sbi_problem.c");

	(void)state;
	assert_non_null(tail); /* the build names sources by path from the tree's root */
	snprintf(src, sizeof src, "%.*ssrc", (int)(tail - __FILE__), __FILE__);
	assert_int_equal(regcomp(&re_pair, RE_PAIR, REG_EXTENDED), 0);
	assert_int_equal(regcomp(&re_err, RE_ERR, REG_EXTENDED), 0);
	assert_int_equal(nftw(src, visit, 16, FTW_PHYS), 0);
	regfree(&re_pair);
	regfree(&re_err);
	/* the scan must see the tree's causes, or it proves nothing */
	assert_true(npairs >= 20);
	assert_true(nerr >= 5);
	assert_int_equal(nbad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
