/*-------------------------------------------------------------------------
 *
 * dialect.c
 *	  The machinery every vendor dialect shares.
 *
 * A dialect is a thin translation: vendor body in, native payload out (built
 * here as JSON text), the one engine in the middle, and the vendor response
 * read back by one kept SPI plan per dialect (also callable from SQL as
 * tasks._<dialect>_response).  Problems found by the engine carry native JSON
 * pointers; dialect_vendor_field maps them back to the vendor field that
 * produced them, so each dialect can phrase them in its own error body.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/* Starts a dialect call: identity, SPI, an empty native payload. */
void
dialect_begin(DialectContext *ctx, const char *name)
{
	memset(ctx, 0, sizeof(DialectContext));
	ctx->name = name;
	identity_current(&ctx->who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	initStringInfo(&ctx->native);
	appendStringInfoChar(&ctx->native, '{');
}

/* Appends any JsonbValue as JSON text. */
void
json_append_value(StringInfo buf, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(buf, "null");
			break;
		case jbvString:
			json_append_string(buf, v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(numeric_out,
																			NumericGetDatum(v->val.numeric))));
			break;
		case jbvBool:
			appendStringInfoString(buf, v->val.boolean ? "true" : "false");
			break;
		case jbvBinary:
			(void) JsonbToCString(buf, v->val.binary.data, v->val.binary.len);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/* A NUL-terminated copy of a string value, or NULL for anything else. */
char *
jsonb_string_dup(const JsonbValue *v)
{
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Starts "key": in the native payload. */
static void
native_key(DialectContext *ctx, const char *key)
{
	if (ctx->nkeys++ > 0)
		appendStringInfoString(&ctx->native, ", ");
	json_append_string(&ctx->native, key, strlen(key));
	appendStringInfoString(&ctx->native, ": ");
}

/* Sets a native key to a value taken from the vendor body, unchanged. */
void
dialect_put_value(DialectContext *ctx, const char *key, const JsonbValue *v)
{
	native_key(ctx, key);
	json_append_value(&ctx->native, v);
}

/* Sets a native key to a string (NULL writes JSON null). */
void
dialect_put_text(DialectContext *ctx, const char *key, const char *s)
{
	native_key(ctx, key);
	if (s == NULL)
		appendStringInfoString(&ctx->native, "null");
	else
		json_append_string(&ctx->native, s, strlen(s));
}

/* Sets a native key to JSON text the dialect built itself. */
void
dialect_put_json(DialectContext *ctx, const char *key, const char *json)
{
	native_key(ctx, key);
	appendStringInfoString(&ctx->native, json);
}

/* Adds an assignee (member or agent id as text). */
void
dialect_add_assignee(DialectContext *ctx, const char *id, const char *vendor_field)
{
	ctx->assignees = lappend(ctx->assignees, pstrdup(id));
	ctx->assignee_fields = lappend(ctx->assignee_fields, pstrdup(vendor_field));
}

/* Adds a link by id (id set) or by name (name set). */
void
dialect_add_link(DialectContext *ctx, const char *kind, const char *relation,
				 const char *id, const char *name, const char *vendor_field)
{
	DialectLink *l = palloc0(sizeof(DialectLink));

	l->kind = pstrdup(kind);
	l->relation = pstrdup(relation ? relation : kind);
	l->id = id ? pstrdup(id) : NULL;
	l->name = name ? pstrdup(name) : NULL;
	l->vendor_field = pstrdup(vendor_field);
	ctx->links = lappend(ctx->links, l);
}

/* Whether a link under relation was already added. */
bool
dialect_has_link(const DialectContext *ctx, const char *relation)
{
	ListCell   *lc;

	foreach(lc, ctx->links)
		if (strcmp(((DialectLink *) lfirst(lc))->relation, relation) == 0)
			return true;
	return false;
}

/* Adds a dependency on another task of the workspace. */
void
dialect_add_dependency(DialectContext *ctx, const char *id, const char *vendor_field)
{
	ctx->dependencies = lappend(ctx->dependencies, pstrdup(id));
	ctx->dependency_fields = lappend(ctx->dependency_fields, pstrdup(vendor_field));
}

/* Writes a list of strings as a JSON array under key. */
static void
put_string_list(DialectContext *ctx, const char *key, List *items)
{
	ListCell   *lc;

	native_key(ctx, key);
	appendStringInfoChar(&ctx->native, '[');
	foreach(lc, items)
	{
		const char *s = lfirst(lc);

		if (lc != list_head(items))
			appendStringInfoString(&ctx->native, ", ");
		json_append_string(&ctx->native, s, strlen(s));
	}
	appendStringInfoChar(&ctx->native, ']');
}

/* Writes the collected links as the native "links" array. */
static void
put_links(DialectContext *ctx)
{
	ListCell   *lc;

	native_key(ctx, "links");
	appendStringInfoChar(&ctx->native, '[');
	foreach(lc, ctx->links)
	{
		DialectLink *l = lfirst(lc);
		StringInfo	b = &ctx->native;

		if (lc != list_head(ctx->links))
			appendStringInfoString(b, ", ");
		appendStringInfoString(b, "{\"kind\": ");
		json_append_string(b, l->kind, strlen(l->kind));
		appendStringInfoString(b, ", \"relation\": ");
		json_append_string(b, l->relation, strlen(l->relation));
		appendStringInfoString(b, l->id ? ", \"id\": " : ", \"name\": ");
		json_append_string(b, l->id ? l->id : l->name, strlen(l->id ? l->id : l->name));
		appendStringInfoChar(b, '}');
	}
	appendStringInfoChar(&ctx->native, ']');
}

/* Finishes the native payload and runs the engine. */
bool
dialect_create(DialectContext *ctx, TaskProblems *p)
{
	Jsonb	   *native;

	if (ctx->assignees != NIL)
		put_string_list(ctx, "assignee_ids", ctx->assignees);
	if (ctx->links != NIL)
		put_links(ctx);
	if (ctx->dependencies != NIL)
		put_string_list(ctx, "dependency_ids", ctx->dependencies);
	appendStringInfoChar(&ctx->native, '}');
	native = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(ctx->native.data)));
	return task_engine_create(native, &ctx->who, &ctx->draft, p);
}

/* The index in a native path "<prefix>/<n>[/...]" after prefix, or -1. */
int
dialect_path_index(const char *path, const char *prefix)
{
	size_t		len = strlen(prefix);
	char	   *end;
	long		n;

	if (strncmp(path, prefix, len) != 0 || path[len] != '/')
		return -1;
	n = strtol(path + len + 1, &end, 10);
	if (end == path + len + 1 || (*end != '\0' && *end != '/') || n < 0 || n > INT_MAX)
		return -1;
	return (int) n;
}

/* The vendor field behind a native problem path. */
const char *
dialect_vendor_field(const DialectContext *ctx, const char *path, const char *const (*map)[2])
{
	int			i;
	const char *key;

	if ((i = dialect_path_index(path, "/links")) >= 0 && i < list_length(ctx->links))
		return ((DialectLink *) list_nth(ctx->links, i))->vendor_field;
	if ((i = dialect_path_index(path, "/assignee_ids")) >= 0 && i < list_length(ctx->assignee_fields))
		return list_nth(ctx->assignee_fields, i);
	if ((i = dialect_path_index(path, "/dependency_ids")) >= 0 && i < list_length(ctx->dependency_fields))
		return list_nth(ctx->dependency_fields, i);

	key = path[0] == '/' ? path + 1 : path;
	for (; map && (*map)[0]; map++)
	{
		size_t		len = strlen((*map)[0]);

		if (strncmp(key, (*map)[0], len) == 0 && (key[len] == '\0' || key[len] == '/'))
			return (*map)[1];
	}
	return key;
}

/*
 * Runs a kept response plan ($1 workspace, $2 task; one jsonb column).  The
 * plan holds the whole response query with the shared helpers written out
 * inline: an SQL-language function called from it would be deserialised and
 * planned again on every call, since fmgr_sql keeps nothing across
 * executions.  Sets *found to false when the task is not visible (no row or
 * NULL).  Caller is inside SPI.
 */
static Datum
response_run(SPIPlanPtr *slot, const char *sql, const pg_uuid_t *workspace,
			 const pg_uuid_t *task_id, bool read_only, bool *found)
{
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];
	bool		isnull;
	Datum		result;

	store_plan_generic(slot, sql, 2, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task_id);
	if (store_execute_indexed(*slot, v, NULL, read_only, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read back task %s", uuid_to_cstring(task_id));
	*found = false;
	if (SPI_processed != 1)
		return (Datum) 0;
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return (Datum) 0;
	*found = true;
	return SPI_datumTransfer(result, false, -1);
}

/* Reads the vendor response for the stored task and leaves SPI. */
Datum
dialect_response(DialectContext *ctx, SPIPlanPtr *slot, const char *sql)
{
	bool		found;
	Datum		result;

	/* not read-only: the read must see the rows this call just wrote */
	result = response_run(slot, sql, &ctx->draft.workspace_id, &ctx->draft.id, false, &found);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("task %s is not visible to the current role",
						uuid_to_cstring(&ctx->draft.id))));
	SPI_finish();
	return result;
}

/* tasks._<dialect>_response(workspace_id uuid, id uuid): the same plan from SQL. */
Datum
dialect_response_sql(FunctionCallInfo fcinfo, SPIPlanPtr *slot, const char *sql)
{
	bool		found = false;
	Datum		result = (Datum) 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = response_run(slot, sql, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), true, &found);
	SPI_finish();
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * The responses of many tasks, in the order of ids, as array elements: the
 * dialect's response statement keyed by each id in turn, in one kept
 * statement, so that a list starts one executor instead of one per task
 * (each tasks._<dialect>_response call prepared, started and ended its
 * plan).  The statement ends with "t.id = $2" (DIALECT_RESPONSE_LINKS_AND_KEY);
 * here that is the id of a LATERAL subquery, which OFFSET 0 keeps from being
 * flattened into a join the planner could answer by scanning the workspace.
 * Ids that are not visible tasks of the workspace are skipped.  Caller is
 * inside SPI.
 */
void
dialect_responses_push(JsonbParseState **st, SPIPlanPtr *slot, const char *sql,
					   const pg_uuid_t *workspace, List *ids)
{
	static const char key[] = "t.id = $2";
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		v[2];
	size_t		len = strlen(sql);

	if (ids == NIL)
		return;
	if (*slot == NULL)
	{
		if (len < strlen(key) || strcmp(sql + len - strlen(key), key) != 0 ||
			strstr(sql, "$2") != sql + len - 2)
			elog(ERROR, "a dialect response statement must end with \"%s\"", key);
		store_plan_generic(slot,
						   psprintf("SELECT r.j FROM unnest($2) WITH ORDINALITY AS x(id, o)"
									" CROSS JOIN LATERAL (%.*sx.id OFFSET 0) AS r(j) ORDER BY x.o",
									(int) (len - 2), sql),
						   2, types);
	}
	v[0] = UUIDPGetDatum(workspace);
	v[1] = uuid_list_array(ids);
	if (store_execute_indexed(*slot, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the task responses");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		JsonbValue	jv;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			continue;
		jv.type = jbvBinary;
		jv.val.binary.data = &DatumGetJsonbP(d)->root;
		jv.val.binary.len = VARSIZE(DatumGetJsonbP(d)) - VARHDRSZ;
		(void) pushJsonbValue(st, WJB_ELEM, &jv);
	}
}

/* Raises a vendor error as SQLSTATE PT<status> with the body in DETAIL. */
void
dialect_raise(int http_status, const char *message, const char *body_json)
{
	char		code[6];

	Assert(http_status >= 100 && http_status <= 599);
	snprintf(code, sizeof(code), "PT%03d", http_status);
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(code[0], code[1], code[2], code[3], code[4])),
			 errmsg("%s", message),
			 errdetail("%s", body_json)));
	pg_unreachable();
}
