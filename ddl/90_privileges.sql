-- ---------------------------------------------------------------------------
-- 90_privileges: nothing is callable by PUBLIC; roles are granted explicitly.
-- Covers schema tasks and every dialect schema (tasks_<dialect>) this
-- script created.
-- ---------------------------------------------------------------------------
DO $privileges$
DECLARE
	s name;
BEGIN
	FOR s IN
		SELECT n.nspname FROM pg_catalog.pg_namespace n
		  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND d.objid OPERATOR(pg_catalog.=) n.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
		  JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
		 WHERE e.extname OPERATOR(pg_catalog.=) 'tasks'
		UNION ALL SELECT 'tasks'
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', s);
		EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC', s);
		EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
	END LOOP;
END
$privileges$;
