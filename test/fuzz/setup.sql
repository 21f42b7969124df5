-- Fixture of the payload fuzzer (test/fuzz/fuzz_payloads.py): run once in a
-- fresh database that has the extension (CREATE EXTENSION tasks CASCADE).
--
-- Workspace F (00000000-0000-7000-8f00-000000000001) holds one member or
-- record for every id a valid body of the native API or a dialect can name;
-- workspace G (…0002) holds look-alikes whose ids must behave like ids that do
-- not exist.  Ids are fixed so that a saved reproducer runs again as it is.
-- The helper tasks_fuzz.call() does one fuzz call in one round trip: parse,
-- call (SQL or replayed HTTP), row counts before and after, the error.
SET client_min_messages = warning;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8f00-000000000001", "name": "Fuzz A",
  "settings": {"lightfield_base_url": "https://app.example.test/fuzz/"}}') IS NOT NULL AS ws_f;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8f00-000000000002", "name": "Fuzz B"}') IS NOT NULL AS ws_g;

SET tasks.workspace_id = '00000000-0000-7000-8f00-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8f00-000000000109", "name": "Foreign user", "scopes": ["tasks:create", "tasks:read", "activities:write"]}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8f00-000000000209", "name": "foreign-agent"}') IS NOT NULL;
SELECT tasks.record_create(format('{"id": "00000000-0000-7000-8f00-0000000003%s", "kind": "%s", "name": "Foreign %s"}', n, k, k)::jsonb) IS NOT NULL
  FROM (VALUES ('f1', 'contact'), ('f2', 'project'), ('f3', 'patient'), ('f4', 'account'), ('f5', 'customer'), ('f6', 'thread')) v(n, k);

SET tasks.workspace_id = '00000000-0000-7000-8f00-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8f00-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8f00-000000000101", "name": "Fuzz Actor", "scopes": ["tasks:create", "tasks:read", "activities:write", "activities:read"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8f00-000000000102", "name": "Ben Okafor"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8f00-000000000103", "name": "Gone Member", "active": false}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8f00-000000000104", "name": "No Scopes"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8f00-000000000201", "name": "triage-bot"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8f00-000000000202", "name": "retired-bot", "active": false}') IS NOT NULL;

-- one live record per kind (…03xx), two contacts with the same name (ambiguous), one deleted sprint
SELECT tasks.record_create(format('{"id": "00000000-0000-7000-8f00-000000000%s", "kind": "%s", "name": "%s"}', n, k, nm)::jsonb) IS NOT NULL
  FROM (VALUES ('301', 'contact', 'Hans Müller'), ('302', 'contact', 'Anna Schmidt'), ('303', 'contact', 'Anna Schmidt'),
			   ('304', 'company', 'Globex GmbH'), ('305', 'deal', 'Globex renewal'), ('306', 'event', 'Kick-off'),
			   ('307', 'account', 'Initech'), ('308', 'opportunity', 'Initech upsell'), ('309', 'customer', 'Acme SpA'),
			   ('310', 'patient', 'Lucía Fernández'), ('311', 'call', 'Call 17'), ('312', 'fax', 'Fax 4'),
			   ('313', 'assistant', 'Front desk'), ('314', 'session', 'Session 9'), ('315', 'project', 'Control plane'),
			   ('316', 'release', 'v2.0'), ('317', 'sprint', 'Sprint 14'), ('318', 'thread', 'Thread one'),
			   ('319', 'thread', 'Thread two'), ('31a', 'sprint', 'Sprint 9 (deleted)'),
			   ('320', 'contact', 'Иван Иванов'), ('321', 'contact', 'Ζωή Παπαδοπούλου'), ('322', 'contact', '山田 太郎')) v(n, k, nm);
UPDATE tasks.records SET deleted_at = now()
 WHERE workspace_id = '00000000-0000-7000-8f00-000000000001' AND id = '00000000-0000-7000-8f00-00000000031a';

-- Lightfield custom relationships
SELECT tasks.relation_definition_create('{"id": "00000000-0000-7000-8f00-000000000901", "slug": "partners", "kind": "account"}') IS NOT NULL;
SELECT tasks.relation_definition_create('{"id": "00000000-0000-7000-8f00-000000000902", "slug": "champion", "kind": "contact", "cardinality": "has_one"}') IS NOT NULL;

-- tasks to depend on (their ids are read by the fuzzer: titles "fuzz dependency N")
SELECT tasks.task_create('{"title": "fuzz dependency 1"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "fuzz dependency 2"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8f00-000000000002';
SET tasks.actor_id = '00000000-0000-7000-8f00-000000000109';
SELECT tasks.task_create('{"title": "fuzz foreign dependency"}') IS NOT NULL;
RESET tasks.workspace_id;
RESET tasks.actor_id;

CREATE SCHEMA tasks_fuzz;

-- Rows of workspace F that a call may write.
CREATE FUNCTION tasks_fuzz.counts() RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'tasks', (SELECT count(*) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'assignees', (SELECT count(*) FROM tasks.task_assignees WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'links', (SELECT count(*) FROM tasks.task_links WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'dependencies', (SELECT count(*) FROM tasks.task_dependencies WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'notes', (SELECT count(*) FROM tasks.notes WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'idempotency', (SELECT count(*) FROM tasks.idempotency_keys WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'records', (SELECT count(*) FROM tasks.records WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'),
		'members', (SELECT count(*) FROM tasks.members WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'))
$$;

-- A value cut down for the client: at most depth levels, 200 array
-- elements, 200 characters per string (the fuzzer checks shapes, ids and
-- codes; echoing 10 MB or 10k levels back would only test the client).
CREATE FUNCTION tasks_fuzz.prune(j jsonb, depth int) RETURNS jsonb LANGUAGE sql AS $$
	SELECT CASE jsonb_typeof(j)
		WHEN 'object' THEN CASE WHEN depth <= 0 THEN '"<object>"'::jsonb
			ELSE (SELECT coalesce(jsonb_object_agg(left(k, 200), tasks_fuzz.prune(v, depth - 1)), '{}') FROM jsonb_each(j) e(k, v)) END
		WHEN 'array' THEN CASE WHEN depth <= 0 THEN '"<array>"'::jsonb
			ELSE (SELECT coalesce(jsonb_agg(tasks_fuzz.prune(v, depth - 1) ORDER BY n), '[]')
					FROM jsonb_array_elements(j) WITH ORDINALITY a(v, n) WHERE n <= 200) END
		WHEN 'string' THEN CASE WHEN length(j #>> '{}') > 200 THEN to_jsonb(left(j #>> '{}', 200) || '...') ELSE j END
		WHEN 'number' THEN CASE WHEN length(j::text) > 100 THEN to_jsonb('<number of ' || length(j::text) || ' characters>') ELSE j END
		ELSE j END
$$;

-- DETAIL as JSON (pruned), or NULL when it is not JSON.
CREATE FUNCTION tasks_fuzz.detail_json(det text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	RETURN tasks_fuzz.prune(det::jsonb, 4);
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END $$;

-- One fuzz call.  fn: the function (e.g. 'tasks_vambe.task_create'); payload:
-- the JSON text as sent; ident: {"workspace_id", "actor_id", "claims"} as the
-- strings to put in the settings (absent: unset); http: {"headers": {...}}
-- to replay the call as PostgREST sends it (NULL: a plain SQL call).
-- Returns {"stage": "parse"|"call"|"ok", "sqlstate", "message", "detail",
-- "detail_json", "result", "status", "headers", "before", "after"}, values
-- pruned (tasks_fuzz.prune).
CREATE FUNCTION tasks_fuzz.call(fn text, payload text, ident jsonb, http jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	p jsonb;
	r jsonb;
	before jsonb;
	st text; msg text; det text; hint text;
BEGIN
	-- identity: plain settings, or PostgREST's claims
	PERFORM set_config('tasks.workspace_id', coalesce(ident ->> 'workspace_id', ''), true),
			set_config('tasks.actor_id', coalesce(ident ->> 'actor_id', ''), true),
			set_config('request.jwt.claims', coalesce(ident ->> 'claims', ''), true);
	IF http IS NOT NULL THEN
		PERFORM set_config('request.method', 'POST', true),
				set_config('request.path', '/rpc/task_create', true),
				set_config('request.headers', coalesce(http -> 'headers', '{}')::text, true),
				set_config('request.cookies', '{}', true),
				set_config('response.status', '', true),
				set_config('response.headers', '', true);
	ELSE
		PERFORM set_config('request.method', '', true);
	END IF;
	BEGIN
		p := payload::jsonb;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
		RETURN jsonb_build_object('stage', 'parse', 'sqlstate', st, 'message', left(msg, 500), 'detail', left(det, 500));
	END;
	before := tasks_fuzz.counts();
	BEGIN
		EXECUTE format('SELECT %s($1)', fn) INTO r USING p;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
		RETURN jsonb_build_object('stage', 'call', 'sqlstate', st, 'message', left(msg, 500), 'hint', left(hint, 500),
								  'detail', left(det, 300), 'detail_json', tasks_fuzz.detail_json(det),
								  'before', before, 'after', tasks_fuzz.counts());
	END;
	RETURN jsonb_build_object('stage', 'ok', 'result', tasks_fuzz.prune(r, 4),
							  'status', nullif(current_setting('response.status', true), ''),
							  'headers', nullif(current_setting('response.headers', true), ''),
							  'before', before, 'after', tasks_fuzz.counts());
END $$;

-- The fixture's rows of workspace F, kept by tasks_fuzz.trim().
CREATE TABLE tasks_fuzz.fixture AS
	SELECT 'tasks'::text AS tbl, id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'
	UNION ALL SELECT 'records', id FROM tasks.records WHERE workspace_id = '00000000-0000-7000-8f00-000000000001'
	UNION ALL SELECT 'members', id FROM tasks.members WHERE workspace_id = '00000000-0000-7000-8f00-000000000001';

-- Deletes what committed successes stored in workspace F (tasks with their assignees,
-- links, dependencies, notes and history by cascade; records and members the fixture
-- does not have; idempotency keys; events), so that tasks_fuzz.counts(), run twice per
-- call, keeps costing the same over a million calls.  The fuzzer calls it between
-- cases, in a transaction of its own; it returns the number of tasks deleted.
CREATE FUNCTION tasks_fuzz.trim() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM tasks.tasks t WHERE t.workspace_id = '00000000-0000-7000-8f00-000000000001'
	   AND t.id NOT IN (SELECT f.id FROM tasks_fuzz.fixture f WHERE f.tbl = 'tasks');
	GET DIAGNOSTICS n = ROW_COUNT;
	DELETE FROM tasks.records r WHERE r.workspace_id = '00000000-0000-7000-8f00-000000000001'
	   AND r.id NOT IN (SELECT f.id FROM tasks_fuzz.fixture f WHERE f.tbl = 'records');
	DELETE FROM tasks.members m WHERE m.workspace_id = '00000000-0000-7000-8f00-000000000001'
	   AND m.id NOT IN (SELECT f.id FROM tasks_fuzz.fixture f WHERE f.tbl = 'members');
	DELETE FROM tasks.idempotency_keys k WHERE k.workspace_id = '00000000-0000-7000-8f00-000000000001';
	DELETE FROM tasks.events e WHERE e.workspace_id = '00000000-0000-7000-8f00-000000000001';
	RETURN n;
END $$;

-- The id of a task created by a call, found in the response of any dialect.
CREATE FUNCTION tasks_fuzz.task_exists(id text) RETURNS boolean LANGUAGE sql AS $$
	SELECT id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	   AND EXISTS (SELECT 1 FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8f00-000000000001' AND tasks.tasks.id = task_exists.id::uuid)
$$;

-- tasks.resolve(kind, name) with both taken from one JSON object
CREATE FUNCTION tasks_fuzz.resolve(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT tasks.resolve(p ->> 'kind', p ->> 'name')
$$;
-- the time functions of the API (timeparse.c) on one JSON object
CREATE FUNCTION tasks_fuzz.time(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('instant', tasks.format_instant(tasks.parse_instant(p ->> 'value', p ->> 'zone')),
							  'date', tasks.parse_date(p ->> 'date'),
							  'zone', tasks.timezone_canonical(p ->> 'zone'))
$$;
RESET client_min_messages;
