/*
 * tap.h: the Test Anything Protocol from C, no framework needed.
 *     ok(cond, "what %s", ...);  ...  return done_testing();
 * Test programs also take the bytes of fixtures with tap_slurp().
 */
#ifndef TAP_H
#define TAP_H

#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

static int __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static void __attribute__((format(printf, 1, 2), unused))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int __attribute__((unused)) done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Read a whole file; NULL if it cannot be read.  free() the result. */
static __attribute__((unused)) unsigned char *
tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Run fn(arg) in a forked child and return what it returned (0..255), or
 * -1.  The child reports through a pipe and then kills itself with
 * SIGKILL: under valgrind an ordinary exit would run a leak check over
 * the parent's heap copy and turn every test child into an error.
 */
static int __attribute__((unused))
tap_fork(int (*fn)(const void *), const void *arg)
{
	int fds[2], status;
	unsigned char code = 255;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		code = (unsigned char)fn(arg);
		if (write(fds[1], &code, 1) != 1)
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	close(fds[1]);
	if (read(fds[0], &code, 1) != 1)
		code = 255;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return code == 255 ? -1 : code;
}

#endif
