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
	char	   *norm;
	Jsonb	   *json;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* Raises 22023 for an unknown kind (checked only when nothing matched). */
	resolve_record_checked(&who.workspace_id, kind, name_data, name_len, &r);

	/* Build the answer in the caller's context: SPI_finish frees r. */
	MemoryContextSwitchTo(callercxt);
	if (r.status == RESOLVE_INVALID && name_len > TASKS_MAX_NAME * 4)
		norm = NULL;			/* not worth normalizing */
	else
		norm = name_normalize(name_data, name_len);
	json = resolve_result_jsonb(name_data, name_len, norm, &r);

	SPI_finish();
	PG_RETURN_JSONB_P(json);
}
