/* test-pq: libpq is loaded at run time, and only when asked for. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ti.h"
#include "store/pq.h"
#include "tap.h"

/* Whether a shared object whose path contains name is mapped here. */
static int
mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, name) != NULL)
			found = 1;
	fclose(f);
	return found;
}

int
main(void)
{
	struct ti_err err = { 0 };
	struct pq fns;
	const struct pq *a, *b;

	ok(mapped("libpq.so") == 0, "libpq is not loaded at start-up");

	ok(pq_open("libtlsrpt-no-such-library.so.0", &fns, &err) == -1 &&
		err.status == TI_E_CONFIG,
	    "a missing library: a configuration error");
	ok(strstr(err.msg, "libtlsrpt-no-such-library.so.0") != NULL &&
		strstr(err.msg, "libpq5") != NULL,
	    "the message names the library and the package: %s", err.msg);
	ti_err_clear(&err);

	ok(pq_open("libz.so.1", &fns, &err) == -1 &&
		err.status == TI_E_CONFIG &&
		strstr(err.msg, "PQconnectdbParams") != NULL,
	    "a library without libpq's functions is refused: %s", err.msg);
	ti_err_clear(&err);

	a = pq_load(&err);
	ok(a != NULL && err.status == TI_OK, "pq_load loads " LIBPQ_SONAME);
	b = pq_load(&err);
	ok(a == b, "once");
	ok(mapped("libpq.so") == 1, "libpq is mapped now");
	if (a != NULL) {
		PQconninfoOption *o;
		char *msg = NULL;
		const char *dbname = NULL;

		o = a->conninfoParse("postgresql://u@h/db", &msg);
		for (PQconninfoOption *i = o; i != NULL && i->keyword != NULL;
		     i++)
			if (strcmp(i->keyword, "dbname") == 0)
				dbname = i->val;
		ok(dbname != NULL && strcmp(dbname, "db") == 0,
		    "the loaded functions work (PQconninfoParse)");
		a->conninfoFree(o);
		a->freemem(msg);
	} else
		ok(0, "the loaded functions work (PQconninfoParse)");
	return done_testing();
}
