-- Hostile input: jsonb nested 1k..100k levels, 10^6-element arrays, 100 MB strings,
-- statement_timeout in the middle of a call.  Every call must end in a clean error
-- (the SQLSTATE and the first problems are shown), never a crash or a loop that
-- cannot be cancelled.  The big inputs are built server-side, so the test stays fast.
-- (The random version of this is test/fuzz/fuzz_payloads.py; see doc/hardening.md.)

-- "ok", or the SQLSTATE and a summary of the error body: native problems
-- (path:code, at most 3, then the count), a vendor body's code/type/field.
CREATE FUNCTION pg_temp.summary(d jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT CASE
		WHEN jsonb_typeof(d) = 'array' THEN
			(SELECT string_agg(left(e ->> 'path', 40) || ':' || (e ->> 'code'), ' ' ORDER BY n)
			   FROM jsonb_array_elements(d) WITH ORDINALITY a(e, n) WHERE n <= 3)
			|| CASE WHEN jsonb_array_length(d) > 3 THEN format(' (+%s)', jsonb_array_length(d) - 3) ELSE '' END
		WHEN d ? 'error' THEN concat_ws(' ', d #>> '{error,type}', d #>> '{error,code}', d #>> '{error,param}',
			(SELECT string_agg((x ->> 'field') || ':' || (x ->> 'code'), ' ' ORDER BY n)
			   FROM jsonb_array_elements(CASE jsonb_typeof(d #> '{error,details}') WHEN 'array' THEN d #> '{error,details}' ELSE '[]' END)
					WITH ORDINALITY a(x, n) WHERE n <= 3))
		WHEN d ? 'statusCode' THEN
			(SELECT string_agg(left(x ->> 'field', 40) || ': ' || left(x ->> 'message', 60), ' | ' ORDER BY n)
			   FROM jsonb_array_elements(coalesce(d -> 'errors', '[]')) WITH ORDINALITY a(x, n) WHERE n <= 3)
		WHEN jsonb_typeof(d -> 'detail') = 'array' THEN
			(SELECT string_agg(array_to_string(ARRAY(SELECT jsonb_array_elements_text(x -> 'loc')), '.') || ':' || (x ->> 'type'), ' ' ORDER BY n)
			   FROM jsonb_array_elements(d -> 'detail') WITH ORDINALITY a(x, n) WHERE n <= 3)
		WHEN d ? 'detail' THEN left(d ->> 'detail', 80)
		ELSE left(d::text, 80) END
$$;
CREATE FUNCTION pg_temp.outcome(call text, payload jsonb DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text; msg text; d jsonb;
BEGIN
	EXECUTE call INTO r USING payload;
	RETURN 'ok';
EXCEPTION WHEN query_canceled THEN
	RETURN '57014 canceled';
WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	BEGIN
		d := det::jsonb;
	EXCEPTION WHEN OTHERS THEN
		d := NULL;
	END;
	RETURN left(st || ' ' || coalesce(pg_temp.summary(d), msg), 120);
END $$;
-- the same with a payload: the function fn is called with it
CREATE FUNCTION pg_temp.send(fn text, payload jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.outcome(format('SELECT %s($1)', fn), payload)
$$;
-- jsonb nested n levels: arrays ([[[1]]]) or objects ({"a": {"a": 1}})
CREATE FUNCTION pg_temp.deep_array(n int) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN (repeat('[', n) || '1' || repeat(']', n))::jsonb; END $$;
CREATE FUNCTION pg_temp.deep_object(n int) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RETURN (repeat('{"a": ', n) || '1' || repeat('}', n))::jsonb; END $$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8e00-000000000001", "name": "Hostile input"}') IS NOT NULL AS ws;
SET tasks.workspace_id = '00000000-0000-7000-8e00-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8e00-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8e00-000000000101", "name": "Hostile actor", "scopes": ["tasks:create", "activities:write"]}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8e00-000000000201", "name": "hostile-bot"}') IS NOT NULL;
SELECT tasks.record_create(format('{"id": "00000000-0000-7000-8e00-000000000%s", "kind": "%s", "name": "%s"}', n, k, nm)::jsonb) IS NOT NULL
  FROM (VALUES ('301', 'contact', 'Hans Müller'), ('307', 'account', 'Initech'), ('309', 'customer', 'Acme'),
			   ('310', 'patient', 'Lucía Fernández'), ('315', 'project', 'Control plane'), ('318', 'thread', 'Thread one')) v(n, k, nm);
SELECT count(*) AS tasks_before FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8e00-000000000001';

-- PostgreSQL's own jsonb parser takes about 12k levels with max_stack_depth = 2MB; 100k levels
-- are refused (54001) before any tasks code runs, so 10k is the deepest a payload gets
SELECT jsonb_typeof(pg_temp.deep_array(10000)) AS parsed_10k;
SELECT pg_temp.outcome($$SELECT pg_temp.deep_array(100000)$$) AS parse_100k;

-- 1. Deep nesting: 1k, 5k and 10k levels wherever a payload takes a value
SELECT n, pg_temp.send('tasks.task_create', pg_temp.deep_array(n)) AS root,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', pg_temp.deep_array(n))) AS title,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'metadata', pg_temp.deep_object(n))) AS metadata
  FROM unnest(ARRAY[1000, 5000, 10000]) n;
SELECT n, pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'links', pg_temp.deep_array(n))) AS links,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'links', jsonb_build_array(jsonb_build_object('kind', 'contact', 'name', pg_temp.deep_object(n))))) AS link_name,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'tags', pg_temp.deep_array(n), 'notes', pg_temp.deep_array(n))) AS tags_notes
  FROM unnest(ARRAY[1000, 5000, 10000]) n;
SELECT n, pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'assignee_ids', pg_temp.deep_array(n), 'dependency_ids', pg_temp.deep_object(n))) AS ids,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'unknown', pg_temp.deep_object(n))) AS unknown_key,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'due_at', pg_temp.deep_array(n), 'timezone', pg_temp.deep_object(n))) AS dates
  FROM unnest(ARRAY[1000, 5000, 10000]) n;
-- metadata just under and over 64 kB of nesting (8 bytes a level)
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 'deep metadata', 'metadata', jsonb_build_object('a', pg_temp.deep_array(7000)))) AS metadata_7k_levels;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'metadata', jsonb_build_object('a', pg_temp.deep_array(9000)))) AS metadata_9k_levels;
-- the stored deep metadata reads back whole
SELECT length(tasks.task_get(id) ->> 'metadata') AS deep_metadata_chars
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8e00-000000000001' AND title = 'deep metadata';
SELECT n,
	   pg_temp.send('tasks_lightfield.task_create', jsonb_build_object('fields', jsonb_build_object('$title', pg_temp.deep_array(n), '$status', 'TODO'),
			'relationships', jsonb_build_object('$assignedTo', pg_temp.deep_array(n)))) AS lightfield,
	   pg_temp.send('tasks_lightfield.task_create', jsonb_build_object('fields', pg_temp.deep_object(n), 'relationships', '{}'::jsonb)) AS lightfield_fields
  FROM unnest(ARRAY[1000, 10000]) n;
SELECT n,
	   pg_temp.send('tasks_leadlex.task_create', jsonb_build_object('title', pg_temp.deep_array(n), 'contact_id', pg_temp.deep_object(n))) AS leadlex,
	   pg_temp.send('tasks_vambe.task_create', jsonb_build_object('title', 't', 'priority', '1', 'responsibleIds', pg_temp.deep_array(n), 'dueDate', pg_temp.deep_object(n))) AS vambe
  FROM unnest(ARRAY[1000, 10000]) n;
SELECT n,
	   pg_temp.send('tasks_care.task_create', jsonb_build_object('title', 't', 'description', 'd', 'assigned_user_ids', pg_temp.deep_array(n),
			'created_by_id', '00000000-0000-7000-8e00-000000000101', 'deadline', pg_temp.deep_object(n), 'tags', pg_temp.deep_array(n))) AS care,
	   pg_temp.send('tasks_acp.task_create', jsonb_build_object('title', 't', 'metadata', pg_temp.deep_object(n), 'dependencyIds', pg_temp.deep_array(n),
			'linkedThreadIds', pg_temp.deep_object(n))) AS acp
  FROM unnest(ARRAY[1000, 10000]) n;

-- 2. Arrays of 10^6 elements (uuids of this workspace's members and records, repeated; strings)
CREATE TEMP TABLE million AS
SELECT to_jsonb(array_fill('00000000-0000-7000-8e00-000000000201'::text, ARRAY[1000000])) AS same_id,
	   to_jsonb(ARRAY(SELECT '00000000-0000-7000-8e00-' || lpad(to_hex(i), 12, '0') FROM generate_series(1, 1000000) i)) AS ids,
	   to_jsonb(ARRAY(SELECT 't' || i FROM generate_series(1, 1000000) i)) AS strings,
	   to_jsonb(array_fill('{"kind": "contact", "id": "00000000-0000-7000-8e00-000000000301"}'::jsonb, ARRAY[1000000])) AS links;
SELECT jsonb_array_length(same_id), jsonb_array_length(ids), jsonb_array_length(strings), jsonb_array_length(links) FROM million;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'tags', strings)) AS tags,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'notes', strings)) AS notes,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'assignee_ids', ids)) AS assignee_ids,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'assignee_ids', same_id)) AS assignee_ids_repeated
  FROM million;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'links', links)) AS links,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'dependency_ids', ids)) AS dependency_ids,
	   pg_temp.send('tasks.task_create', strings) AS root_array
  FROM million;
SELECT pg_temp.send('tasks_lightfield.task_create', jsonb_build_object('fields', '{"$title": "t", "$status": "TODO"}'::jsonb,
			'relationships', jsonb_build_object('$assignedTo', same_id, '$account', ids))) AS lightfield,
	   pg_temp.send('tasks_leadlex.task_create', jsonb_build_object('title', 't', 'contact_id', '00000000-0000-7000-8e00-000000000301', 'assignee_id', ids)) AS leadlex,
	   pg_temp.send('tasks_vambe.task_create', jsonb_build_object('title', 't', 'priority', '1', 'responsibleIds', ids)) AS vambe,
	   pg_temp.send('tasks_vambe.task_create', jsonb_build_object('title', 't', 'priority', '1', 'responsibleIds', strings)) AS vambe_not_uuids
  FROM million;
SELECT pg_temp.send('tasks_care.task_create', jsonb_build_object('title', 't', 'description', 'd', 'assigned_user_ids', same_id,
			'created_by_id', '00000000-0000-7000-8e00-000000000101', 'deadline', '2026-03-10T09:00:00Z', 'tags', strings)) AS care,
	   pg_temp.send('tasks_acp.task_create', jsonb_build_object('title', 't', 'dependencyIds', ids, 'linkedThreadIds', same_id)) AS acp,
	   pg_temp.send('tasks_acp.task_create', jsonb_build_object('title', 't', 'linkedThreadIds', strings)) AS acp_not_uuids
  FROM million;
-- 10^5 keys in metadata
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'metadata', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 100000) i))) AS many_key_metadata;
DROP TABLE million;

-- 3. Huge strings, refused by length in characters: a title of 100 MB here, the rest 10 MB
-- of 1-, 2- and 4-byte characters (t/004_huge_input.pl sends 100 MB to every field of
-- every endpoint; it takes minutes).  One per payload: a jsonb value holds at most 256 MB.
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', repeat('x', 100000000))) AS title_100mb;
CREATE TEMP TABLE huge AS SELECT repeat('x', 10000000) AS ascii, repeat('ü', 5000000) AS two_byte, repeat('😀', 2500000) AS four_byte;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', four_byte)) AS title,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'description', two_byte)) AS description,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'contact_name', four_byte)) AS contact_name
  FROM huge;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'links', jsonb_build_array(jsonb_build_object('kind', 'contact', 'name', ascii)))) AS link_name,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'timezone', ascii)) AS zone,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'due_at', four_byte)) AS due_at,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'metadata', jsonb_build_object('blob', ascii))) AS metadata
  FROM huge;
SELECT pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'tags', jsonb_build_array(four_byte))) AS tag,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'notes', jsonb_build_array(two_byte))) AS note,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', ascii, 1)) AS key_of_100mb,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'external_id', ascii)) AS external_id,
	   pg_temp.send('tasks.task_create', jsonb_build_object('title', 't', 'type', two_byte)) AS type
  FROM huge;
SELECT pg_temp.send('tasks_lightfield.task_create', jsonb_build_object('fields', jsonb_build_object('$title', ascii, '$status', 'TODO'),
			'relationships', jsonb_build_object('$assignedTo', '00000000-0000-7000-8e00-000000000101'))) AS lightfield,
	   pg_temp.send('tasks_lightfield.task_create', jsonb_build_object('fields', jsonb_build_object('$title', 't', '$status', 'TODO', '$description', two_byte),
			'relationships', jsonb_build_object('$assignedTo', '00000000-0000-7000-8e00-000000000101'))) AS lightfield_description,
	   pg_temp.send('tasks_leadlex.task_create', jsonb_build_object('title', four_byte, 'contact_id', '00000000-0000-7000-8e00-000000000301')) AS leadlex,
	   pg_temp.send('tasks_leadlex.task_create', jsonb_build_object('title', 't', 'contact_name', ascii)) AS leadlex_name
  FROM huge;
SELECT pg_temp.send('tasks_vambe.task_create', jsonb_build_object('title', ascii, 'priority', '1',
			'responsibleIds', jsonb_build_array('00000000-0000-7000-8e00-000000000101'))) AS vambe,
	   pg_temp.send('tasks_vambe.task_create', jsonb_build_object('title', 't', 'priority', '1', 'timezone', two_byte, 'dueDate', '2026-03-10',
			'responsibleIds', jsonb_build_array('00000000-0000-7000-8e00-000000000101'))) AS vambe_zone,
	   pg_temp.send('tasks_care.task_create', jsonb_build_object('title', 't', 'description', two_byte,
			'assigned_user_ids', jsonb_build_array('00000000-0000-7000-8e00-000000000101'), 'created_by_id', '00000000-0000-7000-8e00-000000000101',
			'deadline', '2026-03-10T09:00:00Z')) AS care,
	   pg_temp.send('tasks_care.task_create', jsonb_build_object('title', 't', 'description', 'd',
			'assigned_user_ids', jsonb_build_array('00000000-0000-7000-8e00-000000000101'), 'created_by_id', ascii,
			'deadline', '2026-03-10T09:00:00Z')) AS care_id,
	   pg_temp.send('tasks_acp.task_create', jsonb_build_object('title', 't', 'description', four_byte, 'projectId', '00000000-0000-7000-8e00-000000000315')) AS acp_description,
	   pg_temp.send('tasks_acp.task_create', jsonb_build_object('title', ascii)) AS acp
  FROM huge;
-- the names through the normalisers and the resolver: refused by size (22001), or by the 500-character rule
SELECT pg_temp.outcome($$SELECT to_jsonb(tasks.name_norm(ascii)) FROM pg_temp.huge$$) AS name_norm,
	   pg_temp.outcome($$SELECT to_jsonb(tasks.name_key(two_byte)) FROM pg_temp.huge$$) AS name_key,
	   pg_temp.outcome($$SELECT tasks.resolve('contact', four_byte) FROM pg_temp.huge$$) AS resolve,
	   pg_temp.outcome($$SELECT tasks.record_create(jsonb_build_object('kind', 'contact', 'name', ascii)) FROM pg_temp.huge$$) AS record_create;
DROP TABLE huge;

-- 4. statement_timeout in the middle of a long call ends it with 57014 (a clean cancel):
-- a 1,000-task bulk create takes far longer than 50 ms; the timeout fires between items.
-- (300k unknown keys no longer take long: at most 100 problems are kept, the rest counted.)
-- (t/003_interrupts.pl measures how soon each endpoint answers a cancel.)
CREATE TEMP TABLE slow AS SELECT jsonb_build_object('tasks', (SELECT jsonb_agg(jsonb_build_object('title', 'bulk ' || i)) FROM generate_series(1, 1000) i)) AS batch;
SET statement_timeout = '50ms';
SELECT pg_temp.outcome($$SELECT tasks.task_create_many(batch) FROM pg_temp.slow$$) AS cancelled;
RESET statement_timeout;
-- the session still works afterwards
SELECT pg_temp.send('tasks.task_create', '{"title": "after the cancel"}') AS after_cancel;
DROP TABLE slow;
-- 300k unknown keys: not every problem is echoed back, only the first 100 and a count
CREATE FUNCTION pg_temp.detail_of(payload jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
	PERFORM tasks.task_create(payload);
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN d::jsonb;
END $$;
SELECT jsonb_array_length(d) AS problems_shown, d -> -1 ->> 'code' AS last_code, (d -> -1 ->> 'message') ~ '^[0-9]+ more problems not shown$' AS rest_counted
  FROM (SELECT pg_temp.detail_of((SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 300000) i) || '{"title": "t"}') AS d) s;

-- nothing was stored by any failure: the three successes above only
SELECT count(*) AS tasks_after, string_agg(title, ', ' ORDER BY title) AS titles
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8e00-000000000001';
SELECT count(*) AS orphan_rows FROM tasks.task_assignees a
 WHERE a.workspace_id = '00000000-0000-7000-8e00-000000000001'
   AND NOT EXISTS (SELECT 1 FROM tasks.tasks t WHERE t.workspace_id = a.workspace_id AND t.id = a.task_id);
