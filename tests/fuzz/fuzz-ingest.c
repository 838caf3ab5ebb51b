/* fuzz-ingest: the whole pure pipeline, bytes to reports, no side effects. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ti.h"
#include "ingest.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct ti_limits limits;
	struct ingest_mail m;

	if (!inited) {
		mime_init();
		inited = 1;
	}
	ti_limits_default(&limits);
	ingest_parse(data, size, "fuzz.json.gz", &limits, &m);
	(void)ingest_mail_reports(&m);
	ingest_mail_clear(&m);
	return 0;
}
