-- Encoding: every length limit counts characters, not bytes, at the exact limit in 2-, 3- and
-- 4-byte UTF-8; text echoed back in errors is clipped on a character boundary.
-- (A database in another encoding is t/002_encoding.pl.)

-- "ok", or the SQLSTATE and the problem (native: path:code; vendor: the field and code or message)
CREATE FUNCTION pg_temp.outcome(fn text, payload jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text; msg text; d jsonb;
BEGIN
	EXECUTE format('SELECT %s($1)', fn) INTO r USING payload;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	BEGIN
		d := det::jsonb;
	EXCEPTION WHEN OTHERS THEN
		d := to_jsonb(det);
	END;
	RETURN st || ' ' || CASE
		WHEN jsonb_typeof(d) = 'array' THEN (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(d) e)
		WHEN d ? 'error' THEN concat_ws(' ', d #>> '{error,code}', d #>> '{error,type}', d #>> '{error,param}',
			(SELECT string_agg((x ->> 'field') || ':' || (x ->> 'code'), ' ') FROM jsonb_array_elements(coalesce(d #> '{error,details}', '[]')) x))
		WHEN d ? 'statusCode' THEN (SELECT string_agg((x ->> 'field') || ': ' || (x ->> 'message'), ' | ') FROM jsonb_array_elements(d -> 'errors') x)
		WHEN jsonb_typeof(d -> 'detail') = 'array' THEN (SELECT string_agg((x #>> '{loc,1}') || ':' || (x ->> 'type'), ' ') FROM jsonb_array_elements(d -> 'detail') x)
		ELSE left(msg, 100) END;
END $$;
-- one field of a valid body set to n copies of a 1-, 2-, 3- and 4-byte character, at the limit
-- and one past it; names take letters (a name needs a letter or digit): a, ж, 山, 𠀀
CREATE FUNCTION pg_temp.at_limit(fn text, body jsonb, path text[], n int, names boolean DEFAULT false)
RETURNS TABLE (chars text, at_limit text, over_limit text) LANGUAGE sql AS $$
	SELECT c.label || ' ' || ch, pg_temp.outcome(fn, jsonb_set(body, path, to_jsonb(repeat(ch, n)))),
		   pg_temp.outcome(fn, jsonb_set(body, path, to_jsonb(repeat(ch, n + 1))))
	  FROM (VALUES (1, '1 byte', 'a', 'a'), (2, '2 bytes', 'ü', 'ж'), (3, '3 bytes', '€', '山'), (4, '4 bytes', '😀', '𠀀')) c(o, label, sym, letter),
		   LATERAL (SELECT CASE WHEN names THEN letter ELSE sym END AS ch) x
	 ORDER BY c.o
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8d00-000000000001", "name": "Encoding"}') IS NOT NULL AS ws;
SET tasks.workspace_id = '00000000-0000-7000-8d00-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8d00-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8d00-000000000101", "name": "Encoder", "scopes": ["tasks:create", "activities:write"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8d00-000000000301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8d00-000000000310", "kind": "patient", "name": "Lucía Fernández"}') IS NOT NULL;

-- byte lengths of the test characters in this (UTF-8) database
SELECT ch, octet_length(ch) AS bytes, length(ch) AS chars FROM unnest(ARRAY['a', 'ü', 'ж', '€', '山', '😀', '𠀀', 'e' || U&'\0301']) ch;

-- native: title 500, description 100000, type / tags / external_id 255, notes 100000
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t"}', '{title}', 500);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "description": ""}', '{description}', 100000);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "type": ""}', '{type}', 255);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "tags": [""]}', '{tags,0}', 255);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "external_id": ""}', '{external_id}', 255);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "notes": [""]}', '{notes,0}', 100000);
-- names: records and members 500; names to resolve 500 (contact names find the contacts just
-- made, patient names find nothing: not_found is the answer at the limit)
SELECT * FROM pg_temp.at_limit('tasks.record_create', '{"kind": "contact", "name": ""}', '{name}', 500, true);
SELECT * FROM pg_temp.at_limit('tasks.member_create', '{"name": ""}', '{name}', 500, true);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "contact_name": ""}', '{contact_name}', 500, true);
SELECT * FROM pg_temp.at_limit('tasks.task_create', '{"title": "t", "links": [{"kind": "patient", "name": ""}]}', '{links,0,name}', 500, true);
SELECT ch, tasks.resolve('contact', repeat(ch, 500)) ->> 'status' AS at_limit, tasks.resolve('contact', repeat(ch, 501)) ->> 'status' AS over_limit
  FROM unnest(ARRAY['a', 'ж', '山', '𠀀']) ch;
-- what was stored at the limit kept every character (ж is transliterated: 500 become "zh" x 500)
SELECT octet_length(name) AS bytes, char_length(name) AS chars, char_length(name_norm) AS norm_chars
  FROM tasks.records WHERE workspace_id = '00000000-0000-7000-8d00-000000000001' AND char_length(name) = 500 ORDER BY 1;
SELECT octet_length(title) AS bytes, char_length(title) AS chars
  FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8d00-000000000001' AND char_length(title) = 500 ORDER BY 1;

-- dialects: the title (500) and description (100000) limits of each
SELECT * FROM pg_temp.at_limit('tasks_lightfield.task_create',
	'{"fields": {"$title": "t", "$status": "TODO"}, "relationships": {"$assignedTo": "00000000-0000-7000-8d00-000000000101"}}', '{fields,$title}', 500);
SELECT * FROM pg_temp.at_limit('tasks_lightfield.task_create',
	'{"fields": {"$title": "t", "$status": "TODO", "$description": ""}, "relationships": {"$assignedTo": "00000000-0000-7000-8d00-000000000101"}}', '{fields,$description}', 100000);
SELECT * FROM pg_temp.at_limit('tasks_leadlex.task_create', '{"title": "t", "contact_id": "00000000-0000-7000-8d00-000000000301"}', '{title}', 500);
SELECT * FROM pg_temp.at_limit('tasks_vambe.task_create', '{"title": "t", "priority": "1", "responsibleIds": ["00000000-0000-7000-8d00-000000000101"]}', '{title}', 500);
SELECT * FROM pg_temp.at_limit('tasks_vambe.task_create', '{"title": "t", "description": "", "priority": "1", "responsibleIds": ["00000000-0000-7000-8d00-000000000101"]}', '{description}', 100000);
SELECT * FROM pg_temp.at_limit('tasks_care.task_create', '{"title": "t", "description": "d", "assigned_user_ids": ["00000000-0000-7000-8d00-000000000101"],
	"created_by_id": "00000000-0000-7000-8d00-000000000101", "deadline": "2026-03-10T09:00:00Z"}', '{title}', 500);
SELECT * FROM pg_temp.at_limit('tasks_care.task_create', '{"title": "t", "description": "d", "assigned_user_ids": ["00000000-0000-7000-8d00-000000000101"],
	"created_by_id": "00000000-0000-7000-8d00-000000000101", "deadline": "2026-03-10T09:00:00Z"}', '{description}', 100000);
SELECT * FROM pg_temp.at_limit('tasks_care.task_create', '{"title": "t", "description": "d", "assigned_user_ids": ["00000000-0000-7000-8d00-000000000101"],
	"created_by_id": "00000000-0000-7000-8d00-000000000101", "deadline": "2026-03-10T09:00:00Z", "tags": [""]}', '{tags,0}', 255);
SELECT * FROM pg_temp.at_limit('tasks_acp.task_create', '{"title": "t"}', '{title}', 500);

-- a character is a code point: "e" + combining acute counts 2, so 250 of them fill a title
SELECT pg_temp.outcome('tasks.task_create', jsonb_build_object('title', repeat('e' || U&'\0301', 250))) AS decomposed_250,
	   pg_temp.outcome('tasks.task_create', jsonb_build_object('title', repeat('e' || U&'\0301', 250) || 'x')) AS decomposed_250_plus_1,
	   pg_temp.outcome('tasks.task_create', jsonb_build_object('title', repeat(U&'\00e9', 500))) AS precomposed_500;
-- whitespace-only and invisible characters are characters too (title 1..500)
SELECT pg_temp.outcome('tasks.task_create', jsonb_build_object('title', ' ')) AS one_space,
	   pg_temp.outcome('tasks.task_create', jsonb_build_object('title', U&'\200b')) AS zero_width_space,
	   pg_temp.outcome('tasks.task_create', jsonb_build_object('title', U&'\feff')) AS bom;

-- echoed text is clipped on a character boundary: unknown keys of 4-byte characters show at
-- most 100 bytes (25 emoji), never a split character (which would not even be valid jsonb)
CREATE FUNCTION pg_temp.detail(fn text, payload jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE det text;
BEGIN
	EXECUTE format('SELECT %s($1)', fn) USING payload;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
	RETURN det::jsonb;
END $$;
SELECT k AS key, length(p) AS chars, octet_length(p) AS bytes, p = left(k, length(p)) AS prefix_of_key
  FROM (SELECT k, ltrim(pg_temp.detail('tasks.task_create', jsonb_build_object('title', 't', k, 1)) -> 0 ->> 'path', '/') AS p
		  FROM unnest(ARRAY[repeat('😀', 40), 'x' || repeat('😀', 40), 'xx' || repeat('€', 40), repeat('ü', 60)]) k) s;
SELECT length(f) AS chars, octet_length(f) AS bytes
  FROM (SELECT pg_temp.detail('tasks_vambe.task_create', jsonb_build_object('title', 't', 'priority', '1',
			'responsibleIds', '["00000000-0000-7000-8d00-000000000101"]'::jsonb, 'x' || repeat('😀', 40), 1)) #>> '{errors,0,field}' AS f) s;
SELECT length(f) AS chars, octet_length(f) AS bytes
  FROM (SELECT pg_temp.detail('tasks_acp.task_create', jsonb_build_object('title', 't', 'xyz' || repeat('😀', 40), 1)) #>> '{error,details,0,field}' AS f) s;

-- nothing stored by a failure: only the calls at the limit ("ok") stored a task
SELECT count(*) AS tasks FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8d00-000000000001';
