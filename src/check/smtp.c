/*
 * smtp.c: each address of each MX on port 25 (X1-X6), and DANE where the
 * MX has usable TLSA records (D4): connect, EHLO, STARTTLS, the TLS
 * handshake, QUIT.  Nothing else is ever sent.
 *
 * Design rationale:
 * - One thread per address (at most MAX_PROBES in all), each with its own
 *   SSL and its own findings; they are added to the result in MX and
 *   address order after all have ended, so that the output is stable.
 * - One handshake gives both verdicts.  With TLSA records OpenSSL's own
 *   RFC 7671 code decides DANE (SSL_dane_enable, SSL_dane_tlsa_add;
 *   usages 2 and 3 only, and DANE_FLAG_NO_DANE_EE_NAMECHECKS because
 *   RFC 7672 §3.1.1 checks neither name nor dates for DANE-EE, which
 *   OpenSSL does by default).  The MTA-STS (PKIX) verdict is a second
 *   X509_verify_cert() over the served chain with the system store
 *   (plus [tls] ca-file) and the MX name, its callback noting every
 *   error instead of stopping at the first: an expired certificate for
 *   the wrong name is two findings.
 * - The handshake always completes (SSL_VERIFY_NONE): the checker looks
 *   at what was served, as an opportunistic sender would see it.
 * - Severities follow what a sender does: under an MTA-STS policy in
 *   enforce mode a certificate problem stops delivery (error), in
 *   testing mode it is reported (warning); with neither MTA-STS nor DANE
 *   senders do not check certificates (info).  A DANE mismatch always
 *   stops DANE senders (error).
 * - The client accepts any protocol version and cipher (security level
 *   0), so that a server stuck on TLS 1.0 is reported as such (X3), not
 *   as a failed handshake.
 * - Bounded: each step waits at most --timeout, and a probe ends after
 *   6 x --timeout in all (the probes run at once).
 * - SNI is the MX name (the TLSA base domain: no CNAME is followed for
 *   MX hosts here).  After the 220 to STARTTLS, bytes already waiting
 *   mean the server (or a middlebox) answered ahead: a warning.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "ti.h"
#include "check/check.h"

#define MAX_PROBES 32
#define EXPIRY_WARN_DAYS 14

struct probe {
	const struct check_opts *o;
	const struct check_mx *mx;
	const char *addr;
	enum check_sev pkix_sev; /* what a PKIX failure is worth */
	const char *why_pkix; /* "under mode enforce", ... */
	struct check_result *out; /* this probe's findings */
	int64_t deadline; /* monotonic ms: the probe ends by then */
	int fd;
	char buf[4096];
	size_t len;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for ev on fd: at most the timeout, and never past the probe's
   deadline. */
static int
wait_fd(const struct probe *pr, int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left = pr->deadline - now_ms();
	int64_t ms = (int64_t)pr->o->timeout_s * 1000;
	int n;

	if (left < ms)
		ms = left;
	if (ms <= 0)
		return -1;
	do
		n = poll(&p, 1, (int)ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int
tcp_connect(struct probe *pr, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char port[8];
	int fd, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", pr->o->smtp_port);
	if (getaddrinfo(pr->addr, port, &hints, &ai) != 0) {
		snprintf(err, errlen, "not an address");
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (rc < 0 &&
	    (wait_fd(pr, fd, POLLOUT) < 0 ||
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
		soerr != 0)) {
		snprintf(err, errlen, "%s",
		    soerr != 0 ? strerror(soerr) : "timed out");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/*
 * Read one SMTP reply (all its lines) into *text; its code, or -1 on a
 * timeout, a closed connection or garbage.  Bytes after the reply stay
 * in pr->buf.
 */
static int
read_reply(struct probe *pr, GString *text)
{
	g_string_truncate(text, 0);
	for (;;) {
		char *nl = memchr(pr->buf, '\n', pr->len);
		ssize_t n;

		if (nl != NULL) {
			size_t ll = (size_t)(nl - pr->buf) + 1;
			int last = ll >= 4 && pr->buf[3] != '-';
			int code = ll >= 4 && g_ascii_isdigit(pr->buf[0]) &&
				g_ascii_isdigit(pr->buf[1]) &&
				g_ascii_isdigit(pr->buf[2])
			    ? (pr->buf[0] - '0') * 100 +
				(pr->buf[1] - '0') * 10 + (pr->buf[2] - '0')
			    : -1;

			g_string_append_len(text, pr->buf, (gssize)ll);
			memmove(pr->buf, pr->buf + ll, pr->len - ll);
			pr->len -= ll;
			if (code < 0 || text->len > 65536)
				return -1;
			if (last)
				return code;
			continue;
		}
		if (pr->len == sizeof(pr->buf) ||
		    wait_fd(pr, pr->fd, POLLIN) < 0)
			return -1;
		n = read(pr->fd, pr->buf + pr->len, sizeof(pr->buf) - pr->len);
		if (n <= 0)
			return -1;
		pr->len += (size_t)n;
	}
}

static int
send_line(struct probe *pr, const char *line)
{
	size_t n = strlen(line);

	return write(pr->fd, line, n) == (ssize_t)n ? 0 : -1;
}

/* The first line of a reply, without its line end, for messages. */
static char *
first_line(const GString *t)
{
	return g_strndup(t->str, strcspn(t->str, "\r\n"));
}

static int
verify_note(int ok, X509_STORE_CTX *ctx)
{
	unsigned *seen = X509_STORE_CTX_get_app_data(ctx);
	int e = X509_STORE_CTX_get_error(ctx);

	if (!ok && seen != NULL) {
		switch (e) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
			seen[0] = 1;
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			seen[1] = 1;
			break;
		case X509_V_ERR_HOSTNAME_MISMATCH:
			seen[2] = 1;
			break;
		default:
			if (seen[3] == 0)
				seen[3] = (unsigned)e;
			break;
		}
	}
	return 1;
}

/* The SHA-256 of the leaf's SubjectPublicKeyInfo, in hex. */
static char *
spki_sha256(X509 *cert)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	GString *s = g_string_new(NULL);

	if (n > 0 &&
	    EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1)
		for (unsigned i = 0; i < mdlen; i++)
			g_string_append_printf(s, "%02x", md[i]);
	OPENSSL_free(der);
	return g_string_free(s, FALSE);
}

static void
pkix(struct probe *pr, SSL *ssl, const char *where)
{
	struct check_result *r = pr->out;
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	unsigned seen[4] = { 0, 0, 0, 0 };
	int days = 0, secs = 0;

	if (leaf == NULL) {
		check_add(r, "X4", pr->pkix_sev, "serve a certificate",
		    "%s served no certificate%s", where, pr->why_pkix);
		goto out;
	}
	{
		/* for the check history (R3: a new key on the day failures
		   began) */
		char *key = g_strdup_printf("%s [%s]", pr->mx->host, pr->addr);
		char *spki = spki_sha256(leaf), na[24];
		struct tm tm;

		check_see(r, "spki", key, spki);
		if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) {
			snprintf(na, sizeof(na), "%lld",
			    (long long)timegm(&tm));
			check_see(r, "notafter", key, na);
		}
		g_free(spki);
		g_free(key);
	}
	X509_STORE_set_default_paths(store);
	if (pr->o->ca_file != NULL)
		X509_STORE_load_file(store, pr->o->ca_file);
	X509_STORE_set_verify_cb(store, verify_note);
	if (X509_STORE_CTX_init(ctx, store, leaf, chain) == 1) {
		X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);

		X509_VERIFY_PARAM_set1_host(vp, pr->mx->host, 0);
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		X509_STORE_CTX_set_app_data(ctx, seen);
		(void)X509_verify_cert(ctx);
	}
	if (seen[3] != 0)
		check_add(r, "X4", pr->pkix_sev,
		    "serve a certificate from a public CA, with its "
		    "intermediates (smtpd_tls_chain_files)",
		    "%s: certificate not trusted: %s%s", where,
		    X509_verify_cert_error_string(seen[3]), pr->why_pkix);
	if (seen[2])
		check_add(r, "X5", pr->pkix_sev,
		    "get a certificate whose names include the MX host name",
		    "%s: certificate is not valid for %s%s", where,
		    pr->mx->host, pr->why_pkix);
	if (seen[0])
		check_add(r, "X6", pr->pkix_sev,
		    "renew the certificate and reload the mail server",
		    "%s: certificate expired%s", where, pr->why_pkix);
	else if (seen[1])
		check_add(r, "X6", pr->pkix_sev,
		    "check the server's clock and the certificate's dates",
		    "%s: certificate not valid yet%s", where, pr->why_pkix);
	else if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf)) &&
	    days < EXPIRY_WARN_DAYS)
		check_add(r, "X6",
		    pr->pkix_sev == CHECK_INFO ? CHECK_INFO : CHECK_WARNING,
		    "renew the certificate (is the renewal job running?)",
		    "%s: certificate expires in %d day%s", where, days,
		    days == 1 ? "" : "s");
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

static void
dane(struct probe *pr, SSL *ssl, const char *where)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	char *served;
	GString *recs = g_string_new(NULL);

	if (SSL_get0_dane_authority(ssl, NULL, NULL) >= 0 &&
	    SSL_get_verify_result(ssl) == X509_V_OK) {
		g_string_free(recs, TRUE);
		return;
	}
	served = leaf != NULL ? spki_sha256(leaf) : g_strdup("none");
	for (size_t i = 0; i < pr->mx->n_tlsa; i++) {
		const unsigned char *p = pr->mx->tlsa[i];
		size_t len = pr->mx->tlsa_len[i];

		g_string_append_printf(recs, "%s%u %u %u ", i ? ", " : "", p[0],
		    p[1], p[2]);
		for (size_t k = 3; k < len && k < 3 + 8; k++)
			g_string_append_printf(recs, "%02x", p[k]);
		if (len > 3 + 8)
			g_string_append(recs, "...");
	}
	check_add(pr->out, "D4", CHECK_ERROR,
	    "publish a TLSA record for the served key (3 1 1 <sha256 of its "
	    "SPKI>), keep the old one for 2 TTLs; or serve the key the "
	    "records name",
	    "%s: no TLSA record at _25._tcp.%s matches the served chain "
	    "(%s); records: %s; served SPKI sha256 is %s",
	    where, pr->mx->host,
	    X509_verify_cert_error_string(SSL_get_verify_result(ssl)),
	    recs->str, served);
	g_free(served);
	g_string_free(recs, TRUE);
}

static gpointer
probe_run(gpointer arg)
{
	struct probe *pr = arg;
	const struct check_opts *o = pr->o;
	struct check_result *r = pr->out;
	char *where = g_strdup_printf("%s [%s]", pr->mx->host, pr->addr);
	GString *t = g_string_new(NULL);
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
	char err[256], *line, *ehlo;
	int code, have_tlsa = pr->mx->n_tlsa > 0;
	enum check_sev tls_sev = have_tlsa ? CHECK_ERROR
	    : pr->pkix_sev == CHECK_INFO   ? CHECK_WARNING
					   : CHECK_ERROR;

	pr->fd = tcp_connect(pr, err, sizeof(err));
	if (pr->fd < 0) {
		check_add(r, "X1", CHECK_ERROR,
		    "make the MX accept connections on port 25 at every "
		    "address (IPv4 and IPv6)",
		    "cannot connect to %s: %s", where, err);
		goto out;
	}
	if ((code = read_reply(pr, t)) != 220) {
		line = first_line(t);
		check_add(r, "X1", CHECK_ERROR,
		    "make the MX greet with 220 (is it overloaded or "
		    "blocking this host?)",
		    "%s greets with \"%s\", not 220", where,
		    code < 0 ? "nothing" : line);
		g_free(line);
		goto quit;
	}
	ehlo = g_strdup_printf("EHLO %s\r\n",
	    o->ehlo != NULL ? o->ehlo : g_get_host_name());
	code = send_line(pr, ehlo) < 0 ? -1 : read_reply(pr, t);
	g_free(ehlo);
	if (code != 250) {
		check_add(r, "X2", tls_sev, "make the MX answer EHLO with 250",
		    "%s does not accept EHLO", where);
		goto quit;
	}
	{
		char *low = g_ascii_strdown(t->str, (gssize)t->len);
		int offered = strstr(low, "-starttls\r\n") != NULL ||
		    strstr(low, " starttls\r\n") != NULL ||
		    strstr(low, "-starttls\n") != NULL ||
		    strstr(low, " starttls\n") != NULL;

		g_free(low);
		if (!offered) {
			check_add(r, "X2", tls_sev,
			    "turn on STARTTLS (Postfix: "
			    "smtpd_tls_security_level = may, with a "
			    "certificate)",
			    "%s does not offer STARTTLS%s", where,
			    have_tlsa ? " (its TLSA records require it)"
				      : pr->why_pkix);
			goto quit;
		}
	}
	if (send_line(pr, "STARTTLS\r\n") < 0 ||
	    (code = read_reply(pr, t)) != 220) {
		line = first_line(t);
		check_add(r, "X2", tls_sev,
		    "check the mail server's TLS settings and its log",
		    "%s refuses STARTTLS: \"%s\"", where,
		    code < 0 ? "no answer" : line);
		g_free(line);
		goto quit;
	}
	if (pr->len > 0)
		check_add(r, "X2", CHECK_WARNING,
		    "find what answers ahead of the TLS handshake (a "
		    "middlebox?)",
		    "%s sent bytes after its 220 to STARTTLS", where);
	sctx = SSL_CTX_new(TLS_client_method());
	if (sctx != NULL) {
		/* see what an opportunistic sender gets, old TLS included,
		   whatever the system's openssl.cnf asks of clients */
		SSL_CTX_set_min_proto_version(sctx, 0);
		SSL_CTX_set_security_level(sctx, 0);
		SSL_CTX_set_cipher_list(sctx, "ALL:@SECLEVEL=0");
	}
	ssl = sctx != NULL ? SSL_new(sctx) : NULL;
	if (ssl == NULL) {
		check_incomplete(r, "cannot set up TLS");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_tlsext_host_name(ssl, pr->mx->host);
	if (have_tlsa && SSL_CTX_dane_enable(sctx) > 0 &&
	    SSL_dane_enable(ssl, pr->mx->host) > 0) {
		SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
		SSL_add1_host(ssl, pr->mx->host);
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		for (size_t i = 0; i < pr->mx->n_tlsa; i++) {
			const unsigned char *p = pr->mx->tlsa[i];

			(void)SSL_dane_tlsa_add(ssl, p[0], p[1], p[2], p + 3,
			    pr->mx->tlsa_len[i] - 3);
		}
	} else {
		have_tlsa = 0;
	}
	SSL_set_fd(ssl, pr->fd);
	{
		struct timeval tv = { .tv_sec = (time_t)o->timeout_s };

		setsockopt(pr->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(pr->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (SSL_connect(ssl) != 1) {
		unsigned long e = ERR_get_error();

		check_add(r, "X2", tls_sev,
		    "check the certificate and key files and the TLS "
		    "settings of the mail server",
		    "TLS handshake with %s fails: %s", where,
		    e != 0 ? ERR_reason_error_string(e) : "connection closed");
		goto out;
	}
	if (SSL_version(ssl) < TLS1_2_VERSION)
		check_add(r, "X3", CHECK_WARNING,
		    "allow TLS 1.2 and 1.3 (Postfix: smtpd_tls_protocols)",
		    "%s negotiates %s: older than TLS 1.2", where,
		    SSL_get_version(ssl));
	pkix(pr, ssl, where);
	if (have_tlsa)
		dane(pr, ssl, where);
	(void)SSL_write(ssl, "QUIT\r\n", 6);
	(void)SSL_shutdown(ssl);
	goto out;
quit:
	(void)send_line(pr, "QUIT\r\n");
out:
	if (ssl != NULL)
		SSL_free(ssl);
	if (sctx != NULL)
		SSL_CTX_free(sctx);
	if (pr->fd >= 0)
		close(pr->fd);
	g_string_free(t, TRUE);
	g_free(where);
	return NULL;
}

void
check_smtp(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	struct probe probes[MAX_PROBES];
	GThread *threads[MAX_PROBES];
	size_t n = 0;
	enum check_sev sev = CHECK_INFO;
	const char *why = " (senders without MTA-STS or DANE do not check "
			  "it)";

	if (st->mx == NULL || st->null_mx)
		return;
	if (st->have_policy && st->policy.mode == STS_MODE_ENFORCE) {
		sev = CHECK_ERROR;
		why = ": MTA-STS senders in enforce mode refuse to deliver";
	} else if (st->have_policy && st->policy.mode == STS_MODE_TESTING) {
		sev = CHECK_WARNING;
		why = ": MTA-STS senders will report failures (mode testing)";
	}
	for (size_t j = 0; j < st->mx->len; j++) {
		struct check_mx *m = g_ptr_array_index(st->mx, j);

		for (size_t i = 0; m->addrs != NULL && m->addrs[i] != NULL;
		     i++) {
			struct probe *pr = &probes[n];

			if (n == MAX_PROBES) {
				check_add(r, "X1", CHECK_INFO, NULL,
				    "only the first %d MX addresses were "
				    "probed",
				    MAX_PROBES);
				goto run;
			}
			memset(pr, 0, sizeof(*pr));
			pr->o = o;
			pr->mx = m;
			pr->addr = m->addrs[i];
			pr->pkix_sev = m->n_tlsa > 0 && sev == CHECK_INFO
			    ? CHECK_INFO
			    : sev;
			pr->why_pkix = why;
			pr->out = check_result_new(st->domain);
			pr->fd = -1;
			pr->deadline = now_ms() + (int64_t)o->timeout_s * 6000;
			n++;
		}
	}
run:
	for (size_t i = 0; i < n; i++)
		threads[i] = g_thread_new("probe", probe_run, &probes[i]);
	for (size_t i = 0; i < n; i++) {
		g_thread_join(threads[i]);
		check_result_take(r, probes[i].out);
		if (probes[i].out->incomplete != NULL)
			check_incomplete(r, "%s", probes[i].out->incomplete);
		check_result_free(probes[i].out);
	}
}
