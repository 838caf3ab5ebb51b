/* fuzz-mime: the GMime walk that finds report parts. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ti.h"
#include "ingest/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(const struct mime_part *part, void *arg)
{
	size_t *n = arg;

	if (part->data != NULL && part->len > 0)
		*n += part->data[0] + part->data[part->len - 1];
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct ti_limits limits;
	struct ti_err err = { 0 };
	struct mime_info info = { 0 };
	size_t n = 0;

	if (!inited) {
		mime_init();
		inited = 1;
	}
	ti_limits_default(&limits);
	(void)mime_each_report(data, size, &limits, count, &n, &info, &err);
	mime_info_clear(&info);
	return 0;
}
