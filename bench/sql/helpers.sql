-- Benchmark helpers: schema bench (never part of the extension).
CREATE SCHEMA bench;
CREATE TABLE bench.vars (k text PRIMARY KEY, v text NOT NULL);
-- Payloads too large for a pgbench -D variable (bulk), kept as text so that
-- every call parses the JSON again, as it would coming from a client.
CREATE TABLE bench.payloads (k text PRIMARY KEY, p text NOT NULL);

-- pgbench aborts a client on any error: error paths run through this
-- catching wrapper (and so does the success path they are compared with).
CREATE FUNCTION bench.try_native(p jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM tasks.task_create(p);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;

-- The same, telling what went wrong (used once per case to check that an
-- error path fails for the intended reason).
CREATE FUNCTION bench.explain_native(p jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; det text; msg text;
BEGIN
	PERFORM tasks.task_create(p);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg || ' ' || coalesce(det, '');
END $$;

-- Server-side cost of one zone check, in microseconds (n checks of one name
-- in a loop, so the client round trip is not part of it).
CREATE FUNCTION bench.zone_check_us(z text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; c bigint;
BEGIN
	t0 := clock_timestamp();
	SELECT count(tasks.timezone_canonical(z)) INTO c FROM generate_series(1, n);
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
-- The loop alone (to subtract).
CREATE FUNCTION bench.loop_us(z text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; c bigint;
BEGIN
	t0 := clock_timestamp();
	SELECT count(pg_catalog.upper(z)) INTO c FROM generate_series(1, n);
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
-- What many applications do: look the name up in pg_timezone_names.
CREATE FUNCTION bench.zone_check_view_us(z text, n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; ok boolean;
BEGIN
	t0 := clock_timestamp();
	FOR i IN 1 .. n LOOP
		SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = z) INTO ok;
	END LOOP;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;

-- Between scenarios: delete every task created after `since` in the given
-- workspaces, with its rows in every other tasks.* table that has a task_id
-- (assignees, links, dependencies, notes, events, history), so each scenario
-- starts from the same data.  Triggers are skipped (no delete events).
CREATE FUNCTION bench.reset(workspaces uuid[], since timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; t text;
BEGIN
	SET LOCAL session_replication_role = replica;
	CREATE TEMP TABLE gone ON COMMIT DROP AS
		SELECT workspace_id, id FROM tasks.tasks WHERE workspace_id = ANY (workspaces) AND created_at > since;
	SELECT count(*) INTO n FROM gone;
	FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			  WHERE s.nspname = 'tasks' AND c.relkind = 'r' AND c.relname <> 'tasks'
				AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'task_id' AND NOT a.attisdropped)
				AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
	LOOP
		EXECUTE format('DELETE FROM tasks.%I x USING gone g WHERE x.workspace_id = g.workspace_id AND x.task_id = g.id', t);
	END LOOP;
	DELETE FROM tasks.tasks x USING gone g WHERE x.workspace_id = g.workspace_id AND x.id = g.id;
	RETURN n;
END $$;
