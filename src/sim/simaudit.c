/* simaudit.c - the audit trail of a simulated case: people, files, the
 * time line, the truth (see simaudit.h; records are composed in
 * simaudm365.c and simaudgws.c).
 *
 * The planted records (the audit side of the mail scenarios, the audit
 * scenarios, the look-alikes) are composed first and kept; then benign
 * records are made in time order and the planted ones are written among
 * them when their time comes, so every file is ordered by time like an
 * export. Each Microsoft 365 record goes to every M365 file that holds
 * its kind (Sentinel's OfficeActivity table has no Entra ID or Security
 * & Compliance records); the records of one day also go to the rerun
 * file (a collector that fetched that day twice).
 */
#include "sim/simaudit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/slice.h"
#include "core/time.h"
#include "sim/simaudit_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* MARK: - formats */

static const struct {
	const char *name;
	unsigned bit;
} format_names[] = {
        {"ual", MH_SAF_UAL},           {"purview", MH_SAF_PURVIEW},
        {"sentinel", MH_SAF_SENTINEL}, {"gws", MH_SAF_GWS},
        {"all", MH_SAF_ALL},
};

int mh_simaudit_formats_parse(const char *list, unsigned *out,
                              struct mh_err *err)
{
	unsigned m = 0;
	const char *p = list;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		size_t i = 0;
		while (i < NELEM(format_names) &&
		       (strlen(format_names[i].name) != n ||
		        strncmp(format_names[i].name, p, n) != 0))
			i++;
		if (i == NELEM(format_names))
			return mh_err_set(err, MH_EINVAL,
			                  "unknown audit format '%.*s' (ual, "
			                  "purview, sentinel, gws, all)",
			                  (int)(n > 64 ? 64 : n), p);
		m |= format_names[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!m)
		return mh_err_set(err, MH_EINVAL, "no audit format named");
	*out = m;
	return MH_OK;
}

/* MARK: - output */

static int ioerr(struct sa *s, const char *what, const char *path)
{
	return mh_err_at(s->err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
	                 "cannot %s: %s", what, strerror(errno));
}

static int out_open(struct sa *s, struct sa_out *o, const char *name,
                    const char *shape, const char *head)
{
	struct mh_buf path = MH_BUF_INIT(8192);
	if (mh_buf_printf(&path, "%s/%s", s->o->out_dir, name)) {
		mh_buf_release(&path);
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	}
	o->path = mh_buf_detach(&path, NULL);
	o->name = name;
	o->shape = shape;
	if (!o->path)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	o->f = fopen(o->path, "wb");
	if (!o->f)
		return ioerr(s, "write", o->path);
	setvbuf(o->f, NULL, _IOFBF, (size_t)1 << 20);
	s->st->files++;
	if (head) {
		size_t n = strlen(head);
		if (fwrite(head, 1, n, o->f) != n)
			return ioerr(s, "write", o->path);
		o->bytes += n;
		s->st->bytes += n;
	}
	return MH_OK;
}

static int out_write(struct sa *s, struct sa_out *o, const char *p, size_t n)
{
	if (!o->f)
		return MH_OK;
	if (n && fwrite(p, 1, n, o->f) != n)
		return ioerr(s, "write", o->path);
	o->bytes += n;
	s->st->bytes += n;
	return MH_OK;
}

static int out_close(struct sa *s, struct sa_out *o, const char *tail)
{
	int rc = MH_OK;
	if (o->f && tail)
		rc = out_write(s, o, tail, strlen(tail));
	if (o->f && fclose(o->f) != 0 && !rc)
		rc = ioerr(s, "write", o->path);
	o->f = NULL;
	return rc;
}

/* A record as it is written: its JSON and its top-level members. */
struct view {
	const char *json, *raw;
	size_t jn;
	const struct mh_simrec_member *m;
	unsigned nm;
};

static struct mh_slice vget(const struct view *v, const char *key, int *type)
{
	for (unsigned i = 0; i < v->nm; i++)
		if (!strcmp(v->m[i].key, key)) {
			if (type)
				*type = (int)v->m[i].t;
			return mh_slice_make(v->raw + v->m[i].off, v->m[i].len);
		}
	if (type)
		*type = 0;
	return MH_SLICE_NULL;
}

static const char *record_type_name(long rt)
{
	switch (rt) {
	case 1: return "ExchangeAdmin";
	case 2: return "ExchangeItem";
	case 3: return "ExchangeItemGroup";
	case 4: return "SharePoint";
	case 6: return "SharePointFileOperation";
	case 8: return "AzureActiveDirectory";
	case 14: return "SharePointSharingOperation";
	case 15: return "AzureActiveDirectoryStsLogon";
	case 18: return "SecurityComplianceCenterEOPCmdlet";
	case 24: return "Discovery";
	case 25: return "MicrosoftTeams";
	case 50: return "ExchangeItemAggregated";
	case 101: return "ExchangeSearch";
	default: return NULL;
	}
}

static long num(struct mh_slice v)
{
	long n = 0;
	for (size_t i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
		n = n * 10 + (v.p[i] - '0');
	return n;
}

static void cell(struct mh_buf *b, struct mh_slice v)
{
	mh_simrec_csv_cell(b, v.p ? v.p : "", v.n);
}

/* Purview audit search export: the record in AuditData. */
static const char purview_head[] =
        "\xef\xbb\xbf"
        "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,"
        "AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n";

static int write_purview(struct sa *s, const struct view *v, int64_t t)
{
	struct mh_buf *b = &s->line;
	char d[40];
	mh_buf_reset(b);
	cell(b, vget(v, "Id", NULL));
	mh_simrec_time_purview(t, d);
	(void)mh_buf_addc(b, ',');
	(void)mh_buf_adds(b, d);
	(void)mh_buf_addc(b, ',');
	const char *rt = record_type_name(num(vget(v, "RecordType", NULL)));
	if (rt)
		(void)mh_buf_adds(b, rt);
	else
		cell(b, vget(v, "RecordType", NULL));
	(void)mh_buf_addc(b, ',');
	cell(b, vget(v, "Operation", NULL));
	(void)mh_buf_addc(b, ',');
	cell(b, vget(v, "UserId", NULL));
	(void)mh_buf_addc(b, ',');
	mh_simrec_csv_cell(b, v->json, v->jn);
	(void)mh_buf_add(b, ",,\r\n", 4);
	if (!b->p)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	s->purview.records++;
	return out_write(s, &s->purview, b->p, b->len);
}

/* Sentinel OfficeActivity: a Log Analytics CSV export. Columns in the
 * table's order (a subset); src is the record's member, or a rule. */
enum scol {
	SC_MEMBER,   /* the member as it is (composites pretty-printed) */
	SC_CONST,    /* src is the value */
	SC_TIME,     /* CreationTime as the portal writes it */
	SC_RTYPE,    /* RecordType: name, 50 stays a number */
	SC_UTYPE,    /* UserType name */
	SC_LOGON,    /* LogonType name */
	SC_RESULT,   /* True/False upper case, as the table has them */
	SC_BOOLTEXT, /* JSON boolean as TRUE/FALSE */
};

static const struct {
	const char *col, *src;
	enum scol how;
} sentinel_cols[] = {
        {"TenantId", "5b7b7c32-8f1e-4d7e-9d3c-0c1b2a3e4f50", SC_CONST},
        {"RecordType", "RecordType", SC_RTYPE},
        {"TimeGenerated [UTC]", "CreationTime", SC_TIME},
        {"Operation", "Operation", SC_MEMBER},
        {"OrganizationId", "OrganizationId", SC_MEMBER},
        {"UserType", "UserType", SC_UTYPE},
        {"UserKey", "UserKey", SC_MEMBER},
        {"OfficeWorkload", "Workload", SC_MEMBER},
        {"ResultStatus", "ResultStatus", SC_RESULT},
        {"OfficeObjectId", "ObjectId", SC_MEMBER},
        {"UserId", "UserId", SC_MEMBER},
        {"ClientIP", "ClientIP", SC_MEMBER},
        {"Site_Url", "SiteUrl", SC_MEMBER},
        {"SourceRelativeUrl", "SourceRelativeUrl", SC_MEMBER},
        {"SourceFileName", "SourceFileName", SC_MEMBER},
        {"SourceFileExtension", "SourceFileExtension", SC_MEMBER},
        {"UserAgent", "UserAgent", SC_MEMBER},
        {"Parameters", "Parameters", SC_MEMBER},
        {"ExternalAccess", "ExternalAccess", SC_BOOLTEXT},
        {"OriginatingServer", "OriginatingServer", SC_MEMBER},
        {"OrganizationName", "OrganizationName", SC_MEMBER},
        {"Logon_Type", "LogonType", SC_LOGON},
        {"InternalLogonType", "InternalLogonType", SC_MEMBER},
        {"MailboxGuid", "MailboxGuid", SC_MEMBER},
        {"MailboxOwnerUPN", "MailboxOwnerUPN", SC_MEMBER},
        {"MailboxOwnerSid", "MailboxOwnerSid", SC_MEMBER},
        {"LogonUserSid", "LogonUserSid", SC_MEMBER},
        {"ClientInfoString", "ClientInfoString", SC_MEMBER},
        {"Client_IPAddress", "ClientIPAddress", SC_MEMBER},
        {"Folder", "Folder", SC_MEMBER},
        {"DestFolder", "DestFolder", SC_MEMBER},
        {"Folders", "Folders", SC_MEMBER},
        {"AffectedItems", "AffectedItems", SC_MEMBER},
        {"Item", "Item", SC_MEMBER},
        {"ModifiedProperties", "ModifiedProperties", SC_MEMBER},
        {"SourceSystem", "OfficeActivityManager", SC_CONST},
        {"OfficeId", "Id", SC_MEMBER},
        {"SourceRecordId", "Id", SC_MEMBER},
        {"OfficeTenantId", "OrganizationId", SC_MEMBER},
        {"ChatThreadId", "ChatThreadId", SC_MEMBER},
        {"CommunicationType", "CommunicationType", SC_MEMBER},
        {"OperationProperties", "OperationProperties", SC_MEMBER},
        {"AppId", "AppId", SC_MEMBER},
        {"ClientAppId", "ClientAppId", SC_MEMBER},
        {"Type", "OfficeActivity", SC_CONST},
};

static const char *const user_types[] = {
        "Regular",           "Reserved",     "Admin",
        "DcAdmin",           "System",       "Application",
        "ServicePrincipal",  "CustomPolicy", "SystemPolicy",
        "PartnerTechnician", "Guest"};
static const char *const logon_types[] = {
        "Owner",         "Admin",      "Delegated",     "Transport",
        "SystemService", "BestAccess", "DelegatedAdmin"};

static int sentinel_wants(const struct view *v)
{
	struct mh_slice w = vget(v, "Workload", NULL);
	return mh_slice_eq(w, MH_SLICE_LIT("Exchange")) ||
	       mh_slice_eq(w, MH_SLICE_LIT("SharePoint")) ||
	       mh_slice_eq(w, MH_SLICE_LIT("OneDrive")) ||
	       mh_slice_eq(w, MH_SLICE_LIT("MicrosoftTeams"));
}

static int write_sentinel(struct sa *s, const struct view *v, int64_t t)
{
	struct mh_buf *b = &s->line;
	mh_buf_reset(b);
	for (size_t i = 0; i < NELEM(sentinel_cols); i++) {
		if (i)
			(void)mh_buf_addc(b, ',');
		int type = 0;
		const char *src = sentinel_cols[i].src;
		struct mh_slice val = sentinel_cols[i].how == SC_CONST
		                              ? mh_slice_cstr(src)
		                              : vget(v, src, &type);
		char d[40];
		switch (sentinel_cols[i].how) {
		case SC_CONST: cell(b, val); break;
		case SC_TIME:
			mh_simrec_time_us(t, d);
			mh_simrec_csv_cell(b, d, strlen(d));
			break;
		case SC_RTYPE: {
			long rt = num(val);
			const char *n = rt == 50 ? NULL : record_type_name(rt);
			if (n)
				(void)mh_buf_adds(b, n);
			else
				cell(b, val);
			break;
		}
		case SC_UTYPE:
		case SC_LOGON: {
			long k = num(val);
			int u = sentinel_cols[i].how == SC_UTYPE;
			size_t max = u ? NELEM(user_types) : NELEM(logon_types);
			if (val.n && k >= 0 && (size_t)k < max)
				(void)mh_buf_adds(b, u ? user_types[k]
				                       : logon_types[k]);
			break;
		}
		case SC_RESULT:
			if (mh_slice_eq(val, MH_SLICE_LIT("True")))
				(void)mh_buf_adds(b, "TRUE");
			else if (mh_slice_eq(val, MH_SLICE_LIT("False")))
				(void)mh_buf_adds(b, "FALSE");
			else
				cell(b, val);
			break;
		case SC_BOOLTEXT:
			if (val.n)
				(void)mh_buf_adds(b, val.p[0] == 't' ? "TRUE"
				                                     : "FALSE");
			break;
		case SC_MEMBER:
			if (type == MH_SRV_COMP) {
				/* Log Analytics writes dynamic columns
				 * indented. */
				struct mh_buf pj = MH_BUF_INIT(1 << 24);
				mh_simrec_pretty(&pj, val.p, val.n, 0);
				cell(b,
				     mh_slice_make(pj.p ? pj.p : "", pj.len));
				mh_buf_release(&pj);
			} else {
				cell(b, val);
			}
			break;
		}
	}
	(void)mh_buf_add(b, "\r\n", 2);
	if (!b->p)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	s->sentinel.records++;
	return out_write(s, &s->sentinel, b->p, b->len);
}

static int write_m365(struct sa *s, const struct view *v, int64_t t)
{
	int rc = MH_OK;
	if (s->ual.f) {
		s->ual.records++;
		if ((rc = out_write(s, &s->ual, v->json, v->jn)) ||
		    (rc = out_write(s, &s->ual, "\n", 1)))
			return rc;
	}
	if (s->rerun.f && t >= s->rerun0 && t < s->rerun1) {
		s->rerun.records++;
		if ((rc = out_write(s, &s->rerun, v->json, v->jn)) ||
		    (rc = out_write(s, &s->rerun, "\n", 1)))
			return rc;
	}
	if (s->purview.f && (rc = write_purview(s, v, t)))
		return rc;
	if (s->sentinel.f && sentinel_wants(v) &&
	    (rc = write_sentinel(s, v, t)))
		return rc;
	return MH_OK;
}

static int write_gws(struct sa *s, const struct view *v)
{
	int rc = MH_OK;
	if (!s->gws.f)
		return MH_OK;
	s->gws.records++;
	if ((rc = out_write(s, &s->gws, v->json, v->jn)) ||
	    (rc = out_write(s, &s->gws, "\n", 1)))
		return rc;
	/* The admin application's activities also as one API page, as a
	 * collector that lists applicationName=admin saves it. */
	struct mh_slice id = vget(v, "id", NULL);
	if (mh_slice_ifind(id, "\"applicationName\":\"admin\"") == (size_t)-1)
		return MH_OK;
	mh_buf_reset(&s->line);
	(void)mh_buf_adds(&s->line, s->page_items ? ",\n    " : "\n    ");
	mh_simrec_pretty(&s->line, v->json, v->jn, 4);
	if (!s->line.p)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	s->page_items++;
	s->page.records++;
	return out_write(s, &s->page, s->line.p, s->line.len);
}

static int write_view(struct sa *s, const struct view *v, int64_t t, int gws)
{
	return gws ? write_gws(s, v) : write_m365(s, v, t);
}

/* MARK: - records */

void sa_guid(struct sa *s, char out[37])
{
	unsigned long long a = mh_simgen_next(&s->g), b = mh_simgen_next(&s->g);
	snprintf(out, 37, "%08llx-%04llx-4%03llx-%04llx-%012llx", a >> 32,
	         (a >> 16) & 0xffff, a & 0xfff, (b >> 48 & 0x3fff) | 0x8000,
	         b & 0xffffffffffffULL);
}

static void truth_add(struct sa *s, int64_t t, const char *id,
                      const char *opname)
{
	if (s->cur < 0)
		return;
	struct sa_truth *x = &s->tr[s->cur];
	if (!x->records || t < x->first)
		x->first = t;
	if (!x->records || t > x->last)
		x->last = t;
	x->records++;
	if (x->ids.len)
		(void)mh_buf_addc(&x->ids, ',');
	(void)mh_buf_adds(&x->ids, id);
	/* The operations of the activity, each once. */
	struct mh_slice op = mh_slice_cstr(opname ? opname : "");
	if (!op.n)
		return;
	size_t have = strlen(x->ops);
	const char *p = x->ops;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == op.n && !memcmp(p, op.p, n))
			return;
		p += n + (p[n] == ',');
	}
	if (have + op.n + 2 < sizeof(x->ops))
		snprintf(x->ops + have, sizeof(x->ops) - have, "%s%.*s",
		         have ? "," : "", (int)op.n, op.p);
}

int sa_emit(struct sa *s, int64_t t, int gws, const char *id, const char *op)
{
	struct mh_simrec *r = &s->r;
	if (mh_simrec_failed(r) || !r->json.p)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	struct view v = {r->json.p, r->raw.p ? r->raw.p : "", r->json.len, r->m,
	                 r->nm};
	s->seq++;
	/* A record no export asked for (--audit-formats sentinel: no
	 * sign-ins) is neither counted nor in the truth. */
	unsigned fm = s->o->formats ? s->o->formats : MH_SAF_ALL;
	if (gws ? !(fm & MH_SAF_GWS)
	        : !(fm & (MH_SAF_UAL | MH_SAF_PURVIEW)) &&
	                    !((fm & MH_SAF_SENTINEL) && sentinel_wants(&v)))
		return MH_OK;
	truth_add(s, t, id, op);
	s->st->records++;
	if (!s->freezing)
		return write_view(s, &v, t, gws);
	if (s->nfz == s->capfz) {
		size_t nc = s->capfz ? s->capfz * 2 : 64;
		struct sa_frozen *nf = realloc(s->fz, nc * sizeof(*nf));
		if (!nf)
			return mh_err_set(s->err, MH_ENOMEM, "out of memory");
		s->fz = nf;
		s->capfz = nc;
	}
	struct sa_frozen *f = &s->fz[s->nfz];
	memset(f, 0, sizeof(*f));
	f->json = malloc(r->json.len + 1);
	f->raw = malloc(r->raw.len + 1);
	if (!f->json || !f->raw) {
		free(f->json);
		free(f->raw);
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	}
	memcpy(f->json, v.json, v.jn);
	size_t rn = r->raw.p ? r->raw.len : 0;
	if (rn)
		memcpy(f->raw, v.raw, rn);
	f->jn = r->json.len;
	f->rn = rn;
	f->t = t;
	f->seq = (unsigned)s->nfz;
	f->gws = gws;
	f->nm = r->nm;
	memcpy(f->m, r->m, sizeof(f->m));
	s->nfz++;
	s->st->planted++;
	return MH_OK;
}

static int write_frozen(struct sa *s, const struct sa_frozen *f)
{
	struct view v = {f->json, f->raw, f->jn, f->m, f->nm};
	return write_view(s, &v, f->t, f->gws);
}

static int cmp_frozen(const void *a, const void *b)
{
	const struct sa_frozen *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* MARK: - truth */

int sa_truth_begin(struct sa *s, const char *activity, const char *source,
                   const char *expect, const char *level, const char *mailbox,
                   const char *actor, const char *dest, const char *note)
{
	if (s->ntr == s->captr) {
		size_t nc = s->captr ? s->captr * 2 : 64;
		struct sa_truth *nt = realloc(s->tr, nc * sizeof(*nt));
		if (!nt) {
			s->cur = -1;
			s->r.oom = 1; /* reported by the next sa_emit */
			return -1;
		}
		s->tr = nt;
		s->captr = nc;
	}
	struct sa_truth *x = &s->tr[s->ntr];
	memset(x, 0, sizeof(*x));
	snprintf(x->activity, sizeof(x->activity), "%s", activity);
	x->source = source;
	x->expect = expect ? expect : "-";
	x->level = level ? level : "-";
	snprintf(x->mailbox, sizeof(x->mailbox), "%s", mailbox ? mailbox : "-");
	snprintf(x->actor, sizeof(x->actor), "%s", actor ? actor : "-");
	snprintf(x->dest, sizeof(x->dest), "%s", dest ? dest : "-");
	mh_buf_init(&x->ids, (size_t)1 << 20);
	x->note = note ? note : "-";
	s->cur = (int)s->ntr;
	return (int)s->ntr++;
}

void sa_truth_end(struct sa *s)
{
	s->cur = -1;
}

int sa_truth_fwd(struct sa *s, unsigned u, unsigned dest)
{
	if (s->fwd_truth[u] >= 0)
		return s->fwd_truth[u];
	int saved = s->cur;
	char act[64];
	snprintf(act, sizeof(act), "benign-internal-forward-%s", s->u[u].local);
	int i = sa_truth_begin(s, act, "m365", "MH-FWD-INT", "low",
	                       s->u[u].addr, s->u[u].addr, s->u[dest].addr,
	                       "an employee's rule forwarding to a "
	                       "colleague: internal, low");
	s->cur = saved;
	s->fwd_truth[u] = i;
	return i;
}

static int cmp_truth(const void *a, const void *b)
{
	const struct sa_truth *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->activity, y->activity);
}

static int write_truth(struct sa *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/audit-truth.tsv", s->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return ioerr(s, "write", path);
	qsort(s->tr, s->ntr, sizeof(*s->tr), cmp_truth);
	/* Column names that are no audit keys (keys.def): a scan of the
	 * case must not take this file for an export. */
	fputs("activity\tsource\tops\texpect\tlevel\tmailbox\tby\t"
	      "destination\trecords\tfirst\tlast\tids\tnote\n",
	      f);
	for (size_t i = 0; i < s->ntr; i++) {
		const struct sa_truth *x = &s->tr[i];
		if (!x->records)
			continue;
		char a[21], b[21];
		mh_time_iso(x->first, a);
		mh_time_iso(x->last, b);
		fprintf(f,
		        "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\t%s\t%s\n",
		        x->activity, x->source, x->ops[0] ? x->ops : "-",
		        x->expect, x->level, x->mailbox, x->actor, x->dest,
		        x->records, a, b, mh_buf_cstr(&x->ids), x->note);
		s->st->truth_lines++;
	}
	if (fclose(f) != 0)
		return ioerr(s, "write", path);
	s->st->files++;
	snprintf(path, sizeof(path), "%s/audit-files.tsv", s->o->out_dir);
	f = fopen(path, "wb");
	if (!f)
		return ioerr(s, "write", path);
	fputs("file\tshape\trecords\n", f);
	const struct sa_out *outs[] = {&s->ual,      &s->rerun, &s->purview,
	                               &s->sentinel, &s->gws,   &s->page};
	for (size_t i = 0; i < NELEM(outs); i++) {
		if (!outs[i]->path)
			continue;
		fprintf(f, "%s\t%s\t%llu\n", outs[i]->name, outs[i]->shape,
		        (unsigned long long)outs[i]->records);
		s->st->written += outs[i]->records;
	}
	if (fclose(f) != 0)
		return ioerr(s, "write", path);
	s->st->files++;
	return MH_OK;
}

/* MARK: - people */

void sa_client_ip(struct sa *s, const struct sa_user *u, char out[64])
{
	unsigned port = 49152 + mh_simgen_below(&s->g, 16000);
	switch (mh_simgen_below(&s->g, 10)) {
	case 0:
	case 1: snprintf(out, 64, "%s:%u", u->ip, port); break;
	case 2: snprintf(out, 64, "[::ffff:%s]:%u", u->ip, port); break;
	default: snprintf(out, 64, "%s", u->ip);
	}
}

static int setup_people(struct sa *s)
{
	const struct mh_simaudit_opts *o = s->o;
	s->nu = o->nusers;
	s->u = calloc(s->nu ? s->nu : 1, sizeof(*s->u));
	s->fwd_truth = malloc((s->nu ? s->nu : 1) * sizeof(*s->fwd_truth));
	s->rules = calloc(s->nu ? s->nu : 1, sizeof(*s->rules));
	if (!s->u || !s->fwd_truth || !s->rules)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	for (unsigned i = 0; i < s->nu; i++) {
		struct sa_user *u = &s->u[i];
		const struct mh_simaudit_user *src = &o->users[i];
		snprintf(u->local, sizeof(u->local), "%s", src->local);
		snprintf(u->addr, sizeof(u->addr), "%s", src->addr);
		snprintf(u->name, sizeof(u->name), "%s",
		         src->name ? src->name : src->local);
		unsigned long long k = mh_simgen_next(&s->g);
		snprintf(u->puid, sizeof(u->puid), "10032%011llX",
		         k & 0xffffffffffULL);
		snprintf(u->sid, sizeof(u->sid),
		         "S-1-5-21-3141592653-589793238-462643383-%u",
		         1104 + i * 7);
		sa_guid(s, u->guid);
		sa_guid(s, u->oid);
		/* Users work from the office (192.0.2.0/24) or from home
		 * networks (198.51.100.0/24), one address each. */
		if (i % 3)
			snprintf(u->ip, sizeof(u->ip), "192.0.2.%u",
			         10 + i % 200);
		else
			snprintf(u->ip, sizeof(u->ip), "198.51.100.%u",
			         20 + i % 200);
		u->loc = (enum sa_locale)(i % SA__LOCALES);
		u->gws = i % 4 == 2;
		s->fwd_truth[i] = -1;
	}
	snprintf(s->admin, sizeof(s->admin), "it.admin@%s", s->org);
	snprintf(s->gws_admin, sizeof(s->gws_admin), "gws.admin@%s", s->org);
	/* The tenant's initial domain: the first label of the organisation
	 * domain, as Microsoft 365 names it. */
	size_t l = strcspn(s->org, ".");
	snprintf(s->orgname, sizeof(s->orgname), "%.*s.onmicrosoft.com",
	         (int)(l > 60 ? 60 : l), s->org);
	sa_guid(s, s->tenant);
	snprintf(s->gws_customer, sizeof(s->gws_customer), "C0%07x",
	         mh_simgen_below(&s->g, 0xfffffff));
	return MH_OK;
}

/* MARK: - driver */

static int open_outputs(struct sa *s)
{
	char path[4096];
	unsigned f = s->o->formats ? s->o->formats : MH_SAF_ALL;
	snprintf(path, sizeof(path), "%s/audit", s->o->out_dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return ioerr(s, "create directory", path);
	int rc = MH_OK;
	if (f & MH_SAF_UAL) {
		if ((rc = out_open(s, &s->ual, "audit/m365-ual.jsonl",
		                   "m365-ual-api", NULL)) ||
		    (rc = out_open(s, &s->rerun, "audit/m365-ual-rerun.jsonl",
		                   "m365-ual-api", NULL)))
			return rc;
	}
	if ((f & MH_SAF_PURVIEW) &&
	    (rc = out_open(s, &s->purview, "audit/purview-audit-search.csv",
	                   "m365-purview", purview_head)))
		return rc;
	if (f & MH_SAF_SENTINEL) {
		struct mh_buf h = MH_BUF_INIT(1 << 16);
		(void)mh_buf_adds(&h, "\xef\xbb\xbf");
		for (size_t i = 0; i < NELEM(sentinel_cols); i++) {
			if (i)
				(void)mh_buf_addc(&h, ',');
			(void)mh_buf_adds(&h, sentinel_cols[i].col);
		}
		(void)mh_buf_adds(&h, "\r\n");
		rc = h.p ? out_open(s, &s->sentinel,
		                    "audit/sentinel-officeactivity.csv",
		                    "m365-sentinel", h.p)
		         : mh_err_set(s->err, MH_ENOMEM, "out of memory");
		mh_buf_release(&h);
		if (rc)
			return rc;
	}
	if (f & MH_SAF_GWS) {
		char head[256];
		unsigned long long e = mh_simgen_next(&s->g);
		snprintf(head, sizeof(head),
		         "{\n  \"kind\": \"admin#reports#activities\",\n"
		         "  \"etag\": \"\\\"%016llx/admin\\\"\",\n"
		         "  \"items\": [",
		         e);
		if ((rc = out_open(s, &s->gws, "audit/gws-activities.jsonl",
		                   "gws-reports", NULL)) ||
		    (rc = out_open(s, &s->page,
		                   "audit/gws-admin-activities-page.json",
		                   "gws-reports", head)))
			return rc;
	}
	return MH_OK;
}

static void release(struct sa *s)
{
	struct sa_out *outs[] = {&s->ual,      &s->rerun, &s->purview,
	                         &s->sentinel, &s->gws,   &s->page};
	for (size_t i = 0; i < NELEM(outs); i++) {
		if (outs[i]->f)
			fclose(outs[i]->f);
		free(outs[i]->path);
	}
	for (size_t i = 0; i < s->nfz; i++) {
		free(s->fz[i].json);
		free(s->fz[i].raw);
	}
	free(s->fz);
	for (size_t i = 0; i < s->ntr; i++)
		mh_buf_release(&s->tr[i].ids);
	free(s->tr);
	free(s->u);
	free(s->fwd_truth);
	free(s->rules);
	mh_simrec_release(&s->r);
	mh_buf_release(&s->line);
	mh_simgen_release(&s->g);
}

int mh_simaudit_run(const struct mh_simaudit_opts *o,
                    struct mh_simaudit_stats *st, struct mh_err *err)
{
	struct sa s;
	struct mh_simaudit_stats dummy;
	int rc;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.st = st;
	s.err = err;
	s.org = o->org ? o->org : "corp.example";
	s.cur = -1;
	s.start = o->start;
	s.end = o->end > o->start ? o->end : o->start + 30 * SA_DAY;
	/* The collector's second run: one day a little after the middle. */
	s.rerun0 = s.start + (s.end - s.start) * 11 / 20;
	s.rerun0 -= s.rerun0 % SA_DAY;
	s.rerun1 = s.rerun0 + SA_DAY;
	mh_simgen_init(&s.g, o->seed ^ 0x6175646974747261ULL); /* "audittra" */
	mh_simrec_init(&s.r);
	mh_buf_init(&s.line, (size_t)64 << 20);

	if ((rc = setup_people(&s)) || (rc = open_outputs(&s)))
		goto done;
	/* The planted records first, kept until their time. */
	s.freezing = 1;
	/* No Microsoft 365 export (--audit-formats gws): nothing of it. */
	int have_m365 = s.ual.f || s.purview.f || s.sentinel.f;
	if ((have_m365 && (rc = sa_m365_plant(&s))) || (rc = sa_gws_plant(&s)))
		goto done;
	s.freezing = 0;
	qsort(s.fz, s.nfz, sizeof(*s.fz), cmp_frozen);

	uint64_t want = o->records ? o->records : 2000, n = 0;
	int by_size = o->target_bytes && s.ual.f;
	int64_t span = s.end - s.start;
	int have_gws = s.gws.f != NULL;
	for (;;) {
		double progress;
		if (by_size) {
			if (s.ual.bytes >= o->target_bytes)
				break;
			progress =
			        (double)s.ual.bytes / (double)o->target_bytes;
		} else {
			if (n >= want)
				break;
			progress = (double)n / (double)want;
		}
		int64_t t = s.start + (int64_t)(progress * (double)span);
		while (s.nextfz < s.nfz && s.fz[s.nextfz].t <= t)
			if ((rc = write_frozen(&s, &s.fz[s.nextfz++])))
				goto done;
		/* About one record in twenty is Google Workspace. */
		if (have_gws && (!have_m365 || mh_simgen_below(&s.g, 20) == 0))
			rc = sa_gws_noise(&s, t);
		else
			rc = sa_m365_noise(&s, t);
		if (rc)
			goto done;
		n++;
	}
	while (s.nextfz < s.nfz)
		if ((rc = write_frozen(&s, &s.fz[s.nextfz++])))
			goto done;
	st->ual_bytes = s.ual.bytes;
	if ((rc = out_close(&s, &s.page, "\n  ]\n}\n")))
		goto done;
	struct sa_out *outs[] = {&s.ual, &s.rerun, &s.purview, &s.sentinel,
	                         &s.gws};
	for (size_t i = 0; i < NELEM(outs); i++)
		if ((rc = out_close(&s, outs[i], NULL)))
			goto done;
	rc = write_truth(&s);
done:
	release(&s);
	return rc;
}
