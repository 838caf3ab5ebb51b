/*
 * resolve.h: every DNS lookup of the project, through libunbound.
 *
 * One resolver per process, made from tlsrpt.conf(5) [dns]: the servers
 * to forward to (default: the nameserver lines of /etc/resolv.conf), a
 * timeout per query, and a DNSSEC trust anchor file (default Debian's
 * root key; empty: no validation).  libunbound runs in thread mode
 * (ub_ctx_async(ctx, 1)), never fork mode.  No libunbound type crosses
 * this header.
 *
 * Design rationale:
 * - A missing name (NXDOMAIN), a name without that type (NODATA), a
 *   server failure, a timeout and a DNSSEC failure are five different
 *   answers, and callers decide differently on each: a missing DKIM key
 *   is permanent, an unreachable server is temporary.  glibc's
 *   res_nquery cannot tell them apart.
 * - libunbound's synchronous ub_resolve has no per-query timeout (17 s
 *   against a silent server): every query here is asynchronous with our
 *   own deadline, then cancelled.
 * - The context is created at the first query, so that a mail that needs
 *   no lookup pays nothing for it.
 * - A trust anchor named in the configuration is strict.  The default
 *   one is opportunistic: behind a forwarder that does not carry DNSSEC
 *   (the root DNSKEY set comes back unsigned, SERVFAIL or REFUSED)
 *   every answer would be bogus, so the first query asks for that set
 *   first and drops validation if it does not validate (answers are
 *   then DNS_INSECURE).  resolve.c has the details.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <stddef.h>

#include "ti.h"

/* RR types used by the project (RFC 1035, 6698) */
#define DNS_T_A 1
#define DNS_T_CNAME 5
#define DNS_T_MX 15
#define DNS_T_TXT 16
#define DNS_T_AAAA 28
#define DNS_T_TLSA 52

struct resolver_conf {
	const char *servers; /* "ADDR[@PORT] ..." (space or comma
				separated); NULL or "": /etc/resolv.conf */
	unsigned timeout_ms; /* per query; 0: the default, 5000 */
	const char *trust_anchor; /* DNSSEC anchor file; NULL: the default,
				     RESOLVE_DEFAULT_ANCHOR if it exists;
				     "": no validation */
};

#define RESOLVE_DEFAULT_ANCHOR "/usr/share/dns/root.key"

enum dns_status {
	DNS_OK, /* data of the asked type */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_NODATA, /* the name exists, without that type */
	DNS_SERVFAIL, /* SERVFAIL, REFUSED or another error rcode */
	DNS_TIMEOUT, /* no answer within the timeout */
	DNS_BOGUS, /* DNSSEC validation failed (the data is not given) */
};

enum dns_sec {
	DNS_INSECURE, /* no DNSSEC, or no trust anchor configured */
	DNS_SECURE, /* validated */
	DNS_SEC_BOGUS, /* validation failed */
};

struct dns_answer {
	enum dns_status status;
	enum dns_sec sec;
	int rcode; /* as received; -1 on a timeout */
	char *why_bogus; /* libunbound's text for DNS_BOGUS; else NULL */
	unsigned char *packet; /* the whole answer packet (wire format),
				  or NULL; for a caller that parses it
				  itself (libopendkim) */
	size_t packet_len;
	/* the answer's records of the asked type, rdata in wire format */
	unsigned char **rdata;
	size_t *rdata_len;
	size_t n_rdata;
	unsigned ttl;
	char *canonname; /* the name the data is at, when CNAMEs were
			    followed to it (no trailing dot); else NULL */
};

struct resolver;

/* Check *conf and keep a copy; nothing is opened yet.  TI_E_CONFIG on a
   bad server address or a trust anchor file that cannot be read.
   resolver_free() also frees every query not yet cancelled (do not
   resolver_cancel() them afterwards); NULL is fine. */
struct resolver *resolver_new(const struct resolver_conf *conf,
    struct ti_err *err);
void resolver_free(struct resolver *r);
/* The configured timeout in milliseconds. */
unsigned resolver_timeout_ms(const struct resolver *r);

/*
 * One lookup, waited for: name (absolute or not; no trailing dot
 * needed) of type rrtype, class IN.  Returns 0 with *a filled (whatever
 * the DNS said, including DNS_TIMEOUT), or -1 with *err set when the
 * resolver itself could not work (TI_E_TEMP: cannot create the
 * context, out of memory, a libunbound error).  Free *a with
 * dns_answer_clear() in every case.
 */
int resolver_query(struct resolver *r, const char *name, int rrtype,
    struct dns_answer *a, struct ti_err *err);

/*
 * The same in two steps, for a library that drives its own lookups
 * (libopendkim's DNS hooks): resolver_start() sends the query, then
 * resolver_wait() waits up to timeout_ms (0: the resolver's timeout)
 * and fills *a: 1 when the answer is in, 0 when the time ran out (the
 * query stays pending: wait again or cancel), -1 on an error.
 * resolver_cancel() ends a query in any state and frees it (NULL is
 * fine).  On 0, *a says DNS_TIMEOUT; waiting again on an answered query
 * gives the same answer again.  With the default trust anchor the first
 * resolver_start() of a resolver may block up to the timeout (the
 * DNSSEC probe above); resolver_query() spends one timeout in all.
 */
struct dns_query;
int resolver_start(struct resolver *r, const char *name, int rrtype,
    struct dns_query **q, struct ti_err *err);
int resolver_wait(struct dns_query *q, unsigned timeout_ms,
    struct dns_answer *a, struct ti_err *err);
void resolver_cancel(struct dns_query *q);

void dns_answer_clear(struct dns_answer *a);

/* "ok", "nxdomain", "nodata", "servfail", "timeout", "bogus" */
const char *dns_status_name(enum dns_status s);
/* "secure", "insecure", "bogus" */
const char *dns_sec_name(enum dns_sec s);

/*
 * The TXT records of an answer (of a DNS_T_TXT query: the rdata are not
 * checked to be TXT), each record's strings joined into one
 * NUL-terminated string (RFC 7208 §3.3, RFC 6376 §3.6.2.2), as a
 * NULL-terminated vector (g_strfreev), or NULL when there are none.
 * A string with a NUL byte in it is cut there.
 */
char **dns_answer_txt(const struct dns_answer *a);

/*
 * A domain name in wire format (uncompressed, as libunbound hands out
 * rdata) at p[*off], of a record len bytes long: the name in text, no
 * trailing dot ("." for the root), lowercase, *off moved past it; NULL
 * when malformed.  g_free the result.
 */
char *dns_wire_name(const unsigned char *p, size_t len, size_t *off);

/* The addresses of an A or AAAA answer as text (g_strfreev), or NULL. */
char **dns_answer_addrs(const struct dns_answer *a);

#endif
