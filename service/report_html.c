/* report_html.c - see report_html.h. */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#define W 720
#define H 220
#define PADL 60
#define PADR 20
#define PADT 20
#define PADB 40

static bool esc(struct ll_buf *b, const char *s)
{
	for (; s && *s; s++) {
		bool ok;
		switch (*s) {
		case '<': ok = ll_buf_printf(b, "&lt;"); break;
		case '>': ok = ll_buf_printf(b, "&gt;"); break;
		case '&': ok = ll_buf_printf(b, "&amp;"); break;
		case '"': ok = ll_buf_printf(b, "&quot;"); break;
		default: ok = ll_buf_putc(b, (uint8_t)*s);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* A JSON string field of the plan object, without a JSON parser: the
 * object comes from our own writer, so keys are unique and unescaped. */
static void plan_field(const char *json, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;

	out[0] = '\0';
	if (!json)
		return;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return;
	p += strlen(pat);
	if (*p == '"') {
		const char *q = strchr(p + 1, '"');
		if (q)
			snprintf(out, len, "%.*s", (int)(q - p - 1), p + 1);
	} else
		snprintf(out, len, "%.*s", (int)strcspn(p, ",}"), p);
}

static double xpos(ll_time t, ll_time t0, ll_time t1)
{
	if (t1 <= t0)
		return PADL;
	return PADL + (double)(t - t0) * (W - PADL - PADR) / (double)(t1 - t0);
}

static bool marker(struct ll_buf *b, const char *cls, const char *label, ll_time t, ll_time t0,
		   ll_time t1, int row)
{
	double x;

	if (t < t0 || t > t1)
		return true;
	x = xpos(t, t0, t1);
	return ll_buf_printf(b, "<line class=\"mark %s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
				"<text class=\"mark-label %s\" x=\"%.1f\" y=\"%d\">%s</text>",
			     cls, x, PADT, x, H - PADB, cls, x + 3, PADT + 12 + row * 12, label);
}

/* Live leaves at the start of each month, from the expiry histogram:
 * what remains after the earlier months' leaves have expired. */
static bool drain_chart(struct ll_buf *b, const struct report_row *row, ll_time at)
{
	ll_time t0 = at, t1 = row->has_live ? row->last_expiry : at + 86400, due = 0, freeze = 0;
	int64_t remaining = row->live_leaves, maxv = row->live_leaves > 0 ? row->live_leaves : 1;
	char due_s[40], freeze_s[40], viol[24];
	size_t i;
	bool ok = true;

	plan_field(row->plan_json, "due_at", due_s, sizeof(due_s));
	plan_field(row->plan_json, "freeze_at", freeze_s, sizeof(freeze_s));
	plan_field(row->plan_json, "violations", viol, sizeof(viol));
	if (due_s[0] && ll_time_parse_rfc3339(due_s, &due) && due > t1)
		t1 = due;
	if (freeze_s[0])
		ll_time_parse_rfc3339(freeze_s, &freeze);
	t1 += (t1 - t0) / 20 + 86400;
	ok &= ll_buf_printf(b, "<svg class=\"drain\" data-sha256=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
			       "height=\"%d\" role=\"img\" aria-label=\"live dependents over time\">",
			    row->sha256, W, H, W, H);
	ok &= ll_buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			       "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
			    PADL, H - PADB, W - PADR, H - PADB, PADL, PADT, PADL, H - PADB);
	ok &= ll_buf_printf(b, "<text class=\"ylabel\" x=\"%d\" y=\"%d\">%lld</text>"
			       "<text class=\"ylabel\" x=\"%d\" y=\"%d\">0</text>",
			    4, PADT + 10, (long long)maxv, 4, H - PADB);
	/* the step line: stays flat within a month, drops at each month's start */
	ok &= ll_buf_printf(b, "<path class=\"series\" d=\"M%.1f %.1f", xpos(t0, t0, t1),
			    (double)PADT + (double)(maxv - remaining) * (H - PADT - PADB) / (double)maxv);
	for (i = 0; i < row->nhist && ok; i++) {
		int y, m;
		ll_time start;
		char iso[16];

		if (sscanf(row->hist[i].month, "%d-%d", &y, &m) != 2)
			continue;
		snprintf(iso, sizeof(iso), "%04d-%02d-01", y, m);
		ll_time_parse_rfc3339(iso, &start);
		start += 31 * 86400; /* leaves of this month are gone by its end */
		if (start > t1)
			start = t1;
		remaining -= row->hist[i].count;
		ok &= ll_buf_printf(b, " H%.1f V%.1f", xpos(start < t0 ? t0 : start, t0, t1),
				    (double)PADT + (double)(maxv - remaining) * (H - PADT - PADB) / (double)maxv);
	}
	ok &= ll_buf_printf(b, " H%.1f\"/>", xpos(t1, t0, t1));
	ok &= marker(b, "today", "today", at, t0, t1, 0);
	if (freeze)
		ok &= marker(b, "freeze", "freeze", freeze, t0, t1, 1);
	if (due)
		ok &= marker(b, "due", "due", due, t0, t1, 2);
	if (viol[0] && atoll(viol) > 0)
		ok &= ll_buf_printf(b, "<text class=\"violations\" x=\"%d\" y=\"%d\">%s freeze violation(s)</text>",
				    W - PADR - 180, PADT + 12, viol);
	{
		char a[LL_TIME_RFC3339_LEN], z[LL_TIME_RFC3339_LEN];
		ll_time_format_rfc3339(t0, a);
		ll_time_format_rfc3339(t1, z);
		ok &= ll_buf_printf(b, "<text class=\"xlabel\" x=\"%d\" y=\"%d\">%.10s</text>"
				       "<text class=\"xlabel\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.10s</text>",
				    PADL, H - PADB + 16, a, W - PADR, H - PADB + 16, z);
	}
	return ok && ll_buf_printf(b, "</svg>");
}

bool report_html(const struct report *r, struct ll_buf *b)
{
	char at[LL_TIME_RFC3339_LEN], t1[LL_TIME_RFC3339_LEN], t2[LL_TIME_RFC3339_LEN];
	size_t i;
	bool ok = true;

	ll_time_format_rfc3339(r->at, at);
	ok &= ll_buf_printf(b,
		"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>lastleaf report %s</title><style>"
		"body{font-family:system-ui,sans-serif;margin:2em;color:#111;max-width:960px}"
		"h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em;border-top:1px solid #ccc;padding-top:1em}"
		"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .5em;"
		"font-size:.9em;text-align:left}th{background:#eee}.num{text-align:right}"
		".axis{stroke:#333}.series{fill:none;stroke:#1565c0;stroke-width:2}"
		".mark{stroke-dasharray:4 3;stroke-width:1.5}.mark.today{stroke:#555}.mark.freeze{stroke:#ef6c00}"
		".mark.due{stroke:#c62828}.mark-label{font-size:11px}.violations{fill:#c62828;font-weight:bold;"
		"font-size:12px}.ylabel,.xlabel{font-size:11px;fill:#333}.bad{color:#c62828;font-weight:bold}"
		"code{font-size:.85em}@media print{body{margin:0}h2{page-break-before:auto}svg{max-width:100%%}}"
		"</style></head><body><h1>lastleaf: live leaves and retirement plans</h1>"
		"<p>Report at <time class=\"at\">%s</time>. Live = not expired and not revoked at that time.</p>",
		at, at);
	ok &= ll_buf_printf(b, "<table class=\"summary\"><tr><th>CA</th><th>certificate</th><th>notAfter</th>"
			       "<th>live leaves</th><th>last expiry</th><th>plan</th><th>due</th>"
			       "<th>violations</th></tr>");
	for (i = 0; i < r->n && ok; i++) {
		const struct report_row *row = &r->rows[i];
		char due[40] = "", state[16] = "", viol[24] = "";

		plan_field(row->plan_json, "due_at", due, sizeof(due));
		plan_field(row->plan_json, "state", state, sizeof(state));
		plan_field(row->plan_json, "violations", viol, sizeof(viol));
		ok &= ll_buf_printf(b, "<tr data-sha256=\"%s\"><td>", row->sha256) && esc(b, row->name);
		ok &= ll_buf_printf(b, "</td><td><code>%.16s</code></td><td>%s</td><td class=\"num live-leaves\">%lld"
				       "</td><td class=\"last-expiry\">%s</td><td class=\"plan-state\">%s</td>"
				       "<td class=\"due-at\">%s</td><td class=\"num violations%s\">%s</td></tr>",
				    row->sha256, ll_time_format_rfc3339(row->not_after, t1),
				    (long long)row->live_leaves,
				    row->has_live ? ll_time_format_rfc3339(row->last_expiry, t2) : "-",
				    state[0] ? state : "-", due[0] ? due : "-",
				    viol[0] && atoll(viol) > 0 ? " bad" : "", viol[0] ? viol : "-");
	}
	ok &= ll_buf_printf(b, "</table>");
	for (i = 0; i < r->n && ok; i++) {
		const struct report_row *row = &r->rows[i];
		char f[64];

		ok &= ll_buf_printf(b, "<h2>") && esc(b, row->name) && ll_buf_printf(b, " &mdash; ") &&
		      esc(b, row->subject) && ll_buf_printf(b, "</h2><p>Certificate <code>%s</code>, "
							  "live dependents <b class=\"live\">%lld</b>.</p>",
							  row->sha256, (long long)row->live_leaves);
		ok &= drain_chart(b, row, r->at);
		if (row->plan_json) {
			static const char *const keys[] = {"state", "policy", "reason", "freeze_at", "due_at",
							   "policy_due_at", "live_dependents", "violations",
							   "last_dependent_serial", "executed_at", "parent_crl_number"};
			size_t k;

			ok &= ll_buf_printf(b, "<table class=\"plan\">");
			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				plan_field(row->plan_json, keys[k], f, sizeof(f));
				ok &= ll_buf_printf(b, "<tr><th>%s</th><td class=\"%s\">%s</td></tr>", keys[k],
						    keys[k], f[0] && strcmp(f, "null") ? f : "-");
			}
			ok &= ll_buf_printf(b, "</table><p>Deadlines after revocation: the parent's CRL and "
					       "OCSP within 24 hours (C4), the CCADB record within 7 days (C6).</p>");
		}
	}
	return ok && ll_buf_printf(b, "</body></html>\n");
}
