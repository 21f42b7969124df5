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

-- ---------------------------------------------------------------------------
-- Fuzzy candidates that do not grow with the workspace.
--
-- A trigram scan over every record name decodes posting lists shared by a
-- large part of a big workspace.  Instead the resolver matches the query's
-- words against the workspace's vocabulary of distinct name words (a few
-- thousand for a million contacts) and then reads a bounded number of live
-- records per matched word from a b-tree.  Both tables are derived from
-- tasks.records by the triggers below and are rebuilt by them when a dump is
-- restored, so their rows are not dumped (see tasks.name_index_rebuild()).
-- ---------------------------------------------------------------------------

-- Distinct words of record names per workspace and kind.  Insert-only: a word
-- whose last record went away stays and is harmless (it only leads to no
-- postings).
--
-- Unlike every other key, the primary key does not start with workspace_id,
-- on purpose: pg_trgm's functions claim a cost of 1, so a b-tree usable for
-- (workspace_id, kind) lets the planner prefer filtering every word of a
-- large workspace with % (measured: 44k words, 150 ms) to the trigram
-- index.  The trigram GIN leaves kind to the heap recheck: a GIN key on it
-- would intersect every scan with the posting tree of all words of that
-- kind in every workspace (measured: 3x the index pages).  The GIN also
-- serves the workspace foreign key's cascade.
CREATE TABLE tasks.name_words (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	kind		text NOT NULL,
	word		text NOT NULL,
	PRIMARY KEY (word, workspace_id, kind)
);
CREATE INDEX name_words_trgm_idx ON tasks.name_words
	USING gin (workspace_id, word gin_trgm_ops);
COMMENT ON TABLE tasks.name_words IS
	'Derived from tasks.records by trigger: the distinct words of record names (name_norm split at spaces) per workspace and kind, for fuzzy name resolution.';

-- One row per word of every live record's name: the records of a word in id
-- (creation) order through the primary key.  A stale row (records deleted
-- with triggers off) is harmless: candidates are re-read from tasks.records
-- and must be live there.
CREATE TABLE tasks.name_postings (
	workspace_id uuid NOT NULL,
	kind		text NOT NULL,
	word		text NOT NULL,
	record_id	uuid NOT NULL,
	PRIMARY KEY (workspace_id, kind, word, record_id)
);
COMMENT ON TABLE tasks.name_postings IS
	'Derived from tasks.records by trigger: (word, record) for every word of every live record name, for fuzzy name resolution.';

-- Statement-level triggers with transition tables: one INSERT per statement,
-- so COPY and bulk INSERT ... SELECT pay per statement, not per row.  Words
-- are inserted in sorted order (fewer lock-order deadlocks between concurrent
-- writers) with ON CONFLICT DO NOTHING: a concurrent writer of the same word
-- waits for the first and then skips it, so no word is ever lost.  The words
-- of a name are name_norm split at its single spaces.  The functions run as
-- the writer of the records (no SECURITY DEFINER): whoever may insert records
-- of a workspace may insert their words, under the same row level security.
CREATE FUNCTION tasks._name_index_add() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO tasks.name_words (workspace_id, kind, word)
	SELECT DISTINCT n.workspace_id, n.kind, w.word
	  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
	 WHERE n.deleted_at IS NULL
	 ORDER BY 1, 2, 3
	ON CONFLICT DO NOTHING;
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT DISTINCT n.workspace_id, n.kind, w.word, n.id
	  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
	 WHERE n.deleted_at IS NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE FUNCTION tasks._name_index_remove() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM tasks.name_postings p
	 USING name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
	 WHERE p.workspace_id OPERATOR(pg_catalog.=) o.workspace_id
	   AND p.kind OPERATOR(pg_catalog.=) o.kind
	   AND p.word OPERATOR(pg_catalog.=) w.word
	   AND p.record_id OPERATOR(pg_catalog.=) o.id;
	RETURN NULL;
END
$$;

-- An update moves the postings of the rows whose name, kind or liveness
-- changed (transition tables cannot be limited to columns): the postings
-- the old row had and the new one has not are deleted, the reverse are
-- inserted, so no key is deleted and inserted by the same statement.  Rows
-- updated otherwise (data, external_id) cost a comparison, no index work.
CREATE FUNCTION tasks._name_index_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM tasks.name_postings p
	 USING (SELECT o.workspace_id, o.kind, w.word, o.id
			  FROM name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
			 WHERE o.deleted_at IS NULL
			EXCEPT
			SELECT n.workspace_id, n.kind, w.word, n.id
			  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
			 WHERE n.deleted_at IS NULL) AS gone (workspace_id, kind, word, id)
	 WHERE p.workspace_id OPERATOR(pg_catalog.=) gone.workspace_id
	   AND p.kind OPERATOR(pg_catalog.=) gone.kind
	   AND p.word OPERATOR(pg_catalog.=) gone.word
	   AND p.record_id OPERATOR(pg_catalog.=) gone.id;
	WITH added AS MATERIALIZED (
		SELECT n.workspace_id, n.kind, w.word, n.id
		  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
		 WHERE n.deleted_at IS NULL
		EXCEPT
		SELECT o.workspace_id, o.kind, w.word, o.id
		  FROM name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
		 WHERE o.deleted_at IS NULL),
	words AS (
		INSERT INTO tasks.name_words (workspace_id, kind, word)
		SELECT DISTINCT a.workspace_id, a.kind, a.word FROM added a
		 ORDER BY 1, 2, 3
		ON CONFLICT DO NOTHING)
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT a.workspace_id, a.kind, a.word, a.id FROM added a
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER records_name_index_insert AFTER INSERT ON tasks.records
	REFERENCING NEW TABLE AS name_new
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_add();
CREATE TRIGGER records_name_index_update AFTER UPDATE ON tasks.records
	REFERENCING OLD TABLE AS name_old NEW TABLE AS name_new
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_update();
CREATE TRIGGER records_name_index_delete AFTER DELETE ON tasks.records
	REFERENCING OLD TABLE AS name_old
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_remove();

-- Rebuilds both tables from tasks.records, e.g. after loading records with
-- triggers disabled (pg_restore --disable-triggers, session_replication_role
-- = replica).  Returns the number of postings.
CREATE FUNCTION tasks.name_index_rebuild() RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE tasks.records IN SHARE MODE;
	TRUNCATE tasks.name_words, tasks.name_postings;
	INSERT INTO tasks.name_words (workspace_id, kind, word)
	SELECT DISTINCT r.workspace_id, r.kind, w.word
	  FROM tasks.records r CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(r.name_norm, ' ')) AS w(word)
	 WHERE r.deleted_at IS NULL;
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT DISTINCT r.workspace_id, r.kind, w.word, r.id
	  FROM tasks.records r CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(r.name_norm, ' ')) AS w(word)
	 WHERE r.deleted_at IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION tasks.name_index_rebuild() IS
	'Rebuilds tasks.name_words and tasks.name_postings from tasks.records (needed only after loading records with triggers disabled). Returns the number of postings.';
REVOKE EXECUTE ON FUNCTION tasks.name_index_rebuild() FROM PUBLIC;

-- Registered for the dump with a filter that keeps no rows: the rows are
-- derived, and restoring tasks.records rebuilds them through the triggers
-- (dumping them as well would collide with those rows on restore).
SELECT pg_catalog.pg_extension_config_dump('tasks.name_words', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('tasks.name_postings', 'WHERE false');
