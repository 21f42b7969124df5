/*-------------------------------------------------------------------------
 *
 * api_task.c
 *	  SQL entry points of the native task API and of identity.
 *
 * Entry points stay thin: identity, then parse, check, store, read back.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "fmgr.h"
#include "utils/builtins.h"

/*
 * tasks.task_create(payload jsonb) RETURNS jsonb
 *
 * Validates the whole payload (every problem reported at once, nothing
 * stored on failure), resolves names, writes the task and returns it.
 */
PG_FUNCTION_INFO_V1(tasks_task_create);
Datum
tasks_task_create(PG_FUNCTION_ARGS)
{
	Jsonb	   *payload = PG_GETARG_JSONB_P(0);
	TaskIdentity who;
	TaskDraft	draft;
	TaskProblems problems;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	problems_init(&problems);
	task_draft_parse(payload, &draft, &problems);
	draft.workspace_id = who.workspace_id;
	if (!draft.has_created_by && who.has_actor)
	{
		draft.created_by = who.actor_id;
		draft.has_created_by = draft.created_by_is_actor = true;
	}
	task_draft_check_refs(&draft, &problems);
	problems_raise_if_any(&problems, "task payload");

	task_store_insert(&draft);
	result = task_store_fetch_json(&draft.workspace_id, &draft.id,
								   task_draft_resolutions_json(&draft));
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* tasks.current_workspace_id(): the workspace this call acts in (raises if none). */
PG_FUNCTION_INFO_V1(tasks_current_workspace_id);
Datum
tasks_current_workspace_id(PG_FUNCTION_ARGS)
{
	TaskIdentity who;
	pg_uuid_t  *out = palloc(sizeof(pg_uuid_t));

	identity_current(&who);
	*out = who.workspace_id;
	PG_RETURN_UUID_P(out);
}

/* tasks.current_actor_id(): the acting member, or NULL. */
PG_FUNCTION_INFO_V1(tasks_current_actor_id);
Datum
tasks_current_actor_id(PG_FUNCTION_ARGS)
{
	TaskIdentity who;
	pg_uuid_t  *out = palloc(sizeof(pg_uuid_t));

	identity_current(&who);
	if (!who.has_actor)
		PG_RETURN_NULL();
	*out = who.actor_id;
	PG_RETURN_UUID_P(out);
}
