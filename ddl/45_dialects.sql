-- ---------------------------------------------------------------------------
-- 45_dialects: what every vendor dialect shares.
--
-- Each dialect D has a schema tasks_D holding only its endpoints (what
-- PostgREST exposes as the profile tasks_D); its response shaping lives in
-- schema tasks as tasks._D_response(workspace, task), a C function running
-- one kept query (src/dialect_D.c) that task_create shares.  These helpers
-- read the canonical rows the way vendor responses need them; the responses
-- write the same reads inline, since an SQL-language function called per row
-- is parsed and planned again on every call.
-- ---------------------------------------------------------------------------

-- The first record linked under a relation (a has-one relationship), or NULL.
CREATE FUNCTION tasks._link_id(workspace_id uuid, task_id uuid, relation text) RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT l.record_id FROM tasks.task_links l
	 WHERE l.workspace_id = _link_id.workspace_id AND l.task_id = _link_id.task_id
	   AND l.relation = _link_id.relation
	 ORDER BY l.record_id LIMIT 1;
END;

-- Every record linked under a relation, as a JSON array of ids.
CREATE FUNCTION tasks._link_ids(workspace_id uuid, task_id uuid, relation text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT coalesce(jsonb_agg(l.record_id ORDER BY l.record_id), '[]'::jsonb) FROM tasks.task_links l
	 WHERE l.workspace_id = _link_ids.workspace_id AND l.task_id = _link_ids.task_id
	   AND l.relation = _link_ids.relation;
END;

-- The assignees of a task as a JSON array of ids, in the order they were given.
CREATE FUNCTION tasks._assignee_ids(workspace_id uuid, task_id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT coalesce(jsonb_agg(a.member_id ORDER BY a.assigned_at, a.position, a.member_id), '[]'::jsonb)
	  FROM tasks.task_assignees a
	 WHERE a.workspace_id = _assignee_ids.workspace_id AND a.task_id = _assignee_ids.task_id;
END;

-- Every endpoint that takes a request body declares ONE UNNAMED jsonb
-- parameter: PostgREST then passes the raw body as that argument
-- (a named parameter would make it look for a key of that name instead).
