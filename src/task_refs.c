/*-------------------------------------------------------------------------
 *
 * task_refs.c
 *	  Check every reference of a draft inside the caller's workspace.
 *
 * Statuses, the creator, assignees, linked records (by id or by name) and
 * dependencies must all exist in the draft's workspace.  An id from another
 * workspace is reported exactly like an id that does not exist, so nothing
 * leaks across tenants.  All statements are kept SPI plans with parameters.
 *
 * An update checks only what its patch adds (task_patch_check_refs), and
 * new dependencies must not close a cycle (task_check_dependency_cycles).
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "task_update.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/*
 * At most this many tasks are visited when looking for a dependency cycle;
 * a larger graph of dependents is refused (program_limit_exceeded).
 */
#define TASKS_MAX_CYCLE_VISIT 100000

/* A cycle reported in a problem lists at most this many tasks. */
#define TASKS_CYCLE_SHOWN 10

/* Whether the uuid u appears in column col of the current SPI result. */
static bool
spi_result_has_uuid(const pg_uuid_t *u, int col, bool *flag_out, int flag_col)
{
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		pg_uuid_t  *got = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, col, &isnull));

		if (!isnull && memcmp(got, u, sizeof(pg_uuid_t)) == 0)
		{
			if (flag_out)
				*flag_out = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
													   SPI_tuptable->tupdesc, flag_col, &isnull));
			return true;
		}
	}
	return false;
}

/* Resolves the status: by id, by name or category, else the initial one. */
static void
check_status(TaskDraft *d, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;

	store_plan_generic(&plan,
			   "SELECT s.id, s.category, s.name, s.color FROM tasks.statuses s"
			   " WHERE s.workspace_id = $1"
			   "   AND CASE WHEN $2 IS NOT NULL THEN s.id = $2"
			   "            WHEN $3 IS NOT NULL THEN lower(s.name) = lower($3) OR s.category = $3"
			   "            ELSE s.is_initial END"
			   " ORDER BY lower(s.name) = lower($3) DESC, s.position, s.id LIMIT 1",
			   3, types);
	values[0] = UUIDPGetDatum(&d->workspace_id);
	values[1] = UUIDPGetDatum(&d->status_id);
	if (!d->has_status_id)
		nulls[1] = 'n';
	if (d->status_name)
		values[2] = CStringGetTextDatum(d->status_name);
	else
		nulls[2] = 'n';
	if (SPI_execute_plan(plan, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "status lookup failed");
	if (SPI_processed == 0)
	{
		if (d->has_status_id)
			problem_add(p, "/status_id", "not_found", "no such status in this workspace");
		else if (d->status_name)
			problem_add(p, "/status", "not_found",
						"no status or status category named \"%s\" in this workspace", d->status_name);
		else
			problem_add(p, "/status", "required", "the workspace has no initial status; give one");
		return;
	}
	d->status_id = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	d->has_status_id = true;
	d->status_category = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	d->status_label = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	d->status_color = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
}

/*
 * Appends the kind and name of member id (from the member lookup's result,
 * NULL when absent) to the draft's assignee_kinds and assignee_names.
 */
static void
member_label(TaskDraft *d, const pg_uuid_t *id)
{
	char	   *kind = NULL,
			   *name = NULL;

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		pg_uuid_t  *got = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && memcmp(got, id, sizeof(pg_uuid_t)) == 0)
		{
			kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
			name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4);
			break;
		}
	}
	d->assignee_kinds = lappend(d->assignee_kinds, kind);
	d->assignee_names = lappend(d->assignee_names, name);
}

/* The creator and every assignee must be active members of the workspace. */
static void
check_members(TaskDraft *d, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		values[2];
	List	   *ids = list_copy(d->assignees);
	ListCell   *lc,
			   *pc;

	if (d->has_created_by)
		ids = lappend(ids, &d->created_by);
	if (ids == NIL)
		return;
	store_plan_generic(&plan,
			   "SELECT m.id, m.active, m.kind, m.name FROM tasks.members m"
			   " WHERE m.workspace_id = $1 AND m.id = ANY ($2)",
			   2, types);
	values[0] = UUIDPGetDatum(&d->workspace_id);
	values[1] = uuid_list_array(ids);
	if (SPI_execute_plan(plan, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "member lookup failed");

	d->assignee_kinds = d->assignee_names = NIL;
	forboth(lc, d->assignees, pc, d->assignee_paths)
	{
		bool		active = false;

		if (!spi_result_has_uuid(lfirst(lc), 1, &active, 2))
			problem_add(p, lfirst(pc), "not_found", "no such member in this workspace");
		else if (!active)
			problem_add(p, lfirst(pc), "inactive", "the member is deactivated");
		member_label(d, lfirst(lc));
	}
	if (d->has_created_by)
	{
		bool		active = false;

		if (!spi_result_has_uuid(&d->created_by, 1, &active, 2))
			problem_add(p, "/created_by", "not_found", d->created_by_is_actor ?
						"the calling actor is not a member of this workspace" :
						"no such member in this workspace");
	}
}

/* Whether a link has a record id to check: given, or resolved from a name. */
static bool
link_has_id(const TaskLink *l)
{
	return !l->by_name || l->resolved_json != NULL;
}

/*
 * Every linked record (given by id, or resolved from a name) must be a live
 * record of that kind in the workspace.  The rows are locked FOR KEY SHARE,
 * as the foreign key check would: a concurrent delete of the record makes
 * this wait, and then the link is reported not_found instead of failing
 * later with a raw foreign key error.  Row locks need UPDATE privilege,
 * which API roles do not have, so the read runs as the extension's owner;
 * it filters on the caller's (checked) workspace explicitly.
 */
static void
check_link_ids(TaskDraft *d, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		values[2];
	List	   *ids = NIL;
	ListCell   *lc;
	Oid			save_user;
	int			save_sec;

	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);

		if (link_has_id(l))
			ids = lappend(ids, &l->record_id);
	}
	if (ids == NIL)
		return;
	values[0] = UUIDPGetDatum(&d->workspace_id);
	values[1] = uuid_list_array(ids);
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(tasks_extension_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	store_plan_generic(&plan,
			   "SELECT r.id, r.kind, r.name FROM tasks.records r"
			   " WHERE r.workspace_id = $1 AND r.id = ANY ($2) AND r.deleted_at IS NULL"
			   " FOR KEY SHARE OF r",
			   2, types);
	if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "record lookup failed");
	SetUserIdAndSecContext(save_user, save_sec);

	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);
		bool		found = false;

		if (!link_has_id(l))
			continue;
		for (uint64 i = 0; i < SPI_processed && !found; i++)
		{
			bool		isnull;
			pg_uuid_t  *got = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc, 1, &isnull));
			char	   *kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

			found = memcmp(got, &l->record_id, sizeof(pg_uuid_t)) == 0 && strcmp(kind, l->kind) == 0;
			if (found)
				l->record_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		}
		if (!found)
			problem_add(p, l->path, "not_found", "no %s with this id in this workspace", l->kind);
	}
}

/* Links given by name are resolved; unsure matches are refused. */
static void
check_link_names(TaskDraft *d, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);
		ResolveResult r;
		StringInfoData buf;

		CHECK_FOR_INTERRUPTS();
		if (!l->by_name)
			continue;
		resolve_record(&d->workspace_id, l->kind, l->query, strlen(l->query), &r);
		initStringInfo(&buf);
		switch (r.status)
		{
			case RESOLVE_RESOLVED:
				l->record_id = r.best.id;
				resolve_result_json(&buf, &r);
				l->resolved_json = buf.data;
				break;
			case RESOLVE_AMBIGUOUS:
				appendStringInfoString(&buf, "\"candidates\": ");
				resolve_candidates_json(&buf, &r);
				problem_add_extra(p, l->path, "ambiguous_reference", buf.data,
								  "matches %d %ss; give the id or a more precise name",
								  r.ncandidates, l->kind);
				break;
			case RESOLVE_NOT_FOUND:
				appendStringInfoString(&buf, "\"suggestions\": ");
				resolve_candidates_json(&buf, &r);
				problem_add_extra(p, l->path, "not_found", buf.data,
								  "no %s with a name like this in this workspace", l->kind);
				break;
			case RESOLVE_INVALID:
				problem_add(p, l->path, "invalid_value", "has no letters or digits to match");
				break;
		}
	}
}

/* Dependencies must be live tasks of the workspace. */
static void
check_dependencies(TaskDraft *d, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		values[2];
	ListCell   *lc,
			   *pc;

	if (d->dependencies == NIL)
		return;
	store_plan_generic(&plan,
			   "SELECT t.id FROM tasks.tasks t"
			   " WHERE t.workspace_id = $1 AND t.id = ANY ($2) AND t.deleted_at IS NULL",
			   2, types);
	values[0] = UUIDPGetDatum(&d->workspace_id);
	values[1] = uuid_list_array(d->dependencies);
	if (SPI_execute_plan(plan, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "dependency lookup failed");
	forboth(lc, d->dependencies, pc, d->dependency_paths)
	{
		if (!spi_result_has_uuid(lfirst(lc), 1, NULL, 0))
			problem_add(p, lfirst(pc), "not_found", "no such task in this workspace");
	}
}

/* An external id is unique per workspace (other tasks than d->id, which is nil on create). */
static void
check_external_id(TaskDraft *d, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, TEXTOID, UUIDOID};
	Datum		values[3];

	if (d->external_id == NULL)
		return;
	store_plan_generic(&plan,
			   "SELECT 1 FROM tasks.tasks t WHERE t.workspace_id = $1 AND t.external_id = $2"
			   " AND t.id <> $3",
			   3, types);
	values[0] = UUIDPGetDatum(&d->workspace_id);
	values[1] = CStringGetTextDatum(d->external_id);
	values[2] = UUIDPGetDatum(&d->id);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "external id lookup failed");
	if (SPI_processed > 0)
		problem_add(p, "/external_id", "duplicate", "another task of this workspace has this external id");
}

/*
 * Checks the references of d against the database; the status only when
 * with_status (a create always resolves one, the initial one by default).
 */
static void
check_refs(TaskDraft *d, bool with_status, TaskProblems *p)
{
	if (with_status)
		check_status(d, p);
	check_members(d, p);
	check_link_names(d, p);
	check_link_ids(d, p);
	check_dependencies(d, p);
	check_external_id(d, p);
}

/* Checks every reference of d against the database. */
void
task_draft_check_refs(TaskDraft *d, TaskProblems *p)
{
	check_refs(d, true, p);
}

/*
 * Checks what a patch adds: a new status, assignees, links (by id or name),
 * dependencies and external id.  tp->d.workspace_id and tp->d.id are set.
 */
void
task_patch_check_refs(TaskPatch *tp, TaskProblems *p)
{
	check_refs(&tp->d, tp->d.has_status_id || tp->d.status_name != NULL, p);
}

/*
 * Serialises the dependency changes of a workspace: one row per workspace in
 * tasks.dependency_locks, updated in the caller's transaction.  A second
 * updater waits until the first commits; under READ COMMITTED its next
 * statement sees the first one's dependencies, and under REPEATABLE READ or
 * SERIALIZABLE updating a row changed after its snapshot fails with 40001.
 */
void
task_dependency_lock(const pg_uuid_t *workspace)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1];

	store_plan_generic(&plan,
			   "INSERT INTO tasks.dependency_locks AS l (workspace_id) VALUES ($1)"
			   " ON CONFLICT (workspace_id) DO UPDATE SET version = l.version + 1, changed_at = now()",
			   1, types);
	values[0] = UUIDPGetDatum(workspace);
	if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "dependency lock failed");
}

/* A task reached while walking the dependents of a task: who led to it. */
typedef struct CycleVisit
{
	pg_uuid_t	id;				/* hash key */
	pg_uuid_t	next;			/* the task it depends on, one step closer to the start */
} CycleVisit;

/*
 * The cycle through task and dep as JSON members: "cycle": ["task", "dep",
 * ..., "task"] (only its first TASKS_CYCLE_SHOWN tasks when it is longer)
 * and "cycle_length", the number of dependencies in it.
 */
static char *
cycle_json(HTAB *seen, const pg_uuid_t *task, const pg_uuid_t *dep)
{
	StringInfoData buf;
	pg_uuid_t	at = *dep;
	int			length = 1;
	char	   *t = uuid_to_cstring(task);

	initStringInfo(&buf);
	appendStringInfo(&buf, "\"cycle\": [\"%s\"", t);
	while (memcmp(&at, task, sizeof(pg_uuid_t)) != 0 && length <= TASKS_MAX_CYCLE_VISIT)
	{
		CycleVisit *v = hash_search(seen, &at, HASH_FIND, NULL);

		CHECK_FOR_INTERRUPTS();
		if (length < TASKS_CYCLE_SHOWN)
			appendStringInfo(&buf, ", \"%s\"", uuid_to_cstring(&at));
		length++;
		if (v == NULL)
			break;
		at = v->next;
	}
	if (length < TASKS_CYCLE_SHOWN)
		appendStringInfo(&buf, ", \"%s\"", t);
	appendStringInfo(&buf, "], \"cycle_length\": %d", length);
	return buf.data;
}

/*
 * Refuses the new dependencies of task that would close a cycle: a task that
 * already depends on task, directly or through others, cannot become one of
 * its dependencies (nor can task itself).  Walks the dependents of task
 * breadth first, one statement per level, over every dependency of the
 * workspace (soft-deleted tasks included: a restore must not close a
 * cycle).  Run it after task_dependency_lock, so that the walk sees every
 * committed change.
 */
void
task_check_dependency_cycles(const pg_uuid_t *workspace, const pg_uuid_t *task,
							 List *new_deps, List *paths, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		values[2];
	HASHCTL		ctl;
	HTAB	   *seen;
	List	   *level;
	long		visited = 0;
	ListCell   *lc,
			   *pc;
	bool		any_new = false;

	forboth(lc, new_deps, pc, paths)
	{
		if (memcmp(lfirst(lc), task, sizeof(pg_uuid_t)) == 0)
			problem_add(p, lfirst(pc), "cycle", "a task cannot depend on itself");
		else
			any_new = true;
	}
	if (!any_new)
		return;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(CycleVisit);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("tasks dependency cycle check", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	store_plan_generic(&plan,
			   "SELECT d.task_id, d.depends_on_id FROM tasks.task_dependencies d"
			   " WHERE d.workspace_id = $1 AND d.depends_on_id = ANY ($2)",
			   2, types);
	values[0] = UUIDPGetDatum(workspace);
	level = list_make1((pg_uuid_t *) task);
	while (level != NIL)
	{
		List	   *next = NIL;

		CHECK_FOR_INTERRUPTS();
		values[1] = uuid_list_array(level);
		/* not read-only: a fresh snapshot sees what committed while we waited for the lock */
		if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "dependency walk failed");
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull,
						found;
			pg_uuid_t  *dependent = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i],
																SPI_tuptable->tupdesc, 1, &isnull));
			pg_uuid_t  *on = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 2, &isnull));
			CycleVisit *v;

			if (memcmp(dependent, task, sizeof(pg_uuid_t)) == 0)
				continue;
			v = hash_search(seen, dependent, HASH_ENTER, &found);
			if (found)
				continue;
			v->next = *on;
			if (++visited > TASKS_MAX_CYCLE_VISIT)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many dependent tasks to check for a dependency cycle"),
						 errdetail("More than %d tasks depend on task %s, directly or indirectly.",
								   TASKS_MAX_CYCLE_VISIT, uuid_to_cstring(task))));
			next = lappend(next, &v->id);
		}
		SPI_freetuptable(SPI_tuptable);
		level = next;
	}

	forboth(lc, new_deps, pc, paths)
	{
		pg_uuid_t  *dep = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (memcmp(dep, task, sizeof(pg_uuid_t)) != 0 && hash_search(seen, dep, HASH_FIND, NULL) != NULL)
			problem_add_extra(p, lfirst(pc), "cycle", cycle_json(seen, task, dep),
							  "would create a dependency cycle: task %s already depends on this task, directly or through others",
							  uuid_to_cstring(dep));
	}
	hash_destroy(seen);
}

/* The JSON array of the name resolutions made for d's links. */
char *
task_draft_resolutions_json(const TaskDraft *d)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);

		if (l->resolved_json == NULL)
			continue;
		appendStringInfo(&buf, "%s{\"path\": ", first ? "" : ", ");
		json_append_string(&buf, l->path, strlen(l->path));
		appendStringInfo(&buf, ", \"kind\": ");
		json_append_string(&buf, l->kind, strlen(l->kind));
		appendStringInfo(&buf, ", \"resolution\": %s}", l->resolved_json);
		first = false;
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}
