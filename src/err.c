/*
 * err.c: the first-error record, status names and the default limits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ti.h"

int
ti_err_set(struct ti_err *err, enum ti_status status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->status != TI_OK)
		return -1;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
ti_err_clear(struct ti_err *err)
{
	err->status = TI_OK;
	err->msg[0] = '\0';
}

const char *
ti_status_name(enum ti_status status)
{
	switch (status) {
	case TI_OK:
		return "ok";
	case TI_E_INPUT:
		return "input";
	case TI_E_LIMIT:
		return "limit";
	case TI_E_TEMP:
		return "temporary";
	case TI_E_CONFIG:
		return "config";
	case TI_E_BUG:
		break;
	}
	return "bug";
}

int
ti_status_is_permanent(enum ti_status status)
{
	return status == TI_E_INPUT || status == TI_E_LIMIT;
}

void
ti_limits_default(struct ti_limits *l)
{
	/* Postfix's message_size_limit is 10 MB; a report is < 1 MB. */
	l->message_size = 64u << 20;
	l->mime_depth = 16;
	l->mime_parts = 256;
	l->attachment_size = 32u << 20;
	/* a 50,000-detail report is about 10 MB of JSON */
	l->gunzip_size = 32u << 20;
	l->json_depth = 64;
	l->policies = 1000;
	l->failure_details = 100000;
	l->string_length = 4096;
	l->reports_per_mail = 64;
}

int
ti_parse_size(const char *text, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (text == NULL || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}
