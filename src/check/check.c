/*
 * check.c: tlsrpt check for one domain: the DNS stage (T*, S*, M1, the
 * MX addresses and their TLSA records), MX coverage (M2, M3), and the
 * order of the stages (check.h).
 *
 * Design rationale:
 * - "Could not check" is not "clean": a server failure or a timeout on a
 *   name the domain needs marks the result incomplete (exit 75) instead
 *   of a finding, since nothing is known about what is published.
 * - The RFCs pick records by prefix ("v=TLSRPTv1", "v=STSv1"): other TXT
 *   records at the same name are ignored by senders, and said so only
 *   where they look like a botched record (S4 for the rest).
 * - A misplaced TLSRPT record (apex, "_tlsrpt", the draft's
 *   "_smtp-tlsrpt") is looked for only when the right name has none.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "check/check.h"

/* A query the domain's checks need; -1 (and the result incomplete) when
   DNS did not answer. */
static int
query(struct check_result *r, const struct check_opts *o, const char *name,
    int type, const char *tname, struct dns_answer *a)
{
	struct ti_err err = { 0 };

	if (resolver_query(o->res, name, type, a, &err) < 0) {
		check_incomplete(r, "DNS %s %s: %s", name, tname, err.msg);
		return -1;
	}
	if (a->status == DNS_TIMEOUT || a->status == DNS_SERVFAIL) {
		check_incomplete(r, "DNS %s %s: %s", name, tname,
		    dns_status_name(a->status));
		return -1;
	}
	return 0;
}

/* An answer that failed DNSSEC validation: an error of id. */
static int
bogus(struct check_result *r, const char *id, const char *name,
    const char *tname, const struct dns_answer *a)
{
	if (a->status != DNS_BOGUS)
		return 0;
	check_add(r, id, CHECK_ERROR,
	    "fix the zone's DNSSEC signatures (or its DS at the parent)",
	    "%s %s fails DNSSEC validation (%s): validating senders see "
	    "nothing",
	    name, tname, a->why_bogus != NULL ? a->why_bogus : "bogus");
	return 1;
}

/* Does txt look like a record meant to be of this version?  For the
   near misses: "V=tlsrptv1", "rua=..; v=TLSRPTv1". */
static int
looks_like(const char *txt, const char *word)
{
	char *low = g_ascii_strdown(txt, -1);
	int yes = strstr(low, word) != NULL;

	g_free(low);
	return yes;
}

static void
stage_tlsrpt(struct check_result *r, const struct check_opts *o, const char *d)
{
	static const char *const wrong[] = { "%s", "_tlsrpt.%s",
		"_smtp-tlsrpt.%s", "_smtp._tls._tcp.%s" };
	char *name = g_strdup_printf("_smtp._tls.%s", d);
	struct dns_answer a;
	char **txt = NULL;
	size_t n = 0, near = 0;
	const char *rec = NULL;

	if (query(r, o, name, DNS_T_TXT, "TXT", &a) < 0 ||
	    bogus(r, "T1", name, "TXT", &a))
		goto out;
	txt = dns_answer_txt(&a);
	for (size_t i = 0; txt != NULL && txt[i] != NULL; i++)
		if (check_txt_is(txt[i], CHECK_TLSRPT_VERSION)) {
			n++;
			rec = txt[i];
		} else if (looks_like(txt[i], "tlsrpt")) {
			near++;
			(void)check_tlsrpt_record(r, name, txt[i], NULL);
		}
	if (n > 1) {
		check_add(r, "T2", CHECK_ERROR,
		    "delete all but one record at that name",
		    "%zu TLSRPT records at %s: senders ignore them all", n,
		    name);
	} else if (n == 1) {
		(void)check_tlsrpt_record(r, name, rec, NULL);
	} else if (near == 0) {
		GString *found = g_string_new(NULL);

		for (size_t k = 0; k < nitems(wrong); k++) {
			char *w = g_strdup_printf(wrong[k], d);
			struct dns_answer b;
			char **v;
			struct ti_err err = { 0 };

			if (resolver_query(o->res, w, DNS_T_TXT, &b, &err) ==
				0 &&
			    b.status == DNS_OK &&
			    (v = dns_answer_txt(&b)) != NULL) {
				for (size_t i = 0; v[i] != NULL; i++)
					if (looks_like(v[i], "v=tlsrpt"))
						g_string_append_printf(found,
						    "%s%s",
						    found->len ? ", " : "", w);
				g_strfreev(v);
			}
			dns_answer_clear(&b);
			g_free(w);
		}
		if (found->len > 0)
			check_add(r, "T1", CHECK_ERROR,
			    "move the record to _smtp._tls. in front of the "
			    "domain",
			    "no TLSRPT record at %s, but one at %s, where "
			    "senders never look",
			    name, found->str);
		else
			check_add(r, "T1", CHECK_ERROR,
			    "publish a TLSRPT record (tlsrpt record prints it)",
			    "no TLSRPT record at %s: senders send no reports",
			    name);
		g_string_free(found, TRUE);
	}
out:
	g_strfreev(txt);
	dns_answer_clear(&a);
	g_free(name);
}

static void
stage_sts(struct check_result *r, struct check_state *st,
    const struct check_opts *o, const char *d)
{
	char *name = g_strdup_printf("_mta-sts.%s", d);
	struct dns_answer a;
	char **txt = NULL;
	size_t n = 0, near = 0, other = 0;
	const char *rec = NULL;

	if (query(r, o, name, DNS_T_TXT, "TXT", &a) < 0 ||
	    bogus(r, "S1", name, "TXT", &a))
		goto out;
	if (a.canonname != NULL)
		check_add(r, "S1", CHECK_INFO, NULL,
		    "%s is a CNAME; its record is at %s", name, a.canonname);
	txt = dns_answer_txt(&a);
	for (size_t i = 0; txt != NULL && txt[i] != NULL; i++)
		if (check_txt_is(txt[i], CHECK_STS_VERSION)) {
			n++;
			rec = txt[i];
		} else if (looks_like(txt[i], "v=sts") ||
		    looks_like(txt[i], "stsv1")) {
			near++;
			(void)check_sts_record(r, name, txt[i], NULL);
		} else {
			other++;
			check_add(r, "S4", CHECK_WARNING,
			    "remove it (a wildcard TXT or a CNAME may put it "
			    "there)",
			    "TXT at %s is not an MTA-STS record: \"%.60s\"",
			    name, txt[i]);
		}
	if (n > 1) {
		check_add(r, "S2", CHECK_ERROR,
		    "delete all but one record at that name, then bump its id",
		    "%zu MTA-STS records at %s: senders treat %s as having "
		    "no MTA-STS",
		    n, name, d);
	} else if (n == 1) {
		if (check_sts_record(r, name, rec, &st->sts_id) == 0)
			st->has_sts = 1;
	} else if (near == 0) {
		check_add(r, "S1", CHECK_INFO,
		    "publish MTA-STS in mode testing first (tlsrpt record)",
		    "no MTA-STS record at %s: senders may deliver to %s "
		    "without TLS",
		    a.canonname != NULL ? a.canonname : name, d);
	}
out:
	g_strfreev(txt);
	dns_answer_clear(&a);
	g_free(name);
}

static void
mx_free(void *p)
{
	struct check_mx *m = p;

	g_free(m->host);
	g_strfreev(m->addrs);
	for (size_t i = 0; i < m->n_tlsa; i++)
		g_free(m->tlsa[i]);
	g_free(m->tlsa);
	g_free(m->tlsa_len);
	g_free(m);
}

/* The A and AAAA records of host; -1 when DNS failed. */
static int
addresses(struct check_result *r, const struct check_opts *o,
    struct check_mx *m)
{
	static const int types[] = { DNS_T_A, DNS_T_AAAA };
	GPtrArray *all = g_ptr_array_new();
	int secure = 1, rc = 0;

	for (size_t t = 0; t < nitems(types); t++) {
		struct dns_answer a;
		char **v;

		if (query(r, o, m->host, types[t], t == 0 ? "A" : "AAAA", &a) <
		    0) {
			rc = -1;
			break;
		}
		if (bogus(r, "M1", m->host, t == 0 ? "A" : "AAAA", &a))
			secure = 0;
		if (a.sec != DNS_SECURE)
			secure = 0;
		if ((v = dns_answer_addrs(&a)) != NULL) {
			for (size_t i = 0; v[i] != NULL; i++)
				g_ptr_array_add(all, v[i]);
			g_free(v);
		}
		dns_answer_clear(&a);
	}
	m->addr_sec = secure ? DNS_SECURE : DNS_INSECURE;
	if (all->len > 0) {
		g_ptr_array_add(all, NULL);
		m->addrs = (char **)g_ptr_array_free(all, FALSE);
	} else {
		g_ptr_array_free(all, TRUE);
	}
	return rc;
}

static int
stage_mx(struct check_result *r, struct check_state *st,
    const struct check_opts *o, const char *d)
{
	struct dns_answer a;
	int rc = 0;

	st->mx = g_ptr_array_new_with_free_func(mx_free);
	if (query(r, o, d, DNS_T_MX, "MX", &a) < 0) {
		dns_answer_clear(&a);
		return -1;
	}
	if (bogus(r, "M1", d, "MX", &a)) {
		dns_answer_clear(&a);
		return 0;
	}
	st->mx_sec = a.sec;
	if (a.status == DNS_NXDOMAIN) {
		check_add(r, "M1", CHECK_ERROR, "check the domain's spelling",
		    "%s does not exist (NXDOMAIN)", d);
		dns_answer_clear(&a);
		return 0;
	}
	for (size_t i = 0; i < a.n_rdata; i++) {
		size_t off = 2;
		char *host;
		struct check_mx *m;

		if (a.rdata_len[i] < 3 ||
		    (host = dns_wire_name(a.rdata[i], a.rdata_len[i], &off)) ==
			NULL)
			continue;
		if (strcmp(host, ".") == 0) {
			st->null_mx = 1;
			g_free(host);
			continue;
		}
		for (size_t j = 0; j < st->mx->len; j++)
			if (strcmp(((struct check_mx *)g_ptr_array_index(st->mx,
					j))
				       ->host,
				host) == 0) {
				check_add(r, "M1", CHECK_WARNING,
				    "delete the duplicate MX record",
				    "MX %s is listed twice for %s", host, d);
				g_free(host);
				host = NULL;
				break;
			}
		if (host == NULL)
			continue;
		m = g_new0(struct check_mx, 1);
		m->host = host;
		m->pref = (unsigned)a.rdata[i][0] << 8 | a.rdata[i][1];
		g_ptr_array_add(st->mx, m);
	}
	dns_answer_clear(&a);
	if (st->null_mx && st->mx->len > 0) {
		check_add(r, "M1", CHECK_ERROR,
		    "delete the null MX (\"0 .\") or the other MX records",
		    "%s has a null MX (it receives no mail) beside %u other "
		    "MX records",
		    d, st->mx->len);
		g_ptr_array_set_size(st->mx, 0);
		return 0;
	}
	if (st->null_mx) {
		check_add(r, "M1", CHECK_INFO, NULL,
		    "%s has a null MX (RFC 7505): it receives no mail, so "
		    "no MX is checked",
		    d);
		if (st->has_sts)
			check_add(r, "M1", CHECK_WARNING,
			    "publish mode: none, or drop MTA-STS",
			    "%s publishes MTA-STS but receives no mail (null "
			    "MX)",
			    d);
		return 0;
	}
	if (st->mx->len == 0) {
		struct check_mx *m = g_new0(struct check_mx, 1);

		m->host = g_strdup(d);
		m->implicit = 1;
		g_ptr_array_add(st->mx, m);
	}
	for (size_t j = 0; j < st->mx->len; j++) {
		struct check_mx *m = g_ptr_array_index(st->mx, j);

		if (addresses(r, o, m) < 0) {
			rc = -1;
			break;
		}
		if (m->implicit && m->addrs == NULL) {
			check_add(r, "M1", CHECK_ERROR,
			    "publish an MX record for the host that receives "
			    "mail",
			    "%s has no MX record and no address: it receives "
			    "no mail (or publish a null MX, \"0 .\")",
			    d);
			g_ptr_array_set_size(st->mx, 0);
			break;
		}
		if (m->implicit)
			check_add(r, "M1", CHECK_WARNING,
			    "publish an MX record (e.g. \"10 mail.DOMAIN.\")",
			    "%s has no MX record: senders use its own address "
			    "(implicit MX)",
			    d);
		else if (m->addrs == NULL)
			check_add(r, "M1", CHECK_ERROR,
			    "give the host an A or AAAA record, or remove the "
			    "MX",
			    "MX %s of %s has no address (A or AAAA)", m->host,
			    d);
	}
	return rc;
}

/* TLSA at _25._tcp.MX for MX hosts whose MX and address records are
   secure (D1, D2, D3). */
static int
stage_tlsa(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	for (size_t j = 0; j < st->mx->len; j++) {
		struct check_mx *m = g_ptr_array_index(st->mx, j);
		char *name = g_strdup_printf("_25._tcp.%s", m->host);
		struct dns_answer a;
		GPtrArray *rd, *rl;
		size_t unusable = 0;

		if (query(r, o, name, DNS_T_TLSA, "TLSA", &a) < 0) {
			g_free(name);
			dns_answer_clear(&a);
			return -1;
		}
		if (bogus(r, "D2", name, "TLSA", &a)) {
			g_free(name);
			dns_answer_clear(&a);
			continue;
		}
		if (a.status == DNS_OK &&
		    (st->mx_sec != DNS_SECURE || m->addr_sec != DNS_SECURE ||
			a.sec != DNS_SECURE)) {
			check_add(r, "D1", CHECK_WARNING,
			    "sign the zones of the MX records, the MX host and "
			    "the TLSA record with DNSSEC, or drop the TLSA",
			    "TLSA at %s, but %s is not DNSSEC-secure: DANE is "
			    "inactive, senders ignore the TLSA",
			    name,
			    st->mx_sec != DNS_SECURE ? "the MX record set"
				: m->addr_sec != DNS_SECURE
				? "the MX host's address"
				: "the TLSA record");
			g_free(name);
			dns_answer_clear(&a);
			continue;
		}
		if (a.status != DNS_OK) {
			if (st->mx_sec == DNS_SECURE &&
			    m->addr_sec == DNS_SECURE)
				check_add(r, "D2", CHECK_INFO,
				    "publish \"_25._tcp.MX TLSA 3 1 1 <sha256 "
				    "of the key>\" to protect mail with DANE",
				    "%s is DNSSEC-signed but has no TLSA "
				    "record at %s (%s)",
				    m->host, name,
				    a.sec == DNS_SECURE ? "denial proven"
							: "denial not secure");
			g_free(name);
			dns_answer_clear(&a);
			continue;
		}
		m->tlsa_secure = 1;
		rd = g_ptr_array_new();
		rl = g_ptr_array_new();
		for (size_t i = 0; i < a.n_rdata; i++) {
			const unsigned char *p = a.rdata[i];
			size_t len = a.rdata_len[i];
			size_t want = len >= 3 && p[2] == 1 ? 32
			    : len >= 3 && p[2] == 2         ? 64
							    : 0;

			if (len < 4 || (p[0] != 2 && p[0] != 3) || p[1] > 1 ||
			    p[2] > 2 || (want != 0 && len - 3 != want)) {
				unusable++;
				check_add(r, "D3", CHECK_WARNING,
				    "use usage 3 (DANE-EE) or 2 (DANE-TA), "
				    "e.g. 3 1 1",
				    "TLSA %u %u %u at %s is unusable for SMTP "
				    "(RFC 7672: usages 2 and 3 only, selector "
				    "0/1, matching 0/1/2 of the right length)",
				    len > 0 ? p[0] : 0, len > 1 ? p[1] : 0,
				    len > 2 ? p[2] : 0, name);
				continue;
			}
			g_ptr_array_add(rd, g_memdup2(p, len));
			g_ptr_array_add(rl, GSIZE_TO_POINTER(len));
		}
		m->n_tlsa = rd->len;
		m->tlsa = (unsigned char **)g_ptr_array_free(rd, FALSE);
		m->tlsa_len = g_new0(size_t, rl->len + 1);
		for (size_t i = 0; i < rl->len; i++)
			m->tlsa_len[i] = GPOINTER_TO_SIZE(rl->pdata[i]);
		g_ptr_array_free(rl, TRUE);
		if (m->n_tlsa == 0)
			check_add(r, "D3", CHECK_ERROR,
			    "publish a 3 1 1 record for the served key",
			    "every TLSA record at %s is unusable: senders "
			    "that do DANE cannot deliver to %s",
			    name, m->host);
		else if (m->n_tlsa == 1)
			check_add(r, "D5", CHECK_WARNING,
			    "publish a second record: the next key's 3 1 1, "
			    "or 2 1 1 for the issuing CA",
			    "one usable TLSA record at %s: a key rollover "
			    "breaks delivery until the record changes",
			    name);
		(void)unusable;
		g_free(name);
		dns_answer_clear(&a);
	}
	return 0;
}

int
check_dns(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	stage_tlsrpt(r, o, st->domain);
	if (r->incomplete != NULL)
		return -1;
	stage_sts(r, st, o, st->domain);
	if (stage_mx(r, st, o, st->domain) < 0)
		return -1;
	if (stage_tlsa(r, st, o) < 0)
		return -1;
	return r->incomplete != NULL ? -1 : 0;
}

void
check_coverage(struct check_result *r, struct check_state *st)
{
	const struct sts_policy *p = &st->policy;
	enum check_sev sev;

	if (!st->have_policy || p->mode == STS_MODE_NONE || st->null_mx)
		return;
	sev = p->mode == STS_MODE_ENFORCE ? CHECK_ERROR : CHECK_WARNING;
	for (size_t j = 0; j < st->mx->len; j++) {
		struct check_mx *m = g_ptr_array_index(st->mx, j);
		const char *near = NULL;
		size_t i;

		for (i = 0; i < p->n_mx; i++)
			if (check_mx_match(p->mx[i], m->host))
				break;
		if (i < p->n_mx)
			continue;
		for (size_t k = 0; k < p->n_mx; k++) {
			size_t lp = strlen(p->mx[k]), lh = strlen(m->host);

			/* "*.x" against "a.b.x": one label too many */
			if (strncmp(p->mx[k], "*.", 2) == 0 && lh > lp - 1 &&
			    strcmp(m->host + lh - (lp - 1), p->mx[k] + 1) == 0)
				near = p->mx[k];
		}
		if (near != NULL)
			check_add(r, "M2", sev,
			    "add an mx line for it (\"*.\" covers exactly one "
			    "label), then bump the id",
			    "MX %s is not matched by the policy: \"%s\" covers "
			    "one label only%s",
			    m->host, near,
			    sev == CHECK_ERROR
				? "; senders refuse to deliver to "
				  "it"
				: "");
		else
			check_add(r, "M2", sev,
			    "add \"mx: HOST\" to the policy, then bump the id",
			    "MX %s is not in the policy's mx lines%s", m->host,
			    sev == CHECK_ERROR
				? ": senders refuse to deliver to "
				  "it"
				: ": reports will show failures");
	}
	for (size_t i = 0; i < p->n_mx; i++) {
		size_t j;

		for (j = 0; j < st->mx->len; j++)
			if (check_mx_match(p->mx[i],
				((struct check_mx *)g_ptr_array_index(st->mx,
				     j))
				    ->host))
				break;
		if (j == st->mx->len && st->mx->len > 0)
			check_add(r, "M3", CHECK_WARNING,
			    "remove the line (then bump the id) if the host "
			    "no longer receives mail",
			    "policy line \"mx: %s\" matches no MX of %s",
			    p->mx[i], st->domain);
	}
}

struct check_result *
check_domain(const char *domain, const struct check_opts *o)
{
	struct check_state st;
	struct check_result *r;
	char *ascii = g_hostname_to_ascii(domain);

	memset(&st, 0, sizeof(st));
	st.policy.max_age = -1;
	st.domain = check_host_norm(ascii != NULL ? ascii : domain);
	g_free(ascii);
	r = check_result_new(st.domain);
	if (check_dns(r, &st, o) == 0) {
		check_fetch(r, &st, o);
		check_coverage(r, &st);
		if (!o->no_smtp)
			check_smtp(r, &st, o);
		if (o->store != NULL)
			(void)check_reports(r, &st, o);
	}
	if (st.mx != NULL)
		g_ptr_array_free(st.mx, TRUE);
	sts_policy_clear(&st.policy);
	g_free(st.sts_id);
	g_free(st.domain);
	return r;
}
