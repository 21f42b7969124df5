-- A normalised description of everything the tasks extension owns in the
-- current database, one line per fact: a JSON array [object, attribute, value].
-- Objects are named, never numbered (no oids), and the lines are sorted, so
-- two databases compare with test/upgrade/compare.pl whatever order their
-- objects were created in.  Used by t/006_upgrade.pl and scripts/upgrade-check.sh
-- to check that ALTER EXTENSION tasks UPDATE gives what a fresh install gives.
--
--   psql -XAtq -v ON_ERROR_STOP=1 -f test/upgrade/describe.sql
--
-- Rows of the extension's tables: the rows the install seeds (a configuration
-- table's rows that its pg_dump filter leaves out; every row of a table that
-- is not dumped) always; every other row (user data) only when the setting
-- upgrade_check.user_rows is on.
SET search_path = '';
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.ext_rows(include_user boolean)
RETURNS TABLE (object text, attribute text, value text)
LANGUAGE plpgsql AS $$
DECLARE
	t record;
	keycols text;
	cond text;
BEGIN
	FOR t IN
		SELECT c.oid::pg_catalog.regclass AS rel, cfg.cond
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_class c ON c.oid = d.objid
		  LEFT JOIN (SELECT unnest(e.extconfig) AS oid, unnest(e.extcondition) AS cond
					   FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks') cfg ON cfg.oid = c.oid
		 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
		   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'tasks')
		   AND c.relkind IN ('r', 'p')
	LOOP
		-- the install's rows: every row of a table pg_dump never copies, else the
		-- rows its dump filter leaves out (the filter names bare columns: inside
		-- the subquery they are f's)
		IF t.cond IS NULL OR include_user THEN
			cond := 'true';
		ELSIF t.cond = '' OR t.cond ~* '^\s*WHERE\s+false\s*$' THEN
			-- dumped whole, or derived from other tables and dumped empty
			-- (WHERE false: the name vocabulary): user data, never seeded
			cond := 'false';
		ELSE
			cond := format('NOT EXISTS (SELECT 1 FROM %s f WHERE (%s) AND f.ctid = x.ctid)', t.rel,
						   regexp_replace(t.cond, '^\s*WHERE\s+', '', 'i'));
		END IF;
		SELECT string_agg(format('x.%I', a.attname), ' || '','' || ' ORDER BY k.ord)
		  INTO keycols
		  FROM pg_catalog.pg_index i
		  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
		  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		 WHERE i.indrelid = t.rel AND i.indisprimary;
		RETURN QUERY EXECUTE format(
			'SELECT %L || '' ('' || %s || '')'', ''values'', pg_catalog.to_jsonb(x)::text FROM %s x WHERE %s',
			'row ' || t.rel::text,
			coalesce(keycols, 'pg_catalog.md5(pg_catalog.to_jsonb(x)::text)'), t.rel, cond);
		RETURN QUERY EXECUTE format(
			'SELECT %L, ''count of rows described'', pg_catalog.count(*)::text FROM %s x WHERE %s',
			'table ' || t.rel::text, t.rel, cond);
	END LOOP;
	IF include_user THEN
		FOR t IN
			SELECT c.oid::pg_catalog.regclass AS rel FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
			 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e' AND c.relkind = 'S'
			   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'tasks')
		LOOP
			RETURN QUERY EXECUTE format('SELECT %L, ''last value'', last_value::text || CASE WHEN is_called THEN '''' ELSE '' (not called)'' END FROM %s',
										'sequence ' || t.rel::text, t.rel);
		END LOOP;
	END IF;
END
$$;

CREATE FUNCTION pg_temp.acl(a pg_catalog.aclitem[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN a IS NULL THEN '<default>'
		   ELSE coalesce((SELECT string_agg(x::text, ' ' ORDER BY x::text) FROM unnest(a) x), '<none>') END
$$;

CREATE TEMP VIEW ext_members AS
	SELECT d.classid, d.objid, d.objsubid
	  FROM pg_catalog.pg_depend d
	 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
	   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'tasks');

-- tables, views, sequences, indexes, composite types owned by the extension, and
-- the indexes of its tables (they are not members themselves)
CREATE TEMP VIEW ext_rels AS
	SELECT c.oid, c.oid::pg_catalog.regclass::text AS name,
		   CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
				WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index'
				WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END
			   AS what
	  FROM pg_catalog.pg_class c
	 WHERE c.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
		OR c.oid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i
					  WHERE i.indrelid IN (SELECT objid FROM ext_members
										   WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass));

CREATE TEMP VIEW ext_procs AS
	SELECT p.*, p.oid::pg_catalog.regprocedure::text AS name,
		   CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
				WHEN 'w' THEN 'window function' END AS what
	  FROM pg_catalog.pg_proc p
	 WHERE p.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_proc'::pg_catalog.regclass);

SELECT pg_catalog.json_build_array(object, attribute, coalesce(value, '<null>'))::text
  FROM (
	-- the extension itself
	SELECT 'extension tasks' AS object, 'version' AS attribute, e.extversion AS value
	  FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks'
	UNION ALL
	SELECT 'extension tasks', 'schema', e.extnamespace::pg_catalog.regnamespace::text
	  FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks'
	UNION ALL
	SELECT 'extension tasks', 'relocatable', e.extrelocatable::text
	  FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks'
	UNION ALL
	SELECT 'extension tasks', 'requires extension ' || r.extname, 'yes'
	  FROM pg_catalog.pg_depend d
	  JOIN pg_catalog.pg_extension r ON r.oid = d.refobjid
	 WHERE d.classid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	   AND d.objid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'tasks')
	UNION ALL
	SELECT 'extension tasks', 'comment', pg_catalog.obj_description(e.oid, 'pg_extension')
	  FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks'
	-- configuration tables (pg_extension_config_dump) and their dump filters
	UNION ALL
	SELECT 'extension tasks', 'dumped ' || cfg.oid::pg_catalog.regclass::text, 'filter: ' || cfg.cond
	  FROM (SELECT unnest(e.extconfig) AS oid, unnest(e.extcondition) AS cond
			  FROM pg_catalog.pg_extension e WHERE e.extname = 'tasks') cfg

	-- every member object
	UNION ALL
	SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, m.objsubid), 'member of extension', 'yes'
	  FROM ext_members m
	-- initial privileges recorded for extension objects (what pg_dump treats as the install's)
	UNION ALL
	SELECT 'privileges ' || pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid),
		   'initial privileges (' || i.privtype::text || ')', pg_temp.acl(i.initprivs)
	  FROM pg_catalog.pg_init_privs i
	 WHERE (i.classoid, i.objoid) IN (SELECT classid, objid FROM ext_members)
		OR (i.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.objoid IN (SELECT oid FROM ext_rels))

	-- schemas
	UNION ALL
	SELECT 'schema ' || n.nspname, a.attribute, a.value
	  FROM pg_catalog.pg_namespace n
	  CROSS JOIN LATERAL (VALUES
		('owner', n.nspowner::pg_catalog.regrole::text),
		('grants', pg_temp.acl(n.nspacl)),
		('comment', pg_catalog.obj_description(n.oid, 'pg_namespace'))) a(attribute, value)
	 WHERE n.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)

	-- functions, procedures, aggregates
	UNION ALL
	SELECT p.what || ' ' || p.name, a.attribute, a.value
	  FROM ext_procs p
	  CROSS JOIN LATERAL (VALUES
		('arguments', pg_catalog.pg_get_function_arguments(p.oid)),
		('result', pg_catalog.pg_get_function_result(p.oid)),
		('language', (SELECT l.lanname::text FROM pg_catalog.pg_language l WHERE l.oid = p.prolang)),
		('body', CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid) ELSE p.prosrc END),
		('object file', p.probin),
		('volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END),
		('strict', p.proisstrict::text),
		('security definer', p.prosecdef::text),
		('leakproof', p.proleakproof::text),
		('parallel', CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END),
		('cost', p.procost::text),
		('rows', p.prorows::text),
		('returns set', p.proretset::text),
		('support function', p.prosupport::pg_catalog.regproc::text),
		('configuration', (SELECT string_agg(c, ', ' ORDER BY c) FROM unnest(p.proconfig) c)),
		('owner', p.proowner::pg_catalog.regrole::text),
		('grants', pg_temp.acl(p.proacl)),
		('comment', pg_catalog.obj_description(p.oid, 'pg_proc'))) a(attribute, value)

	-- tables, views, sequences, indexes
	UNION ALL
	SELECT r.what || ' ' || r.name, a.attribute, a.value
	  FROM ext_rels r
	  JOIN pg_catalog.pg_class c ON c.oid = r.oid
	  CROSS JOIN LATERAL (VALUES
		('persistence', c.relpersistence::text),
		('row level security', c.relrowsecurity::text),
		('forced row level security', c.relforcerowsecurity::text),
		('options', (SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(c.reloptions) o)),
		('replica identity', c.relreplident::text),
		('access method', (SELECT amname::text FROM pg_catalog.pg_am WHERE oid = c.relam)),
		('tablespace', (SELECT spcname::text FROM pg_catalog.pg_tablespace WHERE oid = c.reltablespace)),
		('partition key', CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END),
		('inherits', (SELECT string_agg(i.inhparent::pg_catalog.regclass::text, ', ' ORDER BY i.inhseqno)
						FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)),
		('owner', c.relowner::pg_catalog.regrole::text),
		('grants', pg_temp.acl(c.relacl)),
		('comment', pg_catalog.obj_description(c.oid, 'pg_class')),
		('definition', CASE c.relkind WHEN 'v' THEN pg_catalog.pg_get_viewdef(c.oid)
						   WHEN 'm' THEN pg_catalog.pg_get_viewdef(c.oid)
						   WHEN 'i' THEN pg_catalog.pg_get_indexdef(c.oid)
						   WHEN 'I' THEN pg_catalog.pg_get_indexdef(c.oid) END),
		('clustered', (SELECT i.indisclustered::text FROM pg_catalog.pg_index i WHERE i.indexrelid = c.oid)),
		('of type', NULLIF(c.reloftype, 0)::pg_catalog.regtype::text)) a(attribute, value)
	 WHERE a.value IS NOT NULL OR a.attribute IN ('grants', 'comment', 'owner')
	UNION ALL
	SELECT 'sequence ' || s.seqrelid::pg_catalog.regclass::text, a.attribute, a.value
	  FROM pg_catalog.pg_sequence s
	  CROSS JOIN LATERAL (VALUES
		('type', s.seqtypid::pg_catalog.regtype::text), ('start', s.seqstart::text),
		('increment', s.seqincrement::text), ('max', s.seqmax::text), ('min', s.seqmin::text),
		('cache', s.seqcache::text), ('cycle', s.seqcycle::text),
		('owned by', (SELECT pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
						FROM pg_catalog.pg_depend d
					   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.seqrelid
						 AND d.deptype IN ('a', 'i') AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
					   LIMIT 1))) a(attribute, value)
	 WHERE s.seqrelid IN (SELECT oid FROM ext_rels)

	-- columns (position counts live columns only: a dropped column leaves a gap in attnum)
	UNION ALL
	SELECT 'column ' || r.name || '.' || pg_catalog.quote_ident(att.attname), a.attribute, a.value
	  FROM ext_rels r
	  JOIN pg_catalog.pg_attribute att ON att.attrelid = r.oid AND att.attnum > 0 AND NOT att.attisdropped
	  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = att.attrelid AND ad.adnum = att.attnum
	  CROSS JOIN LATERAL (VALUES
		('position', (SELECT count(*)::text FROM pg_catalog.pg_attribute o
					   WHERE o.attrelid = att.attrelid AND o.attnum > 0 AND o.attnum <= att.attnum AND NOT o.attisdropped)),
		('type', pg_catalog.format_type(att.atttypid, att.atttypmod)),
		('not null', att.attnotnull::text),
		('default', CASE WHEN att.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END),
		('generated', CASE WHEN att.attgenerated <> '' THEN att.attgenerated::text || ' ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END),
		('identity', NULLIF(att.attidentity::text, '')),
		('collation', CASE WHEN att.attcollation <> 0 THEN (SELECT collname::text FROM pg_catalog.pg_collation WHERE oid = att.attcollation) END),
		('storage', att.attstorage::text),
		('compression', NULLIF(att.attcompression::text, '')),
		('statistics target', NULLIF(att.attstattarget, -1)::text),
		-- (some server builds stamp every column with a pg_attver option: not the extension's)
		('options', (SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(att.attoptions) o WHERE o !~ '^pg_attver=')),
		('grants', CASE WHEN att.attacl IS NOT NULL THEN pg_temp.acl(att.attacl) END),
		('comment', pg_catalog.col_description(att.attrelid, att.attnum))) a(attribute, value)
	 WHERE r.what IN ('table', 'view', 'materialized view', 'foreign table', 'type')
	   AND (a.value IS NOT NULL OR a.attribute IN ('default', 'comment'))

	-- constraints of tables and domains
	UNION ALL
	SELECT 'constraint ' || coalesce(r.name, con.contypid::pg_catalog.regtype::text) || '.' || pg_catalog.quote_ident(con.conname),
		   a.attribute, a.value
	  FROM pg_catalog.pg_constraint con
	  LEFT JOIN ext_rels r ON r.oid = con.conrelid
	  CROSS JOIN LATERAL (VALUES
		('definition', pg_catalog.pg_get_constraintdef(con.oid)),
		('validated', con.convalidated::text),
		('comment', pg_catalog.obj_description(con.oid, 'pg_constraint'))) a(attribute, value)
	 WHERE r.oid IS NOT NULL
		OR con.contypid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass)

	-- triggers (not internal ones: those belong to foreign keys)
	UNION ALL
	SELECT 'trigger ' || r.name || '.' || pg_catalog.quote_ident(tg.tgname), a.attribute, a.value
	  FROM pg_catalog.pg_trigger tg
	  JOIN ext_rels r ON r.oid = tg.tgrelid
	  CROSS JOIN LATERAL (VALUES
		('definition', pg_catalog.pg_get_triggerdef(tg.oid)),
		('enabled', tg.tgenabled::text),
		('comment', pg_catalog.obj_description(tg.oid, 'pg_trigger'))) a(attribute, value)
	 WHERE NOT tg.tgisinternal

	-- row level security policies
	UNION ALL
	SELECT 'policy ' || r.name || '.' || pg_catalog.quote_ident(pol.polname), a.attribute, a.value
	  FROM pg_catalog.pg_policy pol
	  JOIN ext_rels r ON r.oid = pol.polrelid
	  CROSS JOIN LATERAL (VALUES
		('command', pol.polcmd::text),
		('permissive', pol.polpermissive::text),
		('roles', (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::pg_catalog.regrole::text END, ', ' ORDER BY 1)
					 FROM unnest(pol.polroles) x)),
		('using', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid)),
		('with check', pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid)),
		('comment', pg_catalog.obj_description(pol.oid, 'pg_policy'))) a(attribute, value)

	-- rules other than a view's own
	UNION ALL
	SELECT 'rule ' || r.name || '.' || pg_catalog.quote_ident(rw.rulename), 'definition', pg_catalog.pg_get_ruledef(rw.oid)
	  FROM pg_catalog.pg_rewrite rw
	  JOIN ext_rels r ON r.oid = rw.ev_class
	 WHERE rw.rulename <> '_RETURN'

	-- extended statistics
	UNION ALL
	SELECT 'statistics ' || st.stxnamespace::pg_catalog.regnamespace::text || '.' || st.stxname, 'definition',
		   pg_catalog.pg_get_statisticsobjdef(st.oid)
	  FROM pg_catalog.pg_statistic_ext st
	 WHERE st.stxrelid IN (SELECT oid FROM ext_rels)

	-- types and domains that are members (a table's row type comes with the table)
	UNION ALL
	SELECT 'type ' || t.oid::pg_catalog.regtype::text, a.attribute, a.value
	  FROM pg_catalog.pg_type t
	  CROSS JOIN LATERAL (VALUES
		('kind', t.typtype::text),
		('base type', CASE WHEN t.typbasetype <> 0 THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END),
		('not null', t.typnotnull::text),
		('default', t.typdefault),
		('enum labels', (SELECT string_agg(e.enumlabel::text, ', ' ORDER BY e.enumsortorder)
						   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)),
		('input', t.typinput::text), ('output', t.typoutput::text),
		('owner', t.typowner::pg_catalog.regrole::text),
		('grants', pg_temp.acl(t.typacl)),
		('comment', pg_catalog.obj_description(t.oid, 'pg_type'))) a(attribute, value)
	 WHERE t.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass)

	-- operators, casts, event triggers that are members
	UNION ALL
	SELECT 'operator ' || o.oid::pg_catalog.regoperator::text, a.attribute, a.value
	  FROM pg_catalog.pg_operator o
	  CROSS JOIN LATERAL (VALUES
		('function', o.oprcode::text), ('commutator', o.oprcom::pg_catalog.regoperator::text),
		('negator', o.oprnegate::pg_catalog.regoperator::text), ('restrict', o.oprrest::text),
		('join', o.oprjoin::text), ('hashes', o.oprcanhash::text), ('merges', o.oprcanmerge::text),
		('comment', pg_catalog.obj_description(o.oid, 'pg_operator'))) a(attribute, value)
	 WHERE o.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_operator'::pg_catalog.regclass)
	UNION ALL
	SELECT 'cast (' || pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) || ')',
		   a.attribute, a.value
	  FROM pg_catalog.pg_cast c
	  CROSS JOIN LATERAL (VALUES
		('function', c.castfunc::pg_catalog.regprocedure::text), ('context', c.castcontext::text),
		('method', c.castmethod::text)) a(attribute, value)
	 WHERE c.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_cast'::pg_catalog.regclass)
	UNION ALL
	SELECT 'event trigger ' || et.evtname, a.attribute, a.value
	  FROM pg_catalog.pg_event_trigger et
	  CROSS JOIN LATERAL (VALUES
		('event', et.evtevent::text), ('function', et.evtfoid::pg_catalog.regprocedure::text),
		('enabled', et.evtenabled::text), ('tags', array_to_string(et.evttags, ', '))) a(attribute, value)
	 WHERE et.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass)

	-- rows: what the install seeds, and user data when asked
	UNION ALL
	SELECT * FROM pg_temp.ext_rows(coalesce(pg_catalog.current_setting('upgrade_check.user_rows', true), '') = 'on')
  ) facts
 ORDER BY object, attribute, value;
