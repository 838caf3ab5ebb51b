/*
 * dkim.c: verify the DKIM signatures of a report mail (dkim.h) with
 * libopendkim; the key records come from resolve.h.
 *
 * Design rationale:
 * - Keys come in through libopendkim's key lookup hook
 *   (dkim_set_key_lookup): we ask resolver_query() for the TXT record and
 *   hand the library the record's text.  The DNS outcome stays ours:
 *   NXDOMAIN or NODATA is "no key" (permerror); a timeout, a SERVFAIL or
 *   a DNSSEC bogus answer is temporary; the DNSSEC state of every key is
 *   known.  The library's own resolver (glibc res_nquery) is never used:
 *   it cannot tell NXDOMAIN from SERVFAIL and ignores our timeout
 *   (doc/trust.md, '1. libopendkim').  Its DNS glue is nevertheless
 *   replaced by one that fails, so that no code path can reach it.
 * - The hook returns DKIM_CBSTAT_NOTFOUND for every failed lookup, even a
 *   temporary one, and the reason is kept here per signature.
 *   TRYAGAIN or ERROR from the hook makes libopendkim abandon the whole
 *   message (measured: dkim_chunk returns CBTRYAGAIN/CBERROR and no
 *   signature is verified), so one dead key would hide a good signature.
 * - The hook can also accept the key record RFC 8460 §3 recommends,
 *   "s=tlsrpt" alone, which libopendkim refuses as not an e-mail key
 *   (RFC 6376 §3.6.1): s= is handed over as "email:tlsrpt" when it lists
 *   tlsrpt.  See VIOLATIONS.md, "DKIM keys with s=tlsrpt only".  The
 *   record's own s= is kept for the checks below.
 * - The prescreen callback ignores, before any lookup, the signatures
 *   that could never count: d= not aligned with the reporting domain,
 *   l=, rsa-sha1; and it looks up at most DKIM_MAX_LOOKUPS of the rest.
 *   A mail with many signatures of dead domains costs nothing, and an
 *   aligned signature whose key times out cannot make a mail temperror
 *   when it could not have passed anyway.
 * - The library's verdict (dkim_eom's status) is not used: it says OK
 *   when any signature passed, sha1 and l= included.  Each signature is
 *   judged here (sig_judge); a signature passes only with PASSED, a
 *   matching body hash, no l=, not rsa-sha1, RSA >= 1024 bits, aligned.
 * - With several signatures: any pass wins; else temperror if an aligned
 *   lookup was temporary (a retry may find the key); else the most
 *   specific failure (a bad signature over a key problem over a policy
 *   refusal over a misaligned d=).
 */
#include <sys/types.h>

#include <string.h>

#include <dkim.h>
#include <glib.h>
#include <libpsl.h>

#include "config.h"
#include "ti.h"
#include "dns/resolve.h"
#include "trust/auth.h"
#include "trust/dkim.h"

#define DKIM_MIN_RSA_BITS 1024

struct dkim_verifier {
	DKIM_LIB *lib;
	struct resolver *res;
};

/* Why a signature was set aside before any lookup. */
enum sig_skip {
	SKIP_NONE,
	SKIP_MISALIGNED, /* rank 1 */
	SKIP_CAPPED, /* rank 2 */
	SKIP_LENGTH, /* rank 3 */
	SKIP_SHA1, /* rank 3 */
};

/* What the lookup of a signature's key gave. */
enum key_state {
	KEY_NOT_ASKED,
	KEY_FOUND,
	KEY_MISSING, /* NXDOMAIN, NODATA, no TXT */
	KEY_TEMP, /* timeout, SERVFAIL, bogus, resolver failure */
	KEY_BAD, /* several records, too long for libopendkim */
};

/* One signature of the mail being verified. */
struct sig_note {
	DKIM_SIGINFO *sig;
	char *domain;
	char *selector;
	int alg; /* DKIM_SIGN_*, or DKIM_SIGN_UNKNOWN */
	enum sig_skip skip;
	enum key_state key;
	int sec_known;
	enum dns_sec sec;
	char *key_detail; /* why the lookup failed (KEY_MISSING ...) */
	int key_s_present; /* the record has an s= tag */
	char *key_s; /* its value as published */
};

/* One mail being verified: the user context of its DKIM handle. */
struct mail {
	struct dkim_verifier *v;
	const char *reporting;
	struct sig_note *notes;
	int n_notes;
	int lookups;
	int res_failed;
	struct ti_err res_err;
};

/* ---- organisational domains (libpsl) ---- */

static const psl_ctx_t *
dkim_psl(void)
{
	static GMutex lock;
	static int done;
	static const psl_ctx_t *psl;

	g_mutex_lock(&lock);
	if (!done) {
		/* The built-in list costs nothing; a newer list file on disk
		   (package publicsuffix) wins. */
		psl = psl_builtin();
		if (psl == NULL || psl_builtin_outdated()) {
			psl_ctx_t *latest = psl_latest(NULL);

			if (latest != NULL)
				psl = latest;
		}
		done = 1;
	}
	g_mutex_unlock(&lock);
	return psl;
}

char *
dkim_domain_norm(const char *d, size_t len)
{
	if (d == NULL || !g_utf8_validate(d, (gssize)len, NULL))
		return NULL;
	while (len > 0 && d[len - 1] == '.')
		len--;
	return len > 0 ? g_utf8_strdown(d, (gssize)len) : NULL;
}

int
dkim_org_aligned(const char *a, const char *b)
{
	char *na = a != NULL ? dkim_domain_norm(a, strlen(a)) : NULL;
	char *nb = b != NULL ? dkim_domain_norm(b, strlen(b)) : NULL;
	const psl_ctx_t *psl;
	const char *ra, *rb;
	int same = 0;

	if (na == NULL || nb == NULL)
		goto out;
	if (strcmp(na, nb) == 0) {
		same = 1;
		goto out;
	}
	psl = dkim_psl();
	if (psl == NULL)
		goto out;
	ra = psl_registrable_domain(psl, na);
	rb = psl_registrable_domain(psl, nb);
	/* No registrable part (a public suffix itself): the exact
	   comparison above was the only test. */
	if (ra != NULL && rb != NULL)
		same = strcmp(ra, rb) == 0;
out:
	g_free(na);
	g_free(nb);
	return same;
}

/* ---- key records ---- */

/* Find the s= tag of a key record (RFC 6376 §3.2 tag-list); set *vb and
 *ve around its value (whitespace trimmed).  Returns 1 if present. */
static int
key_find_s(const char *rec, const char **vb, const char **ve)
{
	const char *p = rec;

	while (*p != '\0') {
		const char *tb, *te, *eq, *end;

		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			tb = p;
			while (tb < eq && g_ascii_isspace(*tb))
				tb++;
			te = eq;
			while (te > tb && g_ascii_isspace(te[-1]))
				te--;
			if (te - tb == 1 && *tb == 's') {
				const char *b = eq + 1, *e = end;

				while (b < e && g_ascii_isspace(*b))
					b++;
				while (e > b && g_ascii_isspace(e[-1]))
					e--;
				*vb = b;
				*ve = e;
				return 1;
			}
		}
		p = *end == ';' ? end + 1 : end;
	}
	return 0;
}

/* Does a colon-separated service list (RFC 6376 §3.6.1 s=) name svc? */
static int
key_lists(const char *list, const char *svc)
{
	char **parts = g_strsplit(list, ":", -1);
	int found = 0;

	for (char **p = parts; *p != NULL && !found; p++)
		found = strcmp(g_strstrip(*p), svc) == 0;
	g_strfreev(parts);
	return found;
}

/*
 * The record as handed to libopendkim: unchanged, unless its s= lists
 * tlsrpt without email or "*", when s= becomes "email:tlsrpt"
 * (VIOLATIONS.md).
 */
static char *
key_for_library(const char *rec, struct sig_note *n)
{
	const char *vb, *ve;

	if (!key_find_s(rec, &vb, &ve))
		return g_strdup(rec);
	n->key_s_present = 1;
	n->key_s = g_strndup(vb, (size_t)(ve - vb));
	if (key_lists(n->key_s, "tlsrpt") && !key_lists(n->key_s, "email") &&
	    !key_lists(n->key_s, "*"))
		return g_strdup_printf("%.*semail:tlsrpt%s", (int)(vb - rec),
		    rec, ve);
	return g_strdup(rec);
}

static struct sig_note *
mail_note(struct mail *m, DKIM_SIGINFO *sig)
{
	for (int i = 0; i < m->n_notes; i++)
		if (m->notes[i].sig == sig)
			return &m->notes[i];
	return NULL;
}

/*
 * libopendkim's key lookup hook: fetch the TXT record of
 * selector._domainkey.domain.  Every failure is NOTFOUND to the library
 * (see the top of this file); the note says what it was.
 */
static DKIM_CBSTAT
dkim_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct mail *m = dkim_get_user_context(dkim);
	struct sig_note *n = m != NULL ? mail_note(m, sig) : NULL;
	struct dns_answer a;
	struct ti_err err;
	char *name, **txt = NULL, *rec = NULL;
	DKIM_CBSTAT ret = DKIM_CBSTAT_NOTFOUND;

	if (n == NULL)
		return DKIM_CBSTAT_NOTFOUND; /* cannot happen */
	memset(&a, 0, sizeof(a));
	ti_err_clear(&err);
	name = g_strdup_printf("%s._domainkey.%s", n->selector, n->domain);
	if (resolver_query(m->v->res, name, DNS_T_TXT, &a, &err) != 0) {
		n->key = KEY_TEMP;
		n->key_detail = g_strdup_printf("resolver error: %s", err.msg);
		if (!m->res_failed) {
			m->res_failed = 1;
			m->res_err = err;
		}
		goto out;
	}
	switch (a.status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		n->key = KEY_MISSING;
		n->sec_known = 1;
		n->sec = a.sec;
		n->key_detail = g_strdup_printf("no key at %s (%s)", name,
		    a.status == DNS_NXDOMAIN ? "no such name"
					     : "no TXT record");
		goto out;
	case DNS_TIMEOUT:
		n->key = KEY_TEMP;
		n->key_detail =
		    g_strdup_printf("key lookup of %s timed out", name);
		goto out;
	case DNS_BOGUS:
		n->key = KEY_TEMP;
		n->sec_known = 1;
		n->sec = DNS_SEC_BOGUS;
		n->key_detail =
		    g_strdup_printf("key %s failed DNSSEC validation%s%s", name,
			a.why_bogus != NULL ? ": " : "",
			a.why_bogus != NULL ? a.why_bogus : "");
		goto out;
	case DNS_SERVFAIL:
	default:
		n->key = KEY_TEMP;
		n->key_detail = g_strdup_printf(
		    "key lookup of %s failed (DNS server failure, rcode %d)",
		    name, a.rcode);
		goto out;
	}
	n->sec_known = 1;
	n->sec = a.sec;
	txt = dns_answer_txt(&a);
	if (txt == NULL || txt[0] == NULL) {
		n->key = KEY_MISSING;
		n->key_detail =
		    g_strdup_printf("no key at %s (no TXT record)", name);
		goto out;
	}
	if (txt[1] != NULL) {
		n->key = KEY_BAD;
		n->key_detail = g_strdup_printf("%u key records at %s",
		    g_strv_length(txt), name);
		goto out;
	}
	rec = key_for_library(txt[0], n);
	if (strlen(rec) >= buflen) {
		n->key = KEY_BAD;
		n->key_detail = g_strdup_printf(
		    "key record at %s too long (%zu bytes; libopendkim takes "
		    "%zu)",
		    name, strlen(rec), buflen - 1);
		goto out;
	}
	memcpy(buf, rec, strlen(rec) + 1);
	n->key = KEY_FOUND;
	ret = DKIM_CBSTAT_CONTINUE;
out:
	if (n->sec_known)
		dkim_sig_setdnssec(sig,
		    n->sec == DNS_SECURE          ? DKIM_DNSSEC_SECURE
			: n->sec == DNS_SEC_BOGUS ? DKIM_DNSSEC_BOGUS
						  : DKIM_DNSSEC_INSECURE);
	g_free(rec);
	g_strfreev(txt);
	g_free(name);
	dns_answer_clear(&a);
	return ret;
}

/*
 * libopendkim's prescreen hook, called once the headers are in: note
 * every signature, and ignore (no lookup, no verification) those that
 * could never count.
 */
static DKIM_CBSTAT
dkim_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct mail *m = dkim_get_user_context(dkim);

	if (m == NULL || nsigs <= 0)
		return DKIM_CBSTAT_CONTINUE;
	m->notes = g_new0(struct sig_note, (size_t)nsigs);
	m->n_notes = nsigs;
	for (int i = 0; i < nsigs; i++) {
		struct sig_note *n = &m->notes[i];
		dkim_alg_t alg;

		n->sig = sigs[i];
		n->domain = g_strdup((const char *)dkim_sig_getdomain(sigs[i]));
		n->selector =
		    g_strdup((const char *)dkim_sig_getselector(sigs[i]));
		n->alg = dkim_sig_getsignalg(sigs[i], &alg) == DKIM_STAT_OK
		    ? (int)alg
		    : DKIM_SIGN_UNKNOWN;
		if (n->domain == NULL || m->reporting == NULL ||
		    !dkim_org_aligned(n->domain, m->reporting))
			n->skip = SKIP_MISALIGNED;
		else if (dkim_sig_gettagvalue(sigs[i], FALSE, (u_char *)"l") !=
		    NULL)
			n->skip = SKIP_LENGTH;
		else if (n->alg == DKIM_SIGN_RSASHA1)
			n->skip = SKIP_SHA1;
		else if (dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN)
			continue; /* already failed: libopendkim asks no key */
		else if (m->lookups >= DKIM_MAX_LOOKUPS)
			n->skip = SKIP_CAPPED;
		else
			m->lookups++;
		if (n->skip != SKIP_NONE)
			dkim_sig_ignore(sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* libopendkim's DNS glue, never used: the key lookup hook answers. */
static int
dkim_no_dns(void *srv, int type, unsigned char *query, unsigned char *buf,
    size_t buflen, void **qh)
{
	(void)srv;
	(void)type;
	(void)query;
	(void)buf;
	(void)buflen;
	(void)qh;
	return DKIM_DNS_ERROR;
}

struct dkim_verifier *
dkim_verifier_new(struct resolver *res, struct ti_err *err)
{
	struct dkim_verifier *v;
	u_int flags = DKIM_LIBFLAGS_FIXCRLF | DKIM_LIBFLAGS_STRICTHDRS;
	u_int minbits = DKIM_MIN_RSA_BITS;

	v = g_new0(struct dkim_verifier, 1);
	v->res = res;
	v->lib = dkim_init(NULL, NULL);
	if (v->lib == NULL) {
		g_free(v);
		ti_err_set(err, TI_E_TEMP, "libopendkim: dkim_init failed");
		return NULL;
	}
	if (dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
		sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
		sizeof(minbits)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(v->lib, dkim_key_lookup) != DKIM_STAT_OK ||
	    dkim_set_prescreen(v->lib, dkim_prescreen) != DKIM_STAT_OK) {
		dkim_close(v->lib);
		g_free(v);
		ti_err_set(err, TI_E_TEMP, "libopendkim: cannot set options");
		return NULL;
	}
	dkim_dns_set_init(v->lib, NULL);
	dkim_dns_set_close(v->lib, NULL);
	dkim_dns_set_query_start(v->lib, dkim_no_dns);
	return v;
}

void
dkim_verifier_free(struct dkim_verifier *v)
{
	if (v == NULL)
		return;
	dkim_close(v->lib);
	g_free(v);
}

/* ---- judging signatures ---- */

enum verdict { V_PASS, V_FAIL, V_PERM, V_TEMP };

/* Failure ranks: the highest is the most specific failure. */
#define RANK_MISALIGNED 1 /* d= of another organisation */
#define RANK_CAPPED 2 /* over DKIM_MAX_LOOKUPS */
#define RANK_POLICY 3 /* l=, rsa-sha1, a signature libopendkim refused */
#define RANK_KEY 4 /* no key, revoked, not for email, too small */
#define RANK_BADSIG 5 /* the signature itself does not verify */

static const char *
alg_name(int alg)
{
	switch (alg) {
	case DKIM_SIGN_RSASHA1:
		return "rsa-sha1";
	case DKIM_SIGN_RSASHA256:
		return "rsa-sha256";
	case DKIM_SIGN_ED25519SHA256:
		return "ed25519-sha256";
	default:
		return NULL;
	}
}

/*
 * Judge one signature: a verdict, a failure rank and the reason (owned;
 * on a pass, a note or NULL).
 */
static enum verdict
sig_judge(const struct mail *m, const struct sig_note *n, int *rank,
    char **reason)
{
	unsigned flags, bits = 0;
	int bh, serr;

	*rank = 0;
	*reason = NULL;
	switch (n->skip) {
	case SKIP_MISALIGNED:
		*rank = RANK_MISALIGNED;
		*reason = g_strdup_printf(
		    "d= is not in the organisational domain of %s",
		    m->reporting != NULL ? m->reporting
					 : "(no reporting "
					   "domain)");
		return V_PERM;
	case SKIP_CAPPED:
		*rank = RANK_CAPPED;
		*reason = g_strdup_printf(
		    "not checked: only the first %d aligned signatures are",
		    DKIM_MAX_LOOKUPS);
		return V_PERM;
	case SKIP_LENGTH:
		*rank = RANK_POLICY;
		*reason = g_strdup("l= signs only part of the body "
				   "(RFC 8460 §3 forbids it)");
		return V_PERM;
	case SKIP_SHA1:
		*rank = RANK_POLICY;
		*reason = g_strdup("rsa-sha1 is not accepted (RFC 8301)");
		return V_PERM;
	case SKIP_NONE:
		break;
	}
	switch (n->key) {
	case KEY_TEMP:
		*reason = g_strdup(n->key_detail);
		return V_TEMP;
	case KEY_MISSING:
	case KEY_BAD:
		*rank = RANK_KEY;
		*reason = g_strdup(n->key_detail);
		return V_PERM;
	case KEY_NOT_ASKED:
	case KEY_FOUND:
		break;
	}
	flags = dkim_sig_getflags(n->sig);
	bh = dkim_sig_getbh(n->sig);
	serr = dkim_sig_geterror(n->sig);
	(void)dkim_sig_getkeysize(n->sig, &bits);
	if (bh == DKIM_SIGBH_MISMATCH) {
		*rank = RANK_BADSIG;
		*reason = g_strdup("body changed after signing");
		return V_FAIL;
	}
	if ((flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH &&
	    serr == DKIM_SIGERROR_OK) {
		/* libopendkim's checks passed; now ours */
		if (n->alg != DKIM_SIGN_RSASHA256 &&
		    n->alg != DKIM_SIGN_ED25519SHA256) {
			*rank = RANK_POLICY;
			*reason = g_strdup_printf(
			    "algorithm %s is not accepted",
			    alg_name(n->alg) ? alg_name(n->alg) : "unknown");
			return V_PERM;
		}
		if (n->alg == DKIM_SIGN_RSASHA256 && bits < DKIM_MIN_RSA_BITS) {
			*rank = RANK_KEY;
			*reason = g_strdup_printf(
			    "key too small (%u bits; at least %d needed)", bits,
			    DKIM_MIN_RSA_BITS);
			return V_PERM;
		}
		if (n->key_s_present && !key_lists(n->key_s, "tlsrpt") &&
		    !key_lists(n->key_s, "*"))
			*reason = g_strdup_printf(
			    "key s=%s, not tlsrpt (RFC 8460 §3 allows "
			    "ignoring)",
			    n->key_s);
		return V_PASS;
	}
	*rank = RANK_KEY;
	switch (serr) {
	case DKIM_SIGERROR_BADSIG:
		*rank = RANK_BADSIG;
		*reason = g_strdup("signature does not verify (a signed "
				   "header changed after signing?)");
		return V_FAIL;
	case DKIM_SIGERROR_KEYREVOKED:
		*reason = g_strdup("key revoked (empty p=)");
		break;
	case DKIM_SIGERROR_NOTEMAILKEY:
		*reason = g_strdup_printf("key not for email or tlsrpt (s=%s)",
		    n->key_s != NULL ? n->key_s : "");
		break;
	case DKIM_SIGERROR_KEYTOOSMALL:
		*reason = g_strdup_printf(
		    "key too small (%u bits; at least %d needed)", bits,
		    DKIM_MIN_RSA_BITS);
		break;
	case DKIM_SIGERROR_NOKEY:
		*reason = g_strdup("no key");
		break;
	case DKIM_SIGERROR_KEYFAIL:
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_KEYDECODE:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
		*reason = g_strdup_printf("bad key record (%s)",
		    dkim_sig_geterrorstr(serr));
		break;
	case DKIM_SIGERROR_UNKNOWN:
		*rank = RANK_MISALIGNED;
		*reason = g_strdup("not verified");
		break;
	default:
		*rank = RANK_POLICY;
		*reason = g_strdup_printf("%s",
		    dkim_sig_geterrorstr(serr) != NULL
			? dkim_sig_geterrorstr(serr)
			: "unknown error");
		break;
	}
	return V_PERM;
}

/* Fill *auth from one note, with result and reason. */
static void
auth_from_note(struct ti_auth *auth, const char *result,
    const struct sig_note *n, const char *why)
{
	unsigned bits = 0;

	auth_set(auth, AUTH_DKIM, result);
	auth_field(&auth->domain, n->domain);
	auth_field(&auth->selector, n->selector);
	auth_field(&auth->algorithm, alg_name(n->alg));
	if (n->key == KEY_FOUND && n->alg == DKIM_SIGN_RSASHA256 &&
	    dkim_sig_getkeysize(n->sig, &bits) == DKIM_STAT_OK)
		auth->bits = (int)bits;
	if (n->sec_known)
		auth_field(&auth->dnssec, dns_sec_name(n->sec));
	if (why != NULL) {
		if (strcmp(result, AUTH_PASS) == 0)
			auth_field(&auth->reason, why);
		else
			auth_reason(auth, "signature by %s (s=%s): %s",
			    n->domain != NULL ? n->domain : "?",
			    n->selector != NULL ? n->selector : "?", why);
	}
}

/* The verdict over all signatures (see the top of this file). */
static void
mail_judge(const struct mail *m, struct ti_auth *auth)
{
	int best = -1, best_score = -1, temp = -1, worst = -1, worst_rank = -1;
	char *best_why = NULL, *temp_why = NULL, *worst_why = NULL;
	enum verdict worst_v = V_PERM;

	for (int i = 0; i < m->n_notes; i++) {
		const struct sig_note *n = &m->notes[i];
		int rank, score;
		char *why;
		enum verdict vd = sig_judge(m, n, &rank, &why);

		switch (vd) {
		case V_PASS:
			/* prefer a key for tlsrpt, then DNSSEC */
			score = (why == NULL ? 2 : 0) +
			    (n->sec_known && n->sec == DNS_SECURE);
			if (score > best_score) {
				best = i;
				best_score = score;
				g_free(best_why);
				best_why = why;
				why = NULL;
			}
			break;
		case V_TEMP:
			if (temp < 0) {
				temp = i;
				temp_why = why;
				why = NULL;
			}
			break;
		case V_FAIL:
		case V_PERM:
			if (rank > worst_rank) {
				worst = i;
				worst_rank = rank;
				worst_v = vd;
				g_free(worst_why);
				worst_why = why;
				why = NULL;
			}
			break;
		}
		g_free(why);
	}
	if (best >= 0)
		auth_from_note(auth, AUTH_PASS, &m->notes[best], best_why);
	else if (temp >= 0)
		auth_from_note(auth, AUTH_TEMPERROR, &m->notes[temp], temp_why);
	else if (worst >= 0)
		auth_from_note(auth,
		    worst_v == V_FAIL ? AUTH_FAIL : AUTH_PERMERROR,
		    &m->notes[worst], worst_why);
	else {
		auth_set(auth, AUTH_DKIM, AUTH_PERMERROR);
		auth_reason(auth, "no usable DKIM signature");
	}
	g_free(best_why);
	g_free(temp_why);
	g_free(worst_why);
}

/* Is there a DKIM-Signature field in the header of msg? */
static int
has_dkim_field(const unsigned char *msg, size_t len)
{
	static const char name[] = "dkim-signature";
	size_t nl = sizeof(name) - 1, i = 0;

	while (i < len) {
		size_t j;

		if (msg[i] == '\n' ||
		    (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
			return 0; /* the empty line: end of the header */
		if (len - i > nl &&
		    g_ascii_strncasecmp((const char *)msg + i, name, nl) == 0) {
			for (j = i + nl;
			     j < len && (msg[j] == ' ' || msg[j] == '\t'); j++)
				;
			if (j < len && msg[j] == ':')
				return 1;
		}
		while (i < len && msg[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

static void
mail_free(struct mail *m)
{
	for (int i = 0; i < m->n_notes; i++) {
		g_free(m->notes[i].domain);
		g_free(m->notes[i].selector);
		g_free(m->notes[i].key_detail);
		g_free(m->notes[i].key_s);
	}
	g_free(m->notes);
}

int
dkim_verify_mail(struct dkim_verifier *v, const unsigned char *raw, size_t len,
    const char *reporting_domain, struct ti_auth *auth, struct ti_err *err)
{
	struct mail m;
	DKIM *d;
	DKIM_STAT st;
	int ret = 0;

	/* skip an mbox From_ line (Postfix local(8), procmail) */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const unsigned char *nl = memchr(raw, '\n', len);

		if (nl == NULL)
			len = 0;
		else {
			len -= (size_t)(nl + 1 - raw);
			raw = nl + 1;
		}
	}
	memset(&m, 0, sizeof(m));
	m.v = v;
	m.reporting = reporting_domain;
	d = dkim_verify(v->lib, (const u_char *)"tlsrpt-ingest", NULL, &st);
	if (d == NULL)
		return ti_err_set(err, TI_E_TEMP, "libopendkim: %s",
		    dkim_getresultstr(st));
	dkim_set_user_context(d, &m);
	st = dkim_chunk(d, (u_char *)raw, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(d, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, NULL);
	switch (st) {
	case DKIM_STAT_OK:
	case DKIM_STAT_BADSIG:
	case DKIM_STAT_NOKEY:
	case DKIM_STAT_CANTVRFY:
	case DKIM_STAT_REVOKED:
	case DKIM_STAT_KEYFAIL:
		mail_judge(&m, auth);
		break;
	case DKIM_STAT_NOSIG:
		if (m.n_notes > 0) /* all ignored by the prescreen */
			mail_judge(&m, auth);
		else if (has_dkim_field(raw, len)) {
			auth_set(auth, AUTH_DKIM, AUTH_PERMERROR);
			auth_reason(auth, "malformed DKIM-Signature field");
		} else {
			auth_set(auth, AUTH_DKIM, AUTH_RNONE);
			auth_reason(auth, "no DKIM signature");
		}
		break;
	case DKIM_STAT_SYNTAX: {
		const char *e = dkim_geterror(d);

		auth_set(auth, AUTH_DKIM, AUTH_PERMERROR);
		auth_reason(auth, "malformed header: %s",
		    e != NULL && *e != '\0' ? e : "syntax error");
		break;
	}
	default: {
		const char *e = dkim_geterror(d);

		ret = ti_err_set(err, TI_E_TEMP, "libopendkim: %s%s%s",
		    dkim_getresultstr(st), e != NULL && *e != '\0' ? ": " : "",
		    e != NULL ? e : "");
		break;
	}
	}
	/* A resolver that could not work is local trouble, unless a
	   signature passed without it. */
	if (ret == 0 && m.res_failed && !auth_passed(auth)) {
		auth_clear(auth);
		ret = ti_err_set(err, TI_E_TEMP, "%s", m.res_err.msg);
	}
	dkim_free(d);
	mail_free(&m);
	return ret;
}
