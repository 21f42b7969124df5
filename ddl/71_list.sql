-- ---------------------------------------------------------------------------
-- 71_list: reading many tasks.
--
-- tasks.task_list(filter) is keyset (cursor) paginated: every sort is a key
-- plus the id as tiebreaker, and each has an index that starts with the
-- workspace and ends with (key, id), so page 1000 costs what page 1 costs.
--
-- Row level security decides which sort keys can use an index: under RLS a
-- condition can only be an index condition when all its functions are
-- LEAKPROOF (otherwise it runs after the policy, as a filter).  So the sort
-- keys are written with leakproof pieces only: plain columns, CASE, IS NULL
-- and tasks._due_key (C, leakproof: it cannot fail).  COALESCE would not do:
-- the planner treats it as leaky.  The C code writes the very same
-- expressions (src/task_list.c, list_sorts[]); an index is used only when the
-- expression matches exactly.
-- ---------------------------------------------------------------------------

-- The due sort key: the instant, or an all-day date as the start of that day
-- in UTC, or +infinity when the task has no due date (so ascending order puts
-- undated tasks last, descending first, as PostgreSQL orders NULLs).
CREATE FUNCTION tasks._due_key(due_at timestamptz, due_date date) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'tasks_due_key'
	LANGUAGE C IMMUTABLE LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION tasks._due_key(timestamptz, date) IS
	'Internal: the "due" sort key of a task: due_at, else due_date at 00:00 UTC, else +infinity. Never fails (LEAKPROOF), so row level security lets it drive an index.';

-- The sort indexes: (workspace, key, id), carrying status_id and deleted_at
-- so that the status filter (e.g. "open") and the live-task test are checked
-- inside the index, without visiting the table.  Not partial: include_deleted
-- pages through the same indexes.
CREATE INDEX tasks_list_created_idx ON tasks.tasks (workspace_id, created_at, id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_updated_idx ON tasks.tasks (workspace_id, updated_at, id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_due_idx ON tasks.tasks (workspace_id, tasks._due_key(due_at, due_date), id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_sort_order_idx ON tasks.tasks
	(workspace_id, (CASE WHEN sort_order IS NULL THEN 'Infinity'::pg_catalog.float8 ELSE sort_order END), id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_priority_idx ON tasks.tasks
	(workspace_id, (CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END), id)
	INCLUDE (status_id, deleted_at);

-- The native shape of many tasks at once, in the order of ids: the same JSON
-- as tasks.task_json (which calls it with one id), built in C
-- (src/task_json.c) by the one builder that also writes the response of a
-- create and the items of tasks.task_list.  Five statements whatever the
-- number of ids, each with a kept generic plan: the tasks with their status,
-- then the assignees (with the member's name), links (with the record's
-- name), dependencies and notes of all of them.  Every row is looked up by a
-- primary key (notes: notes_task_idx) in a LATERAL subquery keyed by the id
-- or the child row (OFFSET 0 keeps it from being flattened into a join that
-- the generic plan could answer by scanning the workspace), so the cost is
-- that of the ids given, whatever the size of the workspace.  The conditions
-- are plain uuid equalities, which are LEAKPROOF, so they stay index
-- conditions under forced row level security too.  Reads in the caller's
-- snapshot, as a STABLE function does.
CREATE FUNCTION tasks._task_json_batch(ws uuid, task_ids uuid[]) RETURNS TABLE (ord bigint, id uuid, task jsonb)
	AS 'MODULE_PATHNAME', 'tasks_task_json_batch'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._task_json_batch(uuid, uuid[]) IS
	'Internal: tasks.task_json of many tasks in one statement, with each id''s position in task_ids (ord); ids not in the workspace are skipped.';

CREATE FUNCTION tasks.task_list(filter jsonb DEFAULT '{}') RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_list(jsonb) IS
	'Tasks of the current workspace: {"data": [task, ...], "next_cursor": string | null}. Filter keys: record_id, kind, relation, assignee_id (uuid or "me"), unassigned, status_category, status_id, due_from, due_to, overdue, timezone, updated_since, tag, q, include_deleted, sort (created_at | updated_at | due | sort_order | priority, "-" for descending; default -created_at), limit (1-200, default 50), cursor. Problems: 22023 with the list in DETAIL (unknown keys, bad values, a cursor of another workspace, sort or filter).';

CREATE FUNCTION tasks_v1.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_list(jsonb) IS
	'POST /rpc/task_list with the filter as the body (see tasks.task_list): 200 {"data", "next_cursor"}; 422 {"code": "validation_failed", "message", "errors": [{path, code, message}]}.';

-- Lightfield: GET /v1/tasks (task.list) and GET /v1/tasks/{id} (task.retrieve).
CREATE FUNCTION tasks_lightfield.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_list(jsonb) IS
	'Lightfield task.list (GET /v1/tasks), as POST /rpc/task_list with {"offset"?, "limit"?} (PostgREST keeps the query parameters limit and offset for itself). Needs tasks:read. 200 {"object": "list", "data": [task records, oldest first], "totalCount"}; errors PT400 / PT403 with the Lightfield body {"error": {"type", "message", "code", "param"}} in DETAIL.';

CREATE FUNCTION tasks_lightfield.task_retrieve(id text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_retrieve'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_retrieve(text) IS
	'Lightfield task.retrieve (GET /v1/tasks/{id}), as GET /rpc/task_retrieve?id=.... Needs tasks:read. 200 with the task record; PT404 {"error": {"type": "not_found", "message"}} for an id that is not a live task of the workspace; PT403 without the scope.';

-- Vambe: GET /api/public/tasks.
CREATE FUNCTION tasks_vambe.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_list(jsonb) IS
	'Vambe GET /api/public/tasks with the query as a JSON body: {"responsibleIds": [uuid, ...] or "uuid,uuid" ([] or "" = everyone), "fromDate", "toDate" (YYYY-MM-DD), "includeTasksWithoutDates"? (default true)}. Returns an array of Task Objects, soonest due first, at most 1000 (X-Truncated: true when more match); errors PT400 {"statusCode", "message", "errors": [{field, message}]} / PT401.';

CREATE FUNCTION tasks_vambe.tasks("responsibleIds" text DEFAULT NULL, "fromDate" text DEFAULT NULL,
								  "toDate" text DEFAULT NULL, "includeTasksWithoutDates" text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks_vambe.task_list(jsonb_strip_nulls(jsonb_build_object(
		'responsibleIds', "responsibleIds", 'fromDate', "fromDate", 'toDate', "toDate",
		'includeTasksWithoutDates', "includeTasksWithoutDates")));
END;
COMMENT ON FUNCTION tasks_vambe.tasks(text, text, text, text) IS
	'Vambe GET /api/public/tasks as GET /rpc/tasks?responsibleIds=id1,id2&fromDate=2025-10-01&toDate=2025-10-31&includeTasksWithoutDates=false: the query parameters as text, exactly as tasks_vambe.task_list(jsonb) takes them.';
