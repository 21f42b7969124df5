-- Security properties of the installed extension, and behaviour under a hostile session.

-- Every function that looks names up at run time pins search_path.  The
-- exceptions are C functions that resolve no names (a SET clause would cost a
-- GUC save/restore per row where they feed generated columns).
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tasks')
   AND p.proconfig IS NULL
 ORDER BY 1::text;
-- the one definer function reads API key hashes for the pre-request; the one leakproof function,
-- tasks._due_key, is a sort key that cannot fail, so row level security lets it drive an index
SELECT p.oid::regprocedure AS definer_or_leakproof
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tasks')
   AND (p.prosecdef OR p.proleakproof);
-- PUBLIC may execute nothing (a NULL proacl would mean the default grant to PUBLIC)
SELECT p.oid::regprocedure AS public_execute
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tasks')
   AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0));
-- and no table is readable by PUBLIC
SELECT c.oid::regclass AS public_table
  FROM pg_class c
 WHERE c.relnamespace = 'tasks'::regnamespace AND c.relkind = 'r'
   AND (c.relacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0));
-- every create is VOLATILE (PostgREST runs STABLE functions read-only)
SELECT p.oid::regprocedure AS not_volatile FROM pg_proc p WHERE p.proname IN ('task_create', 'task_create_many') AND p.provolatile <> 'v';
-- every primary, unique and foreign key of a tenant table starts with workspace_id
SELECT conrelid::regclass AS tbl, conname
  FROM pg_constraint
 WHERE connamespace = 'tasks'::regnamespace AND contype IN ('p', 'u', 'f')
   AND conrelid::regclass::text NOT IN ('tasks.workspaces', 'tasks.record_kinds', 'tasks.record_kind_edits', 'tasks.workspace_grants',
                                        'tasks.name_words')  -- keyed (word, workspace_id, kind) on purpose: 10_names.sql
   AND confrelid <> 'tasks.record_kinds'::regclass  -- a global catalog, not tenant data
   AND (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) <> 'workspace_id'
 ORDER BY 1::text, 2;
-- user data is dumped
SELECT c.relname AS not_dumped
  FROM pg_class c
 WHERE c.relnamespace = 'tasks'::regnamespace AND c.relkind = 'r'
   AND c.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'tasks')::oid[]);

-- A hostile session: decoy functions and operators on the path, odd settings.
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8600-000000000001", "name": "Hostile"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8600-000000000001';
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000302", "kind": "contact", "name": "Olga Petrova"}') IS NOT NULL;
CREATE SCHEMA evil;
CREATE FUNCTION evil.similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION evil.strict_word_similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS 'SELECT ''hans muller''';
CREATE FUNCTION evil.always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.% (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always);
CREATE FUNCTION evil.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.uuid_eq);
CREATE FUNCTION pg_temp.show(payload text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks.task_create(payload::jsonb);
	RETURN (SELECT string_agg(l ->> 'name', ', ') FROM jsonb_array_elements(r -> 'links') l) || ' / ' || (r ->> 'due_at');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(det::jsonb) e);
END $$;
SET search_path = evil, pg_catalog, public;
SET pg_trgm.similarity_threshold = 0.99;
SET pg_trgm.strict_word_similarity_threshold = 0.99;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Kiritimati';
SET extra_float_digits = -15;
SET IntervalStyle = 'sql_standard';
SELECT pg_temp.show('{"title": "t", "contact_name": "Hans Mülller", "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin"}');
SELECT pg_temp.show('{"title": "t", "contact_name": "Zebediah Quux"}');
SELECT pg_temp.show('{"title": "t", "contact_id": "00000000-0000-7000-8600-0000000003ff"}');
SELECT tasks.resolve('contact', 'olga petrowa') ->> 'name' AS fuzzy_despite_thresholds;
SELECT current_setting('pg_trgm.similarity_threshold') AS caller_threshold_kept;
RESET ALL;
DROP SCHEMA evil CASCADE;
