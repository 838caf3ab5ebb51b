/* fuzz-ingest: the whole pure pipeline, bytes to reports, no side effects:
   the parse, the [trust] domains filter, and what the trust stage reads
   of the header (trust_scan_header, the reporting domain). */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/ingest.h"
#include "ingest/mime.h"
#include "trust/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	static const char *const ours[] = { "example.com", "mx.example.net",
		NULL };
	struct ti_limits limits;
	struct ingest_mail m;
	struct trust_header h;
	char *rd;

	if (!inited) {
		mime_init();
		inited = 1;
	}
	ti_limits_default(&limits);
	ingest_parse(data, size, "fuzz.json.gz", &limits, &m);
	trust_scan_header(data, size, &h);
	rd = trust_reporting_domain(m.n_items > 0 ? m.items[0].report : NULL,
	    m.info.tls_report_submitter, h.from_domain);
	g_free(rd);
	trust_header_clear(&h);
	ingest_keep_domains(&m, ours);
	(void)ingest_mail_reports(&m);
	ingest_mail_clear(&m);
	return 0;
}
