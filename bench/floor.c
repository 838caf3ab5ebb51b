/*
 * floor.c: the least a pipe delivery, or a report POSTed to the CGI, can
 * cost, for bench/run.sh.  Linked against the same libraries as
 * tlsrpt-ingest (so the dynamic linker and the libraries' constructors
 * cost the same), it does nothing with them: it reads the mail on
 * standard input and writes it, fsync'd, to a new file in DIR.
 *
 *     floor DIR < mail
 *
 * Run as a CGI/1.1 program (GATEWAY_INTERFACE is set, as tlsrpt-ingest
 * tells), it reads the request's body instead (CONTENT_LENGTH bytes, or
 * to the end without it), writes it the same way into the directory of
 * the file that TLSRPT_CONFIG names (the web server passes that
 * variable to tlsrpt-ingest; the floor does not read the file), and
 * answers 200 with one line of text, as tlsrpt-ingest does once the
 * report is stored.  So one web server configuration serves both, and
 * bench/run.sh switches between them by a link to the CGI.  The method
 * and the Content-Type are not looked at: the benchmark posts only
 * reports.
 *
 * Design rationale: one program for both floors, so that the HTTPS
 * floor is the pipe floor plus what CGI adds (the environment, the
 * answer), and nothing else; the file is named by the pid, unique among
 * the running CGIs, as fcgiwrap runs one process per request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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

/* Copy standard input to a new file in DIR, at most MAX bytes (-1: to
   the end), and fsync it; 0, or -1 with a message. */
static int
store(const char *dir, long long max)
{
	static char buf[1 << 16];
	char path[4096];
	ssize_t n;
	size_t want;
	int fd;

	snprintf(path, sizeof(path), "%s/floor.%ld", dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		want = sizeof(buf);
		if (max >= 0 && (unsigned long long)max < want)
			want = (size_t)max;
		if (want == 0)
			break;
		if ((n = read(STDIN_FILENO, buf, want)) <= 0)
			break;
		if (write(fd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
		if (max >= 0)
			max -= n;
	}
	if (n < 0 || fsync(fd) == -1 || close(fd) == -1) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cgi(void)
{
	const char *conf = getenv("TLSRPT_CONFIG");
	const char *len = getenv("CONTENT_LENGTH");
	const char *slash;
	char dir[4096];
	long long max = -1;

	if (len != NULL && *len != '\0')
		max = strtoll(len, NULL, 10);
	if (conf != NULL && (slash = strrchr(conf, '/')) != NULL)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - conf), conf);
	else
		snprintf(dir, sizeof(dir), ".");
	if (store(dir, max) == -1) {
		fputs("Status: 503 Service Unavailable\r\n"
		      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		      "floor: cannot write\n",
		    stdout);
		return 0;
	}
	fputs("Status: 200 OK\r\n"
	      "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	      "stored 1 report\n",
	    stdout);
	return fflush(stdout) == EOF ? 75 : 0;
}

int
main(int argc, char **argv)
{
	if (keep[0] == NULL)
		return 64;
	if (getenv("GATEWAY_INTERFACE") != NULL)
		return cgi();
	if (argc != 2) {
		fprintf(stderr, "usage: floor DIR < mail\n");
		return 64;
	}
	return store(argv[1], -1) == -1 ? 75 : 0;
}
