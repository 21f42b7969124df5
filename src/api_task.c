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
 * Validates the whole payload (every problem reported at once, nothing
 * stored on failure), resolves names, writes the task and returns it.
 */
static Datum
native_create(Jsonb *payload, pg_uuid_t *task_id)
{
	TaskIdentity who;
	TaskDraft	draft;
	TaskProblems problems;
	Datum		result;
	char	   *resolutions;

	static SPIPlanPtr read_back = NULL;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	problems_init(&problems);
	if (!task_engine_create(payload, &who, &draft, &problems))
		problems_raise(&problems, "task payload");
	resolutions = task_draft_resolutions_json(&draft);

	/*
	 * The response is built from the draft when it can be (see
	 * task_store_response); else it is tasks.task_json's own statement,
	 * without the PL/pgSQL call around it.  The scalar subquery is NULL, as
	 * task_json is, for a task the role cannot see.
	 */
	if (task_store_response(&draft, resolutions, &result))
		result = SPI_datumTransfer(result, false, -1);
	else
		result = task_store_fetch(&read_back,
								  "SELECT (SELECT CASE WHEN $3 = '[]' THEN b.task"
								  " ELSE b.task || jsonb_build_object('resolutions', $3::jsonb) END"
								  " FROM tasks._task_json_batch($1, ARRAY[$2]) AS b)",
								  &draft.workspace_id, &draft.id, resolutions);
	SPI_finish();
	*task_id = draft.id;
	return result;
}

static const Endpoint native_endpoint = {
	.dialect = "v1",
	.operation = "v1.task.create",
	.success_status = 201,
	.location = "/rpc/task_get?id=%s",
	.impl = native_create
};

/* tasks.task_create(jsonb) RETURNS jsonb: the native create, for SQL callers. */
PG_FUNCTION_INFO_V1(tasks_task_create);
Datum
tasks_task_create(PG_FUNCTION_ARGS)
{
	pg_uuid_t	task_id;

	PG_RETURN_DATUM(native_create(PG_GETARG_JSONB_P(0), &task_id));
}

/* tasks_v1.task_create(jsonb): the same over PostgREST (201, Location, idempotency). */
PG_FUNCTION_INFO_V1(tasks_v1_task_create);
Datum
tasks_v1_task_create(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&native_endpoint, PG_GETARG_JSONB_P(0)));
}

/*
 * The create pipeline: parse, check references, store.  Nothing is written
 * unless both phases found no problem.
 */
bool
task_engine_create(Jsonb *native, const TaskIdentity *who, TaskDraft *d, TaskProblems *p)
{
	if (!task_engine_check(native, who, d, p))
		return false;
	task_store_insert(d);
	return true;
}

/* Parse and check references: task_engine_create without the store. */
bool
task_engine_check(Jsonb *native, const TaskIdentity *who, TaskDraft *d, TaskProblems *p)
{
	task_draft_parse(native, d, p);
	d->workspace_id = who->workspace_id;
	if (!d->has_created_by && who->has_actor)
	{
		d->created_by = who->actor_id;
		d->has_created_by = d->created_by_is_actor = true;
	}
	task_draft_check_refs(d, p);
	return !problems_any(p);
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
