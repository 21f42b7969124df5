-- Vambe dialect: tasks_vambe.task_create(jsonb), seed 002.
-- Every success is kept in pg_temp.made (raw); try() shows it with volatile values masked.
-- On error: the SQLSTATE (PT<http status>) and the vendor body from DETAIL.
CREATE TEMP TABLE made (n serial PRIMARY KEY, r jsonb);
CREATE FUNCTION pg_temp.mask(r jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT r || jsonb_build_object(
		'id', to_jsonb('<id>'::text),
		'created_at', CASE WHEN (r ->> 'created_at')::timestamptz BETWEEN now() - interval '1 minute' AND clock_timestamp()
						   THEN to_jsonb('<now>'::text) ELSE r -> 'created_at' END,
		'task_status_config_id', CASE WHEN r ->> 'task_status_config_id' = r #>> '{status_config,id}' THEN to_jsonb('<status>'::text) ELSE r -> 'task_status_config_id' END,
		'status_config', r -> 'status_config' || '{"id": "<status>"}')
$$;
CREATE FUNCTION pg_temp.try(body text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_vambe.task_create(body::jsonb);
	INSERT INTO pg_temp.made (r) VALUES (r);
	RETURN pg_temp.mask(r);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', det::jsonb);
END $$;
-- compactly: "ok" or the status and every {field: message}
CREATE FUNCTION pg_temp.err(body text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(r ->> 'sqlstate' || ' ' || (SELECT string_agg((e ->> 'field') || ': ' || (e ->> 'message'), ' | ')
												  FROM jsonb_array_elements(r #> '{body,errors}') e), 'ok')
	  FROM pg_temp.try(body) r
$$;
-- the raw response of the last success
CREATE FUNCTION pg_temp.last() RETURNS jsonb LANGUAGE sql AS $$ SELECT r FROM pg_temp.made ORDER BY n DESC LIMIT 1 $$;
-- the due fields of a response
CREATE FUNCTION pg_temp.due(body text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT CASE WHEN r ? 'sqlstate' THEN r ELSE jsonb_build_object('due_at', r -> 'due_at', 'is_all_day', r -> 'is_all_day', 'due_timezone', r -> 'due_timezone') END
	  FROM pg_temp.try(body) r
$$;
-- the native view of the last task
CREATE FUNCTION pg_temp.native() RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN tasks.task_get((pg_temp.last() ->> 'id')::uuid); END $$;
-- the canonical due columns of the last task
CREATE FUNCTION pg_temp.stored() RETURNS text LANGUAGE sql AS $$
	SELECT format('due_date=%s due_at=%s due_timezone=%s', coalesce(t ->> 'due_date', 'null'),
				  coalesce(t ->> 'due_at', 'null'), coalesce(t ->> 'timezone', 'null'))
	  FROM pg_temp.native() t
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8520-000000000001", "name": "Vambe dialect org", "statuses": [
  {"name": "Pendiente", "category": "todo", "color": "#60a5fa", "initial": true},
  {"name": "En progreso", "category": "in_progress", "color": "#f59e0b"},
  {"name": "Completada", "category": "done", "color": "#22c55e"},
  {"name": "Cancelada", "category": "cancelled", "color": "#6b7280"}]}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8520-000000000002", "name": "Another org"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8520-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000201", "name": "Foreign user"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000302", "kind": "contact", "name": "Foreign contact"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000303", "kind": "customer", "name": "Foreign customer"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8520-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000101", "name": "API key owner"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "228d7a0d-9072-4ca8-939b-959b75cc606a", "name": "Agente Uno"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000102", "name": "Agente Dos"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000103", "name": "Agente Tres"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000104", "name": "Former user", "active": false}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8520-000000000105", "name": "vambe-ai-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000301", "kind": "contact", "name": "Camila Soto"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000311", "kind": "customer", "name": "Acme SpA"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000312", "kind": "company", "name": "Acme Holding"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8520-000000000101';

-- the page's example request, with a real contact id: the documented Task Object
SELECT jsonb_pretty(pg_temp.try('{
    "title": "Follow up with customer",
    "description": "Call customer regarding their inquiry about pricing",
    "dueDate": "2025-10-25T14:00:00.000Z",
    "dueTime": "14:00",
    "timezone": "America/Santiago",
    "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"],
    "aiContactId": "00000000-0000-7000-8520-000000000301",
    "aiCustomerId": null,
    "priority": "2"
  }'));
SELECT pg_temp.last() ->> 'id' AS example_id \gset
-- exactly the documented keys, with the documented JSON types
SELECT string_agg(k || ':' || jsonb_typeof(pg_temp.last() -> k), ' ' ORDER BY k) AS keys FROM jsonb_object_keys(pg_temp.last()) k;
SELECT string_agg(k || ':' || jsonb_typeof(pg_temp.last() #> ARRAY['status_config', k]), ' ' ORDER BY k) AS status_config_keys
  FROM jsonb_object_keys(pg_temp.last() -> 'status_config') k;
SELECT pg_temp.last() ->> 'task_status_config_id' = (SELECT s.id::text FROM tasks.statuses s WHERE s.workspace_id = '00000000-0000-7000-8520-000000000001' AND s.is_initial) AS initial_status;
-- the contact got an interactive note, in the same transaction, by the caller
SELECT n.kind, n.body, n.record_id, n.created_by FROM tasks.notes n WHERE n.task_id = :'example_id';
-- the example's literal "contact-uuid-123" is not a UUID
SELECT jsonb_pretty(pg_temp.try('{"title": "Follow up with customer", "description": "Call customer regarding their inquiry about pricing", "dueDate": "2025-10-25T14:00:00.000Z", "dueTime": "14:00", "timezone": "America/Santiago", "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"], "aiContactId": "contact-uuid-123", "aiCustomerId": null, "priority": "2"}'));

-- use case 1: a simple task (every nullable field sent as null)
SELECT jsonb_pretty(pg_temp.try('{"title": "Review proposal", "description": "Review and approve the client proposal", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": null, "aiCustomerId": null, "priority": "1"}'));
SELECT pg_temp.stored() AS uc1_stored;
-- the page's placeholder 'agent-uuid-123' is not a UUID
SELECT pg_temp.err('{"title": "Review proposal", "description": "Review and approve the client proposal", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["agent-uuid-123"], "aiContactId": null, "aiCustomerId": null, "priority": "1"}');
-- use case 2: tomorrow.toISOString() + "14:00" + America/Santiago: the instant is kept, the task is timed
SELECT pg_temp.due('{"title": "Client presentation", "description": "Prepare and deliver quarterly presentation", "dueDate": "2025-10-26T15:42:17.123Z", "dueTime": "14:00", "timezone": "America/Santiago", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": null, "aiCustomerId": null, "priority": "2"}') AS uc2;
SELECT pg_temp.stored() AS uc2_stored;
-- use case 3: a task for a contact (the page's 'contact-uuid-456' replaced by a real one) gets its interactive note
SELECT pg_temp.try('{"title": "Follow up on inquiry", "description": "Customer asked about premium features", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000301", "aiCustomerId": null, "priority": "1"}') #> '{ai_contact_id}' AS uc3_contact;
SELECT n.kind, n.body, n.record_id FROM tasks.notes n WHERE n.task_id = (pg_temp.last() ->> 'id')::uuid;
SELECT pg_temp.err('{"title": "Follow up on inquiry", "description": "Customer asked about premium features", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "contact-uuid-456", "aiCustomerId": null, "priority": "1"}');
-- use case 4: several responsibles
SELECT pg_temp.try('{"title": "Quarterly planning", "description": "Prepare Q4 strategic plan", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["00000000-0000-7000-8520-000000000103", "228d7a0d-9072-4ca8-939b-959b75cc606a", "00000000-0000-7000-8520-000000000102"], "aiContactId": null, "aiCustomerId": null, "priority": "2"}') -> 'task_responsibles' AS uc4;
SELECT pg_temp.err('{"title": "Quarterly planning", "description": "Prepare Q4 strategic plan", "dueDate": null, "dueTime": null, "timezone": null, "responsibleIds": ["agent-uuid-1", "agent-uuid-2", "agent-uuid-3"], "aiContactId": null, "aiCustomerId": null, "priority": "2"}');
-- use case 5: an all-day task; a calendar date is stored, shown as that date's midnight UTC
SELECT pg_temp.due('{"title": "Team workshop", "description": "Annual team building workshop", "dueDate": "2025-11-15T00:00:00.000Z", "dueTime": null, "timezone": null, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": null, "aiCustomerId": null, "priority": "1"}') AS uc5;
SELECT pg_temp.stored() AS uc5_stored;
-- use case 6: webhook, due in 2 hours (toISOString + toTimeString in Santiago) with the lead's contact
SELECT pg_temp.due('{"title": "Follow up: High-value lead - Camila Soto", "description": "New lead worth $25000. Contact within 2 hours.", "dueDate": "2025-10-23T15:30:00.000Z", "dueTime": "12:30", "timezone": "America/Santiago", "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"], "aiContactId": "00000000-0000-7000-8520-000000000301", "aiCustomerId": null, "priority": "2"}') AS uc6;
SELECT pg_temp.stored() AS uc6_stored, pg_temp.last() ->> 'ai_contact_id' AS uc6_contact;

-- the page's "Common Validation Errors": all three problems at once
SELECT jsonb_pretty(pg_temp.try('{"title": "", "priority": "5", "dueDate": "2025-11-26", "dueTime": "2pm", "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"]}'));
SELECT pg_temp.try('{"title": "", "priority": "5", "dueDate": "2025-11-26", "dueTime": "2pm", "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"]}') -> 'body' = $${
  "statusCode": 400,
  "message": "Validation failed",
  "errors": [
    {"field": "title", "message": "Title must be at least 1 character"},
    {"field": "priority", "message": "Priority must be one of: \"0\", \"1\", \"2\""},
    {"field": "dueTime", "message": "Invalid time format. Expected HH:mm (e.g., \"14:30\")"}
  ]
}$$::jsonb AS body_is_the_pages;
-- only title, responsibleIds and priority are required; absent means null
SELECT pg_temp.try('{"title": "Minimal Vambe task", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "0"}') - 'task_responsibles' AS minimal;
-- title
SELECT pg_temp.err('{"responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}');
SELECT pg_temp.err('{"title": null, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}');
SELECT pg_temp.err('{"title": "", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}');
SELECT pg_temp.err('{"title": 42, "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}');
SELECT pg_temp.try('{"title": " ", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}') -> 'title' AS one_space_is_one_character;
SELECT pg_temp.try(format('{"title": "%s", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}', repeat('ñ', 500))) ->> 'title' = repeat('ñ', 500) AS title_500_characters;
SELECT pg_temp.err(format('{"title": "%s", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}', repeat('ñ', 501)));
-- description
SELECT pg_temp.try('{"title": "t", "description": "", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}') -> 'description' AS empty_description;
SELECT pg_temp.err('{"title": "t", "description": ["x"], "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}');
-- priority: the strings "0" | "1" | "2", returned as numbers, stored as low | medium | high
SELECT pg_temp.try('{"title": "p0", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "0"}') -> 'priority' AS p0, pg_temp.native() ->> 'priority' AS stored;
SELECT pg_temp.try('{"title": "p1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "1"}') -> 'priority' AS p1, pg_temp.native() ->> 'priority' AS stored;
SELECT pg_temp.try('{"title": "p2", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "2"}') -> 'priority' AS p2, pg_temp.native() ->> 'priority' AS stored;
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}');
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": null}');
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": 2}');
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "3"}');
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "high"}');
SELECT pg_temp.err('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "priority": "02"}');

-- responsibleIds: 1..100 UUIDs of active users of the organisation
SELECT pg_temp.err('{"title": "t", "priority": "1"}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": null}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": "00000000-0000-7000-8520-000000000102"}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": []}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102", 7, "0000000000007000852000000000010"]}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["00000000000070008520000000000102"]}');
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["{00000000-0000-7000-8520-000000000102}"]}');
SELECT pg_temp.err(format('{"title": "t", "priority": "1", "responsibleIds": %s}', (SELECT jsonb_agg('00000000-0000-7000-8520-000000000102'::text) FROM generate_series(1, 101))));
SELECT pg_temp.try(format('{"title": "t", "priority": "1", "responsibleIds": %s}', (SELECT jsonb_agg('00000000-0000-7000-8520-000000000102'::text) FROM generate_series(1, 100)))) -> 'task_responsibles' AS repeated_ids_count_once;
SELECT pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["228D7A0D-9072-4CA8-939B-959B75CC606A"]}') -> 'task_responsibles' AS upper_case_uuid;
SELECT jsonb_pretty(pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-0000000001ff"]}'));
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000105"]}') AS agent_is_not_a_user;
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000104"]}') AS deactivated_user;
SELECT pg_temp.err('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102", "00000000-0000-7000-8520-0000000001ff", "00000000-0000-7000-8520-000000000104"]}') AS every_bad_id;
-- another organisation's user looks exactly like an id that does not exist
SELECT replace(pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000201"]}')::text, '00000000-0000-7000-8520-000000000201', '<id>')
     = replace(pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-0000000002ff"]}')::text, '00000000-0000-7000-8520-0000000002ff', '<id>') AS foreign_user_is_unknown;
-- a validation problem wins over an unknown reference (pipes run before the handler)
SELECT pg_temp.err('{"title": "", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-0000000001ff"]}');

-- dueDate / dueTime / timezone
-- a calendar date without dueTime: all-day, no zone shifting, no default zone
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26"}') AS date_only, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "timezone": "Pacific/Kiritimati"}') AS date_with_zone, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26T00:00:00.000Z", "timezone": "America/Santiago"}') AS midnight_utc_is_the_date, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26T00:00:00-03:00"}') AS local_midnight_is_the_date, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-10-25T23:30:00-05:00"}') AS datetime_without_time_is_all_day_on_written_date, pg_temp.stored();
-- a calendar date with dueTime: local time in timezone
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "14:30", "timezone": "America/Santiago"}') AS santiago_summer, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-06-26", "dueTime": "14:30", "timezone": "America/Santiago"}') AS santiago_winter;
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-01-15", "dueTime": "09:00", "timezone": "Asia/Tokyo"}') AS tokyo;
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26T00:00:00.000Z", "dueTime": "14:30", "timezone": "America/Santiago"}') AS midnight_utc_plus_time;
-- timezone defaults to UTC when dueTime is given without one
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "14:30"}') AS default_utc, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "14:30", "timezone": null}') AS null_zone_is_utc;
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "23:59", "timezone": "utc"}') AS canonical_utc;
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "00:00", "timezone": "europe/london"}') AS canonical_spelling;
-- a dueDate with its own time of day is an exact instant: dueTime then only makes the task timed
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-10-25T14:00:00.000Z", "dueTime": "14:00", "timezone": "America/Santiago"}') AS example_pair, pg_temp.stored();
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-10-25T14:00:00+02:00", "dueTime": "08:00"}') AS offset_instant;
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-10-25T14:00:00", "dueTime": "14:00", "timezone": "America/Santiago"}') AS local_datetime_in_zone;
-- DST: a skipped local time is refused, a repeated one is the earlier instant
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-09-07", "dueTime": "00:30", "timezone": "America/Santiago"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-09-07T00:30:00", "dueTime": "00:30", "timezone": "America/Santiago"}');
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-04-05", "dueTime": "23:30", "timezone": "America/Santiago"}') AS repeated_hour;
-- dueTime needs a dueDate; a timezone alone is accepted and not stored
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueTime": "14:30"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": null, "dueTime": "14:30", "timezone": "America/Santiago"}');
SELECT pg_temp.due('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "timezone": "America/Santiago"}') AS zone_without_date, pg_temp.stored();
-- dueTime format: HH:mm, 24-hour
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "9:00"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "14:30:00"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "24:00"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "14:60"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": ""}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": 1430}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "2:30 PM"}');
-- dueDate format
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "26/11/2025"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26 14:00"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": ""}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": 20251126}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-02-29"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-13-01T10:00:00Z"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26T25:00:00Z"}');
-- timezone: IANA names only
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "10:00", "timezone": "Mars/Olympus_Mons"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "10:00", "timezone": "-03:00"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "dueTime": "10:00", "timezone": "posixrules"}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "2025-11-26", "timezone": ""}');
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "timezone": 3}');
-- every date problem at once
SELECT pg_temp.err('{"title": "d", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "dueDate": "tomorrow", "dueTime": "noon", "timezone": "Santiago"}');

-- aiContactId / aiCustomerId: records of the organisation
SELECT pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000301", "aiCustomerId": "00000000-0000-7000-8520-000000000311"}') - 'task_responsibles' - 'status_config' AS both_links;
SELECT n.kind, n.record_id FROM tasks.notes n WHERE n.task_id = (pg_temp.last() ->> 'id')::uuid;
SELECT pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiCustomerId": "00000000-0000-7000-8520-000000000311"}') -> 'ai_customer_id' AS customer_only;
SELECT count(*) AS customer_gets_no_note FROM tasks.notes n WHERE n.task_id = (pg_temp.last() ->> 'id')::uuid;
SELECT jsonb_pretty(pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-0000000003ff"}'));
SELECT pg_temp.err('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000311"}') AS customer_is_not_a_contact;
SELECT pg_temp.err('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiCustomerId": "00000000-0000-7000-8520-000000000312"}') AS company_is_not_a_customer;
SELECT replace(pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000302"}')::text, '00000000-0000-7000-8520-000000000302', '<id>')
     = replace(pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-0000000003fe"}')::text, '00000000-0000-7000-8520-0000000003fe', '<id>') AS foreign_contact_is_unknown;
SELECT replace(pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiCustomerId": "00000000-0000-7000-8520-000000000303"}')::text, '00000000-0000-7000-8520-000000000303', '<id>')
     = replace(pg_temp.try('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiCustomerId": "00000000-0000-7000-8520-0000000003fd"}')::text, '00000000-0000-7000-8520-0000000003fd', '<id>') AS foreign_customer_is_unknown;
SELECT pg_temp.err('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-0000000001ff"], "aiContactId": "00000000-0000-7000-8520-0000000003ff", "aiCustomerId": "00000000-0000-7000-8520-0000000003fd"}') AS every_unknown_reference;
SELECT pg_temp.err('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": 301, "aiCustomerId": "customer-uuid-789"}');
-- a soft-deleted contact does not exist
UPDATE tasks.records SET deleted_at = now() WHERE workspace_id = '00000000-0000-7000-8520-000000000001' AND id = '00000000-0000-7000-8520-000000000301';
SELECT pg_temp.err('{"title": "c", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000301"}') AS deleted_contact;
UPDATE tasks.records SET deleted_at = NULL WHERE workspace_id = '00000000-0000-7000-8520-000000000001' AND id = '00000000-0000-7000-8520-000000000301';

-- associateToCalendar: a boolean, default false, kept in metadata
SELECT pg_temp.err('{"title": "a", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') AS absent, pg_temp.native() -> 'metadata' AS metadata;
SELECT pg_temp.err('{"title": "a", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "associateToCalendar": true}') AS on, pg_temp.native() -> 'metadata' AS metadata;
SELECT pg_temp.err('{"title": "a", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "associateToCalendar": null}') AS null_is_false, pg_temp.native() -> 'metadata' AS metadata;
SELECT pg_temp.err('{"title": "a", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "associateToCalendar": "true"}');

-- unknown properties are refused (forbidNonWhitelisted), the status cannot be chosen
SELECT pg_temp.err('{"title": "u", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "statusId": "00000000-0000-7000-8520-000000000001", "status": "done"}');
SELECT pg_temp.err('{"title": "u", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "due_date": "2025-11-26"}');
SELECT pg_temp.err(format('{"title": "u", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "%s": 1}', repeat('ü', 80))) = format('PT400 %s: property %s should not exist', repeat('ü', 50), repeat('ü', 50)) AS long_key_clipped_to_100_bytes;
-- the body must be an object
SELECT pg_temp.err('[]');
SELECT pg_temp.err('"title"');

-- nothing is stored when a call fails
SELECT count(*) AS tasks_before, (SELECT count(*) FROM tasks.notes WHERE workspace_id = '00000000-0000-7000-8520-000000000001') AS notes_before
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8520-000000000001';
SELECT pg_temp.err('{"title": "f", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102", "00000000-0000-7000-8520-0000000001ff"], "aiContactId": "00000000-0000-7000-8520-000000000301"}');
SELECT pg_temp.err('{"title": "f", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000301", "aiCustomerId": "00000000-0000-7000-8520-0000000003fd"}');
SELECT pg_temp.err('{"title": "f", "priority": "9", "responsibleIds": ["00000000-0000-7000-8520-000000000102"], "aiContactId": "00000000-0000-7000-8520-000000000301"}');
SELECT count(*) AS tasks_after, (SELECT count(*) FROM tasks.notes WHERE workspace_id = '00000000-0000-7000-8520-000000000001') AS notes_after
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8520-000000000001';

-- the caller: its API key stands for an active member, who becomes creator_id
SET tasks.actor_id = '00000000-0000-7000-8520-000000000103';
SELECT pg_temp.try('{"title": "by Tres", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') ->> 'creator_id' AS creator;
SET tasks.actor_id = '00000000-0000-7000-8520-000000000105';
SELECT pg_temp.try('{"title": "by the bot", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') ->> 'creator_id' AS agent_key_creator;
SET tasks.actor_id = '00000000-0000-7000-8520-000000000104';
SELECT pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') AS deactivated_caller;
SET tasks.actor_id = '00000000-0000-7000-8520-000000000201';
SELECT pg_temp.try('{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') AS foreign_caller;
RESET tasks.actor_id;
SELECT pg_temp.try('{"title": "", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') AS no_caller_before_validation;
SELECT set_config('request.jwt.claims', '{"role": "api", "workspace_id": "00000000-0000-7000-8520-000000000001", "member_id": "00000000-0000-7000-8520-000000000102"}', false) IS NOT NULL;
SELECT pg_temp.try('{"title": "jwt", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') ->> 'creator_id' AS jwt_creator;
SELECT set_config('request.jwt.claims', '', false) IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8520-000000000101';

-- over PostgREST (request.method set): 201 on success; a vendor error is the response, with its status
BEGIN;
SELECT set_config('request.method', 'POST', true) IS NOT NULL AS http, set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8520-000000000001", "member_id": "00000000-0000-7000-8520-000000000101"}', true) IS NOT NULL AS claims;
SELECT tasks_vambe.task_create('{"title": "201", "priority": "1", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') ? 'id' AS created;
SELECT current_setting('response.status') AS response_status;
SELECT tasks_vambe.task_create('{"title": "", "priority": "5", "responsibleIds": ["00000000-0000-7000-8520-000000000102"]}') AS error_body;
SELECT current_setting('response.status') AS response_status;
ROLLBACK;

-- one model underneath: the native API reads the same task
SELECT jsonb_pretty((t - 'id' - 'workspace_id' - 'created_at' - 'updated_at' - 'status' - 'notes')
	|| jsonb_build_object('status', t #>> '{status,name}',
						  'notes', (SELECT jsonb_agg(n - 'id' - 'created_at') FROM jsonb_array_elements(t -> 'notes') n))) AS native
  FROM tasks.task_get(:'example_id') AS t;
SELECT pg_temp.err('{"title": "All-day read back", "priority": "0", "dueDate": "2025-11-15T00:00:00.000Z", "timezone": "America/Santiago", "responsibleIds": ["00000000-0000-7000-8520-000000000103", "00000000-0000-7000-8520-000000000102"], "aiCustomerId": "00000000-0000-7000-8520-000000000311", "associateToCalendar": true}');
SELECT pg_temp.last() ->> 'id' AS allday_id \gset
SELECT t ->> 'title' AS title, t #>> '{status,name}' AS status, t ->> 'priority' AS priority, t ->> 'due_date' AS due_date,
	   t ->> 'due_at' AS due_at, t ->> 'timezone' AS timezone, t ->> 'all_day' AS all_day, t -> 'metadata' AS metadata,
	   (SELECT jsonb_agg(a ->> 'name' ORDER BY a ->> 'name') FROM jsonb_array_elements(t -> 'assignees') a) AS assignees,
	   (SELECT jsonb_agg(l ->> 'kind' || ':' || (l ->> 'name')) FROM jsonb_array_elements(t -> 'links') l) AS links,
	   t ->> 'created_by' AS created_by
  FROM tasks.task_get(:'allday_id') AS t;
SELECT pg_temp.mask(tasks._vambe_response('00000000-0000-7000-8520-000000000001', :'allday_id')) = pg_temp.mask(pg_temp.last()) AS response_reads_back_identically;

-- tasks from other dialects as Vambe shows them: urgent is 2, no priority is null,
-- statuses map to status_config.type, no due date is "all-day" with due_at null
SELECT tasks.task_create('{"title": "Native urgent", "priority": "urgent", "status": "done", "due_at": "2025-12-01T09:00:00Z"}') ->> 'id' AS urgent_id \gset
SELECT tasks.task_create('{"title": "Native plain", "status": "in_progress"}') ->> 'id' AS plain_id \gset
SELECT tasks.task_create('{"title": "Native cancelled", "status": "cancelled", "priority": "low"}') ->> 'id' AS cancelled_id \gset
SELECT r ->> 'title' AS title, r -> 'priority' AS priority, r -> 'due_at' AS due_at, r -> 'is_all_day' AS is_all_day,
	   r -> 'due_timezone' AS due_timezone, r #>> '{status_config,name}' AS status, r #>> '{status_config,type}' AS type,
	   r #> '{status_config,order}' AS "order", r -> 'task_responsibles' AS responsibles
  FROM unnest(ARRAY[:'urgent_id', :'plain_id', :'cancelled_id']::uuid[]) WITH ORDINALITY AS x(id, o),
	   tasks._vambe_response('00000000-0000-7000-8520-000000000001', x.id) AS r
 ORDER BY x.o;

-- the raw error a SQL client sees
\set VERBOSITY default
SELECT tasks_vambe.task_create('{"title": "", "responsibleIds": [], "priority": "1"}');
SELECT tasks_vambe.task_create('{"title": "t", "responsibleIds": ["00000000-0000-7000-8520-0000000001ff"], "priority": "1"}');
