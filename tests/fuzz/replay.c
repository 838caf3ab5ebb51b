/*
 * replay: without libFuzzer, feed each file named on the command line (or
 * each file in each directory named) to the fuzz target once.  This is
 * how "make check" replays the seed corpus and past crashers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	g_free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		GDir *d = g_dir_open(argv[i], 0, NULL);
		const char *name;

		if (d == NULL) {
			rc |= replay_file(argv[i]);
			n++;
			continue;
		}
		while ((name = g_dir_read_name(d)) != NULL) {
			char *p = g_build_filename(argv[i], name, NULL);

			rc |= replay_file(p);
			n++;
			g_free(p);
		}
		g_dir_close(d);
	}
	printf("replayed %d inputs\n", n);
	return rc;
}
