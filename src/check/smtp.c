/*
 * smtp.c: STARTTLS, certificates and DANE per MX address (X*, D4).
 */
#include <glib.h>

#include "config.h"
#include "check/check.h"

void
check_smtp(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	(void)r;
	(void)st;
	(void)o;
}
