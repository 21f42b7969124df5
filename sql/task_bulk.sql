-- tasks.task_create_many(jsonb): bulk create, one rule per line.
-- Summary of a call: "created/failed" and each failed item's problems, or the error's problems.
CREATE FUNCTION pg_temp.bulk(payload text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks.task_create_many(payload::jsonb);
	RETURN format('created %s failed %s', r ->> 'created', r ->> 'failed')
		|| coalesce(' ' || (SELECT string_agg(format('[%s] %s', x ->> 'index',
						(SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code') || coalesce('(' || (e ->> 'sqlstate') || ')', ''), ' ')
						   FROM jsonb_array_elements(x -> 'errors') e)), ' ' ORDER BY (x ->> 'index')::int)
						   FROM jsonb_array_elements(r -> 'results') x WHERE x ? 'errors'), '');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || coalesce(' ' || (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ')
								   FROM jsonb_array_elements(CASE WHEN det LIKE '[%' THEN det::jsonb ELSE '[]' END) e), '');
END $$;
-- the tasks of the workspace: how many, and with one title
CREATE FUNCTION pg_temp.n(wanted text DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM tasks.tasks t
	 WHERE t.workspace_id = '00000000-0000-7000-8140-000000010001' AND (wanted IS NULL OR t.title = wanted)
$$;
-- the stored task of result item i (of a result kept with \gset), read back through the native shape
CREATE FUNCTION pg_temp.item(r jsonb, i int) RETURNS jsonb LANGUAGE sql AS $$
	SELECT tasks.task_get((r -> 'results' -> i ->> 'id')::uuid)
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000010001", "name": "Bulk"}') IS NOT NULL AS ws;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000010002", "name": "Bulk other"}') IS NOT NULL AS ws_other;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000010002';
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000010302", "kind": "contact", "name": "Otto Other"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000010001';
SET tasks.actor_id = '00000000-0000-7000-8140-000000010101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8140-000000010101", "name": "Bulk Actor"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000010301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;

-- all_or_none (the default): every item valid, every item created, results by index
SELECT pg_temp.bulk('{"tasks": [{"title": "a1"}, {"title": "a2"}, {"title": "a3"}]}');
SELECT pg_temp.n() AS tasks_after_3;
SELECT jsonb_agg(x - 'id' ORDER BY (x ->> 'index')::int) AS results, bool_and(x ? 'id') AS all_ids
  FROM jsonb_array_elements(tasks.task_create_many('{"tasks": [{"title": "a4"}, {"title": "a5"}]}') -> 'results') x;
-- the ids returned are the stored tasks, in input order
SELECT tasks.task_create_many('{"tasks": [{"title": "o1"}, {"title": "o2"}, {"title": "o3"}]}') AS r \gset
SELECT array_agg(pg_temp.item(:'r', i) ->> 'title' ORDER BY i) AS titles FROM generate_series(0, 2) i;
-- all_or_none with invalid items: one 22023 listing every item's problems by index, nothing stored
SELECT pg_temp.n() AS before;
SELECT pg_temp.bulk('{"tasks": [{"title": "ok"}, {"title": ""}, {"title": "ok", "priority": "asap", "colour": 1}, {}]}');
SELECT pg_temp.n() AS after_nothing_stored, pg_temp.n('ok') AS no_ok_task;
-- "mode": "all_or_none" said explicitly is the same
SELECT pg_temp.bulk('{"mode": "all_or_none", "tasks": [{"title": "ok"}, {"title": 1}]}');
-- the error names the batch and counts the problems
DO $$ DECLARE h text; BEGIN PERFORM tasks.task_create_many('{"tasks": [{"title": ""}, {}]}');
EXCEPTION WHEN invalid_parameter_value THEN GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT; RAISE NOTICE '% / %', SQLERRM, h; END $$;
-- best_effort: valid items stored, invalid ones reported by index with paths into the request
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{"title": "b1"}, {"title": ""}, {"title": "b3", "priority": "asap"}, {"title": "b4"}]}');
SELECT pg_temp.n('b1') AS b1, pg_temp.n('b3') AS b3_not_stored, pg_temp.n('b4') AS b4;
-- best_effort with every item invalid: nothing created, still an answer (not an error)
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{}, {"title": null}]}');
-- a result is either an id or an error list, never both
SELECT x ? 'id' AS has_id, x ? 'errors' AS has_errors
  FROM jsonb_array_elements(tasks.task_create_many('{"mode": "best_effort", "tasks": [{"title": "c1"}, {}]}') -> 'results') x
 ORDER BY (x ->> 'index')::int;

-- the envelope: checked before any item runs, one 22023 for the call (also in best_effort)
SELECT pg_temp.bulk('[]');
SELECT pg_temp.bulk('"tasks"');
SELECT pg_temp.bulk('{}');
SELECT pg_temp.bulk('{"tasks": null}');
SELECT pg_temp.bulk('{"tasks": {"title": "x"}}');
SELECT pg_temp.bulk('{"tasks": []}');
SELECT pg_temp.bulk('{"tasks": [{"title": "x"}], "colour": "red"}');
SELECT pg_temp.bulk('{"tasks": [{"title": "x"}], "mode": "some"}');
SELECT pg_temp.bulk('{"tasks": [{"title": "x"}], "mode": 1}');
SELECT pg_temp.bulk('{"tasks": [{"title": "x"}], "mode": "BEST_EFFORT"}');
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [], "colour": 1}');
-- at most 1000 tasks: 1001 is refused before any work, 1000 is accepted
SELECT pg_temp.bulk(jsonb_build_object('tasks', (SELECT jsonb_agg(jsonb_build_object('title', 't' || i)) FROM generate_series(1, 1001) i))::text);
SELECT pg_temp.n('t1') AS nothing_from_1001;
-- (all 1000 invalid here, so nothing is written; the count of results shows all were run)
SELECT r ->> 'created' AS created, r ->> 'failed' AS failed, jsonb_array_length(r -> 'results') AS results
  FROM tasks.task_create_many(jsonb_build_object('mode', 'best_effort',
		'tasks', (SELECT jsonb_agg(jsonb_build_object('title', '')) FROM generate_series(1, 1000) i))) r;
-- an item that is not an object is reported at its index
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": ["title", null, [], {"title": "d1"}]}');

-- defaults: applied to every item
SELECT tasks.task_create_many('{"defaults": {"priority": "high", "tags": ["imported"], "status": "Backlog"},
                                "tasks": [{"title": "e1"}, {"title": "e2", "priority": "low"}, {"title": "e3", "priority": null, "status": "todo"}]}') AS r \gset
SELECT t ->> 'title' AS title, t ->> 'priority' AS priority, t -> 'tags' AS tags, t -> 'status' ->> 'name' AS status
  FROM generate_series(0, 2) i, LATERAL pg_temp.item(:'r', i) t ORDER BY i;
-- a default the item sets wins, also for arrays (no merging)
SELECT tasks.task_create_many('{"defaults": {"tags": ["a", "b"], "contact_id": "00000000-0000-7000-8140-000000010301"},
                                "tasks": [{"title": "f1", "tags": ["c"]}]}') AS r \gset
SELECT pg_temp.item(:'r', 0) -> 'tags' AS tags_from_item, pg_temp.item(:'r', 0) -> 'links' -> 0 ->> 'name' AS linked_by_default;
-- a default can be any native key, including a name to resolve and a title
SELECT tasks.task_create_many('{"defaults": {"title": "Untitled", "contact_name": "hans mueller"}, "tasks": [{}]}') AS r \gset
SELECT pg_temp.item(:'r', 0) ->> 'title' AS default_title, pg_temp.item(:'r', 0) -> 'links' -> 0 ->> 'name' AS resolved;
-- a local date-time in the defaults may take its zone from the item
SELECT tasks.task_create_many('{"defaults": {"due_at": "2026-03-10T09:00"}, "tasks": [{"title": "g1", "timezone": "Europe/Berlin"}]}') AS r \gset
SELECT pg_temp.item(:'r', 0) ->> 'due_at' AS due_at;
-- ... and an item without one is reported at the default's path
SELECT pg_temp.bulk('{"mode": "best_effort", "defaults": {"due_at": "2026-03-10T09:00"}, "tasks": [{"title": "g2"}, {"title": "g3", "timezone": "UTC"}]}');
-- invalid defaults fail the whole call at /defaults/..., in either mode
SELECT pg_temp.bulk('{"mode": "best_effort", "defaults": {"priority": "asap"}, "tasks": [{"title": "h1"}]}');
SELECT pg_temp.bulk('{"mode": "best_effort", "defaults": {"colour": "red", "tags": "x"}, "tasks": [{"title": "h1"}]}');
SELECT pg_temp.bulk('{"defaults": ["priority"], "tasks": [{"title": "h1"}]}');
SELECT pg_temp.bulk('{"defaults": {"title": ""}, "tasks": [{"title": "h1"}]}');
SELECT pg_temp.bulk('{"defaults": {"due_date": "2026-03-10", "due_at": "2026-03-10T09:00:00Z"}, "tasks": [{"title": "h1"}]}');
-- an external id cannot be shared by every item
SELECT pg_temp.bulk('{"defaults": {"external_id": "same"}, "tasks": [{"title": "h1"}]}');
SELECT pg_temp.n('h1') AS nothing_stored;
-- "defaults": null is no defaults
SELECT pg_temp.bulk('{"defaults": null, "tasks": [{"title": "h2"}]}');
-- a default that names nothing in the workspace: listed once in all_or_none ...
SELECT pg_temp.bulk('{"defaults": {"status": "Nope"}, "tasks": [{"title": "i1"}, {"title": "i2"}, {"title": "i3", "status": "Done"}]}');
-- ... and on every item that used it in best_effort
SELECT pg_temp.bulk('{"mode": "best_effort", "defaults": {"status": "Nope"}, "tasks": [{"title": "i1"}, {"title": "i2", "status": "Done"}]}');
SELECT pg_temp.n('i1') AS i1_not_stored, pg_temp.n('i2') AS i2_stored;

-- each item runs the whole create pipeline: names, references, workspace isolation
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{"title": "j1", "contact_name": "hans mueller"}, {"title": "j2", "contact_name": "Nobody Known"},
                     {"title": "j3", "contact_id": "00000000-0000-7000-8140-000000010302"}, {"title": "j4", "assignee_ids": ["00000000-0000-7000-8140-000000010102"]},
                     {"title": "j5", "dependency_ids": ["00000000-0000-7000-8140-000000010999"]}]}');
SELECT pg_temp.n('j1') AS resolved_by_name, pg_temp.n('j3') AS other_workspace_record_refused;
-- external ids are unique across the batch too: the second item sees the first
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{"title": "k1", "external_id": "k"}, {"title": "k2", "external_id": "k"}]}');
SELECT pg_temp.bulk('{"tasks": [{"title": "k3", "external_id": "k-new"}, {"title": "k4", "external_id": "k-new"}]}');
SELECT pg_temp.n('k3') AS k3_rolled_back;
-- the creator is the actor, as in the single create
SELECT tasks.task_create_many('{"tasks": [{"title": "l1"}]}') AS r \gset
SELECT pg_temp.item(:'r', 0) ->> 'created_by' AS created_by;

-- an item that raises while being stored (here: a trigger): best_effort reports it with its
-- SQLSTATE, rolls back only that item, and keeps every other one exactly once
CREATE FUNCTION public.bulk_test_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.title LIKE 'boom%' THEN
		RAISE EXCEPTION 'refused by a trigger' USING ERRCODE = CASE NEW.title WHEN 'boom' THEN '23514'
																 WHEN 'boom-unique' THEN '23505'
																 WHEN 'boom-data' THEN '22003'
																 ELSE '40001' END;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER bulk_test BEFORE INSERT ON tasks.tasks FOR EACH ROW EXECUTE FUNCTION public.bulk_test_trigger();
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{"title": "m1"}, {"title": "m2"}, {"title": "boom"}, {"title": "m4"}, {"title": "boom-unique"}, {"title": "boom-data"}, {"title": "m7"}]}');
SELECT pg_temp.n('m1') AS m1, pg_temp.n('m2') AS m2, pg_temp.n('boom') AS boom, pg_temp.n('m4') AS m4, pg_temp.n('m7') AS m7;
SELECT x - 'index' AS raised FROM jsonb_array_elements(tasks.task_create_many('{"mode": "best_effort", "tasks": [{"title": "boom"}]}') -> 'results') x;
-- an error that is not the item's fault (here a serialization failure) ends the call, nothing stored
SELECT pg_temp.bulk('{"mode": "best_effort", "tasks": [{"title": "n1"}, {"title": "boom-serial"}, {"title": "n3"}]}');
SELECT pg_temp.n('n1') AS n1_not_stored;
-- in all_or_none a raised error ends the call as it is, nothing stored
SELECT pg_temp.bulk('{"tasks": [{"title": "p1"}, {"title": "boom"}]}');
SELECT pg_temp.n('p1') AS p1_not_stored;
DROP TRIGGER bulk_test ON tasks.tasks;
DROP FUNCTION public.bulk_test_trigger();

-- the call happens in the caller's transaction: a rollback takes every item back
BEGIN;
SELECT pg_temp.bulk('{"tasks": [{"title": "q1"}, {"title": "q2"}]}');
ROLLBACK;
SELECT pg_temp.n('q1') AS q1_rolled_back;

-- identity: no workspace, no call
RESET tasks.workspace_id;
SELECT pg_temp.bulk('{"tasks": [{"title": "r1"}]}');
SET tasks.workspace_id = '00000000-0000-7000-8140-000000010001';
-- tasks_v1.task_create_many answers the same from SQL
SELECT (tasks_v1.task_create_many('{"tasks": [{"title": "s1"}, {"title": "s2"}]}') - 'results') AS v1;
-- the function is volatile, strict and not callable by PUBLIC
SELECT p.oid::regprocedure, p.provolatile, p.proisstrict, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
  FROM pg_proc p WHERE p.proname = 'task_create_many' ORDER BY p.oid::regprocedure::text COLLATE "C";

-- over PostgREST (the request replayed as PostgREST sends it, as role tasks_api):
-- 200 with the results; 422 validation_failed with every problem; nothing stored then
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
CREATE FUNCTION pg_temp.http(body jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('search_path', '"tasks_v1", "public"', true),
			set_config('role', 'tasks_api', true),
			set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8140-000000010001", "member_id": "00000000-0000-7000-8140-000000010101"}', true),
			set_config('request.method', 'POST', true),
			set_config('request.headers', '{}', true);
	b := tasks_v1.task_create_many(body);
	RETURN current_setting('response.status', true) || ' ' || (b - 'results' - 'errors')::text
		|| coalesce(' ' || (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(b -> 'errors') e), '');
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.http(jsonb) TO PUBLIC;
BEGIN;
SELECT pg_temp.http('{"tasks": [{"title": "u1"}, {"title": "u2"}]}');
SELECT count(*) AS stored_as_api_role FROM tasks.tasks WHERE title IN ('u1', 'u2');
ROLLBACK;
BEGIN;
SELECT pg_temp.http('{"tasks": [{"title": "u3"}, {"title": ""}]}');
SELECT count(*) AS nothing_stored FROM tasks.tasks WHERE title = 'u3';
ROLLBACK;
BEGIN;
SELECT pg_temp.http('{"mode": "best_effort", "tasks": [{"title": "u4"}, {"title": ""}]}');
ROLLBACK;
