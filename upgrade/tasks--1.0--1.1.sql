-- tasks 1.0 -> 1.1 (ALTER EXTENSION tasks UPDATE).  Hand-written: what the
-- install script of 1.1 (ddl/*.sql) has that 1.0 (upgrade/tasks--1.0.sql) did
-- not.  t/006_upgrade.pl checks that an upgraded database equals a fresh
-- install, object by object; scripts/upgrade-check.sh runs that comparison.
-- Like ddl/, schema-qualified throughout, never relying on search_path.
\echo Use "ALTER EXTENSION tasks UPDATE TO '1.1'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Edits to the seeded record kinds survive pg_dump (ddl/00_model.sql).
-- ---------------------------------------------------------------------------
-- Whether the install seeds a kind (the rows ddl/00_model.sql inserts; its
-- pg_extension_config_dump filter names the same kinds).
CREATE FUNCTION tasks._record_kind_seeded(kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT kind = ANY (ARRAY['contact', 'company', 'deal', 'event', 'customer', 'account', 'opportunity',
							 'patient', 'call', 'fax', 'session', 'assistant', 'project', 'sprint',
							 'release', 'thread']);
END;
COMMENT ON FUNCTION tasks._record_kind_seeded(text) IS 'Internal: whether CREATE EXTENSION seeds this record kind.';

-- What the user changed in the seeded kinds.  pg_dump leaves the seeded rows
-- of tasks.record_kinds out (CREATE EXTENSION recreates them on restore, and a
-- dumped copy would collide with them), so a changed label or description, or
-- a deleted seeded kind, is also written here by a trigger; pg_dump copies
-- this table whole, and restoring a row applies it to tasks.record_kinds.
CREATE TABLE tasks.record_kind_edits (
	kind		text PRIMARY KEY CHECK (tasks._record_kind_seeded(kind)),
	label		text,
	description	text,
	deleted		boolean NOT NULL DEFAULT false,
	CHECK (deleted OR label IS NOT NULL)
);
COMMENT ON TABLE tasks.record_kind_edits IS
	'Changes to the record kinds the extension seeds (label, description, deleted), kept so that pg_dump carries them; written by a trigger on tasks.record_kinds, applied to it again on restore.';

-- Keeps tasks.record_kind_edits in step with the seeded rows of tasks.record_kinds.
CREATE FUNCTION tasks._record_kinds_keep_edits() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- a seeded kind deleted, or renamed (the new name is a kind of its own)
	IF TG_OP <> 'INSERT' AND tasks._record_kind_seeded(OLD.kind)
	   AND (TG_OP = 'DELETE' OR NEW.kind IS DISTINCT FROM OLD.kind) THEN
		INSERT INTO tasks.record_kind_edits AS e (kind, label, description, deleted)
		VALUES (OLD.kind, NULL, NULL, true)
		ON CONFLICT (kind) DO UPDATE SET label = NULL, description = NULL, deleted = true
		WHERE NOT e.deleted;
	END IF;
	IF TG_OP <> 'DELETE' AND tasks._record_kind_seeded(NEW.kind) THEN
		INSERT INTO tasks.record_kind_edits AS e (kind, label, description, deleted)
		VALUES (NEW.kind, NEW.label, NEW.description, false)
		ON CONFLICT (kind) DO UPDATE SET label = excluded.label, description = excluded.description, deleted = false
		WHERE (e.label, e.description, e.deleted) IS DISTINCT FROM (excluded.label, excluded.description, false);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks._record_kinds_keep_edits() IS
	'Internal trigger: records a change to a seeded record kind in tasks.record_kind_edits.';
CREATE TRIGGER record_kinds_keep_edits AFTER INSERT OR UPDATE OR DELETE ON tasks.record_kinds
	FOR EACH ROW EXECUTE FUNCTION tasks._record_kinds_keep_edits();

-- Applies a kept change to tasks.record_kinds (on restore; a no-op when the
-- row already matches, which ends the round trip with the trigger above).
CREATE FUNCTION tasks._record_kind_edits_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.deleted THEN
		DELETE FROM tasks.record_kinds k WHERE k.kind = NEW.kind;
	ELSE
		INSERT INTO tasks.record_kinds AS k (kind, label, description)
		VALUES (NEW.kind, NEW.label, NEW.description)
		ON CONFLICT (kind) DO UPDATE SET label = excluded.label, description = excluded.description
		WHERE (k.label, k.description) IS DISTINCT FROM (excluded.label, excluded.description);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks._record_kind_edits_apply() IS
	'Internal trigger: applies a row of tasks.record_kind_edits (restored by pg_restore) to tasks.record_kinds.';
CREATE TRIGGER record_kind_edits_apply AFTER INSERT OR UPDATE ON tasks.record_kind_edits
	FOR EACH ROW EXECUTE FUNCTION tasks._record_kind_edits_apply();

SELECT pg_catalog.pg_extension_config_dump('tasks.record_kind_edits', '');
REVOKE ALL ON TABLE tasks.record_kind_edits FROM PUBLIC;
REVOKE ALL ON FUNCTION tasks._record_kind_seeded(text), tasks._record_kinds_keep_edits(),
	tasks._record_kind_edits_apply() FROM PUBLIC;

-- Edits made under 1.0 (which pg_dump would have lost): every seeded kind
-- whose label or description differs from what 1.0 seeded, or that is gone.
-- (The apply trigger fires on these rows and finds tasks.record_kinds
-- already matching them.)
INSERT INTO tasks.record_kind_edits (kind, label, description, deleted)
SELECT s.kind, k.label, k.description, k.kind IS NULL
  FROM (VALUES ('contact', 'Contact'), ('company', 'Company'), ('deal', 'Deal'), ('event', 'Event'),
			   ('customer', 'Customer'), ('account', 'Account'), ('opportunity', 'Opportunity'),
			   ('patient', 'Patient'), ('call', 'Call'), ('fax', 'Fax'), ('session', 'Session'),
			   ('assistant', 'Assistant'), ('project', 'Project'), ('sprint', 'Sprint'),
			   ('release', 'Release'), ('thread', 'Thread')) AS s (kind, label)
  LEFT JOIN tasks.record_kinds k ON k.kind OPERATOR(pg_catalog.=) s.kind
 WHERE k.kind IS NULL OR k.label OPERATOR(pg_catalog.<>) s.label OR k.description IS NOT NULL;
