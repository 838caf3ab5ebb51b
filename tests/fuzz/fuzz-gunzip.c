/* fuzz-gunzip: the capped gzip inflater. */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/gunzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ti_err err = { 0 };
	unsigned char *out = NULL;
	size_t len = 0, trailing = 0;

	if (gunzip(data, size, 1u << 20, &out, &len, &trailing, &err) == 0)
		g_free(out);
	return 0;
}
