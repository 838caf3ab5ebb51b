/*
 * timeit.c: run commands and measure them, for bench/run.sh.
 *
 *     timeit each DIR MAX -- CMD [ARG ...] [-- CMD2 [ARG ...]]
 *         run CMD once per file in DIR (sorted; the first MAX, 0 for
 *         all) with the file on standard input, one at a time, as an
 *         MTA does; print the median, p99 and mean milliseconds per run.
 *         With CMD2, run it right after CMD on each file and print a
 *         second line for it: both see the same load on a shared
 *         machine.
 *     timeit once [-i IN] [-o OUT] -- CMD [ARG ...]
 *         run CMD once; print its wall-clock seconds and peak RSS (KB)
 *
 * Standard output and error of CMD go to /dev/null unless -o is given;
 * a failing run is counted and its exit status printed.
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0644);

	if (f == -1 || dup2(f, fd) == -1) {
		fprintf(stderr, "timeit: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(f);
}

/* Run argv with the given stdin and stdout; wall seconds, status, rusage. */
static double
run(char **argv, const char *in, const char *out, int *status,
    struct rusage *ru)
{
	double t0 = now();
	pid_t pid;

	if ((pid = fork()) == -1) {
		perror("timeit: fork");
		exit(1);
	}
	if (pid == 0) {
		redirect(in != NULL ? in : "/dev/null", 0, O_RDONLY);
		redirect(out != NULL ? out : "/dev/null", 1,
		    O_WRONLY | O_CREAT | O_TRUNC);
		redirect("/dev/null", 2, O_WRONLY);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, status, 0, ru) == -1)
		if (errno != EINTR) {
			perror("timeit: wait4");
			exit(1);
		}
	return now() - t0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(double *t, size_t n, size_t fails)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_dbl);
	printf("n=%zu fails=%zu median_ms=%.3f p99_ms=%.3f mean_ms=%.3f "
	       "total_s=%.3f\n",
	    n, fails, t[n / 2] * 1e3, t[(n * 99 + 99) / 100 - 1] * 1e3,
	    sum / (double)n * 1e3, sum);
}

static int
each(const char *dir, long max, char **argv, char **argv2)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct rusage ru;
	char **names = NULL, path[4096];
	double *t, *t2;
	size_t n = 0, cap = 0, i, fails = 0, fails2 = 0;
	int status;

	if (d == NULL) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "timeit: %s: no files\n", dir);
		return 1;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	if (max > 0 && (size_t)max < n)
		n = (size_t)max;
	t = calloc(n, sizeof(*t));
	t2 = calloc(n, sizeof(*t2));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		t[i] = run(argv, path, NULL, &status, &ru);
		if (status != 0 && fails++ == 0)
			fprintf(stderr, "timeit: %s: exit status %d\n", path,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		if (argv2 == NULL)
			continue;
		t2[i] = run(argv2, path, NULL, &status, &ru);
		if (status != 0 && fails2++ == 0)
			fprintf(stderr, "timeit: %s: exit status %d\n", path,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	report(t, n, fails);
	if (argv2 != NULL)
		report(t2, n, fails2);
	return fails + fails2 > 0;
}

static int
once(const char *in, const char *out, char **argv)
{
	struct rusage ru;
	double s;
	int status;

	s = run(argv, in, out, &status, &ru);
	printf("wall_s=%.4f maxrss_kb=%ld rc=%d\n", s, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return status != 0;
}

int
main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	int i;

	if (argc >= 6 && strcmp(argv[1], "each") == 0 &&
	    strcmp(argv[4], "--") == 0) {
		char **argv2 = NULL;

		for (i = 5; i < argc; i++)
			if (strcmp(argv[i], "--") == 0) {
				argv[i] = NULL; /* ends CMD's argv */
				argv2 = argv + i + 1;
				break;
			}
		if (argv2 != NULL && *argv2 == NULL)
			argv2 = NULL;
		return each(argv[2], atol(argv[3]), argv + 5, argv2);
	}
	if (argc >= 4 && strcmp(argv[1], "once") == 0) {
		for (i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i++) {
			if (strcmp(argv[i], "-i") == 0)
				in = argv[++i];
			else if (strcmp(argv[i], "-o") == 0)
				out = argv[++i];
			else
				break;
		}
		if (strcmp(argv[i], "--") == 0 && i + 1 < argc)
			return once(in, out, argv + i + 1);
	}
	fprintf(stderr,
	    "usage: timeit each DIR MAX -- CMD [ARG ...] [-- CMD2 [ARG ...]]\n"
	    "       timeit once [-i IN] [-o OUT] -- CMD [ARG ...]\n");
	return 2;
}
