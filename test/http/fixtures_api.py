"""Fixtures for test_api.py: the tasks extension served by an emulated PostgREST.

Built once per run with the superuser connection of the runner (`fx`):

- `CREATE EXTENSION tasks CASCADE` in PGDATABASE, `tasks.api_setup(<authenticator>)`
  (a NOINHERIT login role named after the run, given a random password), and
  `ALTER DATABASE ... SET tasks.jwt_secret` to a random secret of 43 characters,
  which is also the emulated PostgREST's `jwt-secret`: API keys sent as
  `Authorization: Bearer` are verified as HS256 JWTs with it, as PostgREST does.
- Two workspaces, A (the caller's) and B (another tenant), each with members
  (with and without scopes, one to be deactivated), an agent, records of every kind the dialects link
  to, a task, and API keys from `tasks.api_key_create`.

`World.api_config()` gives the `pgrst.Pgrst` arguments of doc/postgrest.conf (six
profiles, db-anon-role tasks_anon, db-pre-request tasks.pre_request, the
jwt-secret), except for `db-extra-search-path`, left at PostgREST's default
"public" so that decoys in schema public are on every request's search_path.

Ids are random per run, so the fixtures can be rebuilt in a database that
already has them.
"""

import json
import secrets
import uuid

PROFILES = ["tasks_v1", "tasks_lightfield", "tasks_leadlex", "tasks_vambe", "tasks_care", "tasks_acp"]
DIALECT_OF = {"tasks_v1": "v1", "tasks_lightfield": "lightfield", "tasks_leadlex": "leadlex",
              "tasks_vambe": "vambe", "tasks_care": "care", "tasks_acp": "acp"}
# the documented credential header of each profile
KEY_HEADER = {"tasks_v1": "bearer", "tasks_lightfield": "bearer", "tasks_leadlex": "bearer",
              "tasks_acp": "bearer", "tasks_vambe": "x-api-key", "tasks_care": "x-api-key"}

# tenant tables whose row counts must not move when a request fails
COUNTED = ["tasks", "task_assignees", "task_links", "task_dependencies", "notes", "records",
           "idempotency_keys", "members", "statuses", "api_keys"]


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def _uuid():
    return str(uuid.uuid4())


class Workspace:
    """Ids and keys of one workspace (attributes are set by World.build)."""

    def __init__(self, label):
        self.label = label
        self.id = _uuid()
        self.keys = {}      # name -> key (a JWT)
        self.key_ids = {}   # name -> api_keys.id


class World:
    def __init__(self, fx):
        self.fx = fx
        self.run_id = fx.run_id
        self.authenticator = "tasks_http_%s_authenticator" % fx.run_id
        self.password = secrets.token_hex(16)
        self.jwt_secret = secrets.token_urlsafe(32)     # 43 characters
        self.dbname = fx.one("SELECT current_database()")
        self.A = Workspace("A")
        self.B = Workspace("B")

    # ----- superuser helpers (fixtures and counting only) ---------------------

    def sql(self, q, *args):
        return self.fx.sql(q, *args)

    def one(self, q, *args):
        return self.fx.one(q, *args)

    def in_ws(self, ws, q, *args, actor=None):
        """Run q as the superuser with tasks.workspace_id (and actor) set; returns rows."""
        self.fx.sql("SELECT set_config('tasks.workspace_id', %s, false), set_config('tasks.actor_id', %s, false)",
                    ws.id, actor or "")
        try:
            return self.fx.sql(q, *args)
        finally:
            self.fx.sql("RESET tasks.workspace_id; RESET tasks.actor_id")

    def in_ws_json(self, ws, q, *args, actor=None):
        rows = self.in_ws(ws, q, *args, actor=actor)
        v = rows[0][0]
        return json.loads(v) if isinstance(v, str) else v

    def counts(self):
        """Row counts of every tenant table (all workspaces; superuser bypasses RLS)."""
        return {t: self.one("SELECT count(*) FROM tasks.%s" % t) for t in COUNTED}

    def task_count(self, ws, title=None):
        if title is None:
            return self.one("SELECT count(*) FROM tasks.tasks WHERE workspace_id = %s", ws.id)
        return self.one("SELECT count(*) FROM tasks.tasks WHERE workspace_id = %s AND title = %s", ws.id, title)

    # ----- the world ----------------------------------------------------------

    def build(self):
        fx = self.fx
        fx.sql("SET client_min_messages = warning")
        fx.sql("CREATE EXTENSION IF NOT EXISTS tasks CASCADE")
        self.trgm_schema = fx.one("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
        fx.sql("SELECT tasks.api_setup(%s)", self.authenticator)
        fx.sql("ALTER ROLE %s PASSWORD %%s" % _ident(self.authenticator), self.password)
        fx.sql("GRANT CONNECT ON DATABASE %s TO %s" % (_ident(self.dbname), _ident(self.authenticator)))
        fx.sql("ALTER DATABASE %s SET tasks.jwt_secret = %%s" % _ident(self.dbname), self.jwt_secret)
        # this session signs the keys: it needs the secret now (ALTER DATABASE applies to new sessions)
        fx.sql("SELECT set_config('tasks.jwt_secret', %s, false)", self.jwt_secret)
        self._workspace(self.A, "HTTP tenant A %s" % self.run_id, "Hans Müller")
        self._workspace(self.B, "HTTP tenant B %s" % self.run_id, "Bruno Quellenberg")
        return self

    def _workspace(self, ws, name, contact_name):
        settings = {"lightfield_base_url": "https://app.example.test/%s/" % ws.label.lower()}
        self.one("SELECT tasks.workspace_create(%s)",
                 json.dumps({"id": ws.id, "name": name, "settings": settings}))
        for attr in ("writer", "reader", "agent", "leaver", "contact", "contact2", "twin1", "twin2", "account",
                     "opportunity", "deal", "company", "event", "customer", "patient", "call", "project",
                     "release", "sprint", "thread"):
            setattr(ws, attr, _uuid())
        q_member = "SELECT tasks.member_create(%s)"
        q_agent = "SELECT tasks.agent_create(%s)"
        q_record = "SELECT tasks.record_create(%s)"
        all_scopes = ["tasks:create", "tasks:read", "activities:write"]
        self.in_ws(ws, q_member, json.dumps({"id": ws.writer, "name": "Writer %s" % ws.label,
                                             "scopes": all_scopes}))
        self.in_ws(ws, q_member, json.dumps({"id": ws.reader, "name": "Reader %s" % ws.label}))
        self.in_ws(ws, q_member, json.dumps({"id": ws.leaver, "name": "Leaver %s" % ws.label, "scopes": all_scopes}))
        self.in_ws(ws, q_agent, json.dumps({"id": ws.agent, "name": "agent-%s" % ws.label.lower()}))
        records = [("contact", "contact", contact_name), ("contact2", "contact", "Erika Mustermann"),
                   ("twin1", "contact", "Anna Schmidt"), ("twin2", "contact", "Anna Schmidt"),
                   ("account", "account", "Acme Corp %s" % ws.label), ("opportunity", "opportunity", "Renewal"),
                   ("deal", "deal", "Big deal"), ("company", "company", "Globex GmbH"),
                   ("event", "event", "Kick-off"), ("customer", "customer", "Acme SpA"),
                   ("patient", "patient", "Lucía Fernández"), ("call", "call", "Inbound call 4711"),
                   ("project", "project", "Control plane"), ("release", "release", "v2.0"),
                   ("sprint", "sprint", "Sprint 14"), ("thread", "thread", "Thread one")]
        for attr, kind, rname in records:
            self.in_ws(ws, q_record, json.dumps({"id": getattr(ws, attr), "kind": kind, "name": rname}))
        ws.contact_name = contact_name
        # a task of the workspace, made natively (as its writer)
        ws.task_title = "Secret plan of %s %s" % (ws.label, self.run_id)
        ws.task = self.in_ws_json(ws, "SELECT tasks.task_create(%s)",
                                  json.dumps({"title": ws.task_title, "contact_id": ws.contact}),
                                  actor=ws.writer)["id"]
        # API keys
        for kname, member, scopes, expires in (
                ("writer", ws.writer, all_scopes, None), ("reader", ws.reader, [], None),
                ("agent", ws.agent, [], None), ("revocable", ws.writer, all_scopes, None),
                ("revocable2", ws.writer, all_scopes, None), ("leaver", ws.leaver, all_scopes, None),
                ("expired", ws.writer, all_scopes, "2020-01-01T00:00:00Z")):
            spec = {"member_id": member, "scopes": scopes, "name": kname}
            if expires:
                spec["expires_at"] = expires
            k = self.in_ws_json(ws, "SELECT tasks.api_key_create(%s)", json.dumps(spec))
            ws.keys[kname] = k["key"]
            ws.key_ids[kname] = k["id"]

    def revoke(self, ws, key_name):
        return self.in_ws(ws, "SELECT tasks.api_key_revoke(%s)", ws.key_ids[key_name])[0][0]

    def teardown(self):
        fx = self.fx
        if not fx.one("SELECT count(*) FROM pg_roles WHERE rolname = %s", self.authenticator):
            return
        fx.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", self.authenticator)
        fx.sql("REVOKE tasks_anon, tasks_api FROM %s" % _ident(self.authenticator))
        fx.sql("DROP OWNED BY %s" % _ident(self.authenticator))
        fx.sql("DROP ROLE IF EXISTS %s" % _ident(self.authenticator))

    # ----- the emulated PostgREST ------------------------------------------------

    def api_config(self, **over):
        """pgrst.Pgrst keyword arguments: doc/postgrest.conf, as the authenticator."""
        cfg = dict(db=self.fx.db(self.authenticator, self.password), schemas=list(PROFILES),
                   anon_role="tasks_anon", pre_request="tasks.pre_request",
                   extra_search_path=["public"], jwt_secret=self.jwt_secret)
        cfg.update(over)
        return cfg


def auth_headers(profile, key):
    """The documented credential header of the profile, or none for key None."""
    if key is None:
        return {}
    if KEY_HEADER[profile] == "bearer":
        return {"Authorization": "Bearer " + key}
    return {"x-api-key": key}
