/* test-err: the first-error record, status classes, sizes, limits. */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "ti.h"
#include "tap.h"

int
main(void)
{
	struct ti_err err = { 0 };
	struct ti_limits l;
	size_t v;
	static const struct {
		const char *text;
		int ok;
		size_t want;
	} sizes[] = {
		{ "0", 1, 0 },
		{ "123", 1, 123 },
		{ "64k", 1, 65536 },
		{ "32M", 1, 32u << 20 },
		{ "1G", 1, 1u << 30 },
		{ "", 0, 0 },
		{ "-1", 0, 0 },
		{ "12x", 0, 0 },
		{ "M", 0, 0 },
		{ "99999999999999999999999", 0, 0 },
		{ "17179869184G", 0, 0 },
	};

	ok(ti_err_set(&err, TI_E_INPUT, "first %d", 1) == -1,
	    "ti_err_set returns -1");
	ti_err_set(&err, TI_E_TEMP, "second");
	ok(err.status == TI_E_INPUT && strcmp(err.msg, "first 1") == 0,
	    "the first error wins");
	ti_err_clear(&err);
	ok(err.status == TI_OK && err.msg[0] == '\0', "ti_err_clear");
	ok(ti_err_set(NULL, TI_E_BUG, "x") == -1, "NULL err is fine");
	ok(strcmp(ti_status_name(TI_E_TEMP), "temporary") == 0 &&
		strcmp(ti_status_name(TI_E_LIMIT), "limit") == 0,
	    "status names");
	ok(ti_status_is_permanent(TI_E_INPUT) &&
		ti_status_is_permanent(TI_E_LIMIT) &&
		!ti_status_is_permanent(TI_E_TEMP) &&
		!ti_status_is_permanent(TI_E_CONFIG),
	    "permanent classes");
	for (size_t i = 0; i < nitems(sizes); i++) {
		int rc = ti_parse_size(sizes[i].text, &v);

		ok(sizes[i].ok ? rc == 0 && v == sizes[i].want : rc == -1,
		    "size '%s'", sizes[i].text);
	}
	ok(ti_sat_add(2, 3) == 5 && ti_sat_add(INT64_MAX - 1, 1) == INT64_MAX &&
		ti_sat_add(INT64_MAX - 1, 5) == INT64_MAX &&
		ti_sat_add(INT64_MAX, INT64_MAX) == INT64_MAX &&
		ti_sat_add(7, 0) == 7,
	    "ti_sat_add: sums, capped at INT64_MAX");
	ti_limits_default(&l);
	ok(l.gunzip_size >= (10u << 20) && l.gunzip_size <= (256u << 20),
	    "gunzip cap fits a 50,000-detail report, far below RAM");
	ok(l.mime_depth > 0 && l.mime_parts > 0 && l.reports_per_mail > 0,
	    "limits are set");
	return done_testing();
}
