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
-- as tasks.task_json (the regression test list.sql compares them for every
-- task it makes), built in one statement whose plan PL/pgSQL keeps.  Calling
-- tasks.task_json once per row starts an executor per row (~0.15 ms each, 8
-- to 12 ms for a page of 50); a SQL function would be planned anew on each
-- call (~7 ms for this statement).  The generic plan is right for every call
-- (ids are primary keys), so it is used from the first call on instead of
-- after five custom ones.
--
-- Every child list is a LATERAL subquery keyed by (ws, t.id), and the member
-- or record of each child row is a LATERAL lookup by its primary key: the
-- planner can only answer them by probing the primary keys (notes_task_idx
-- for notes) once per row, so the cost is that of the ids given, whatever
-- the size of the workspace.  (OFFSET 0 keeps the member and record lookups
-- from being flattened into a join, which the generic plan could answer by
-- hashing every member or record of the workspace for each task.)  Grouping
-- all children with task_id = ANY (task_ids), as 1.0 did, let the planner scan
-- every assignee of every member of the workspace instead.
-- The join conditions are plain uuid equalities, which are LEAKPROOF, so
-- they stay index conditions under forced row level security too.
CREATE FUNCTION tasks._task_json_batch(ws uuid, task_ids uuid[]) RETURNS TABLE (ord bigint, id uuid, task jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
		SELECT u.o, t.id, jsonb_build_object(
			'id', t.id,
			'workspace_id', t.workspace_id,
			'title', t.title,
			'description', t.description,
			'status', jsonb_build_object('id', s.id, 'name', s.name, 'category', s.category, 'color', s.color),
			'priority', t.priority,
			'type', t.type,
			'tags', to_jsonb(t.tags),
			'due_date', to_jsonb(to_char(t.due_date, 'YYYY-MM-DD')),
			'due_at', tasks.format_instant(t.due_at),
			'timezone', t.due_timezone,
			'all_day', t.due_date IS NOT NULL,
			'deadline', tasks.format_instant(t.deadline),
			'scheduled_start', tasks.format_instant(t.scheduled_start),
			'scheduled_end', tasks.format_instant(t.scheduled_end),
			'completed_at', tasks.format_instant(t.completed_at),
			'sort_order', t.sort_order,
			'metadata', t.metadata,
			'external_id', t.external_id,
			'created_by', t.created_by,
			'created_at', tasks.format_instant(t.created_at),
			'updated_at', tasks.format_instant(t.updated_at),
			'version', t.version,
			'assignees', coalesce(asg.j, '[]'::jsonb),
			'links', coalesce(lnk.j, '[]'::jsonb),
			'dependency_ids', coalesce(dep.j, '[]'::jsonb),
			'notes', coalesce(nts.j, '[]'::jsonb))
		  FROM unnest(task_ids) WITH ORDINALITY AS u(id, o)
		  JOIN tasks.tasks t ON t.workspace_id = ws AND t.id = u.id
		  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
		  CROSS JOIN LATERAL (
			SELECT jsonb_agg(jsonb_build_object('id', m.id, 'kind', m.kind, 'name', m.name)
							 ORDER BY m.kind DESC, m.name, m.id) AS j
			  FROM tasks.task_assignees a
			 CROSS JOIN LATERAL (SELECT m.id, m.kind, m.name FROM tasks.members m
								  WHERE m.workspace_id = ws AND m.id = a.member_id OFFSET 0) AS m
			 WHERE a.workspace_id = ws AND a.task_id = t.id) AS asg
		  CROSS JOIN LATERAL (
			SELECT jsonb_agg(jsonb_build_object('relation', l.relation, 'kind', l.kind, 'id', r.id, 'name', r.name)
							 ORDER BY l.relation, r.name, r.id) AS j
			  FROM tasks.task_links l
			 CROSS JOIN LATERAL (SELECT r.id, r.name FROM tasks.records r
								  WHERE r.workspace_id = ws AND r.id = l.record_id OFFSET 0) AS r
			 WHERE l.workspace_id = ws AND l.task_id = t.id) AS lnk
		  CROSS JOIN LATERAL (
			SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id) AS j
			  FROM tasks.task_dependencies d
			 WHERE d.workspace_id = ws AND d.task_id = t.id) AS dep
		  CROSS JOIN LATERAL (
			SELECT jsonb_agg(jsonb_build_object('id', n.id, 'body', n.body, 'kind', n.kind,
												'created_at', tasks.format_instant(n.created_at))
							 ORDER BY n.id) AS j
			  FROM tasks.notes n
			 WHERE n.workspace_id = ws AND n.task_id = t.id) AS nts
	  ORDER BY u.o;
END
$$;
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
