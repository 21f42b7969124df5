-- Serving through PostgREST: each request replayed statement by statement as
-- PostgREST sends it (transaction-local settings, role switch, pre-request,
-- the call), with status, headers and body read back from the settings.
SET client_min_messages = warning;
SELECT tasks.api_setup('tasks_test_authenticator');
RESET client_min_messages;
-- the secret PostgREST verifies bearer tokens with (its jwt-secret)
SET tasks.jwt_secret = 'test-secret-of-at-least-32-characters!!';
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8700-000000000001", "name": "HTTP A"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8700-000000000002", "name": "HTTP B"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8700-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8700-000000000201", "name": "Bea", "scopes": ["activities:write"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8700-000000000301", "kind": "contact", "name": "Bruno B"}') IS NOT NULL;
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8700-000000000201", "scopes": ["activities:write"]}') ->> 'key' AS key_b \gset
SET tasks.workspace_id = '00000000-0000-7000-8700-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8700-000000000101", "name": "Ada", "scopes": ["activities:write"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8700-000000000102", "name": "Reader"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8700-000000000302", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8700-000000000101", "scopes": ["activities:write"]}') ->> 'key' AS key_a \gset
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8700-000000000102"}') ->> 'key' AS key_reader \gset
-- a key is a JWT naming only itself; only its SHA-256 is stored
SELECT split_part(:'key_a', '.', 1) AS jwt_header,
	   (SELECT jsonb_object_keys_agg FROM (SELECT string_agg(k, ',' ORDER BY k) AS jsonb_object_keys_agg
		  FROM jsonb_object_keys(convert_from(decode(translate(split_part(:'key_a', '.', 2), '-_', '+/') || repeat('=', (4 - length(split_part(:'key_a', '.', 2)) % 4) % 4), 'base64'), 'UTF8')::jsonb) k) s) AS jwt_claims,
	   (SELECT count(*) FROM tasks.api_keys WHERE key_hash = sha256(convert_to(:'key_a', 'UTF8'))) AS stored_hashed;
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8700-0000000001ff", "prefix": "wbk"}');
RESET tasks.workspace_id;

-- One request: $1 profile, $2 headers, $3 function call; prints status, headers, body.
CREATE FUNCTION pg_temp.request(profile text, request_headers jsonb, call text, claims jsonb DEFAULT '{"role": "tasks_anon"}')
RETURNS TABLE (status text, headers text, body jsonb, role name)
LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('search_path', format('"%s", "public"', profile), true),
			set_config('role', claims ->> 'role', true),
			set_config('request.jwt.claims', claims::text, true),
			set_config('request.method', 'POST', true),
			set_config('request.path', '/rpc/task_create', true),
			set_config('request.headers', request_headers::text, true),
			set_config('request.cookies', '{}', true);
	PERFORM tasks.pre_request();
	EXECUTE call INTO b;
	RETURN QUERY SELECT nullif(current_setting('response.status', true), ''),
						regexp_replace(nullif(current_setting('response.headers', true), ''), '[0-9a-f]{8}-[0-9a-f-]{27}', '<id>'),
						((b - 'id' - 'created_at' - 'updated_at' - 'workspace_id') #- '{data,id}' #- '{data,created_date}' #- '{status,id}'),
						current_user;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.request(text, jsonb, text, jsonb) TO PUBLIC;

-- credentials: the dialect's documented header, its 401 body
BEGIN;
SELECT * FROM pg_temp.request('tasks_leadlex', '{}', $$SELECT tasks_leadlex.task_create('{"title": "x", "contact_id": "00000000-0000-7000-8700-000000000302"}')$$);
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_leadlex', '{"authorization": "Bearer wbk_nope"}', $$SELECT tasks_leadlex.task_create('{"title": "x"}')$$);
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_leadlex', format('{"x-api-key": "%s"}', :'key_a')::jsonb, $$SELECT tasks_leadlex.task_create('{"title": "x"}')$$);
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_vambe', '{}', $$SELECT tasks._error_body('vambe', 401, 'invalid_key', 'Missing API key')$$);
ROLLBACK;
-- x-api-key is the documented header of vambe and care (the profile comes from the request headers)
BEGIN;
SELECT status, body ->> 'title' AS title, role FROM pg_temp.request('tasks_vambe', format('{"content-profile": "tasks_vambe", "x-api-key": "%s"}', :'key_a')::jsonb,
	$$SELECT tasks_vambe.task_create('{"title": "Via x-api-key", "priority": "1", "responsibleIds": ["00000000-0000-7000-8700-000000000101"]}')$$);
ROLLBACK;
-- a header cannot widen the workspace: only the key's claims count
BEGIN;
SELECT status, body, role FROM pg_temp.request('tasks_leadlex', format('{"authorization": "Bearer %s", "x-workspace-id": "00000000-0000-7000-8700-000000000002", "request.jwt.claims": "{\"workspace_id\": \"00000000-0000-7000-8700-000000000002\"}"}', :'key_a')::jsonb,
	$$SELECT tasks_leadlex.task_create('{"title": "A task", "contact_id": "00000000-0000-7000-8700-000000000302"}')$$);
SELECT current_setting('request.jwt.claims')::jsonb ->> 'workspace_id' AS acting_workspace;
COMMIT;
-- another workspace's contact is exactly like one that does not exist
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_leadlex', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_leadlex.task_create('{"title": "x", "contact_id": "00000000-0000-7000-8700-000000000301"}')$$);
ROLLBACK;
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_leadlex', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_leadlex.task_create('{"title": "x", "contact_id": "00000000-0000-7000-8700-0000000003ff"}')$$);
ROLLBACK;
-- a key without the scope
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_leadlex', format('{"authorization": "Bearer %s"}', :'key_reader')::jsonb,
	$$SELECT tasks_leadlex.task_create('{"title": "x", "contact_id": "00000000-0000-7000-8700-000000000302"}')$$);
ROLLBACK;
-- a vendor error is the response: its status and body, nothing written
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_leadlex', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_leadlex.task_create('{"title": "Orphan"}')$$);
SELECT count(*) AS orphan_tasks FROM tasks.tasks WHERE title = 'Orphan';
COMMIT;
-- the native API: 201 with Location, 422 with every problem
BEGIN;
SELECT status, headers, body ->> 'title' AS title
  FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Native over HTTP", "contact_name": "hans mueller"}')$$);
COMMIT;
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "", "priority": "asap"}')$$);
ROLLBACK;
-- a bearer key as PostgREST hands it over: verified claims naming the key
BEGIN;
SELECT status, body ->> 'title' AS title, role FROM pg_temp.request('tasks_v1', '{}',
	$$SELECT tasks_v1.task_create('{"title": "Via bearer key"}')$$,
	jsonb_build_object('role', 'tasks_api', 'key_id', (SELECT id FROM tasks.api_keys WHERE key_hash = sha256(convert_to(:'key_a', 'UTF8')))));
SELECT current_setting('request.jwt.claims')::jsonb ->> 'workspace_id' AS key_workspace;
ROLLBACK;
-- ... whose claims cannot pick another workspace
BEGIN;
SELECT status, role FROM pg_temp.request('tasks_v1', '{}', $$SELECT '{}'::jsonb$$,
	jsonb_build_object('role', 'tasks_api', 'workspace_id', '00000000-0000-7000-8700-000000000002',
					   'key_id', (SELECT id FROM tasks.api_keys WHERE key_hash = sha256(convert_to(:'key_a', 'UTF8')))));
SELECT current_setting('request.jwt.claims')::jsonb ->> 'workspace_id' AS still_key_workspace;
ROLLBACK;
-- the API role cannot sign tokens or create keys
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb, $$SELECT '{}'::jsonb$$);
SELECT tasks._jwt_sign('{"role": "tasks_api", "key_id": "00000000-0000-7000-8700-000000000999"}');
ROLLBACK;
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb, $$SELECT '{}'::jsonb$$);
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8700-000000000101"}');
ROLLBACK;
-- a JWT signed for PostgREST keeps working alongside keys
BEGIN;
SELECT status, body ->> 'title' AS title, role FROM pg_temp.request('tasks_v1', '{}',
	$$SELECT tasks_v1.task_create('{"title": "Via JWT"}')$$,
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8700-000000000001", "sub": "00000000-0000-7000-8700-000000000101"}');
COMMIT;

-- idempotency: replay, different body, too long, retry after a failure
BEGIN;
SELECT status, headers, body ->> 'title' AS title FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-1"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Once"}')$$);
COMMIT;
BEGIN;
SELECT status, headers, body ->> 'title' AS title FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-1"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Once"}')$$);
COMMIT;
SELECT count(*) AS created_once FROM tasks.tasks WHERE title = 'Once';
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-1"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Twice?"}')$$);
ROLLBACK;
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "%s"}', :'key_a', repeat('k', 256))::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Long key"}')$$);
ROLLBACK;
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-2"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": ""}')$$);
COMMIT;
BEGIN;
SELECT status, body ->> 'title' AS title FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-2"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Retried after a failure"}')$$);
COMMIT;
-- the same key in another workspace is another key
BEGIN;
SELECT status, body ->> 'title' AS title FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "key-1"}', :'key_b')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "Once"}')$$);
COMMIT;

-- row level security, as the API role: only the caller's workspace
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_b')::jsonb, $$SELECT '{}'::jsonb$$);
SELECT current_user, count(*) AS visible, count(*) FILTER (WHERE title = 'A task') AS from_a FROM tasks_v1.tasks;
SELECT count(*) AS contacts_visible FROM tasks.records;
SELECT tasks.resolve('contact', 'Hans Müller') ->> 'status' AS other_workspace_name;
ROLLBACK;
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb, $$SELECT '{}'::jsonb$$);
SELECT count(*) FILTER (WHERE title = 'A task') AS from_a FROM tasks_v1.tasks;
SELECT count(*) AS key_hashes_readable FROM tasks.api_keys;
ROLLBACK;
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb, $$SELECT '{}'::jsonb$$);
INSERT INTO tasks.records (workspace_id, kind, name) VALUES ('00000000-0000-7000-8700-000000000002', 'contact', 'Planted');
ROLLBACK;
-- anonymous: no endpoint does anything, no table is readable
BEGIN;
SELECT status FROM pg_temp.request('tasks_v1', '{}', $$SELECT '{}'::jsonb$$);
SELECT count(*) FROM tasks.tasks;
ROLLBACK;
-- revoked keys stop at once
SET tasks.workspace_id = '00000000-0000-7000-8700-000000000001';
SELECT tasks.api_key_revoke((SELECT id FROM tasks.api_keys WHERE key_hash = sha256(convert_to(:'key_a', 'UTF8'))));
RESET tasks.workspace_id;
BEGIN;
SELECT status, body FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key_a')::jsonb,
	$$SELECT tasks_v1.task_create('{"title": "After revoke"}')$$);
ROLLBACK;
BEGIN;
SELECT status, body, role FROM pg_temp.request('tasks_v1', '{}',
	$$SELECT tasks_v1.task_create('{"title": "After revoke"}')$$,
	jsonb_build_object('role', 'tasks_api', 'key_id', (SELECT id FROM tasks.api_keys WHERE key_hash = sha256(convert_to(:'key_a', 'UTF8')))));
ROLLBACK;
