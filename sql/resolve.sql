-- tasks.resolve(kind, name): a record name to one id, or a refusal with candidates.
-- Two workspaces with fixed ids; ids below are shown by their last 3 digits.
INSERT INTO tasks.workspaces (id, name) VALUES
	('5e5e0000-0000-7000-8000-00000000000a', 'Resolve A'),
	('5e5e0000-0000-7000-8000-00000000000b', 'Resolve B');
INSERT INTO tasks.records (workspace_id, id, kind, name) VALUES
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000101', 'contact', 'Hans Müller'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000102', 'contact', 'John Smith'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000103', 'contact', 'Anna Schmidt'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000104', 'contact', 'Anna Schmidt'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000105', 'contact', 'Alice Walker'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000106', 'contact', 'Albert Brown'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000107', 'contact', 'Bo'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000108', 'contact', 'Иван Петров'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000109', 'contact', 'Łukasz Żółć'),
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000110', 'company', 'Lena Fischer'),
	('5e5e0000-0000-7000-8000-00000000000b', '5e5e0000-0000-7000-8000-000000000201', 'contact', 'Olga Kuznetsova'),
	('5e5e0000-0000-7000-8000-00000000000b', '5e5e0000-0000-7000-8000-000000000202', 'contact', 'Hans Müller');
INSERT INTO tasks.records (workspace_id, id, kind, name, deleted_at) VALUES
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000199', 'contact', 'Gregor Samsa', now());

-- status, method, resolved record, score, candidates (name score id)
CREATE FUNCTION pg_temp.res(q text, k text DEFAULT 'contact')
RETURNS TABLE (status text, method text, id text, name text, score numeric, candidates text)
LANGUAGE sql AS $$
	SELECT j ->> 'status', j ->> 'method', right(j ->> 'id', 3), j ->> 'name', (j ->> 'score')::numeric,
		(SELECT string_agg(format('%s %s %s', c ->> 'name', c ->> 'score', right(c ->> 'id', 3)), ', ' ORDER BY n)
		   FROM jsonb_array_elements(j -> 'candidates') WITH ORDINALITY AS a(c, n))
	FROM (SELECT tasks.resolve(k, q) AS j) s
$$;
-- SQLSTATE and message of a failing call
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SET tasks.workspace_id = '5e5e0000-0000-7000-8000-00000000000a';

-- the whole answer, for the shape
SELECT tasks.resolve('contact', 'Müller, Hans');
SELECT tasks.resolve('contact', 'Anna Schmidt');
SELECT tasks.resolve('contact', 'Nobody Here');

SELECT q, r.* FROM (VALUES
	('Hans Müller'),			-- exact
	('hans muller'),			-- case and accents
	('HANS MÜLLER'),
	('Müller, Hans'),			-- word order and punctuation
	('  müller   hans!! '),
	('Ivan Petrov'),			-- Cyrillic record, Latin query
	('Иван Петров'),
	('Lukasz Zolc'),			-- Polish letters
	('Hans Mueller'),			-- German transliteration: folded tier
	('Mueller, Hans'),
	('Hans Mülller'),			-- typo: fuzzy
	('Jon Smith'),				-- only John Smith exists
	('Smith'),					-- surname only, unique
	('John'),					-- first name only, unique
	('Schmidt'),				-- surname only, two people
	('Anna Schmidt'),			-- duplicates: never pick one
	('Nobody Here'),			-- absent
	('Olga Kuznetsova'),		-- another workspace's contact
	('Olga Petrova'),			-- like Ivan Petrov only: refused, with him as candidate
	('Gregor Samsa'),			-- deleted record
	('Gregor'),
	('Lena Fischer'),			-- a company, not a contact
	('Al'),						-- short: never fuzzy, prefix suggestions
	('Jo'),
	('Bo'),						-- short but exact
	('Hn'),						-- short, nothing starts with it
	('Zz'),
	(''),						-- nothing to match
	('!!!'),
	('😀')
) AS v(q), pg_temp.res(q) AS r;
SELECT * FROM pg_temp.res(repeat('a', 501));	-- longer than any name
SELECT * FROM pg_temp.res(repeat('a', 500));

-- kind scoping and unknown kinds
SELECT * FROM pg_temp.res('Lena Fischer', 'company');
SELECT * FROM pg_temp.res('Hans Müller', 'company');
SELECT pg_temp.err($$SELECT tasks.resolve('planet', 'Mars')$$);
SELECT tasks.resolve(NULL, 'x') IS NULL AS null_kind, tasks.resolve('contact', NULL) IS NULL AS null_name;

-- the other workspace sees only its own records
SET tasks.workspace_id = '5e5e0000-0000-7000-8000-00000000000b';
SELECT q, r.* FROM (VALUES ('Hans Müller'), ('Olga Kuznetsova'), ('John Smith')) AS v(q), pg_temp.res(q) AS r;
RESET tasks.workspace_id;
SELECT left(pg_temp.err($$SELECT tasks.resolve('contact', 'Hans Müller')$$), 5) AS no_workspace;
SET tasks.workspace_id = '5e5e0000-0000-7000-8000-00000000000a';

-- a second Müller makes the surname ambiguous, the full name stays exact
INSERT INTO tasks.records (workspace_id, id, kind, name) VALUES
	('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-000000000111', 'contact', 'Petra Müller');
SELECT q, r.* FROM (VALUES ('Müller'), ('Hans Müller'), ('Petra Mueller')) AS v(q), pg_temp.res(q) AS r;

-- a deleted record stops matching, a restored one matches again
UPDATE tasks.records SET deleted_at = now() WHERE id = '5e5e0000-0000-7000-8000-000000000111';
SELECT * FROM pg_temp.res('Müller');
UPDATE tasks.records SET deleted_at = NULL WHERE id = '5e5e0000-0000-7000-8000-000000000199';
SELECT * FROM pg_temp.res('Gregor Samsa');

-- the caller's pg_trgm thresholds change nothing, and are restored
SET pg_trgm.similarity_threshold = 0.9;
SET pg_trgm.strict_word_similarity_threshold = 0.99;
SELECT q, r.* FROM (VALUES ('Jon Smith'), ('Hans Mülller'), ('Smith'), ('Schmidt')) AS v(q), pg_temp.res(q) AS r;
SHOW pg_trgm.similarity_threshold;
SHOW pg_trgm.strict_word_similarity_threshold;
SET pg_trgm.similarity_threshold = 0.01;
SET pg_trgm.strict_word_similarity_threshold = 0.01;
SELECT q, r.* FROM (VALUES ('Jon Smith'), ('Hans Mülller'), ('Smith'), ('Schmidt'), ('Nobody Here')) AS v(q), pg_temp.res(q) AS r;
SHOW pg_trgm.similarity_threshold;
RESET pg_trgm.similarity_threshold;
RESET pg_trgm.strict_word_similarity_threshold;

-- a hostile search_path changes nothing
CREATE SCHEMA evil;
CREATE FUNCTION evil.similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION evil.strict_word_similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION evil.always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.% (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always);
CREATE OPERATOR evil.<<% (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always);
SET search_path = evil, public;
SELECT similarity('abc', 'xyz') AS evil_similarity, 'abc' % 'xyz' AS evil_operator;
SELECT q, r.* FROM (VALUES ('Jon Smith'), ('Nobody Here'), ('Hans Mülller')) AS v(q), pg_temp.res(q) AS r;
RESET search_path;
DROP SCHEMA evil CASCADE;

-- clean up
RESET tasks.workspace_id;
DELETE FROM tasks.workspaces WHERE id IN ('5e5e0000-0000-7000-8000-00000000000a', '5e5e0000-0000-7000-8000-00000000000b');
