-- Lightfield dialect: tasks_lightfield.task_create(jsonb) and task_definitions(), one rule per line.
-- The output must not depend on the session's time zone or date style.
SET TimeZone = 'America/Santiago';
SET DateStyle = 'SQL, DMY';

-- the response with what changes from run to run replaced by what it must look like
CREATE FUNCTION pg_temp.stable(r jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_set(r || jsonb_build_object(
		'id', CASE WHEN r ->> 'id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' THEN to_jsonb('<uuid7>'::text) ELSE r -> 'id' END,
		'createdAt', CASE WHEN r ->> 'createdAt' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' THEN to_jsonb('<iso8601 utc>'::text) ELSE r -> 'createdAt' END,
		'updatedAt', CASE WHEN r ->> 'updatedAt' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' THEN to_jsonb('<iso8601 utc>'::text) ELSE r -> 'updatedAt' END,
		'httpLink', to_jsonb(replace(r ->> 'httpLink', r ->> 'id', '<id>'))),
		'{relationships,$note,values}',
		(SELECT coalesce(jsonb_agg('<note id>'::text), '[]') FROM jsonb_array_elements(r #> '{relationships,$note,values}')))
$$;
-- a create: the stable response, or {sqlstate, body} with the Lightfield error body
CREATE FUNCTION pg_temp.try(body text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE st text; det text; msg text;
BEGIN
	RETURN pg_temp.stable(tasks_lightfield.task_create(body::jsonb));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'body', CASE WHEN st LIKE 'PT%' THEN det::jsonb ELSE to_jsonb(msg) END);
END $$;
-- compactly: "ok" or "SQLSTATE type code param"
CREATE FUNCTION pg_temp.err(body text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'sqlstate'
				THEN concat_ws(' ', r ->> 'sqlstate', r #>> '{body,error,type}', r #>> '{body,error,code}', r #>> '{body,error,param}')
				ELSE 'ok' END
	  FROM pg_temp.try(body) r
$$;
-- a created task's fields and relationships, values only
CREATE FUNCTION pg_temp.ok(body text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'sqlstate' THEN r::text
				ELSE (SELECT string_agg(k || '=' || (v -> 'value')::text, ' ' ORDER BY k) FROM jsonb_each(r -> 'fields') f(k, v))
					 || ' | ' || (SELECT string_agg(k || '=' || (v -> 'values')::text, ' ' ORDER BY k)
									FROM jsonb_each(r -> 'relationships') x(k, v) WHERE v -> 'values' <> '[]') END
	  FROM pg_temp.try(body) r
$$;
-- any call returning jsonb: its result, or {sqlstate, detail} (detail is JSON here)
CREATE FUNCTION pg_temp.call(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	EXECUTE sql INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'detail', det::jsonb);
END $$;

-- workspaces: LF (with a web app base URL), another tenant, two with their own statuses
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8510-000000000001", "name": "Lightfield Co", "settings": {"lightfield_base_url": "https://app.example.test/acme/"}}') IS NOT NULL AS ws1;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8510-000000000002", "name": "Other tenant"}') IS NOT NULL AS ws2;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8510-000000000003", "name": "Own statuses", "statuses": [{"name": "Backlog", "category": "backlog", "initial": true}, {"name": "Open", "category": "todo"}, {"name": "Done", "category": "done"}]}') IS NOT NULL AS ws3;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8510-000000000004", "name": "Inbox only", "statuses": [{"name": "Inbox", "category": "backlog", "initial": true}, {"name": "Shipped", "category": "done"}]}') IS NOT NULL AS ws4;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000201", "name": "Foreign member", "scopes": ["tasks:create", "tasks:read"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000401", "kind": "account", "name": "Foreign Inc"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000003';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000601", "name": "Olga", "scopes": ["tasks:create"]}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000004';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000701", "name": "Ivo", "scopes": ["tasks:create"]}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8510-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000101", "name": "Ana Rojas", "scopes": ["tasks:create", "tasks:read"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000102", "name": "Ben Okafor"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000103", "name": "Gone Member", "active": false}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000104", "name": "Read Only", "scopes": ["tasks:read"]}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8510-000000000105", "name": "renewal-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000301", "kind": "account", "name": "Acme Corp"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000302", "kind": "account", "name": "Globex"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000303", "kind": "opportunity", "name": "Acme renewal 2026"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000304", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000305", "kind": "contact", "name": "Erika Mustermann"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8510-000000000306", "kind": "account", "name": "Deleted Ltd"}') IS NOT NULL;
UPDATE tasks.records SET deleted_at = now() WHERE workspace_id = '00000000-0000-7000-8510-000000000001' AND id = '00000000-0000-7000-8510-000000000306';

-- custom relationships: the definitions table and its setup function
SELECT 'tasks.relation_definitions'::regclass = ANY (extconfig) AS dumped_by_pg_dump FROM pg_extension WHERE extname = 'tasks';
SELECT tasks.relation_definition_create('{"id": "00000000-0000-7000-8510-000000000901", "slug": "partners", "kind": "account", "label": "Partner accounts"}') - 'workspace_id';
SELECT tasks.relation_definition_create('{"id": "00000000-0000-7000-8510-000000000902", "slug": "champion", "kind": "contact", "cardinality": "HAS_ONE", "description": "Who drives the deal"}') - 'workspace_id';
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('[]')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "Partners", "kind": "planet", "cardinality": "many", "colour": 1}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "$partners", "kind": "account"}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "account", "kind": "account"}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "partners", "kind": "account"}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "owner", "kind": "account", "object_type": "account"}')$$);
SELECT pg_temp.call($$SELECT tasks.relation_definition_create('{"slug": "owner", "kind": "account", "label": ""}')$$);
SELECT count(*) AS definitions FROM tasks.relation_definitions WHERE workspace_id = '00000000-0000-7000-8510-000000000001';

-- the page's example, as the SDKs send it (placeholder values): rejected, one error
SELECT pg_temp.try('{"fields": {"$status": "$status", "$title": "$title"}, "relationships": {"foo": "string"}}');
-- the Python example's dict keys are SDK attribute names; sent as-is they are unknown fields
SELECT pg_temp.try('{"fields": {"status": "$status", "title": "$title"}, "relationships": {"foo": "string"}}');
-- the CLI example
SELECT pg_temp.err('{"fields": {"$status": "$status", "$title": "$title"}, "relationships": {"$assignedTo": "string"}}');
-- the example with real values: succeeds with the documented shape (HTTP 200)
SELECT jsonb_pretty(pg_temp.try('{"fields": {"$status": "TODO", "$title": "Send the renewal proposal"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}'));
-- every field and relationship
SELECT jsonb_pretty(pg_temp.try($${"fields": {"$title": "Prepare QBR deck", "$status": "IN_PROGRESS", "$description": "## Agenda\n- usage\n- renewal", "$dueAt": "2026-03-10T09:00:00+01:00"},
  "relationships": {"$assignedTo": ["00000000-0000-7000-8510-000000000102"], "$account": "00000000-0000-7000-8510-000000000301",
    "$opportunity": ["00000000-0000-7000-8510-000000000303"], "$createdBy": "00000000-0000-7000-8510-000000000102",
    "partners": ["00000000-0000-7000-8510-000000000302", "00000000-0000-7000-8510-000000000301"], "champion": "00000000-0000-7000-8510-000000000304"}}$$));
-- the documented shape: keys, value types, cardinalities, object types
SELECT array(SELECT jsonb_object_keys(r) ORDER BY 1) AS keys,
	   (SELECT jsonb_object_agg(k, v -> 'valueType') FROM jsonb_each(r -> 'fields') f(k, v)) AS value_types,
	   (SELECT jsonb_object_agg(k, (v ->> 'cardinality') || ' ' || (v ->> 'objectType')) FROM jsonb_each(r -> 'relationships') x(k, v)) AS relationships
  FROM pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') r;

-- scopes: tasks:create to create, tasks:read for the definitions (403 forbidden, no code or param)
SET tasks.actor_id = '00000000-0000-7000-8510-000000000104';
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('[]') AS scope_checked_before_the_body;
SELECT tasks_lightfield.task_definitions() ->> 'objectType' AS reader_sees_definitions;
SET tasks.actor_id = '00000000-0000-7000-8510-000000000102';
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS no_scopes;
SELECT pg_temp.call('SELECT tasks_lightfield.task_definitions()') AS definitions_need_tasks_read;
SET tasks.actor_id = '00000000-0000-7000-8510-000000000103';
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS inactive_member;
RESET tasks.actor_id;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS no_actor;
-- JWT scopes win over the member's: a key with only tasks:read
SELECT set_config('request.jwt.claims', '{"workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000101", "scope": "tasks:read"}', false) IS NOT NULL;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS jwt_read_only;
SELECT set_config('request.jwt.claims', '{"workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000101", "scopes": ["tasks:create"]}', false) IS NOT NULL;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS jwt_create;
-- a caller who is no member of the workspace must name $createdBy
SELECT set_config('request.jwt.claims', '{"workspace_id": "00000000-0000-7000-8510-000000000001", "sub": "00000000-0000-7000-8510-000000000198", "scope": "tasks:create"}', false) IS NOT NULL;
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS caller_not_a_member;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": "00000000-0000-7000-8510-000000000102"}}') AS creator_named;
SELECT set_config('request.jwt.claims', '', false) IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8510-000000000101';

-- nothing is stored by any failing call below
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8510-000000000001') AS tasks,
	   (SELECT count(*) FROM tasks.task_links WHERE workspace_id = '00000000-0000-7000-8510-000000000001') AS links,
	   (SELECT count(*) FROM tasks.task_assignees WHERE workspace_id = '00000000-0000-7000-8510-000000000001') AS assignees;

-- the body: an object with fields and relationships, nothing else
SELECT pg_temp.try('[]');
SELECT pg_temp.err('"task"');
SELECT pg_temp.err('null');
SELECT pg_temp.try('{}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}}');
SELECT pg_temp.err('{"relationships": {}}');
SELECT pg_temp.err('{"fields": [], "relationships": {}}');
SELECT pg_temp.err('{"fields": null, "relationships": {}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": ["00000000-0000-7000-8510-000000000102"]}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}, "externalId": "x"}');
SELECT pg_temp.err(format('{"fields": {}, "relationships": {}, "%s": 1}', repeat('ü', 80))) AS long_key_cut_on_a_character;
-- fields: only the four system fields
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$priority": "high"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "priority": 1}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "$name": "x"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "$externalId": "x"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
-- $title: required non-empty string; at most 500 characters (422)
SELECT pg_temp.try('{"fields": {"$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": 42, "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": null, "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try(format('{"fields": {"$title": "%s", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}', repeat('x', 501)));
SELECT pg_temp.err(format('{"fields": {"$title": "t", "$status": "TODO", "$description": "%s"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}', repeat('x', 100001))) AS description_too_long;
-- $status: required, exactly one of the four values
SELECT pg_temp.try('{"fields": {"$title": "t"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "todo"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "DONE"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": 1}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": null}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
-- $description: markdown string or null
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$description": ["x"]}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
-- $dueAt: an ISO 8601 datetime with an offset, or null; a date alone is not a datetime
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "2026-03-10"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "2026-03-10T09:00:00"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "2026-02-30T09:00:00Z"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "next friday"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": ""}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": 1773133200}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
-- relationships: $assignedTo required, one member
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": []}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": null}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": 102}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": ["00000000-0000-7000-8510-000000000102", 7]}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": {"id": "00000000-0000-7000-8510-000000000102"}}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": ["00000000-0000-7000-8510-000000000102", "00000000-0000-7000-8510-000000000101"]}}');
-- ids must name live entities of this workspace (one error, whatever is wrong with the id)
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000199"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "mem_ben"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": ""}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": " 00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000103"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000399"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000303"}}') AS opportunity_as_account;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000306"}}') AS deleted_account;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$opportunity": "00000000-0000-7000-8510-000000000301"}}') AS account_as_opportunity;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": "00000000-0000-7000-8510-000000000199"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": "00000000-0000-7000-8510-000000000304"}}') AS contact_as_creator;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": ["00000000-0000-7000-8510-000000000301", "00000000-0000-7000-8510-000000000302"]}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": ["00000000-0000-7000-8510-000000000101", "00000000-0000-7000-8510-000000000102"]}}');
-- another workspace's member or account is exactly like one that does not exist
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000201"}}')
	 = pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000199"}}') AS foreign_member_unseen;
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000401"}}')
	 = pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000399"}}') AS foreign_account_unseen;
-- $note is read-only; unknown $-keys and undefined custom slugs are unknown relationships
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$note": []}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$owner": "00000000-0000-7000-8510-000000000101"}}');
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "competitors": "00000000-0000-7000-8510-000000000302"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$partners": "00000000-0000-7000-8510-000000000302"}}');
-- custom relationships follow their definition: kind and cardinality
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "champion": ["00000000-0000-7000-8510-000000000304", "00000000-0000-7000-8510-000000000305"]}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "champion": "00000000-0000-7000-8510-000000000301"}}') AS account_as_champion;
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": ["00000000-0000-7000-8510-000000000302", "00000000-0000-7000-8510-000000000401"]}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": true}}');
SELECT pg_temp.err(format('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": [%s]}}',
	(SELECT string_agg(format('"00000000-0000-7000-8510-%s"', lpad(i::text, 12, '0')), ', ') FROM generate_series(1, 101) i))) AS too_many_ids;
SELECT pg_temp.err(format('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000301", "partners": [%s]}}',
	(SELECT string_agg(format('"00000000-0000-7000-8510-%s"', lpad(i::text, 12, '0')), ', ') FROM generate_series(1, 100) i))) AS too_many_records;

-- one error per response, in a fixed order: body keys, fields, relationships (keys, then
-- $assignedTo, $createdBy, $account, $opportunity, custom by slug); then unknown ids in that order;
-- a request error (400) before a business-rule error (422)
SELECT pg_temp.err('{"fields": {"$status": "NOPE"}, "extra": 1}');
SELECT pg_temp.err('{"fields": {"$status": "NOPE", "$foo": 1}, "relationships": {"$bar": 1}}');
SELECT pg_temp.err('{"fields": {"$status": "NOPE"}, "relationships": {"$bar": 1}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "soon"}, "relationships": {"$bar": 1}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$bar": 1, "$note": "x"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$account": 5, "$opportunity": 5}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$opportunity": 5, "$account": 5}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": 5, "$account": 5}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000199", "$account": "acc_1"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "acc_1", "$createdBy": "00000000-0000-7000-8510-000000000199"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": "x", "$opportunity": "y"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": 5, "champion": 5}}') AS custom_by_slug;
SELECT pg_temp.err(format('{"fields": {"$title": "%s", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000399"}}', repeat('x', 501)));

SELECT (SELECT count(*) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8510-000000000001') = b.tasks AS no_task_stored,
	   (SELECT count(*) FROM tasks.task_links WHERE workspace_id = '00000000-0000-7000-8510-000000000001') = b.links AS no_link_stored,
	   (SELECT count(*) FROM tasks.task_assignees WHERE workspace_id = '00000000-0000-7000-8510-000000000001') = b.assignees AS no_assignee_stored
  FROM before b;

-- what does succeed
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO", "$description": null, "$dueAt": null}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS nulls_are_unset;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO", "$description": ""}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS empty_description;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": ["00000000-0000-7000-8510-000000000102", "00000000-0000-7000-8510-000000000102"]}}') AS same_id_twice;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000301", "$account": "00000000-0000-7000-8510-000000000302"}}') AS duplicate_key_last_wins;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": [], "partners": []}}') AS empty_arrays_relate_nothing;
SELECT pg_temp.ok(format('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": [%s]}}',
	(SELECT string_agg('"00000000-0000-7000-8510-000000000302"', ', ') FROM generate_series(1, 100) i))) AS hundred_copies_of_one_id;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$createdBy": []}}') AS empty_creator_is_the_caller;
SELECT char_length(pg_temp.try(format('{"fields": {"$title": "%s", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000101"}}', repeat('ü', 500))) #>> '{fields,$title,value}') AS title_counts_characters;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "CANCELLED", "$dueAt": "2026-10-25T01:30:00-03:00"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS offset_to_utc;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO", "$dueAt": "2026-03-10T09:00:00.123456Z"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') AS fraction_kept_to_milliseconds;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "champion": ["00000000-0000-7000-8510-000000000305"]}}') AS has_one_as_array_of_one;
SELECT pg_temp.ok('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000105"}}') AS agent_assignee;

-- a task created here reads back the same through the native API
SELECT r ->> 'id' AS id FROM tasks_lightfield.task_create($${"fields": {"$title": "Renewal call", "$status": "COMPLETE", "$description": "**Call** Hans", "$dueAt": "2026-03-29T01:30:00+01:00"},
  "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000301", "$opportunity": "00000000-0000-7000-8510-000000000303",
    "partners": ["00000000-0000-7000-8510-000000000302"], "champion": "00000000-0000-7000-8510-000000000304"}}$$) r \gset lf_
SELECT t ->> 'title' AS title, t #>> '{status,name}' AS status, t #>> '{status,category}' AS category, t ->> 'completed_at' IS NOT NULL AS completed,
	   t ->> 'description' AS description, t ->> 'due_at' AS due_at, t ->> 'due_date' AS due_date, t ->> 'created_by' AS created_by,
	   (SELECT jsonb_agg(a ->> 'id') FROM jsonb_array_elements(t -> 'assignees') a) AS assignees,
	   (SELECT jsonb_agg(jsonb_build_array(l ->> 'relation', l ->> 'kind', l ->> 'name')) FROM jsonb_array_elements(t -> 'links') l) AS links
  FROM tasks.task_get(:'lf_id') t;
-- and the Lightfield record of it is what create answered
SELECT pg_temp.stable(tasks._lightfield_response('00000000-0000-7000-8510-000000000001', :'lf_id')) -> 'relationships' ->> 'champion' AS champion;

-- a task created natively reads through the Lightfield shape: all-day dates stay dates,
-- blocked is IN_PROGRESS, several assignees are all listed, notes are read-only values
SELECT (tasks.task_create('{"title": "Native", "status": "blocked", "due_date": "2026-04-01",
	"assignee_ids": ["00000000-0000-7000-8510-000000000102", "00000000-0000-7000-8510-000000000101"],
	"account_id": "00000000-0000-7000-8510-000000000301", "contact_id": "00000000-0000-7000-8510-000000000304",
	"notes": ["first", "second"], "external_id": "crm-7"}') ->> 'id') AS id \gset native_
SELECT jsonb_pretty(pg_temp.stable(tasks._lightfield_response('00000000-0000-7000-8510-000000000001', :'native_id')) - 'id' - 'httpLink');
SELECT tasks._lightfield_status(c) AS lightfield, c AS category
  FROM unnest(ARRAY['backlog', 'todo', 'in_progress', 'blocked', 'done', 'cancelled']) c;

-- the web app link comes from the workspace setting lightfield_base_url, else null
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}') ->> 'httpLink' AS with_base_url;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000002';
SET tasks.actor_id = '00000000-0000-7000-8510-000000000201';
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000201"}}') -> 'httpLink' AS without_base_url;
-- there, W1's custom slugs are unknown and W1's ids do not exist
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000201", "partners": []}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}');
SELECT array(SELECT jsonb_object_keys(tasks_lightfield.task_definitions() -> 'relationshipDefinitions') ORDER BY 1) AS system_relationships_only;

-- $status maps to the workspace's statuses by category: TODO prefers todo over backlog,
-- falls back to backlog; a category the workspace lacks is a 422
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000003';
SET tasks.actor_id = '00000000-0000-7000-8510-000000000601';
SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000601"}}') ->> 'id' AS id \gset todo_
SELECT tasks.task_get(:'todo_id') #>> '{status,name}' AS todo_status;
SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "COMPLETE"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000601"}}') ->> 'id' AS id \gset complete_
SELECT tasks.task_get(:'complete_id') #>> '{status,name}' AS complete_status;
SELECT pg_temp.try('{"fields": {"$title": "t", "$status": "CANCELLED"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000601"}}');
SELECT pg_temp.err('{"fields": {"$title": "t", "$status": "IN_PROGRESS"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000699"}}') AS missing_member_before_status;
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000004';
SET tasks.actor_id = '00000000-0000-7000-8510-000000000701';
SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000701"}}') ->> 'id' AS id \gset backlog_
SELECT tasks.task_get(:'backlog_id') #>> '{status,name}' AS todo_falls_back_to_backlog;

-- the definitions call (GET /v1/tasks/definitions)
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8510-000000000104';
SELECT jsonb_pretty(tasks_lightfield.task_definitions());
-- every definition has the documented required members
SELECT k, array(SELECT jsonb_object_keys(v) ORDER BY 1) AS members
  FROM jsonb_each(tasks_lightfield.task_definitions() -> 'fieldDefinitions') d(k, v) ORDER BY k;
SELECT k, v ?& ARRAY['label', 'description', 'cardinality', 'objectType'] AS complete
  FROM jsonb_each(tasks_lightfield.task_definitions() -> 'relationshipDefinitions') d(k, v) ORDER BY k;
RESET tasks.actor_id;
SELECT pg_temp.call('SELECT tasks_lightfield.task_definitions()');

-- Over PostgREST (emulated as in http.sql): Lightfield's statuses and bodies, nothing written on failure
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL) IS NOT NULL AS api_roles;
RESET client_min_messages;
CREATE FUNCTION pg_temp.http(call text, claims jsonb, method text DEFAULT 'POST') RETURNS TABLE (status text, body jsonb)
LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('search_path', '"tasks_lightfield", "public"', true),
			set_config('role', claims ->> 'role', true),
			set_config('request.jwt.claims', claims::text, true),
			set_config('request.method', method, true),
			set_config('request.headers', '{}', true);
	PERFORM tasks.pre_request();
	EXECUTE call INTO b;
	RETURN QUERY SELECT current_setting('response.status', true), CASE WHEN b ? 'fields' THEN pg_temp.stable(b) ELSE b END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.http(text, jsonb, text), pg_temp.stable(jsonb) TO PUBLIC;
BEGIN;
SELECT status, body #>> '{fields,$title,value}' AS title, body #>> '{relationships,$createdBy,values,0}' AS created_by
  FROM pg_temp.http($$SELECT tasks_lightfield.task_create('{"fields": {"$title": "over http", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "partners": "00000000-0000-7000-8510-000000000302"}}')$$,
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000101", "scopes": ["tasks:create"]}');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http($$SELECT tasks_lightfield.task_create('{"fields": {"$title": "http-fail", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102", "$account": "00000000-0000-7000-8510-000000000399"}}')$$,
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000101", "scopes": ["tasks:create"]}');
SELECT count(*) AS written FROM tasks.tasks WHERE title = 'http-fail';
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http($$SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}')$$,
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000101", "scopes": ["tasks:read"]}');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http($$SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}')$$,
	'{"role": "tasks_anon"}');
ROLLBACK;
BEGIN;
SELECT status, body ->> 'objectType' AS object_type, array(SELECT jsonb_object_keys(body -> 'relationshipDefinitions') ORDER BY 1) AS relationships
  FROM pg_temp.http('SELECT tasks_lightfield.task_definitions()',
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000104", "scopes": ["tasks:read"]}', 'GET');
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.http('SELECT tasks_lightfield.task_definitions()',
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000001", "member_id": "00000000-0000-7000-8510-000000000104", "scopes": ["tasks:create"]}', 'GET');
ROLLBACK;
-- row level security: another workspace's key sees none of W1's custom relationships
BEGIN;
SELECT * FROM pg_temp.http($$SELECT tasks_lightfield.task_create('{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000201", "partners": []}}')$$,
	'{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8510-000000000002", "member_id": "00000000-0000-7000-8510-000000000201", "scopes": ["tasks:create"]}');
SELECT count(*) AS visible_definitions FROM tasks.relation_definitions;
ROLLBACK;
-- a workspace is deleted with its relationship definitions
DELETE FROM tasks.workspaces WHERE id = '00000000-0000-7000-8510-000000000001';
SELECT count(*) AS definitions_left FROM tasks.relation_definitions WHERE workspace_id = '00000000-0000-7000-8510-000000000001';
