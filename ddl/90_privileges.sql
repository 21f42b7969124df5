-- ---------------------------------------------------------------------------
-- 90_privileges: nothing is callable by PUBLIC; roles are granted explicitly.
-- ---------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tasks FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA tasks FROM PUBLIC;
REVOKE ALL ON SCHEMA tasks FROM PUBLIC;
