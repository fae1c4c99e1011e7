/* report_html.h - the report as one self-contained HTML page (inline CSS
 * and SVG, no scripts or fonts from anywhere): per CA certificate a drain
 * chart of live leaves over time, with today, the freeze, due_at and
 * violations marked, the plan table and the deadlines. */
#ifndef LL_REPORT_HTML_H
#define LL_REPORT_HTML_H

#include "buf.h"
#include "report.h"

bool report_html(const struct report *r, struct ll_buf *out) LL_MUSTCHECK;

#endif
