/*-------------------------------------------------------------------------
 *
 * task_update.c
 *	  Partial updates of a task: the native API, its HTTP endpoint, and the
 *	  updates of the Lightfield and Vambe dialects.
 *
 * The pipeline (task_engine_update):
 *	 1. the patch is parsed by the create's readers in patch mode (shape
 *		problems, no table access): an invalid patch stops here;
 *	 2. the task's current row is read with a fresh snapshot; no live task of
 *		the workspace is "not found", a stale "version" a conflict;
 *	 3. what the patch adds is checked like a create's references, and the
 *		patch is merged with the current row: lists, completed_at, the
 *		schedule order, limits; new dependencies take the workspace's
 *		dependency lock and must not close a cycle;
 *	 4. the row is written by one UPDATE ... WHERE version = <the version
 *		read>, so of two concurrent writers the second finds no row at that
 *		version: with a client version that is a conflict, without one the
 *		patch is merged again with the new row (at most UPDATE_ATTEMPTS
 *		times); then the child lists are synced and notes added.
 * Nothing is written unless every check passed.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "task_update.h"
#include "dialect_lightfield.h"
#include "dialect_vambe.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* How often an update without a client version merges again after losing a race. */
#define UPDATE_ATTEMPTS 5

/* Flags of task_engine_update_ex. */
#define UPDATE_KEEP_ASSIGNEE 0x01	/* touching the assignees must leave one */

/* The columns an update may write from its patch as given. */
#define UPDATE_SCALARS (TF_BIT(TF_TITLE) | TF_BIT(TF_DESCRIPTION) | TF_BIT(TF_STATUS) | \
						TF_BIT(TF_PRIORITY) | TF_BIT(TF_TYPE) | TF_BIT(TF_TIMEZONE) | \
						TF_BIT(TF_DEADLINE) | TF_BIT(TF_SCHEDULED_START) | \
						TF_BIT(TF_SCHEDULED_END) | TF_BIT(TF_SORT_ORDER) | \
						TF_BIT(TF_METADATA) | TF_BIT(TF_EXTERNAL_ID))

/* The task's row as an update reads it. */
typedef struct TaskCurrent
{
	int32		version;
	char	   *category;		/* of its status */
	List	   *tags;			/* of char * */
	bool		has_due_date;
	DateADT		due_date;
	bool		has_due_at;
	TimestampTz due_at;
	bool		has_scheduled_start;
	TimestampTz scheduled_start;
	bool		has_scheduled_end;
	TimestampTz scheduled_end;
	bool		has_completed_at;
	TimestampTz completed_at;
	char	   *metadata_json;
	List	   *assignees;		/* of pg_uuid_t *, in assignment order */
	List	   *dependencies;	/* of pg_uuid_t * */
	List	   *links;			/* of TaskLink * */
} TaskCurrent;

/* What a patch merged with the current row comes to. */
typedef struct TaskMerged
{
	TaskDraft	row;			/* values of the columns in mask */
	uint32		mask;
	List	   *assignees;
	List	   *links;
	List	   *dependencies;
	List	   *new_deps;		/* dependencies the task did not have */
	List	   *new_dep_paths;
} TaskMerged;

static UpdateOutcome task_engine_update_ex(const TaskIdentity *who, const pg_uuid_t *task_id,
										   Jsonb *patch, int flags, TaskPatch *tp,
										   TaskProblems *p, int32 *current_version);
static void raise_not_found(const pg_uuid_t *task_id, bool http) pg_attribute_noreturn();
static void raise_conflict(const TaskIdentity *who, const pg_uuid_t *task_id, const TaskPatch *tp,
						   int32 current) pg_attribute_noreturn();

/* ------------------------------------------------------------------------
 * Reading the current row
 * ------------------------------------------------------------------------
 */

/* A list of pg_uuid_t * from a uuid[] datum. */
static List *
uuid_array_list(Datum d)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *out = NIL;

	deconstruct_array(a, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

		memcpy(u, DatumGetUUIDP(elems[i]), sizeof(pg_uuid_t));
		out = lappend(out, u);
	}
	return out;
}

/* A list of char * from a text[] datum. */
static List *
text_array_list(Datum d)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *out = NIL;

	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		out = lappend(out, TextDatumGetCString(elems[i]));
	return out;
}

/* A nullable timestamptz column of the current SPI row. */
static void
get_instant(int col, bool *has, TimestampTz *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);

	*has = !isnull;
	*out = isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * Reads the live task with its children into cur; false when the workspace
 * has no such live task.  Not read-only: each read takes a fresh snapshot
 * (under READ COMMITTED), so a read after a lost race sees the winner.
 */
static bool
read_current(const pg_uuid_t *workspace, const pg_uuid_t *task_id, TaskCurrent *cur)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];
	bool		isnull;
	Datum		d;
	List	   *rel,
			   *kind,
			   *ids;
	ListCell   *rc,
			   *kc,
			   *ic;

	store_plan(&plan,
			   "SELECT t.version, s.category, t.tags, t.due_date, t.due_at, t.scheduled_start,"
			   " t.scheduled_end, t.completed_at, t.metadata::text,"
			   " ARRAY(SELECT a.member_id FROM tasks.task_assignees a"
			   "        WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id"
			   "        ORDER BY a.assigned_at, a.position, a.member_id),"
			   " ARRAY(SELECT d.depends_on_id FROM tasks.task_dependencies d"
			   "        WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id ORDER BY d.depends_on_id),"
			   " ARRAY(SELECT l.relation FROM tasks.task_links l"
			   "        WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id ORDER BY l.relation, l.record_id),"
			   " ARRAY(SELECT l.kind FROM tasks.task_links l"
			   "        WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id ORDER BY l.relation, l.record_id),"
			   " ARRAY(SELECT l.record_id FROM tasks.task_links l"
			   "        WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id ORDER BY l.relation, l.record_id)"
			   " FROM tasks.tasks t"
			   " JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
			   " WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL",
			   2, types);
	v[0] = UUIDPGetDatum(workspace);
	v[1] = UUIDPGetDatum(task_id);
	if (SPI_execute_plan(plan, v, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read task %s", uuid_to_cstring(task_id));
	if (SPI_processed == 0)
		return false;

	memset(cur, 0, sizeof(TaskCurrent));
	cur->version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	cur->category = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	cur->tags = text_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
	cur->has_due_date = !isnull;
	cur->due_date = isnull ? 0 : DatumGetDateADT(d);
	get_instant(5, &cur->has_due_at, &cur->due_at);
	get_instant(6, &cur->has_scheduled_start, &cur->scheduled_start);
	get_instant(7, &cur->has_scheduled_end, &cur->scheduled_end);
	get_instant(8, &cur->has_completed_at, &cur->completed_at);
	cur->metadata_json = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 9);
	cur->assignees = uuid_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 10, &isnull));
	cur->dependencies = uuid_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 11, &isnull));
	rel = text_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 12, &isnull));
	kind = text_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 13, &isnull));
	ids = uuid_array_list(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 14, &isnull));
	forthree(rc, rel, kc, kind, ic, ids)
	{
		TaskLink   *l = palloc0(sizeof(TaskLink));

		l->relation = lfirst(rc);
		l->kind = lfirst(kc);
		l->record_id = *(pg_uuid_t *) lfirst(ic);
		cur->links = lappend(cur->links, l);
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Merging a patch with the current row
 * ------------------------------------------------------------------------
 */

/* Whether the list of pg_uuid_t * holds u. */
static bool
uuid_listed(List *list, const pg_uuid_t *u)
{
	ListCell   *lc;

	foreach(lc, list)
		if (memcmp(lfirst(lc), u, sizeof(pg_uuid_t)) == 0)
			return true;
	return false;
}

/* A uuid list after the patch: the replacement, or current minus removals plus additions. */
static List *
merged_uuids(ListEdit edit, List *current, List *given, List *removes)
{
	List	   *out = NIL;
	ListCell   *lc;

	if (edit == LIST_REPLACE)
		return given;
	foreach(lc, current)
		if (!uuid_listed(removes, lfirst(lc)))
			out = lappend(out, lfirst(lc));
	foreach(lc, given)
		if (!uuid_listed(out, lfirst(lc)))
			out = lappend(out, lfirst(lc));
	return out;
}

/* The tags after the patch, in the same way. */
static List *
merged_tags(const TaskPatch *tp, List *current)
{
	List	   *out = NIL;
	ListCell   *lc;

	if (tp->tags_edit == LIST_REPLACE)
		return tp->d.tags;
	foreach(lc, current)
		if (!string_in_list(tp->tag_removes, lfirst(lc)))
			out = lappend(out, lfirst(lc));
	foreach(lc, tp->d.tags)
		if (!string_in_list(out, lfirst(lc)))
			out = lappend(out, lfirst(lc));
	return out;
}

/* Whether the list of TaskLink * holds a link of relation to record id. */
static bool
link_in(List *links, const char *relation, const pg_uuid_t *id)
{
	ListCell   *lc;

	foreach(lc, links)
	{
		TaskLink   *l = lfirst(lc);

		if (strcmp(l->relation, relation) == 0 && memcmp(&l->record_id, id, sizeof(pg_uuid_t)) == 0)
			return true;
	}
	return false;
}

/*
 * The links after the patch: an edit keeps the current links except those
 * of the cleared relations and those removed, then adds; a replacement is
 * the links given.
 */
static List *
merged_links(const TaskPatch *tp, List *current)
{
	List	   *out = NIL;
	ListCell   *lc;

	if (tp->links_edit == LIST_EDIT)
	{
		foreach(lc, current)
		{
			TaskLink   *l = lfirst(lc);
			ListCell   *rc;
			bool		removed = string_in_list(tp->link_clears, l->relation);

			foreach(rc, tp->link_removes)
			{
				TaskLinkRef *r = lfirst(rc);

				removed |= strcmp(r->relation, l->relation) == 0 &&
					memcmp(&r->record_id, &l->record_id, sizeof(pg_uuid_t)) == 0;
			}
			if (!removed)
				out = lappend(out, l);
		}
	}
	foreach(lc, tp->d.links)
	{
		TaskLink   *l = lfirst(lc);

		if (!link_in(out, l->relation, &l->record_id))
			out = lappend(out, l);
	}
	return out;
}

/* A list longer than the limit is a problem at path. */
static void
check_count(List *list, const char *path, const char *what, TaskProblems *p)
{
	if (list_length(list) > TASKS_MAX_ITEMS)
		problem_add(p, path, "too_many", "a task can have at most %d %s (this update leaves %d)",
					TASKS_MAX_ITEMS, what, list_length(list));
}

/*
 * Keeps completed_at consistent with the status: entering a done status sets
 * it (to the time of the call unless given), leaving done clears it
 * (cancelled is not done: a cancelled task has no completion time), and
 * only a task that is done after the update may be given one.
 */
static void
merge_completion(const TaskPatch *tp, const TaskCurrent *cur, TaskMerged *m, TaskProblems *p)
{
	bool		given = (tp->given & TF_BIT(TF_COMPLETED_AT)) != 0;
	bool		cleared = (tp->cleared & TF_BIT(TF_COMPLETED_AT)) != 0;
	const char *category = (tp->given & TF_BIT(TF_STATUS)) ? tp->d.status_category : cur->category;
	bool		was_done = strcmp(cur->category, "done") == 0;

	if (category == NULL || (given && !cleared && !tp->d.has_completed_at))
		return;					/* an invalid status or time: reported already */
	if (strcmp(category, "done") == 0)
	{
		if (given && cleared)
			problem_add(p, "/completed_at", "invalid_state",
						"cannot be cleared while the task is done; give a status that is not done to reopen it");
		else if (given || !was_done)
		{
			m->mask |= TF_BIT(TF_COMPLETED_AT);
			m->row.has_completed_at = true;
			m->row.completed_at = given ? tp->d.completed_at : GetCurrentTransactionStartTimestamp();
		}
	}
	else if (given && !cleared)
		problem_add(p, "/completed_at", "invalid_state",
					"only a done task has a completion time; give a done status with it");
	else if (was_done || given)
	{
		m->mask |= TF_BIT(TF_COMPLETED_AT);
		m->row.has_completed_at = false;
	}
}

/*
 * The due date: due_date (all-day) and due_at (an instant) exclude each
 * other, so setting one clears the other.
 */
static void
merge_due(const TaskPatch *tp, const TaskCurrent *cur, TaskMerged *m)
{
	if ((tp->given & (TF_BIT(TF_DUE_DATE) | TF_BIT(TF_DUE_AT))) == 0)
		return;
	m->mask |= TF_BIT(TF_DUE_DATE) | TF_BIT(TF_DUE_AT);
	m->row.has_due_date = cur->has_due_date;
	m->row.due_date = cur->due_date;
	m->row.has_due_at = cur->has_due_at;
	m->row.due_at = cur->due_at;
	if (tp->given & TF_BIT(TF_DUE_DATE))
	{
		m->row.has_due_date = tp->d.has_due_date;
		m->row.due_date = tp->d.due_date;
		if (tp->d.has_due_date)
			m->row.has_due_at = false;
	}
	if (tp->given & TF_BIT(TF_DUE_AT))
	{
		m->row.has_due_at = tp->d.has_due_at;
		m->row.due_at = tp->d.due_at;
		if (tp->d.has_due_at)
			m->row.has_due_date = false;
	}
}

/* scheduled_start <= scheduled_end, when the patch gives only one of them. */
static void
merge_schedule(const TaskPatch *tp, const TaskCurrent *cur, TaskProblems *p)
{
	bool		start_given = (tp->given & TF_BIT(TF_SCHEDULED_START)) != 0;
	bool		end_given = (tp->given & TF_BIT(TF_SCHEDULED_END)) != 0;

	if (start_given == end_given)
		return;					/* neither, or both: checked with the patch */
	if (start_given && tp->d.has_scheduled_start && cur->has_scheduled_end &&
		tp->d.scheduled_start > cur->scheduled_end)
		problem_add(p, "/scheduled_start", "invalid_range", "must not be after the task's scheduled_end");
	if (end_given && tp->d.has_scheduled_end && cur->has_scheduled_start &&
		cur->scheduled_start > tp->d.scheduled_end)
		problem_add(p, "/scheduled_end", "invalid_range", "must not be before the task's scheduled_start");
}

/*
 * metadata_merge: the stored metadata with the given keys replaced, and the
 * keys given as null removed; at most TASKS_MAX_METADATA_BYTES.
 */
static char *
merged_metadata(const char *current, const char *merge, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		v[2];
	bool		isnull;
	char	   *out;

	store_plan(&plan,
			   "SELECT m::text, pg_column_size(m) FROM (SELECT ($1::jsonb || $2::jsonb)"
			   " - ARRAY(SELECT e.key FROM jsonb_each($2::jsonb) AS e WHERE e.value = 'null'::jsonb) AS m) AS x",
			   2, types);
	v[0] = CStringGetTextDatum(current);
	v[1] = CStringGetTextDatum(merge);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "metadata merge failed");
	out = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) >
		TASKS_MAX_METADATA_BYTES)
		problem_add(p, "/metadata_merge", "too_large", "the merged metadata must be at most %d bytes",
					TASKS_MAX_METADATA_BYTES);
	return out;
}

/* The new dependencies of the merged list (not among the current ones), with their paths. */
static void
new_dependencies(const TaskPatch *tp, const TaskCurrent *cur, TaskMerged *m)
{
	ListCell   *lc,
			   *pc;

	forboth(lc, tp->d.dependencies, pc, tp->d.dependency_paths)
	{
		if (uuid_listed(cur->dependencies, lfirst(lc)) || !uuid_listed(m->dependencies, lfirst(lc)))
			continue;
		m->new_deps = lappend(m->new_deps, lfirst(lc));
		m->new_dep_paths = lappend(m->new_dep_paths, lfirst(pc));
	}
}

/* Merges the patch with the current row into m; state-dependent problems go to p. */
static void
merge_patch(const TaskPatch *tp, const TaskCurrent *cur, int flags, TaskMerged *m, TaskProblems *p)
{
	memset(m, 0, sizeof(TaskMerged));
	m->row = tp->d;
	m->mask = tp->given & UPDATE_SCALARS;
	if (tp->given & TF_BIT(TF_TAGS))
	{
		m->row.tags = merged_tags(tp, cur->tags);
		m->mask |= TF_BIT(TF_TAGS);
		check_count(m->row.tags, "/tags", "tags", p);
	}
	if (tp->metadata_merge && tp->d.metadata_json != NULL)
		m->row.metadata_json = merged_metadata(cur->metadata_json, tp->d.metadata_json, p);
	merge_due(tp, cur, m);
	merge_schedule(tp, cur, p);
	merge_completion(tp, cur, m, p);
	if (tp->given & TF_BIT(TF_ASSIGNEES))
	{
		m->assignees = merged_uuids(tp->assignees_edit, cur->assignees, tp->d.assignees,
									tp->assignee_removes);
		check_count(m->assignees, "/assignee_ids", "assignees", p);
		if ((flags & UPDATE_KEEP_ASSIGNEE) && m->assignees == NIL)
			problem_add(p, "/assignee_ids", "required", "the task must keep an assignee");
	}
	if (tp->given & TF_BIT(TF_LINKS))
	{
		m->links = merged_links(tp, cur->links);
		check_count(m->links, "/links", "links", p);
	}
	if (tp->given & TF_BIT(TF_DEPENDENCIES))
	{
		m->dependencies = merged_uuids(tp->deps_edit, cur->dependencies, tp->d.dependencies,
									   tp->dep_removes);
		check_count(m->dependencies, "/dependency_ids", "dependencies", p);
		new_dependencies(tp, cur, m);
	}
}

/* ------------------------------------------------------------------------
 * The engine
 * ------------------------------------------------------------------------
 */

/* Whether the actor is a member of the workspace (notes name it as their author). */
static bool
actor_is_member(const TaskIdentity *who)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];

	if (!who->has_actor)
		return false;
	store_plan(&plan, "SELECT 1 FROM tasks.members m WHERE m.workspace_id = $1 AND m.id = $2", 2, types);
	v[0] = UUIDPGetDatum(&who->workspace_id);
	v[1] = UUIDPGetDatum(&who->actor_id);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "member lookup failed");
	return SPI_processed == 1;
}

/* Writes the merged child lists and the new notes. */
static void
write_children(const TaskIdentity *who, const pg_uuid_t *task_id, const TaskPatch *tp,
			   const TaskMerged *m)
{
	if (tp->given & TF_BIT(TF_ASSIGNEES))
		task_store_sync_assignees(&who->workspace_id, task_id, m->assignees);
	if (tp->given & TF_BIT(TF_LINKS))
		task_store_sync_links(&who->workspace_id, task_id, m->links);
	if (tp->given & TF_BIT(TF_DEPENDENCIES))
		task_store_sync_dependencies(&who->workspace_id, task_id, m->dependencies);
	if (tp->d.notes != NIL)
		task_store_add_notes(&who->workspace_id, task_id, tp->d.notes,
							 actor_is_member(who) ? &who->actor_id : NULL);
}

/* The update pipeline; see the file comment.  flags: UPDATE_KEEP_ASSIGNEE. */
static UpdateOutcome
task_engine_update_ex(const TaskIdentity *who, const pg_uuid_t *task_id, Jsonb *patch, int flags,
					  TaskPatch *tp, TaskProblems *p, int32 *current_version)
{
	bool		refs_checked = false;
	bool		locked = false;

	*current_version = 0;
	task_patch_parse(patch, tp, p);
	tp->d.workspace_id = who->workspace_id;
	tp->d.id = *task_id;
	if (problems_any(p))
		return UPDATE_INVALID;

	for (int attempt = 1;; attempt++)
	{
		TaskCurrent cur;
		TaskMerged	m;
		int32		version;

		CHECK_FOR_INTERRUPTS();
		if (!read_current(&who->workspace_id, task_id, &cur))
			return UPDATE_NOT_FOUND;
		*current_version = cur.version;
		if ((tp->has_version && tp->version != cur.version) || attempt > UPDATE_ATTEMPTS)
			return UPDATE_CONFLICT;
		if (!refs_checked)
		{
			task_patch_check_refs(tp, p);
			refs_checked = true;
		}
		merge_patch(tp, &cur, flags, &m, p);
		if (m.new_deps != NIL)
		{
			if (!locked)
				task_dependency_lock(&who->workspace_id);
			locked = true;
			task_check_dependency_cycles(&who->workspace_id, task_id, m.new_deps, m.new_dep_paths, p);
		}
		if (problems_any(p))
			return UPDATE_INVALID;

		version = task_store_update(&m.row, m.mask, cur.version);
		if (version == 0)
			continue;			/* changed or deleted since read: read it again */
		*current_version = version;
		write_children(who, task_id, tp, &m);
		return UPDATE_DONE;
	}
}

/* The update pipeline for every caller but the dialects that need flags. */
UpdateOutcome
task_engine_update(const TaskIdentity *who, const pg_uuid_t *task_id, Jsonb *patch,
				   TaskPatch *tp, TaskProblems *p, int32 *current_version)
{
	return task_engine_update_ex(who, task_id, patch, 0, tp, p, current_version);
}

/* ------------------------------------------------------------------------
 * The native API: tasks.task_update(id, patch) and tasks_v1.task_update(body)
 * ------------------------------------------------------------------------
 */

/* The problem list of a missing task, as tasks.task_get reports it. */
#define NOT_FOUND_DETAIL "[{\"path\": \"/id\", \"code\": \"not_found\", \"message\": \"no such task in this workspace\"}]"

/*
 * A missing task: P0002 from SQL (as tasks.task_get), 404
 * {"code": "not_found", "message", "errors"} from the HTTP endpoint.
 */
static void
raise_not_found(const pg_uuid_t *task_id, bool http)
{
	char	   *message = psprintf("task %s not found", uuid_to_cstring(task_id));

	if (http)
	{
		StringInfoData body;

		initStringInfo(&body);
		appendStringInfoString(&body, "{\"code\": \"not_found\", \"message\": ");
		json_append_string(&body, message, strlen(message));
		appendStringInfo(&body, ", \"errors\": %s}", NOT_FOUND_DETAIL);
		dialect_raise(404, message, body.data);
	}
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("%s", message),
			 errdetail("%s", NOT_FOUND_DETAIL)));
	pg_unreachable();
}

/*
 * A stale version: SQLSTATE PT409 (HTTP 409 under PostgREST) with
 * {"code": "version_conflict", "message", "current_version", "current"} in
 * DETAIL, "current" being the task as tasks.task_get returns it now.
 */
static void
raise_conflict(const TaskIdentity *who, const pg_uuid_t *task_id, const TaskPatch *tp, int32 current)
{
	static SPIPlanPtr plan = NULL;
	char	   *id = uuid_to_cstring(task_id);
	char	   *message = tp->has_version ?
		psprintf("task %s was changed: version %d is not the current version %d", id, tp->version, current) :
		psprintf("task %s kept changing while it was being updated; read it again and retry", id);
	Datum		body = task_store_fetch(&plan,
										"SELECT jsonb_build_object('code', 'version_conflict', 'message', $3,"
										" 'current_version', j -> 'version', 'current', j)"
										" FROM tasks.task_json($1, $2) AS j",
										&who->workspace_id, task_id, message);

	dialect_raise(409, message, DatumGetCString(DirectFunctionCall1(jsonb_out, body)));
}

/* Runs a native update and returns the task; raises 22023, P0002 / PT404 or PT409. */
static Datum
native_update(const pg_uuid_t *task_id, Jsonb *patch, bool http)
{
	static SPIPlanPtr read_back = NULL;
	TaskIdentity who;
	TaskPatch	tp;
	TaskProblems problems;
	int32		version;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	problems_init(&problems);
	switch (task_engine_update(&who, task_id, patch, &tp, &problems, &version))
	{
		case UPDATE_INVALID:
			problems_raise(&problems, "task patch");
		case UPDATE_NOT_FOUND:
			raise_not_found(task_id, http);
		case UPDATE_CONFLICT:
			raise_conflict(&who, task_id, &tp, version);
		case UPDATE_DONE:
			break;
	}
	result = task_store_fetch(&read_back,
							  "SELECT CASE WHEN $3 = '[]' THEN j"
							  " ELSE j || jsonb_build_object('resolutions', $3::jsonb) END"
							  " FROM tasks.task_json($1, $2) AS j",
							  &who.workspace_id, task_id, task_draft_resolutions_json(&tp.d));
	SPI_finish();
	return result;
}

/* tasks.task_update(id uuid, patch jsonb) RETURNS jsonb: the native partial update. */
PG_FUNCTION_INFO_V1(tasks_task_update);
Datum
tasks_task_update(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(native_update(PG_GETARG_UUID_P(0), PG_GETARG_JSONB_P(1), false));
}

/*
 * POST /rpc/task_update: the body is {"id", "version"?, ...patch}.  A
 * missing or malformed id is a problem of the body, reported with the
 * patch's own problems.
 */
static Datum
v1_update(Jsonb *body, pg_uuid_t *task_id)
{
	TaskProblems problems;
	PayloadField f;
	Jsonb	   *patch;

	problems_init(&problems);
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(&problems, "", "invalid_type", "the body must be a JSON object");
		problems_raise(&problems, "task patch");
	}
	payload_get(body, "id", &f);
	if (!f.present || f.is_null)
		problem_add(&problems, "/id", "required", "is required: the id of the task to update");
	else if (f.value.type != jbvString || f.value.val.string.len > 36 ||
			 !payload_uuid(pnstrdup(f.value.val.string.val, f.value.val.string.len), task_id))
		problem_add(&problems, "/id", "invalid_uuid", "must be a uuid");
	patch = DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(body),
											   CStringGetTextDatum("id")));
	if (problems_any(&problems))
	{
		TaskPatch	tp;

		task_patch_parse(patch, &tp, &problems);
		problems_raise(&problems, "task patch");
	}
	return native_update(task_id, patch, true);
}

static const Endpoint v1_update_endpoint = {
	.dialect = "v1",
	.operation = "v1.task.update",
	.success_status = 200,
	.location = NULL,
	.impl = v1_update
};

/* tasks_v1.task_update(jsonb): the same over PostgREST (200, 404, 409, 422, idempotency). */
PG_FUNCTION_INFO_V1(tasks_v1_task_update);
Datum
tasks_v1_task_update(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&v1_update_endpoint, PG_GETARG_JSONB_P(0)));
}

/* ------------------------------------------------------------------------
 * What the dialects share: a native patch built from a vendor body, and
 * native problem paths mapped back to vendor fields
 * ------------------------------------------------------------------------
 */

/* Vendor fields of the native paths a dialect's patch produced. */
typedef struct VendorPaths
{
	List	   *assignees;		/* vendor field per /assignee_ids/<n> */
	const char *assignee_field; /* for any other /assignee_ids path */
	List	   *link_adds;		/* vendor field per /links/add/<n> */
	List	   *link_removes;	/* vendor field per /links/remove/<n> */
	const char *links_field;	/* for any other /links path */
	const char *const (*map)[2];	/* native key -> vendor field, NULL-terminated */
} VendorPaths;

/* Whether path is key or below it. */
static bool
path_under(const char *path, const char *key)
{
	size_t		len = strlen(key);

	return strncmp(path, key, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* The vendor field behind a native problem path of a dialect's patch. */
static const char *
vendor_field(const VendorPaths *vp, const char *path)
{
	int			i;
	const char *key;

	if ((i = dialect_path_index(path, "/assignee_ids")) >= 0 && i < list_length(vp->assignees))
		return list_nth(vp->assignees, i);
	if (path_under(path, "/assignee_ids"))
		return vp->assignee_field;
	if ((i = dialect_path_index(path, "/links/add")) >= 0 && i < list_length(vp->link_adds))
		return list_nth(vp->link_adds, i);
	if ((i = dialect_path_index(path, "/links/remove")) >= 0 && i < list_length(vp->link_removes))
		return list_nth(vp->link_removes, i);
	if (path_under(path, "/links"))
		return vp->links_field;
	key = path[0] == '/' ? path + 1 : path;
	for (const char *const (*m)[2] = vp->map; m && (*m)[0]; m++)
		if (path_under(key, (*m)[0]))
			return (*m)[1];
	return key;
}

/* Appends a JSON array of the strings in list to buf. */
static void
append_string_array(StringInfo buf, List *list)
{
	ListCell   *lc;

	appendStringInfoChar(buf, '[');
	foreach(lc, list)
	{
		if (lc != list_head(list))
			appendStringInfoString(buf, ", ");
		json_append_string(buf, lfirst(lc), strlen(lfirst(lc)));
	}
	appendStringInfoChar(buf, ']');
}

/* The native patch a dialect built in ctx->native, closed and parsed. */
static Jsonb *
dialect_patch(DialectContext *ctx)
{
	appendStringInfoChar(&ctx->native, '}');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(ctx->native.data)));
}

/* The task id of a vendor body: a uuid string, else false. */
static bool
body_task_id(Jsonb *body, pg_uuid_t *id, bool *present)
{
	PayloadField f;
	char	   *s;

	payload_get(body, "id", &f);
	*present = f.present && !f.is_null;
	if (!*present || f.value.type != jbvString || f.value.val.string.len != 36)
		return false;
	s = pnstrdup(f.value.val.string.val, f.value.val.string.len);
	return payload_uuid(s, id);
}

/* ------------------------------------------------------------------------
 * Lightfield: POST /v1/tasks/{id} (task.update), tasks_lightfield.task_update
 *
 * The body is {"id", "fields"?, "relationships"?}: PostgREST cannot pass a
 * path parameter to an RPC, so the {id} of the URL travels in the body.
 * Fields as on create, each optional ($description and $dueAt may be
 * null: cleared).  Each relationship takes one operation object: "add",
 * "remove" or "replace" (null or [] clears).  The readers and the error
 * shapes are the create's (src/dialect_lightfield.h).
 * ------------------------------------------------------------------------
 */
static const char *const lf_body_keys[] = {"id", "fields", "relationships", NULL};
static const char *const lf_ops[] = {"add", "remove", "replace", NULL};

/* The relationships an update may change ($createdBy is read-only). */
static const LightfieldRelation lf_system[] = {
	{"$assignedTo", NULL, NULL, false},
	{"$account", "account", "account", false},
	{"$opportunity", "opportunity", "opportunity", false},
	{NULL, NULL, NULL, false}
};

/* Native keys back to Lightfield params. */
static const char *const lf_map[][2] = {
	{"title", "fields.$title"}, {"status_id", "fields.$status"}, {"description", "fields.$description"},
	{"due_at", "fields.$dueAt"}, {"due_date", "fields.$dueAt"}, {NULL, NULL}
};

static void lf_raise_plain(int status, const char *type, const char *message) pg_attribute_noreturn();

/* One Lightfield update call. */
typedef struct LfUpdate
{
	const char *status;			/* the $status asked for */
	List	   *params;			/* relationship params in checking order */
	int			nlinks;			/* records added or replaced */
	bool		assignees_replace;
	List	   *assignees;		/* replacement ids */
	List	   *assignee_removes;
	List	   *link_clears;	/* relations */
	StringInfoData link_adds;	/* JSON items */
	StringInfoData link_removes;
	VendorPaths paths;
} LfUpdate;

/* Raises {"error": {"type", "message"}} with an HTTP status that takes no code or param. */
static void
lf_raise_plain(int status, const char *type, const char *message)
{
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfo(&body, "{\"error\": {\"type\": \"%s\", \"message\": ", type);
	json_append_string(&body, message, strlen(message));
	appendStringInfoString(&body, "}}");
	dialect_raise(status, message, body.data);
}

/* Appends a link item {kind, relation, id} (or {relation, id} to remove) to buf. */
static void
lf_link_item(StringInfo buf, const LightfieldRelation *r, const char *id, bool with_kind)
{
	if (buf->len > 0)
		appendStringInfoString(buf, ", ");
	appendStringInfoChar(buf, '{');
	if (with_kind)
	{
		appendStringInfoString(buf, "\"kind\": ");
		json_append_string(buf, r->kind, strlen(r->kind));
		appendStringInfoString(buf, ", ");
	}
	appendStringInfoString(buf, "\"relation\": ");
	json_append_string(buf, r->relation, strlen(r->relation));
	appendStringInfoString(buf, ", \"id\": ");
	json_append_string(buf, id, strlen(id));
	appendStringInfoChar(buf, '}');
}

/*
 * One relationship's operation.  A has_one relationship holds one entity:
 * "add" sets it (like "replace") and takes one id.  $assignedTo cannot be
 * emptied: every Lightfield task is assigned to a member.
 */
static void
lf_relation(JsonbContainer *c, const LightfieldRelation *r, LfUpdate *call, TaskProblems *p)
{
	PayloadField f,
				of;
	char	   *param = psprintf("relationships.%s", r->key);
	bool		assigned = r->kind == NULL;
	const char *op = NULL;
	int			nops = 0;
	List	   *ids = NIL;
	ListCell   *lc;
	bool		bad;
	JsonbContainer *opc;

	call->params = lappend(call->params, param);
	payload_get_container(c, r->key, &f);
	if (!f.present)
		return;
	if (f.value.type != jbvBinary || !JsonContainerIsObject(f.value.val.binary.data))
	{
		problem_add(p, param, "invalid_type", "%s must be an operation object with add, remove or replace, not %s",
					param, jsonb_type_name(&f.value));
		return;
	}
	opc = f.value.val.binary.data;
	foreach(lc, payload_unknown_keys(opc, lf_ops))
		problem_add(p, param, "unknown_field", "Unknown operation '%s' on %s: use add, remove or replace",
					(char *) lfirst(lc), param);
	for (int i = 0; lf_ops[i]; i++)
	{
		payload_get_container(opc, lf_ops[i], &of);
		if (of.present && nops++ == 0)
			op = lf_ops[i];
	}
	if (nops == 0)
	{
		problem_add(p, param, "parameter_missing", "%s needs one of add, remove or replace", param);
		return;
	}
	if (nops > 1)
	{
		problem_add(p, param, "invalid_type", "%s takes one operation: add, remove or replace", param);
		return;
	}
	payload_get_container(opc, op, &of);
	if (of.is_null && strcmp(op, "replace") != 0)
	{
		problem_add(p, param, "invalid_type", "%s.%s must be an entity ID or an array of entity IDs, not null",
					param, op);
		return;
	}
	if (!of.is_null)
	{
		ids = lightfield_ids(&of.value, param, &bad, p);
		if (bad)
			return;
	}
	if (strcmp(op, "remove") != 0 && !r->has_many && list_length(ids) > 1)
	{
		problem_add(p, param, "invalid_type", "%s is a has_one relationship: give one entity ID, not %d",
					param, list_length(ids));
		return;
	}
	if (assigned)
	{
		if (strcmp(op, "remove") == 0)
			call->assignee_removes = list_concat(call->assignee_removes, ids);
		else if (ids == NIL)
			problem_add(p, param, "parameter_missing", "%s must name the member the task is assigned to", param);
		else
		{
			call->assignees_replace = true;
			call->assignees = ids;
		}
		return;
	}
	if (strcmp(op, "remove") != 0 && (call->nlinks += list_length(ids)) > TASKS_MAX_ITEMS)
	{
		problem_add(p, param, LF_UNPROCESSABLE, "A task can relate to at most %d records", TASKS_MAX_ITEMS);
		return;
	}
	if (strcmp(op, "replace") == 0 || (strcmp(op, "add") == 0 && !r->has_many))
		call->link_clears = lappend(call->link_clears, (char *) r->relation);
	foreach(lc, ids)
	{
		bool		remove = strcmp(op, "remove") == 0;

		lf_link_item(remove ? &call->link_removes : &call->link_adds, r, lfirst(lc), !remove);
		if (remove)
			call->paths.link_removes = lappend(call->paths.link_removes, param);
		else
			call->paths.link_adds = lappend(call->paths.link_adds, param);
	}
}

/* The relationships object: keys first, then $assignedTo, $account, $opportunity, custom ones. */
static void
lf_relationships(JsonbContainer *c, DialectContext *ctx, LfUpdate *call, TaskProblems *p)
{
	List	   *custom = lightfield_custom_relations(ctx);
	ListCell   *lc;

	lightfield_relation_keys(c, lf_system, custom, "$assignedTo, $account and $opportunity", p);
	for (const LightfieldRelation *r = lf_system; r->key; r++)
		lf_relation(c, r, call, p);
	foreach(lc, custom)
		lf_relation(c, lfirst(lc), call, p);
}

/* Writes the collected relationship operations into the native patch. */
static void
lf_put_relations(DialectContext *ctx, LfUpdate *call)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (call->assignees_replace)
	{
		append_string_array(&buf, call->assignees);
		dialect_put_json(ctx, "assignee_ids", buf.data);
	}
	else if (call->assignee_removes != NIL)
	{
		appendStringInfoString(&buf, "{\"remove\": ");
		append_string_array(&buf, call->assignee_removes);
		appendStringInfoChar(&buf, '}');
		dialect_put_json(ctx, "assignee_ids", buf.data);
	}
	if (call->link_clears == NIL && call->link_adds.len == 0 && call->link_removes.len == 0)
		return;
	resetStringInfo(&buf);
	appendStringInfoString(&buf, "{\"clear\": ");
	append_string_array(&buf, call->link_clears);
	appendStringInfo(&buf, ", \"add\": [%s], \"remove\": [%s]}", call->link_adds.data, call->link_removes.data);
	dialect_put_json(ctx, "links", buf.data);
}

/*
 * Validates and translates the body.  *id_ok is false when "id" is a string
 * that is not one of our ids: it names no task (404, after the 400s).
 */
static void
lf_translate(Jsonb *body, DialectContext *ctx, LfUpdate *call, pg_uuid_t *task_id, bool *id_ok,
			 TaskProblems *p)
{
	JsonbContainer *fields,
			   *relationships;
	PayloadField f;
	ListCell   *lc;
	bool		present;

	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(p, "", "invalid_type", "The request body must be a JSON object");
		return;
	}
	foreach(lc, payload_unknown_keys(&body->root, lf_body_keys))
		problem_add(p, lfirst(lc), "unknown_field",
					"Unknown parameter '%s': the body takes only id, fields and relationships",
					(char *) lfirst(lc));
	*id_ok = body_task_id(body, task_id, &present);
	payload_get(body, "id", &f);
	if (!present)
		problem_add(p, "id", "parameter_missing", "Missing required parameter: id (the task to update)");
	else if (f.value.type != jbvString)
		problem_add(p, "id", "invalid_type", "id must be a string, not %s", jsonb_type_name(&f.value));
	fields = lightfield_object(body, "fields", false, p);
	relationships = lightfield_object(body, "relationships", false, p);
	if (fields != NULL)
		lightfield_fields(fields, ctx, true, &call->status, p);
	if (relationships != NULL)
		lf_relationships(relationships, ctx, call, p);
	lf_put_relations(ctx, call);
}

/* The engine's problems in Lightfield terms. */
static TaskProblems *
lf_from_native(const LfUpdate *call, const TaskProblems *native)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *param = vendor_field(&call->paths, np->path);
		bool		relation = strncmp(param, "relationships", 13) == 0;

		if (strcmp(np->code, "too_many") == 0)
			problem_add(out, param, LF_UNPROCESSABLE, "%s: %s", param, np->message);
		else if (relation && strcmp(np->code, "required") == 0)
			problem_add(out, param, "parameter_missing",
						"%s cannot remove the last member: every task is assigned to a member", param);
		else if (relation && strcmp(np->code, "inactive") == 0)
			problem_add(out, param, "relationship_entity_inactive",
						"One or more IDs in %s refer to an inactive entity", param);
		else if (relation)
			problem_add(out, param, "relationship_entity_missing", "One or more IDs in %s do not exist", param);
		else if (strcmp(param, "fields.$status") == 0 && strcmp(np->code, "not_found") == 0)
			problem_add(out, param, LF_UNPROCESSABLE, "This workspace has no task status for %s",
						call->status ? call->status : "this value");
		else
			problem_add(out, param, LF_UNPROCESSABLE, "%s %s", param, np->message);
	}
	return out;
}

/* Updates a task from a Lightfield body; raises Lightfield errors. */
static Datum
lightfield_update(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr response = NULL;
	DialectContext ctx;
	LfUpdate	call = {0};
	TaskProblems problems;
	TaskPatch	tp;
	bool		id_ok = false;
	int32		version;
	Datum		result;

	dialect_begin(&ctx, "lightfield");
	lightfield_require_scope(&ctx, "tasks:update");
	problems_init(&problems);
	initStringInfo(&call.link_adds);
	initStringInfo(&call.link_removes);
	call.paths.assignee_field = "relationships.$assignedTo";
	call.paths.links_field = "relationships";
	call.paths.map = lf_map;
	lf_translate(body, &ctx, &call, task_id, &id_ok, &problems);
	if (problems_any(&problems))
		lightfield_raise(lightfield_headline(call.params, true, &problems));
	if (!id_ok)
		lf_raise_plain(404, "not_found", "No resource found in 'tasks' with the given ID.");
	switch (task_engine_update_ex(&ctx.who, task_id, dialect_patch(&ctx), UPDATE_KEEP_ASSIGNEE,
								  &tp, &problems, &version))
	{
		case UPDATE_INVALID:
			lightfield_raise(lightfield_headline(call.params, true, lf_from_native(&call, &problems)));
		case UPDATE_NOT_FOUND:
			lf_raise_plain(404, "not_found", "No resource found in 'tasks' with the given ID.");
		case UPDATE_CONFLICT:
			lf_raise_plain(409, "conflict", "The task was changed by concurrent updates; retry the request.");
		case UPDATE_DONE:
			break;
	}
	result = task_store_fetch(&response, "SELECT tasks._lightfield_response($1, $2)",
							  &ctx.who.workspace_id, task_id, NULL);
	SPI_finish();
	return result;
}

static const Endpoint lightfield_update_endpoint = {
	.dialect = "lightfield",
	.operation = "lightfield.task.update",
	.success_status = 200,
	.location = NULL,
	.impl = lightfield_update
};

/* tasks_lightfield.task_update(jsonb) RETURNS jsonb: POST /v1/tasks/{id}, 200 */
PG_FUNCTION_INFO_V1(tasks_lightfield_task_update);
Datum
tasks_lightfield_task_update(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&lightfield_update_endpoint, PG_GETARG_JSONB_P(0)));
}

/* ------------------------------------------------------------------------
 * Vambe: PUT /api/public/tasks/{id}, tasks_vambe.task_update
 *
 * The body is the vendor's, plus "id" (the path parameter).  Every field is
 * optional and null leaves it unchanged, except dueDate: null removes the
 * due date (with its time and zone).  newStatusName or newStatusPosition
 * (not both) moves the task to that status of the organisation;
 * responsibleIds replaces every assignee.  A dueDate sets the whole due as
 * create does.  The readers, reference checks and error shapes are the
 * create's (src/dialect_vambe.h).
 * ------------------------------------------------------------------------
 */
static const char *const vambe_update_fields[] = {
	"id", "title", "description", "dueDate", "dueTime", "timezone", "responsibleIds",
	"aiContactId", "aiCustomerId", "priority", "associateToCalendar", "newStatusName",
	"newStatusPosition", NULL
};

/* What one Vambe update asks for beyond the native patch. */
typedef struct VbUpdate
{
	pg_uuid_t	task_id;
	List	   *responsibles;	/* of char *, NULL when not given */
	bool		responsibles_given;
	char	   *contact_id;
	char	   *customer_id;
	char	   *status_name;
	bool		has_status_position;
	int32		status_position;
	VendorPaths paths;
} VbUpdate;

static void vb_raise_plain(int status, const char *message, const char *error) pg_attribute_noreturn();

/* Raises {"statusCode", "message", "error"}. */
static void
vb_raise_plain(int status, const char *message, const char *error)
{
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfo(&body, "{\"statusCode\": %d, \"message\": ", status);
	json_append_string(&body, message, strlen(message));
	appendStringInfoString(&body, ", \"error\": ");
	json_append_string(&body, error, strlen(error));
	appendStringInfoChar(&body, '}');
	dialect_raise(status, message, body.data);
}

/* newStatusName (a status name of the organisation) or newStatusPosition (its order), not both. */
static void
vb_status(Jsonb *body, VbUpdate *call, TaskProblems *p)
{
	PayloadField f;
	bool		bad;
	char	   *name = vambe_string(body, "newStatusName", "newStatusName must be a string", p, &bad);

	if (name != NULL && (name[0] == '\0' || pg_mbstrlen_with_len(name, strlen(name)) > 100))
		vambe_invalid(p, "newStatusName", "newStatusName must have 1 to 100 characters");
	else
		call->status_name = name;
	payload_get(body, "newStatusPosition", &f);
	if (f.present && !f.is_null)
	{
		char	   *s = f.value.type == jbvNumeric ?
			DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(f.value.val.numeric))) : NULL;
		char	   *end = NULL;
		long		v = s ? strtol(s, &end, 10) : -1;

		if (s == NULL || *end != '\0' || v < 0 || v > PG_INT32_MAX)
			vambe_invalid(p, "newStatusPosition", "newStatusPosition must be a non-negative integer");
		else
		{
			call->has_status_position = true;
			call->status_position = (int32) v;
		}
	}
	if ((name != NULL || bad) && f.present && !f.is_null)
		vambe_invalid(p, "newStatusPosition", "Provide either newStatusName or newStatusPosition, not both");
}

/* Validates the body (every problem at once, in the create's field order, then the statuses). */
static void
vb_translate(Jsonb *body, DialectContext *ctx, VbUpdate *call, TaskProblems *p)
{
	ListCell   *lc;
	bool		present;

	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		vambe_invalid(p, "body", "Request body must be a JSON object");
		return;
	}
	foreach(lc, payload_unknown_keys(&body->root, vambe_update_fields))
		vambe_invalid(p, lfirst(lc), "property %s should not exist", (char *) lfirst(lc));
	if (!body_task_id(body, &call->task_id, &present))
		vambe_invalid(p, "id", "Task ID must be a valid UUID");
	vambe_texts(body, ctx, true, p);
	vambe_priority(body, ctx, true, p);
	vambe_due(body, ctx, true, p);
	call->responsibles_given = vambe_responsibles(body, true, &call->responsibles,
												  &call->paths.assignees, p);
	call->contact_id = vambe_record_id(body, "aiContactId", "AI contact ID", p);
	call->customer_id = vambe_record_id(body, "aiCustomerId", "AI customer ID", p);
	vambe_calendar(body, ctx, true, p);
	vb_status(body, call, p);
}

/*
 * Whether the task is a live task of the organisation, and whether the
 * contact asked for is already linked to it (then no new interactive note).
 */
static bool
vb_task(const DialectContext *ctx, const VbUpdate *call, bool *contact_linked)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, UUIDOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;

	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = UUIDPGetDatum(&call->task_id);
	values[2] = call->contact_id ? DirectFunctionCall1(uuid_in, CStringGetDatum(call->contact_id)) : (Datum) 0;
	nulls[2] = call->contact_id ? ' ' : 'n';
	vambe_query(&plan, "SELECT EXISTS (SELECT 1 FROM tasks.task_links l WHERE l.workspace_id = $1"
				"  AND l.task_id = $2 AND l.relation = 'contact' AND l.record_id = $3)"
				" FROM tasks.tasks t WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL",
				3, types, values, nulls);
	if (SPI_processed == 0)
		return false;
	*contact_linked = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

/*
 * The references, every failure a 404: responsibles must be active users,
 * the contact and customer live records of their kind, the status one of
 * the organisation's.  The status found goes into the native patch.
 */
static void
vb_check_refs(DialectContext *ctx, VbUpdate *call, TaskProblems *p)
{
	static SPIPlanPtr status = NULL;
	Oid			stypes[3] = {UUIDOID, TEXTOID, INT4OID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	vambe_check_responsibles(ctx, call->responsibles, call->paths.assignees, p);
	vambe_check_records(ctx, call->contact_id, call->customer_id, p);
	if (call->status_name != NULL || call->has_status_position)
	{
		values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
		nulls[1] = call->status_name ? ' ' : 'n';
		values[1] = call->status_name ? CStringGetTextDatum(call->status_name) : (Datum) 0;
		nulls[2] = call->has_status_position ? ' ' : 'n';
		values[2] = Int32GetDatum(call->status_position);
		vambe_query(&status, "SELECT s.id FROM tasks.statuses s WHERE s.workspace_id = $1"
					" AND CASE WHEN $2 IS NOT NULL THEN lower(s.name) = lower($2) ELSE s.position = $3 END"
					" ORDER BY s.is_initial DESC, s.id LIMIT 1", 3, stypes, values, nulls);
		if (SPI_processed == 1)
			dialect_put_text(ctx, "status_id", SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
		else if (call->status_name != NULL)
			problem_add(p, "newStatusName", VAMBE_NOT_FOUND, "Status %s not found in organization", call->status_name);
		else
			problem_add(p, "newStatusPosition", VAMBE_NOT_FOUND, "Status with position %d not found in organization",
						call->status_position);
	}
}

/* Hands the checked references to the native patch. */
static void
vb_put_refs(DialectContext *ctx, const VbUpdate *call)
{
	if (call->responsibles_given && call->responsibles != NIL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		append_string_array(&buf, call->responsibles);
		dialect_put_json(ctx, "assignee_ids", buf.data);
	}
	if (call->contact_id)
		dialect_put_text(ctx, "contact_id", call->contact_id);
	if (call->customer_id)
		dialect_put_text(ctx, "customer_id", call->customer_id);
}

/* Native keys back to Vambe fields. */
static const char *const vb_map[][2] = {
	{"due_date", "dueDate"}, {"due_at", "dueDate"}, {"timezone", "timezone"},
	{"metadata_merge", "associateToCalendar"}, {"contact_id", "aiContactId"},
	{"customer_id", "aiCustomerId"}, {"status_id", "newStatusName"}, {NULL, NULL}
};

/* The engine's problems in Vambe terms (races only: everything was checked). */
static TaskProblems *
vb_from_native(const VbUpdate *call, const TaskProblems *native)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *field = vendor_field(&call->paths, np->path);

		if (strcmp(field, "newStatusName") == 0 && call->has_status_position)
			field = "newStatusPosition";
		problem_add(out, field, strcmp(np->code, "not_found") == 0 || strcmp(np->code, "inactive") == 0 ?
					VAMBE_NOT_FOUND : VAMBE_INVALID, "%s %s", field, np->message);
	}
	return out;
}

/* The interactive note a contact gets when it is newly linked to the task. */
static void
vb_interactive_note(const DialectContext *ctx, const VbUpdate *call)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, UUIDOID, TEXTOID, UUIDOID};
	Datum		values[4];

	store_plan(&plan, "INSERT INTO tasks.notes (workspace_id, task_id, record_id, kind, body, created_by)"
			   " SELECT $1, $2, $3::uuid, 'interactive', t.title, $4 FROM tasks.tasks t"
			   " WHERE t.workspace_id = $1 AND t.id = $2", 4, types);
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = UUIDPGetDatum(&call->task_id);
	values[2] = CStringGetTextDatum(call->contact_id);
	values[3] = UUIDPGetDatum(&ctx->who.actor_id);
	if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "interactive note insert failed");
}

/* Updates a task from a Vambe body; raises Vambe errors. */
static Datum
vambe_update(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr response = NULL;
	DialectContext ctx;
	VbUpdate	call = {0};
	TaskProblems problems;
	TaskPatch	tp;
	bool		contact_linked = false;
	int32		version;
	Datum		result;

	dialect_begin(&ctx, "vambe");
	vambe_check_caller(&ctx);
	problems_init(&problems);
	call.paths.assignee_field = "responsibleIds";
	call.paths.links_field = "aiContactId";
	call.paths.map = vb_map;
	vb_translate(body, &ctx, &call, &problems);
	if (problems_any(&problems))
		vambe_raise(&problems);
	if (!vb_task(&ctx, &call, &contact_linked))
		vb_raise_plain(404, psprintf("Task %s not found", uuid_to_cstring(&call.task_id)), "Not Found");
	vb_check_refs(&ctx, &call, &problems);
	if (problems_any(&problems))
		vambe_raise(&problems);
	vb_put_refs(&ctx, &call);
	switch (task_engine_update(&ctx.who, &call.task_id, dialect_patch(&ctx), &tp, &problems, &version))
	{
		case UPDATE_INVALID:
			vambe_raise(vb_from_native(&call, &problems));
		case UPDATE_NOT_FOUND:
			vb_raise_plain(404, psprintf("Task %s not found", uuid_to_cstring(&call.task_id)), "Not Found");
		case UPDATE_CONFLICT:
			vb_raise_plain(409, "Task was modified by concurrent updates, retry the request", "Conflict");
		case UPDATE_DONE:
			break;
	}
	if (call.contact_id != NULL && !contact_linked)
		vb_interactive_note(&ctx, &call);
	result = task_store_fetch(&response, "SELECT tasks._vambe_response($1, $2)",
							  &ctx.who.workspace_id, &call.task_id, NULL);
	SPI_finish();
	*task_id = call.task_id;
	return result;
}

static const Endpoint vambe_update_endpoint = {
	.dialect = "vambe",
	.operation = "vambe.task.update",
	.success_status = 200,
	.location = NULL,
	.impl = vambe_update
};

/* tasks_vambe.task_update(jsonb) RETURNS jsonb: PUT /api/public/tasks/{id}, 200 */
PG_FUNCTION_INFO_V1(tasks_vambe_task_update);
Datum
tasks_vambe_task_update(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&vambe_update_endpoint, PG_GETARG_JSONB_P(0)));
}
