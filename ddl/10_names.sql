-- ---------------------------------------------------------------------------
-- 10_names: resolving record names (tasks.name_norm/name_key/name_fold are
-- declared in 00_model.sql because the generated columns need them).
-- ---------------------------------------------------------------------------

CREATE FUNCTION tasks.resolve(kind text, name text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_resolve'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.resolve(text, text) IS
	'Previews how a record name resolves in the current workspace: {"status": resolved|ambiguous|not_found|invalid, "query", "normalized", "method": exact|folded|fuzzy, "id", "name", "score", "candidates": [{"id", "name", "score"}]}. Unknown kinds raise 22023.';
