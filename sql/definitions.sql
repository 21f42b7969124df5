-- tasks.task_definitions(): what a task of the current workspace is made of (native shape).
-- The second half checks that the definitions describe the rules the create path enforces.
-- The problem codes of a native create at one path, or "ok" when there is none there.
CREATE FUNCTION pg_temp.code_at(payload jsonb, at text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE det text;
BEGIN
	PERFORM tasks.task_create(payload);
	RETURN 'ok';
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
	RETURN coalesce((SELECT string_agg(e ->> 'code', ',') FROM jsonb_array_elements(det::jsonb) e WHERE e ->> 'path' = at), 'ok');
END $$;
-- every problem code of a native create
CREATE FUNCTION pg_temp.codes(payload jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE det text;
BEGIN
	PERFORM tasks.task_create(payload);
	RETURN 'ok';
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
	RETURN (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(det::jsonb) e);
END $$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000030002", "name": "Defaults only"}') IS NOT NULL AS ws_e;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000030001", "name": "Definitions",
	"statuses": [{"name": "Inbox", "category": "backlog"}, {"name": "Ready", "category": "todo", "initial": true},
				 {"name": "Doing", "category": "in_progress", "color": "#123456"}, {"name": "Shipped", "category": "done"}]}') IS NOT NULL AS ws_d;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000030001';
SELECT tasks.relation_definition_create('{"slug": "reviewer", "kind": "contact", "cardinality": "has_one", "label": "Reviewer"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000030301", "kind": "contact", "name": "Rita Reviewer"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000030302", "kind": "company", "name": "Initech"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "linked", "contact_id": "00000000-0000-7000-8140-000000030301",
	"links": [{"kind": "company", "id": "00000000-0000-7000-8140-000000030302", "relation": "billing_company"},
			  {"kind": "contact", "id": "00000000-0000-7000-8140-000000030301", "relation": "reviewer"}]}') IS NOT NULL;
SELECT tasks.task_definitions() AS d \gset

-- the sections
SELECT string_agg(k, ', ' ORDER BY k) AS sections FROM jsonb_object_keys(:'d'::jsonb) k;
SELECT (:'d'::jsonb) ->> 'object_type' AS object_type, (:'d'::jsonb) ->> 'workspace_id' AS workspace_id;
-- the payload fields, in payload order, with type, format and limits
SELECT f ->> 'name' AS name, f ->> 'type' AS type, f ->> 'format' AS format, f ->> 'required' AS required,
	   f ->> 'nullable' AS nullable, (f - 'name' - 'type' - 'format' - 'required' - 'nullable' - 'description' - 'items' - 'enum') AS limits,
	   f -> 'items' AS items
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') WITH ORDINALITY x(f, o) ORDER BY o;
-- enums: priorities, categories, the workspace's statuses (by position), member kinds
SELECT key, value FROM jsonb_each((:'d'::jsonb) -> 'enums') ORDER BY key;
-- the status field lists the workspace's statuses and its default is the initial one
SELECT f -> 'enum' AS status_enum, f ->> 'default' AS status_default
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') f WHERE f ->> 'name' = 'status';
SELECT s - 'id' AS statuses FROM jsonb_array_elements((:'d'::jsonb) -> 'statuses') s;
-- read-only fields of the read shape
SELECT string_agg(f ->> 'name', ', ') AS read_only FROM jsonb_array_elements((:'d'::jsonb) -> 'read_only_fields') f;
-- record kinds, each with its payload keys
SELECT jsonb_array_length((:'d'::jsonb) -> 'record_kinds') = (SELECT count(*) FROM tasks.record_kinds) AS every_kind;
SELECT k FROM jsonb_array_elements((:'d'::jsonb) -> 'record_kinds') k WHERE k ->> 'kind' IN ('contact', 'project');
-- a new record kind shows up (kinds are data)
INSERT INTO tasks.record_kinds (kind, label, description) VALUES ('invoice', 'Invoice', 'Billing documents');
SELECT k FROM jsonb_array_elements(tasks.task_definitions() -> 'record_kinds') k WHERE k ->> 'kind' = 'invoice';
DELETE FROM tasks.record_kinds WHERE kind = 'invoice';
-- relations: defined by the workspace, and in use on its tasks' links
SELECT r - 'id' AS defined FROM jsonb_array_elements((:'d'::jsonb) -> 'relations' -> 'defined') r;
SELECT (:'d'::jsonb) -> 'relations' -> 'in_use' AS in_use;
-- limits of the bulk and claim calls
SELECT (:'d'::jsonb) -> 'limits' AS limits;

-- per workspace: another workspace sees its own statuses and none of these relations
SET tasks.workspace_id = '00000000-0000-7000-8140-000000030002';
SELECT d -> 'enums' -> 'status' AS statuses, d -> 'relations' AS relations, d ->> 'workspace_id' AS workspace_id
  FROM tasks.task_definitions() d;
-- no workspace, no definitions
RESET tasks.workspace_id;
DO $$ BEGIN PERFORM tasks.task_definitions(); EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END $$;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000030001';
-- tasks_v1.task_definitions is the same, and both are STABLE (a GET over PostgREST)
SELECT tasks_v1.task_definitions() = tasks.task_definitions() AS same;
SELECT p.oid::regprocedure, p.provolatile, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
  FROM pg_proc p WHERE p.proname = 'task_definitions' ORDER BY p.oid::regprocedure::text COLLATE "C";
-- over PostgREST, as role tasks_api (a GET: read-only transaction): the claims choose the workspace
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
BEGIN READ ONLY;
SELECT set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8140-000000030002"}', true) IS NOT NULL;
SET LOCAL ROLE tasks_api;
SELECT d -> 'enums' -> 'status' AS statuses, jsonb_array_length(d -> 'relations' -> 'in_use') AS relations_in_use
  FROM tasks_v1.task_definitions() d;
ROLLBACK;

-- The definitions describe the rules the create path enforces:
-- every field is a payload key (null is accepted as "not set" by every optional one)
SELECT pg_temp.codes(jsonb_object_agg(f ->> 'name', CASE WHEN f ->> 'name' = 'title' THEN '"t"'::jsonb ELSE 'null' END))
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') f;
-- ... and so is <kind>_id / <kind>_name of every record kind
SELECT pg_temp.codes(jsonb_build_object('title', 't') || (SELECT jsonb_object_agg(key, null) FROM jsonb_array_elements((:'d'::jsonb) -> 'record_kinds') k,
																   LATERAL jsonb_array_elements_text(k -> 'fields') key));
-- every key of the read shape is a field or a read-only field
SELECT k AS undefined_key FROM jsonb_object_keys(tasks.task_get((SELECT id FROM tasks.tasks WHERE title = 'linked'))) k
 WHERE k NOT IN (SELECT f ->> 'name' FROM jsonb_array_elements(((:'d'::jsonb) -> 'fields') || ((:'d'::jsonb) -> 'read_only_fields')) f);
-- max_length: the limit is accepted, one more character is too_long (min_length 1: "" is empty)
SELECT f ->> 'name' AS field, (f ->> 'max_length')::int AS max_length,
	   pg_temp.code_at(jsonb_build_object('title', 't') || jsonb_build_object(f ->> 'name', repeat('é', (f ->> 'max_length')::int)), '/' || (f ->> 'name')) AS at_limit,
	   pg_temp.code_at(jsonb_build_object('title', 't') || jsonb_build_object(f ->> 'name', repeat('é', (f ->> 'max_length')::int + 1)), '/' || (f ->> 'name')) AS over_limit,
	   pg_temp.code_at(jsonb_build_object('title', 't') || jsonb_build_object(f ->> 'name', ''), '/' || (f ->> 'name')) AS empty
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') WITH ORDINALITY x(f, o) WHERE f ? 'max_length' ORDER BY o;
-- max_items: the limit is accepted, one more is too_many
SELECT f ->> 'name' AS field, (f ->> 'max_items')::int AS max_items,
	   pg_temp.code_at(jsonb_build_object('title', 't', f ->> 'name', (SELECT jsonb_agg(v) FROM generate_series(1, (f ->> 'max_items')::int + 1) i,
			LATERAL (SELECT CASE f ->> 'name' WHEN 'links' THEN jsonb_build_object('kind', 'contact', 'id', '00000000-0000-7000-8140-000000030301')
											  WHEN 'tags' THEN to_jsonb('t' || i) WHEN 'notes' THEN to_jsonb('n' || i)
											  ELSE to_jsonb('00000000-0000-7000-8140-000000030301'::text) END AS v) y)), '/' || (f ->> 'name')) AS over_limit
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') WITH ORDINALITY x(f, o) WHERE f ? 'max_items' ORDER BY o;
SELECT pg_temp.code_at(jsonb_build_object('title', 't', 'tags', (SELECT jsonb_agg('t' || i) FROM generate_series(1, 100) i)), '/tags') AS tags_at_limit;
-- string items: their max_length holds
SELECT f ->> 'name' AS field, (f -> 'items' ->> 'max_length')::int AS item_max_length,
	   pg_temp.code_at(jsonb_build_object('title', 't', f ->> 'name', jsonb_build_array(repeat('x', (f -> 'items' ->> 'max_length')::int))), '/' || (f ->> 'name') || '/0') AS at_limit,
	   pg_temp.code_at(jsonb_build_object('title', 't', f ->> 'name', jsonb_build_array(repeat('x', (f -> 'items' ->> 'max_length')::int + 1))), '/' || (f ->> 'name') || '/0') AS over_limit
  FROM jsonb_array_elements((:'d'::jsonb) -> 'fields') WITH ORDINALITY x(f, o) WHERE f -> 'items' ? 'max_length' ORDER BY o;
-- max_bytes of metadata
SELECT pg_temp.code_at(jsonb_build_object('title', 't', 'metadata', jsonb_build_object('k', repeat('x', 65000))), '/metadata') AS under,
	   pg_temp.code_at(jsonb_build_object('title', 't', 'metadata', jsonb_build_object('k', repeat('x', 65537))), '/metadata') AS over;
-- enums: every priority is accepted, anything else is not
SELECT p, pg_temp.code_at(jsonb_build_object('title', 't', 'priority', p), '/priority') AS code
  FROM (SELECT p, o FROM jsonb_array_elements_text((:'d'::jsonb) -> 'enums' -> 'priority') WITH ORDINALITY x(p, o)
		UNION ALL SELECT 'critical', 99) x
 ORDER BY o;
-- every status of the enum, and every category the workspace has, is accepted as "status"
SELECT s, pg_temp.code_at(jsonb_build_object('title', 't', 'status', s), '/status') AS code
  FROM (SELECT s FROM jsonb_array_elements_text((:'d'::jsonb) -> 'enums' -> 'status') s
		UNION SELECT x ->> 'category' FROM jsonb_array_elements((:'d'::jsonb) -> 'statuses') x) x
 ORDER BY s COLLATE "C";
