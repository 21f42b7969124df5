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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/*
 * Prepares sql once per backend, with the given cursor options
 * (CURSOR_OPT_GENERIC_PLAN, CURSOR_OPT_CUSTOM_PLAN or 0: the plan cache
 * decides), keeps it and stores it in *slot; returns *slot when it is set.
 */
SPIPlanPtr
store_plan_options(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes, int cursor_options)
{
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;
	plan = SPI_prepare_cursor(sql, nargs, argtypes, cursor_options);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	*slot = plan;
	return plan;
}

/* Prepares sql once per backend into *slot and returns it. */
SPIPlanPtr
store_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	return store_plan_options(slot, sql, nargs, argtypes, 0);
}

/*
 * As store_plan, for statements whose best plan does not depend on the
 * parameter values (inserts of given rows, primary key lookups): the plan
 * cache then plans them once, instead of choosing a custom plan, i.e.
 * planning the statement again, on each execution.  That happens when the
 * generic plan's estimate is no better than the custom ones', e.g. for an
 * unnest() of an array parameter, whose length only a custom plan knows.
 */
SPIPlanPtr
store_plan_generic(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	return store_plan_options(slot, sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
}

/*
 * Plain sequential scans off until store_index_scans_end(nestlevel), for
 * kept plans that look rows up by key once per call or per id: for a table
 * of a few pages (a workspace's statuses or members) the planner prices one
 * sequential scan below one index probe, and a lookup repeated per row then
 * reads the whole table each time.  Generic plans are made, and remade after
 * an invalidation, when executed, so the setting must surround execution.
 * On error, the (sub)transaction abort restores it.
 */
int
store_index_scans_begin(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
store_index_scans_end(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/* SPI_execute_plan of a key lookup, between the two calls above. */
int
store_execute_indexed(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long count)
{
	int			nestlevel = store_index_scans_begin();
	int			rc = SPI_execute_plan(plan, values, nulls, read_only, count);

	store_index_scans_end(nestlevel);
	return rc;
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
	store_plan_generic(&plan,
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
		store_plan_generic(&assignees,
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

		/*
		 * One row per (relation, record), the first one given, as
		 * response_links shows them.  The task is new, so no stored link can
		 * conflict: dropping repeats here spares the insert the speculative
		 * insertion of ON CONFLICT DO NOTHING.
		 */
		foreach(lc, d->links)
		{
			TaskLink   *l = lfirst(lc);
			ListCell   *rc,
					   *ic;
			bool		dup = false;

			forboth(rc, rel, ic, ids)
			{
				if (strcmp(lfirst(rc), l->relation) == 0 &&
					memcmp(lfirst(ic), &l->record_id, sizeof(pg_uuid_t)) == 0)
				{
					dup = true;
					break;
				}
			}
			if (dup)
				continue;
			rel = lappend(rel, l->relation);
			kind = lappend(kind, l->kind);
			ids = lappend(ids, &l->record_id);
		}
		store_plan_generic(&links,
				   "INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id)"
				   " SELECT $1, $2, l.relation, l.kind, l.id FROM unnest($3, $4, $5) AS l(relation, kind, id)",
				   5, t5);
		v[2] = text_list_array(rel);
		v[3] = text_list_array(kind);
		v[4] = uuid_list_array(ids);
		run(links, v, n, SPI_OK_INSERT, "link insert");
	}
	if (d->dependencies != NIL)
	{
		store_plan_generic(&deps,
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

	store_plan_generic(&plan,
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
		store_plan_generic(&plan, sql.data, UPDATE_NARGS, types);
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

	store_plan_generic(&plan,
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
	store_plan_generic(&plan,
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

	store_plan_generic(&plan,
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

	store_plan_generic(slot, sql, 3, types);
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

/*
 * The assignees of a response as TaskJson children; false when a name is
 * unknown.
 */
static bool
response_assignees(const TaskDraft *d, TaskJson *t)
{
	int			n = list_length(d->assignees);

	if (list_length(d->assignee_kinds) != n || list_length(d->assignee_names) != n)
		return false;
	t->assignees = palloc(sizeof(TaskJsonChild) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		TaskJsonChild *c = &t->assignees[i];

		c->id = *(pg_uuid_t *) list_nth(d->assignees, i);
		c->first = list_nth(d->assignee_kinds, i);
		c->name = list_nth(d->assignee_names, i);
		c->kind = NULL;
		if (c->first == NULL || c->name == NULL)
			return false;
	}
	t->nassignees = n;
	return true;
}

/*
 * The links of a response: one per (relation, record), as the insert keeps
 * them (the first one given).  False when a record's name is unknown.
 */
static bool
response_links(const TaskDraft *d, TaskJson *t)
{
	ListCell   *lc;

	t->links = palloc(sizeof(TaskJsonChild) * Max(list_length(d->links), 1));
	t->nlinks = 0;
	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);
		bool		dup = false;

		if (l->record_name == NULL)
			return false;
		for (int i = 0; i < t->nlinks && !dup; i++)
			dup = strcmp(t->links[i].first, l->relation) == 0 &&
				memcmp(&t->links[i].id, &l->record_id, sizeof(pg_uuid_t)) == 0;
		if (dup)
			continue;
		t->links[t->nlinks].first = l->relation;
		t->links[t->nlinks].name = l->record_name;
		t->links[t->nlinks].id = l->record_id;
		t->links[t->nlinks].kind = l->kind;
		t->nlinks++;
	}
	return true;
}

/*
 * See tasks.h.  Every value is the one insert_task and insert_children
 * wrote (column defaults and now() included), every name the one the
 * reference checks read in this transaction, so the result equals
 * tasks.task_json of the stored task (the regression test create_response
 * compares them): the same builder (task_json_push_fields) writes both.
 * Saves the read-back statement, the largest part of a create.
 */
bool
task_store_response(const TaskDraft *d, const char *resolutions, Datum *out)
{
	JsonbParseState *st = NULL;
	bool		done = d->status_category && strcmp(d->status_category, "done") == 0;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TaskJson	t;
	JsonbValue *res;
	int			i = 0;
	ListCell   *lc;

	/* Notes get their ids in the database. */
	if (d->notes != NIL || d->status_label == NULL || d->status_category == NULL)
		return false;

	memset(&t, 0, sizeof(t));
	t.id = d->id;
	t.workspace_id = d->workspace_id;
	t.title = d->title;
	t.description = d->description;
	t.status_id = d->status_id;
	t.status_name = d->status_label;
	t.status_category = d->status_category;
	t.status_color = d->status_color;
	t.priority = d->priority;
	t.type = d->type;
	t.tags = DatumGetArrayTypeP(text_list_array(d->tags));
	t.has_due_date = d->has_due_date;
	t.due_date = d->due_date;
	t.has_due_at = d->has_due_at;
	t.due_at = d->due_at;
	t.timezone = d->due_timezone;
	t.has_deadline = d->has_deadline;
	t.deadline = d->deadline;
	t.has_scheduled_start = d->has_scheduled_start;
	t.scheduled_start = d->scheduled_start;
	t.has_scheduled_end = d->has_scheduled_end;
	t.scheduled_end = d->scheduled_end;
	/* A task created done is complete now, unless told when (as insert_task). */
	t.has_completed_at = d->has_completed_at || done;
	t.completed_at = d->has_completed_at ? d->completed_at : now;
	t.has_sort_order = d->has_sort_order;
	t.sort_order = d->sort_order;
	t.metadata = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
													CStringGetDatum(d->metadata_json ? d->metadata_json : "{}")));
	t.external_id = d->external_id;
	t.has_created_by = d->has_created_by;
	t.created_by = d->created_by;
	t.created_at = d->has_created_at ? d->created_at : now;
	t.updated_at = now;
	t.version = 1;
	if (!response_assignees(d, &t) || !response_links(d, &t))
		return false;
	t.ndependencies = list_length(d->dependencies);
	t.dependencies = palloc(sizeof(pg_uuid_t) * Max(t.ndependencies, 1));
	foreach(lc, d->dependencies)
		t.dependencies[i++] = *(pg_uuid_t *) lfirst(lc);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	task_json_push_fields(&st, &t);
	if (resolutions == NULL)
		task_json_text(&st, "resolutions", NULL);
	else if (strcmp(resolutions, "[]") != 0)
		task_json_json(&st, "resolutions", resolutions);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	*out = JsonbPGetDatum(JsonbValueToJsonb(res));
	return true;
}

/* ------------------------------------------------------------------------
 * Many tasks at once (tasks.task_create_many): the checked drafts are staged
 * as columns, then written with one INSERT ... SELECT FROM unnest(...) per
 * table.  A statement per item and table would start an executor, prepare
 * the CHECK constraints and open the indexes for every row; this way that
 * is paid once per table and batch.  Rows go in in the order of the items,
 * the tasks before their children (as with one item at a time): the event
 * triggers write one task.created event per task, in the order of the
 * items, and no event for the children of a task created in the same
 * transaction.
 * ------------------------------------------------------------------------
 */

/* tasks.tasks columns after workspace_id, as the parameters $2 .. $20 of the batch insert */
enum
{
	ROW_ID, ROW_TITLE, ROW_DESCRIPTION, ROW_STATUS, ROW_PRIORITY, ROW_TYPE, ROW_TAGS,
	ROW_DUE_DATE, ROW_DUE_AT, ROW_TIMEZONE, ROW_DEADLINE, ROW_SCHEDULED_START,
	ROW_SCHEDULED_END, ROW_COMPLETED_AT, ROW_SORT_ORDER, ROW_METADATA, ROW_EXTERNAL_ID,
	ROW_CREATED_BY, ROW_CREATED_AT, ROW_NCOLS
};

/* element types of those columns (tags travel as array literals, metadata as text) */
static const Oid row_types[ROW_NCOLS] = {
	UUIDOID, TEXTOID, TEXTOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID,
	DATEOID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID, TEXTOID, TEXTOID,
	UUIDOID, TIMESTAMPTZOID
};

/* The child tables: columns after workspace_id, and their element types. */
static const Oid asg_types[] = {UUIDOID, UUIDOID, INT4OID};	/* task, member, position */
static const Oid lnk_types[] = {UUIDOID, TEXTOID, TEXTOID, UUIDOID};	/* task, relation, kind, record */
static const Oid dep_types[] = {UUIDOID, UUIDOID};	/* task, depends on */
static const Oid note_types[] = {UUIDOID, TEXTOID, UUIDOID};	/* task, body, author */

struct TaskRows
{
	MemoryContext cxt;			/* where the columns are accumulated */
	pg_uuid_t	workspace_id;
	int			ntasks;
	ArrayBuildState *task[ROW_NCOLS];
	ArrayBuildState *asg[lengthof(asg_types)];
	ArrayBuildState *lnk[lengthof(lnk_types)];
	ArrayBuildState *dep[lengthof(dep_types)];
	ArrayBuildState *note[lengthof(note_types)];
	List	   *external_ids;	/* of char *: those of the staged tasks */
};

/* Appends one value to a column. */
static void
rows_put(TaskRows *rows, ArrayBuildState **col, Oid type, Datum value, bool isnull)
{
	*col = accumArrayResult(*col, value, isnull, type, rows->cxt);
}

/* A column as an array datum (empty when nothing was staged). */
static Datum
rows_array(ArrayBuildState *col, Oid type)
{
	if (col == NULL)
		return PointerGetDatum(construct_empty_array(type));
	return makeArrayResult(col, CurrentMemoryContext);
}

TaskRows *
task_rows_create(const pg_uuid_t *workspace)
{
	TaskRows   *rows = palloc0(sizeof(TaskRows));

	rows->cxt = CurrentMemoryContext;
	rows->workspace_id = *workspace;
	return rows;
}

int
task_rows_count(const TaskRows *rows)
{
	return rows->ntasks;
}

bool
task_rows_external_id_taken(const TaskRows *rows, const char *external_id)
{
	ListCell   *lc;

	foreach(lc, rows->external_ids)
		if (strcmp(lfirst(lc), external_id) == 0)
			return true;
	return false;
}

void
task_rows_add(TaskRows *rows, TaskDraft *d)
{
	MemoryContext old = MemoryContextSwitchTo(rows->cxt);
	bool		done = d->status_category && strcmp(d->status_category, "done") == 0;
	ArrayBuildState **c = rows->task;
	int			position = 0;
	ListCell   *lc;

	uuid7_generate(&d->id);
	rows_put(rows, &c[ROW_ID], UUIDOID, UUIDPGetDatum(&d->id), false);
	rows_put(rows, &c[ROW_TITLE], TEXTOID, d->title ? CStringGetTextDatum(d->title) : (Datum) 0, d->title == NULL);
	rows_put(rows, &c[ROW_DESCRIPTION], TEXTOID,
			 d->description ? CStringGetTextDatum(d->description) : (Datum) 0, d->description == NULL);
	rows_put(rows, &c[ROW_STATUS], UUIDOID, UUIDPGetDatum(&d->status_id), false);
	rows_put(rows, &c[ROW_PRIORITY], TEXTOID, d->priority ? CStringGetTextDatum(d->priority) : (Datum) 0,
			 d->priority == NULL);
	rows_put(rows, &c[ROW_TYPE], TEXTOID, d->type ? CStringGetTextDatum(d->type) : (Datum) 0, d->type == NULL);
	rows_put(rows, &c[ROW_TAGS], TEXTOID,
			 CStringGetTextDatum(OidOutputFunctionCall(F_ARRAY_OUT, text_list_array(d->tags))), false);
	rows_put(rows, &c[ROW_DUE_DATE], DATEOID, DateADTGetDatum(d->due_date), !d->has_due_date);
	rows_put(rows, &c[ROW_DUE_AT], TIMESTAMPTZOID, TimestampTzGetDatum(d->due_at), !d->has_due_at);
	rows_put(rows, &c[ROW_TIMEZONE], TEXTOID,
			 d->due_timezone ? CStringGetTextDatum(d->due_timezone) : (Datum) 0, d->due_timezone == NULL);
	rows_put(rows, &c[ROW_DEADLINE], TIMESTAMPTZOID, TimestampTzGetDatum(d->deadline), !d->has_deadline);
	rows_put(rows, &c[ROW_SCHEDULED_START], TIMESTAMPTZOID, TimestampTzGetDatum(d->scheduled_start),
			 !d->has_scheduled_start);
	rows_put(rows, &c[ROW_SCHEDULED_END], TIMESTAMPTZOID, TimestampTzGetDatum(d->scheduled_end),
			 !d->has_scheduled_end);
	/* A task created done is complete now, unless told when (as insert_task). */
	rows_put(rows, &c[ROW_COMPLETED_AT], TIMESTAMPTZOID,
			 TimestampTzGetDatum(d->has_completed_at ? d->completed_at : GetCurrentTransactionStartTimestamp()),
			 !(d->has_completed_at || done));
	rows_put(rows, &c[ROW_SORT_ORDER], FLOAT8OID, Float8GetDatum(d->sort_order), !d->has_sort_order);
	rows_put(rows, &c[ROW_METADATA], TEXTOID,
			 d->metadata_json ? CStringGetTextDatum(d->metadata_json) : (Datum) 0, d->metadata_json == NULL);
	rows_put(rows, &c[ROW_EXTERNAL_ID], TEXTOID,
			 d->external_id ? CStringGetTextDatum(d->external_id) : (Datum) 0, d->external_id == NULL);
	rows_put(rows, &c[ROW_CREATED_BY], UUIDOID, UUIDPGetDatum(&d->created_by), !d->has_created_by);
	rows_put(rows, &c[ROW_CREATED_AT], TIMESTAMPTZOID, TimestampTzGetDatum(d->created_at), !d->has_created_at);

	foreach(lc, d->assignees)
	{
		rows_put(rows, &rows->asg[0], UUIDOID, UUIDPGetDatum(&d->id), false);
		rows_put(rows, &rows->asg[1], UUIDOID, UUIDPGetDatum(lfirst(lc)), false);
		rows_put(rows, &rows->asg[2], INT4OID, Int32GetDatum(++position), false);
	}
	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);

		rows_put(rows, &rows->lnk[0], UUIDOID, UUIDPGetDatum(&d->id), false);
		rows_put(rows, &rows->lnk[1], TEXTOID, CStringGetTextDatum(l->relation), false);
		rows_put(rows, &rows->lnk[2], TEXTOID, CStringGetTextDatum(l->kind), false);
		rows_put(rows, &rows->lnk[3], UUIDOID, UUIDPGetDatum(&l->record_id), false);
	}
	foreach(lc, d->dependencies)
	{
		rows_put(rows, &rows->dep[0], UUIDOID, UUIDPGetDatum(&d->id), false);
		rows_put(rows, &rows->dep[1], UUIDOID, UUIDPGetDatum(lfirst(lc)), false);
	}
	foreach(lc, d->notes)
	{
		rows_put(rows, &rows->note[0], UUIDOID, UUIDPGetDatum(&d->id), false);
		rows_put(rows, &rows->note[1], TEXTOID, CStringGetTextDatum(lfirst(lc)), false);
		rows_put(rows, &rows->note[2], UUIDOID, UUIDPGetDatum(&d->created_by), !d->has_created_by);
	}
	if (d->external_id)
		rows->external_ids = lappend(rows->external_ids, pstrdup(d->external_id));
	rows->ntasks++;
	MemoryContextSwitchTo(old);
}

/*
 * Runs one batch insert: $1 the workspace, then one array per column of
 * cols (ncols of them, element types in types).
 */
static void
rows_insert(SPIPlanPtr *slot, const char *sql, const TaskRows *rows, ArrayBuildState **cols,
			const Oid *types, int ncols, const char *what)
{
	Oid			argtypes[ROW_NCOLS + 1];
	Datum		v[ROW_NCOLS + 1];

	Assert(ncols <= ROW_NCOLS);
	if (cols[0] == NULL)
		return;					/* nothing of this kind in the batch */
	argtypes[0] = UUIDOID;
	v[0] = UUIDPGetDatum(&rows->workspace_id);
	for (int i = 0; i < ncols; i++)
	{
		argtypes[i + 1] = get_array_type(types[i]);
		v[i + 1] = rows_array(cols[i], types[i]);
	}
	store_plan_generic(slot, sql, ncols + 1, argtypes);
	run(*slot, v, NULL, SPI_OK_INSERT, what);
}

void
task_rows_write(TaskRows *rows)
{
	static SPIPlanPtr tasks_plan = NULL,
				asg_plan = NULL,
				lnk_plan = NULL,
				dep_plan = NULL,
				note_plan = NULL;

	rows_insert(&tasks_plan,
				"INSERT INTO tasks.tasks (workspace_id, id, title, description, status_id,"
				" priority, type, tags, due_date, due_at, due_timezone, deadline,"
				" scheduled_start, scheduled_end, completed_at, sort_order, metadata,"
				" external_id, created_by, created_at, updated_at)"
				" SELECT $1, x.id, x.title, x.description, x.status_id, x.priority, x.type, x.tags::text[],"
				" x.due_date, x.due_at, x.due_timezone, x.deadline, x.scheduled_start, x.scheduled_end,"
				" x.completed_at, x.sort_order, coalesce(x.metadata::jsonb, '{}'::jsonb), x.external_id,"
				" x.created_by, coalesce(x.created_at, now()), now()"
				" FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
				" WITH ORDINALITY AS x(id, title, description, status_id, priority, type, tags, due_date,"
				" due_at, due_timezone, deadline, scheduled_start, scheduled_end, completed_at, sort_order,"
				" metadata, external_id, created_by, created_at, o)"
				" ORDER BY x.o",
				rows, rows->task, row_types, ROW_NCOLS, "task batch insert");
	rows_insert(&asg_plan,
				"INSERT INTO tasks.task_assignees (workspace_id, task_id, member_id, position)"
				" SELECT $1, x.t, x.m, x.p FROM unnest($2, $3, $4) WITH ORDINALITY AS x(t, m, p, o) ORDER BY x.o",
				rows, rows->asg, asg_types, lengthof(asg_types), "assignee batch insert");
	rows_insert(&lnk_plan,
				"INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id)"
				" SELECT $1, x.t, x.relation, x.kind, x.id"
				" FROM unnest($2, $3, $4, $5) WITH ORDINALITY AS x(t, relation, kind, id, o) ORDER BY x.o"
				" ON CONFLICT DO NOTHING",
				rows, rows->lnk, lnk_types, lengthof(lnk_types), "link batch insert");
	rows_insert(&dep_plan,
				"INSERT INTO tasks.task_dependencies (workspace_id, task_id, depends_on_id)"
				" SELECT $1, x.t, x.d FROM unnest($2, $3) WITH ORDINALITY AS x(t, d, o) ORDER BY x.o",
				rows, rows->dep, dep_types, lengthof(dep_types), "dependency batch insert");
	rows_insert(&note_plan,
				"INSERT INTO tasks.notes (workspace_id, id, task_id, body, created_by)"
				" SELECT $1, tasks.uuid_generate_v7(), x.t, x.b, x.a"
				" FROM unnest($2, $3, $4) WITH ORDINALITY AS x(t, b, a, o) ORDER BY x.o",
				rows, rows->note, note_types, lengthof(note_types), "note batch insert");
}
