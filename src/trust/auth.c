/*
 * auth.c: the authentication record of a report (auth.h).
 */
#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "trust/auth.h"

void
auth_field(char **field, const char *value)
{
	char *copy = g_strdup(value);

	g_free(*field);
	*field = copy;
}

void
auth_clear(struct ti_auth *a)
{
	g_free(a->method);
	g_free(a->result);
	g_free(a->domain);
	g_free(a->selector);
	g_free(a->algorithm);
	g_free(a->dnssec);
	g_free(a->reason);
	memset(a, 0, sizeof(*a));
}

void
auth_set(struct ti_auth *a, const char *method, const char *result)
{
	auth_clear(a);
	a->method = g_strdup(method);
	a->result = g_strdup(result);
}

void
auth_reason(struct ti_auth *a, const char *fmt, ...)
{
	va_list ap;
	char *reason;

	/* the old reason may be one of the arguments */
	va_start(ap, fmt);
	reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_free(a->reason);
	a->reason = reason;
}

void
auth_copy(struct ti_auth *dst, const struct ti_auth *src)
{
	*dst = *src;
	dst->method = g_strdup(src->method);
	dst->result = g_strdup(src->result);
	dst->domain = g_strdup(src->domain);
	dst->selector = g_strdup(src->selector);
	dst->algorithm = g_strdup(src->algorithm);
	dst->dnssec = g_strdup(src->dnssec);
	dst->reason = g_strdup(src->reason);
}

int
auth_passed(const struct ti_auth *a)
{
	return a != NULL && a->result != NULL &&
	    strcmp(a->result, AUTH_PASS) == 0;
}
