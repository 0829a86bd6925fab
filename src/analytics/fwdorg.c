/* fwdorg.c - the organisation's domains and internal or external
 * (docs/FORWARDING.md "Internal or external"): consumer (free-mail)
 * domains, domains given, inferred from audit records, store owners and
 * headers, and the verdict per (mailbox, destination).
 */
#include "analytics/forwarding.h"
#include "analytics/fwdpic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

void mh_fw_org_drop(struct mh_fwd *f)
{
	f->org_ready = 0;
	mh_strmap_release(&f->org, NULL);
	for (size_t i = 0; i < f->norgv; i++)
		free((char *)f->orgv[i].domain);
	free(f->orgv);
	f->orgv = NULL;
	f->norgv = 0;
}

/* MARK: - internal or external */

/* Consumer (free-mail) domains: one mailbox per person, never an
 * organisation (spec "Internal or external"). Exact names match the name
 * and its subdomains; stems match "stem.tld" and "stem.xx.tld" /
 * "stem.xxx.tld" (hotmail.co.uk, yahoo.com.br) and their subdomains. */
static const char *const consumer_exact[] = {
        "gmail.com",      "googlemail.com", "outlook.com",    "msn.com",
        "ymail.com",      "rocketmail.com", "aim.com",        "icloud.com",
        "me.com",         "mac.com",        "proton.me",      "pm.me",
        "protonmail.com", "protonmail.ch",  "tuta.io",        "web.de",
        "t-online.de",    "freenet.de",     "mailbox.org",    "mail.com",
        "mail.ru",        "inbox.ru",       "list.ru",        "bk.ru",
        "ya.ru",          "zoho.com",       "zohomail.com",   "fastmail.com",
        "fastmail.fm",    "hushmail.com",   "qq.com",         "163.com",
        "126.com",        "yeah.net",       "sina.com",       "naver.com",
        "hanmail.net",    "daum.net",       "rediffmail.com", "orange.fr",
        "wanadoo.fr",     "free.fr",        "laposte.net",    "libero.it",
        "virgilio.it",    "seznam.cz",      "wp.pl",          "o2.pl",
        "interia.pl",     "onet.pl",        "comcast.net",    "verizon.net",
        "att.net",        "sbcglobal.net",  "btinternet.com",
};
static const char *const consumer_stem[] = {
        "hotmail",  "live", "yahoo",  "aol",
        "tutanota", "gmx",  "posteo", "yandex",
};

/* "stem.tld" or "stem.xx.tld" / "stem.xxx.tld" exactly. */
static int stem_tail(const char *d, const char *stem)
{
	size_t n = strlen(stem);
	if (strncmp(d, stem, n) != 0 || d[n] != '.')
		return 0;
	const char *rest = d + n + 1;
	const char *dot = strchr(rest, '.');
	if (!*rest || rest[0] == '.')
		return 0;
	if (!dot)
		return 1;
	if (dot - rest > 3 || !dot[1] || strchr(dot + 1, '.'))
		return 0;
	return 1;
}

int mh_fwd_consumer_domain(const char *domain)
{
	char d[ADDR_MAX];
	if (!domain || !*domain)
		return 0;
	snprintf(d, sizeof(d), "%s", domain);
	mh_fw_lower(d);
	size_t k = strlen(d);
	while (k && d[k - 1] == '.')
		d[--k] = '\0';
	/* The domain and each of its parents. */
	for (const char *p = d; *p;) {
		for (size_t i = 0;
		     i < sizeof(consumer_exact) / sizeof(consumer_exact[0]);
		     i++)
			if (!strcmp(p, consumer_exact[i]))
				return 1;
		for (size_t i = 0;
		     i < sizeof(consumer_stem) / sizeof(consumer_stem[0]); i++)
			if (stem_tail(p, consumer_stem[i]))
				return 1;
		const char *dot = strchr(p, '.');
		if (!dot)
			break;
		p = dot + 1;
	}
	return 0;
}

/* d equals or is a subdomain of parent. */
int mh_fw_under(const char *d, const char *parent)
{
	size_t n = strlen(d), pn = strlen(parent);
	if (!pn || n < pn || strcmp(d + n - pn, parent) != 0)
		return 0;
	return n == pn || d[n - pn - 1] == '.';
}

static int org_put(struct mh_fwd *f, const char *d, size_t dn,
                   const char *source, uint64_t messages)
{
	void **slot;
	int created;
	if (mh_strmap_upsert(&f->org, d, dn, &slot, &created))
		return MH_ENOMEM;
	if (!created)
		return MH_OK;
	struct mh_fwd_org_domain *v =
	        realloc(f->orgv, (f->norgv + 1) * sizeof(*v));
	char *copy = strndup(d, dn);
	if (!v || !copy) {
		free(copy);
		if (v)
			f->orgv = v;
		return MH_ENOMEM;
	}
	f->orgv = v;
	v[f->norgv].domain = copy;
	v[f->norgv].source = source;
	v[f->norgv].messages = messages;
	f->norgv++;
	*slot = (void *)(uintptr_t)f->norgv;
	return MH_OK;
}

/* Domains (and their parents, each label suffix of a destination domain)
 * that received forwarding from a mailbox outside them or from an
 * unknown mailbox: never inferred from headers (spec rule (c)). */
static int foreign_targets(struct mh_fwd *f, struct mh_strmap *out)
{
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	void **slot;
	while ((s = mh_strmap_next(&f->aggs, &pos)) != NULL) {
		const struct agg *a = s->val;
		if (!a || !strcmp(a->dest, UNKNOWN))
			continue;
		const char *md = strcmp(a->mailbox, UNKNOWN)
		                         ? mh_fw_domain_of(a->mailbox)
		                         : "";
		for (const char *d = mh_fw_domain_of(a->dest); *d;) {
			if (!*md || !mh_fw_under(md, d))
				if (mh_strmap_add(out, d, &slot, NULL))
					return MH_ENOMEM;
			const char *dot = strchr(d, '.');
			if (!dot)
				break;
			d = dot + 1;
		}
	}
	return MH_OK;
}

static int org_cmp(const void *a, const void *b)
{
	const struct mh_fwd_org_domain *x = a, *y = b;
	return strcmp(x->domain, y->domain);
}

int mh_fw_org_build(struct mh_fwd *f)
{
	const struct mh_strmap_slot **v = NULL;
	size_t n = 0;
	struct mh_strmap foreign = MH_STRMAP_INIT;
	int rc = MH_ENOMEM;
	if (f->org_ready)
		return MH_OK;
	mh_fw_org_drop(f);
	if (f->given_org.n) {
		if (mh_strmap_sorted(&f->given_org, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++)
			if (org_put(f, v[i]->key, v[i]->klen, "given", 0))
				goto done;
	} else {
		/* Domains that received forwarding from outside (or from an
		 * unknown mailbox): never inferred, whatever the source. A
		 * store owner comes from a path, and a file name inside the
		 * scanned tree ("x@evil.example.mbox") is no proof that the
		 * exfiltration's destination is the organisation's. */
		if (foreign_targets(f, &foreign))
			goto done;
		/* The tenant's own domains named by its audit records
		 * (OrganizationName, its users' and mailboxes' UPN domains,
		 * GWS actors): the tenant wrote them, an outsider's mail did
		 * not, so they hold even when they receive forwarding. */
		if (mh_strmap_sorted(&f->tenant_dom, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++)
			if (!mh_fwd_consumer_domain(v[i]->key) &&
			    org_put(f, v[i]->key, v[i]->klen, "audit-tenant",
			            0))
				goto done;
		free(v);
		v = NULL;
		/* Store owners: trusted otherwise (no message count), but
		 * never a consumer domain. */
		if (mh_strmap_sorted(&f->owner_dom, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++)
			if (!mh_fwd_consumer_domain(v[i]->key) &&
			    !mh_strmap_get(&foreign, v[i]->key) &&
			    org_put(f, v[i]->key, v[i]->klen, "store-owner", 0))
				goto done;
		free(v);
		v = NULL;
		/* Forwarding mailboxes named in headers: enough messages,
		 * not consumer, and never a destination of outsiders. */
		if (mh_strmap_sorted(&f->mdom, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++) {
			uint64_t w = (uint64_t)(uintptr_t)v[i]->val;
			const char *d = v[i]->key;
			if (w < 2 || !strchr(d, '.') || d[0] == '.' ||
			    mh_fwd_consumer_domain(d) ||
			    mh_strmap_get(&foreign, d))
				continue;
			if (org_put(f, d, v[i]->klen, "headers", w))
				goto done;
		}
	}
	if (f->norgv > 1) {
		qsort(f->orgv, f->norgv, sizeof(*f->orgv), org_cmp);
		for (size_t i = 0; i < f->norgv; i++) {
			void **slot = mh_strmap_get(&f->org, f->orgv[i].domain);
			if (slot)
				*slot = (void *)(uintptr_t)(i + 1);
		}
	}
	f->org_ready = 1;
	rc = MH_OK;
done:
	free(v);
	mh_strmap_release(&foreign, NULL);
	if (rc != MH_OK)
		mh_fw_org_drop(f);
	return rc;
}

int mh_fwd_org_domains(struct mh_fwd *f, const struct mh_fwd_org_domain **v,
                       size_t *n)
{
	int rc = mh_fw_org_build(f);
	if (v)
		*v = f->orgv;
	if (n)
		*n = f->norgv;
	return rc;
}

/* Equal to or a subdomain of an org domain: try the domain and each of
 * its parents ("a.b.corp.example", "b.corp.example", "corp.example"). */
static int internal_in(const struct mh_strmap *org, const char *domain)
{
	const char *d = domain;
	while (*d) {
		if (mh_strmap_get(org, d))
			return 1;
		const char *dot = strchr(d, '.');
		if (!dot)
			break;
		d = dot + 1;
	}
	return 0;
}

int mh_fwd_domain_internal(struct mh_fwd *f, const char *domain)
{
	char d[ADDR_MAX];
	if (!domain || !*domain || mh_fw_org_build(f))
		return 0;
	snprintf(d, sizeof(d), "%s", domain);
	mh_fw_lower(d);
	return internal_in(&f->org, d);
}

/* Spec "Internal or external", rules 1-6: 1 external, 0 internal, -1
 * undecided. org_build must have run. */
int mh_fw_externality(struct mh_fwd *f, const char *mailbox, const char *dest)
{
	if (!strcmp(dest, UNKNOWN) || !*mh_fw_domain_of(dest))
		return -1;
	const char *dd = mh_fw_domain_of(dest);
	if (internal_in(&f->org, dd))
		return 0;
	if (f->given_org.n)
		return 1;
	int mknown = strcmp(mailbox, UNKNOWN) != 0 && *mh_fw_domain_of(mailbox);
	if (mknown && !mh_fwd_consumer_domain(mh_fw_domain_of(mailbox)) &&
	    mh_fw_under(dd, mh_fw_domain_of(mailbox)))
		return 0;
	if (mknown || f->norgv)
		return 1;
	return -1;
}
