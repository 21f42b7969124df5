/*-------------------------------------------------------------------------
 *
 * payload.c
 *	  Typed reads from jsonb payloads; each failed read records a problem.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

/* Looks key up in the top-level object of obj. */
void
payload_get(Jsonb *obj, const char *key, PayloadField *out)
{
	payload_get_container(&obj->root, key, out);
}

/* Looks key up in the object container c. */
void
payload_get_container(JsonbContainer *c, const char *key, PayloadField *out)
{
	memset(out, 0, sizeof(PayloadField));
	if (getKeyJsonValueFromContainer(c, key, strlen(key), &out->value) == NULL)
		return;
	out->present = true;
	out->is_null = (out->value.type == jbvNull);
}

/* The JSON type name of v, for messages. */
const char *
jsonb_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "array" : "object";
		case jbvArray:
			return "array";
		case jbvObject:
			return "object";
		default:
			return "unknown";
	}
}

/*
 * Reads a string field with length limits in characters.  Returns a palloc'd
 * copy, or NULL when absent, null, or invalid (problems recorded).
 */
char *
payload_text(const PayloadField *f, TaskProblems *p, const char *path,
			 bool required, bool nullable, int min_chars, int max_chars)
{
	const char *s;
	int			len,
				chars;

	if (!f->present)
	{
		if (required)
			problem_add(p, path, "required", "is required");
		return NULL;
	}
	if (f->is_null)
	{
		if (!nullable || required)
			problem_add(p, path, "invalid_type", "must be a string, not null");
		return NULL;
	}
	if (f->value.type != jbvString)
	{
		problem_add(p, path, "invalid_type", "must be a string, not %s",
					jsonb_type_name(&f->value));
		return NULL;
	}
	s = f->value.val.string.val;
	len = f->value.val.string.len;
	chars = pg_mbstrlen_with_len(s, len);
	if (chars < min_chars)
	{
		problem_add(p, path, min_chars == 1 ? "empty" : "too_short",
					min_chars == 1 ? "must not be empty" : "must be at least %d characters",
					min_chars);
		return NULL;
	}
	if (max_chars > 0 && chars > max_chars)
	{
		problem_add(p, path, "too_long", "must be at most %d characters (got %d)",
					max_chars, chars);
		return NULL;
	}
	return pnstrdup(s, len);
}

/* Reads a uuid string value at path into out; false (problem recorded) when it is not one. */
bool
payload_uuid_value(const JsonbValue *v, const char *path, pg_uuid_t *out, TaskProblems *p)
{
	char	   *s;

	if (v->type != jbvString)
	{
		problem_add(p, path, "invalid_type", "must be a uuid string, not %s", jsonb_type_name(v));
		return false;
	}
	s = pnstrdup(v->val.string.val, Min(v->val.string.len, 64));
	if (v->val.string.len > 36 || !payload_uuid(s, out))
	{
		problem_add(p, path, "invalid_uuid", "must be a uuid");
		return false;
	}
	return true;
}

/* Parses s (NUL-terminated) as a canonical uuid without raising. */
bool
payload_uuid(const char *s, pg_uuid_t *out)
{
	size_t		len = s ? strlen(s) : 0;
	int			n = 0;

	if (len != 36 && len != 32)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];
		int			v;

		if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23))
		{
			if (c != '-')
				return false;
			continue;
		}
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		if (n % 2 == 0)
			out->data[n / 2] = (unsigned char) (v << 4);
		else
			out->data[n / 2] |= (unsigned char) v;
		n++;
	}
	return n == 32;
}

/* Whether key (len bytes, not NUL-terminated) is one of list. */
bool
key_in_list(const char *key, int len, const char *const *list)
{
	for (const char *const *k = list; *k; k++)
		if (strlen(*k) == (size_t) len && memcmp(*k, key, len) == 0)
			return true;
	return false;
}

/*
 * The keys of the object c that are not in known, as C strings clipped to
 * PAYLOAD_KEY_SHOWN bytes on a character boundary (they are echoed back).
 */
List *
payload_unknown_keys(JsonbContainer *c, const char *const *known)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *out = NIL;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		if (tok == WJB_KEY && !key_in_list(v.val.string.val, v.val.string.len, known))
			out = lappend(out, pnstrdup(v.val.string.val,
										pg_mbcliplen(v.val.string.val, v.val.string.len,
													 PAYLOAD_KEY_SHOWN)));
	}
	return out;
}

/* Records unknown_field for every key of the object c that is not in known. */
void
payload_reject_unknown(JsonbContainer *c, const char *base,
					   const char *const *known, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, payload_unknown_keys(c, known))
		problem_add(p, json_pointer_key(base, lfirst(lc), strlen(lfirst(lc))),
					"unknown_field", "is not a known field");
}
