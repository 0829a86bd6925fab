/* simtext.c - vocabulary and message pieces for `mailhunt simulate`.
 *
 * Speed matters more than prose: a GiB of mail must come out in seconds,
 * so text is drawn word by word from small tables, base64 attachments are
 * random alphabet characters behind a real file signature, and nothing is
 * formatted twice. Encoded words were produced with Python's codecs and
 * are checked by tests/unit/test_sim.c against the project's decoder.
 */
#include "sim/simtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define WRAP     72

/* MARK: - randomness (splitmix64: tiny state, good enough statistics) */

uint64_t mh_simgen_next(struct mh_simgen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned mh_simgen_below(struct mh_simgen *g, unsigned n)
{
	/* Multiply-shift instead of %: no division, negligible bias. */
	return (unsigned)(((mh_simgen_next(g) >> 32) * (uint64_t)n) >> 32);
}

int mh_simgen_pct(struct mh_simgen *g, unsigned pct)
{
	return mh_simgen_below(g, 100) < pct;
}

#define PICK(g, arr) (arr)[mh_simgen_below((g), NELEM(arr))]

void mh_simgen_init(struct mh_simgen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed;
	mh_buf_init(&g->b, (size_t)64 << 20);
	g->out = &g->b;
}

void mh_simgen_release(struct mh_simgen *g)
{
	if (g)
		mh_buf_release(&g->b);
}

void mh_simgen_reset(struct mh_simgen *g)
{
	mh_buf_reset(&g->b);
	g->out = &g->b;
	g->nraw = 0;
	g->crlf = 0;
}

void mh_simgen_target(struct mh_simgen *g, struct mh_buf *buf)
{
	g->out = buf ? buf : &g->b;
}

int mh_simgen_failed(const struct mh_simgen *g)
{
	return g->oom;
}

/* MARK: - appending */

void mh_simgen_addn(struct mh_simgen *g, const char *s, size_t n)
{
	if (mh_buf_add(g->out, s, n) != 0)
		g->oom = 1;
}

void mh_simgen_add(struct mh_simgen *g, const char *s)
{
	mh_simgen_addn(g, s, strlen(s));
}

static void vaddf(struct mh_simgen *g, const char *fmt, va_list ap)
{
	char tmp[1024];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n < 0)
		return;
	mh_simgen_addn(g, tmp,
	               (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void mh_simgen_addf(struct mh_simgen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vaddf(g, fmt, ap);
	va_end(ap);
}

void mh_simgen_eol(struct mh_simgen *g)
{
	if (g->crlf)
		mh_simgen_addn(g, "\r\n", 2);
	else
		mh_simgen_addn(g, "\n", 1);
}

void mh_simgen_field(struct mh_simgen *g, const char *name, const char *v)
{
	mh_simgen_add(g, name);
	mh_simgen_addn(g, ": ", 2);
	mh_simgen_add(g, v);
	mh_simgen_eol(g);
}

void mh_simgen_fieldf(struct mh_simgen *g, const char *name, const char *fmt,
                      ...)
{
	va_list ap;
	mh_simgen_add(g, name);
	mh_simgen_addn(g, ": ", 2);
	va_start(ap, fmt);
	vaddf(g, fmt, ap);
	va_end(ap);
	mh_simgen_eol(g);
}

static int needs_quotes(const char *s)
{
	return strpbrk(s, ",.;:()<>@[]\"\\") != NULL;
}

void mh_simgen_person(struct mh_simgen *g, const struct mh_simperson *p,
                      char *out, size_t n)
{
	(void)g;
	if (p->hdr)
		snprintf(out, n, "%s <%s>", p->hdr, p->addr);
	else if (!p->txt || !*p->txt)
		snprintf(out, n, "%s", p->addr);
	else if (needs_quotes(p->txt))
		snprintf(out, n, "\"%s\" <%s>", p->txt, p->addr);
	else
		snprintf(out, n, "%s <%s>", p->txt, p->addr);
}

void mh_simgen_addr_field(struct mh_simgen *g, const char *name,
                          const struct mh_simperson *const *p, unsigned n)
{
	char one[512];
	unsigned style = mh_simgen_below(g, 10);
	mh_simgen_add(g, name);
	mh_simgen_addn(g, ": ", 2);
	for (unsigned i = 0; i < n; i++) {
		if (i) {
			/* Long lists fold after the comma, as clients do. */
			mh_simgen_addn(g, ",", 1);
			mh_simgen_eol(g);
			mh_simgen_addn(g, "\t", 1);
		}
		if (style == 0 && !p[i]->hdr)
			snprintf(one, sizeof(one), "<%s>", p[i]->addr);
		else if (style == 1 && !p[i]->hdr && p[i]->txt)
			snprintf(one, sizeof(one), "%s (%s)", p[i]->addr,
			         p[i]->txt); /* obsolete comment form */
		else
			mh_simgen_person(g, p[i], one, sizeof(one));
		mh_simgen_add(g, one);
	}
	mh_simgen_eol(g);
}

/* MARK: - dates */

static const char *const wdays[] = {"Thu", "Fri", "Sat", "Sun",
                                    "Mon", "Tue", "Wed"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct civil {
	int y, mo, d, wd; /* wd: index into wdays */
	char hms[9];
};

static void civil_of(int64_t t, struct civil *c)
{
	char iso[21];
	mh_time_iso(t, iso);
	c->y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	       (iso[2] - '0') * 10 + (iso[3] - '0');
	c->mo = (iso[5] - '0') * 10 + (iso[6] - '0');
	c->d = (iso[8] - '0') * 10 + (iso[9] - '0');
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	c->wd = (int)(((days % 7) + 7) % 7);
	memcpy(c->hms, iso + 11, 8);
	c->hms[8] = '\0';
}

static const char *zone_name(int tz)
{
	switch (tz) {
	case 0: return "UTC";
	case 60: return "CET";
	case 120: return "CEST";
	case -300: return "EST";
	case -240: return "EDT";
	case -480: return "PST";
	case 330: return "IST";
	case 540: return "JST";
	default: return NULL;
	}
}

void mh_simgen_date(int64_t t, int tz, unsigned style, char *out, size_t n)
{
	struct civil c;
	civil_of(t + (int64_t)tz * 60, &c);
	int a = tz < 0 ? -tz : tz;
	char zone[24];
	snprintf(zone, sizeof(zone), "%c%02d%02d", tz < 0 ? '-' : '+', a / 60,
	         a % 60);
	const char *zn = zone_name(tz);
	switch (style % 4) {
	case 1: /* Outlook/Exchange style comment */
		snprintf(out, n, "%s, %d %s %d %s %s%s%s%s", wdays[c.wd], c.d,
		         months[c.mo - 1], c.y, c.hms, zone, zn ? " (" : "",
		         zn ? zn : "", zn ? ")" : "");
		break;
	case 2: /* no weekday */
		snprintf(out, n, "%d %s %d %s %s", c.d, months[c.mo - 1], c.y,
		         c.hms, zone);
		break;
	case 3: /* two-digit day */
		snprintf(out, n, "%s, %02d %s %d %s %s", wdays[c.wd], c.d,
		         months[c.mo - 1], c.y, c.hms, zone);
		break;
	default:
		snprintf(out, n, "%s, %d %s %d %s %s", wdays[c.wd], c.d,
		         months[c.mo - 1], c.y, c.hms, zone);
	}
}

void mh_simgen_asctime(int64_t t, char *out, size_t n)
{
	struct civil c;
	civil_of(t, &c);
	snprintf(out, n, "%s %s %2d %s %d", wdays[c.wd], months[c.mo - 1], c.d,
	         c.hms, c.y);
}

/* Last Sunday of month mo in year y, at 01:00 UTC (EU switch time). */
static int64_t last_sunday(int y, int mo, int mdays)
{
	int64_t t = mh_time_from_civil(y, mo, mdays, 1, 0, 0);
	int64_t days = t / 86400;
	int sunday_off = (int)((days + 4) % 7); /* 0 when a Sunday */
	return t - (int64_t)sunday_off * 86400;
}

int mh_simgen_zone_cet(int64_t t)
{
	struct civil c;
	civil_of(t, &c);
	return t >= last_sunday(c.y, 3, 31) && t < last_sunday(c.y, 10, 31)
	               ? 120
	               : 60;
}

/* MARK: - vocabulary */

static const char *const words[] = {
        "the",      "report",     "please",    "review",    "attached",
        "numbers",  "before",     "friday",    "team",      "we",
        "should",   "discuss",    "budget",    "client",    "update",
        "thanks",   "project",    "meeting",   "next",      "week",
        "can",      "you",        "send",      "final",     "version",
        "of",       "contract",   "and",       "invoice",   "today",
        "status",   "is",         "on",        "track",     "risk",
        "plan",     "issue",      "call",      "tomorrow",  "morning",
        "a",        "to",         "for",       "with",      "in",
        "our",      "their",      "new",       "draft",     "figures",
        "quarter",  "approval",   "deadline",  "supplier",  "order",
        "delivery", "schedule",   "agenda",    "minutes",   "slides",
        "customer", "feedback",   "proposal",  "pricing",   "offer",
        "template", "migration",  "server",    "access",    "account",
        "it",       "that",       "this",      "will",      "would",
        "could",    "not",        "yet",       "already",   "still",
        "confirm",  "check",      "share",     "forward",   "prepare",
        "after",    "during",     "until",     "by",        "from",
        "all",      "some",       "two",       "three",     "first",
        "latest",   "open",       "points",    "questions", "answers",
        "office",   "travel",     "expenses",  "receipt",   "payment",
        "legal",    "compliance", "training",  "security",  "policy",
        "hiring",   "candidate",  "interview", "offsite",   "workshop",
        "roadmap",  "release",    "testing",   "bug",       "fix",
};

/* Non-ASCII words: raw UTF-8 and quoted-printable. */
static const char *const words8[][2] = {
        {"Grüße", "Gr=C3=BC=C3=9Fe"}, {"Übersicht", "=C3=9Cbersicht"},
        {"café", "caf=C3=A9"},        {"für", "f=C3=BCr"},
        {"Größe", "Gr=C3=B6=C3=9Fe"}, {"déjà", "d=C3=A9j=C3=A0"},
        {"naïve", "na=C3=AFve"},      {"señor", "se=C3=B1or"},
        {"Zürich", "Z=C3=BCrich"},    {"Møller", "M=C3=B8ller"},
        {"€", "=E2=82=AC"},           {"Malmö", "Malm=C3=B6"},
        {"Kraków", "Krak=C3=B3w"},    {"São", "S=C3=A3o"},
        {"réunion", "r=C3=A9union"},  {"Änderung", "=C3=84nderung"},
};

#define T(x)                                                                   \
	{                                                                      \
		x, x                                                           \
	}
static const struct mh_simword topics_ascii[] = {
        T("Q1 budget review"),
        T("Contract renewal"),
        T("Invoice 4711"),
        T("Meeting notes"),
        T("Project Atlas status"),
        T("Travel plans"),
        T("Server maintenance"),
        T("Offsite agenda"),
        T("Draft proposal"),
        T("Payroll change"),
        T("Security training"),
        T("Vendor onboarding"),
        T("Quarterly figures"),
        T("Customer escalation"),
        T("Board deck"),
        T("Lunch on Thursday?"),
        T("Updated price list"),
        T("Shipping delay PO-2231"),
        T("Candidate interview slots"),
        T("Release 4.2 go/no-go"),
        T("Expense report March"),
        T("Access request for SharePoint"),
        T("NDA for review"),
        T("Workshop follow-up"),
};
#undef T

/* Produced with Python: str.encode(charset) then RFC 2047 B or Q. */
static const struct mh_simword topics_enc[] = {
        {"=?UTF-8?Q?=C3=9Cberweisung_best=C3=A4tigt?=",
         "Überweisung bestätigt"},
        {"=?ISO-8859-1?Q?R=E9union_de_lundi?=", "Réunion de lundi"},
        {"=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC60LLQsNGA0YLQsNC7?=",
         "Отчёт за квартал"},
        {"=?KOI8-R?B?79TexdQgzyDQ0s/EwdbByA==?=", "Отчет о продажах"},
        {"=?ISO-2022-JP?B?GyRCMnE1RCRONUQ7dk8/GyhC?=", "会議の議事録"},
        {"=?GB2312?B?vL62yLGouOY=?=", "季度报告"},
        {"=?ISO-8859-2?Q?Za=BF=F3=B3=E6_g=EA=B6l=B1_ja=BC=F1?=",
         "Zażółć gęślą jaźń"},
        {"=?iso-8859-1?q?=C5rsrapport_f=F6r_2023?=", "Årsrapport för 2023"},
        {"=?ISO-8859-9?Q?=DCr=FCn_fiyatlar=FD?=", "Ürün fiyatları"},
        {"=?ISO-8859-7?B?0PHv8/bv8dwg3fHj7/U=?=", "Προσφορά έργου"},
        {"=?windows-1252?Q?Offerte_f=FCr_Q2_=96_Entwurf?=",
         "Offerte für Q2 – Entwurf"},
        {"=?utf-8?Q?Caf=C3=A9_meeting?=", "Café meeting"},
        {"=?UTF-8?B?UsOpc3Vtw6kgb2YgdGhlIHdvcmtzaG9w?=",
         "Résumé of the workshop"},
        /* Two encoded words folded over two lines. */
        {"=?UTF-8?Q?Einladung_zur_Jahresbesprechung_?=\n"
         " =?UTF-8?Q?im_M=C3=A4rz_2024_=E2=80=93_bitte_best=C3=A4tigen?=",
         "Einladung zur Jahresbesprechung im März 2024 – bitte "
         "bestätigen"},
};

/* Display names (also used by sim.c through mh_simgen_encoded_words). */
static const struct mh_simword names_enc[] = {
        {"=?ISO-8859-1?Q?J=FCrgen_M=FCller?=", "Jürgen Müller"},
        {"=?UTF-8?Q?Fran=C3=A7ois_Lef=C3=A8vre?=", "François Lefèvre"},
        {"=?ISO-8859-2?Q?=A3ukasz_Wi=B6niewski?=", "Łukasz Wiśniewski"},
        {"=?KOI8-R?B?5M3J1NLJyiDp18HOz9c=?=", "Дмитрий Иванов"},
        {"=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?=", "山田 太郎"},
        {"=?GB2312?B?zfXOsA==?=", "王伟"},
        {"=?WINDOWS-1252?Q?S=F8ren_Kj=E6rg=E5rd?=", "Søren Kjærgård"},
        {"=?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?=", "Zoë Ångström"},
        {"=?ISO-8859-15?Q?Jos=E9_N=FA=F1ez?=", "José Núñez"},
        {"=?ISO-8859-7?B?zd/q7/Ig0OHw4eT88O/16+/y?=", "Νίκος Παπαδόπουλος"},
        {"=?ISO-8859-9?Q?Ay=FEe_Y=FDlmaz?=", "Ayşe Yılmaz"},
        {"=?UTF-8?Q?Judy_Garc=C3=ADa?=", "Judy García"},
        {"=?ISO-8859-1?Q?Rupert_V=F6gel?=", "Rupert Vögel"},
        {"=?UTF-8?Q?Walter_Sch=C3=A4fer?=", "Walter Schäfer"},
};

const struct mh_simword *mh_simgen_encoded_words(size_t *n)
{
	static struct mh_simword all[NELEM(topics_enc) + NELEM(names_enc)];
	static int ready;
	if (!ready) {
		/* Filled once; callers are single-threaded tests. */
		memcpy(all, topics_enc, sizeof(topics_enc));
		memcpy(all + NELEM(topics_enc), names_enc, sizeof(names_enc));
		ready = 1;
	}
	*n = NELEM(all);
	return all;
}

const struct mh_simword *mh_simgen_name_enc(unsigned i)
{
	return &names_enc[i % NELEM(names_enc)];
}

unsigned mh_simgen_name_enc_count(void)
{
	return NELEM(names_enc);
}

const struct mh_simword *mh_simgen_topic(struct mh_simgen *g, int allow_encoded)
{
	if (allow_encoded && mh_simgen_below(g, 100) < 15)
		return &PICK(g, topics_enc);
	return &PICK(g, topics_ascii);
}

static const struct mh_simfwd fwd_styles[] = {
        {"Fwd: ", "---------- Forwarded message ---------", "From", "Date",
         "To", "Subject"},
        {"FW: ", "-----Original Message-----", "From", "Sent", "To", "Subject"},
        {"Fwd: ", "Begin forwarded message:", "From", "Date", "To", "Subject"},
        {"WG: ", "-------- Weitergeleitete Nachricht --------", "Von", "Datum",
         "An", "Betreff"},
        {"WG: ", "-----Ursprüngliche Nachricht-----", "Von", "Gesendet", "An",
         "Betreff"},
        {"TR: ", "-------- Message transféré --------", "De", "Date", "À",
         "Objet"},
        {"I: ", "-------- Messaggio inoltrato --------", "Da", "Data", "A",
         "Oggetto"},
        {"RV: ", "---------- Mensaje reenviado ----------", "De", "Fecha",
         "Para", "Asunto"},
        {"Doorst: ", "-------- Doorgestuurd bericht --------", "Van", "Datum",
         "Aan", "Onderwerp"},
        {"VS: ", "---------- Videresendt melding ----------", "Fra", "Dato",
         "Til", "Emne"},
        {"VS: ", "-------- Videresendt meddelelse --------", "Fra", "Dato",
         "Til", "Emne"},
        {"VB: ", "-------- Vidarebefordrat meddelande --------", "Från",
         "Datum", "Till", "Ämne"},
        {"VL: ", "---------- Välitetty viesti ----------", "Lähettäjä",
         "Päivämäärä", "Vastaanottaja", "Aihe"},
        {"ENC: ", "---------- Mensagem encaminhada ---------", "De", "Data",
         "Para", "Assunto"},
        {"PD: ", "-------- Przekazana wiadomość --------", "Od", "Data", "Do",
         "Temat"},
};

const struct mh_simfwd *mh_simgen_fwd_style(struct mh_simgen *g)
{
	return &PICK(g, fwd_styles);
}

const struct mh_simfwd *mh_simgen_fwd_styles(size_t *n)
{
	*n = NELEM(fwd_styles);
	return fwd_styles;
}

const char *mh_simgen_reply_prefix(struct mh_simgen *g)
{
	static const char *const p[] = {"Re: ", "Re: ", "Re: ",   "RE: ",
	                                "AW: ", "SV: ", "Antw: ", "Re: Re: "};
	return PICK(g, p);
}

/* MARK: - text */

struct lw {
	struct mh_simgen *g;
	const char *prefix; /* "> " for quotes */
	size_t plen, col;
};

static void lw_break(struct lw *w)
{
	if (w->col)
		mh_simgen_eol(w->g);
	w->col = 0;
}

static void lw_word(struct lw *w, const char *s, size_t n)
{
	if (w->col && w->col + 1 + n > WRAP)
		lw_break(w);
	if (w->col == 0) {
		mh_simgen_addn(w->g, w->prefix, w->plen);
		w->col = w->plen;
	} else {
		mh_simgen_addn(w->g, " ", 1);
		w->col++;
	}
	mh_simgen_addn(w->g, s, n);
	w->col += n;
}

/* One paragraph of 2..5 sentences. flags: MH_SIMBODY_QP / _8BIT pick
 * the spelling of non-ASCII words (none without either). */
static void paragraph(struct lw *w, unsigned flags, int html)
{
	struct mh_simgen *g = w->g;
	unsigned sentences = 2 + mh_simgen_below(g, 4);
	if (html)
		lw_word(w, "<p>", 3);
	for (unsigned s = 0; s < sentences; s++) {
		unsigned nw = 5 + mh_simgen_below(g, 10);
		for (unsigned i = 0; i < nw; i++) {
			uint64_t x = mh_simgen_next(g);
			char tmp[40];
			const char *wd;
			size_t n;
			if ((flags & (MH_SIMBODY_QP | MH_SIMBODY_8BIT)) &&
			    (x & 31) == 0) {
				wd = words8[(x >> 8) % NELEM(words8)]
				           [flags & MH_SIMBODY_QP ? 1 : 0];
			} else {
				wd = words[(x >> 8) % NELEM(words)];
			}
			n = strlen(wd);
			if (i == 0 && n < sizeof(tmp) - 1 && wd[0] >= 'a' &&
			    wd[0] <= 'z') {
				memcpy(tmp, wd, n);
				tmp[0] = (char)(tmp[0] - 'a' + 'A');
				wd = tmp;
			}
			if (i == nw - 1) {
				if (wd != tmp && n < sizeof(tmp) - 1) {
					memcpy(tmp, wd, n);
					wd = tmp;
				}
				tmp[n++] = (x >> 40) % 6 == 0 ? '?' : '.';
			}
			lw_word(w, wd, n);
		}
	}
	if (html)
		lw_word(w, "</p>", 4);
	lw_break(w);
}

size_t mh_simgen_sentence(struct mh_simgen *g, unsigned flags, char *out,
                          size_t n)
{
	size_t len = 0;
	unsigned nw = 5 + mh_simgen_below(g, 10);
	if (!n)
		return 0;
	for (unsigned i = 0; i < nw; i++) {
		uint64_t x = mh_simgen_next(g);
		const char *wd = ((flags & (MH_SIMBODY_QP | MH_SIMBODY_8BIT)) &&
		                  (x & 31) == 0)
		                         ? words8[(x >> 8) % NELEM(words8)][0]
		                         : words[(x >> 8) % NELEM(words)];
		size_t wl = strlen(wd);
		if (len + wl + 3 > n)
			break;
		if (i)
			out[len++] = ' ';
		memcpy(out + len, wd, wl);
		if (i == 0 && wd[0] >= 'a' && wd[0] <= 'z')
			out[len] = (char)(wd[0] - 'a' + 'A');
		len += wl;
		if (i == nw - 1)
			out[len++] = (x >> 40) % 6 == 0 ? '?' : '.';
	}
	out[len] = '\0';
	return len;
}

static void paragraphs(struct mh_simgen *g, unsigned n, unsigned flags,
                       const char *prefix, int html)
{
	struct lw w = {g, prefix, strlen(prefix), 0};
	for (unsigned i = 0; i < n; i++) {
		if (i) {
			if (*prefix)
				mh_simgen_addn(g, prefix, w.plen - 1);
			mh_simgen_eol(g);
		}
		paragraph(&w, flags, html);
	}
}

void mh_simgen_text(struct mh_simgen *g, unsigned n, unsigned flags)
{
	paragraphs(g, n, flags, "", 0);
}

/* Lines starting with "From " in a body: mboxrd writers quote them,
 * and some text lines are left unquoted (mboxo writers, or text that a
 * strict reader must not take for a From_ line). */
static void from_lines(struct mh_simgen *g)
{
	static const char *const lines[] = {
	        "From what I heard, the client agrees with the new dates.",
	        "From Monday on we use the new VPN profile.",
	        "From the minutes: budget approved, travel frozen.",
	};
	mh_simgen_eol(g);
	mh_simgen_add(g, PICK(g, lines));
	mh_simgen_eol(g);
	mh_simgen_add(g, ">From the archive, quoted by an earlier writer");
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	if (g->nraw < MH_SIMGEN_RAW_MAX && g->out == &g->b)
		g->raw_from[g->nraw++] = g->b.len;
	mh_simgen_add(g, "From here on the plan changes, see below.");
	mh_simgen_eol(g);
	mh_simgen_add(g, "nothing else changes for the team");
	mh_simgen_eol(g);
}

static void signature(struct mh_simgen *g, const char *name, const char *org,
                      unsigned flags)
{
	static const char *const titles[] = {
	        "Account Manager", "Head of Finance", "Project Lead",
	        "Senior Engineer", "Office Manager",  "Legal Counsel",
	        "Sales Director",  "IT Operations",
	};
	mh_simgen_eol(g);
	/* The signature separator ends in a space, which quoted-printable
	 * must encode. */
	mh_simgen_add(g, flags & MH_SIMBODY_QP ? "--=20" : "-- ");
	mh_simgen_eol(g);
	mh_simgen_add(g, name);
	mh_simgen_eol(g);
	mh_simgen_add(g, PICK(g, titles));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "%s | +49 30 %04u %03u", org ? org : "",
	               mh_simgen_below(g, 10000), mh_simgen_below(g, 1000));
	mh_simgen_eol(g);
}

/* MARK: - MIME */

static void boundary(struct mh_simgen *g, char *out, size_t n)
{
	uint64_t a = mh_simgen_next(g), b = mh_simgen_next(g);
	switch (a % 5) {
	case 0:
		snprintf(out, n, "_000_%016llX_",
		         (unsigned long long)b); /* Outlook */
		break;
	case 1:
		snprintf(out, n, "000000000000%012llx",
		         (unsigned long long)(b &
		                              0xffffffffffffULL)); /* Gmail */
		break;
	case 2:
		snprintf(out, n, "----=_Part_%u_%llu.%llu",
		         (unsigned)(a >> 40) & 0xffff,
		         (unsigned long long)(b >> 34),
		         (unsigned long long)(b &
		                              0x3ffffffffULL)); /* JavaMail */
		break;
	case 3:
		snprintf(out, n, "Apple-Mail=_%08llX-%04llX-%04llX",
		         (unsigned long long)(b >> 32),
		         (unsigned long long)((b >> 16) & 0xffff),
		         (unsigned long long)(b & 0xffff));
		break;
	default:
		snprintf(out, n, "b1_%016llx%08llx", (unsigned long long)b,
		         (unsigned long long)(a >> 32)); /* PHPMailer */
	}
}

static void delim(struct mh_simgen *g, const char *b, int last)
{
	mh_simgen_addn(g, "--", 2);
	mh_simgen_add(g, b);
	if (last)
		mh_simgen_addn(g, "--", 2);
	mh_simgen_eol(g);
}

/* The header of a multipart/alternative with boundary b, the empty line
 * and the first part's delimiter. */
static void open_alternative(struct mh_simgen *g, const char *b)
{
	mh_simgen_fieldf(g, "Content-Type",
	                 "multipart/alternative; boundary=\"%s\"", b);
	mh_simgen_eol(g);
	delim(g, b, 0);
}

static const struct attachment {
	const char *type, *name, *magic;
	const char *name2231; /* RFC 2231 filename*= value, or NULL */
} attachments[] = {
        {"application/pdf", "Invoice_4711.pdf", "JVBERi0xLjcKJeLjz9MK", NULL},
        {"image/png", "image001.png", "iVBORw0KGgoAAAANSUhEUgAA", NULL},
        {"image/jpeg", "IMG_2041.jpg", "/9j/4AAQSkZJRgABAQEASABIAAD", NULL},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "Q1 figures.xlsx", "UEsDBBQABgAIAAAAIQ", NULL},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml."
         "document",
         "Draft proposal.docx", "UEsDBBQABgAIAAAAIQ", NULL},
        {"application/pdf", "=?UTF-8?Q?=C3=9Cbersicht.pdf?=",
         "JVBERi0xLjQKJcfsj6IK", "UTF-8''%C3%9Cbersicht.pdf"},
        {"application/zip", "contract-signed.zip", "UEsDBBQAAAAIA", NULL},
        {"image/tiff", "scan0042.tif", "SUkqAAgAAAA", NULL},
};

static void b64_random(struct mh_simgen *g, const char *magic, size_t bytes)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                          "opqrstuvwxyz0123456789+/";
	size_t chars = (bytes + 2) / 3 * 4, ml = strlen(magic);
	char line[80];
	while (chars) {
		size_t n = chars < 76 ? chars : 76, i = 0;
		if (ml) {
			size_t k = ml < n ? ml : n;
			memcpy(line, magic, k);
			i = k;
			ml = 0;
		}
		uint64_t x = 0;
		for (unsigned left = 0; i < n; i++, left--) {
			if (!left) {
				x = mh_simgen_next(g);
				left = 10;
			}
			line[i] = b64[x & 63];
			x >>= 6;
		}
		mh_simgen_addn(g, line, n);
		mh_simgen_eol(g);
		chars -= n;
	}
}

void mh_simgen_base64(struct mh_simgen *g, const char *magic, size_t bytes)
{
	b64_random(g, magic, bytes);
}

static size_t attachment_size(struct mh_simgen *g)
{
	unsigned u = mh_simgen_below(g, 100);
	if (u < 55)
		return 2048 + mh_simgen_below(g, 10 * 1024);
	if (u < 90)
		return 12 * 1024 + mh_simgen_below(g, 36 * 1024);
	return 48 * 1024 + mh_simgen_below(g, 112 * 1024);
}

static void attachment(struct mh_simgen *g)
{
	const struct attachment *a = &PICK(g, attachments);
	int quote = strchr(a->name, ' ') != NULL || a->name[0] == '=';
	const char *q = quote || mh_simgen_below(g, 2) ? "\"" : "";
	mh_simgen_addf(g, "Content-Type: %s; name=%s%s%s", a->type, q, a->name,
	               q);
	mh_simgen_eol(g);
	if (a->name2231)
		mh_simgen_fieldf(g, "Content-Disposition",
		                 "attachment; filename*=%s", a->name2231);
	else
		mh_simgen_fieldf(g, "Content-Disposition",
		                 "attachment; filename=%s%s%s", q, a->name, q);
	mh_simgen_field(g, "Content-Transfer-Encoding", "base64");
	mh_simgen_eol(g);
	b64_random(g, a->magic, attachment_size(g));
}

static void text_headers(struct mh_simgen *g, const char *sub, unsigned flags)
{
	static const char *const cs[] = {"utf-8", "\"utf-8\"", "UTF-8"};
	if (flags & MH_SIMBODY_QP) {
		mh_simgen_fieldf(g, "Content-Type", "text/%s; charset=%s", sub,
		                 PICK(g, cs));
		mh_simgen_field(g, "Content-Transfer-Encoding",
		                "quoted-printable");
	} else if (flags & MH_SIMBODY_8BIT) {
		mh_simgen_fieldf(g, "Content-Type", "text/%s; charset=%s", sub,
		                 PICK(g, cs));
		mh_simgen_field(g, "Content-Transfer-Encoding", "8bit");
	} else {
		mh_simgen_fieldf(g, "Content-Type", "text/%s; charset=%s", sub,
		                 mh_simgen_below(g, 2) ? "us-ascii" : "utf-8");
		mh_simgen_field(g, "Content-Transfer-Encoding", "7bit");
	}
}

static void orig_header_lines(struct mh_simgen *g, const struct mh_simfwd *f,
                              const struct mh_simorig *o)
{
	char d[80], p[512];
	mh_simgen_date(o->t, o->tz, 0, d, sizeof(d));
	struct mh_simperson from = o->from, to = o->to;
	from.hdr = to.hdr = NULL; /* bodies show decoded names */
	mh_simgen_person(g, &from, p, sizeof(p));
	mh_simgen_addf(g, "%s: %s", f->l_from, p);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "%s: %s", f->l_date, d);
	mh_simgen_eol(g);
	mh_simgen_person(g, &to, p, sizeof(p));
	mh_simgen_addf(g, "%s: %s", f->l_to, p);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "%s: %s", f->l_subject, o->subject_txt);
	mh_simgen_eol(g);
}

/* The visible text: note, signature, From lines, forwarded or quoted
 * original. html: the same words as HTML paragraphs. */
static void content(struct mh_simgen *g, const struct mh_simbody *bd,
                    unsigned flags, int html)
{
	if (html) {
		mh_simgen_add(g,
		              flags & MH_SIMBODY_QP
		                      ? "<html><head><meta "
		                        "http-equiv=3D\"Content-Type\" "
		                        "content=3D\"text/html; "
		                        "charset=3Dutf-8\"></head><body>"
		                      : "<html><head><meta charset=\"utf-8\">"
		                        "</head><body>");
		mh_simgen_eol(g);
	}
	paragraphs(g, bd->paragraphs ? bd->paragraphs : 1, flags, "", html);
	if (!html && (flags & MH_SIMBODY_FROMS))
		from_lines(g);
	if (!html && (flags & MH_SIMBODY_SIG) && bd->signer)
		signature(g, bd->signer, bd->org, flags);
	if (bd->fwd && bd->orig) {
		mh_simgen_eol(g);
		if (html)
			mh_simgen_add(g, "<div><br>");
		mh_simgen_add(g, bd->fwd->sep);
		mh_simgen_eol(g);
		if (html)
			mh_simgen_add(g, "<br>");
		orig_header_lines(g, bd->fwd, bd->orig);
		if (html)
			mh_simgen_add(g, "</div>");
		mh_simgen_eol(g);
		paragraphs(g, 1 + mh_simgen_below(g, 3), flags, "", html);
	} else if (bd->quote && bd->orig) {
		char d[80], p[512];
		struct mh_simperson from = bd->orig->from;
		from.hdr = NULL;
		mh_simgen_date(bd->orig->t, bd->orig->tz, 0, d, sizeof(d));
		mh_simgen_person(g, &from, p, sizeof(p));
		mh_simgen_eol(g);
		if (html)
			mh_simgen_add(g, "<blockquote>");
		switch (mh_simgen_below(g, 3)) {
		case 0: mh_simgen_addf(g, "Am %s schrieb %s:", d, p); break;
		case 1: mh_simgen_addf(g, "Le %s, %s a écrit :", d, p); break;
		default: mh_simgen_addf(g, "On %s, %s wrote:", d, p);
		}
		mh_simgen_eol(g);
		paragraphs(g, 1 + mh_simgen_below(g, 3), flags,
		           html ? "" : "> ", html);
		if (html) {
			mh_simgen_add(g, "</blockquote>");
			mh_simgen_eol(g);
		}
	}
	if (html) {
		mh_simgen_add(g, "</body></html>");
		mh_simgen_eol(g);
	}
}

static void text_or_alternative(struct mh_simgen *g,
                                const struct mh_simbody *bd, unsigned flags)
{
	if (!(flags & MH_SIMBODY_HTML)) {
		text_headers(g, "plain", flags);
		mh_simgen_eol(g);
		content(g, bd, flags, 0);
		return;
	}
	char b[64];
	boundary(g, b, sizeof(b));
	open_alternative(g, b);
	text_headers(g, "plain", flags);
	mh_simgen_eol(g);
	/* The HTML part repeats the same words: replay the random state. */
	uint64_t saved = g->rng;
	content(g, bd, flags, 0);
	uint64_t after = g->rng;
	g->rng = saved;
	delim(g, b, 0);
	text_headers(g, "html", flags);
	mh_simgen_eol(g);
	content(g, bd, flags & ~(unsigned)MH_SIMBODY_FROMS, 1);
	g->rng = after;
	delim(g, b, 1);
}

static void rfc822_part(struct mh_simgen *g, const struct mh_simorig *o)
{
	char d[80], p[512];
	mh_simgen_field(g, "Content-Type", "message/rfc822");
	mh_simgen_field(g, "Content-Disposition", "attachment");
	mh_simgen_eol(g);
	mh_simgen_date(o->t, o->tz, 0, d, sizeof(d));
	mh_simgen_person(g, &o->from, p, sizeof(p));
	mh_simgen_field(g, "From", p);
	mh_simgen_person(g, &o->to, p, sizeof(p));
	mh_simgen_field(g, "To", p);
	mh_simgen_field(g, "Subject", o->subject);
	mh_simgen_field(g, "Date", d);
	if (o->msgid)
		mh_simgen_fieldf(g, "Message-ID", "<%s>", o->msgid);
	/* A nested auto-forward header is not the outer message's: the
	 * analysis looks at top-level fields only. */
	if (mh_simgen_below(g, 8) == 0)
		mh_simgen_field(g, "X-MS-Exchange-Organization-AutoForwarded",
		                "true");
	mh_simgen_field(g, "MIME-Version", "1.0");
	text_headers(g, "plain", MH_SIMBODY_8BIT);
	mh_simgen_eol(g);
	paragraphs(g, 1 + mh_simgen_below(g, 3), MH_SIMBODY_8BIT, "", 0);
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

void mh_simgen_body(struct mh_simgen *g, const struct mh_simbody *bd)
{
	unsigned flags = bd->flags;
	if (bd->fwd || bd->quote || (bd->signer && !ascii(bd->signer)))
		/* Separators, labels and names are UTF-8 text: keep them
		 * readable to a body search, never quoted-printable. */
		flags = (flags & ~(unsigned)MH_SIMBODY_QP) | MH_SIMBODY_8BIT;
	int rfc822 = (flags & MH_SIMBODY_RFC822) && bd->orig;
	if (!rfc822 && !bd->attachments) {
		text_or_alternative(g, bd, flags);
		return;
	}
	char b[64];
	boundary(g, b, sizeof(b));
	mh_simgen_fieldf(g, "Content-Type", "multipart/mixed; boundary=\"%s\"",
	                 b);
	mh_simgen_eol(g);
	if (mh_simgen_below(g, 2)) {
		mh_simgen_add(g,
		              "This is a multi-part message in MIME format.");
		mh_simgen_eol(g);
		mh_simgen_eol(g);
	}
	delim(g, b, 0);
	struct mh_simbody inner = *bd;
	if (rfc822)
		inner.fwd = NULL; /* the original travels as the part */
	text_or_alternative(g, &inner, flags);
	if (rfc822) {
		delim(g, b, 0);
		rfc822_part(g, bd->orig);
	}
	for (unsigned i = 0; i < bd->attachments; i++) {
		delim(g, b, 0);
		attachment(g);
	}
	delim(g, b, 1);
}

/* MARK: - special bodies */

void mh_simgen_body_bounce(struct mh_simgen *g, const char *mta,
                           const char *remote, const char *rcpt,
                           const char *orig_hdr, size_t orig_len, int64_t t)
{
	char b[64], d[80];
	boundary(g, b, sizeof(b));
	mh_simgen_date(t, 0, 0, d, sizeof(d));
	mh_simgen_fieldf(g, "Content-Type",
	                 "multipart/report; report-type=delivery-status;");
	mh_simgen_addf(g, "\tboundary=\"%s\"", b);
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	mh_simgen_add(g, "This is a MIME-encapsulated message.");
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	delim(g, b, 0);
	mh_simgen_field(g, "Content-Description", "Notification");
	mh_simgen_field(g, "Content-Type", "text/plain; charset=us-ascii");
	mh_simgen_eol(g);
	mh_simgen_addf(g, "This is the mail system at host %s.", mta);
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	mh_simgen_add(g, "I'm sorry to have to inform you that your message "
	                 "could not");
	mh_simgen_eol(g);
	mh_simgen_add(g, "be delivered to one or more recipients. It's "
	                 "attached below.");
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "<%s>: host %s said: 550 5.1.1", rcpt, remote);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "    <%s>: Recipient address rejected: User unknown",
	               rcpt);
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	delim(g, b, 0);
	mh_simgen_field(g, "Content-Description", "Delivery report");
	mh_simgen_field(g, "Content-Type", "message/delivery-status");
	mh_simgen_eol(g);
	mh_simgen_fieldf(g, "Reporting-MTA", "dns; %s", mta);
	mh_simgen_fieldf(g, "X-Postfix-Queue-ID", "%010llX",
	                 (unsigned long long)(mh_simgen_next(g) >> 24));
	mh_simgen_fieldf(g, "Arrival-Date", "%s", d);
	mh_simgen_eol(g);
	mh_simgen_fieldf(g, "Final-Recipient", "rfc822; %s", rcpt);
	mh_simgen_fieldf(g, "Original-Recipient", "rfc822;%s", rcpt);
	mh_simgen_field(g, "Action", "failed");
	mh_simgen_field(g, "Status", "5.1.1");
	mh_simgen_fieldf(g, "Remote-MTA", "dns; %s", remote);
	mh_simgen_fieldf(g, "Diagnostic-Code",
	                 "smtp; 550 5.1.1 <%s>: Recipient address rejected: "
	                 "User unknown",
	                 rcpt);
	mh_simgen_eol(g);
	delim(g, b, 0);
	mh_simgen_field(g, "Content-Description",
	                "Undelivered Message Headers");
	mh_simgen_field(g, "Content-Type", "text/rfc822-headers");
	mh_simgen_eol(g);
	mh_simgen_addn(g, orig_hdr, orig_len);
	mh_simgen_eol(g);
	delim(g, b, 1);
}

void mh_simgen_body_newsletter(struct mh_simgen *g, const char *list_name,
                               const char *unsub)
{
	char b[64];
	boundary(g, b, sizeof(b));
	open_alternative(g, b);
	text_headers(g, "plain", MH_SIMBODY_QP);
	mh_simgen_eol(g);
	uint64_t saved = g->rng;
	unsigned items = 3 + mh_simgen_below(g, 5);
	mh_simgen_addf(g, "%s - this week", list_name);
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	for (unsigned i = 0; i < items; i++) {
		paragraphs(g, 1, MH_SIMBODY_QP, "", 0);
		mh_simgen_eol(g);
	}
	mh_simgen_addf(g, "Unsubscribe: %s", unsub);
	mh_simgen_eol(g);
	g->rng = saved;
	delim(g, b, 0);
	text_headers(g, "html", MH_SIMBODY_QP);
	mh_simgen_eol(g);
	/* Quoted-printable lines stay under 76 characters. */
	static const char *const head[] = {
	        "<!DOCTYPE html><html><head>",
	        "<meta http-equiv=3D\"Content-Type\" content=3D\"text/html; "
	        "charset=3Dutf-8\">",
	        "<style>td{font-family:Arial,sans-serif;font-size:14px}</"
	        "style>",
	        "</head><body><table width=3D\"600\" cellpadding=3D\"0\">",
	};
	for (size_t i = 0; i < NELEM(head); i++) {
		mh_simgen_add(g, head[i]);
		mh_simgen_eol(g);
	}
	(void)mh_simgen_below(g, 5); /* keep in step with the plain part */
	mh_simgen_addf(g, "<tr><td><h1>%s</h1></td></tr>", list_name);
	mh_simgen_eol(g);
	for (unsigned i = 0; i < items; i++) {
		mh_simgen_add(g, "<tr><td style=3D\"padding:12px 0\">");
		mh_simgen_eol(g);
		paragraphs(g, 1, MH_SIMBODY_QP, "", 1);
		mh_simgen_addf(g,
		               "<a href=3D\"https://news.example/r/%08llx\">"
		               "Read more</a></td></tr>",
		               (unsigned long long)(mh_simgen_next(g) >> 32));
		mh_simgen_eol(g);
	}
	mh_simgen_add(g, "</table><p><a href=3D\"");
	mh_simgen_add(g, unsub);
	mh_simgen_add(g, "\">Unsubscribe</a></p>");
	mh_simgen_eol(g);
	mh_simgen_add(g, "</body></html>");
	mh_simgen_eol(g);
	delim(g, b, 1);
}

void mh_simgen_body_invite(struct mh_simgen *g, const char *organizer,
                           const char *attendee, const char *summary,
                           int64_t start)
{
	char b[64], s[21], e[21], uid[40];
	boundary(g, b, sizeof(b));
	mh_time_iso(start, s);
	mh_time_iso(start + 3600, e);
	snprintf(uid, sizeof(uid), "%016llx%016llx",
	         (unsigned long long)mh_simgen_next(g),
	         (unsigned long long)mh_simgen_next(g));
	open_alternative(g, b);
	text_headers(g, "plain", 0);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "%s", summary);
	mh_simgen_eol(g);
	paragraphs(g, 1, 0, "", 0);
	delim(g, b, 0);
	mh_simgen_field(g, "Content-Type",
	                "text/calendar; charset=utf-8; method=REQUEST");
	mh_simgen_field(g, "Content-Transfer-Encoding", "7bit");
	mh_simgen_eol(g);
	static const char *const lines[] = {
	        "BEGIN:VCALENDAR", "PRODID:-//sim.example//Calendar 1.0//EN",
	        "VERSION:2.0",     "METHOD:REQUEST",
	        "BEGIN:VEVENT",
	};
	for (size_t i = 0; i < NELEM(lines); i++) {
		mh_simgen_add(g, lines[i]);
		mh_simgen_eol(g);
	}
	/* DTSTART in basic format: 20240301T100000Z. */
	mh_simgen_addf(g, "DTSTART:%.4s%.2s%.2sT%.2s%.2s%.2sZ", s, s + 5, s + 8,
	               s + 11, s + 14, s + 17);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "DTEND:%.4s%.2s%.2sT%.2s%.2s%.2sZ", e, e + 5, e + 8,
	               e + 11, e + 14, e + 17);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "UID:%s", uid);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "ORGANIZER:mailto:%s", organizer);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:%s",
	               attendee);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "SUMMARY:%s", summary);
	mh_simgen_eol(g);
	mh_simgen_add(g, "END:VEVENT");
	mh_simgen_eol(g);
	mh_simgen_add(g, "END:VCALENDAR");
	mh_simgen_eol(g);
	delim(g, b, 1);
}
