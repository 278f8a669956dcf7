/* SPDX-License-Identifier: Apache-2.0 */
/* Wiping allocators for cJSON, libevent and nghttp2 (sbi_wipe.h). */
#include "sbi_wipe.h"

#include <stdlib.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "svc/wipe.h"

void sbi_wipe_freed_memory(void)
{
	/* cJSON drops realloc when the hooks are not plain malloc/free: its buffers then grow
	 * by malloc + copy + free, and the free wipes. */
	cJSON_Hooks hooks = {.malloc_fn = malloc, .free_fn = aiot_free_wipe};
	cJSON_InitHooks(&hooks);
	event_set_mem_functions(malloc, aiot_realloc_wipe_any, aiot_free_wipe);
}

static void *m_malloc(size_t n, void *ud)
{
	(void)ud;
	return malloc(n);
}

static void m_free(void *p, void *ud)
{
	(void)ud;
	aiot_free_wipe(p);
}

static void *m_calloc(size_t k, size_t n, void *ud)
{
	(void)ud;
	return calloc(k, n);
}

static void *m_realloc(void *p, size_t n, void *ud)
{
	(void)ud;
	return aiot_realloc_wipe_any(p, n);
}

nghttp2_mem *sbi_wipe_mem(void)
{
	static nghttp2_mem mem = {NULL, m_malloc, m_free, m_calloc, m_realloc};
	return &mem;
}
