/* simexo.c - Exchange Online message pieces (see simexo.h).
 *
 * The shapes follow what Exchange Online and Outlook write (field names,
 * folding, Word HTML, quoted-printable with soft line breaks); the
 * values are random: GUIDs, signatures and anti-spam blobs are random
 * alphabet characters of realistic length.
 */
#include "sim/simexo.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"

#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define PICK(g, arr) (arr)[mh_simgen_below((g), NELEM(arr))]
#define QP_LINE      76

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789+/";

/* n random base64 characters, folded after every `per` characters
 * onto a line starting with one space (a header continuation). */
static void folded_b64(struct mh_simgen *g, size_t n, size_t per)
{
	char line[128];
	if (per > sizeof(line))
		per = sizeof(line);
	while (n) {
		size_t k = n < per ? n : per;
		for (size_t i = 0; i < k; i++)
			line[i] = b64[mh_simgen_next(g) & 63];
		mh_simgen_addn(g, line, k);
		n -= k;
		if (n) {
			mh_simgen_eol(g);
			mh_simgen_addn(g, " ", 1);
		}
	}
}

static void guid(struct mh_simgen *g, char *out, size_t n)
{
	unsigned long long a = mh_simgen_next(g), b = mh_simgen_next(g);
	snprintf(out, n, "%08llx-%04llx-%04llx-%04llx-%012llx", a >> 32,
	         (a >> 16) & 0xffff, a & 0xffff, b >> 48,
	         b & 0xffffffffffffULL);
}

/* An Exchange Online mailbox server name: AM9PR07MB7123 and its
 * forest domain. */
static void exo_host(struct mh_simgen *g, char *out, size_t n)
{
	static const char *const sites[][2] = {
	        {"AM9PR07MB", "eurprd07"}, {"DB9PR07MB", "eurprd07"},
	        {"VI1PR03MB", "eurprd03"}, {"PAXPR08MB", "eurprd08"},
	        {"DU0PR02MB", "eurprd02"}, {"AS8PR04MB", "eurprd04"},
	};
	unsigned k = mh_simgen_below(g, NELEM(sites));
	snprintf(out, n, "%s%04u.%s.prod.outlook.com", sites[k][0],
	         1000 + mh_simgen_below(g, 9000), sites[k][1]);
}

void mh_simexo_received(struct mh_simgen *g, const char *client_host,
                        unsigned hops, int64_t t)
{
	char by[96], from[96], d[80];
	int64_t when = t;
	exo_host(g, by, sizeof(by));
	for (unsigned h = 0; h < hops; h++) {
		int last = h + 1 == hops;
		if (last)
			snprintf(from, sizeof(from), "%s", client_host);
		else
			exo_host(g, from, sizeof(from));
		mh_simgen_date(when, 0, 1, d, sizeof(d));
		mh_simgen_addf(g, "Received: from %s (2603:10a6:%x:%x::%x)",
		               from, 0x10 + mh_simgen_below(g, 0x7f0),
		               mh_simgen_below(g, 0x400),
		               1 + mh_simgen_below(g, 0x1f));
		mh_simgen_eol(g);
		mh_simgen_addf(g, " by %s (2603:10a6:%x:%x::%x) with", by,
		               0x10 + mh_simgen_below(g, 0x7f0),
		               mh_simgen_below(g, 0x400),
		               1 + mh_simgen_below(g, 0x1f));
		mh_simgen_eol(g);
		if (mh_simgen_below(g, 3) == 0)
			mh_simgen_add(g,
			              " Microsoft SMTP Server (version=TLS1_2,"
			              " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_"
			              "SHA384) id 15.20.7362.12;");
		else
			mh_simgen_addf(g,
			               " Microsoft SMTP Server id 15.20.%u.%u;",
			               7300 + mh_simgen_below(g, 200),
			               mh_simgen_below(g, 40));
		mh_simgen_eol(g);
		mh_simgen_addf(g, " %s", d);
		mh_simgen_eol(g);
		snprintf(by, sizeof(by), "%s", from);
		when -= 1 + (int64_t)mh_simgen_below(g, 3);
	}
}

void mh_simexo_arc(struct mh_simgen *g, unsigned i, const char *domain,
                   const char *sender_domain, int64_t t)
{
	mh_simgen_addf(g,
	               "ARC-Seal: i=%u; a=rsa-sha256; s=arcselector10001; "
	               "d=%s; cv=%s;",
	               i, domain, i > 1 ? "pass" : "none");
	mh_simgen_eol(g);
	mh_simgen_add(g, " b=");
	folded_b64(g, 342, 78);
	mh_simgen_add(g, "==");
	mh_simgen_eol(g);
	mh_simgen_addf(g,
	               "ARC-Message-Signature: i=%u; a=rsa-sha256; "
	               "c=relaxed/relaxed; d=%s;",
	               i, domain);
	mh_simgen_eol(g);
	mh_simgen_addf(g, " s=arcselector10001; t=%lld;", (long long)t);
	mh_simgen_eol(g);
	mh_simgen_add(g, " h=From:Date:Subject:Message-ID:Content-Type:"
	                 "MIME-Version:X-MS-Exchange-AntiSpam-MessageData-"
	                 "ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:"
	                 "X-MS-Exchange-AntiSpam-MessageData-1;");
	mh_simgen_eol(g);
	mh_simgen_add(g, " bh=");
	folded_b64(g, 43, 78);
	mh_simgen_add(g, "=;");
	mh_simgen_eol(g);
	mh_simgen_add(g, " b=");
	folded_b64(g, 342, 78);
	mh_simgen_add(g, "==");
	mh_simgen_eol(g);
	mh_simgen_addf(g,
	               "ARC-Authentication-Results: i=%u; mx.microsoft.com 1; "
	               "spf=pass",
	               i);
	mh_simgen_eol(g);
	mh_simgen_addf(g, " smtp.mailfrom=%s; dmarc=pass action=none",
	               sender_domain);
	mh_simgen_eol(g);
	mh_simgen_addf(g, " header.from=%s; dkim=pass header.d=%s; arc=%s",
	               sender_domain, sender_domain, i > 1 ? "pass" : "none");
	mh_simgen_eol(g);
}

void mh_simexo_antispam(struct mh_simgen *g, const char *tenant, int inbound,
                        int64_t t)
{
	char id[48], host[96], d[80];
	guid(g, id, sizeof(id));
	exo_host(g, host, sizeof(host));
	mh_simgen_date(t, 0, 1, d, sizeof(d));
	mh_simgen_field(g, "X-MS-Exchange-Organization-Network-Message-Id", id);
	mh_simgen_field(g, "X-MS-Exchange-Organization-SCL",
	                inbound ? "1" : "-1");
	mh_simgen_field(g, "X-MS-Exchange-Organization-AuthSource", host);
	mh_simgen_field(g, "X-MS-Exchange-Organization-AuthAs",
	                inbound ? "Anonymous" : "Internal");
	if (!inbound)
		mh_simgen_field(g, "X-MS-Exchange-Organization-AuthMechanism",
		                "04");
	mh_simgen_field(g, "X-MS-Exchange-Organization-MessageDirectionality",
	                inbound ? "Incoming" : "Originating");
	mh_simgen_field(g, "X-MS-Exchange-Organization-ExpirationStartTime", d);
	mh_simgen_field(g,
	                "X-MS-Exchange-Organization-ExpirationStartTimeReason",
	                "OriginalSubmit");
	mh_simgen_field(g, "X-MS-Exchange-Organization-ExpirationInterval",
	                "1:00:00:00.0000000");
	mh_simgen_field(g,
	                "X-MS-Exchange-Organization-ExpirationIntervalReason",
	                "OriginalSubmit");
	mh_simgen_field(g,
	                "X-MS-Exchange-Organization-Processed-By-BccFoldering",
	                "15.20.7362.010");
	mh_simgen_field(g, "X-MS-PublicTrafficType", "Email");
	mh_simgen_fieldf(g, "X-MS-TrafficTypeDiagnostic", "%.13s:EE_|%s", host,
	                 inbound ? "DB9PR07MB7771:EE_" : "");
	guid(g, id, sizeof(id));
	mh_simgen_field(g, "X-MS-Office365-Filtering-Correlation-Id", id);
	mh_simgen_fieldf(g, "X-LD-Processed", "%s,ExtAddr", tenant);
	mh_simgen_field(g, "X-MS-Exchange-SenderADCheck", "1");
	mh_simgen_field(g, "X-MS-Exchange-AntiSpam-Relay", "0");
	mh_simgen_field(
	        g, "X-Microsoft-Antispam",
	        "BCL:0;ARA:13230031|1800799015|366007|376005|38070700009;");
	mh_simgen_add(g, "X-Microsoft-Antispam-Message-Info:");
	mh_simgen_eol(g);
	mh_simgen_add(g, " ");
	folded_b64(g, 1800 + mh_simgen_below(g, 1400), 78);
	mh_simgen_eol(g);
	mh_simgen_fieldf(
	        g, "X-Forefront-Antispam-Report",
	        "CIP:255.255.255.255;CTRY:;LANG:en;SCL:%d;SRV:;IPV:NLI;"
	        "SFV:NSPM;H:%s;PTR:;CAT:NONE;SFS:(13230031)(1800799015)"
	        "(366007)(376005)(38070700009);DIR:%s;",
	        inbound ? 1 : -1, host, inbound ? "INB" : "OUT");
	mh_simgen_field(g, "X-MS-Exchange-AntiSpam-MessageData-ChunkCount",
	                "1");
	mh_simgen_add(g, "X-MS-Exchange-AntiSpam-MessageData-0:");
	mh_simgen_eol(g);
	mh_simgen_add(g, " ");
	folded_b64(g, 1400 + mh_simgen_below(g, 1200), 78);
	mh_simgen_eol(g);
	mh_simgen_field(g, "X-MS-Exchange-CrossTenant-Network-Message-Id", id);
	mh_simgen_field(g, "X-MS-Exchange-CrossTenant-AuthSource", host);
	mh_simgen_field(g, "X-MS-Exchange-CrossTenant-AuthAs",
	                inbound ? "Anonymous" : "Internal");
	mh_simgen_fieldf(g, "X-MS-Exchange-CrossTenant-OriginalArrivalTime",
	                 "%s", d);
	mh_simgen_field(g, "X-MS-Exchange-CrossTenant-FromEntityHeader",
	                inbound ? "Internet" : "Hosted");
	mh_simgen_field(g, "X-MS-Exchange-CrossTenant-Id", tenant);
	if (!inbound) {
		mh_simgen_field(g, "X-MS-Exchange-CrossTenant-MailboxType",
		                "HOSTED");
		mh_simgen_add(g,
		              "X-MS-Exchange-CrossTenant-UserPrincipalName: ");
		folded_b64(g, 88, 88);
		mh_simgen_eol(g);
	}
	mh_simgen_field(g, "X-MS-Exchange-Transport-CrossTenantHeadersStamped",
	                host);
}

/* MARK: - bodies */

/* Quoted-printable of raw[0..n) into g->out: '\n' ends a line, '=' and
 * bytes outside printable ASCII are escaped, lines are cut with soft
 * breaks ("=" at the end) before QP_LINE characters, as Outlook does. */
static void qp(struct mh_simgen *g, const char *raw, size_t n)
{
	char line[QP_LINE + 8] = {0};
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		char tok[4];
		size_t tl;
		if (c == '\n') {
			mh_simgen_addn(g, line, col);
			mh_simgen_eol(g);
			col = 0;
			continue;
		}
		/* A space before the line end must be encoded. */
		int space_last = c == ' ' && (i + 1 == n || raw[i + 1] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') ||
		    (c == ' ' && !space_last)) {
			tok[0] = (char)c;
			tl = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			tl = 3;
		}
		if (col + tl > QP_LINE - 1) {
			line[col++] = '=';
			mh_simgen_addn(g, line, col);
			mh_simgen_eol(g);
			col = 0;
		}
		memcpy(line + col, tok, tl);
		col += tl;
	}
	if (col) {
		mh_simgen_addn(g, line, col);
		mh_simgen_eol(g);
	}
}

/* Raw text into buf (the caller encodes it). */
static void add(struct mh_buf *b, const char *s)
{
	mh_buf_adds(b, s);
}

/* Sentences wrapped at 72 columns, one paragraph. */
static void text_paragraph(struct mh_simgen *g, struct mh_buf *b)
{
	unsigned n = 2 + mh_simgen_below(g, 5);
	size_t col = 0;
	char s[512];
	for (unsigned k = 0; k < n; k++) {
		size_t sl =
		        mh_simgen_sentence(g, MH_SIMBODY_8BIT, s, sizeof(s));
		const char *p = s;
		while (*p) {
			size_t wl = strcspn(p, " ");
			if (col && col + 1 + wl > 72) {
				mh_buf_addc(b, '\n');
				col = 0;
			} else if (col) {
				mh_buf_addc(b, ' ');
				col++;
			}
			mh_buf_add(b, p, wl);
			col += wl;
			p += wl;
			while (*p == ' ')
				p++;
		}
		(void)sl;
	}
	mh_buf_adds(b, "\n\n");
}

static const char *const spans[] = {
        "<span lang=\"EN-US\">",
        "<span lang=\"EN-GB\" style=\"font-size:11.0pt\">",
        "<span style=\"font-size:11.0pt;font-family:&quot;Calibri&quot;,"
        "sans-serif;color:#1F497D\">",
        "<span lang=\"DE\" style=\"mso-fareast-language:EN-US\">",
};

/* The same kind of paragraph as Word HTML: spans, &nbsp; spacers. */
static void html_paragraph(struct mh_simgen *g, struct mh_buf *b)
{
	unsigned n = 2 + mh_simgen_below(g, 5);
	char s[512];
	add(b, "<p class=\"MsoNormal\">");
	add(b, PICK(g, spans));
	for (unsigned k = 0; k < n; k++) {
		mh_simgen_sentence(g, MH_SIMBODY_8BIT, s, sizeof(s));
		if (k)
			add(b, mh_simgen_below(g, 4) ? " " : "&nbsp; ");
		add(b, s);
	}
	add(b, "<o:p></o:p></span></p>\n");
	add(b, "<p class=\"MsoNormal\"><span lang=\"EN-US\"><o:p>&nbsp;</o:p>"
	       "</span></p>\n");
}

static const char word_head[] =
        "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" "
        "xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
        "xmlns:w=\"urn:schemas-microsoft-com:office:word\" "
        "xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" "
        "xmlns=\"http://www.w3.org/TR/REC-html40\">\n"
        "<head>\n"
        "<meta http-equiv=\"Content-Type\" content=\"text/html; "
        "charset=utf-8\">\n"
        "<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered "
        "medium)\">\n"
        "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}\n"
        "o\\:* {behavior:url(#default#VML);}\n"
        "w\\:* {behavior:url(#default#VML);}\n"
        ".shape {behavior:url(#default#VML);}\n"
        "</style><![endif]--><style><!--\n"
        "/* Font Definitions */\n"
        "@font-face\n\t{font-family:\"Cambria Math\";\n\tpanose-1:2 4 5 3 5 4 "
        "6 3 2 4;}\n"
        "@font-face\n\t{font-family:Calibri;\n\tpanose-1:2 15 5 2 2 2 4 3 2 "
        "4;}\n"
        "@font-face\n\t{font-family:Aptos;}\n"
        "/* Style Definitions */\n"
        "p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\t"
        "font-size:11.0pt;\n\tfont-family:\"Calibri\",sans-serif;\n\t"
        "mso-ligatures:standardcontextual;\n\tmso-fareast-language:EN-US;}\n"
        "a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\t"
        "color:#0563C1;\n\ttext-decoration:underline;}\n"
        "span.EmailStyle17\n\t{mso-style-type:personal-compose;\n\t"
        "font-family:\"Calibri\",sans-serif;\n\tcolor:windowtext;}\n"
        ".MsoChpDefault\n\t{mso-style-type:export-only;\n\t"
        "font-size:10.0pt;\n\tmso-ligatures:none;}\n"
        "@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:72.0pt "
        "72.0pt 72.0pt 72.0pt;}\n"
        "div.WordSection1\n\t{page:WordSection1;}\n"
        "--></style><!--[if gte mso 9]><xml>\n"
        "<o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />\n"
        "</xml><![endif]--><!--[if gte mso 9]><xml>\n"
        "<o:shapelayout v:ext=\"edit\">\n"
        "<o:idmap v:ext=\"edit\" data=\"1\" />\n"
        "</o:shapelayout></xml><![endif]-->\n"
        "</head>\n"
        "<body lang=\"EN-US\" link=\"#0563C1\" vlink=\"#954F72\" "
        "style=\"word-wrap:break-word\">\n"
        "<div class=\"WordSection1\">\n";

/* Outlook's header block of a quoted or forwarded message. */
static void orig_block(struct mh_simgen *g, const struct mh_simorig *o,
                       struct mh_buf *text, struct mh_buf *html)
{
	char d[80], from[400], to[400];
	mh_simgen_date(o->t, o->tz, 0, d, sizeof(d));
	snprintf(from, sizeof(from), "%s <%s>", o->from.txt ? o->from.txt : "",
	         o->from.addr);
	snprintf(to, sizeof(to), "%s <%s>", o->to.txt ? o->to.txt : "",
	         o->to.addr);
	mh_buf_printf(text,
	              "________________________________\nFrom: %s\nSent: %s\n"
	              "To: %s\nSubject: %s\n\n",
	              from, d, to, o->subject_txt ? o->subject_txt : "");
	mh_buf_printf(
	        html,
	        "<div style=\"border:none;border-top:solid #E1E1E1 1.0pt;"
	        "padding:3.0pt 0cm 0cm 0cm\">\n<p class=\"MsoNormal\"><b>"
	        "<span lang=\"EN-US\">From:</span></b><span lang=\"EN-US\">"
	        " %s &lt;%s&gt; <br>\n<b>Sent:</b> %s<br>\n<b>To:</b> %s "
	        "&lt;%s&gt;<br>\n<b>Subject:</b> %s<o:p></o:p></span></p>\n"
	        "</div>\n",
	        o->from.txt ? o->from.txt : "", o->from.addr, d,
	        o->to.txt ? o->to.txt : "", o->to.addr,
	        o->subject_txt ? o->subject_txt : "");
}

static void body_boundary(struct mh_simgen *g, const char *kind, char *out,
                          size_t n)
{
	snprintf(out, n, "_%s_DB9PR07MB7771%012llX_", kind,
	         (unsigned long long)(mh_simgen_next(g) & 0xffffffffffffULL));
}

void mh_simexo_body(struct mh_simgen *g, const struct mh_simexo_body *bd)
{
	struct mh_buf text = MH_BUF_INIT((size_t)1 << 22);
	struct mh_buf html = MH_BUF_INIT((size_t)1 << 22);
	char alt[80], rel[80], cid[64];
	unsigned paras = bd->paragraphs ? bd->paragraphs : 1;

	body_boundary(g, "000", alt, sizeof(alt));
	body_boundary(g, "004", rel, sizeof(rel));
	snprintf(cid, sizeof(cid), "image001.png@01DA%04llX.%08llX",
	         (unsigned long long)(mh_simgen_next(g) & 0xffff),
	         (unsigned long long)(mh_simgen_next(g) >> 32));

	/* The text and the HTML carry the same words: replay the state. */
	uint64_t saved = g->rng;
	for (unsigned i = 0; i < paras; i++)
		text_paragraph(g, &text);
	g->rng = saved;
	add(&html, word_head);
	for (unsigned i = 0; i < paras; i++)
		html_paragraph(g, &html);
	if (bd->signer) {
		mh_buf_printf(&text, "%s\n%s | %s\n%s\n\n", bd->signer,
		              bd->title ? bd->title : "",
		              bd->org ? bd->org : "",
		              bd->phone ? bd->phone : "");
		mh_buf_printf(
		        &html,
		        "<p class=\"MsoNormal\"><b><span "
		        "style=\"color:#1F3864\">"
		        "%s</span></b><span style=\"color:#1F3864\"><br>%s | %s"
		        "<br>%s<o:p></o:p></span></p>\n",
		        bd->signer, bd->title ? bd->title : "",
		        bd->org ? bd->org : "", bd->phone ? bd->phone : "");
		if (bd->image) {
			mh_buf_printf(&text, "[logo]\n\n");
			mh_buf_printf(
			        &html,
			        "<p class=\"MsoNormal\"><img width=\"120\" "
			        "height=\"40\" style=\"width:1.25in;"
			        "height:.4166in\" id=\"Picture_x0020_1\" "
			        "src=\"cid:%s\" alt=\"logo\"><o:p></o:p>"
			        "</p>\n",
			        cid);
		}
	}
	if (bd->orig) {
		orig_block(g, bd->orig, &text, &html);
		unsigned n = 1 + mh_simgen_below(g, 3);
		saved = g->rng;
		for (unsigned i = 0; i < n; i++)
			text_paragraph(g, &text);
		g->rng = saved;
		for (unsigned i = 0; i < n; i++)
			html_paragraph(g, &html);
	}
	if (bd->disclaimer) {
		/* Wrapped at 72 in the text; one paragraph in the HTML. */
		size_t col = 0;
		mh_buf_adds(&text, "\n");
		for (const char *w = bd->disclaimer; *w;) {
			size_t wl = strcspn(w, " ");
			if (col && col + 1 + wl > 72) {
				mh_buf_addc(&text, '\n');
				col = 0;
			} else if (col) {
				mh_buf_addc(&text, ' ');
				col++;
			}
			mh_buf_add(&text, w, wl);
			col += wl;
			w += wl;
			while (*w == ' ')
				w++;
		}
		mh_buf_adds(&text, "\n");
		mh_buf_printf(&html,
		              "<p class=\"MsoNormal\"><span style=\"font-size:"
		              "8.0pt;color:gray\">%s<o:p></o:p></span></p>\n",
		              bd->disclaimer);
	}
	add(&html, "</div>\n</body>\n</html>\n");

	if (bd->image) {
		mh_simgen_add(g, "Content-Type: multipart/related;");
		mh_simgen_eol(g);
		mh_simgen_addf(g, "\tboundary=\"%s\";", rel);
		mh_simgen_eol(g);
		mh_simgen_add(g, "\ttype=\"multipart/alternative\"");
		mh_simgen_eol(g);
		mh_simgen_eol(g);
		mh_simgen_addf(g, "--%s", rel);
		mh_simgen_eol(g);
	}
	mh_simgen_add(g, "Content-Type: multipart/alternative;");
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tboundary=\"%s\"", alt);
	mh_simgen_eol(g);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "--%s", alt);
	mh_simgen_eol(g);
	mh_simgen_field(g, "Content-Type", "text/plain; charset=\"utf-8\"");
	mh_simgen_field(g, "Content-Transfer-Encoding", "quoted-printable");
	mh_simgen_eol(g);
	qp(g, text.p ? text.p : "", text.len);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "--%s", alt);
	mh_simgen_eol(g);
	mh_simgen_field(g, "Content-Type", "text/html; charset=\"utf-8\"");
	mh_simgen_field(g, "Content-Transfer-Encoding", "quoted-printable");
	mh_simgen_eol(g);
	qp(g, html.p ? html.p : "", html.len);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "--%s--", alt);
	mh_simgen_eol(g);
	if (bd->image) {
		mh_simgen_eol(g);
		mh_simgen_addf(g, "--%s", rel);
		mh_simgen_eol(g);
		mh_simgen_field(g, "Content-Type",
		                "image/png; name=\"image001.png\"");
		mh_simgen_field(g, "Content-Description", "image001.png");
		mh_simgen_field(g, "Content-Disposition",
		                "inline; filename=\"image001.png\"; size=4187");
		mh_simgen_fieldf(g, "Content-ID", "<%s>", cid);
		mh_simgen_field(g, "Content-Transfer-Encoding", "base64");
		mh_simgen_eol(g);
		mh_simgen_base64(g, "iVBORw0KGgoAAAANSUhEUgAA",
		                 2048 + mh_simgen_below(g, 4096));
		mh_simgen_eol(g);
		mh_simgen_addf(g, "--%s--", rel);
		mh_simgen_eol(g);
	}
	if (!text.len || !html.len) /* an append failed */
		g->oom = 1;
	mh_buf_release(&text);
	mh_buf_release(&html);
}
