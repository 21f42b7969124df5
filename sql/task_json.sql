-- The one read shape of a task, built in C (src/task_json.c).
-- tasks._task_json_batch, tasks.task_json, the items of tasks.task_list and
-- the response of a create are all written by one builder; here each is
-- compared with the SQL that tasks 1.0 used to build the shape (the reference
-- below, jsonb_build_object per task), on edge cases: no children, many
-- children whose names sort by accents and kind, notes, null / all-day /
-- out-of-range / infinite dates, infinite instants, NaN and infinite sort
-- orders, tags with nulls and in two dimensions, deleted tasks.

CREATE FUNCTION pg_temp.ref(ws uuid, task uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', t.id, 'workspace_id', t.workspace_id, 'title', t.title, 'description', t.description,
		'status', jsonb_build_object('id', s.id, 'name', s.name, 'category', s.category, 'color', s.color),
		'priority', t.priority, 'type', t.type, 'tags', to_jsonb(t.tags),
		'due_date', to_jsonb(to_char(t.due_date, 'YYYY-MM-DD')), 'due_at', tasks.format_instant(t.due_at),
		'timezone', t.due_timezone, 'all_day', t.due_date IS NOT NULL,
		'deadline', tasks.format_instant(t.deadline), 'scheduled_start', tasks.format_instant(t.scheduled_start),
		'scheduled_end', tasks.format_instant(t.scheduled_end), 'completed_at', tasks.format_instant(t.completed_at),
		'sort_order', t.sort_order, 'metadata', t.metadata, 'external_id', t.external_id,
		'created_by', t.created_by, 'created_at', tasks.format_instant(t.created_at),
		'updated_at', tasks.format_instant(t.updated_at), 'version', t.version,
		'assignees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'kind', m.kind, 'name', m.name)
												ORDER BY m.kind DESC, m.name, m.id)
								 FROM tasks.task_assignees a JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id
								WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id), '[]'),
		'links', coalesce((SELECT jsonb_agg(jsonb_build_object('relation', l.relation, 'kind', l.kind, 'id', r.id, 'name', r.name)
											ORDER BY l.relation, r.name, r.id)
							 FROM tasks.task_links l JOIN tasks.records r ON r.workspace_id = l.workspace_id AND r.id = l.record_id
							WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id), '[]'),
		'dependency_ids', coalesce((SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id) FROM tasks.task_dependencies d
									 WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), '[]'),
		'notes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', n.id, 'body', n.body, 'kind', n.kind,
															   'created_at', tasks.format_instant(n.created_at)) ORDER BY n.id)
							 FROM tasks.notes n WHERE n.workspace_id = t.workspace_id AND n.task_id = t.id), '[]'))
	  FROM tasks.tasks t JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = ws AND t.id = task
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8150-000000000001", "name": "Shape"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8150-000000000001';
-- Names that sort differently by bytes and by collation (accents, case), users and agents.
SELECT count(tasks.member_create(p)) AS members FROM jsonb_array_elements('[
 {"id": "00000000-0000-7000-8150-000000000101", "name": "Émile"},
 {"id": "00000000-0000-7000-8150-000000000102", "name": "Zoë"},
 {"id": "00000000-0000-7000-8150-000000000103", "name": "ana"},
 {"id": "00000000-0000-7000-8150-000000000104", "name": "Ana"},
 {"id": "00000000-0000-7000-8150-000000000105", "name": "Ana"}]') p;
SELECT count(tasks.agent_create(p)) AS agents FROM jsonb_array_elements('[
 {"id": "00000000-0000-7000-8150-000000000111", "name": "Ángel bot"},
 {"id": "00000000-0000-7000-8150-000000000112", "name": "Bot"}]') p;
SELECT count(tasks.record_create(p)) AS records FROM jsonb_array_elements('[
 {"id": "00000000-0000-7000-8150-000000000301", "kind": "contact", "name": "Ñandú"},
 {"id": "00000000-0000-7000-8150-000000000302", "kind": "contact", "name": "Nadia"},
 {"id": "00000000-0000-7000-8150-000000000303", "kind": "contact", "name": "Öl"},
 {"id": "00000000-0000-7000-8150-000000000304", "kind": "company", "name": "Acme"}]') p;
SET tasks.actor_id = '00000000-0000-7000-8150-000000000101';
-- Creates; each response is then compared with the reference of the stored task
-- (with notes it is read back, else built from the draft).
CREATE TEMP TABLE responses AS
SELECT x.o, x.p ->> 'title' AS title, tasks.task_create(x.p) AS r
  FROM jsonb_array_elements('[
 {"title": "S01 bare", "created_at": "2026-01-01T00:01:00Z"},
 {"title": "S02 everything", "description": "d", "priority": "high", "type": "call", "tags": ["b", "a", "ä"],
  "due_date": "2026-03-10", "deadline": "2026-03-11T10:00:00Z", "scheduled_start": "2026-03-09T08:00:00Z",
  "scheduled_end": "2026-03-09T09:00:00.123Z", "sort_order": 0.1, "metadata": {"z": [1, 2.50, {"k": null}], "a": "x"},
  "external_id": "ext-1", "created_at": "2026-01-01T00:02:00Z",
  "assignee_ids": ["00000000-0000-7000-8150-000000000102", "00000000-0000-7000-8150-000000000111", "00000000-0000-7000-8150-000000000101",
				   "00000000-0000-7000-8150-000000000105", "00000000-0000-7000-8150-000000000103", "00000000-0000-7000-8150-000000000112",
				   "00000000-0000-7000-8150-000000000104"],
  "links": [{"kind": "contact", "id": "00000000-0000-7000-8150-000000000303"}, {"kind": "contact", "id": "00000000-0000-7000-8150-000000000301"},
			{"kind": "contact", "id": "00000000-0000-7000-8150-000000000302"}, {"kind": "company", "id": "00000000-0000-7000-8150-000000000304"},
			{"kind": "contact", "id": "00000000-0000-7000-8150-000000000302", "relation": "billing_contact"}]},
 {"title": "S03 notes", "due_at": "2026-03-10T23:30:00Z", "timezone": "Europe/Berlin", "sort_order": -0.0, "status": "Done",
  "notes": ["first", "second", "third"], "created_at": "2026-01-01T00:03:00Z"},
 {"title": "S04 deleted", "sort_order": 1e300, "created_at": "2026-01-01T00:04:00Z"},
 {"title": "S05 odd values", "created_at": "2026-01-01T00:05:00Z"}]') WITH ORDINALITY x(p, o);
-- Dependencies (sorted by id whatever order they were given in).
INSERT INTO responses
SELECT 6, 'S06 depends', tasks.task_create(jsonb_build_object('title', 'S06 depends', 'created_at', '2026-01-01T00:06:00Z',
		'dependency_ids', (SELECT jsonb_agg(id ORDER BY id DESC) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8150-000000000001')));
SELECT title, (r - 'resolutions') = pg_temp.ref('00000000-0000-7000-8150-000000000001', (r ->> 'id')::uuid) AS response_is_ref,
	   jsonb_array_length(r -> 'assignees') AS assignees, jsonb_array_length(r -> 'links') AS links,
	   jsonb_array_length(r -> 'dependency_ids') AS dependencies, jsonb_array_length(r -> 'notes') AS notes
  FROM responses ORDER BY o;
-- Values no payload can give, written directly (row triggers off: test setup).
SET session_replication_role = replica;
UPDATE tasks.tasks SET deleted_at = '2026-01-20T00:00:00Z', deleted_by = '00000000-0000-7000-8150-000000000101'
 WHERE workspace_id = '00000000-0000-7000-8150-000000000001' AND title = 'S04 deleted';
UPDATE tasks.tasks SET due_date = '10000-01-01', deadline = 'infinity', scheduled_start = '-infinity', sort_order = 'NaN',
	   tags = '{{a,NULL},{"",c}}', metadata = '[]', description = repeat('long ', 4000), type = NULL, priority = NULL
 WHERE workspace_id = '00000000-0000-7000-8150-000000000001' AND title = 'S05 odd values';
INSERT INTO tasks.tasks (workspace_id, id, title, status_id, due_date, sort_order, tags, created_at, updated_at)
SELECT '00000000-0000-7000-8150-000000000001', v.id::uuid, v.title, s.id, v.due::date, v.so::float8, v.tags::text[],
	   '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'
  FROM (VALUES ('00000000-0000-7000-8150-0000000009a1', 'S07 bc date', '0044-03-15 BC', 'Infinity', '{}'),
			   ('00000000-0000-7000-8150-0000000009a2', 'S08 infinite date', 'infinity', '-Infinity', '{NULL}')) v(id, title, due, so, tags)
  JOIN tasks.statuses s ON s.workspace_id = '00000000-0000-7000-8150-000000000001' AND s.is_initial;
RESET session_replication_role;

-- tasks._task_json_batch and tasks.task_json equal the reference for every task (deleted ones too).
SELECT t.title, b.task = pg_temp.ref(t.workspace_id, t.id) AS batch_is_ref,
	   tasks.task_json(t.workspace_id, t.id) = pg_temp.ref(t.workspace_id, t.id) AS task_json_is_ref,
	   b.task::text = pg_temp.ref(t.workspace_id, t.id)::text AS same_text
  FROM tasks.tasks t
  LEFT JOIN tasks._task_json_batch(t.workspace_id, ARRAY[t.id]) b ON true
 WHERE t.workspace_id = '00000000-0000-7000-8150-000000000001'
 ORDER BY t.title;
-- One batch of all of them, in the order given, with a null, a repeated id and an id of no task: ord counts them all.
SELECT array_agg(b.ord ORDER BY b.ord) AS ords, bool_and(b.task = pg_temp.ref('00000000-0000-7000-8150-000000000001', b.id)) AS all_ref
  FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001',
	   ARRAY(SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8150-000000000001' ORDER BY title DESC)
	   || ARRAY[NULL, '00000000-0000-7000-8150-0000000009a1', '00000000-0000-7000-8150-0000000009ff']::uuid[]) b;
SELECT count(*) AS none FROM tasks._task_json_batch(NULL, ARRAY['00000000-0000-7000-8150-0000000009a1'::uuid]);
SELECT count(*) AS none FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001', NULL);
SELECT count(*) AS none FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001', '{}');
-- Another workspace's id gives nothing.
SELECT count(*) AS none FROM tasks._task_json_batch('00000000-0000-7000-8110-000000000001', ARRAY['00000000-0000-7000-8150-0000000009a1'::uuid]);

-- The items of tasks.task_list are the reference; with include_deleted, plus deleted_at and deleted_by.
SELECT bool_and(e = pg_temp.ref('00000000-0000-7000-8150-000000000001', (e ->> 'id')::uuid)) AS list_is_ref, count(*) AS items
  FROM jsonb_array_elements(tasks.task_list('{"limit": 200}') -> 'data') e;
SELECT bool_and(e = pg_temp.ref('00000000-0000-7000-8150-000000000001', (e ->> 'id')::uuid)
				|| jsonb_build_object('deleted_at', tasks.format_instant(t.deleted_at), 'deleted_by', t.deleted_by)) AS list_is_ref,
	   count(*) AS items, string_agg(t.title || ' ' || (e ->> 'deleted_at') || ' ' || (e ->> 'deleted_by'), '') AS deleted
  FROM jsonb_array_elements(tasks.task_list('{"limit": 200, "include_deleted": true}') -> 'data') e
  JOIN tasks.tasks t ON t.workspace_id = '00000000-0000-7000-8150-000000000001' AND t.id = (e ->> 'id')::uuid;

-- The exact text of the odd values (generated ids and times left out; the
-- order of S02's children depends on the database's collation, compared above).
\x on
SELECT t.title, ((tasks.task_json(t.workspace_id, t.id) - 'id' - 'updated_at' - 'notes' - 'workspace_id'
		- CASE WHEN t.title = 'S05 odd values' THEN 'description' ELSE '' END) #- '{status,id}')::text AS task
  FROM tasks.tasks t
 WHERE t.workspace_id = '00000000-0000-7000-8150-000000000001' AND t.title IN ('S05 odd values', 'S07 bc date', 'S08 infinite date')
 ORDER BY t.title;
\x off
SELECT jsonb_agg(n - 'id' - 'created_at') AS notes, jsonb_agg(n -> 'id') = jsonb_agg(n -> 'id' ORDER BY n ->> 'id') AS notes_by_id
  FROM tasks.tasks t, jsonb_array_elements(tasks.task_json(t.workspace_id, t.id) -> 'notes') n
 WHERE t.workspace_id = '00000000-0000-7000-8150-000000000001' AND t.title = 'S03 notes';

-- A session with another zone, date style and float digits gets the same as the reference.
SET TimeZone = 'Pacific/Kiritimati';
SET DateStyle = 'SQL, DMY';
SET extra_float_digits = -3;
SELECT bool_and(b.task = pg_temp.ref(t.workspace_id, t.id)) AS batch_is_ref, count(*) AS tasks
  FROM tasks.tasks t, tasks._task_json_batch(t.workspace_id, ARRAY[t.id]) b
 WHERE t.workspace_id = '00000000-0000-7000-8150-000000000001';
RESET TimeZone;
RESET DateStyle;
RESET extra_float_digits;

-- Under forced row level security, as the API role: the same JSON.
SELECT jsonb_agg(b.task ORDER BY b.ord)::text AS as_owner
  FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001',
	   ARRAY(SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8150-000000000001' ORDER BY title)) b \gset
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL) IS NOT NULL AS api_ready;
RESET client_min_messages;
SET ROLE tasks_api;
SELECT jsonb_agg(b.task ORDER BY b.ord)::text = :'as_owner' AS same_under_rls, count(*) AS tasks
  FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001',
	   ARRAY(SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8150-000000000001' ORDER BY title)) b;
SELECT bool_and(e = (SELECT b.task FROM tasks._task_json_batch('00000000-0000-7000-8150-000000000001', ARRAY[(e ->> 'id')::uuid]) b)) AS list_is_batch,
	   count(*) AS items
  FROM jsonb_array_elements(tasks.task_list('{"limit": 200}') -> 'data') e;
RESET ROLE;
RESET tasks.actor_id;
RESET tasks.workspace_id;
