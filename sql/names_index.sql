-- The name vocabulary behind fuzzy resolution (tasks.name_words, tasks.name_postings):
-- kept by triggers on tasks.records through inserts, renames, kind changes, soft and
-- hard deletes; rebuilt by tasks.name_index_rebuild(); never read across workspaces.
INSERT INTO tasks.workspaces (id, name) VALUES
	('5e5e0000-0000-7000-8000-0000000000c1', 'Index A'),
	('5e5e0000-0000-7000-8000-0000000000c2', 'Index B');
INSERT INTO tasks.records (workspace_id, id, kind, name) VALUES
	('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-000000000c01', 'contact', 'Hans Müller'),
	('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-000000000c02', 'contact', 'Müller, Hans'),
	('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-000000000c03', 'company', 'Müller GmbH'),
	('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-000000000c04', 'patient', 'Иван Петров'),
	('5e5e0000-0000-7000-8000-0000000000c2', '5e5e0000-0000-7000-8000-000000000c05', 'contact', 'Olga Kuznetsova');

-- The state the triggers keep must equal the one derived from the live records.
CREATE FUNCTION pg_temp.index_drift() RETURNS TABLE (tbl text, workspace text, kind text, word text, record text)
LANGUAGE sql AS $$
	(SELECT 'postings missing', right(r.workspace_id::text, 2), r.kind, w, right(r.id::text, 3)
	   FROM tasks.records r, unnest(string_to_array(r.name_norm, ' ')) w
	  WHERE r.deleted_at IS NULL
	 EXCEPT
	 SELECT 'postings missing', right(p.workspace_id::text, 2), p.kind, p.word, right(p.record_id::text, 3)
	   FROM tasks.name_postings p)
	UNION ALL
	(SELECT 'postings extra', right(p.workspace_id::text, 2), p.kind, p.word, right(p.record_id::text, 3)
	   FROM tasks.name_postings p
	 EXCEPT
	 SELECT 'postings extra', right(r.workspace_id::text, 2), r.kind, w, right(r.id::text, 3)
	   FROM tasks.records r, unnest(string_to_array(r.name_norm, ' ')) w
	  WHERE r.deleted_at IS NULL)
	UNION ALL
	(SELECT 'words missing', right(p.workspace_id::text, 2), p.kind, p.word, NULL
	   FROM tasks.name_postings p
	 EXCEPT
	 SELECT 'words missing', right(v.workspace_id::text, 2), v.kind, v.word, NULL
	   FROM tasks.name_words v)
	ORDER BY 1, 2, 3, 4, 5
$$;

SELECT right(workspace_id::text, 2) AS ws, kind, word FROM tasks.name_words
 WHERE workspace_id IN ('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-0000000000c2')
 ORDER BY 1, 2, 3;
SELECT right(workspace_id::text, 2) AS ws, kind, word, right(record_id::text, 3) AS record FROM tasks.name_postings
 WHERE workspace_id IN ('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-0000000000c2')
 ORDER BY 1, 2, 3, 4;
SELECT * FROM pg_temp.index_drift();

-- rename, kind change, soft delete, undelete, hard delete; one multi-row statement
UPDATE tasks.records SET name = 'Hanna Schmidt' WHERE id = '5e5e0000-0000-7000-8000-000000000c01';
UPDATE tasks.records SET kind = 'customer' WHERE id = '5e5e0000-0000-7000-8000-000000000c03';
UPDATE tasks.records SET deleted_at = now() WHERE id = '5e5e0000-0000-7000-8000-000000000c02';
SELECT * FROM pg_temp.index_drift();
SELECT right(record_id::text, 3) AS record, kind, word FROM tasks.name_postings
 WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c1' ORDER BY 1, 2, 3;
UPDATE tasks.records SET deleted_at = NULL WHERE id = '5e5e0000-0000-7000-8000-000000000c02';
-- a rename that keeps a word (hans) and a multi-row update touching only some names
UPDATE tasks.records SET name = CASE WHEN id = '5e5e0000-0000-7000-8000-000000000c02' THEN 'Hans Hans Mueller' ELSE name END,
	   external_id = 'x'
 WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c1';
SELECT right(record_id::text, 3) AS record, kind, word FROM tasks.name_postings
 WHERE record_id = '5e5e0000-0000-7000-8000-000000000c02' ORDER BY 1, 2, 3;
DELETE FROM tasks.records WHERE id = '5e5e0000-0000-7000-8000-000000000c04';
UPDATE tasks.records SET data = '{"x": 1}' WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c1';
SELECT * FROM pg_temp.index_drift();
-- stale words stay (harmless: they lead to no postings)
SELECT kind, word FROM tasks.name_words
 WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c1' AND word IN ('hans', 'ivan', 'gmbh') ORDER BY 1, 2;

-- resolution follows: the renamed record is found by its new name only
SET tasks.workspace_id = '5e5e0000-0000-7000-8000-0000000000c1';
SELECT tasks.resolve('contact', 'Hanna Schmit') ->> 'status' AS status,
	   tasks.resolve('contact', 'Hanna Schmit') ->> 'name' AS name;
SELECT j ->> 'status' AS status, j ->> 'method' AS method, j ->> 'name' AS name
  FROM tasks.resolve('contact', 'Hans Mueler') AS j;
SELECT tasks.resolve('patient', 'Ivan Petrv') ->> 'status' AS deleted_patient;
SELECT tasks.resolve('customer', 'Mueller GmbH') ->> 'method' AS moved_kind;
-- another workspace's words and records are never candidates
SELECT tasks.resolve('contact', 'Olga Kuznetsva') ->> 'status' AS other_workspace;
RESET tasks.workspace_id;

-- the API role writes records, and through the triggers their words, under row level security
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL) IS NOT NULL AS api_roles;
RESET client_min_messages;
SET tasks.workspace_id = '5e5e0000-0000-7000-8000-0000000000c1';
SET ROLE tasks_api;
INSERT INTO tasks.records (workspace_id, id, kind, name) VALUES
	('5e5e0000-0000-7000-8000-0000000000c1', '5e5e0000-0000-7000-8000-000000000c06', 'contact', 'Zofia Nowak');
-- (it may insert words, not read them)
SELECT count(*) AS words_visible FROM tasks.name_words;
SELECT tasks.resolve('contact', 'Zofia Nowk') ->> 'name' AS resolved_as_api;
RESET ROLE;
RESET tasks.workspace_id;
SELECT word, right(record_id::text, 3) AS record FROM tasks.name_postings
 WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c1' AND word IN ('zofia', 'nowak') ORDER BY 1;

-- a rebuild gives the same rows
CREATE TEMP TABLE before_rebuild AS
	SELECT workspace_id, kind, word, record_id FROM tasks.name_postings;
SELECT tasks.name_index_rebuild() > 0 AS rebuilt;
SELECT count(*) AS differences FROM (
	(SELECT workspace_id, kind, word, record_id FROM tasks.name_postings EXCEPT SELECT * FROM before_rebuild)
	UNION ALL
	(SELECT * FROM before_rebuild EXCEPT SELECT workspace_id, kind, word, record_id FROM tasks.name_postings)) d;
SELECT * FROM pg_temp.index_drift();

-- deleting a workspace removes its words and postings
DELETE FROM tasks.workspaces WHERE id = '5e5e0000-0000-7000-8000-0000000000c2';
SELECT (SELECT count(*) FROM tasks.name_words WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c2') AS words,
	   (SELECT count(*) FROM tasks.name_postings WHERE workspace_id = '5e5e0000-0000-7000-8000-0000000000c2') AS postings;
DELETE FROM tasks.workspaces WHERE id = '5e5e0000-0000-7000-8000-0000000000c1';
