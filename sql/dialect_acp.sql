-- ACP dialect: tasks_acp.task_create(jsonb), POST /v1/tasks (seed 004). One rule per line.
-- Output must not depend on the session's zone or date style.
SET TimeZone = 'America/Santiago';
SET DateStyle = 'SQL, DMY';
-- The response, or {"sqlstate", "body"} when the call fails.
CREATE FUNCTION pg_temp.try(body text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE st text; det text;
BEGIN
	RETURN tasks_acp.task_create(body::jsonb);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', CASE WHEN det LIKE '{%' THEN det::jsonb END);
END $$;
-- The response without what changes from run to run.
CREATE FUNCTION pg_temp.stable(r jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT r #- '{task,id}' #- '{task,createdAt}' #- '{task,updatedAt}'
$$;
-- Compactly: "ok" or "PTnnn code field:code field:code ...".
CREATE FUNCTION pg_temp.codes(body text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'task' THEN 'ok' ELSE concat_ws(' ', r ->> 'sqlstate', r -> 'body' -> 'error' ->> 'code',
		(SELECT string_agg((d ->> 'field') || ':' || (d ->> 'code'), ' ') FROM jsonb_array_elements(r -> 'body' -> 'error' -> 'details') d)) END
	  FROM pg_temp.try(body) r
$$;
-- The one field of a successful response (or the error, compactly).
CREATE FUNCTION pg_temp.field(body text, key text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'task' THEN r -> 'task' -> key ELSE to_jsonb(pg_temp.codes(body)) END FROM pg_temp.try(body) r
$$;

-- Creates a task: "<status in the response> (stored as <the workspace's status name>)".
CREATE FUNCTION pg_temp.stored_status(body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; name text;
BEGIN
	r := tasks_acp.task_create(body::jsonb);
	SELECT st.name INTO name FROM tasks.tasks t JOIN tasks.statuses st ON st.workspace_id = t.workspace_id AND st.id = t.status_id
	 WHERE t.workspace_id = tasks.current_workspace_id() AND t.id = (r #>> '{task,id}')::uuid;
	RETURN format('%s (stored as %s)', r #>> '{task,status}', name);
END $$;

-- Workspace A (the caller's) and workspace B (another tenant) with its own statuses.
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8540-000000000001", "name": "ACP main"}') IS NOT NULL AS ws_a;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8540-000000000002", "name": "ACP other", "statuses": [
  {"name": "Backlog", "category": "todo", "initial": true}, {"name": "Doing", "category": "in_progress"},
  {"name": "Shipped", "category": "done"}, {"name": "Dropped", "category": "cancelled"}]}') IS NOT NULL AS ws_b;
SET tasks.workspace_id = '00000000-0000-7000-8540-000000000002';
SET tasks.actor_id = '00000000-0000-7000-8540-000000000109';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8540-000000000109", "name": "Other user"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8540-000000000209", "name": "other-agent"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000309", "kind": "project", "name": "Foreign project"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000319", "kind": "thread", "name": "Foreign thread"}') IS NOT NULL;
SELECT tasks_acp.task_create('{"title": "Foreign task"}') #>> '{task,id}' AS foreign_task \gset
SET tasks.workspace_id = '00000000-0000-7000-8540-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8540-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8540-000000000101", "name": "Ada Operator"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8540-000000000102", "name": "Ben Reviewer"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8540-000000000103", "name": "Gone User", "active": false}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8540-000000000201", "name": "coder-agent"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8540-000000000202", "name": "retired-agent", "active": false}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000301", "kind": "project", "name": "Control plane"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000302", "kind": "release", "name": "v2.0"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000303", "kind": "sprint", "name": "Sprint 14"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000304", "kind": "thread", "name": "Thread one"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000305", "kind": "thread", "name": "Thread two"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000306", "kind": "thread", "name": "Thread three"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-0000000003ab", "kind": "project", "name": "Hex project"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000307", "kind": "sprint", "name": "Sprint 9 (deleted)"}') IS NOT NULL;
UPDATE tasks.records SET deleted_at = now() WHERE workspace_id = '00000000-0000-7000-8540-000000000001' AND id = '00000000-0000-7000-8540-000000000307';
-- two tasks to depend on
SELECT tasks_acp.task_create('{"title": "Design the schema"}') #>> '{task,id}' AS dep1 \gset
SELECT tasks_acp.task_create('{"title": "Write the migration"}') #>> '{task,id}' AS dep2 \gset

-- The page's body with every field.
SELECT format($${"title": "Ship the agent scheduler", "description": "Schedule **agent** runs per sprint.",
  "projectId": "00000000-0000-7000-8540-000000000301", "releaseId": "00000000-0000-7000-8540-000000000302",
  "status": "in_progress", "priority": "urgent", "sprintId": "00000000-0000-7000-8540-000000000303",
  "assigneeAgentId": "00000000-0000-7000-8540-000000000201", "dependencyIds": ["%s", "%s"],
  "linkedThreadIds": ["00000000-0000-7000-8540-000000000305", "00000000-0000-7000-8540-000000000304"],
  "lastStartedThreadId": "00000000-0000-7000-8540-000000000305",
  "scheduledStartAt": "2026-03-09T08:00:00Z", "scheduledEndAt": "2026-03-09T17:30:00+01:00",
  "dueAt": "2026-03-10T09:00:00-03:00", "sortOrder": 2.5,
  "metadata": {"source": "planner", "labels": ["infra"], "estimate": {"hours": 6}}}$$, :'dep1', :'dep2') AS full_body \gset
SELECT pg_temp.try(:'full_body') AS full \gset
SELECT jsonb_pretty(pg_temp.stable(:'full') #- '{task,dependencyIds}');
-- dependencyIds come back sorted by id; every documented key is there, with its type
SELECT (:'full'::jsonb) #> '{task,dependencyIds}' = (SELECT jsonb_agg(x ORDER BY x) FROM unnest(ARRAY[:'dep1', :'dep2']::uuid[]) x) AS dependency_ids_echoed;
SELECT k AS key, jsonb_typeof((:'full'::jsonb) -> 'task' -> k) AS type FROM jsonb_object_keys((:'full'::jsonb) -> 'task') k ORDER BY k;
SELECT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys((:'full'::jsonb) -> 'task') k) = ARRAY['assigneeAgentId', 'completedAt', 'createdAt', 'dependencyIds', 'description', 'dueAt', 'id', 'lastStartedThreadId', 'linkedThreadIds', 'metadata', 'priority', 'projectId', 'releaseId', 'scheduledEndAt', 'scheduledStartAt', 'sortOrder', 'sprintId', 'status', 'title', 'updatedAt', 'userId'] AS exactly_the_documented_keys;
SELECT (:'full'::jsonb) ? 'task' AND (SELECT count(*) FROM jsonb_object_keys(:'full'::jsonb)) = 1 AS wrapped_in_task;
SELECT (:'full'::jsonb) #>> '{task,createdAt}' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS created_at_iso, (:'full'::jsonb) #>> '{task,createdAt}' = (:'full'::jsonb) #>> '{task,updatedAt}' AS updated_is_created;
-- it reads back the same through the native API
SELECT tasks.task_get(((:'full'::jsonb) #>> '{task,id}')::uuid) AS native \gset
SELECT (:'native'::jsonb) ->> 'title' AS title, (:'native'::jsonb) #>> '{status,category}' AS category, (:'native'::jsonb) #>> '{status,name}' AS status_name,
       (:'native'::jsonb) ->> 'priority' AS priority, (:'native'::jsonb) ->> 'created_by' AS created_by;
SELECT jsonb_pretty((:'native'::jsonb) -> 'links') AS links;
SELECT jsonb_pretty((:'native'::jsonb) -> 'assignees') AS assignees;
SELECT (:'native'::jsonb) -> 'dependency_ids' = (:'full'::jsonb) #> '{task,dependencyIds}' AS same_dependencies;
SELECT (:'native'::jsonb) ->> 'due_at' AS due_at, (:'native'::jsonb) ->> 'due_date' AS due_date, (:'native'::jsonb) ->> 'scheduled_start' AS scheduled_start,
       (:'native'::jsonb) ->> 'scheduled_end' AS scheduled_end, (:'native'::jsonb) ->> 'completed_at' AS completed_at;
SELECT (:'native'::jsonb) -> 'sort_order' AS sort_order, (:'native'::jsonb) -> 'metadata' = (:'full'::jsonb) #> '{task,metadata}' AS same_metadata,
       (:'native'::jsonb) ->> 'created_at' = (:'full'::jsonb) #>> '{task,createdAt}' AS same_created_at;
SELECT tasks._acp_response('00000000-0000-7000-8540-000000000001', ((:'full'::jsonb) #>> '{task,id}')::uuid) = (:'full'::jsonb) AS response_is_the_stored_task;

-- Minimal body: initial status of the workspace, null for unset optionals, [] for empty arrays.
SELECT jsonb_pretty(pg_temp.stable(pg_temp.try('{"title": "ACP minimal"}')));
-- null means unset for every optional field
SELECT jsonb_pretty(pg_temp.stable(pg_temp.try('{"title": "Nulls", "description": null, "projectId": null, "releaseId": null, "status": null, "priority": null, "sprintId": null, "assigneeAgentId": null, "dependencyIds": null, "linkedThreadIds": null, "lastStartedThreadId": null, "scheduledStartAt": null, "scheduledEndAt": null, "dueAt": null, "completedAt": null, "sortOrder": null, "metadata": null}')));
-- empty arrays and objects are fine
SELECT pg_temp.codes('{"title": "Empties", "dependencyIds": [], "linkedThreadIds": [], "metadata": {}}');
-- userId is the caller, an agent included
SELECT pg_temp.field('{"title": "By Ada"}', 'userId');
SET tasks.actor_id = '00000000-0000-7000-8540-000000000201';
SELECT pg_temp.field('{"title": "By the agent"}', 'userId');
SET tasks.actor_id = '00000000-0000-7000-8540-000000000101';

-- The body must be an object.
SELECT pg_temp.try('[]');
SELECT pg_temp.codes('"Ship it"');
SELECT pg_temp.codes('null');
SELECT pg_temp.codes('42');

-- title: required, a string, not blank, at most 500 characters.
SELECT pg_temp.try('{}');
SELECT pg_temp.codes('{"title": null}');
SELECT pg_temp.codes('{"title": ""}');
SELECT pg_temp.codes('{"title": "  \t\n "}');
SELECT pg_temp.codes('{"title": 42}');
SELECT pg_temp.codes('{"title": ["a"]}');
SELECT pg_temp.field(format('{"title": "%s"}', repeat('ü', 500)), 'title') = to_jsonb(repeat('ü', 500)) AS title_500_chars;
SELECT pg_temp.try(format('{"title": "%s"}', repeat('ü', 501))) -> 'body';
SELECT pg_temp.field('{"title": "  padded  "}', 'title') AS title_kept_verbatim;

-- description: a string.
SELECT pg_temp.field('{"title": "t", "description": ""}', 'description');
SELECT pg_temp.field('{"title": "t", "description": "# Plan\n- [ ] step"}', 'description');
SELECT pg_temp.codes('{"title": "t", "description": 7}');

-- status: backlog | todo | in_progress | blocked | done, stored as a status of that category.
SELECT s, pg_temp.stored_status(format('{"title": "t", "status": "%s"}', s)) FROM unnest(ARRAY['backlog', 'todo', 'in_progress', 'blocked', 'done']) s;
SELECT pg_temp.try('{"title": "t", "status": "Done"}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "status": "cancelled"}');
SELECT pg_temp.codes('{"title": "t", "status": "open"}');
SELECT pg_temp.codes('{"title": "t", "status": ""}');
SELECT pg_temp.codes('{"title": "t", "status": 1}');
-- done without completedAt: completed now (the transaction's start time)
SELECT abs(extract(epoch FROM (pg_temp.try('{"title": "t", "status": "done"}') #>> '{task,completedAt}')::timestamptz - now())) < 0.001 AS done_completed_now;
-- done with completedAt: kept as sent, in UTC
SELECT pg_temp.field('{"title": "t", "status": "done", "completedAt": "2026-03-01T12:00:00+02:00"}', 'completedAt');
-- completedAt on a task that is not done is a contradiction
SELECT pg_temp.try('{"title": "t", "status": "in_progress", "completedAt": "2026-03-01T12:00:00Z"}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "completedAt": "2026-03-01T12:00:00Z"}');

-- priority: low | medium | high | urgent; none by default.
SELECT s, pg_temp.field(format('{"title": "t", "priority": "%s"}', s), 'priority') FROM unnest(ARRAY['low', 'medium', 'high', 'urgent']) s;
SELECT pg_temp.codes('{"title": "t", "priority": "HIGH"}');
SELECT pg_temp.codes('{"title": "t", "priority": "critical"}');
SELECT pg_temp.codes('{"title": "t", "priority": 2}');

-- projectId, releaseId, sprintId: records of that kind in the workspace.
SELECT pg_temp.try('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000399"}');
SELECT pg_temp.try('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000399"}') = pg_temp.try('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000309"}') AS foreign_project_like_missing;
SELECT pg_temp.codes('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000303"}');
SELECT pg_temp.codes('{"title": "t", "releaseId": "00000000-0000-7000-8540-000000000301"}');
SELECT pg_temp.codes('{"title": "t", "releaseId": "00000000-0000-7000-8540-000000000399"}');
SELECT pg_temp.codes('{"title": "t", "sprintId": "00000000-0000-7000-8540-000000000399"}');
SELECT pg_temp.codes('{"title": "t", "sprintId": "00000000-0000-7000-8540-000000000307"}');
SELECT pg_temp.codes('{"title": "t", "projectId": "proj_123"}');
SELECT pg_temp.codes('{"title": "t", "projectId": ""}');
SELECT pg_temp.codes('{"title": "t", "projectId": 301}');
SELECT pg_temp.codes('{"title": "t", "sprintId": ["00000000-0000-7000-8540-000000000303"]}');
SELECT pg_temp.field('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000301"}', 'projectId');
SELECT pg_temp.field('{"title": "t", "releaseId": "00000000-0000-7000-8540-000000000302"}', 'releaseId');
SELECT pg_temp.field('{"title": "t", "sprintId": "00000000-0000-7000-8540-000000000303"}', 'sprintId');
-- ids are case-insensitive and come back canonical
SELECT pg_temp.field('{"title": "t", "projectId": "00000000-0000-7000-8540-0000000003AB"}', 'projectId');

-- assigneeAgentId: an active agent of the workspace; a user is refused.
SELECT pg_temp.field('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000201"}', 'assigneeAgentId');
SELECT pg_temp.try('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000102"}');
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000103"}');
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000202"}');
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000299"}');
SELECT pg_temp.try('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000299"}') = pg_temp.try('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000209"}') AS foreign_agent_like_missing;
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": "coder-agent"}');
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": ["00000000-0000-7000-8540-000000000201"]}');

-- dependencyIds: existing tasks of the workspace; duplicates collapse.
SELECT pg_temp.field(format('{"title": "t", "dependencyIds": ["%s", "%s", "%s"]}', :'dep2', :'dep1', upper(:'dep2')), 'dependencyIds')
       = (SELECT jsonb_agg(x ORDER BY x) FROM unnest(ARRAY[:'dep1', :'dep2']::uuid[]) x) AS deduplicated_and_sorted;
SELECT pg_temp.try(format('{"title": "t", "dependencyIds": ["%s", "00000000-0000-7000-8540-000000000999"]}', :'dep1'));
SELECT pg_temp.try(format('{"title": "t", "dependencyIds": ["%s", "00000000-0000-7000-8540-000000000999"]}', :'dep1'))
     = pg_temp.try(format('{"title": "t", "dependencyIds": ["%s", "%s"]}', :'dep1', :'foreign_task')) AS foreign_task_like_missing;
SELECT pg_temp.codes('{"title": "t", "dependencyIds": ["00000000-0000-7000-8540-000000000301"]}');
SELECT pg_temp.codes('{"title": "t", "dependencyIds": "00000000-0000-7000-8540-000000000301"}');
SELECT pg_temp.codes('{"title": "t", "dependencyIds": [42, null, "nope"]}');
SELECT pg_temp.codes(format('{"title": "t", "dependencyIds": %s}', (SELECT jsonb_agg(:'dep1'::text) FROM generate_series(1, 101))));
SELECT pg_temp.codes(format('{"title": "t", "dependencyIds": %s}', (SELECT jsonb_agg(:'dep1'::text) FROM generate_series(1, 100))));
-- no self-dependency and no cycle: the task's id is the server's (sending one is refused),
-- and a new task has no dependents, so no existing task can lead back to it
SELECT pg_temp.codes(format('{"id": "%s", "title": "t", "dependencyIds": ["%s"]}', :'dep1', :'dep1'));
SELECT pg_temp.field(format('{"title": "t", "dependencyIds": ["%s"]}', (:'full'::jsonb) #>> '{task,id}'), 'dependencyIds') = jsonb_build_array((:'full'::jsonb) #>> '{task,id}') AS depends_on_a_task_with_dependencies;

-- linkedThreadIds and lastStartedThreadId: thread records of the workspace.
SELECT pg_temp.field('{"title": "t", "linkedThreadIds": ["00000000-0000-7000-8540-000000000306", "00000000-0000-7000-8540-000000000304", "00000000-0000-7000-8540-000000000306"]}', 'linkedThreadIds');
SELECT pg_temp.try('{"title": "t", "linkedThreadIds": ["00000000-0000-7000-8540-000000000304", "00000000-0000-7000-8540-000000000301", "00000000-0000-7000-8540-000000000319"]}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "linkedThreadIds": ["00000000-0000-7000-8540-000000000398"]}');
SELECT pg_temp.codes('{"title": "t", "linkedThreadIds": {"id": "00000000-0000-7000-8540-000000000304"}}');
SELECT pg_temp.codes('{"title": "t", "linkedThreadIds": [true]}');
SELECT pg_temp.codes(format('{"title": "t", "linkedThreadIds": %s}', (SELECT jsonb_agg('00000000-0000-7000-8540-000000000304'::text) FROM generate_series(1, 97))));
SELECT pg_temp.codes(format('{"title": "t", "linkedThreadIds": %s}', (SELECT jsonb_agg('00000000-0000-7000-8540-000000000304'::text) FROM generate_series(1, 96))));
-- 96 linked threads and the four has-one links fill the task's 100 links
SELECT pg_temp.codes(format('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000301", "releaseId": "00000000-0000-7000-8540-000000000302", "sprintId": "00000000-0000-7000-8540-000000000303", "lastStartedThreadId": "00000000-0000-7000-8540-000000000305", "linkedThreadIds": %s}', (SELECT jsonb_agg('00000000-0000-7000-8540-000000000304'::text) FROM generate_series(1, 96))));
-- the last started thread need not be among the linked ones; neither list is changed
SELECT pg_temp.try('{"title": "t", "lastStartedThreadId": "00000000-0000-7000-8540-000000000306"}') -> 'task' -> 'linkedThreadIds' AS linked, pg_temp.field('{"title": "t", "lastStartedThreadId": "00000000-0000-7000-8540-000000000306"}', 'lastStartedThreadId') AS last_started;
SELECT pg_temp.codes('{"title": "t", "lastStartedThreadId": "00000000-0000-7000-8540-000000000306", "linkedThreadIds": ["00000000-0000-7000-8540-000000000306"]}');
SELECT pg_temp.codes('{"title": "t", "lastStartedThreadId": "00000000-0000-7000-8540-000000000319"}');
SELECT pg_temp.codes('{"title": "t", "lastStartedThreadId": "00000000-0000-7000-8540-000000000303"}');
SELECT pg_temp.codes('{"title": "t", "lastStartedThreadId": "thread-1"}');

-- Timestamps: ISO 8601 instants with a UTC offset, returned in UTC with milliseconds.
SELECT pg_temp.field('{"title": "t", "dueAt": "2026-03-10T09:00:00Z"}', 'dueAt');
SELECT pg_temp.field('{"title": "t", "dueAt": "2026-03-10T09:00+05:30"}', 'dueAt');
SELECT pg_temp.field('{"title": "t", "dueAt": "2026-03-10T09:00:00.123456-0800"}', 'dueAt');
SELECT pg_temp.field('{"title": "t", "dueAt": "2026-12-31T23:30:00-03:00"}', 'dueAt');
-- a date alone is not an instant: refused, never shifted into one
SELECT pg_temp.try('{"title": "t", "dueAt": "2026-03-10"}') -> 'body';
SELECT pg_temp.try('{"title": "t", "dueAt": "2026-03-10T09:00:00"}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "dueAt": "2026-02-30T09:00:00Z"}');
SELECT pg_temp.codes('{"title": "t", "dueAt": "2026-03-10T24:30:00Z"}');
SELECT pg_temp.codes('{"title": "t", "dueAt": "10/03/2026 09:00"}');
SELECT pg_temp.codes('{"title": "t", "dueAt": "tomorrow"}');
SELECT pg_temp.codes('{"title": "t", "dueAt": 1773133200}');
SELECT pg_temp.codes('{"title": "t", "scheduledStartAt": "2026-03-09", "scheduledEndAt": "2026-03-09T10:00", "completedAt": "2026-03-09 10:00Z"}');
-- scheduledStartAt <= scheduledEndAt
SELECT pg_temp.field('{"title": "t", "scheduledStartAt": "2026-03-09T10:00:00Z", "scheduledEndAt": "2026-03-09T11:00:00+01:00"}', 'scheduledEndAt') AS equal_is_fine;
SELECT pg_temp.try('{"title": "t", "scheduledStartAt": "2026-03-09T10:00:00Z", "scheduledEndAt": "2026-03-09T10:30:00+01:00"}') -> 'body';
SELECT pg_temp.field('{"title": "t", "scheduledStartAt": "2026-03-09T10:00:00Z"}', 'scheduledStartAt') AS start_alone;
SELECT pg_temp.field('{"title": "t", "scheduledEndAt": "2026-03-09T10:00:00Z"}', 'scheduledEndAt') AS end_alone;

-- sortOrder: a number.
SELECT pg_temp.field('{"title": "t", "sortOrder": -3}', 'sortOrder'), pg_temp.field('{"title": "t", "sortOrder": 0.1}', 'sortOrder'), pg_temp.field('{"title": "t", "sortOrder": 1e10}', 'sortOrder');
SELECT pg_temp.codes('{"title": "t", "sortOrder": "1"}');
SELECT pg_temp.codes('{"title": "t", "sortOrder": true}');
SELECT pg_temp.codes('{"title": "t", "sortOrder": 1e400}');

-- metadata: an object of at most 64 kB.
SELECT pg_temp.field('{"title": "t", "metadata": {"nested": {"deep": [1, {"x": null}]}, "ok": true}}', 'metadata');
SELECT pg_temp.codes('{"title": "t", "metadata": []}');
SELECT pg_temp.codes('{"title": "t", "metadata": "{}"}');
SELECT pg_temp.codes('{"title": "t", "metadata": 1}');
SELECT pg_temp.codes(format('{"title": "t", "metadata": {"blob": "%s"}}', repeat('x', 70000)));

-- Unknown fields are refused by name; typos get a hint; server-set fields are read-only.
SELECT pg_temp.try('{"title": "t", "colour": "red"}') -> 'body';
SELECT pg_temp.try('{"title": "t", "project_id": "00000000-0000-7000-8540-000000000301"}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "assigneeagentid": "00000000-0000-7000-8540-000000000201", "due_at": "2026-03-10T09:00:00Z", "Title": "x"}');
SELECT pg_temp.codes('{"title": "t", "assigneeId": "00000000-0000-7000-8540-000000000201", "tags": ["a"], "type": "bug"}');
SELECT pg_temp.codes('{"title": "t", "id": "00000000-0000-7000-8540-000000000001", "userId": "00000000-0000-7000-8540-000000000102", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}');
SELECT pg_temp.try(format('{"title": "t", "%s": 1}', repeat('é', 150))) #>> '{body,error,details,0,field}' = repeat('é', 50) AS long_key_clipped_on_a_character;

-- Every problem at once; shape problems answer 400 even with reference problems among them.
SELECT pg_temp.try('{"title": "", "priority": "p0", "projectId": "00000000-0000-7000-8540-000000000399", "assigneeAgentId": "00000000-0000-7000-8540-000000000102", "dueAt": "2026-03-10", "extra": 1}') -> 'body';
-- only reference problems: 422
SELECT pg_temp.codes('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000399", "releaseId": "00000000-0000-7000-8540-000000000399", "sprintId": "00000000-0000-7000-8540-000000000399", "assigneeAgentId": "00000000-0000-7000-8540-000000000102", "lastStartedThreadId": "00000000-0000-7000-8540-000000000399"}');

-- Nothing is stored when a call fails.
SELECT count(*) AS before FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8540-000000000001' \gset
SELECT pg_temp.codes('{"title": "t", "assigneeAgentId": "00000000-0000-7000-8540-000000000102"}');
SELECT pg_temp.codes('{"title": "t", "status": "todo", "completedAt": "2026-03-01T12:00:00Z"}');
SELECT pg_temp.codes('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000309"}');
SELECT pg_temp.codes('{"title": "t", "colour": "red"}');
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('x', 501)));
SELECT count(*) - :before AS stored_by_failures,
       (SELECT count(*) FROM tasks.task_links WHERE workspace_id = '00000000-0000-7000-8540-000000000001'
           AND task_id NOT IN (SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8540-000000000001')) AS orphan_links
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8540-000000000001';

-- The caller: ACP authenticates every request (401 without an active member of the workspace).
RESET tasks.actor_id;
SELECT pg_temp.try('{"title": "t"}');
SET tasks.actor_id = '00000000-0000-7000-8540-000000000109';
SELECT pg_temp.codes('{"title": "t"}');
SET tasks.actor_id = '00000000-0000-7000-8540-000000000103';
SELECT pg_temp.codes('{"title": "t"}');
-- 401 comes before looking at the body
SELECT pg_temp.codes('{"colour": "red"}');
SET tasks.actor_id = '00000000-0000-7000-8540-000000000101';

-- Statuses are categories: workspace B names its to-do status "Backlog" but has no backlog category.
SET tasks.workspace_id = '00000000-0000-7000-8540-000000000002';
SET tasks.actor_id = '00000000-0000-7000-8540-000000000109';
SELECT pg_temp.field('{"title": "t"}', 'status') AS initial_status;
SELECT pg_temp.try('{"title": "t", "status": "backlog"}') -> 'body';
SELECT pg_temp.codes('{"title": "t", "status": "blocked"}');
SELECT pg_temp.field('{"title": "t", "status": "done"}', 'status') AS done_status;
SELECT pg_temp.field('{"title": "t", "projectId": "00000000-0000-7000-8540-000000000309"}', 'projectId') AS own_project_in_b;
-- categories the vendor lacks: cancelled reads as done; an all-day date reads as a date
SELECT tasks.task_create('{"title": "Dropped natively", "status": "Dropped", "due_date": "2026-03-10",
  "assignee_ids": ["00000000-0000-7000-8540-000000000109", "00000000-0000-7000-8540-000000000209"]}') ->> 'id' AS native_task \gset
SELECT r -> 'task' -> 'status' AS status, r -> 'task' -> 'dueAt' AS due_at, r -> 'task' -> 'assigneeAgentId' AS agent
  FROM tasks._acp_response('00000000-0000-7000-8540-000000000002', :'native_task') r;
-- without an initial status, a status must be sent
UPDATE tasks.statuses SET is_initial = false WHERE workspace_id = '00000000-0000-7000-8540-000000000002';
SELECT pg_temp.codes('{"title": "t"}');
SELECT pg_temp.field('{"title": "t", "status": "in_progress"}', 'status');

-- Leave nothing behind for the test files after this one (they share the database).
DELETE FROM tasks.tasks WHERE workspace_id IN ('00000000-0000-7000-8540-000000000001', '00000000-0000-7000-8540-000000000002');
DELETE FROM tasks.workspaces WHERE id IN ('00000000-0000-7000-8540-000000000001', '00000000-0000-7000-8540-000000000002');
SELECT (SELECT count(*) FROM tasks.tasks WHERE workspace_id IN ('00000000-0000-7000-8540-000000000001', '00000000-0000-7000-8540-000000000002'))
     + (SELECT count(*) FROM tasks.records WHERE workspace_id IN ('00000000-0000-7000-8540-000000000001', '00000000-0000-7000-8540-000000000002')) AS acp_rows_left;
