/*-------------------------------------------------------------------------
 *
 * api_names.c
 *	  SQL entry points for name normalization and resolution.
 *
 * tasks.name_norm/name_key/name_fold(text) are IMMUTABLE wrappers of
 * normalize.c (they feed the generated columns of tasks.records);
 * tasks.resolve(kind, name) previews what a <kind>_name in a payload would
 * link to.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

/* tasks.name_norm(text): the name normalized for matching. */
PG_FUNCTION_INFO_V1(tasks_name_norm);
Datum
tasks_name_norm(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(name_normalize(VARDATA_ANY(t),
													VARSIZE_ANY_EXHDR(t))));
}

/* tasks.name_key(text): the normalized words, sorted. */
PG_FUNCTION_INFO_V1(tasks_name_key);
Datum
tasks_name_key(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(name_key(VARDATA_ANY(t),
											  VARSIZE_ANY_EXHDR(t))));
}

/* tasks.name_fold(text): the sorted words with ae/oe/ue folded. */
PG_FUNCTION_INFO_V1(tasks_name_fold);
Datum
tasks_name_fold(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(name_fold(VARDATA_ANY(t),
											   VARSIZE_ANY_EXHDR(t))));
}

/* Raises 22023 unless kind is a row of tasks.record_kinds.  Inside SPI. */
static void
check_record_kind(const char *kind)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	store_plan(&plan,
			   "SELECT 1 FROM tasks.record_kinds k WHERE k.kind OPERATOR(pg_catalog.=) $1",
			   1, argtypes);
	values[0] = CStringGetTextDatum(kind);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "record kind lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown record kind \"%s\"", kind),
				 errhint("Record kinds are the rows of tasks.record_kinds.")));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * tasks.resolve(kind text, name text) RETURNS jsonb
 *
 * Resolves name among the live records of kind in the current workspace,
 * exactly as a payload's <kind>_name would be, and returns
 * {"status", "query", "normalized", "method", "id", "name", "score",
 * "candidates"}.  Unknown kinds raise 22023.
 */
PG_FUNCTION_INFO_V1(tasks_resolve);
Datum
tasks_resolve(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	text	   *name = PG_GETARG_TEXT_PP(1);
	const char *name_data = VARDATA_ANY(name);
	int			name_len = VARSIZE_ANY_EXHDR(name);
	MemoryContext callercxt = CurrentMemoryContext;
	TaskIdentity who;
	ResolveResult r;
	StringInfoData result;
	StringInfoData buf;
	Datum		json;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_record_kind(kind);
	resolve_record(&who.workspace_id, kind, name_data, name_len, &r);

	/* Build the answer in the caller's context: SPI_finish frees r. */
	MemoryContextSwitchTo(callercxt);
	initStringInfo(&result);
	resolve_result_json(&result, &r);
	Assert(result.data[0] == '{');

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"query\": ");
	json_append_string(&buf, name_data, name_len);
	appendStringInfoString(&buf, ", \"normalized\": ");
	if (r.status == RESOLVE_INVALID && name_len > TASKS_MAX_NAME * 4)
		appendStringInfoString(&buf, "null");	/* not worth normalizing */
	else
	{
		char	   *norm = name_normalize(name_data, name_len);

		json_append_string(&buf, norm, strlen(norm));
	}
	appendStringInfo(&buf, ", %s", result.data + 1);
	json = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));

	SPI_finish();
	PG_RETURN_DATUM(json);
}
