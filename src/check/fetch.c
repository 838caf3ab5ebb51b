/*
 * fetch.c: the MTA-STS policy fetch (P*, then C* through parse.c).
 */
#include <glib.h>

#include "config.h"
#include "check/check.h"

void
check_fetch(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	(void)r;
	(void)st;
	(void)o;
}
