/*
 * check.h: tlsrpt check's network stages: what a domain publishes (DNS
 * records, the MTA-STS policy, its MX hosts and their STARTTLS, DANE),
 * held against RFC 8460, RFC 8461, RFC 7672, into a check_result.
 *
 * Stages, in order (the ids of tlsrpt(1)): check_dns() T*, S*, M1 and
 * the addresses; check_fetch() P* and C* (fetch.c, libcurl); then M2/M3
 * (the MX hosts against the policy); check_smtp() X* and D* (smtp.c,
 * OpenSSL), one thread per address.
 *
 * Design rationale:
 * - Every name is resolved by the checker itself, through dns/resolve.c
 *   (libunbound, DNSSEC status, the [dns] settings), and every
 *   connection goes to an address it resolved: libcurl is told the
 *   address (CURLOPT_RESOLVE), so no other resolver has a say.
 * - Addresses are probed as DNS gives them, loopback included: the
 *   admin chose the domain.  Nothing is sent to an MX beyond EHLO,
 *   STARTTLS and QUIT.
 * - The ports are options only for tests (a lab on loopback with ports
 *   picked at run time); a real check uses 443 and 25.
 */
#ifndef CHECK_CHECK_H
#define CHECK_CHECK_H

#include <stdint.h>

#include "dns/resolve.h"
#include "store/store.h"
#include "check/finding.h"
#include "check/parse.h"

struct check_opts {
	struct resolver *res;
	const char *ca_file; /* added to the system store; NULL: none */
	unsigned https_port; /* 443; another only for tests */
	unsigned smtp_port; /* 25; another only for tests */
	unsigned timeout_s; /* per connection; 0: 10 */
	int no_smtp; /* skip the X and D stages */
	const char *ehlo; /* the EHLO name; NULL: the host's name */
	struct store *store; /* --reports: the store; NULL: no R checks */
	int64_t reports_since; /* the reports looked at start then */
	/* The check history of the domain (tlsrpt digest): the rows of
	   earlier runs, oldest first, for R1 (the policy text changed
	   without a new id) and R3 (failures began when an MX key
	   changed); NULL: none kept.  now: this run's time. */
	const struct store_seen *history;
	size_t n_history;
	int64_t now;
	const struct ti_limits *limits;
};

/* One MX host and what DNS says about it. */
struct check_mx {
	char *host; /* normalised */
	unsigned pref;
	int implicit; /* no MX record: the domain itself */
	char **addrs; /* NULL: none */
	enum dns_sec addr_sec; /* of its A/AAAA answers (both secure?) */
	int tlsa_secure; /* _25._tcp.host TLSA answered secure */
	unsigned char **tlsa; /* usable TLSA rdata (usage 2 or 3) */
	size_t *tlsa_len;
	size_t n_tlsa;
};

/* What the stages pass on. */
struct check_state {
	char *domain;
	int has_sts; /* one valid MTA-STS record */
	char *sts_id;
	struct sts_policy policy;
	int have_policy; /* fetched and valid */
	int null_mx;
	enum dns_sec mx_sec;
	GPtrArray *mx; /* of struct check_mx * */
};

/* Check one domain (any case, a trailing dot or not, U-labels too). */
struct check_result *check_domain(const char *domain,
    const struct check_opts *o);

/* The stages, for check.c. */
int check_dns(struct check_result *r, struct check_state *st,
    const struct check_opts *o);
void check_fetch(struct check_result *r, struct check_state *st,
    const struct check_opts *o);
void check_coverage(struct check_result *r, struct check_state *st);
void check_smtp(struct check_result *r, struct check_state *st,
    const struct check_opts *o);
int check_reports(struct check_result *r, const struct check_state *st,
    const struct check_opts *o);
/* The cross-checks with the check history (reports.c): R1 when this
   run's policy text differs from the newest one seen under the same
   id; R3 for each MX whose failures (first_fail: normalised MX host ->
   the start of its first failing report, as int64_t *) began between
   the last run that saw its old key and the first that saw the new
   one.  Pure: the unit tests give fabricated rows. */
void check_history_findings(struct check_result *r,
    const struct store_seen *rows, size_t n, int64_t now,
    GHashTable *first_fail);

#endif
