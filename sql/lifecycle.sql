-- Delete, restore and purge: tasks.task_delete / task_restore / task_purge,
-- tasks_v1.task_delete / task_restore and Vambe's DELETE (tasks_vambe.task_delete).
-- try(): the result, or {sqlstate, detail} of the error (a failed call is rolled back).
CREATE FUNCTION pg_temp.try(call text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	EXECUTE 'SELECT ' || call INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'detail', CASE WHEN det ~ '^[\[{]' THEN det::jsonb ELSE to_jsonb(det) END);
END $$;
-- runs a statement: 'ok' or the SQLSTATE of its error
CREATE FUNCTION pg_temp.run(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.run(text) TO PUBLIC;
-- the stored soft-delete state of a task, whatever the workspace
CREATE FUNCTION pg_temp.state(id uuid) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce((SELECT format('deleted=%s by=%s version=%s', t.deleted_at IS NOT NULL,
								   coalesce(m.name, t.deleted_by::text, '-'), t.version)
					   FROM tasks.tasks t LEFT JOIN tasks.members m ON m.workspace_id = t.workspace_id AND m.id = t.deleted_by
					  WHERE t.id = state.id), 'gone')
$$;
-- One request as PostgREST sends it (claims name the workspace): status, headers and body.
CREATE FUNCTION pg_temp.http(claims jsonb, call text, headers jsonb DEFAULT '{}') RETURNS TABLE (status text, replayed boolean, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('request.jwt.claims', claims::text, true),
			set_config('request.method', 'POST', true),
			set_config('request.headers', headers::text, true);
	EXECUTE 'SELECT ' || call INTO b;
	RETURN QUERY SELECT nullif(current_setting('response.status', true), ''),
						coalesce(current_setting('response.headers', true), '') LIKE '%Idempotent-Replayed%',
						b - 'id' - 'created_at' - 'updated_at' - 'deleted_at' - 'workspace_id' #- '{status,id}';
END $$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8130-000000000001", "name": "Lifecycle A"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8130-000000000002", "name": "Lifecycle B"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000201", "name": "Bea"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "B task"}') ->> 'id' AS b_task \gset
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000101", "name": "Ann"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000102", "name": "Bob"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8130-000000000103", "name": "Gone", "active": false}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8130-000000000301", "kind": "contact", "name": "Camila Soto"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8130-000000000101';
SELECT tasks.task_create('{"title": "Write report", "assignee_ids": ["00000000-0000-7000-8130-000000000102"], "notes": ["a note"]}') ->> 'id' AS t1 \gset
SELECT tasks.task_create('{"title": "Second"}') ->> 'id' AS t2 \gset

-- soft delete: the task comes back with who and when; version + 1
SELECT r ->> 'title' AS title, r ->> 'deleted_by' AS deleted_by, (r ->> 'deleted_at')::timestamptz = date_trunc('milliseconds', now()) AS deleted_now,
	   r -> 'version' AS version FROM pg_temp.try(format('tasks.task_delete(%L)', :'t1')) r;
SELECT pg_temp.state(:'t1') AS stored;
SELECT deleted_at BETWEEN now() - interval '1 minute' AND now() AS stored_recently FROM tasks.tasks WHERE id = :'t1';
-- deleted tasks are invisible to reads
SELECT pg_temp.try(format('tasks.task_get(%L)', :'t1')) AS get_deleted;
SELECT pg_temp.try(format('tasks_v1.task_get(%L)', :'t1')) ->> 'sqlstate' AS v1_get_deleted;
SELECT count(*) AS in_view FROM tasks_v1.tasks WHERE id = :'t1';
SELECT count(*) AS live_in_view FROM tasks_v1.tasks WHERE id = :'t2';
-- a deleted task cannot be depended on
SELECT pg_temp.try(format('tasks.task_create(%L)', jsonb_build_object('title', 'x', 'dependency_ids', jsonb_build_array(:'t1')))) -> 'detail' AS depend_on_deleted;
-- deleting it again: not found, nothing changes
SELECT pg_temp.try(format('tasks.task_delete(%L)', :'t1')) AS delete_again;
SELECT pg_temp.state(:'t1') AS unchanged;
-- its children stay while it is only soft-deleted
SELECT (SELECT count(*) FROM tasks.task_assignees WHERE task_id = :'t1') AS assignees, (SELECT count(*) FROM tasks.notes WHERE task_id = :'t1') AS notes;

-- restore: visible again, deletion cleared, version + 1
SELECT r ->> 'title' AS title, r -> 'deleted_at' AS deleted_at, r -> 'deleted_by' AS deleted_by, r -> 'version' AS version
  FROM pg_temp.try(format('tasks.task_restore(%L)', :'t1')) r;
SELECT tasks.task_get(:'t1') ->> 'title' AS get_restored, pg_temp.state(:'t1') AS stored;
-- restoring a live task: not found (no deleted task with this id)
SELECT pg_temp.try(format('tasks.task_restore(%L)', :'t1')) AS restore_live;

-- unknown ids and other workspaces' ids are the same not found; the other workspace's task is untouched
SELECT pg_temp.try(format('tasks.task_delete(%L)', '00000000-0000-7000-8130-0000000009ff')) AS delete_unknown;
SELECT pg_temp.try(format('tasks.task_delete(%L)', :'b_task')) = pg_temp.try(format('tasks.task_delete(%L)', '00000000-0000-7000-8130-0000000009ff')) AS foreign_like_unknown;
SELECT pg_temp.try(format('tasks.task_restore(%L)', :'b_task')) ->> 'sqlstate' AS restore_foreign;
SELECT pg_temp.state(:'b_task') AS foreign_untouched;
-- NULL id: NULL (STRICT); no workspace: 28000
SELECT tasks.task_delete(NULL) IS NULL AS strict_null;
RESET tasks.workspace_id;
SELECT pg_temp.try(format('tasks.task_delete(%L)', :'t2')) ->> 'sqlstate' AS no_workspace;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000001';
-- without an actor, deleted_by stays null
RESET tasks.actor_id;
SELECT tasks.task_delete(:'t2') -> 'deleted_by' AS deleted_by_nobody;
SELECT tasks.task_restore(:'t2') IS NOT NULL AS restored;
SET tasks.actor_id = '00000000-0000-7000-8130-000000000101';
-- a delete rolled back with its transaction leaves the task live
BEGIN;
SELECT tasks.task_delete(:'t2') IS NOT NULL AS deleted_in_tx;
ROLLBACK;
SELECT pg_temp.state(:'t2') AS after_rollback;
-- the history of a deleted task only on request
SELECT tasks.task_delete(:'t2') IS NOT NULL AS deleted;
SELECT pg_temp.try(format('tasks.task_history(%L)', :'t2')) ->> 'sqlstate' AS history_hidden;
SELECT string_agg(h ->> 'field', ', ' ORDER BY h ->> 'field') AS history_fields
  FROM jsonb_array_elements(tasks.task_history(:'t2', true)) h WHERE h ->> 'position' = (SELECT max(position)::text FROM tasks.task_history WHERE task_id = :'t2');

-- purge: only tasks deleted longer ago than the retention, with their children and history.
-- Counted as a role under row level security (a superuser purges every workspace of the database).
CREATE ROLE lifecycle_purger;
GRANT USAGE ON SCHEMA tasks TO lifecycle_purger;
GRANT SELECT, DELETE ON tasks.tasks TO lifecycle_purger;
GRANT EXECUTE ON FUNCTION tasks.task_purge(interval), tasks.current_workspace_id() TO lifecycle_purger;
SELECT tasks.workspace_grant('00000000-0000-7000-8130-000000000001', 'lifecycle_purger');
SET ROLE lifecycle_purger;
SELECT tasks.task_purge() AS purged_nothing_recent;
RESET ROLE;
SELECT tasks.task_delete(:'t1') IS NOT NULL AS deleted;
UPDATE tasks.tasks SET deleted_at = now() - interval '31 days' WHERE id = :'t1';
SET ROLE lifecycle_purger;
SELECT tasks.task_purge() AS purged_default;
RESET ROLE;
SELECT pg_temp.state(:'t1') AS t1, pg_temp.state(:'t2') AS t2_kept;
SELECT (SELECT count(*) FROM tasks.task_assignees WHERE task_id = :'t1') AS assignees, (SELECT count(*) FROM tasks.notes WHERE task_id = :'t1') AS notes,
	   (SELECT count(*) FROM tasks.task_history WHERE task_id = :'t1') AS history, (SELECT count(*) > 0 FROM tasks.events WHERE task_id = :'t1') AS events_kept;
-- a purged task cannot be restored
SELECT pg_temp.try(format('tasks.task_restore(%L)', :'t1')) ->> 'sqlstate' AS restore_purged;
-- a retention of 0 purges every task deleted before this transaction: under row level security in the current workspace only
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000002';
SELECT tasks.task_delete(:'b_task') IS NOT NULL AS deleted_in_b;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000001';
SET ROLE lifecycle_purger;
SELECT tasks.task_purge('0') AS purged_in_a;
RESET ROLE;
SELECT pg_temp.state(:'t2') AS t2, pg_temp.state(:'b_task') AS b_task;
-- ... and as a superuser in every workspace
SELECT tasks.task_purge('0') >= 1 AS purged_everywhere;
SELECT pg_temp.state(:'b_task') AS b_task;
DROP OWNED BY lifecycle_purger;
DROP ROLE lifecycle_purger;
-- a negative retention is refused
SELECT pg_temp.try($$tasks.task_purge('-1 day')$$) AS negative;
SELECT tasks.task_purge(NULL) IS NULL AS strict_null;

-- tasks_v1 (SQL): {"id"} in; 22023 with every problem; PT404 with the v1 error body
SELECT tasks.task_create('{"title": "Third"}') ->> 'id' AS t3 \gset
SELECT r ->> 'title' AS title, r ->> 'deleted_by' AS deleted_by FROM pg_temp.try(format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3'))) r;
SELECT pg_temp.try(format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3'))) AS v1_delete_again;
SELECT r ->> 'title' AS title, r -> 'deleted_at' AS deleted_at FROM pg_temp.try(format('tasks_v1.task_restore(%L)', jsonb_build_object('id', :'t3'))) r;
SELECT pg_temp.try(format('tasks_v1.task_restore(%L)', jsonb_build_object('id', :'t3'))) AS v1_restore_live;
SELECT pg_temp.try($$tasks_v1.task_delete('{"id": "nope", "force": true}')$$) AS v1_bad_body;
SELECT pg_temp.try($$tasks_v1.task_delete('{}')$$) AS v1_missing_id;
SELECT pg_temp.try($$tasks_v1.task_delete('{"id": 7}')$$) -> 'detail' AS v1_id_number;
SELECT pg_temp.try($$tasks_v1.task_delete('[]')$$) -> 'detail' AS v1_not_object;
SELECT pg_temp.try(format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'b_task'))) AS v1_foreign;

-- Vambe DELETE /api/public/tasks/{id}: soft delete, interactive notes deleted, {"status": "success"}
SELECT tasks_vambe.task_create('{"title": "Llamar a Camila", "responsibleIds": ["00000000-0000-7000-8130-000000000102"], "aiContactId": "00000000-0000-7000-8130-000000000301", "priority": "1"}') ->> 'id' AS v1 \gset
INSERT INTO tasks.notes (workspace_id, task_id, body) VALUES ('00000000-0000-7000-8130-000000000001', :'v1', 'a plain note');
SELECT kind, body FROM tasks.notes WHERE task_id = :'v1' ORDER BY kind;
SELECT pg_temp.try(format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'v1'))) AS vambe_delete;
SELECT pg_temp.state(:'v1') AS stored;
SELECT kind, body FROM tasks.notes WHERE task_id = :'v1' ORDER BY kind;
-- the contact keeps no dangling note either
SELECT count(*) AS contact_notes FROM tasks.notes WHERE record_id = '00000000-0000-7000-8130-000000000301';
-- 404 in the NestJS shape: deleted, unknown, other organisation; nothing changes
SELECT replace(pg_temp.try(format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'v1')))::text, :'v1', '<v1>') AS vambe_again;
SELECT pg_temp.try($$tasks_vambe.task_delete('{"id": "00000000-0000-7000-8130-0000000009ff"}')$$) AS vambe_unknown;
SELECT pg_temp.try(format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'b_task'))) -> 'detail' ->> 'statusCode' AS vambe_foreign;
-- 400 Validation failed: every problem at once
SELECT pg_temp.try($$tasks_vambe.task_delete('{"id": "task-uuid-123", "force": true}')$$) AS vambe_bad;
SELECT pg_temp.try($$tasks_vambe.task_delete('{}')$$) -> 'detail' AS vambe_no_id;
SELECT pg_temp.try($$tasks_vambe.task_delete('"00000000-0000-7000-8130-0000000009ff"')$$) -> 'detail' AS vambe_not_object;
-- a Vambe task can be deleted natively too (its notes then stay) and any task through Vambe
SELECT tasks.task_create('{"title": "Native"}') ->> 'id' AS t4 \gset
SELECT pg_temp.try(format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'t4'))) AS vambe_native_task;
-- 401 when the caller is no active member; checked before the body
RESET tasks.actor_id;
SELECT pg_temp.try($$tasks_vambe.task_delete('{"id": "bad"}')$$) AS vambe_no_caller;
SET tasks.actor_id = '00000000-0000-7000-8130-000000000103';
SELECT pg_temp.try(format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'t3'))) -> 'detail' AS vambe_inactive_caller;
SELECT pg_temp.state(:'t3') AS t3_untouched;
SET tasks.actor_id = '00000000-0000-7000-8130-000000000101';
-- restoring a task deleted through Vambe brings the task back, not its interactive notes
SELECT tasks.task_restore(:'v1') ->> 'title' AS restored, (SELECT count(*) FROM tasks.notes WHERE task_id = :'v1' AND kind = 'interactive') AS interactive_notes;

-- Over HTTP (PostgREST): statuses and bodies; errors roll back, nothing is written
RESET tasks.workspace_id;
RESET tasks.actor_id;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3'))) \gset http_
SELECT :'http_status' AS status, (:'http_body'::jsonb) ->> 'title' AS title, (:'http_body'::jsonb) ->> 'deleted_by' AS deleted_by;
COMMIT;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3')));
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001"}', $$tasks_v1.task_restore('{"id": "x"}')$$);
ROLLBACK;
BEGIN;
SELECT status, body ->> 'title' AS title FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001"}',
						   format('tasks_v1.task_restore(%L)', jsonb_build_object('id', :'t3')));
COMMIT;
-- Idempotency-Key: a retried delete replays the first answer instead of a 404
BEGIN;
SELECT status, replayed, body ->> 'title' AS title FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3')), '{"idempotency-key": "lc-del-1"}');
COMMIT;
BEGIN;
SELECT status, replayed, body ->> 'title' AS title FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_v1.task_delete(%L)', jsonb_build_object('id', :'t3')), '{"idempotency-key": "lc-del-1"}');
COMMIT;
-- Vambe over HTTP: 200 success, 404, 400, 401
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000001';
SELECT tasks.task_create('{"title": "Fifth"}') ->> 'id' AS t5 \gset
RESET tasks.workspace_id;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'t5')));
COMMIT;
BEGIN;
SELECT status, replace(body::text, :'t5', '<t5>') AS body FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'t5')));
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   $$tasks_vambe.task_delete('{"id": "nope"}')$$);
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001"}', $$tasks_vambe.task_delete('{"id": "nope"}')$$);
ROLLBACK;
SELECT pg_temp.state(:'t5') AS t5;

-- as the API role behind PostgREST: its grants suffice, and it sees only its workspace
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
SET tasks.workspace_id = '00000000-0000-7000-8130-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8130-000000000101';
SELECT tasks_vambe.task_create('{"title": "Llamar otra vez", "responsibleIds": ["00000000-0000-7000-8130-000000000102"], "aiContactId": "00000000-0000-7000-8130-000000000301", "priority": "1"}') ->> 'id' AS v2 \gset
RESET tasks.workspace_id;
RESET tasks.actor_id;
BEGIN;
SET LOCAL ROLE tasks_api;
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_vambe.task_delete(%L)', jsonb_build_object('id', :'v2')));
SELECT * FROM pg_temp.http('{"workspace_id": "00000000-0000-7000-8130-000000000001", "member_id": "00000000-0000-7000-8130-000000000101"}',
						   format('tasks_v1.task_restore(%L)', jsonb_build_object('id', :'v2'))) \gset api_
SELECT :'api_status' AS status, (:'api_body'::jsonb) ->> 'title' AS title;
SELECT count(*) AS history_rows_visible FROM tasks.task_history WHERE task_id = :'v2';
SELECT count(DISTINCT workspace_id) AS workspaces_seen FROM tasks.events;
COMMIT;
SELECT pg_temp.state(:'v2') AS v2, (SELECT count(*) FROM tasks.notes WHERE task_id = :'v2') AS v2_notes;
-- the API role cannot forge events or history, nor purge
BEGIN;
SET LOCAL ROLE tasks_api;
SELECT set_config('request.jwt.claims', '{"workspace_id": "00000000-0000-7000-8130-000000000001"}', true) IS NOT NULL AS claims;
SELECT pg_temp.run($$INSERT INTO tasks.events (workspace_id, position, task_id, type, payload) VALUES ('00000000-0000-7000-8130-000000000001', 1, '00000000-0000-7000-8130-0000000009ff', 'task.created', '{}')$$) AS insert_event,
	   pg_temp.run($$UPDATE tasks.events SET type = 'task.deleted'$$) AS update_event,
	   pg_temp.run($$DELETE FROM tasks.task_history$$) AS delete_history,
	   pg_temp.run($$SELECT tasks.task_purge()$$) AS task_purge,
	   pg_temp.run($$SELECT tasks.events_purge()$$) AS events_purge;
ROLLBACK;
