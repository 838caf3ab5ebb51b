/*
 * floor.c: the least a pipe delivery can cost, for bench/run.sh.  Linked
 * against the same libraries as tlsrpt-ingest (so the dynamic linker and
 * the libraries' constructors cost the same), it does nothing with them:
 * it reads the mail on standard input and writes it, fsync'd, to a new
 * file in DIR.
 *
 *     floor DIR < mail
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <zlib.h>

#include "config.h"

/* One reference into each library, so that none is dropped as unneeded. */
static void *volatile keep[] = {
	(void *)g_mime_init,
	(void *)cJSON_Version,
	(void *)zlibVersion,
	(void *)sqlite3_libversion,
};

int
main(int argc, char **argv)
{
	static char buf[1 << 16];
	char path[4096];
	ssize_t n;
	int fd;

	if (argc != 2 || keep[0] == NULL) {
		fprintf(stderr, "usage: floor DIR < mail\n");
		return 64;
	}
	snprintf(path, sizeof(path), "%s/floor.%ld", argv[1], (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 75;
	}
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return 75;
	if (n < 0 || fsync(fd) == -1 || close(fd) == -1)
		return 75;
	return 0;
}
