/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Patch, RFC 6902 (json_patch.h). Every pointer is resolved before a member is
 * changed, on a copy of the document. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_patch.h"

#define MAX_TOKEN 256

__attribute__((format(printf, 4, 5))) static void fail(sbi_err *e, int status, const char *cause,
                                                       const char *fmt, ...)
{
	e->status = status;
	e->cause = cause;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
}

/* The next reference token of ptr (RFC 6901 4: "~1" is '/', "~0" is '~') into tok; returns
 * the rest of the pointer, or NULL on a bad escape or an over-long token. */
static const char *next_token(const char *ptr, char *tok)
{
	size_t n = 0;
	for (ptr++; *ptr != '\0' && *ptr != '/'; ptr++) {
		char c = *ptr;
		if (c == '~') {
			if (ptr[1] != '0' && ptr[1] != '1')
				return NULL;
			c = *++ptr == '0' ? '~' : '/';
		}
		if (n + 1 >= MAX_TOKEN)
			return NULL;
		tok[n++] = c;
	}
	tok[n] = '\0';
	return ptr;
}

/* An array index (RFC 6901 4: no leading zero); -1 if tok is not one, or "-" (append). */
static long array_index(const char *tok)
{
	if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0') || strlen(tok) > 9)
		return -1;
	for (const char *p = tok; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return strtol(tok, NULL, 10);
}

static cJSON *child(cJSON *node, const char *tok)
{
	if (cJSON_IsObject(node))
		return cJSON_GetObjectItemCaseSensitive(node, tok);
	long i = cJSON_IsArray(node) ? array_index(tok) : -1;
	return i >= 0 && i < cJSON_GetArraySize(node) ? cJSON_GetArrayItem(node, (int)i) : NULL;
}

/* Resolve ptr but its last token: *parent and last. 0, or -1 (malformed or absent). */
static int resolve_parent(cJSON *doc, const char *ptr, cJSON **parent, char *last)
{
	if (ptr[0] != '/')
		return -1;
	cJSON *node = doc;
	for (;;) {
		const char *rest = next_token(ptr, last);
		if (rest == NULL)
			return -1;
		if (*rest == '\0') {
			*parent = node;
			return cJSON_IsObject(node) || cJSON_IsArray(node) ? 0 : -1;
		}
		if ((node = child(node, last)) == NULL)
			return -1;
		ptr = rest;
	}
}

static cJSON *get(cJSON *doc, const char *ptr)
{
	cJSON *parent;
	char last[MAX_TOKEN];
	if (ptr[0] == '\0')
		return doc;
	return resolve_parent(doc, ptr, &parent, last) == 0 ? child(parent, last) : NULL;
}

/* v inserted before item i of arr (cJSON_InsertItemInArray of Debian's cJSON 1.7.15 refuses
 * to insert into a parsed array): the items from i on are moved behind it. */
static int insert_at(cJSON *arr, int i, cJSON *v)
{
	cJSON *tail = cJSON_CreateArray();
	if (tail == NULL) {
		cJSON_Delete(v);
		return -1;
	}
	while (cJSON_GetArraySize(arr) > i)
		cJSON_AddItemToArray(tail, cJSON_DetachItemFromArray(arr, i));
	cJSON_AddItemToArray(arr, v);
	while (tail->child != NULL)
		cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(tail, 0));
	cJSON_Delete(tail);
	return 0;
}

/* RFC 6902 4.1 add (and the insertion half of move and copy); takes v. */
static int add(cJSON *doc, const char *ptr, cJSON *v)
{
	cJSON *parent;
	char last[MAX_TOKEN];
	if (v == NULL || resolve_parent(doc, ptr, &parent, last) != 0)
		goto fail;
	if (cJSON_IsObject(parent)) {
		if (cJSON_GetObjectItemCaseSensitive(parent, last) != NULL)
			return cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v) ? 0 : -1;
		return cJSON_AddItemToObject(parent, last, v) ? 0 : -1;
	}
	int n = cJSON_GetArraySize(parent);
	long i = strcmp(last, "-") == 0 ? n : array_index(last);
	if (i < 0 || i > n)
		goto fail;
	if (i < n)
		return insert_at(parent, (int)i, v);
	return cJSON_AddItemToArray(parent, v) ? 0 : -1;
fail:
	cJSON_Delete(v);
	return -1;
}

/* RFC 6902 4.2 remove: the detached value, or NULL. */
static cJSON *detach(cJSON *doc, const char *ptr)
{
	cJSON *parent, *it;
	char last[MAX_TOKEN];
	if (ptr[0] == '\0' || resolve_parent(doc, ptr, &parent, last) != 0 ||
	    (it = child(parent, last)) == NULL)
		return NULL;
	return cJSON_DetachItemViaPointer(parent, it);
}

static int apply_one(cJSON *doc, const cJSON *item, sbi_err *e)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, "op");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(item, "path");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(item, "from");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
	if (!cJSON_IsString(op) || !cJSON_IsString(path) || (from && !cJSON_IsString(from))) {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "%s", "PatchItem: op and path are strings");
		return -1;
	}
	const char *o = op->valuestring, *p = path->valuestring;
	int needs_value = !strcmp(o, "add") || !strcmp(o, "replace") || !strcmp(o, "test");
	int needs_from = !strcmp(o, "move") || !strcmp(o, "copy");
	if ((needs_value && value == NULL) || (needs_from && from == NULL)) {
		fail(e, 400, "MANDATORY_IE_MISSING", "PatchItem %s: value or from missing", o);
		return -1;
	}
	if (p[0] == '\0' && strcmp(o, "test") != 0) {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "PatchItem %s: the root cannot be changed",
		     o);
		return -1;
	}
	cJSON *v = NULL;
	int rc = -1;
	if (!strcmp(o, "add")) {
		rc = (v = cJSON_Duplicate(value, 1)) ? add(doc, p, v) : -1;
	} else if (!strcmp(o, "remove")) {
		cJSON_Delete(v = detach(doc, p));
		rc = v ? 0 : -1;
	} else if (!strcmp(o, "replace")) {
		/* RFC 6902 4.3: remove then add at the same location, which must exist */
		cJSON_Delete(v = detach(doc, p));
		rc = v ? add(doc, p, cJSON_Duplicate(value, 1)) : -1;
	} else if (!strcmp(o, "test")) {
		const cJSON *cur = get(doc, p);
		if (cur == NULL || !cJSON_Compare(cur, value, 1)) {
			fail(e, 409, NULL, "PatchItem test failed at %s", p);
			return -1;
		}
		return 0;
	} else if (!strcmp(o, "copy")) {
		const cJSON *src = get(doc, from->valuestring);
		rc = src && (v = cJSON_Duplicate(src, 1)) ? add(doc, p, v) : -1;
	} else if (!strcmp(o, "move")) {
		size_t fl = strlen(from->valuestring);
		/* RFC 6902 4.4: not into one of its own children */
		if (strncmp(p, from->valuestring, fl) == 0 && p[fl] == '/')
			rc = -1;
		else
			rc = (v = detach(doc, from->valuestring)) ? add(doc, p, v) : -1;
	} else {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "PatchItem: unknown op '%.40s'", o);
		return -1;
	}
	if (rc != 0)
		fail(e, 400, "MANDATORY_IE_INCORRECT", "PatchItem: path %.120s does not resolve",
		     p);
	return rc;
}

cJSON *json_patch_apply(const cJSON *doc, const cJSON *patch, sbi_err *e)
{
	if (!cJSON_IsArray(patch) || cJSON_GetArraySize(patch) < 1) {
		fail(e, 400, "INVALID_MSG_FORMAT", "%s", "a JSON Patch is an array of PatchItem");
		return NULL;
	}
	cJSON *copy = cJSON_Duplicate(doc, 1);
	if (copy == NULL) {
		fail(e, 500, "SYSTEM_FAILURE", "%s", "out of memory");
		return NULL;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, patch)
	{
		if (!cJSON_IsObject(item)) {
			fail(e, 400, "INVALID_MSG_FORMAT", "%s", "a PatchItem is an object");
			goto fail;
		}
		if (apply_one(copy, item, e) != 0)
			goto fail;
	}
	return copy;
fail:
	cJSON_Delete(copy);
	return NULL;
}
