/* json.h - a minimal streaming JSON writer into a growable buffer, with
 * correct string escaping. Commas between members are handled for the
 * caller. Output-only: lastleaf never parses JSON in C. */
#ifndef LL_JSON_H
#define LL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

struct json_out {
	struct ll_buf b;
	int depth;
	bool need_comma[64];
	bool after_key; /* the next value follows a key: no comma */
	bool failed; /* out of memory; json_str() then returns "null" */
};

void json_init(struct json_out *j);
void json_free(struct json_out *j);
const char *json_str(struct json_out *j);
void json_obj_begin(struct json_out *j);
void json_obj_end(struct json_out *j);
void json_arr_begin(struct json_out *j);
void json_arr_end(struct json_out *j);
void json_key(struct json_out *j, const char *k); /* then one value call */
void json_str_val(struct json_out *j, const char *s); /* NULL -> null */
void json_int_val(struct json_out *j, int64_t v);
void json_null_val(struct json_out *j);
/* Inserts already-valid JSON text as one value. */
void json_raw_val(struct json_out *j, const char *text);
void json_kv_str(struct json_out *j, const char *k, const char *v);
void json_kv_int(struct json_out *j, const char *k, int64_t v);
void json_kv_bool(struct json_out *j, const char *k, bool v);
void json_kv_null(struct json_out *j, const char *k);
void json_obj_key_begin(struct json_out *j, const char *k); /* "k": { */
void json_arr_key_begin(struct json_out *j, const char *k); /* "k": [ */

#endif
