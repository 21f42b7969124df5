-- Events (tasks.events, tasks.events_since) and history (tasks.task_history), written by
-- triggers on tasks.tasks and its child tables in the transaction of every change.
-- Positions are global, so the output shows the order of events, never their positions.
CREATE TEMP TABLE labels (id uuid PRIMARY KEY, label text);
GRANT SELECT ON labels TO PUBLIC;
-- a uuid as the name of what it identifies; an instant as how long ago it is (<just now>, <40 days ago>)
CREATE FUNCTION pg_temp.name_of(v jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT CASE
		WHEN v IS NULL OR v = 'null' THEN 'null'
		WHEN jsonb_typeof(v) = 'object' THEN (SELECT string_agg(k || '=' || pg_temp.name_of(x), ',' ORDER BY k) FROM jsonb_each(v) AS e(k, x))
		WHEN jsonb_typeof(v) <> 'string' THEN v::text
		WHEN v #>> '{}' ~ '^[0-9a-f]{8}-' THEN coalesce(
			(SELECT l.label FROM pg_temp.labels l WHERE l.id = (v #>> '{}')::uuid),
			(SELECT m.name FROM tasks.members m WHERE m.id = (v #>> '{}')::uuid),
			(SELECT s.name FROM tasks.statuses s WHERE s.id = (v #>> '{}')::uuid),
			(SELECT r.name FROM tasks.records r WHERE r.id = (v #>> '{}')::uuid), '?')
		WHEN v #>> '{}' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AND (v #>> '{}')::timestamptz BETWEEN now() - interval '1 hour' AND now() THEN '<just now>'
		WHEN v #>> '{}' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AND (v #>> '{}')::timestamptz BETWEEN now() - interval '40 days 1 hour' AND now() - interval '40 days' THEN '<40 days ago>'
		ELSE v #>> '{}' END
$$;
-- the current workspace's events after a position: type, task, actor, what
CREATE FUNCTION pg_temp.events(after bigint, max_events integer DEFAULT 1000) RETURNS TABLE (type text, task text, actor text, what text) LANGUAGE sql AS $$
	SELECT e ->> 'type', pg_temp.name_of(e -> 'task_id'), pg_temp.name_of(e -> 'actor'),
		   CASE WHEN e ->> 'type' = 'task.updated'
				THEN (SELECT string_agg(k || ': ' || pg_temp.name_of(c -> 'old') || ' -> ' || pg_temp.name_of(c -> 'new'), '; ' ORDER BY k)
						FROM jsonb_each(e #> '{payload,changes}') AS x(k, c))
					 || coalesce(' (version ' || (e #>> '{payload,version}') || ')', '')
				ELSE format('title=%s version=%s deleted_at=%s', e #>> '{payload,title}', e #>> '{payload,version}', pg_temp.name_of(e #> '{payload,deleted_at}')) END
	  FROM jsonb_array_elements(tasks.events_since(after, max_events)) WITH ORDINALITY AS a(e, o)
	 ORDER BY o
$$;
-- the history of a task: actor, field, old, new
CREATE FUNCTION pg_temp.history(id uuid, include_deleted boolean DEFAULT false) RETURNS TABLE (actor text, field text, old text, new text) LANGUAGE sql AS $$
	SELECT pg_temp.name_of(h -> 'actor'), h ->> 'field', pg_temp.name_of(h -> 'old'), pg_temp.name_of(h -> 'new')
	  FROM jsonb_array_elements(tasks.task_history(id, include_deleted)) WITH ORDINALITY AS a(h, o)
	 ORDER BY o
$$;
CREATE FUNCTION pg_temp.try(call text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	EXECUTE 'SELECT ' || call INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'detail', CASE WHEN det ~ '^[\[{]' THEN det::jsonb ELSE to_jsonb(det) END);
END $$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8130-000000000011", "name": "Events A"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8130-000000000012", "name": "Events B"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000012';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000211", "name": "Bea"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000011';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000111", "name": "Ann"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000112", "name": "Bob"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8130-000000000113", "name": "bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8130-000000000311", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8130-000000000312", "kind": "company", "name": "Acme"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8130-000000000111';
SELECT tasks.events_frontier() AS start \gset

-- a create writes one task.created carrying the row, whatever children it has
SELECT tasks.task_create('{"title": "Call Hans", "contact_name": "hans mueller", "assignee_ids": ["00000000-0000-7000-8130-000000000112"], "notes": ["n"], "tags": ["a"]}') ->> 'id' AS t1 \gset
INSERT INTO labels VALUES (:'t1', 't1');
SELECT * FROM pg_temp.events(:start);
SELECT count(*) AS history_on_create FROM tasks.task_history WHERE task_id = :'t1';
-- the payload is the stored row: UTC instants with milliseconds whatever TimeZone and DateStyle say
SET TimeZone = 'America/Santiago';
SET DateStyle = 'SQL, DMY';
SELECT tasks.task_create('{"title": "Timed", "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin", "priority": "high", "sort_order": 1.5}') ->> 'id' AS t2 \gset
INSERT INTO labels VALUES (:'t2', 't2');
SELECT e #>> '{payload,due_at}' AS due_at, e #>> '{payload,due_timezone}' AS zone, e #> '{payload,sort_order}' AS sort_order,
	   e #> '{payload,tags}' AS tags, e #> '{payload,metadata}' AS metadata, e #> '{payload,version}' AS version,
	   (e #>> '{payload,created_at}') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS created_at_utc,
	   (e ->> 'created_at') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS event_at_utc
  FROM jsonb_array_elements(tasks.events_since(:start)) e WHERE e ->> 'task_id' = :'t2';
RESET TimeZone;
RESET DateStyle;
-- a dialect's create is one task.created too
SELECT tasks_vambe.task_create('{"title": "Via Vambe", "responsibleIds": ["00000000-0000-7000-8130-000000000112"], "priority": "0", "dueDate": "2026-05-01"}') ->> 'id' AS t3 \gset
INSERT INTO labels VALUES (:'t3', 't3');
SELECT tasks.events_frontier() AS mark \gset
SELECT * FROM pg_temp.events(:start) OFFSET 2;

-- updates: one task.updated per changed row with every changed column, old and new
UPDATE tasks.tasks SET title = 'Call Hans back', priority = 'urgent', tags = '{a,b}', version = version + 1, updated_at = now() WHERE id = :'t1';
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8130-000000000011' AND name = 'Done'),
	   completed_at = now(), version = version + 1 WHERE id = :'t1';
UPDATE tasks.tasks SET due_date = '2026-06-01', due_at = NULL, due_timezone = NULL, metadata = '{"k": 1}' WHERE id = :'t2';
SELECT * FROM pg_temp.events(:mark);
-- bookkeeping only (updated_at, version) or the same values again: nothing
SELECT tasks.events_frontier() AS mark \gset
UPDATE tasks.tasks SET updated_at = now() + interval '1 second', version = version + 1 WHERE id = :'t1';
UPDATE tasks.tasks SET title = title, tags = tags, metadata = metadata WHERE id = :'t2';
SELECT count(*) AS no_change_events FROM pg_temp.events(:mark);

-- assignees, links and dependencies of an existing task: one task.updated per added or removed row
INSERT INTO tasks.task_assignees (workspace_id, task_id, member_id) VALUES ('00000000-0000-7000-8130-000000000011', :'t1', '00000000-0000-7000-8130-000000000113');
DELETE FROM tasks.task_assignees WHERE task_id = :'t1' AND member_id = '00000000-0000-7000-8130-000000000112';
INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id) VALUES ('00000000-0000-7000-8130-000000000011', :'t1', 'company', 'company', '00000000-0000-7000-8130-000000000312');
DELETE FROM tasks.task_links WHERE task_id = :'t1' AND kind = 'contact';
INSERT INTO tasks.task_dependencies (workspace_id, task_id, depends_on_id) VALUES ('00000000-0000-7000-8130-000000000011', :'t1', :'t2');
SELECT * FROM pg_temp.events(:mark);
-- notes are not task fields: nothing
SELECT tasks.events_frontier() AS mark \gset
INSERT INTO tasks.notes (workspace_id, task_id, body) VALUES ('00000000-0000-7000-8130-000000000011', :'t1', 'another note');
SELECT count(*) AS note_events FROM pg_temp.events(:mark);

-- delete and restore
SELECT tasks.task_delete(:'t3') IS NOT NULL AS deleted, tasks.task_restore(:'t3') IS NOT NULL AS restored;
SELECT * FROM pg_temp.events(:mark);
-- a plain SQL delete of a live task is a task.deleted (the row as it was); its children's removals are not events
SELECT tasks.events_frontier() AS mark \gset
SELECT tasks.task_create('{"title": "Short-lived", "assignee_ids": ["00000000-0000-7000-8130-000000000112"]}') ->> 'id' AS t4 \gset
INSERT INTO labels VALUES (:'t4', 't4');
DELETE FROM tasks.tasks WHERE id = :'t4';
SELECT * FROM pg_temp.events(:mark);
-- purging a soft-deleted task is no event (its deletion was); a live task depending on it loses the dependency
SELECT tasks.events_frontier() AS mark \gset
SELECT tasks.task_delete(:'t2') IS NOT NULL AS deleted;
UPDATE tasks.tasks SET deleted_at = now() - interval '40 days' WHERE id = :'t2';
SELECT tasks.task_purge() >= 1 AS purged;
SELECT * FROM pg_temp.events(:mark);
SELECT count(*) AS t2_events_kept FROM tasks.events WHERE task_id = :'t2';

-- nothing of a rolled-back or failed write ever becomes an event
SELECT tasks.events_frontier() AS mark \gset
BEGIN;
SELECT tasks.task_create('{"title": "Rolled back"}') IS NOT NULL AS created;
UPDATE tasks.tasks SET title = 'rolled back too' WHERE id = :'t1';
ROLLBACK;
BEGIN;
SELECT tasks.task_create('{"title": "Kept"}') ->> 'id' AS t5 \gset
SAVEPOINT s;
SELECT tasks.task_create('{"title": "Undone by savepoint"}') IS NOT NULL AS created;
ROLLBACK TO SAVEPOINT s;
COMMIT;
INSERT INTO labels VALUES (:'t5', 't5');
SELECT pg_temp.try($$tasks.task_create('{"title": ""}')$$) ->> 'sqlstate' AS failed_create;
SELECT pg_temp.try($$tasks_vambe.task_create('{"title": "x", "priority": "9"}')$$) ->> 'sqlstate' AS failed_vambe;
SELECT * FROM pg_temp.events(:mark);
-- an event is written in the writer's transaction: not readable before it commits
SELECT tasks.events_frontier() AS mark \gset
BEGIN;
SELECT tasks.task_create('{"title": "Pending"}') IS NOT NULL AS created;
SELECT count(*) AS own_uncommitted_events FROM pg_temp.events(:mark);
ROLLBACK;

-- reading: pages in order; replaying from any position gives the same sequence
SELECT count(*) AS all_events FROM pg_temp.events(:start);
SELECT (SELECT array_agg((e ->> 'position')::bigint ORDER BY o) FROM jsonb_array_elements(tasks.events_since(:start, 1000)) WITH ORDINALITY AS a(e, o))
	 = (SELECT array_agg((e ->> 'position')::bigint ORDER BY (e ->> 'position')::bigint) FROM jsonb_array_elements(tasks.events_since(:start, 1000)) e) AS ascending;
SELECT jsonb_array_length(tasks.events_since(:start, 3)) AS page_size;
SELECT tasks.events_since(:start, 3) || tasks.events_since((tasks.events_since(:start, 3) -> 2 ->> 'position')::bigint, 1000)
	 = tasks.events_since(:start, 1000) AS pages_join;
SELECT tasks.events_since((tasks.events_since(:start, 1000) -> -1 ->> 'position')::bigint) AS after_last;
SELECT jsonb_array_length(tasks.events_since()) >= jsonb_array_length(tasks.events_since(:start, 1000)) AS from_the_start;
SELECT pg_temp.try('tasks.events_since(-1, 0)') AS bad_args;
SELECT pg_temp.try('tasks.events_since(0, 1001)') -> 'detail' AS too_many;
SELECT tasks.events_since(NULL) IS NULL AS strict_null;
-- the event fields
SELECT string_agg(k, ', ' ORDER BY k) AS event_keys FROM jsonb_object_keys(tasks.events_since(:start, 1) -> 0) k;
SELECT tasks_v1.events_since(:start, 1000) = tasks.events_since(:start, 1000) AS v1_same;

-- workspaces never see each other's events
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000012';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000211';
SELECT tasks.task_create('{"title": "In B"}') ->> 'id' AS b1 \gset
INSERT INTO labels VALUES (:'b1', 'b1');
SELECT * FROM pg_temp.events(:start);
SELECT pg_temp.try(format('tasks.task_history(%L)', :'t1')) AS a_history_from_b;
-- ... also under row level security, reading the tables directly
CREATE ROLE lifecycle_events_reader;
GRANT USAGE ON SCHEMA tasks TO lifecycle_events_reader;
GRANT SELECT ON tasks.events, tasks.task_history TO lifecycle_events_reader;
GRANT EXECUTE ON FUNCTION tasks.current_workspace_id() TO lifecycle_events_reader;
SELECT tasks.workspace_grant('00000000-0000-7000-8130-000000000012', 'lifecycle_events_reader');
SET ROLE lifecycle_events_reader;
SELECT count(DISTINCT workspace_id) AS workspaces, count(*) > 0 AS own_events FROM tasks.events;
SELECT count(*) AS foreign_history FROM tasks.task_history WHERE workspace_id = '00000000-0000-7000-8130-000000000011';
RESET ROLE;
DROP OWNED BY lifecycle_events_reader;
DROP ROLE lifecycle_events_reader;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000011';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000111';

-- the actor: the JWT's member_id over the settings; none at all is null
SELECT tasks.events_frontier() AS mark \gset
BEGIN;
SELECT set_config('request.jwt.claims', '{"workspace_id": "00000000-0000-7000-8130-000000000011", "member_id": "00000000-0000-7000-8130-000000000112"}', true) IS NOT NULL AS claims;
UPDATE tasks.tasks SET title = 'by Bob' WHERE id = :'t5';
COMMIT;
RESET tasks.actor_id;
UPDATE tasks.tasks SET title = 'by nobody' WHERE id = :'t5';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000111';
SELECT * FROM pg_temp.events(:mark);

-- history: who changed which field from what to what, oldest first
SELECT * FROM pg_temp.history(:'t1');
SELECT * FROM pg_temp.history(:'t3');
SELECT h ? 'at' AND h ? 'position' AS has_at_and_position FROM jsonb_array_elements(tasks.task_history(:'t1')) h LIMIT 1;
SELECT tasks_v1.task_history(:'t1') = tasks.task_history(:'t1') AS v1_same;
SELECT pg_temp.try(format('tasks.task_history(%L)', '00000000-0000-7000-8130-0000000009ff')) AS unknown_task;
-- each history row belongs to the event that recorded it
SELECT bool_and(EXISTS (SELECT 1 FROM tasks.events e WHERE e.workspace_id = h.workspace_id AND e.position = h.position AND e.task_id = h.task_id)) AS history_has_events
  FROM tasks.task_history h WHERE h.workspace_id = '00000000-0000-7000-8130-000000000011';

-- with row_security off (as pg_dump and pg_restore scripts set it) nothing is written: a restore brings events back as they were
SELECT tasks.events_frontier() AS mark \gset
SET row_security = off;
INSERT INTO tasks.tasks (workspace_id, id, title, status_id) SELECT workspace_id, tasks.uuid_generate_v7(), 'restored row', status_id FROM tasks.tasks WHERE id = :'t5';
UPDATE tasks.tasks SET title = 'changed while restoring' WHERE id = :'t5';
RESET row_security;
SELECT count(*) AS restore_events FROM pg_temp.events(:mark);

-- retention: events older than the retention go; negative retentions are refused
UPDATE tasks.events SET created_at = now() - interval '31 days' WHERE task_id = :'t4';
SELECT tasks.events_purge() >= 2 AS events_purged;
SELECT count(*) AS t4_events FROM tasks.events WHERE task_id = :'t4';
SELECT pg_temp.try($$to_jsonb(tasks.events_purge('-1 second'))$$) -> 'detail' AS negative;

-- deleting a workspace takes its events and history with it
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8130-000000000013", "name": "Events C"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000013';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000321';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000321", "name": "Cid"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "In C", "assignee_ids": ["00000000-0000-7000-8130-000000000321"]}') ->> 'id' AS c1 \gset
UPDATE tasks.tasks SET title = 'In C, changed' WHERE id = :'c1';
SELECT (SELECT count(*) FROM tasks.events WHERE workspace_id = '00000000-0000-7000-8130-000000000013') AS events,
	   (SELECT count(*) FROM tasks.task_history WHERE workspace_id = '00000000-0000-7000-8130-000000000013') AS history;
DELETE FROM tasks.workspaces WHERE id = '00000000-0000-7000-8130-000000000013';
SELECT (SELECT count(*) FROM tasks.events WHERE workspace_id = '00000000-0000-7000-8130-000000000013') AS events,
	   (SELECT count(*) FROM tasks.task_history WHERE workspace_id = '00000000-0000-7000-8130-000000000013') AS history;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000011';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000111';

-- the frontier: no open writer, so it is the last position handed out
SELECT tasks.events_frontier() = (SELECT last_value FROM tasks.events_position_seq) AS frontier_is_last;
-- the tables are kept by pg_dump
SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) AS dumped FROM pg_extension, unnest(extconfig) c
 WHERE extname = 'tasks' AND c::regclass::text IN ('tasks.events', 'tasks.task_history', 'tasks.events_position_seq');
