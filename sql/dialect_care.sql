-- care dialect (seed 003): tasks_care.task_create(jsonb), one rule per line.
-- The vendor body, or {"sqlstate", "message", "body": DETAIL} on error; volatile values are checked, then dropped.
CREATE FUNCTION pg_temp.try(payload text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text; msg text;
BEGIN
	r := tasks_care.task_create(payload::jsonb);
	RETURN (r - 'id' - 'created_at' - 'updated_at')
		|| jsonb_build_object('id?', (r ->> 'id') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
							  'created_at?', (r ->> 'created_at') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$'
											 AND r -> 'created_at' = r -> 'updated_at');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg,
							  'body', CASE WHEN det LIKE '{%' THEN det::jsonb ELSE to_jsonb(det) END);
END $$;
-- compactly: "201" and the fields asked for, or the status and each error's loc:type (422) or the detail (404)
CREATE FUNCTION pg_temp.codes(payload text, VARIADIC fields text[] DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'sqlstate' THEN
				(r ->> 'sqlstate') || ' ' || CASE jsonb_typeof(r #> '{body,detail}')
					WHEN 'array' THEN (SELECT string_agg(array_to_string(ARRAY(SELECT jsonb_array_elements_text(e -> 'loc')), '.')
														 || ':' || (e ->> 'type'), ' ')
										 FROM jsonb_array_elements(r #> '{body,detail}') e)
					ELSE r #>> '{body,detail}' END
		   ELSE '201 ' || coalesce((SELECT string_agg(f || '=' || coalesce(r ->> f, 'null'), ' ') FROM unnest(fields) f), '') END
	  FROM pg_temp.try(payload) r
$$;
-- a valid body with one key set, replaced or (value NULL) removed
CREATE FUNCTION pg_temp.body(key text, value text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN value IS NULL THEN b - key ELSE jsonb_set(b, ARRAY[key], value::jsonb, true) END::text
	  FROM (SELECT '{"title": "Verify benefits", "description": "Call the payer",
			"assigned_user_ids": ["00000000-0000-7000-8530-000000000201"],
			"created_by_id": "00000000-0000-7000-8530-000000000201",
			"deadline": "2023-11-07T05:31:56Z"}'::jsonb AS b) x
$$;
-- creates through the dialect, then reads back natively (a later statement, so it sees the row)
CREATE FUNCTION pg_temp.native(payload text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE id uuid;
BEGIN
	id := (tasks_care.task_create(payload::jsonb) ->> 'id')::uuid;
	RETURN tasks.task_get(id);
END $$;
-- creates natively, then shapes the care response
CREATE FUNCTION pg_temp.care_of(payload jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE id uuid;
BEGIN
	id := (tasks.task_create(payload) ->> 'id')::uuid;
	RETURN tasks._care_response(tasks.current_workspace_id(), id);
END $$;
CREATE FUNCTION pg_temp.task_count() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8530-000000000101'
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8530-000000000101", "name": "Care clinic"}') IS NOT NULL AS ws1;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8530-000000000102", "name": "Other company"}') IS NOT NULL AS ws2;
SET tasks.workspace_id = '00000000-0000-7000-8530-000000000102';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000209", "name": "Foreign user"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000309", "kind": "patient", "name": "Foreign patient"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8530-000000000101';
SET tasks.actor_id = '00000000-0000-7000-8530-000000000202';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000201", "name": "Ana Rojas"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000202", "name": "Ben Okafor"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000203", "name": "Gone User", "active": false}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-0000000002aa", "name": "Cara Ng"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8530-000000000204", "name": "vob-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000301", "kind": "call", "name": "Inbound call 4711"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000302", "kind": "fax", "name": "Fax from Dr. Lee"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000303", "kind": "assistant", "name": "Intake assistant"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000304", "kind": "session", "name": "Session 12"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000305", "kind": "patient", "name": "Lucía Fernández"}') IS NOT NULL;

-- the page's example body, placeholders replaced: 201 and the documented shape
SELECT jsonb_pretty(pg_temp.try($${
  "title": "Verify insurance benefits",
  "description": "Run a VOB for the MRI referral",
  "assigned_user_ids": ["00000000-0000-7000-8530-000000000201"],
  "created_by_id": "00000000-0000-7000-8530-000000000202",
  "deadline": "2023-11-07T05:31:56Z",
  "tags": ["vob", "mri"],
  "call_id": "00000000-0000-7000-8530-000000000301",
  "fax_id": "00000000-0000-7000-8530-000000000302",
  "assistant_id": "00000000-0000-7000-8530-000000000303",
  "session_id": "00000000-0000-7000-8530-000000000304",
  "patient_id": "00000000-0000-7000-8530-000000000305",
  "status": "pending",
  "priority": "medium",
  "type": "vob"
}$$));
-- the page's example verbatim: its "<string>" placeholders are not ids
SELECT pg_temp.codes($${"title": "<string>", "description": "<string>", "assigned_user_ids": ["<string>"],
  "created_by_id": "<string>", "deadline": "2023-11-07T05:31:56Z", "tags": ["<string>"], "call_id": "<string>",
  "fax_id": "<string>", "assistant_id": "<string>", "session_id": "<string>", "patient_id": "<string>",
  "status": "pending", "priority": "medium", "type": "<string>"}$$);
-- exactly the page's response keys, with the page's types
SELECT string_agg(key || ':' || jsonb_typeof(value), ' ' ORDER BY key) AS shape
  FROM jsonb_each(tasks_care.task_create(pg_temp.body('tags', '["x"]')::jsonb));
SELECT string_agg(key || ':' || jsonb_typeof(value), ' ' ORDER BY key) AS nullable_shape
  FROM jsonb_each(tasks_care.task_create(pg_temp.body('tags', NULL)::jsonb));
-- over PostgREST (request.method set): 201 on success; a vendor error is the response, with its status
BEGIN;
SELECT set_config('request.method', 'POST', true) IS NOT NULL AS http, set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8530-000000000101", "member_id": "00000000-0000-7000-8530-000000000202"}', true) IS NOT NULL AS claims;
SELECT tasks_care.task_create(pg_temp.body('title', '"201"')::jsonb) IS NOT NULL AS created, current_setting('response.status', true) AS status;
SELECT tasks_care.task_create(pg_temp.body('title', '""')::jsonb) -> 'detail' -> 0 ->> 'type' AS error_type, current_setting('response.status', true) AS status;
ROLLBACK;

-- reads back through the native API: same title, status, links, assignees, dates
CREATE TEMP TABLE created AS SELECT tasks_care.task_create($${
  "title": "Fax back the auth form", "description": "Dr. Lee needs it today",
  "assigned_user_ids": ["00000000-0000-7000-8530-000000000201", "00000000-0000-7000-8530-000000000202"],
  "created_by_id": "00000000-0000-7000-8530-000000000201", "deadline": "2026-03-10T09:00:00.250+01:00",
  "tags": ["auth"], "fax_id": "00000000-0000-7000-8530-000000000302",
  "patient_id": "00000000-0000-7000-8530-000000000305",
  "status": "in_progress", "priority": "urgent", "type": "general"}$$::jsonb) AS r;
SELECT r ->> 'deadline' AS deadline, r ->> 'status' AS status FROM created;
SELECT jsonb_pretty(tasks.task_get((r ->> 'id')::uuid) - 'id' - 'workspace_id' - 'created_at' - 'updated_at' #- '{status,id}')
  FROM created;
SELECT tasks.task_get((r ->> 'id')::uuid) ->> 'created_at' = tasks.format_instant((r ->> 'created_at')::timestamptz) AS same_created_at,
	   (r ->> 'id')::uuid = (tasks.task_get((r ->> 'id')::uuid) ->> 'id')::uuid AS same_id
  FROM created;
-- the response is a pure function of the stored rows
SELECT tasks._care_response('00000000-0000-7000-8530-000000000101', (r ->> 'id')::uuid) = r AS same_response FROM created;

-- minimal body: the defaults
SELECT pg_temp.try(pg_temp.body('title', '"Minimal"'));
SELECT pg_temp.native(pg_temp.body('title', '"m"')) #>> '{status,category}' AS pending_is_todo;

-- the body must be an object
SELECT jsonb_pretty(pg_temp.try('[]'));
SELECT pg_temp.try('null');
SELECT pg_temp.codes('"title"');
SELECT pg_temp.codes('42');
-- every required field missing, all reported at once; "input" is the body, as pydantic echoes it
SELECT jsonb_pretty(pg_temp.try('{"foo": 1}'));

-- title: required, at least 1 character, at most 500
SELECT pg_temp.codes(pg_temp.body('title', NULL));
SELECT pg_temp.try(pg_temp.body('title', '""')) -> 'body';
SELECT pg_temp.codes(pg_temp.body('title', 'null'));
SELECT pg_temp.codes(pg_temp.body('title', '42'));
SELECT pg_temp.codes(pg_temp.body('title', '["t"]'));
SELECT pg_temp.codes(pg_temp.body('title', '" "'), 'title');
SELECT pg_temp.codes(pg_temp.body('title', to_jsonb(repeat('x', 500))::text), 'status');
SELECT (pg_temp.try(pg_temp.body('title', to_jsonb(repeat('x', 501))::text)) #> '{body,detail,0}') - 'input';
SELECT pg_temp.codes(pg_temp.body('title', to_jsonb(repeat('😀', 500))::text), 'status');
SELECT pg_temp.codes(pg_temp.body('title', to_jsonb(repeat('😀', 501))::text));
-- description: required, at least 1 character, at most 100000
SELECT pg_temp.codes(pg_temp.body('description', NULL));
SELECT pg_temp.codes(pg_temp.body('description', '""'));
SELECT pg_temp.codes(pg_temp.body('description', 'null'));
SELECT pg_temp.codes(pg_temp.body('description', '{}'));
SELECT pg_temp.codes(pg_temp.body('description', to_jsonb(repeat('d', 100000))::text), 'status');
SELECT pg_temp.codes(pg_temp.body('description', to_jsonb(repeat('d', 100001))::text));
SELECT pg_temp.codes(pg_temp.body('description', '"**Markdown** kept as is\n- item"'), 'description');

-- assigned_user_ids: required list of at least 1 member id (at most 100)
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', NULL));
SELECT pg_temp.try(pg_temp.body('assigned_user_ids', '[]')) -> 'body';
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', 'null'));
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', '"00000000-0000-7000-8530-000000000201"'));
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', '{}'));
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', '[1, null, "00000000-0000-7000-8530-000000000201"]'));
SELECT pg_temp.try(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000201", "user-1"]')) -> 'body';
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', '[""]'));
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', (SELECT jsonb_agg('00000000-0000-7000-8530-000000000201'::text) FROM generate_series(1, 101))::text));
SELECT pg_temp.codes(pg_temp.body('assigned_user_ids', (SELECT jsonb_agg('00000000-0000-7000-8530-000000000201'::text) FROM generate_series(1, 100))::text), 'status');
SELECT pg_temp.native(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000202", "00000000000070008530000000000202", "00000000-0000-7000-8530-000000000201"]')) -> 'assignees' AS deduplicated;
SELECT pg_temp.try(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000201", "00000000-0000-7000-8530-000000000299"]')) - 'message';
SELECT pg_temp.try(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000209"]')) - 'message' AS other_company_user;
SELECT pg_temp.try(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000203"]')) -> 'body' AS deactivated;
SELECT pg_temp.native(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000204"]')) -> 'assignees' AS agent_assignee;
-- created_by_id: required, a member of the company (not the caller's identity)
SELECT pg_temp.codes(pg_temp.body('created_by_id', NULL));
SELECT pg_temp.codes(pg_temp.body('created_by_id', 'null'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '7'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '""'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"ana@clinic.example"'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"00000000-0000-7000-8530-000000000299"'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"00000000-0000-7000-8530-000000000209"'));
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"00000000-0000-7000-8530-000000000203"'), 'created_by_id');
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"00000000-0000-7000-8530-000000000202"'), 'created_by_id');
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"00000000-0000-7000-8530-0000000002AA"'), 'created_by_id');
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"000000000000700085300000000002aa"'), 'created_by_id');
SELECT pg_temp.codes(pg_temp.body('created_by_id', '"{00000000-0000-7000-8530-0000000002aa}"'));

-- deadline: required date-time with a UTC offset; it is the task's due instant
SELECT pg_temp.codes(pg_temp.body('deadline', NULL));
SELECT pg_temp.codes(pg_temp.body('deadline', 'null'));
SELECT pg_temp.codes(pg_temp.body('deadline', '1699335116'));
SELECT pg_temp.codes(pg_temp.body('deadline', 'true'));
SELECT pg_temp.try(pg_temp.body('deadline', '""')) -> 'body';
SELECT pg_temp.try(pg_temp.body('deadline', '"tomorrow"')) #>> '{body,detail,0,msg}';
SELECT pg_temp.try(pg_temp.body('deadline', '"07/11/2023 05:31"')) #>> '{body,detail,0,msg}';
SELECT pg_temp.try(pg_temp.body('deadline', '"2023-11-07T05:31:56"')) -> 'body' AS naive;
SELECT pg_temp.try(pg_temp.body('deadline', '"2023-11-07"')) #> '{body,detail,0}' AS bare_date;
SELECT pg_temp.try(pg_temp.body('deadline', '"2023-02-30T10:00:00Z"')) #> '{body,detail,0}' AS feb_30;
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-02-30"'));
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T24:00:00Z"'));
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56+25:00"'));
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56+02"'));
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56.1234567Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', to_jsonb('2023-11-07T05:31:56' || repeat('0', 60) || 'Z')::text));
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T07:31:56+02:00"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-06T21:31:56-0800"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56.5Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T05:31:56.000001Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07 05:31:56z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07t05:31:56Z"'), 'deadline');
SELECT pg_temp.codes(pg_temp.body('deadline', '"1999-01-01T00:00:00Z"'), 'deadline');
-- ... stored as due_at (so native "overdue" filters see it), not the deadline column
SELECT t ->> 'due_at' AS due_at, t ->> 'deadline' AS native_deadline, t ->> 'due_date' AS due_date, t ->> 'timezone' AS timezone
  FROM pg_temp.native(pg_temp.body('deadline', '"2023-11-07T07:31:56.789+02:00"')) t;
-- ... and the output does not depend on the session's TimeZone or DateStyle
SET TimeZone = 'America/Santiago';
SET DateStyle = 'SQL, DMY';
SELECT pg_temp.codes(pg_temp.body('deadline', '"2023-11-07T07:31:56+02:00"'), 'deadline');
SELECT tasks._care_datetime('2024-02-29 23:59:59.999999+00'), tasks._care_datetime('2024-03-01 00:00:00-03');
RESET TimeZone;
RESET DateStyle;

-- tags: list of strings or null (-> [])
SELECT pg_temp.codes(pg_temp.body('tags', 'null'), 'tags');
SELECT pg_temp.codes(pg_temp.body('tags', NULL), 'tags');
SELECT pg_temp.codes(pg_temp.body('tags', '[]'), 'tags');
SELECT pg_temp.codes(pg_temp.body('tags', '["vob", "Urgent", "vob", "ünïcode"]'), 'tags');
SELECT pg_temp.codes(pg_temp.body('tags', '"vob"'));
SELECT pg_temp.codes(pg_temp.body('tags', '{"a": 1}'));
SELECT pg_temp.codes(pg_temp.body('tags', '["ok", 1, null, ""]'));
SELECT pg_temp.codes(pg_temp.body('tags', to_jsonb(ARRAY[repeat('t', 255)])::text), 'status');
SELECT pg_temp.codes(pg_temp.body('tags', to_jsonb(ARRAY[repeat('t', 256)])::text));
SELECT pg_temp.codes(pg_temp.body('tags', (SELECT jsonb_agg('t' || i) FROM generate_series(1, 101) i)::text));

-- call_id, fax_id, assistant_id, session_id, patient_id: must exist in the company, with that kind
SELECT pg_temp.codes(pg_temp.body('call_id', '"00000000-0000-7000-8530-000000000301"'), 'call_id');
SELECT pg_temp.codes(pg_temp.body('fax_id', '"00000000-0000-7000-8530-000000000302"'), 'fax_id');
SELECT pg_temp.codes(pg_temp.body('assistant_id', '"00000000-0000-7000-8530-000000000303"'), 'assistant_id');
SELECT pg_temp.codes(pg_temp.body('session_id', '"00000000-0000-7000-8530-000000000304"'), 'session_id');
SELECT pg_temp.codes(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000305"'), 'patient_id');
SELECT pg_temp.codes(pg_temp.body('patient_id', 'null'), 'patient_id');
SELECT pg_temp.codes(pg_temp.body('patient_id', '""'), 'patient_id');
SELECT pg_temp.codes(pg_temp.body('patient_id', '305'));
SELECT pg_temp.codes(pg_temp.body('patient_id', '["00000000-0000-7000-8530-000000000305"]'));
SELECT pg_temp.codes(pg_temp.body('patient_id', '"MRN-0042"'));
SELECT pg_temp.try(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000399"')) - 'message' AS unknown_patient;
SELECT pg_temp.try(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000309"')) - 'message' AS other_company_patient;
SELECT pg_temp.codes(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000301"')) AS call_given_as_patient;
SELECT pg_temp.codes(pg_temp.body('call_id', '"00000000-0000-7000-8530-000000000305"')) AS patient_given_as_call;
SELECT pg_temp.codes(pg_temp.body('fax_id', '"00000000-0000-7000-8530-000000000399"'));
SELECT pg_temp.codes(pg_temp.body('assistant_id', '"00000000-0000-7000-8530-000000000399"'));
SELECT pg_temp.codes(pg_temp.body('session_id', '"00000000-0000-7000-8530-000000000399"'));
-- every missing reference in one 404; the same text for another company's ids as for ids that do not exist
SELECT pg_temp.try(jsonb_set(jsonb_set(jsonb_set(pg_temp.body('call_id', '"00000000-0000-7000-8530-000000000398"')::jsonb,
	'{patient_id}', '"00000000-0000-7000-8530-000000000309"'),
	'{created_by_id}', '"00000000-0000-7000-8530-000000000209"'),
	'{assigned_user_ids}', '["00000000-0000-7000-8530-000000000201", "00000000-0000-7000-8530-000000000299"]')::text);
SELECT replace(pg_temp.codes(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000309"')), '309', 'X')
	 = replace(pg_temp.codes(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000399"')), '399', 'X') AS foreign_looks_absent;

-- status: pending | in_progress | completed (default pending), stored as categories todo / in_progress / done
SELECT pg_temp.codes(pg_temp.body('status', '"pending"'), 'status');
SELECT pg_temp.codes(pg_temp.body('status', '"in_progress"'), 'status');
SELECT pg_temp.codes(pg_temp.body('status', '"completed"'), 'status');
SELECT t #>> '{status,category}' AS category, t ->> 'completed_at' IS NOT NULL AS completed_at_set
  FROM pg_temp.native(pg_temp.body('status', '"completed"')) t;
SELECT t #>> '{status,category}' AS category
  FROM pg_temp.native(pg_temp.body('status', '"in_progress"')) t;
SELECT pg_temp.try(pg_temp.body('status', '"done"')) -> 'body';
SELECT pg_temp.codes(pg_temp.body('status', '"Pending"'));
SELECT pg_temp.codes(pg_temp.body('status', '"open"'));
SELECT pg_temp.codes(pg_temp.body('status', 'null'));
SELECT pg_temp.codes(pg_temp.body('status', '1'));
-- native categories the page lacks read back as the nearest care status
SELECT s.category, pg_temp.care_of(jsonb_build_object('title', 'native', 'status', s.category)) ->> 'status' AS care_status
  FROM (VALUES ('backlog'), ('todo'), ('in_progress'), ('blocked'), ('done'), ('cancelled')) AS s(category);
-- a native task without priority or due reads as priority medium, deadline null
SELECT r ->> 'priority' AS priority, r ->> 'deadline' AS deadline, r ->> 'description' AS description, r -> 'tags' AS tags
  FROM pg_temp.care_of('{"title": "bare"}') r;

-- priority: low | medium | high | urgent (default medium)
SELECT pg_temp.codes(pg_temp.body('priority', '"low"'), 'priority');
SELECT pg_temp.codes(pg_temp.body('priority', '"medium"'), 'priority');
SELECT pg_temp.codes(pg_temp.body('priority', '"high"'), 'priority');
SELECT pg_temp.codes(pg_temp.body('priority', '"urgent"'), 'priority');
SELECT pg_temp.codes(pg_temp.body('priority', NULL), 'priority');
SELECT pg_temp.try(pg_temp.body('priority', '"critical"')) #> '{body,detail,0}';
SELECT pg_temp.codes(pg_temp.body('priority', '"HIGH"'));
SELECT pg_temp.codes(pg_temp.body('priority', 'null'));
SELECT pg_temp.codes(pg_temp.body('priority', '2'));

-- type: free text up to 255 characters (vob, general, ...); null and "" mean none
SELECT pg_temp.codes(pg_temp.body('type', '"vob"'), 'type');
SELECT pg_temp.codes(pg_temp.body('type', '"general"'), 'type');
SELECT pg_temp.codes(pg_temp.body('type', '"Prior Authorization"'), 'type');
SELECT pg_temp.codes(pg_temp.body('type', 'null'), 'type');
SELECT pg_temp.codes(pg_temp.body('type', '""'), 'type');
SELECT pg_temp.codes(pg_temp.body('type', to_jsonb(repeat('t', 255))::text), 'status');
SELECT pg_temp.codes(pg_temp.body('type', to_jsonb(repeat('t', 256))::text));
SELECT pg_temp.codes(pg_temp.body('type', '5'));

-- unknown fields are ignored (extra="ignore"), including response-only ones
SELECT pg_temp.codes((jsonb_build_object('n8n_execution_id', 'abc', 'id', '00000000-0000-7000-8530-000000000999',
	'company_id', '00000000-0000-7000-8530-000000000102', 'version', 9, 'external_message_ids', '{"sms": "1"}'::jsonb,
	'links', 'not a native key', 'due_date', '2020-01-01')
	|| pg_temp.body('title', '"extra"')::jsonb)::text, 'company_id', 'version', 'external_message_ids', 'deadline') AS ignored;

-- every problem at once, in field order; the message names the first
SELECT jsonb_pretty(pg_temp.try($${"title": "", "description": null, "assigned_user_ids": ["x"],
  "created_by_id": "00000000-0000-7000-8530-000000000201", "deadline": "2023-11-07T05:31:56",
  "tags": [""], "call_id": "c-1", "status": "open", "priority": "asap", "type": 1,
  "patient_id": "00000000-0000-7000-8530-000000000399"}$$) - 'body');
SELECT pg_temp.codes($${"title": "", "description": null, "assigned_user_ids": ["x"],
  "created_by_id": "00000000-0000-7000-8530-000000000201", "deadline": "2023-11-07T05:31:56",
  "tags": [""], "call_id": "c-1", "status": "open", "priority": "asap", "type": 1,
  "patient_id": "00000000-0000-7000-8530-000000000399"}$$);
-- body errors (422) come before reference checks (404); unknown ids (404) before other reference problems (422)
SELECT pg_temp.codes(jsonb_set(pg_temp.body('title', '""')::jsonb, '{patient_id}', '"00000000-0000-7000-8530-000000000399"')::text);
SELECT pg_temp.codes(jsonb_set(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000203"]')::jsonb, '{patient_id}', '"00000000-0000-7000-8530-000000000399"')::text);

-- nothing is stored when a call fails
SELECT pg_temp.task_count() AS before \gset
SELECT pg_temp.codes('{}') IS NOT NULL, pg_temp.codes(pg_temp.body('patient_id', '"00000000-0000-7000-8530-000000000399"')) IS NOT NULL,
	   pg_temp.codes(pg_temp.body('assigned_user_ids', '["00000000-0000-7000-8530-000000000203"]')) IS NOT NULL;
SELECT pg_temp.task_count() - :before AS stored_by_failures;
SELECT (SELECT count(*) FROM tasks.task_assignees WHERE workspace_id = '00000000-0000-7000-8530-000000000101' AND member_id = '00000000-0000-7000-8530-000000000203') AS deactivated_assignments;

-- no workspace: the identity error, nothing else
RESET tasks.workspace_id;
SELECT pg_temp.try(pg_temp.body('title', '"no tenant"')) - 'body';
