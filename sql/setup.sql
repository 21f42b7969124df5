-- Setup API: workspaces, members, agents, records, statuses.
-- Shows SQLSTATE and the problem list of a failing call, or the result.
CREATE FUNCTION pg_temp.try(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text; msg text;
BEGIN
	EXECUTE sql INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg, 'errors', CASE WHEN det LIKE '[%' THEN det::jsonb ELSE to_jsonb(det) END);
END $$;

-- workspaces
SELECT jsonb_pretty(tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000a01", "name": "Acme", "slug": "acme"}') - 'created_at' #- '{statuses,0,id}' #- '{statuses,1,id}' #- '{statuses,2,id}' #- '{statuses,3,id}' #- '{statuses,4,id}' #- '{statuses,5,id}');
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"name": ""}')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"name": 5, "slug": "Bad Slug", "colour": 1}')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"name": "Dup", "slug": "acme"}')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000a01", "name": "Same id"}')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('[1]')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"name": "No initial", "statuses": [{"name": "A", "category": "todo"}]}')$$);
SELECT pg_temp.try($$SELECT tasks.workspace_create('{"name": "Bad status", "statuses": [{"name": "A", "category": "open", "initial": true, "color": "blue"}]}')$$);
SELECT (tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000a02", "name": "Vambe org", "statuses": [{"name": "Pendiente", "category": "todo", "color": "#60a5fa", "initial": true}, {"name": "Hecho", "category": "done"}]}') -> 'statuses') @? '$[*] ? (@.name == "Pendiente" && @.initial == true)' AS custom_statuses;
SELECT count(*) AS workspaces_stored FROM tasks.workspaces WHERE name IN ('Acme', 'Vambe org', 'Dup', 'No initial', 'Bad status');

-- members, agents and records need a workspace
RESET tasks.workspace_id;
SELECT pg_temp.try($$SELECT tasks.member_create('{"name": "Nobody"}')$$);
SET tasks.workspace_id = 'not-a-uuid';
SELECT pg_temp.try($$SELECT tasks.member_create('{"name": "Nobody"}')$$);
SET tasks.workspace_id = '00000000-0000-7000-8000-0000000000ff';
SELECT pg_temp.try($$SELECT tasks.member_create('{"name": "Nobody"}')$$);
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000a01';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-00000000b001", "name": "Ana Rojas", "email": "ana@acme.test", "scopes": ["tasks:create"]}') - 'workspace_id';
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8000-00000000b002", "name": "triage-bot"}') ->> 'kind' AS agent_kind;
SELECT pg_temp.try($$SELECT tasks.member_create('{"name": "Ana Two", "email": "ANA@acme.test"}')$$);
SELECT pg_temp.try($$SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-00000000b001", "name": "Same id"}')$$);
SELECT pg_temp.try($$SELECT tasks.member_create('{"name": "", "email": "not-an-email", "scopes": "all", "active": "yes"}')$$);
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-00000000c001", "kind": "contact", "name": "Hans Müller"}') - 'workspace_id';
SELECT pg_temp.try($$SELECT tasks.record_create('{"kind": "planet", "name": "Mars"}')$$);
SELECT pg_temp.try($$SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-00000000c001", "kind": "contact", "name": "Same id"}')$$);
SELECT pg_temp.try($$SELECT tasks.record_create('{"kind": "contact", "name": "!!!"}')$$);
SELECT pg_temp.try($$SELECT tasks.record_create('{"kind": "contact"}')$$);
-- a new kind is an INSERT, not a code change
INSERT INTO tasks.record_kinds (kind, label) VALUES ('vehicle', 'Vehicle');
SELECT tasks.record_create('{"kind": "vehicle", "name": "Truck 7"}') ->> 'kind' AS new_kind;

-- statuses: exactly one initial
SELECT tasks.status_create('{"name": "Review", "category": "in_progress", "color": "#123456"}') - 'id';
SELECT pg_temp.try($$SELECT tasks.status_create('{"name": "review", "category": "todo"}')$$);
SELECT pg_temp.try($$SELECT tasks.status_create('{"name": "Weird", "category": "someday"}')$$);
SELECT tasks.status_create('{"name": "Inbox", "category": "backlog", "initial": true}') ->> 'initial' AS new_initial;
SELECT name FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8000-000000000a01' AND is_initial;
SELECT pg_temp.try($$INSERT INTO tasks.statuses (workspace_id, name, position, category, is_initial) VALUES ('00000000-0000-7000-8000-000000000a01', 'Second initial', 99, 'todo', true) RETURNING '{}'::jsonb$$);

-- ids are time-ordered version 7 uuids
SELECT substr(tasks.uuid_generate_v7()::text, 15, 1) AS version_digit;
SELECT bool_and(a < b) AS increasing FROM (SELECT tasks.uuid_generate_v7() a, tasks.uuid_generate_v7() b FROM generate_series(1, 1000)) s;
