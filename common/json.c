/* json.c - see json.h. */
#include "json.h"

#include <stdio.h>
#include <string.h>

void json_init(struct json_out *j)
{
	memset(j, 0, sizeof(*j));
	ll_buf_init(&j->b, 1u << 30);
}

void json_free(struct json_out *j)
{
	ll_buf_free(&j->b);
}

const char *json_str(struct json_out *j)
{
	if (j->failed || !ll_buf_reserve(&j->b, 1))
		return "null";
	j->b.data[j->b.len] = '\0';
	return (const char *)j->b.data;
}

static void raw(struct json_out *j, const char *s, size_t n)
{
	if (!j->failed && !ll_buf_append(&j->b, s, n))
		j->failed = true;
}

/* Emits the separating comma before a new array element or object member;
 * a value that follows its key gets none. */
static void value_sep(struct json_out *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->depth < 64) {
		if (j->need_comma[j->depth])
			raw(j, ",", 1);
		j->need_comma[j->depth] = true;
	}
}

static void escaped(struct json_out *j, const char *s);

void json_key(struct json_out *j, const char *k)
{
	value_sep(j);
	escaped(j, k);
	raw(j, ":", 1);
	j->after_key = true;
}

static void begin(struct json_out *j, char c)
{
	value_sep(j);
	raw(j, &c, 1);
	if (j->depth < 63)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void end(struct json_out *j, char c)
{
	raw(j, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json_out *j) { begin(j, '{'); }
void json_obj_end(struct json_out *j) { end(j, '}'); }
void json_arr_begin(struct json_out *j) { begin(j, '['); }
void json_arr_end(struct json_out *j) { end(j, ']'); }

static void escaped(struct json_out *j, const char *s)
{
	raw(j, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[8];

		switch (c) {
		case '"': raw(j, "\\\"", 2); break;
		case '\\': raw(j, "\\\\", 2); break;
		case '\n': raw(j, "\\n", 2); break;
		case '\r': raw(j, "\\r", 2); break;
		case '\t': raw(j, "\\t", 2); break;
		default:
			if (c < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				raw(j, tmp, 6);
			} else {
				raw(j, (const char *)&c, 1);
			}
		}
	}
	raw(j, "\"", 1);
}

void json_str_val(struct json_out *j, const char *s)
{
	value_sep(j);
	if (!s)
		raw(j, "null", 4);
	else
		escaped(j, s);
}

void json_int_val(struct json_out *j, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	value_sep(j);
	raw(j, tmp, (size_t)n);
}

void json_null_val(struct json_out *j)
{
	value_sep(j);
	raw(j, "null", 4);
}

void json_raw_val(struct json_out *j, const char *text)
{
	value_sep(j);
	raw(j, text, strlen(text));
}

void json_kv_str(struct json_out *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str_val(j, v);
}

void json_kv_int(struct json_out *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int_val(j, v);
}

void json_kv_bool(struct json_out *j, const char *k, bool v)
{
	json_key(j, k);
	value_sep(j);
	raw(j, v ? "true" : "false", v ? 4 : 5);
}

void json_kv_null(struct json_out *j, const char *k)
{
	json_key(j, k);
	json_null_val(j);
}

void json_obj_key_begin(struct json_out *j, const char *k)
{
	json_key(j, k);
	json_obj_begin(j);
}

void json_arr_key_begin(struct json_out *j, const char *k)
{
	json_key(j, k);
	json_arr_begin(j);
}
