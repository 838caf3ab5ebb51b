/*
 * resolve.c: every DNS lookup of the project, through libunbound in
 * thread mode, each query asynchronous with our own deadline.
 *
 * Design rationale:
 * - resolver_new() only checks and copies the configuration; the
 *   ub_ctx (and its thread) is made at the first query.
 * - One callback shape for everything: ub_resolve_async()'s callback
 *   runs only inside our ub_process() and just parks the ub_result in
 *   the query.  The query is ours from resolver_start() to
 *   resolver_cancel() (or resolver_free()); after a successful
 *   ub_cancel() libunbound never calls back, so a cancelled or timed
 *   out query frees its own memory and nothing of libunbound's is left
 *   to it.  Every ub_result is freed with ub_resolve_free().
 * - A bogus answer comes from libunbound with rcode 0 and the data: we
 *   check bogus first and hand out no data, only why_bogus.
 * - A forwarder that does not do DNSSEC (strips RRSIGs, or a middlebox
 *   that drops DO queries) makes every answer bogus under a root trust
 *   anchor, and so every DKIM key a temporary failure for ever.  An
 *   anchor named in tlsrpt.conf(5) is strict: bogus stays bogus.  The
 *   default anchor (trust_anchor NULL) is opportunistic: at the first
 *   query we first ask for the root DNSKEY set (which validation needs
 *   anyway); unless it comes back secure (bogus: unsigned; SERVFAIL or
 *   REFUSED: the forwarder will not give it) the path cannot carry
 *   DNSSEC, and the context is made again without an anchor (answers
 *   are then "insecure").  No answer in time proves nothing, and the
 *   anchor stays.  resolver_query() gives the probe and the query one
 *   deadline; resolver_start() may block up to the timeout for it.
 * - Deterministic answers: no prefetch, no serve-expired, no
 *   ub_ctx_hosts (a DKIM key never comes from /etc/hosts).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <unbound.h>

#include "config.h"
#include "dns/resolve.h"

#define RESOLVE_DEFAULT_TIMEOUT 5000

struct resolver {
	char **servers; /* "ADDR@PORT" or "ADDR"; NULL: resolv.conf */
	unsigned timeout_ms;
	char *anchor; /* NULL: no validation */
	int anchor_implicit; /* the default anchor: opportunistic */
	struct ub_ctx *ctx;
	struct dns_query *queries; /* pending or answered, not cancelled */
};

struct dns_query {
	struct resolver *r;
	int async_id;
	int done; /* the callback ran */
	int ub_err; /* its error, UB_NOERROR or other */
	struct ub_result *result;
	struct dns_query *prev, *next;
};

static int
check_server(const char *s, struct ti_err *err)
{
	const char *at = strchr(s, '@');
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char buf[sizeof(struct in6_addr)];
	size_t n = at != NULL ? (size_t)(at - s) : strlen(s);

	if (n == 0 || n >= sizeof(addr))
		return ti_err_set(err, TI_E_CONFIG,
		    "dns resolver: '%s' is not an IP address", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1)
		return ti_err_set(err, TI_E_CONFIG,
		    "dns resolver: '%s' is not an IP address", s);
	if (at != NULL) {
		const char *p = at + 1;
		unsigned long port = 0;

		if (*p == '\0')
			return ti_err_set(err, TI_E_CONFIG,
			    "dns resolver: '%s': no port after '@'", s);
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				break;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (*p != '\0' || port < 1 || port > 65535)
			return ti_err_set(err, TI_E_CONFIG,
			    "dns resolver: '%s': bad port (1..65535)", s);
	}
	return 0;
}

struct resolver *
resolver_new(const struct resolver_conf *conf, struct ti_err *err)
{
	struct resolver *r = g_new0(struct resolver, 1);
	const char *ta = conf->trust_anchor;

	r->timeout_ms =
	    conf->timeout_ms != 0 ? conf->timeout_ms : RESOLVE_DEFAULT_TIMEOUT;
	if (conf->servers != NULL) {
		char **v = g_strsplit_set(conf->servers, " \t,", -1);
		size_t i, n = 0;

		for (i = 0; v[i] != NULL; i++) {
			if (v[i][0] == '\0') {
				g_free(v[i]);
				continue;
			}
			v[n++] = v[i];
			if (check_server(v[n - 1], err) < 0) {
				for (i++; v[i] != NULL; i++)
					g_free(v[i]);
				v[n] = NULL;
				g_strfreev(v);
				goto fail;
			}
		}
		v[n] = NULL;
		if (n == 0)
			g_strfreev(v);
		else
			r->servers = v;
	}
	if (ta == NULL) {
		if (access(RESOLVE_DEFAULT_ANCHOR, R_OK) == 0) {
			r->anchor = g_strdup(RESOLVE_DEFAULT_ANCHOR);
			r->anchor_implicit = 1;
		}
	} else if (ta[0] != '\0') {
		FILE *f = fopen(ta, "r");

		if (f == NULL) {
			ti_err_set(err, TI_E_CONFIG, "dns trust-anchor %s: %s",
			    ta, strerror(errno));
			goto fail;
		}
		fclose(f);
		r->anchor = g_strdup(ta);
	}
	return r;
fail:
	resolver_free(r);
	return NULL;
}

static void
query_free(struct dns_query *q)
{
	struct resolver *r = q->r;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	if (q->result != NULL)
		ub_resolve_free(q->result);
	g_free(q);
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	/* ub_ctx_delete() stops the thread and drops what it still holds
	   of our queries; their callbacks never run. */
	if (r->ctx != NULL)
		ub_ctx_delete(r->ctx);
	r->ctx = NULL;
	while (r->queries != NULL)
		query_free(r->queries);
	g_strfreev(r->servers);
	g_free(r->anchor);
	g_free(r);
}

unsigned
resolver_timeout_ms(const struct resolver *r)
{
	return r->timeout_ms;
}

static int
ub_fail(struct ti_err *err, const char *what, int rc)
{
	return ti_err_set(err, TI_E_TEMP, "dns: %s: %s", what, ub_strerror(rc));
}

/* A new context with our settings; the anchor only if with_anchor. */
static struct ub_ctx *
ctx_make(struct resolver *r, int with_anchor, struct ti_err *err)
{
	static const char *const opts[][2] = {
		{ "prefetch:", "no" },
		{ "prefetch-key:", "no" },
		{ "serve-expired:", "no" },
	};
	struct ub_ctx *ctx = ub_ctx_create();
	size_t i;
	int rc;

	if (ctx == NULL) {
		ti_err_set(err, TI_E_TEMP, "dns: cannot create the context");
		return NULL;
	}
	if ((rc = ub_ctx_async(ctx, 1)) != 0) {
		ub_fail(err, "thread mode", rc);
		goto fail;
	}
	for (i = 0; i < nitems(opts); i++)
		if ((rc = ub_ctx_set_option(ctx, opts[i][0], opts[i][1])) !=
		    0) {
			ub_fail(err, opts[i][0], rc);
			goto fail;
		}
	if (r->servers != NULL) {
		for (i = 0; r->servers[i] != NULL; i++)
			if ((rc = ub_ctx_set_fwd(ctx, r->servers[i])) != 0) {
				ti_err_set(err, TI_E_TEMP,
				    "dns: forward to %s: %s", r->servers[i],
				    ub_strerror(rc));
				goto fail;
			}
	} else if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0) {
		/* UB_READFILE: no resolv.conf; ub_strerror is vague */
		ti_err_set(err, TI_E_TEMP, "dns: /etc/resolv.conf: %s",
		    rc == UB_READFILE ? strerror(errno) : ub_strerror(rc));
		goto fail;
	}
	if (with_anchor && r->anchor != NULL &&
	    (rc = ub_ctx_add_ta_file(ctx, r->anchor)) != 0) {
		ti_err_set(err, TI_E_TEMP, "dns: trust anchor %s: %s",
		    r->anchor, ub_strerror(rc));
		goto fail;
	}
	return ctx;
fail:
	ub_ctx_delete(ctx);
	return NULL;
}

static void
query_done(void *arg, int ub_err, struct ub_result *result)
{
	struct dns_query *q = arg;

	q->done = 1;
	q->ub_err = ub_err;
	q->result = result;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run ub_process() until q is answered or the deadline passes: 1, 0, -1. */
static int
await(struct dns_query *q, int64_t deadline, struct ti_err *err)
{
	struct ub_ctx *ctx = q->r->ctx;

	while (!q->done) {
		struct pollfd pfd = { .fd = ub_fd(ctx), .events = POLLIN };
		int64_t left = deadline - now_ms();
		int n, rc;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno != EINTR)
			return ti_err_set(err, TI_E_TEMP, "dns: poll: %s",
			    strerror(errno));
		if (n > 0 && (rc = ub_process(ctx)) != 0)
			return ub_fail(err, "process", rc);
	}
	return 1;
}

static int
query_send(struct resolver *r, const char *name, int rrtype,
    struct dns_query **qp, struct ti_err *err)
{
	struct dns_query *q = g_new0(struct dns_query, 1);
	int rc;

	q->r = r;
	rc = ub_resolve_async(r->ctx, name, rrtype, 1 /* IN */, q, query_done,
	    &q->async_id);
	if (rc != 0) {
		g_free(q);
		*qp = NULL;
		return ti_err_set(err, TI_E_TEMP, "dns: query %s: %s", name,
		    ub_strerror(rc));
	}
	q->next = r->queries;
	if (q->next != NULL)
		q->next->prev = q;
	r->queries = q;
	*qp = q;
	return 0;
}

static void
query_cancel(struct dns_query *q)
{
	if (!q->done && q->r->ctx != NULL)
		(void)ub_cancel(q->r->ctx, q->async_id);
	query_free(q);
}

/*
 * The default anchor: does the path to the servers carry DNSSEC?  Ask
 * for the root DNSKEY set by the deadline: anything but a secure answer
 * (bogus: unsigned, SERVFAIL, REFUSED) means no, and the context is made
 * again without the anchor.  No answer in time proves nothing.
 */
static int
probe_dnssec(struct resolver *r, int64_t deadline, struct ti_err *err)
{
	struct dns_query *q;
	int rc, drop;

	if (query_send(r, ".", 48 /* DNSKEY */, &q, err) < 0)
		return -1;
	rc = await(q, deadline, err);
	drop = rc == 1 && q->ub_err == 0 && q->result != NULL &&
	    !q->result->secure;
	query_cancel(q);
	if (rc < 0)
		return -1;
	if (drop) {
		ub_ctx_delete(r->ctx);
		r->ctx = ctx_make(r, 0, err);
		if (r->ctx == NULL)
			return -1;
		g_free(r->anchor);
		r->anchor = NULL;
	}
	r->anchor_implicit = 0;
	return 0;
}

static int
ctx_ready(struct resolver *r, int64_t deadline, struct ti_err *err)
{
	if (r->ctx != NULL)
		return 0;
	r->ctx = ctx_make(r, 1, err);
	if (r->ctx == NULL)
		return -1;
	if (r->anchor != NULL && r->anchor_implicit &&
	    probe_dnssec(r, deadline, err) < 0) {
		if (r->ctx != NULL)
			ub_ctx_delete(r->ctx);
		r->ctx = NULL;
		return -1;
	}
	return 0;
}

static int
start_by(struct resolver *r, const char *name, int rrtype, struct dns_query **q,
    int64_t deadline, struct ti_err *err)
{
	*q = NULL;
	if (ctx_ready(r, deadline, err) < 0)
		return -1;
	return query_send(r, name, rrtype, q, err);
}

int
resolver_start(struct resolver *r, const char *name, int rrtype,
    struct dns_query **q, struct ti_err *err)
{
	return start_by(r, name, rrtype, q, now_ms() + r->timeout_ms, err);
}

static void
answer_init(struct dns_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status = DNS_TIMEOUT;
	a->sec = DNS_INSECURE;
	a->rcode = -1;
}

static void
answer_fill(struct dns_answer *a, const struct ub_result *res)
{
	size_t i, n = 0;

	a->rcode = res->rcode;
	a->ttl = res->ttl > 0 ? (unsigned)res->ttl : 0;
	if (res->bogus) {
		a->status = DNS_BOGUS;
		a->sec = DNS_SEC_BOGUS;
		a->why_bogus = g_strdup(res->why_bogus != NULL
			? res->why_bogus
			: "DNSSEC validation failed");
		return;
	}
	a->sec = res->secure ? DNS_SECURE : DNS_INSECURE;
	if (res->canonname != NULL && res->qname != NULL &&
	    g_ascii_strcasecmp(res->canonname, res->qname) != 0) {
		size_t cl = strlen(res->canonname);

		a->canonname = g_ascii_strdown(res->canonname,
		    cl > 1 && res->canonname[cl - 1] == '.' ? (gssize)cl - 1
							    : (gssize)cl);
		/* the qname may lack the trailing dot */
		if (g_ascii_strncasecmp(a->canonname, res->qname,
			strlen(a->canonname)) == 0 &&
		    (res->qname[strlen(a->canonname)] == '\0' ||
			strcmp(res->qname + strlen(a->canonname), ".") == 0)) {
			g_free(a->canonname);
			a->canonname = NULL;
		}
	}
	if (res->rcode == 0)
		a->status = res->havedata ? DNS_OK : DNS_NODATA;
	else if (res->rcode == 3)
		a->status = DNS_NXDOMAIN;
	else
		a->status = DNS_SERVFAIL;
	if (res->answer_packet != NULL && res->answer_len > 0) {
		a->packet =
		    g_memdup2(res->answer_packet, (size_t)res->answer_len);
		a->packet_len = (size_t)res->answer_len;
	}
	if (a->status != DNS_OK || res->data == NULL)
		return;
	while (res->data[n] != NULL)
		n++;
	a->rdata = g_new0(unsigned char *, n + 1);
	a->rdata_len = g_new0(size_t, n + 1);
	for (i = 0; i < n; i++) {
		size_t len = res->len[i] > 0 ? (size_t)res->len[i] : 0;

		/* one byte more, so that an empty rdata is not NULL */
		a->rdata[i] = g_malloc(len + 1);
		memcpy(a->rdata[i], res->data[i], len);
		a->rdata_len[i] = len;
	}
	a->n_rdata = n;
}

static int
wait_until(struct dns_query *q, int64_t deadline, struct dns_answer *a,
    struct ti_err *err)
{
	int rc;

	answer_init(a);
	if (q->r->ctx == NULL)
		return ti_err_set(err, TI_E_BUG, "dns: query without context");
	rc = await(q, deadline, err);
	if (rc <= 0)
		return rc;
	if (q->ub_err != 0 || q->result == NULL)
		return ub_fail(err, "resolve", q->ub_err);
	answer_fill(a, q->result);
	return 1;
}

int
resolver_wait(struct dns_query *q, unsigned timeout_ms, struct dns_answer *a,
    struct ti_err *err)
{
	return wait_until(q,
	    now_ms() + (timeout_ms != 0 ? timeout_ms : q->r->timeout_ms), a,
	    err);
}

void
resolver_cancel(struct dns_query *q)
{
	if (q != NULL)
		query_cancel(q);
}

int
resolver_query(struct resolver *r, const char *name, int rrtype,
    struct dns_answer *a, struct ti_err *err)
{
	struct dns_query *q;
	int rc;

	/* one deadline for the DNSSEC probe (if any) and the query */
	int64_t deadline = now_ms() + r->timeout_ms;

	answer_init(a);
	if (start_by(r, name, rrtype, &q, deadline, err) < 0)
		return -1;
	rc = wait_until(q, deadline, a, err);
	resolver_cancel(q);
	return rc < 0 ? -1 : 0;
}

void
dns_answer_clear(struct dns_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_rdata; i++)
		g_free(a->rdata[i]);
	g_free(a->rdata);
	g_free(a->rdata_len);
	g_free(a->packet);
	g_free(a->why_bogus);
	g_free(a->canonname);
	answer_init(a);
}

const char *
dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_NODATA:
		return "nodata";
	case DNS_SERVFAIL:
		return "servfail";
	case DNS_TIMEOUT:
		return "timeout";
	case DNS_BOGUS:
		break;
	}
	return "bogus";
}

const char *
dns_sec_name(enum dns_sec s)
{
	switch (s) {
	case DNS_SECURE:
		return "secure";
	case DNS_INSECURE:
		return "insecure";
	case DNS_SEC_BOGUS:
		break;
	}
	return "bogus";
}

char **
dns_answer_txt(const struct dns_answer *a)
{
	char **v;
	size_t i;

	if (a->n_rdata == 0)
		return NULL;
	v = g_new0(char *, a->n_rdata + 1);
	for (i = 0; i < a->n_rdata; i++) {
		const unsigned char *p = a->rdata[i];
		size_t len = a->rdata_len[i], off = 0;
		GString *s = g_string_new(NULL);

		while (off < len) {
			size_t n = p[off++];

			if (n > len - off)
				n = len -
				    off; /* malformed: take what is there */
			g_string_append_len(s, (const char *)p + off,
			    (gssize)n);
			off += n;
		}
		/* cut at a NUL byte */
		g_string_truncate(s, strlen(s->str));
		v[i] = g_string_free(s, FALSE);
	}
	return v;
}

char *
dns_wire_name(const unsigned char *p, size_t len, size_t *off)
{
	GString *s = g_string_new(NULL);
	size_t o = *off;

	while (o < len) {
		size_t n = p[o++];

		if (n == 0) {
			*off = o;
			if (s->len == 0)
				g_string_append_c(s, '.');
			return g_string_free(s, FALSE);
		}
		if (n > 63 || n > len - o || s->len + n > 253)
			break;
		if (s->len > 0)
			g_string_append_c(s, '.');
		for (size_t i = 0; i < n; i++)
			g_string_append_c(s, g_ascii_tolower((char)p[o + i]));
		o += n;
	}
	g_string_free(s, TRUE);
	return NULL;
}

char **
dns_answer_addrs(const struct dns_answer *a)
{
	GPtrArray *v = g_ptr_array_new();
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < a->n_rdata; i++) {
		if (a->rdata_len[i] == 4 &&
		    inet_ntop(AF_INET, a->rdata[i], buf, sizeof(buf)) != NULL)
			g_ptr_array_add(v, g_strdup(buf));
		else if (a->rdata_len[i] == 16 &&
		    inet_ntop(AF_INET6, a->rdata[i], buf, sizeof(buf)) != NULL)
			g_ptr_array_add(v, g_strdup(buf));
	}
	if (v->len == 0) {
		g_ptr_array_free(v, TRUE);
		return NULL;
	}
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}
