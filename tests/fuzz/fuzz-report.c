/* fuzz-report: the RFC 8460 JSON decoder and file-name parser. */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ti_limits limits;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	struct report_fname f;
	char *name;

	ti_limits_default(&limits);
	if (report_decode(data, size, &limits, &r, &err) == 0) {
		int64_t ok, failed;

		report_totals(r, &ok, &failed);
		(void)report_domain(r);
		report_free(r);
	}
	if (size < 512) {
		name = g_strndup((const char *)data, size);
		if (report_fname_parse(name, &f) == 0)
			report_fname_clear(&f);
		g_free(name);
	}
	return 0;
}
