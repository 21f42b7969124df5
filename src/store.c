/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Write a checked draft into the extension's tables, read it back.
 *
 * Every statement is prepared once per backend (SPI_keepplan) with
 * schema-qualified names and parameters only.  Writes go through the
 * executor, so constraints, row level security and triggers all apply.
 *
 * An update writes the task row with a compare-and-set on its version
 * (task_store_update), then makes each child list exactly what the patch
 * computed (task_store_sync_*): rows that stay are kept as they are.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "task_update.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* Prepares sql once per backend into *slot and returns it. */
SPIPlanPtr
store_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	*slot = plan;
	return plan;
}

/* A text[] datum from a list of C strings. */
Datum
text_list_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, items)
		elems[n++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* A uuid[] datum from a list of pg_uuid_t pointers. */
Datum
uuid_list_array(List *ids)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(ids), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, ids)
		elems[n++] = UUIDPGetDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

/* Runs a kept plan that must succeed with the given SPI result code. */
static void
run(SPIPlanPtr plan, Datum *values, const char *nulls, int expect, const char *what)
{
	int			rc = SPI_execute_plan(plan, values, nulls, false, 0);

	if (rc != expect)
		elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
}

/* Sets values[i] to a timestamptz, or marks it null. */
static void
set_ts(Datum *values, char *nulls, int i, bool has, TimestampTz t)
{
	values[i] = TimestampTzGetDatum(t);
	nulls[i] = has ? ' ' : 'n';
}

/* Sets values[i] to text, or marks it null. */
static void
set_text(Datum *values, char *nulls, int i, const char *s)
{
	values[i] = s ? CStringGetTextDatum(s) : (Datum) 0;
	nulls[i] = s ? ' ' : 'n';
}

/* Inserts the task row. */
static void
insert_task(TaskDraft *d)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[20] = {UUIDOID, UUIDOID, TEXTOID, TEXTOID, UUIDOID, TEXTOID,
		TEXTOID, TEXTARRAYOID, DATEOID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID, TEXTOID,
	TEXTOID, UUIDOID, TIMESTAMPTZOID};
	Datum		v[20];
	char		n[20];
	bool		done = d->status_category && strcmp(d->status_category, "done") == 0;

	memset(n, ' ', sizeof(n));
	store_plan(&plan,
			   "INSERT INTO tasks.tasks (workspace_id, id, title, description, status_id,"
			   " priority, type, tags, due_date, due_at, due_timezone, deadline,"
			   " scheduled_start, scheduled_end, completed_at, sort_order, metadata,"
			   " external_id, created_by, created_at, updated_at)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
			   " $15, $16, coalesce($17::jsonb, '{}'::jsonb), $18, $19,"
			   " coalesce($20, now()), now())",
			   20, types);
	v[0] = UUIDPGetDatum(&d->workspace_id);
	v[1] = UUIDPGetDatum(&d->id);
	set_text(v, n, 2, d->title);
	set_text(v, n, 3, d->description);
	v[4] = UUIDPGetDatum(&d->status_id);
	set_text(v, n, 5, d->priority);
	set_text(v, n, 6, d->type);
	v[7] = text_list_array(d->tags);
	v[8] = DateADTGetDatum(d->due_date);
	n[8] = d->has_due_date ? ' ' : 'n';
	set_ts(v, n, 9, d->has_due_at, d->due_at);
	set_text(v, n, 10, d->due_timezone);
	set_ts(v, n, 11, d->has_deadline, d->deadline);
	set_ts(v, n, 12, d->has_scheduled_start, d->scheduled_start);
	set_ts(v, n, 13, d->has_scheduled_end, d->scheduled_end);
	/* A task created done is complete now, unless told when. */
	set_ts(v, n, 14, d->has_completed_at || done,
		   d->has_completed_at ? d->completed_at : GetCurrentTransactionStartTimestamp());
	v[15] = Float8GetDatum(d->sort_order);
	n[15] = d->has_sort_order ? ' ' : 'n';
	set_text(v, n, 16, d->metadata_json);
	set_text(v, n, 17, d->external_id);
	v[18] = UUIDPGetDatum(&d->created_by);
	n[18] = d->has_created_by ? ' ' : 'n';
	set_ts(v, n, 19, d->has_created_at, d->created_at);
	run(plan, v, n, SPI_OK_INSERT, "task insert");
}

/* Inserts assignees, links, dependencies and notes in one statement each. */
static void
insert_children(TaskDraft *d)
{
	static SPIPlanPtr assignees = NULL,
				links = NULL,
				deps = NULL;
	Oid			t3[3] = {UUIDOID, UUIDOID, UUIDARRAYOID};
	Oid			t5[5] = {UUIDOID, UUIDOID, TEXTARRAYOID, TEXTARRAYOID, UUIDARRAYOID};
	Datum		v[5];
	char		n[5] = {' ', ' ', ' ', ' ', ' '};

	v[0] = UUIDPGetDatum(&d->workspace_id);
	v[1] = UUIDPGetDatum(&d->id);
	if (d->assignees != NIL)
	{
		store_plan(&assignees,
				   "INSERT INTO tasks.task_assignees (workspace_id, task_id, member_id, position)"
				   " SELECT $1, $2, m, o FROM unnest($3) WITH ORDINALITY AS x(m, o)",
				   3, t3);
		v[2] = uuid_list_array(d->assignees);
		run(assignees, v, n, SPI_OK_INSERT, "assignee insert");
	}
	if (d->links != NIL)
	{
		List	   *rel = NIL,
				   *kind = NIL,
				   *ids = NIL;
		ListCell   *lc;

		foreach(lc, d->links)
		{
			TaskLink   *l = lfirst(lc);

			rel = lappend(rel, l->relation);
			kind = lappend(kind, l->kind);
			ids = lappend(ids, &l->record_id);
		}
		store_plan(&links,
				   "INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id)"
				   " SELECT $1, $2, l.relation, l.kind, l.id FROM unnest($3, $4, $5) AS l(relation, kind, id)"
				   " ON CONFLICT DO NOTHING",
				   5, t5);
		v[2] = text_list_array(rel);
		v[3] = text_list_array(kind);
		v[4] = uuid_list_array(ids);
		run(links, v, n, SPI_OK_INSERT, "link insert");
	}
	if (d->dependencies != NIL)
	{
		store_plan(&deps,
				   "INSERT INTO tasks.task_dependencies (workspace_id, task_id, depends_on_id)"
				   " SELECT $1, $2, x FROM unnest($3) AS x",
				   3, t3);
		v[2] = uuid_list_array(d->dependencies);
		run(deps, v, n, SPI_OK_INSERT, "dependency insert");
	}
	if (d->notes != NIL)
		task_store_add_notes(&d->workspace_id, &d->id, d->notes,
							 d->has_created_by ? &d->created_by : NULL);
}

/* Adds notes (in order) to a task; author may be NULL. */
void
task_store_add_notes(const pg_uuid_t *workspace, const pg_uuid_t *task, List *notes,
					 const pg_uuid_t *author)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, UUIDOID, TEXTARRAYOID, UUIDOID};
	Datum		v[4];
	char		n[4] = {' ', ' ', ' ', ' '};

	store_plan(&plan,
			   "INSERT INTO tasks.notes (workspace_id, id, task_id, body, created_by)"
			   " SELECT $1, tasks.uuid_generate_v7(), $2, b, $4 FROM unnest($3) WITH ORDINALITY AS x(b, o)"
			   " ORDER BY o",
			   4, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task);
	v[2] = text_list_array(notes);
	v[3] = author ? UUIDPGetDatum(author) : (Datum) 0;
	n[3] = author ? ' ' : 'n';
	run(plan, v, n, SPI_OK_INSERT, "note insert");
}

/* Inserts a checked draft: the task, then its children. */
void
task_store_insert(TaskDraft *d)
{
	uuid7_generate(&d->id);
	insert_task(d);
	insert_children(d);
}

/* The columns an update may write: bit, parameter type, column, SQL cast of the parameter. */
static const struct
{
	TaskField	field;
	Oid			type;
	const char *column;
	const char *cast;
}			update_columns[] = {
	{TF_TITLE, TEXTOID, "title", ""},
	{TF_DESCRIPTION, TEXTOID, "description", ""},
	{TF_STATUS, UUIDOID, "status_id", ""},
	{TF_PRIORITY, TEXTOID, "priority", ""},
	{TF_TYPE, TEXTOID, "type", ""},
	{TF_TAGS, TEXTARRAYOID, "tags", ""},
	{TF_DUE_DATE, DATEOID, "due_date", ""},
	{TF_DUE_AT, TIMESTAMPTZOID, "due_at", ""},
	{TF_TIMEZONE, TEXTOID, "due_timezone", ""},
	{TF_DEADLINE, TIMESTAMPTZOID, "deadline", ""},
	{TF_SCHEDULED_START, TIMESTAMPTZOID, "scheduled_start", ""},
	{TF_SCHEDULED_END, TIMESTAMPTZOID, "scheduled_end", ""},
	{TF_COMPLETED_AT, TIMESTAMPTZOID, "completed_at", ""},
	{TF_SORT_ORDER, FLOAT8OID, "sort_order", ""},
	{TF_METADATA, TEXTOID, "metadata", "::jsonb"},
	{TF_EXTERNAL_ID, TEXTOID, "external_id", ""}
};

#define UPDATE_FIXED_ARGS 4		/* workspace, task, mask, expected version */
#define UPDATE_NARGS (UPDATE_FIXED_ARGS + lengthof(update_columns))

/*
 * Writes the columns in mask from d if the live row is still at version
 * expected, and bumps version and updated_at.  The compare-and-set is in the
 * UPDATE itself: of two concurrent writers with one version, the second
 * waits for the first and then finds no row at that version.  Returns the
 * new version, or 0 when no live row had version expected.
 */
int32
task_store_update(const TaskDraft *d, uint32 mask, int32 expected)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[UPDATE_NARGS] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
	Datum		v[UPDATE_NARGS];
	char		n[UPDATE_NARGS];
	bool		isnull;
	int			rc;

	if (plan == NULL)
	{
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfoString(&sql, "UPDATE tasks.tasks t SET ");
		for (int i = 0; i < lengthof(update_columns); i++)
		{
			types[UPDATE_FIXED_ARGS + i] = update_columns[i].type;
			appendStringInfo(&sql, "%s = CASE WHEN ($3 & %u) <> 0 THEN $%d%s ELSE t.%s END, ",
							 update_columns[i].column, TF_BIT(update_columns[i].field),
							 UPDATE_FIXED_ARGS + i + 1, update_columns[i].cast, update_columns[i].column);
		}
		appendStringInfoString(&sql, "version = t.version + 1, updated_at = now()"
							   " WHERE t.workspace_id = $1 AND t.id = $2 AND t.version = $4"
							   " AND t.deleted_at IS NULL RETURNING t.version");
		store_plan(&plan, sql.data, UPDATE_NARGS, types);
	}

	memset(n, ' ', sizeof(n));
	v[0] = UUIDPGetDatum(&d->workspace_id);
	v[1] = UUIDPGetDatum(&d->id);
	v[2] = Int32GetDatum((int32) mask);
	v[3] = Int32GetDatum(expected);
	set_text(v, n, 4, d->title);
	set_text(v, n, 5, d->description);
	v[6] = UUIDPGetDatum(&d->status_id);
	n[6] = d->has_status_id ? ' ' : 'n';
	set_text(v, n, 7, d->priority);
	set_text(v, n, 8, d->type);
	v[9] = text_list_array(d->tags);
	v[10] = DateADTGetDatum(d->due_date);
	n[10] = d->has_due_date ? ' ' : 'n';
	set_ts(v, n, 11, d->has_due_at, d->due_at);
	set_text(v, n, 12, d->due_timezone);
	set_ts(v, n, 13, d->has_deadline, d->deadline);
	set_ts(v, n, 14, d->has_scheduled_start, d->scheduled_start);
	set_ts(v, n, 15, d->has_scheduled_end, d->scheduled_end);
	set_ts(v, n, 16, d->has_completed_at, d->completed_at);
	v[17] = Float8GetDatum(d->sort_order);
	n[17] = d->has_sort_order ? ' ' : 'n';
	v[18] = CStringGetTextDatum(d->metadata_json ? d->metadata_json : "{}");
	set_text(v, n, 19, d->external_id);

	rc = SPI_execute_plan(plan, v, n, false, 0);
	if (rc != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "task update failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return 0;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Makes the task's assignees exactly ids, in this order; assignees that stay keep assigned_at. */
void
task_store_sync_assignees(const pg_uuid_t *workspace, const pg_uuid_t *task, List *ids)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, UUIDARRAYOID};
	Datum		v[3];

	store_plan(&plan,
			   "WITH gone AS (DELETE FROM tasks.task_assignees a"
			   "   WHERE a.workspace_id = $1 AND a.task_id = $2 AND a.member_id <> ALL ($3))"
			   " INSERT INTO tasks.task_assignees AS a (workspace_id, task_id, member_id, position)"
			   " SELECT $1, $2, m, o FROM unnest($3) WITH ORDINALITY AS x(m, o)"
			   " ON CONFLICT (workspace_id, task_id, member_id) DO UPDATE SET position = excluded.position"
			   " WHERE a.position <> excluded.position",
			   3, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task);
	v[2] = uuid_list_array(ids);
	run(plan, v, NULL, SPI_OK_INSERT, "assignee sync");
}

/* Makes the task's links exactly links (TaskLink *); links that stay are kept. */
void
task_store_sync_links(const pg_uuid_t *workspace, const pg_uuid_t *task, List *links)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[5] = {UUIDOID, UUIDOID, TEXTARRAYOID, TEXTARRAYOID, UUIDARRAYOID};
	Datum		v[5];
	List	   *rel = NIL,
			   *kind = NIL,
			   *ids = NIL;
	ListCell   *lc;

	foreach(lc, links)
	{
		TaskLink   *l = lfirst(lc);

		rel = lappend(rel, l->relation);
		kind = lappend(kind, l->kind);
		ids = lappend(ids, &l->record_id);
	}
	store_plan(&plan,
			   "WITH want AS (SELECT * FROM unnest($3, $4, $5) AS w(relation, kind, id)),"
			   " gone AS (DELETE FROM tasks.task_links l"
			   "   WHERE l.workspace_id = $1 AND l.task_id = $2"
			   "     AND NOT EXISTS (SELECT 1 FROM want w WHERE w.relation = l.relation AND w.id = l.record_id))"
			   " INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id)"
			   " SELECT $1, $2, w.relation, w.kind, w.id FROM want w ON CONFLICT DO NOTHING",
			   5, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task);
	v[2] = text_list_array(rel);
	v[3] = text_list_array(kind);
	v[4] = uuid_list_array(ids);
	run(plan, v, NULL, SPI_OK_INSERT, "link sync");
}

/* Makes the task's dependencies exactly ids. */
void
task_store_sync_dependencies(const pg_uuid_t *workspace, const pg_uuid_t *task, List *ids)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, UUIDARRAYOID};
	Datum		v[3];

	store_plan(&plan,
			   "WITH gone AS (DELETE FROM tasks.task_dependencies d"
			   "   WHERE d.workspace_id = $1 AND d.task_id = $2 AND d.depends_on_id <> ALL ($3))"
			   " INSERT INTO tasks.task_dependencies (workspace_id, task_id, depends_on_id)"
			   " SELECT $1, $2, x FROM unnest($3) AS x ON CONFLICT DO NOTHING",
			   3, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task);
	v[2] = uuid_list_array(ids);
	run(plan, v, NULL, SPI_OK_INSERT, "dependency sync");
}

/* Runs a read-back plan ($1 workspace, $2 task, $3 extra text) and copies its jsonb out of SPI. */
Datum
task_store_fetch(SPIPlanPtr *slot, const char *sql, const pg_uuid_t *workspace,
				 const pg_uuid_t *task_id, const char *extra)
{
	Oid			types[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		v[3];
	char		n[3] = {' ', ' ', ' '};
	bool		isnull;
	Datum		result;

	store_plan(slot, sql, 3, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task_id);
	set_text(v, n, 2, extra);
	if (SPI_execute_plan(*slot, v, n, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read back task %s", uuid_to_cstring(task_id));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("task %s is not visible to the current role", uuid_to_cstring(task_id))));
	return SPI_datumTransfer(result, false, -1);
}
