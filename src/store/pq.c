/*
 * pq.c: load libpq at run time (see pq.h for why).
 */
#include <stddef.h>
#include <string.h>

#include <gmodule.h>

#include "config.h"
#include "store/pq.h"

static const struct {
	const char *name;
	size_t offset;
} pq_syms[] = {
#define SYM(f)                    \
 {                                \
  "PQ" #f, offsetof(struct pq, f) \
 }
	SYM(connectdbParams),
	SYM(finish),
	SYM(status),
	SYM(transactionStatus),
	SYM(errorMessage),
	SYM(setNoticeProcessor),
	SYM(conninfoParse),
	SYM(conninfoFree),
	SYM(freemem),
	SYM(exec),
	SYM(execParams),
	SYM(prepare),
	SYM(execPrepared),
	SYM(resultStatus),
	SYM(resultErrorField),
	SYM(cmdStatus),
	SYM(ntuples),
	SYM(getvalue),
	SYM(getlength),
	SYM(getisnull),
	SYM(clear),
#undef SYM
};

_Static_assert(sizeof(pq_syms) / sizeof(pq_syms[0]) ==
	sizeof(struct pq) / sizeof(void (*)(void)),
    "every member of struct pq is looked up");

int
pq_open(const char *soname, struct pq *fns, struct ti_err *err)
{
	GModule *m;
	gpointer sym;

	if ((m = g_module_open(soname,
		 G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL)) == NULL)
		return ti_err_set(err, TI_E_CONFIG,
		    "a postgresql:// store needs libpq (%s, Debian package "
		    "libpq5): %s",
		    soname, g_module_error());
	for (size_t i = 0; i < G_N_ELEMENTS(pq_syms); i++) {
		if (!g_module_symbol(m, pq_syms[i].name, &sym) || sym == NULL) {
			g_module_close(m);
			return ti_err_set(err, TI_E_CONFIG,
			    "%s is not libpq, or too old: no %s", soname,
			    pq_syms[i].name);
		}
		memcpy((char *)fns + pq_syms[i].offset, &sym, sizeof(sym));
	}
	g_module_make_resident(m);
	return 0;
}

const struct pq *
pq_load(struct ti_err *err)
{
	static struct pq fns;
	static int loaded;

	if (!loaded && pq_open(LIBPQ_SONAME, &fns, err) == -1)
		return NULL;
	loaded = 1;
	return &fns;
}
