/*-------------------------------------------------------------------------
 *
 * claim.c
 *	  Agent claiming: hand the next eligible task to exactly one agent,
 *	  under a lease the agent extends (heartbeat) and gives back (release).
 *
 * A claim is three columns of tasks.tasks: claimed_by, claimed_at and
 * lease_expires_at.  task_claim_next picks the first eligible task in
 * priority order with FOR NO KEY UPDATE SKIP LOCKED, so concurrent agents
 * never wait for each other and never get the same task; the same statement
 * records the lease and moves the task to the workspace's in_progress status.
 * NO KEY UPDATE, not UPDATE: a claim changes no key, so it must not skip a
 * task merely because someone is inserting a link or assignee that points
 * at it (those take KEY SHARE locks).  The statement reads candidates along
 * two indexes (see claim_sql), never every open task of the workspace.
 *
 * Eligible: not deleted; no active lease; status category todo (or backlog,
 * when the filter asks), or in_progress under an expired lease (its agent
 * died: the task is reclaimable); assigned to the agent or to nobody; every
 * dependency in a status of category done; and whatever the filter narrows.
 *
 * Only members of kind agent claim; an actor that is itself an agent acts
 * only for itself (users and back ends may dispatch for any agent).  From
 * SQL a missing task is P0002 and a task the agent does not hold 55000; the
 * tasks_v1 endpoints answer 404 and 409 in the native error shape instead.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#define CLAIM_MAX_LEASE_USECS	(USECS_PER_DAY)	/* 24 hours */
#define CLAIM_DEFAULT_LEASE_SECS 900	/* 15 minutes */

static const char *const filter_keys[] = {"categories", "priorities", "tags", "assigned", NULL};
static const char *const claim_categories[] = {"todo", "backlog", NULL};
static const char *const claim_priorities[] = {"low", "medium", "high", "urgent", NULL};
static const char *const claim_assigned[] = {"me_or_unassigned", "me", "unassigned", NULL};

/* Who calls, and in which shape errors are raised. */
typedef struct ClaimCall
{
	TaskIdentity who;
	bool		http;			/* tasks_v1 endpoint: PT404 / PT409 with a v1 body */
	const char *lease_path;		/* "/lease" (SQL) or "/lease_seconds" (tasks_v1) */
} ClaimCall;

/* What a claim may be narrowed to. */
typedef struct ClaimFilter
{
	List	   *categories;		/* of char *; default todo */
	List	   *priorities;		/* of char *; NIL: any */
	List	   *tags;			/* of char *; the task carries all of them */
	List	   *link_kinds;		/* of char *, parallel to link_ids */
	List	   *link_ids;		/* of pg_uuid_t *: linked records, all required */
	const char *assigned;
} ClaimFilter;

static void claim_raise(const ClaimCall *c, int http_status, int sqlerrcode, const char *path,
						const char *code, const char *message) pg_attribute_noreturn();
static void claim_not_held(const ClaimCall *c, const pg_uuid_t *task) pg_attribute_noreturn();

/*
 * Raises a claim error: from SQL the given SQLSTATE with the problem list in
 * DETAIL; from a tasks_v1 endpoint PT<http_status> with {"code", "message",
 * "errors"} (endpoint_serve turns it into the response).
 */
static void
claim_raise(const ClaimCall *c, int http_status, int sqlerrcode, const char *path,
			const char *code, const char *message)
{
	StringInfoData list;

	initStringInfo(&list);
	appendStringInfoString(&list, "[{\"path\": ");
	json_append_string(&list, path, strlen(path));
	appendStringInfoString(&list, ", \"code\": ");
	json_append_string(&list, code, strlen(code));
	appendStringInfoString(&list, ", \"message\": ");
	json_append_string(&list, message, strlen(message));
	appendStringInfoString(&list, "}]");
	if (c->http)
	{
		StringInfoData body;

		initStringInfo(&body);
		appendStringInfoString(&body, "{\"code\": ");
		json_append_string(&body, code, strlen(code));
		appendStringInfoString(&body, ", \"message\": ");
		json_append_string(&body, message, strlen(message));
		appendStringInfo(&body, ", \"errors\": %s}", list.data);
		dialect_raise(http_status, message, body.data);
	}
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("%s", message),
			 errdetail("%s", list.data)));
}

/* Connects SPI; every claim function starts here. */
static void
claim_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Whether p already holds a problem at path (a required id that was given but invalid). */
static bool
problem_at(const TaskProblems *p, const char *path)
{
	ListCell   *lc;

	foreach(lc, p->items)
		if (strcmp(((TaskProblem *) lfirst(lc))->path, path) == 0)
			return true;
	return false;
}

/*
 * The agent must be an active member of kind agent in the workspace (an id
 * of another workspace is not found).  An acting agent acts only for itself.
 */
static void
claim_check_agent(const ClaimCall *c, const pg_uuid_t *agent, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		v[2];
	pg_uuid_t	ids[2];
	List	   *idlist;
	bool		found = false;
	bool		is_agent = false;
	bool		active = false;
	bool		actor_is_agent = false;

	if (agent == NULL)
	{
		if (!problem_at(p, "/agent_id"))
			problem_add(p, "/agent_id", "required", "is required");
		return;
	}
	ids[0] = *agent;
	idlist = list_make1(&ids[0]);
	if (c->who.has_actor)
	{
		ids[1] = c->who.actor_id;
		idlist = lappend(idlist, &ids[1]);
	}
	store_plan(&plan,
			   "SELECT m.id, m.kind = 'agent', m.active FROM tasks.members m"
			   " WHERE m.workspace_id = $1 AND m.id = ANY ($2)",
			   2, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = uuid_list_array(idlist);
	if (SPI_execute_plan(plan, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "agent lookup failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		pg_uuid_t  *id = DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		bool		kind_agent = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));

		if (memcmp(id, agent, sizeof(pg_uuid_t)) == 0)
		{
			found = true;
			is_agent = kind_agent;
			active = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		}
		if (c->who.has_actor && memcmp(id, &c->who.actor_id, sizeof(pg_uuid_t)) == 0)
			actor_is_agent = kind_agent;
	}
	if (actor_is_agent && memcmp(&c->who.actor_id, agent, sizeof(pg_uuid_t)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("an agent may only claim, heartbeat and release for itself"),
				 errhint("Call as a user (a dispatcher) to act for another agent.")));
	if (!found)
		problem_add(p, "/agent_id", "not_found", "no such agent in this workspace");
	else if (!is_agent)
		problem_add(p, "/agent_id", "not_an_agent", "is a user; only members of kind agent claim tasks");
	else if (!active)
		problem_add(p, "/agent_id", "inactive", "the agent is deactivated");
}

/* A lease must be longer than zero and at most 24 hours. */
static void
claim_check_lease(const ClaimCall *c, const Interval *lease, TaskProblems *p)
{
	double		usecs = (double) lease->time + (double) lease->day * USECS_PER_DAY +
		(double) lease->month * DAYS_PER_MONTH * USECS_PER_DAY;

	if (usecs <= 0 || usecs > (double) CLAIM_MAX_LEASE_USECS)
		problem_add(p, c->lease_path, "out_of_range", "must be longer than 0 and at most 24 hours");
}

/* Whether kind is a record kind (tasks.record_kinds). */
static bool
claim_is_record_kind(const char *kind)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {TEXTOID};
	Datum		v[1];

	store_plan(&plan, "SELECT 1 FROM tasks.record_kinds k WHERE k.kind = $1", 1, types);
	v[0] = CStringGetTextDatum(kind);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "record kind lookup failed");
	return SPI_processed > 0;
}

/*
 * Reads filter.key: an array of non-empty strings (each one of allowed,
 * when given).  NIL when absent or null.
 */
static List *
filter_strings(JsonbContainer *filter, const char *key, const char *const *allowed,
			   TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/filter/%s", key);
	JsonbContainer *c;
	List	   *out = NIL;

	payload_get_container(filter, key, &f);
	if (!f.present || f.is_null)
		return NIL;
	if (f.value.type != jbvBinary || !JsonContainerIsArray(f.value.val.binary.data))
	{
		problem_add(p, path, "invalid_type", "must be an array of strings, not %s",
					jsonb_type_name(&f.value));
		return NIL;
	}
	c = f.value.val.binary.data;
	if (JsonContainerSize(c) == 0)
	{
		problem_add(p, path, "empty", "must not be empty (leave it out for any)");
		return NIL;
	}
	if ((int) JsonContainerSize(c) > TASKS_MAX_ITEMS)
	{
		problem_add(p, path, "too_many", "must have at most %d items (got %u)",
					TASKS_MAX_ITEMS, JsonContainerSize(c));
		return NIL;
	}
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		PayloadField item = {.present = true};
		char	   *ipath = json_pointer_index(path, (int) i);
		char	   *s;
		bool		ok = allowed == NULL;

		CHECK_FOR_INTERRUPTS();
		item.value = *getIthJsonbValueFromContainer(c, i);
		item.is_null = item.value.type == jbvNull;
		s = payload_text(&item, p, ipath, true, false, 1, TASKS_MAX_SHORT_TEXT);
		if (s == NULL)
			continue;
		for (const char *const *a = allowed; a && *a && !ok; a++)
			ok = strcmp(s, *a) == 0;
		if (!ok)
		{
			StringInfoData list;

			initStringInfo(&list);
			for (const char *const *a = allowed; *a; a++)
				appendStringInfo(&list, "%s%s", a == allowed ? "" : ", ", *a);
			problem_add(p, ipath, "invalid_value", "must be one of: %s", list.data);
			continue;
		}
		out = lappend(out, s);
	}
	return out;
}

/* Reads a <kind>_id key of the filter: the task must link to that record. */
static void
filter_link(JsonbContainer *filter, const char *key, int keylen, ClaimFilter *f, TaskProblems *p)
{
	char	   *path = json_pointer_key("/filter", key, keylen);
	char	   *k = pnstrdup(key, keylen);
	bool		is_id = keylen > 3 && memcmp(key + keylen - 3, "_id", 3) == 0;
	char	   *kind = is_id ? pnstrdup(key, keylen - 3) : NULL;
	PayloadField v;
	pg_uuid_t  *id;
	char	   *s;

	if (!is_id || !claim_is_record_kind(kind))
	{
		problem_add(p, path, "unknown_field", "is not a known filter");
		return;
	}
	payload_get_container(filter, k, &v);
	if (v.is_null)
		return;
	if (v.value.type != jbvString)
	{
		problem_add(p, path, "invalid_type", "must be a uuid string, not %s", jsonb_type_name(&v.value));
		return;
	}
	id = palloc(sizeof(pg_uuid_t));
	s = pnstrdup(v.value.val.string.val, Min(v.value.val.string.len, 64));
	if (v.value.val.string.len > 36 || !payload_uuid(s, id))
	{
		problem_add(p, path, "invalid_uuid", "must be a uuid");
		return;
	}
	f->link_kinds = lappend(f->link_kinds, kind);
	f->link_ids = lappend(f->link_ids, id);
}

/* Reads the filter object (NULL: none).  Caller is inside SPI. */
static void
claim_parse_filter(Jsonb *filter, ClaimFilter *f, TaskProblems *p)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	PayloadField af;

	memset(f, 0, sizeof(ClaimFilter));
	f->assigned = "me_or_unassigned";
	if (filter == NULL)
	{
		f->categories = list_make1("todo");
		return;
	}
	if (!JB_ROOT_IS_OBJECT(filter) || JB_ROOT_IS_SCALAR(filter))
	{
		problem_add(p, "/filter", "invalid_type", "must be an object");
		f->categories = list_make1("todo");
		return;
	}
	it = JsonbIteratorInit(&filter->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		if (tok == WJB_KEY && !key_in_list(v.val.string.val, v.val.string.len, filter_keys))
			filter_link(&filter->root, v.val.string.val, v.val.string.len, f, p);
	}
	f->categories = filter_strings(&filter->root, "categories", claim_categories, p);
	if (f->categories == NIL)
		f->categories = list_make1("todo");
	f->priorities = filter_strings(&filter->root, "priorities", claim_priorities, p);
	f->tags = filter_strings(&filter->root, "tags", NULL, p);
	payload_get_container(&filter->root, "assigned", &af);
	if (af.present && !af.is_null)
	{
		char	   *s = payload_text(&af, p, "/filter/assigned", false, true, 1, 32);
		bool		ok = false;

		for (const char *const *a = claim_assigned; s && *a && !ok; a++)
		{
			ok = strcmp(s, *a) == 0;
			if (ok)
				f->assigned = *a;
		}
		if (s && !ok)
			problem_add(p, "/filter/assigned", "invalid_value",
						"must be one of: me_or_unassigned, me, unassigned");
	}
}

/* The workspace's in_progress status (the initial one if of that category, else the first). */
static void
claim_in_progress_status(const ClaimCall *c, pg_uuid_t *out)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		v[1];
	bool		isnull;

	store_plan(&plan,
			   "SELECT s.id FROM tasks.statuses s WHERE s.workspace_id = $1 AND s.category = 'in_progress'"
			   " ORDER BY s.is_initial DESC, s.position, s.id LIMIT 1",
			   1, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "status lookup failed");
	if (SPI_processed == 0)
		claim_raise(c, 409, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "", "status_unavailable",
					"the workspace has no status of category in_progress to move a claimed task to");
	*out = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Whether task t (status s) is eligible for agent $2 under the filter
 * ($3 categories, $4 priorities, $5 tags, $6/$7 linked records, $8 the
 * assignment rule).  Used twice in the claim statement: to find candidates,
 * and again on the row version a lock finds (READ COMMITTED rechecks it).
 * The per-task lookups are aggregate subqueries on purpose: each runs as an
 * index probe for the candidate at hand, never as a hash of every
 * assignment or dependency of the workspace.
 */
#define CLAIM_ELIGIBLE \
	" t.workspace_id = $1 AND t.deleted_at IS NULL" \
	" AND (t.claimed_by IS NULL OR t.lease_expires_at <= now())" \
	" AND (s.category = ANY ($3) OR (s.category = 'in_progress' AND t.lease_expires_at IS NOT NULL))" \
	" AND ($4 IS NULL OR t.priority = ANY ($4))" \
	" AND ($5 IS NULL OR t.tags @> $5)" \
	" AND (cardinality($7) = 0 OR (SELECT count(DISTINCT (l.kind, l.record_id)) FROM tasks.task_links l" \
	"   WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id" \
	"     AND (l.kind, l.record_id) IN (SELECT f.kind, f.id FROM unnest($6, $7) AS f(kind, id))) >= cardinality($7))" \
	" AND CASE $8" \
	"   WHEN 'me' THEN coalesce((SELECT bool_or(a.member_id = $2) FROM tasks.task_assignees a" \
	"     WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id), false)" \
	"   WHEN 'unassigned' THEN (SELECT count(*) FROM tasks.task_assignees a" \
	"     WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id) = 0" \
	"   ELSE coalesce((SELECT bool_or(a.member_id = $2) FROM tasks.task_assignees a" \
	"     WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id), true) END" \
	" AND coalesce((SELECT bool_and(ds.category = 'done') FROM tasks.task_dependencies d" \
	"   JOIN tasks.tasks dt ON dt.workspace_id = d.workspace_id AND dt.id = d.depends_on_id" \
	"   JOIN tasks.statuses ds ON ds.workspace_id = dt.workspace_id AND ds.id = dt.status_id" \
	"   WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), true)"

/* The claim order; must match the index tasks_claim_order_idx (ddl/73_bulk_claim.sql). */
#define CLAIM_ORDER \
	" CASE t.priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3" \
	" WHEN 'low' THEN 4 ELSE 5 END, t.sort_order, t.created_at, t.id"

/*
 * One claim attempt.  cand: the first $11 eligible tasks of each todo (or
 * backlog) status in claim order, read along tasks_claim_order_idx, and the
 * tasks of each in_progress status whose lease expired, read along
 * tasks_claim_lease_idx; so a claim reads a few index ranges, however many
 * tasks are done or being worked on.  next: the first candidate that can be
 * locked now, rechecked on its current version.  Returns the claimed task id
 * (or NULL) and the number of candidates.
 */
static const char *const claim_sql =
	"WITH cand AS MATERIALIZED ("
	" SELECT c.id FROM tasks.statuses s CROSS JOIN LATERAL ("
	"   SELECT t.id FROM tasks.tasks t"
	"    WHERE t.status_id = s.id AND" CLAIM_ELIGIBLE
	"    ORDER BY" CLAIM_ORDER " LIMIT $11) c"
	"  WHERE s.workspace_id = $1 AND s.category = ANY ($3)"
	" UNION ALL"
	" SELECT c.id FROM tasks.statuses s CROSS JOIN LATERAL ("
	"   SELECT t.id FROM tasks.tasks t"
	"    WHERE t.status_id = s.id AND t.lease_expires_at <= now() AND" CLAIM_ELIGIBLE
	"    ORDER BY" CLAIM_ORDER " LIMIT $11) c"
	"  WHERE s.workspace_id = $1 AND s.category = 'in_progress'),"
	" next AS ("
	" SELECT t.workspace_id, t.id FROM tasks.tasks t"
	"   JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
	"  WHERE t.id IN (SELECT cand.id FROM cand) AND" CLAIM_ELIGIBLE
	"  ORDER BY" CLAIM_ORDER " LIMIT 1"
	"  FOR NO KEY UPDATE OF t SKIP LOCKED),"
	" claimed AS ("
	" UPDATE tasks.tasks u"
	"    SET status_id = $10, claimed_by = $2, claimed_at = now(), lease_expires_at = now() + $9,"
	"        completed_at = NULL, version = u.version + 1, updated_at = now()"
	"   FROM next"
	"  WHERE u.workspace_id = next.workspace_id AND u.id = next.id"
	" RETURNING u.id)"
	" SELECT (SELECT claimed.id FROM claimed), (SELECT count(*) FROM cand)";

/*
 * Claims the next eligible task for agent; see the file comment.  Returns
 * the task with its lease, or sets *isnull when nothing is eligible.
 *
 * A claim first looks at a few candidates per status.  When all of them are
 * taken by concurrent claims (or changed since), it looks again at more, and
 * at last at every eligible task, so a free eligible task is never missed.
 */
static Datum
claim_next(ClaimCall *c, const pg_uuid_t *agent, Jsonb *filter, const Interval *lease,
		   TaskProblems *p, bool *isnull)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr read_back = NULL;
	static const int64 widths[] = {16, 256, 0};	/* 0: every candidate */
	Oid			types[11] = {UUIDOID, UUIDOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, UUIDARRAYOID, TEXTOID, INTERVALOID, UUIDOID, INT8OID};
	Datum		v[11];
	char		n[11];
	ClaimFilter f;
	pg_uuid_t	in_progress;
	pg_uuid_t	task;
	bool		claimed = false;
	Datum		result;

	claim_connect();
	claim_check_agent(c, agent, p);
	claim_parse_filter(filter, &f, p);
	claim_check_lease(c, lease, p);
	problems_raise_if_any(p, "claim request");
	claim_in_progress_status(c, &in_progress);

	store_plan(&plan, claim_sql, 11, types);
	memset(n, ' ', sizeof(n));
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = UUIDPGetDatum(agent);
	v[2] = text_list_array(f.categories);
	v[3] = text_list_array(f.priorities);
	n[3] = f.priorities ? ' ' : 'n';
	v[4] = text_list_array(f.tags);
	n[4] = f.tags ? ' ' : 'n';
	v[5] = text_list_array(f.link_kinds);
	v[6] = uuid_list_array(f.link_ids);
	v[7] = CStringGetTextDatum(f.assigned);
	v[8] = IntervalPGetDatum(lease);
	v[9] = UUIDPGetDatum(&in_progress);
	for (int i = 0; i < lengthof(widths) && !claimed; i++)
	{
		bool		null;
		Datum		id;
		int64		candidates;

		CHECK_FOR_INTERRUPTS();
		v[10] = Int64GetDatum(widths[i]);
		n[10] = widths[i] > 0 ? ' ' : 'n';
		if (SPI_execute_plan(plan, v, n, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "claim failed");
		id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null);
		if (!null)
		{
			task = *DatumGetUUIDP(id);
			claimed = true;
		}
		candidates = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null));
		if (widths[i] == 0 || candidates < widths[i])
			break;				/* every eligible task was a candidate */
	}
	if (!claimed)
	{
		SPI_finish();
		*isnull = true;
		return (Datum) 0;
	}
	result = task_store_fetch(&read_back,
							  "SELECT tasks.task_json($1, $2) || jsonb_build_object('lease', tasks._task_lease($1, $2))",
							  &c->who.workspace_id, &task, NULL);
	SPI_finish();
	*isnull = false;
	return result;
}

/*
 * After an update by (task, agent) touched no row: P0002 when the task is
 * not there (or deleted, or another workspace's), else 55000 not_claimed.
 */
static void
claim_not_held(const ClaimCall *c, const pg_uuid_t *task)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];

	store_plan(&plan,
			   "SELECT 1 FROM tasks.tasks t WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL",
			   2, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = UUIDPGetDatum(task);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "task lookup failed");
	if (SPI_processed == 0)
		claim_raise(c, 404, ERRCODE_NO_DATA_FOUND, "/task_id", "not_found",
					"no such task in this workspace");
	claim_raise(c, 409, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "/task_id", "not_claimed",
				"the task is not claimed by this agent");
}

/* Checks the task id argument (it is required). */
static void
claim_check_task(const pg_uuid_t *task, TaskProblems *p)
{
	if (task == NULL && !problem_at(p, "/task_id"))
		problem_add(p, "/task_id", "required", "is required");
}

/*
 * Extends the lease of a task the agent holds to now + lease, also just
 * after it expired as long as nobody reclaimed it.  The task's version and
 * updated_at stay: a lease is not content, and frequent heartbeats must not
 * make editors' versions stale.  Returns {task_id, agent_id, claimed_at,
 * expires_at, status}.
 */
static Datum
claim_heartbeat(ClaimCall *c, const pg_uuid_t *task, const pg_uuid_t *agent, const Interval *lease,
				TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, UUIDOID, UUIDOID, INTERVALOID};
	Datum		v[4];
	bool		isnull;
	Datum		result;

	claim_connect();
	claim_check_task(task, p);
	claim_check_agent(c, agent, p);
	claim_check_lease(c, lease, p);
	problems_raise_if_any(p, "heartbeat request");

	store_plan(&plan,
			   "UPDATE tasks.tasks t SET lease_expires_at = now() + $4"
			   "  FROM tasks.statuses s"
			   " WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL AND t.claimed_by = $3"
			   "   AND s.workspace_id = t.workspace_id AND s.id = t.status_id"
			   " RETURNING jsonb_build_object('task_id', t.id, 'agent_id', t.claimed_by,"
			   "   'claimed_at', tasks.format_instant(t.claimed_at),"
			   "   'expires_at', tasks.format_instant(t.lease_expires_at),"
			   "   'status', jsonb_build_object('id', s.id, 'name', s.name, 'category', s.category))",
			   4, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = UUIDPGetDatum(task);
	v[2] = UUIDPGetDatum(agent);
	v[3] = IntervalPGetDatum(lease);
	if (SPI_execute_plan(plan, v, NULL, false, 1) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "heartbeat failed");
	if (SPI_processed == 0)
		claim_not_held(c, task);
	result = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull),
							   false, -1);
	SPI_finish();
	return result;
}

/*
 * Looks a status up by name (case-insensitive) or category, as the native
 * payload does; sets *category.  False when the workspace has none.
 */
static bool
claim_find_status(const ClaimCall *c, const char *status, pg_uuid_t *id, char **category)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, TEXTOID};
	Datum		v[2];
	bool		isnull;

	store_plan(&plan,
			   "SELECT s.id, s.category FROM tasks.statuses s"
			   " WHERE s.workspace_id = $1 AND (lower(s.name) = lower($2) OR s.category = $2)"
			   " ORDER BY lower(s.name) = lower($2) DESC, s.is_initial DESC, s.position, s.id LIMIT 1",
			   2, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = CStringGetTextDatum(status);
	if (SPI_execute_plan(plan, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "status lookup failed");
	if (SPI_processed == 0)
		return false;
	*id = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*category = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return true;
}

/*
 * Gives a held task back: the lease is cleared and the task moves to status
 * (a name or category), or, when none is given and it is still in
 * progress, back to todo.  A done status completes it now.  Returns the task.
 */
static Datum
claim_release(ClaimCall *c, const pg_uuid_t *task, const pg_uuid_t *agent, const char *status,
			  TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr read_back = NULL;
	Oid			types[6] = {UUIDOID, UUIDOID, UUIDOID, UUIDOID, TEXTOID, BOOLOID};
	Datum		v[6];
	pg_uuid_t	status_id;
	char	   *category = NULL;
	bool		explicit = status != NULL;
	Datum		result;

	claim_connect();
	claim_check_task(task, p);
	claim_check_agent(c, agent, p);
	if (status == NULL)
		status = "todo";
	if (status[0] == '\0' || pg_mbstrlen_with_len(status, strlen(status)) > 100)
		problem_add(p, "/status", "invalid_value",
					"must be a status name (at most 100 characters) or category of the workspace");
	else if (!claim_find_status(c, status, &status_id, &category))
		problem_add(p, "/status", "not_found",
					"no status or status category named \"%s\" in this workspace", status);
	problems_raise_if_any(p, "release request");

	/*
	 * $6: the status was asked for.  Without one, the task goes back to todo
	 * only if it is still in progress: a status a human set meanwhile (done,
	 * blocked) is kept, and only the claim ends.
	 */
	store_plan(&plan,
			   "UPDATE tasks.tasks t"
			   "   SET status_id = CASE WHEN $6 OR cur.category = 'in_progress' THEN $4 ELSE t.status_id END,"
			   "       completed_at = CASE WHEN NOT ($6 OR cur.category = 'in_progress') THEN t.completed_at"
			   "                           WHEN $5 = 'done' THEN now() END,"
			   "       claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL,"
			   "       version = t.version + 1, updated_at = now()"
			   "  FROM tasks.statuses cur"
			   " WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL AND t.claimed_by = $3"
			   "   AND cur.workspace_id = t.workspace_id AND cur.id = t.status_id"
			   " RETURNING t.id",
			   6, types);
	v[0] = UUIDPGetDatum(&c->who.workspace_id);
	v[1] = UUIDPGetDatum(task);
	v[2] = UUIDPGetDatum(agent);
	v[3] = UUIDPGetDatum(&status_id);
	v[4] = CStringGetTextDatum(category);
	v[5] = BoolGetDatum(explicit);
	if (SPI_execute_plan(plan, v, NULL, false, 1) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "release failed");
	if (SPI_processed == 0)
		claim_not_held(c, task);
	result = task_store_fetch(&read_back, "SELECT tasks.task_json($1, $2)",
							  &c->who.workspace_id, task, NULL);
	SPI_finish();
	return result;
}

/* A ClaimCall for the current identity. */
static void
claim_call_init(ClaimCall *c, bool http)
{
	identity_current(&c->who);
	c->http = http;
	c->lease_path = http ? "/lease_seconds" : "/lease";
}

/* ------------------------------------------------------------------------
 * SQL entry points: tasks.task_claim_next, task_heartbeat, task_release
 * ------------------------------------------------------------------------
 */

/* The default lease, 15 minutes. */
static Interval *
default_lease(void)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) CLAIM_DEFAULT_LEASE_SECS * USECS_PER_SEC;
	return iv;
}

/* tasks.task_claim_next(agent_id uuid, filter jsonb, lease interval) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_task_claim_next);
Datum
tasks_task_claim_next(PG_FUNCTION_ARGS)
{
	ClaimCall	c;
	TaskProblems p;
	bool		isnull;
	Datum		result;

	claim_call_init(&c, false);
	problems_init(&p);
	result = claim_next(&c, PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0),
						PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
						PG_ARGISNULL(2) ? default_lease() : PG_GETARG_INTERVAL_P(2), &p, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* tasks.task_heartbeat(task_id uuid, agent_id uuid, lease interval) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_task_heartbeat);
Datum
tasks_task_heartbeat(PG_FUNCTION_ARGS)
{
	ClaimCall	c;
	TaskProblems p;

	claim_call_init(&c, false);
	problems_init(&p);
	PG_RETURN_DATUM(claim_heartbeat(&c, PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0),
									PG_ARGISNULL(1) ? NULL : PG_GETARG_UUID_P(1),
									PG_ARGISNULL(2) ? default_lease() : PG_GETARG_INTERVAL_P(2), &p));
}

/* tasks.task_release(task_id uuid, agent_id uuid, status text) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_task_release);
Datum
tasks_task_release(PG_FUNCTION_ARGS)
{
	ClaimCall	c;
	TaskProblems p;

	claim_call_init(&c, false);
	problems_init(&p);
	PG_RETURN_DATUM(claim_release(&c, PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0),
								  PG_ARGISNULL(1) ? NULL : PG_GETARG_UUID_P(1),
								  PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)), &p));
}

/* ------------------------------------------------------------------------
 * tasks_v1 endpoints: one jsonb body each, served through endpoint_serve
 * ------------------------------------------------------------------------
 */

/* Reads a uuid member of the body; NULL when absent or null (problem when invalid). */
static pg_uuid_t *
body_uuid(Jsonb *body, const char *key, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);
	pg_uuid_t  *out;
	char	   *s;

	payload_get(body, key, &f);
	if (!f.present || f.is_null)
		return NULL;
	if (f.value.type != jbvString)
	{
		problem_add(p, path, "invalid_type", "must be a uuid string, not %s", jsonb_type_name(&f.value));
		return NULL;
	}
	out = palloc(sizeof(pg_uuid_t));
	s = pnstrdup(f.value.val.string.val, Min(f.value.val.string.len, 64));
	if (f.value.val.string.len > 36 || !payload_uuid(s, out))
	{
		problem_add(p, path, "invalid_uuid", "must be a uuid");
		return NULL;
	}
	return out;
}

/* Reads "lease_seconds" (a number of seconds; default 900) into an interval. */
static Interval *
body_lease(Jsonb *body, TaskProblems *p)
{
	PayloadField f;
	Interval   *iv = default_lease();
	char	   *s;
	char	   *end;
	double		secs;

	payload_get(body, "lease_seconds", &f);
	if (!f.present || f.is_null)
		return iv;
	if (f.value.type != jbvNumeric)
	{
		problem_add(p, "/lease_seconds", "invalid_type", "must be a number of seconds, not %s",
					jsonb_type_name(&f.value));
		return iv;
	}
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(f.value.val.numeric)));
	secs = strtod(s, &end);
	if (*end != '\0' || isnan(secs) || secs <= 0 || secs > (double) CLAIM_MAX_LEASE_USECS / USECS_PER_SEC)
	{
		problem_add(p, "/lease_seconds", "out_of_range", "must be longer than 0 and at most 24 hours");
		return iv;
	}
	iv->time = (int64) (secs * USECS_PER_SEC);
	return iv;
}

/* Raises when the body is not an object; records its unknown keys. */
static void
body_object(Jsonb *body, const char *const *keys, const char *what, TaskProblems *p)
{
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(p, "", "invalid_type", "the body must be a JSON object");
		problems_raise(p, what);
	}
	payload_reject_unknown(&body->root, "", keys, p);
}

/* POST /rpc/task_claim_next {"agent_id", "filter"?, "lease_seconds"?}: the task, or null. */
static Datum
v1_claim_next(Jsonb *body, pg_uuid_t *task_id)
{
	static const char *const keys[] = {"agent_id", "filter", "lease_seconds", NULL};
	ClaimCall	c;
	TaskProblems p;
	pg_uuid_t  *agent = NULL;
	Interval   *lease;
	Jsonb	   *filter = NULL;
	PayloadField f;
	bool		isnull;
	Datum		result;

	claim_call_init(&c, true);
	problems_init(&p);
	body_object(body, keys, "claim request", &p);
	agent = body_uuid(body, "agent_id", &p);
	lease = body_lease(body, &p);
	payload_get(body, "filter", &f);
	if (f.present && !f.is_null)
	{
		if (f.value.type != jbvBinary || !JsonContainerIsObject(f.value.val.binary.data))
			problem_add(&p, "/filter", "invalid_type", "must be an object, not %s",
						jsonb_type_name(&f.value));
		else
			filter = JsonbValueToJsonb(&f.value);
	}
	memset(task_id, 0, sizeof(pg_uuid_t));
	result = claim_next(&c, agent, filter, lease, &p, &isnull);
	if (isnull)
		return DirectFunctionCall1(jsonb_in, CStringGetDatum("null"));
	return result;
}

/* POST /rpc/task_heartbeat {"task_id", "agent_id", "lease_seconds"?}: the lease. */
static Datum
v1_heartbeat(Jsonb *body, pg_uuid_t *task_id)
{
	static const char *const keys[] = {"task_id", "agent_id", "lease_seconds", NULL};
	ClaimCall	c;
	TaskProblems p;
	pg_uuid_t  *task = NULL;
	pg_uuid_t  *agent = NULL;
	Interval   *lease;

	claim_call_init(&c, true);
	problems_init(&p);
	body_object(body, keys, "heartbeat request", &p);
	task = body_uuid(body, "task_id", &p);
	agent = body_uuid(body, "agent_id", &p);
	lease = body_lease(body, &p);
	if (task)
		*task_id = *task;
	return claim_heartbeat(&c, task, agent, lease, &p);
}

/* POST /rpc/task_release {"task_id", "agent_id", "status"?}: the task. */
static Datum
v1_release(Jsonb *body, pg_uuid_t *task_id)
{
	static const char *const keys[] = {"task_id", "agent_id", "status", NULL};
	ClaimCall	c;
	TaskProblems p;
	pg_uuid_t  *task = NULL;
	pg_uuid_t  *agent = NULL;
	char	   *status = NULL;
	PayloadField f;

	claim_call_init(&c, true);
	problems_init(&p);
	body_object(body, keys, "release request", &p);
	task = body_uuid(body, "task_id", &p);
	agent = body_uuid(body, "agent_id", &p);
	payload_get(body, "status", &f);
	status = payload_text(&f, &p, "/status", false, true, 1, 100);
	if (task)
		*task_id = *task;
	return claim_release(&c, task, agent, status, &p);
}

static const Endpoint claim_next_endpoint = {
	.dialect = "v1", .operation = "v1.task.claim_next", .success_status = 200,
	.location = NULL, .impl = v1_claim_next
};
static const Endpoint heartbeat_endpoint = {
	.dialect = "v1", .operation = NULL, .success_status = 200,
	.location = NULL, .impl = v1_heartbeat
};
static const Endpoint release_endpoint = {
	.dialect = "v1", .operation = "v1.task.release", .success_status = 200,
	.location = NULL, .impl = v1_release
};

/* tasks_v1.task_claim_next(jsonb) */
PG_FUNCTION_INFO_V1(tasks_v1_task_claim_next);
Datum
tasks_v1_task_claim_next(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&claim_next_endpoint, PG_GETARG_JSONB_P(0)));
}

/* tasks_v1.task_heartbeat(jsonb) */
PG_FUNCTION_INFO_V1(tasks_v1_task_heartbeat);
Datum
tasks_v1_task_heartbeat(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&heartbeat_endpoint, PG_GETARG_JSONB_P(0)));
}

/* tasks_v1.task_release(jsonb) */
PG_FUNCTION_INFO_V1(tasks_v1_task_release);
Datum
tasks_v1_task_release(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&release_endpoint, PG_GETARG_JSONB_P(0)));
}
