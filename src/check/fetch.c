/*
 * fetch.c: the MTA-STS policy fetch (P1-P6), the way RFC 8461 §3.3 says
 * senders fetch it, then its content (C1-C5, parse.c).
 *
 * Design rationale:
 * - libcurl connects to the address the checker resolved itself
 *   (CURLOPT_CONNECT_TO), while the URL, SNI, Host and the certificate
 *   name check stay on mta-sts.DOMAIN: no other resolver has a say, and
 *   a test lab needs no /etc/hosts.
 * - A sender's rules, not a browser's: https only, no redirect followed
 *   (a 3xx is reported with its target), no proxy from the environment,
 *   200 only, the size capped while reading (CURLOPT_MAXFILESIZE only
 *   acts on a Content-Length; a chunked body is cut by the write
 *   callback), the media type compared without its parameters.
 * - [tls] ca-file adds a CA to the system store (an SSL_CTX callback),
 *   instead of replacing it as CURLOPT_CAINFO would.
 * - Bounded: all the fetches of a domain share 4 x --timeout (each at
 *   most what is left), then the domain is incomplete.
 * - Every address of mta-sts.DOMAIN is fetched: one that fails is a
 *   sender that sometimes cannot fetch the policy.  The content is
 *   checked once, from the first address that served it; another
 *   address that serves other bytes is a warning.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <glib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "ti.h"
#include "check/check.h"

#define EXPIRY_WARN_DAYS 14

struct body {
	GString *data;
	int too_big;
	int cert_days; /* days until the served certificate expires */
	int cert_seen;
	CURL *curl;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	if (b->data->len + size * n > CHECK_POLICY_MAX) {
		b->too_big = 1;
		return 0;
	}
	g_string_append_len(b->data, p, (gssize)(size * n));
	return size * n;
}

/* Days left on the peer certificate, read while the connection is up. */
static void
note_cert(struct body *b)
{
	struct curl_tlssessioninfo *ti = NULL;
	X509 *cert;
	int days = 0, secs = 0;

	if (b->cert_seen ||
	    curl_easy_getinfo(b->curl, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK ||
	    ti == NULL || ti->backend != CURLSSLBACKEND_OPENSSL ||
	    ti->internals == NULL)
		return;
	cert = SSL_get1_peer_certificate((SSL *)ti->internals);
	if (cert == NULL)
		return;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert))) {
		b->cert_days = days;
		b->cert_seen = 1;
	}
	X509_free(cert);
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	note_cert(arg);
	return size * n;
}

static CURLcode
on_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);

	(void)curl;
	if (arg != NULL && X509_STORE_load_file(store, arg) != 1)
		return CURLE_SSL_CACERT_BADFILE;
	return CURLE_OK;
}

/* Is the media type text/plain (parameters ignored)? */
static int
text_plain(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	return n == 10 && g_ascii_strncasecmp(ct, "text/plain", 10) == 0;
}

/* Fetch from one address; findings named with where.  Returns the body
   (g_string_free) when the fetch itself succeeded with a 200. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static GString *
fetch_one(struct check_result *r, const char *host, const char *addr,
    const char *where, const struct check_opts *o, int first, int64_t left_ms)
{
	char *url = g_strdup_printf("https://%s/.well-known/mta-sts.txt", host);
	char *connect_to = g_strdup_printf(
	    strchr(addr, ':') != NULL ? "%s:443:[%s]:%u" : "%s:443:%s:%u", host,
	    addr, o->https_port);
	struct curl_slist *ct = curl_slist_append(NULL, connect_to);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { 0 };
	CURL *c = curl_easy_init();
	CURLcode rc;
	long code = 0, verify = 0;
	char *ctype = NULL, *redirect = NULL;
	GString *ret = NULL;

	if (c == NULL) {
		check_incomplete(r, "cannot start libcurl");
		goto out;
	}
	b.data = g_string_new(NULL);
	b.curl = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, ct);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)CHECK_POLICY_MAX);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tlsrpt-check/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (o->ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)o->ca_file);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect);
	if (errbuf[0] == '\0')
		g_strlcpy(errbuf, curl_easy_strerror(rc), sizeof(errbuf));
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (rc == CURLE_FILESIZE_EXCEEDED || b.too_big) {
			check_add(r, "P5", CHECK_ERROR,
			    "serve the policy file itself (a few hundred "
			    "bytes)",
			    "policy at %s%s is over 64 KiB: senders stop "
			    "reading it",
			    url, where);
			goto out;
		}
		/* FALLTHROUGH */
	default:
		check_add(r, "P1", CHECK_ERROR,
		    "make mta-sts.DOMAIN answer HTTPS on port 443 at every "
		    "address",
		    "cannot fetch %s%s: %s", url, where, errbuf);
		goto out;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		check_add(r, "P2", CHECK_ERROR,
		    "serve a certificate for the policy host from a public CA "
		    "(e.g. Let's Encrypt), with its intermediates",
		    "TLS to %s%s fails: %s%s%s", host, where, errbuf,
		    verify != 0 ? ": " : "",
		    verify != 0 ? X509_verify_cert_error_string(verify) : "");
		goto out;
	}
	if (b.cert_seen && b.cert_days < EXPIRY_WARN_DAYS && first)
		check_add(r, "P2", CHECK_WARNING,
		    "renew the certificate (is the renewal job running?)",
		    "the certificate of %s%s expires in %d day%s", host, where,
		    b.cert_days, b.cert_days == 1 ? "" : "s");
	if (code >= 300 && code < 400) {
		check_add(r, "P3", CHECK_ERROR,
		    "serve the file at this very URL with status 200, without "
		    "a redirect",
		    "%s%s answers HTTP %ld%s%s: senders do not follow "
		    "redirects",
		    url, where, code, redirect != NULL ? " to " : "",
		    redirect != NULL ? redirect : "");
		goto out;
	}
	if (code != 200) {
		check_add(r, "P3", CHECK_ERROR,
		    "serve the policy at /.well-known/mta-sts.txt with status "
		    "200",
		    "%s%s answers HTTP %ld, not 200: senders treat it as "
		    "no policy",
		    url, where, code);
		goto out;
	}
	if (first && !text_plain(ctype))
		check_add(r, "P4", CHECK_WARNING,
		    "serve it as text/plain (nginx: default_type text/plain;)",
		    "%s%s is served as %s, not text/plain: some senders "
		    "reject it",
		    url, where, ctype != NULL ? ctype : "no media type");
	ret = b.data;
	b.data = NULL;
out:
	if (b.data != NULL)
		g_string_free(b.data, TRUE);
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(ct);
	g_free(connect_to);
	g_free(url);
	return ret;
}

void
check_fetch(struct check_result *r, struct check_state *st,
    const struct check_opts *o)
{
	char *host = g_strdup_printf("mta-sts.%s", st->domain);
	struct check_mx m = { 0 };
	GString *first = NULL;
	struct ti_err err = { 0 };
	size_t n = 0;
	int64_t deadline;

	if (!st->has_sts)
		goto out;
	/* the addresses, as for an MX host */
	for (int t = 0; t < 2; t++) {
		struct dns_answer a;
		char **v;

		if (resolver_query(o->res, host, t == 0 ? DNS_T_A : DNS_T_AAAA,
			&a, &err) < 0 ||
		    a.status == DNS_TIMEOUT || a.status == DNS_SERVFAIL) {
			check_incomplete(r, "DNS %s %s: %s", host,
			    t == 0 ? "A" : "AAAA",
			    err.msg[0] != '\0' ? err.msg
					       : dns_status_name(a.status));
			dns_answer_clear(&a);
			goto out;
		}
		if ((v = dns_answer_addrs(&a)) != NULL) {
			GPtrArray *all = g_ptr_array_new();

			for (size_t i = 0; m.addrs != NULL && m.addrs[i]; i++)
				g_ptr_array_add(all, m.addrs[i]);
			for (size_t i = 0; v[i] != NULL; i++)
				g_ptr_array_add(all, v[i]);
			g_ptr_array_add(all, NULL);
			g_free(m.addrs);
			g_free(v);
			m.addrs = (char **)g_ptr_array_free(all, FALSE);
		}
		dns_answer_clear(&a);
	}
	if (m.addrs == NULL) {
		check_add(r, "P1", CHECK_ERROR,
		    "publish an A/AAAA record (or a CNAME) for the policy host",
		    "%s does not resolve: senders cannot fetch the policy of "
		    "%s",
		    host, st->domain);
		goto out;
	}
	n = g_strv_length(m.addrs);
	deadline = now_ms() + (int64_t)o->timeout_s * 4000;
	for (size_t i = 0; i < n && i < 8; i++) {
		int64_t left = deadline - now_ms();
		char *where;
		GString *body;

		if (left < 1000) {
			check_incomplete(r,
			    "the time for fetching the policy ran out before "
			    "%s [%s]",
			    host, m.addrs[i]);
			break;
		}
		where =
		    n > 1 ? g_strdup_printf(" [%s]", m.addrs[i]) : g_strdup("");
		body = fetch_one(r, host, m.addrs[i], where, o, first == NULL,
		    left);

		if (body != NULL && first == NULL) {
			char *url = g_strdup_printf(
			    "https://%s/.well-known/mta-sts.txt", host);

			first = body;
			if (check_policy(r, url, first->str, first->len,
				&st->policy) == 0) {
				char *sum = g_compute_checksum_for_data(
				    G_CHECKSUM_SHA256,
				    (const guchar *)first->str, first->len);

				st->have_policy = 1;
				/* for the check history (R1: the text
				   changed, the id did not) */
				check_see(r, "policy",
				    st->sts_id != NULL ? st->sts_id : "", sum);
				g_free(sum);
			}
			g_free(url);
		} else if (body != NULL) {
			if (!g_string_equal(body, first))
				check_add(r, "P1", CHECK_WARNING,
				    "serve the same file at every address",
				    "%s%s serves another policy than %s", host,
				    where, m.addrs[0]);
			g_string_free(body, TRUE);
		}
		g_free(where);
	}
out:
	if (first != NULL)
		g_string_free(first, TRUE);
	g_strfreev(m.addrs);
	g_free(host);
}
