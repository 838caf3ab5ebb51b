/*
 * pq.h: libpq, loaded at run time.
 *
 * Design rationale: libpq brings 19 more shared objects (OpenSSL,
 * Kerberos, LDAP, SASL) into every process that links it, and the
 * dynamic linker costs about 3 ms for them at every start: most of a
 * pipe delivery into a SQLite store, which never uses them.  So only a
 * postgresql:// store loads libpq (GModule), the first time one is
 * opened.  The headers still come from libpq-dev at build time, so the
 * types and the signatures below are checked by the compiler.
 */
#ifndef PQ_H
#define PQ_H

#include <libpq-fe.h>

#include "ti.h"

/* The libpq functions store-pg.c calls, under their names minus "PQ". */
struct pq {
	PGconn *(*connectdbParams)(const char *const *keywords,
	    const char *const *values, int expand_dbname);
	void (*finish)(PGconn *conn);
	ConnStatusType (*status)(const PGconn *conn);
	PGTransactionStatusType (*transactionStatus)(const PGconn *conn);
	char *(*errorMessage)(const PGconn *conn);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *conn,
	    PQnoticeProcessor proc, void *arg);
	PQconninfoOption *(*conninfoParse)(const char *conninfo, char **errmsg);
	void (*conninfoFree)(PQconninfoOption *opts);
	void (*freemem)(void *ptr);
	PGresult *(*exec)(PGconn *conn, const char *query);
	PGresult *(*execParams)(PGconn *conn, const char *command, int nParams,
	    const Oid *paramTypes, const char *const *paramValues,
	    const int *paramLengths, const int *paramFormats, int resultFormat);
	PGresult *(*prepare)(PGconn *conn, const char *stmtName,
	    const char *query, int nParams, const Oid *paramTypes);
	PGresult *(*execPrepared)(PGconn *conn, const char *stmtName,
	    int nParams, const char *const *paramValues,
	    const int *paramLengths, const int *paramFormats, int resultFormat);
	ExecStatusType (*resultStatus)(const PGresult *res);
	char *(*resultErrorField)(const PGresult *res, int fieldcode);
	char *(*cmdStatus)(PGresult *res);
	int (*ntuples)(const PGresult *res);
	char *(*getvalue)(const PGresult *res, int tup_num, int field_num);
	int (*getlength)(const PGresult *res, int tup_num, int field_num);
	int (*getisnull)(const PGresult *res, int tup_num, int field_num);
	void (*clear)(PGresult *res);
};

/*
 * Load the shared library soname and look up every function of *fns.
 * 0, or -1 with *err set (TI_E_CONFIG) when the library or a function
 * is not there.  For pq_load() and tests.
 */
int pq_open(const char *soname, struct pq *fns, struct ti_err *err);

/*
 * libpq's functions, loading the library (LIBPQ_SONAME) the first time;
 * it stays loaded.  NULL with *err set (TI_E_CONFIG: the package that
 * holds libpq is missing) when the library or a function is not there.
 */
const struct pq *pq_load(struct ti_err *err);

#endif
