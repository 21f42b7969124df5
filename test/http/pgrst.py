"""Emulate one PostgREST (v12/v13) instance in front of a PostgreSQL database.

A `Pgrst` object plays the part of one PostgREST server: it connects as the
authenticator login role, keeps a schema cache, and turns HTTP-like requests
into exactly the statements PostgREST sends (BEGIN ..., the set_config
statement, the pre-request, the `WITH pgrst_source AS (...)` main query,
COMMIT/ABORT), then builds the HTTP status, headers and body the way
PostgREST does, including its SQLSTATE -> HTTP mapping.

    from pgrst import Pgrst
    api = Pgrst(db=dict(host=..., port=..., dbname=..., user="authenticator", password=...),
                schemas=["tasks", "tasks_lightfield"], anon_role="web_anon",
                pre_request="tasks.check_request")
    r = api.request("POST", "/rpc/task_create", body={"title": "a"},
                    headers={"Content-Profile": "tasks_lightfield", "x-api-key": "k"})
    r.status, r.headers["location"], r.body

Sources: /work/shared/docs/postgrest-protocol.md (section numbers below refer
to it) and PostgREST's own code (tags v12.2.x / v13.0.x: App.hs, Auth.hs,
ApiRequest.hs, Plan.hs, Query.hs, Query/QueryBuilder.hs, Query/SqlFragment.hs,
Query/Statements.hs, Response.hs, Error.hs, SchemaCache.hs,
Config/Database.hs).  Anything this module cannot emulate faithfully raises
`Unsupported` instead of answering something PostgREST would not.

Needs psycopg2 (Debian: python3-psycopg2) and nothing else outside the
standard library.
"""

import base64
import hashlib
import hmac
import http
import json
import re
import threading
import time
import urllib.parse

import psycopg2
import psycopg2.extensions
import psycopg2.extras

__all__ = ["Pgrst", "Response", "Unsupported", "SchemaCacheError", "make_jwt"]


class Unsupported(NotImplementedError):
    """The request uses a PostgREST feature this harness does not emulate."""


class SchemaCacheError(RuntimeError):
    """The schema cache could not be loaded (PostgREST would answer 503 PGRST002
    to every request until fixed; here it is a setup error)."""


# --------------------------------------------------------------------------
# Response
# --------------------------------------------------------------------------

class Response:
    """One HTTP response.

    status       int
    reason       reason phrase (PostgREST uses the MESSAGE for PTxyz errors)
    headers      dict, lower-cased names; repeated names joined with ", "
    header_list  [(name, value), ...] in order, names as PostgREST sends them
    text         the body as text ("" when there is none)
    body         the body parsed as JSON, or None when empty
    sql          the statements sent to PostgreSQL for this request, in order,
                 with the bind parameters inlined as literals
    """

    def __init__(self, status, header_list, text, reason=None, sql=None):
        self.status = status
        self.header_list = list(header_list)
        self.headers = {}
        for k, v in self.header_list:
            lk = k.lower()
            self.headers[lk] = v if lk not in self.headers else self.headers[lk] + ", " + v
        self.text = text or ""
        try:
            self.body = json.loads(self.text) if self.text.strip() else None
        except ValueError:
            self.body = None
        self.reason = reason if reason is not None else _reason(status)
        self.sql = list(sql or [])

    def get_all(self, name):
        """All values of a header, in order (e.g. several Set-Cookie)."""
        n = name.lower()
        return [v for k, v in self.header_list if k.lower() == n]

    def __repr__(self):
        return "<Response %d %s headers=%r body=%s>" % (
            self.status, self.reason, self.header_list, self.text[:2000])


def _reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


# --------------------------------------------------------------------------
# JWT (HS256/384/512), enough to sign test tokens and verify like PostgREST
# --------------------------------------------------------------------------

_HS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def make_jwt(claims, secret, alg="HS256"):
    """A compact JWS over `claims` signed with `secret` (str or bytes)."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    header = _b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    signing_input = (header + "." + payload).encode("ascii")
    sig = hmac.new(secret, signing_input, _HS[alg]).digest()
    return header + "." + payload + "." + _b64url(sig)


class _JwtError(Exception):
    def __init__(self, status, code, message, www_authenticate=True):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.www_authenticate = www_authenticate


# --------------------------------------------------------------------------
# SQL helpers
# --------------------------------------------------------------------------

def _ident(name):
    """escapeIdent: double-quote, doubling inner quotes, dropping NULs."""
    return '"' + name.replace("\x00", "").replace('"', '""') + '"'


def _qi(schema, name):
    return (_ident(schema) + "." if schema else "") + _ident(name)


def _jenc(value):
    """Compact JSON like aeson's encode (aeson >= 2 sorts object keys)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _strict_json(text):
    """JSON.decode: like json.loads but without NaN/Infinity."""
    def bad(c):
        raise ValueError(c)
    return json.loads(text, parse_constant=bad)


# The schema cache query of SchemaCache.hs (funcsSqlQuery, v13), with the
# argument list and settings returned as JSON instead of composite arrays.
_FUNCS_SQL = r"""
WITH
base_types AS (
  WITH RECURSIVE
  recurse AS (
    SELECT oid, typbasetype, typnamespace AS base_namespace,
           COALESCE(NULLIF(typbasetype, 0), oid) AS base_type
    FROM pg_type
    UNION
    SELECT t.oid, b.typbasetype, b.typnamespace AS base_namespace,
           COALESCE(NULLIF(b.typbasetype, 0), b.oid) AS base_type
    FROM recurse t
    JOIN pg_type b ON t.typbasetype = b.oid
  )
  SELECT oid, base_namespace, base_type FROM recurse WHERE typbasetype = 0
),
arguments AS (
  SELECT
    oid,
    json_agg(json_build_array(
      COALESCE(name, ''),
      type::regtype::text,
      CASE type
        WHEN 'bit'::regtype THEN 'bit varying'
        WHEN 'bit[]'::regtype THEN 'bit varying[]'
        WHEN 'character'::regtype THEN 'character varying'
        WHEN 'character[]'::regtype THEN 'character varying[]'
        ELSE type::regtype::text
      END,
      idx <= (pronargs - pronargdefaults),
      COALESCE(mode = 'v', FALSE)
    ) ORDER BY idx) AS args,
    CASE COUNT(*) - COUNT(name)
      WHEN 0 THEN true
      WHEN 1 THEN (array_agg(type))[1] IN ('bytea'::regtype, 'json'::regtype, 'jsonb'::regtype, 'text'::regtype, 'xml'::regtype)
      ELSE false
    END AS callable
  FROM pg_proc,
       unnest(proargnames, proargtypes, proargmodes)
         WITH ORDINALITY AS _ (name, type, mode, idx)
  WHERE type IS NOT NULL
  GROUP BY oid
)
SELECT
  pn.nspname AS proc_schema,
  p.proname AS proc_name,
  COALESCE(a.args, '[]') AS args,
  tn.nspname AS schema,
  COALESCE(comp.relname, t.typname) AS name,
  p.proretset AS rettype_is_setof,
  (t.typtype = 'c' OR COALESCE(proargmodes::text[] && '{t,b,o}', false)) AS rettype_is_composite,
  bt.oid <> bt.base_type AS rettype_is_composite_alias,
  p.provolatile,
  p.provariadic > 0 AS hasvariadic,
  lower((regexp_split_to_array((regexp_split_to_array(iso_config, '='))[2], ','))[1]) AS transaction_isolation_level,
  COALESCE(p.proconfig, '{}') AS proconfig
FROM pg_proc p
LEFT JOIN arguments a ON a.oid = p.oid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
JOIN base_types bt ON bt.oid = p.prorettype
JOIN pg_type t ON t.oid = bt.base_type
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_class comp ON comp.oid = t.typrelid
LEFT JOIN LATERAL unnest(proconfig) iso_config ON iso_config LIKE 'default_transaction_isolation%%'
WHERE t.oid <> 'trigger'::regtype AND COALESCE(a.callable, true)
AND prokind = 'f'
AND p.pronamespace = ANY(%s::regnamespace[])
"""

_TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v','r','m','f','p')
AND c.relnamespace = ANY(%s::regnamespace[])
AND NOT c.relispartition
"""

# Config/Database.hs queryRoleSettings (PG >= 15 variant).
_ROLE_SETTINGS_SQL = """
with
role_setting as (
  select r.rolname, unnest(r.rolconfig) as setting
  from pg_auth_members m
  join pg_roles r on r.oid = m.roleid
  where member = current_user::regrole::oid
),
kv_settings AS (
  SELECT
    rolname,
    substr(setting, 1, strpos(setting, '=') - 1) as key,
    lower(substr(setting, strpos(setting, '=') + 1)) as value
  FROM role_setting
),
iso_setting AS (
  SELECT rolname, value
  FROM kv_settings
  WHERE key = 'default_transaction_isolation'
)
select
  kv.rolname,
  i.value as iso_lvl,
  coalesce(json_agg(json_build_array(kv.key, kv.value)) filter (where key <> 'default_transaction_isolation'), '[]') as role_settings
from kv_settings kv
join pg_settings ps on ps.name = kv.key and (ps.context = 'user' or has_parameter_privilege(current_user::regrole::oid, ps.name, 'set'))
left join iso_setting i on i.rolname = kv.rolname
group by kv.rolname, i.value
"""

_ISO = {"read committed": "READ COMMITTED", "repeatable read": "REPEATABLE READ",
        "serializable": "SERIALIZABLE"}

_DEFAULT_HOISTED = ("statement_timeout", "plan_filter.statement_cost_limit",
                    "default_transaction_isolation")

_RESERVED_PARAMS = {"select", "columns", "on_conflict", "order", "limit", "offset", "and", "or"}

_SIMPLE_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=",
               "like": "like", "ilike": "ilike"}
_OTHER_OPS = {"match", "imatch", "isdistinct", "fts", "plfts", "phfts", "wfts", "cs", "cd",
              "ov", "sl", "sr", "nxr", "nxl", "adj"}
_IS_VALUES = {"null": "NULL", "not_null": "NOT NULL", "true": "TRUE", "false": "FALSE",
              "unknown": "UNKNOWN"}

_DEFAULT_SECRET = "pgrst-harness-default-jwt-secret-0123456789"
_NO_SECRET = object()


class _Routine:
    __slots__ = ("schema", "name", "params", "ret_schema", "ret_name", "setof", "composite",
                 "composite_alias", "volatility", "iso", "proconfig")

    @property
    def returns_void(self):
        return not self.setof and not self.composite and (self.ret_schema, self.ret_name) == ("pg_catalog", "void")

    @property
    def table_name(self):
        return self.ret_name if self.composite else None

    def signature(self):
        return "%s.%s(%s)" % (self.schema, self.name,
                              ", ".join("%s => %s" % (p[0], p[1]) for p in self.params))


class _ApiError(Exception):
    """An error PostgREST produces itself (no SQLSTATE): code, status, ..."""

    def __init__(self, status, code, message, details=None, hint=None, headers=()):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.hint, self.headers = details, hint, list(headers)


# --------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------

class Pgrst:
    """One emulated PostgREST instance (one pooled connection, reused).

    db                 psycopg2.connect() keyword arguments for the authenticator
                       login role (host, port, dbname, user, password, ...).
                       It must not be a superuser (checked).
    schemas            db-schemas, in order; the first is the default profile.
    anon_role          db-anon-role (None: anonymous requests get 401 PGRST302).
    pre_request        db-pre-request, e.g. "tasks.check_request", or None.
    extra_search_path  db-extra-search-path (default ["public"]).
    jwt_secret         jwt-secret (>= 32 characters).  Defaults to a built-in test
                       secret so that `claims=` works; pass None to emulate a
                       server without a secret (any Bearer token -> 500 PGRST300).
    jwt_aud            jwt-aud, or None.
    role_claim_key     jwt-role-claim-key, JSPath like ".role" or '."https://x/role"' or ".roles[0]".
    app_settings       {"app.settings.x": "v"} set in statement 1 like app.settings.* config.
    hoisted_tx_settings  db-hoisted-tx-settings.
    tx_end             db-tx-end: commit, commit-allow-override, rollback, rollback-allow-override.
    version            the PostgREST version emulated: "13.0.8" (default), "12.2.12", or
                       12 / 13 for those.  Only a few things differ between v12.0 and
                       v13.0.8: Proxy-Status (13.0.0+), PGRST205 for an unknown table
                       (13.0.0+, before: the database's 42P01), the JWT error codes and
                       messages (PGRST303 13.0.0+), the 22023 "role ... does not exist"
                       rule (13.0.1+), the PGRST106 message (13.0.7+).
    schema_cache       "notify" (default, like PostgREST: loaded at start, reloaded on
                       NOTIFY pgrst[, 'reload schema'|'reload config'] or reload()),
                       or "per_request" (reloaded before every request).
    retry_sqlstates    SQLSTATEs after which the whole transaction is silently re-run
                       (hasql-transaction in v12-v14: 40001, and 40P01 since 1.1.1).
    """

    def __init__(self, db, schemas, anon_role=None, pre_request=None,
                 extra_search_path=("public",), jwt_secret=_DEFAULT_SECRET, jwt_aud=None,
                 role_claim_key=".role", app_settings=None,
                 hoisted_tx_settings=_DEFAULT_HOISTED, tx_end="commit", version="13.0.8",
                 schema_cache="notify", retry_sqlstates=("40001", "40P01"), max_retries=50):
        if not schemas:
            raise ValueError("schemas: at least one")
        if jwt_secret is not None and jwt_secret is not _NO_SECRET and len(jwt_secret) < 32:
            raise ValueError("jwt_secret: PostgREST requires at least 32 characters")
        if tx_end not in ("commit", "commit-allow-override", "rollback", "rollback-allow-override"):
            raise ValueError("tx_end")
        if schema_cache not in ("notify", "per_request"):
            raise ValueError("schema_cache: notify or per_request")
        version = {12: "12.2.12", 13: "13.0.8"}.get(version, version)
        vt = tuple(int(x) for x in str(version).split("."))
        if not (12,) <= vt < (14,):
            raise ValueError("version: 12.x or 13.x")
        self.db = dict(db)
        self.schemas = list(schemas)
        self.anon_role = anon_role
        self.pre_request = pre_request
        self.extra_search_path = list(extra_search_path or [])
        self.jwt_secret = jwt_secret
        self.jwt_aud = jwt_aud
        self.role_claim_key = role_claim_key
        self._role_path = _parse_jspath(role_claim_key)
        self.app_settings = dict(app_settings or {})
        self.hoisted_tx_settings = list(hoisted_tx_settings)
        self.tx_end = tx_end
        self.version = vt
        self.version_str = str(version)
        self.schema_cache = schema_cache
        self.retry_sqlstates = tuple(retry_sqlstates)
        self.max_retries = max_retries
        self._conn = None
        self._listener = None
        self._clones = []
        self._lock = threading.Lock()
        self.routines = {}
        self.tables = set()
        self.role_settings = {}
        self.role_iso = {}
        self.reloads = 0
        self._connect()
        self.reload()

    # ----- connections ---------------------------------------------------

    def _new_conn(self):
        kw = dict(self.db)
        kw.setdefault("fallback_application_name", "PostgREST %s (test harness)" % self.version_str)
        conn = psycopg2.connect(**kw)
        conn.autocommit = True
        # Keep json/jsonb as text: the body is sent as PostgreSQL printed it.
        psycopg2.extras.register_default_json(conn, loads=lambda s: s)
        psycopg2.extras.register_default_jsonb(conn, loads=lambda s: s)
        return conn

    def _connect(self):
        conn = self._new_conn()
        with conn.cursor() as cur:
            cur.execute("select rolsuper from pg_roles where rolname = current_user")
            if cur.fetchone()[0]:
                conn.close()
                raise ValueError("the authenticator must not be a superuser (%s)" % self.db.get("user"))
            # What hasql does on every new connection.
            cur.execute("SET client_encoding = 'UTF8';SET client_min_messages TO WARNING;")
        self._conn = conn

    def _ensure_conn(self):
        if self._conn is None or self._conn.closed:
            self._connect()
        return self._conn

    def close(self):
        for c in self._clones:
            c.close()
        self._clones = []
        for c in (self._conn, self._listener):
            if c is not None and not c.closed:
                c.close()
        self._conn = self._listener = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def clone(self):
        """Another instance with the same configuration and its own connection."""
        return Pgrst(self.db, self.schemas, anon_role=self.anon_role, pre_request=self.pre_request,
                     extra_search_path=self.extra_search_path, jwt_secret=self.jwt_secret,
                     jwt_aud=self.jwt_aud, role_claim_key=self.role_claim_key,
                     app_settings=self.app_settings, hoisted_tx_settings=self.hoisted_tx_settings,
                     tx_end=self.tx_end, version=self.version_str, schema_cache=self.schema_cache,
                     retry_sqlstates=self.retry_sqlstates, max_retries=self.max_retries)

    @property
    def backend_pid(self):
        return self._ensure_conn().get_backend_pid()

    # ----- schema cache ----------------------------------------------------

    def reload(self):
        """Reload the schema cache and role settings (NOTIFY pgrst / SIGUSR1)."""
        conn = self._ensure_conn()
        schemas = [_ident(s) for s in self.schemas]
        try:
            with conn.cursor() as cur:
                cur.execute(_FUNCS_SQL, (schemas,))
                rows = cur.fetchall()
                cur.execute(_TABLES_SQL, (schemas,))
                tables = {(r[0], r[1]) for r in cur.fetchall()}
                cur.execute(_ROLE_SETTINGS_SQL)
                rs = cur.fetchall()
        except psycopg2.Error as e:
            raise SchemaCacheError("schema cache query failed (PostgREST: 503 PGRST002): %s" % e) from e
        routines = {}
        for (pschema, pname, args, rschema, rname, setof, composite, calias, vol, _hasvar,
             iso, proconfig) in rows:
            r = _Routine()
            r.schema, r.name = pschema, pname
            r.params = [tuple(a) for a in json.loads(args)]  # name, type, type_max_len, required, variadic
            r.ret_schema, r.ret_name = rschema, rname
            r.setof, r.composite, r.composite_alias = setof, composite, calias
            r.volatility = {"v": "volatile", "s": "stable", "i": "immutable"}[vol]
            r.iso = _ISO.get(iso) if iso else None
            r.proconfig = list(proconfig or [])
            routines.setdefault((pschema, pname), []).append(r)
        for lst in routines.values():
            lst.sort(key=lambda r: len(r.params))
        self.routines = routines
        self.tables = tables
        self.role_settings = {r[0]: [tuple(kv) for kv in json.loads(r[2])] for r in rs}
        self.role_iso = {r[0]: _ISO.get(r[1]) for r in rs if r[1] and r[1] in _ISO}
        self.reloads += 1
        if self.schema_cache == "notify" and self._listener is None:
            self._listener = self._new_conn()
            with self._listener.cursor() as cur:
                cur.execute("LISTEN pgrst")

    def _check_notifications(self):
        if self.schema_cache == "per_request":
            self.reload()
            return
        lst = self._listener
        if lst is None or lst.closed:
            self._listener = None
            self.reload()
            return
        with lst.cursor() as cur:   # a round trip so that pending notifies arrive
            cur.execute("SELECT 1")
        lst.poll()
        hit = False
        while lst.notifies:
            n = lst.notifies.pop(0)
            if n.channel == "pgrst" and n.payload in ("", "reload schema", "reload config"):
                hit = True
        if hit:
            self.reload()

    # ----- public API --------------------------------------------------------

    def request(self, method, path, headers=None, body=None, claims=None, query=None,
                jwt_invalid=False):
        """Run one request; return a Response.

        headers  dict or list of (name, value) pairs (list form for repeats).
        body     str/bytes (sent as is) or dict/list (sent as JSON text).
        claims   a dict: send "Authorization: Bearer <a valid JWT with these claims>".
        jwt_invalid  send a JWT with a bad signature.
        query    dict or list of pairs, appended to the query string of `path`.
        """
        with self._lock:
            return self._request(method, path, headers, body, claims, query, jwt_invalid)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def rpc(self, fn, body=None, **kw):
        return self.request("POST", "/rpc/" + fn, body=body, **kw)

    def start(self, method, path, **kw):
        """Start a request on a fresh connection in a thread; returns a handle
        with .result(timeout=60) (re-raises the request's exception)."""
        clone = self.clone()
        self._clones.append(clone)
        return _Pending(clone, method, path, kw)

    def concurrently(self, *calls, stagger=0.0, timeout=60):
        """Run several requests at the same time, each on its own connection.

        Each call is (method, path) or (method, path, kwargs) or a dict with
        method/path and request() keywords.  All threads wait on a barrier and
        start together; call i starts i*stagger seconds later.  Returns the
        responses in the order of the calls.
        """
        norm = []
        for c in calls:
            if isinstance(c, dict):
                c = dict(c)
                norm.append((c.pop("method"), c.pop("path"), c))
            elif len(c) == 2:
                norm.append((c[0], c[1], {}))
            else:
                norm.append((c[0], c[1], dict(c[2])))
        clones = []
        for _ in norm:
            clone = self.clone()
            self._clones.append(clone)
            clones.append(clone)
        barrier = threading.Barrier(len(norm))
        pend = [_Pending(cl, m, p, kw, barrier=barrier, delay=i * stagger)
                for i, (cl, (m, p, kw)) in enumerate(zip(clones, norm))]
        return [p.result(timeout) for p in pend]

    # ----- the request pipeline (App.hs postgrestResponse) -------------------

    def _request(self, method, path, headers, body, claims, query, jwt_invalid):
        hdrs = _norm_headers(headers)
        if claims is not None or jwt_invalid:
            if any(k.lower() == "authorization" for k, _ in hdrs):
                raise ValueError("claims/jwt_invalid given together with an Authorization header")
            secret = self.jwt_secret if self.jwt_secret not in (None, _NO_SECRET) else _DEFAULT_SECRET
            if jwt_invalid:
                token = make_jwt(dict(claims or {}), secret + "-wrong")
            else:
                token = make_jwt(dict(claims), secret)
            hdrs.append(("Authorization", "Bearer " + token))
        if isinstance(body, (dict, list)):
            body_bytes = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            body_bytes = body.encode("utf-8")
        elif body is None:
            body_bytes = b""
        else:
            body_bytes = bytes(body)

        raw_path, _, qs = path.partition("?")
        qpairs = urllib.parse.parse_qsl(qs, keep_blank_values=True)
        if query:
            qpairs += list(query.items()) if isinstance(query, dict) else list(query)
        qpairs = [(str(k), None if v is None else str(v)) for k, v in qpairs]

        sent = []
        try:
            # 1. JWT (Auth.hs), before anything else
            jwt_claims = self._auth(hdrs)
            role, claims_out = self._role_from_claims(jwt_claims)
            # 2. request parsing (ApiRequest.hs)
            self._check_notifications()
            return self._handle(method, raw_path, hdrs, qpairs, body_bytes, role, claims_out, sent)
        except _JwtError as e:
            extra = []
            if e.www_authenticate:
                if e.code == "PGRST302":
                    extra.append(("WWW-Authenticate", "Bearer"))
                else:
                    extra.append(("WWW-Authenticate", 'Bearer error="invalid_token", error_description=%s'
                                  % json.dumps(e.message)))
            return self._error_response(e.status, e.code, e.message, None, None, extra, sent)
        except _ApiError as e:
            return self._error_response(e.status, e.code, e.message, e.details, e.hint, e.headers, sent)

    # ----- auth -------------------------------------------------------------

    def _auth(self, hdrs):
        auth = _lookup(hdrs, "authorization")
        token = None
        if auth is not None:
            scheme, _, rest = auth.strip().partition(" ")
            if scheme.lower() == "bearer":
                token = rest.strip()
        if token is None:
            return {}
        v12 = self.version < (13,)
        if token == "":
            if v12:
                return {}
            raise _JwtError(401, "PGRST301", "Empty JWT is sent in Authorization header")
        if self.jwt_secret is None or self.jwt_secret is _NO_SECRET:
            raise _JwtError(500, "PGRST300", "Server lacks JWT secret", www_authenticate=False)
        parts = token.split(".")
        if len(parts) != 3:
            raise _JwtError(401, "PGRST301",
                            "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got %d)"
                            % len(parts) if v12 else "Expected 3 parts in JWT; got %d" % len(parts))
        crypto_fail = "JWSError JWSInvalidSignature" if v12 else "JWT cryptographic operation failed"
        try:
            header = json.loads(_b64url_decode(parts[0]))
            alg = header.get("alg")
        except Exception:
            raise _JwtError(401, "PGRST301", crypto_fail)
        if alg not in _HS:
            raise _JwtError(401, "PGRST301", "JWSError (JWSInvalidAlgorithm)" if v12
                            else "No suitable key or wrong key type")
        secret = self.jwt_secret.encode("utf-8")
        expect = hmac.new(secret, (parts[0] + "." + parts[1]).encode("ascii"), _HS[alg]).digest()
        try:
            sig = _b64url_decode(parts[2])
        except Exception:
            raise _JwtError(401, "PGRST301", crypto_fail)
        if not hmac.compare_digest(expect, sig):
            raise _JwtError(401, "PGRST301", crypto_fail)
        claims_code = "PGRST301" if v12 else "PGRST303"
        try:
            claims = json.loads(_b64url_decode(parts[1]))
        except Exception:
            claims = None
        if not isinstance(claims, dict):
            raise _JwtError(401, claims_code, "Parsing claims failed")
        now = int(time.time())
        skew = 30

        def num(name):
            v = claims.get(name)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _JwtError(401, claims_code, "The JWT '%s' claim must be a number" % name)
            return int(v)
        exp, nbf, iat = num("exp"), num("nbf"), num("iat")
        if exp is not None and not now <= exp + skew:
            raise _JwtError(401, claims_code, "JWT expired")
        if nbf is not None and not now >= nbf - skew:
            raise _JwtError(401, claims_code, "JWT not yet valid")
        if iat is not None and not now >= iat - skew:
            raise _JwtError(401, claims_code, "JWT issued at future")
        if "aud" in claims:
            aud = claims["aud"]
            ok = True
            if aud is None or aud == []:
                ok = True
            elif isinstance(aud, str):
                ok = self.jwt_aud is None or aud == self.jwt_aud
            elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
                ok = self.jwt_aud is None or self.jwt_aud in aud
            else:
                raise _JwtError(401, claims_code, "The JWT 'aud' claim must be a string or an array of strings")
            if not ok:
                raise _JwtError(401, claims_code, "JWT not in audience")
        return claims

    def _role_from_claims(self, claims):
        v = _walk_jspath(claims, self._role_path)
        if v is not None:
            role = v if isinstance(v, str) else _jenc(v)
        elif self.anon_role is not None:
            role = self.anon_role
        else:
            raise _JwtError(401, "PGRST302", "Anonymous access is disabled")
        out = dict(claims)
        out["role"] = role
        return role, out

    # ----- routing ----------------------------------------------------------

    def _handle(self, method, raw_path, hdrs, qpairs, body, role, claims, sent):
        segments = [urllib.parse.unquote(s) for s in raw_path.split("/") if s != ""]
        if not segments:
            raise Unsupported("GET / (OpenAPI) is not emulated")
        if segments[0] == "rpc" and len(segments) == 2:
            kind, name = "rpc", segments[1]
        elif len(segments) == 1:
            kind, name = "rel", segments[0]
        else:
            raise _ApiError(404, "PGRST125", "Invalid path specified in request URL")

        # schema from the profile headers (ApiRequest.getSchema)
        prof_hdr = "content-profile" if method in ("POST", "PATCH", "PUT", "DELETE") else "accept-profile"
        profile = _lookup(hdrs, prof_hdr)
        if profile is not None:
            if profile not in self.schemas:
                if self.version >= (13, 0, 7):
                    raise _ApiError(406, "PGRST106", "Invalid schema: " + profile,
                                    hint="Only the following schemas are exposed: " + ", ".join(self.schemas))
                raise _ApiError(406, "PGRST106",
                                "The schema must be one of the following: " + ", ".join(self.schemas))
            schema, negotiated = profile, True
        else:
            schema, negotiated = self.schemas[0], len(self.schemas) != 1

        if kind == "rpc":
            if method not in ("GET", "HEAD", "POST", "OPTIONS"):
                raise _ApiError(405, "PGRST101", "Cannot use the %s method on RPC" % method)
        else:
            if method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
                raise Unsupported("%s on a table or view is not emulated" % method)
            if method not in ("GET", "HEAD"):
                raise _ApiError(405, "PGRST117", "Unsupported HTTP method: " + method)

        if _lookup(hdrs, "range") is not None and method in ("GET", "HEAD"):
            raise Unsupported("the Range header is not emulated (use limit/offset)")
        prefs = self._preferences(hdrs)
        q = _parse_query(qpairs, rpc_read=(kind == "rpc" and method in ("GET", "HEAD")))
        self._check_accept(hdrs)

        ctx = dict(method=method, path=raw_path, hdrs=hdrs, role=role, claims=claims,
                   schema=schema, negotiated=negotiated, prefs=prefs, sent=sent, q=q)
        if kind == "rpc":
            return self._rpc(ctx, name, body)
        return self._read(ctx, name)

    def _preferences(self, hdrs):
        prefs = {}
        for k, v in hdrs:
            if k.lower() != "prefer":
                continue
            for item in v.split(","):
                item = item.strip()
                if not item:
                    continue
                key, _, val = item.partition("=")
                key, val = key.strip(), val.strip()
                if key == "count":
                    raise Unsupported("Prefer: count is not emulated")
                if key == "params" and self.version < (13,) and val == "single-object":
                    raise Unsupported("Prefer: params=single-object (v12) is not emulated")
                if key == "max-affected":
                    raise Unsupported("Prefer: max-affected is not emulated")
                if key in ("tx", "timezone", "handling", "return", "missing", "resolution", "params"):
                    prefs.setdefault(key, val)
        return prefs

    def _check_accept(self, hdrs):
        accept = _lookup(hdrs, "accept")
        if accept is None:
            return
        types = [t.split(";")[0].strip().lower() for t in accept.split(",") if t.strip()]
        if not types or any(t in ("*/*", "application/json", "application/*") for t in types):
            return
        raise Unsupported("Accept: %s is not emulated (only application/json and */*)" % accept)

    # ----- RPC ----------------------------------------------------------------

    def _rpc(self, ctx, name, body):
        method, schema, q = ctx["method"], ctx["schema"], ctx["q"]
        ctype_hdr = _lookup(ctx["hdrs"], "content-type")
        ctype = (ctype_hdr.split(";")[0].strip().lower() if ctype_hdr else "application/json")
        is_post = method == "POST"

        payload_raw, keys, direct_args, json_is_object = None, set(), None, True
        if method in ("GET", "HEAD", "OPTIONS"):
            direct_args = dict(q["params"])
            keys = set(direct_args)
        elif q["columns"] is not None:
            raise Unsupported("?columns= is not emulated")
        elif ctype == "application/json":
            if body == b"":
                payload_raw, keys = b"", set()
            else:
                try:
                    val = _strict_json(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise _ApiError(400, "PGRST102", "Empty or invalid json")
                if isinstance(val, list):
                    if not val:
                        payload_raw, keys = b"[]", set()
                    elif isinstance(val[0], dict):
                        k0 = set(val[0])
                        if not all(isinstance(x, dict) and set(x) == k0 for x in val):
                            raise _ApiError(400, "PGRST102", "All object keys must match")
                        payload_raw, keys = body, k0
                    else:
                        raise _ApiError(400, "PGRST102", "All object keys must match")
                    json_is_object = False
                elif isinstance(val, dict):
                    payload_raw, keys = body, set(val)
                else:
                    payload_raw, keys, json_is_object = b"[]", set(), False
        elif ctype == "application/x-www-form-urlencoded":
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            direct_args = dict(pairs)
            keys = set(direct_args)
        elif ctype in ("text/plain", "text/xml", "application/octet-stream"):
            payload_raw, keys = body, set()
        else:
            raise _ApiError(400, "PGRST102", "Content-Type not acceptable: " + ctype)

        proc = self._find_proc(schema, name, keys, ctype, is_post)

        if method == "OPTIONS":
            allow = "OPTIONS,POST" if proc.volatility == "volatile" else "OPTIONS,GET,HEAD,POST"
            return Response(200, [("Content-Length", "0"), ("Access-Control-Allow-Origin", "*"),
                                  ("Allow", allow)], "", sql=[])

        # the call (QueryBuilder.callPlanToQuery)
        scalar = not proc.composite
        fn = _qi(proc.schema, proc.name)
        one_pos = len(proc.params) == 1 and proc.params[0][0] == ""
        if one_pos:
            ptype = proc.params[0][1]
            raw = payload_raw if payload_raw is not None else b""
            if ptype == "bytea":
                arg = _lit_bytea(raw)
            else:
                arg = _lit(raw.decode("utf-8", "replace")) + "::" + ptype
        else:
            specified = [p for p in proc.params if p[0] in keys]
            if not specified:
                arg = ""
            elif direct_args is not None:
                parts = []
                for p in specified:
                    v = direct_args.get(p[0])
                    if p[4]:
                        raise Unsupported("VARIADIC parameters through GET are not emulated")
                    parts.append("%s := %s::%s" % (_ident(p[0]), "NULL" if v is None else _lit(v), p[2]))
                arg = ", ".join(parts)
            else:
                arg = None  # json body, below
        q_sel = q["select"]
        if scalar:
            sel_cols = "pgrst_call.pgrst_scalar"
        else:
            sel_cols = _returned_columns(q_sel, q["filter_fields"])
        if one_pos or direct_args is not None or arg == "":
            if scalar:
                call = "SELECT %s FROM (SELECT %s(%s) pgrst_scalar) pgrst_call" % (sel_cols, fn, arg)
            else:
                call = "SELECT %s FROM %s(%s) pgrst_call" % (sel_cols, fn, arg)
        else:
            typed = ", ".join("%s %s" % (_ident(p[0]), p[2]) for p in specified)
            cols = ", ".join(_ident(p[0]) for p in specified)
            rec = "json_to_record" if json_is_object else "json_to_recordset"
            named = ", ".join("%s%s := pgrst_body.%s" % ("VARIADIC " if p[4] else "", _ident(p[0]), _ident(p[0]))
                              for p in specified)
            lateral = ("(SELECT %s(%s) pgrst_scalar) pgrst_call" % (fn, named) if scalar
                       else "%s(%s) pgrst_call" % (fn, named))
            call = ("SELECT %s FROM (SELECT %s AS json_data) pgrst_payload, "
                    "LATERAL (SELECT %s FROM %s(pgrst_payload.json_data) AS _(%s) LIMIT 1) pgrst_body , "
                    "LATERAL %s" % (sel_cols, _lit(payload_raw.decode("utf-8")) + "::json", cols, rec, typed,
                                    lateral))

        alias = proc.table_name or proc.name
        inner = _read_select(_ident(alias), '"pgrst_source" AS ' + _ident(alias), q)
        single = not proc.setof
        if not proc.setof and proc.composite:
            agg = "coalesce(json_agg(_postgrest_t)->0, 'null')"
        elif not proc.setof:
            agg = "coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null')"
        elif scalar:
            agg = "coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')"
        else:
            agg = "coalesce(json_agg(_postgrest_t), '[]')"
        main = ("WITH pgrst_source AS (%s) SELECT null::bigint AS total_result_set, %s AS page_total, "
                "%s AS body, nullif(current_setting('response.headers', true), '') AS response_headers, "
                "nullif(current_setting('response.status', true), '') AS response_status, "
                "'' AS response_inserted FROM (%s) _postgrest_t"
                % (call, "1" if single else "pg_catalog.count(_postgrest_t)", agg, inner))

        read_only = method in ("GET", "HEAD") or proc.volatility in ("stable", "immutable")
        iso = proc.iso or self.role_iso.get(ctx["role"]) or "READ COMMITTED"
        hoisted = []
        for setting in proc.proconfig:
            if any(re.search(pat, setting) for pat in self.hoisted_tx_settings):
                k, _, v = setting.partition("=")
                hoisted.append((k, v))
        res = self._transaction(ctx, iso, read_only, hoisted, main)
        if isinstance(res, Response):
            return res
        page_total, body_text, gheaders, gstatus = res
        head = method == "HEAD"
        crange = _content_range(q, page_total)
        headers = [("Content-Range", crange)] + self._pref_applied(ctx)
        if proc.returns_void:
            status, text = 204, ""
        else:
            status = 200
            text = "" if head else (body_text or "")
            if not head:
                headers.append(("Content-Length", str(len(text.encode("utf-8")))))
            headers += self._content_type_headers(ctx)
        return self._override(ctx, status, headers, text, gheaders, gstatus)

    def _find_proc(self, schema, name, keys, ctype, is_post):
        procs = self.routines.get((schema, name), [])
        matched, fallback = [], []
        for p in procs:
            if self._matches(p, keys, ctype, is_post):
                matched.append(p)
            elif len(p.params) == 1 and p.params[0][0] == "" and is_post and (ctype, p.params[0][1]) in (
                    ("application/json", "json"), ("application/json", "jsonb"), ("text/plain", "text"),
                    ("text/xml", "xml"), ("application/octet-stream", "bytea")):
                fallback.append(p)
        if len(matched) == 1:
            return matched[0]
        if len(matched) > 1 or (not matched and len(fallback) > 1):
            cands = matched or fallback
            raise _ApiError(300, "PGRST203",
                            "Could not choose the best candidate function between: "
                            + ", ".join(c.signature() for c in cands),
                            hint="Try renaming the parameters or the function itself in the database "
                                 "so function overloading can be resolved")
        if fallback:
            return fallback[0]
        func = schema + "." + name
        klist = sorted(keys)
        single_only = is_post and ctype in ("text/plain", "text/xml", "application/octet-stream")
        if single_only:
            msg = "Could not find the function %s in the schema cache" % func
        else:
            msg = "Could not find the function %s%s in the schema cache" % (
                func, "(" + ", ".join(klist) + ")" if klist else " without parameters")
        prm = (" with parameter" + ("s " if len(klist) > 1 else " ") + ", ".join(klist)) if klist \
            else " without parameters"
        if is_post and ctype == "text/plain":
            det = " with a single unnamed text parameter"
        elif is_post and ctype == "text/xml":
            det = " with a single unnamed xml parameter"
        elif is_post and ctype == "application/octet-stream":
            det = " with a single unnamed bytea parameter"
        elif is_post and ctype == "application/json":
            det = prm + " or with a single unnamed json/jsonb parameter"
        else:
            det = prm
        hint = None
        if not single_only:
            if procs:
                hint = "Perhaps you meant to call the function %s.%s(%s)" % (
                    schema, name, ", ".join(sorted(p[0] for p in procs[0].params)))
            else:
                import difflib
                names = [n for (s, n) in self.routines if s == schema]
                close = difflib.get_close_matches(name, names, n=1)
                if close:
                    hint = "Perhaps you meant to call the function %s.%s" % (schema, close[0])
        raise _ApiError(404, "PGRST202", msg,
                        details="Searched for the function %s%s, but no matches were found in the schema cache."
                                % (func, det), hint=hint)

    @staticmethod
    def _matches(p, keys, ctype, is_post):
        if not p.params:
            return not keys and not (is_post and ctype in ("application/octet-stream", "text/plain", "text/xml"))
        req = {x[0] for x in p.params if x[3]}
        opt = {x[0] for x in p.params if not x[3]}
        if not opt:
            return keys == req
        if not req:
            return keys <= opt
        return (keys - opt) == req

    # ----- table / view reads -----------------------------------------------

    def _read(self, ctx, name):
        schema, q = ctx["schema"], ctx["q"]
        if (schema, name) not in self.tables and self.version >= (13,):
            raise _ApiError(404, "PGRST205", "Could not find the table '%s.%s' in the schema cache"
                            % (schema, name))
        qi = _qi(schema, name)
        inner_from = qi
        select = _read_select(qi, inner_from, q)
        main = ("WITH pgrst_source AS ( %s )  SELECT null::bigint AS total_result_set, "
                "pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, "
                "nullif(current_setting('response.headers', true), '') AS response_headers, "
                "nullif(current_setting('response.status', true), '') AS response_status, "
                "'' AS response_inserted FROM ( SELECT * FROM pgrst_source ) _postgrest_t" % select)
        iso = self.role_iso.get(ctx["role"]) or "READ COMMITTED"
        res = self._transaction(ctx, iso, True, [], main)
        if isinstance(res, Response):
            return res
        page_total, body_text, gheaders, gstatus = res
        head = ctx["method"] == "HEAD"
        canon = urllib.parse.urlencode(sorted(ctx["q"]["raw"]), quote_via=urllib.parse.quote)
        headers = [("Content-Range", _content_range(q, page_total)),
                   ("Content-Location", "/" + name + ("?" + canon if canon else ""))]
        text = "" if head else (body_text or "[]")
        if not head:
            headers.append(("Content-Length", str(len(text.encode("utf-8")))))
        headers += self._content_type_headers(ctx) + self._pref_applied(ctx)
        return self._override(ctx, 200, headers, text, gheaders, gstatus)

    # ----- the transaction (Query.hs, hasql-transaction) ---------------------

    def _tx_flags(self, ctx):
        tx = ctx["prefs"].get("tx")
        rollback = self.tx_end.startswith("rollback")
        if self.tx_end.endswith("allow-override") and tx in ("commit", "rollback"):
            rollback = tx == "rollback"
        return rollback

    def _pref_applied(self, ctx):
        applied = []
        tx = ctx["prefs"].get("tx")
        if self.tx_end.endswith("allow-override") and tx in ("commit", "rollback"):
            applied.append("tx=" + tx)
        if ctx.get("timezone"):
            applied.append("timezone=" + ctx["timezone"])
        return [("Preference-Applied", ", ".join(applied))] if applied else []

    def _content_type_headers(self, ctx):
        h = [("Content-Type", "application/json; charset=utf-8")]
        if ctx["negotiated"]:
            h.append(("Content-Profile", ctx["schema"]))
        return h

    def _setting_stmt(self, ctx, hoisted):
        role = ctx["role"]
        sp = ", ".join(_ident(s) for s in [ctx["schema"]] + self.extra_search_path)
        items = ["set_config('search_path', %s, true)" % _lit(sp)]
        for k, v in self.role_settings.get(role, []):
            items.append("set_config(%s, %s, true)" % (_lit(k), _lit(v)))
        items.append("set_config('role', %s, true)" % _lit(role))
        items.append("set_config('request.jwt.claims', %s, true)" % _lit(_jenc(ctx["claims"])))
        items.append("set_config('request.method', %s, true)" % _lit(ctx["method"]))
        items.append("set_config('request.path', %s, true)" % _lit(ctx["path"]))
        hmap = {}
        for k, v in ctx["hdrs"]:
            if k.lower() != "cookie":
                hmap[k.lower()] = v
        items.append("set_config('request.headers', %s, true)" % _lit(
            json.dumps(hmap, separators=(",", ":"), ensure_ascii=False)))
        cookies = {}
        ck = _lookup(ctx["hdrs"], "cookie")
        if ck is not None:
            for part in ck.split(";"):
                n, _, v = part.partition("=")
                cookies[n.lstrip(" ")] = v
        items.append("set_config('request.cookies', %s, true)" % _lit(
            json.dumps(cookies, separators=(",", ":"), ensure_ascii=False)))
        if ctx.get("timezone"):
            items.append("set_config('timezone', %s, true)" % _lit(ctx["timezone"]))
        for k, v in hoisted:
            items.append("set_config(%s, %s, true)" % (_lit(k), _lit(v)))
        for k, v in self.app_settings.items():
            items.append("set_config(%s, %s, true)" % (_lit(k), _lit(v)))
        return "select " + ", ".join(items)

    def _transaction(self, ctx, iso, read_only, hoisted, main):
        """Run BEGIN, statement 1, pre-request, main query, COMMIT/ABORT.
        Returns (page_total, body, response_headers, response_status) or an
        error Response."""
        conn = self._ensure_conn()
        sent = ctx["sent"]
        tz = ctx["prefs"].get("timezone")
        if tz:
            with conn.cursor() as cur:   # PostgREST knows the zone names from its config load
                cur.execute("select 1 from pg_timezone_names where name = %s", (tz,))
                if cur.fetchone():
                    ctx["timezone"] = tz
        begin = "BEGIN ISOLATION LEVEL %s %s" % (iso, "READ ONLY" if read_only else "READ WRITE")
        stmts = [begin, self._setting_stmt(ctx, hoisted)]
        if self.pre_request:
            s, dot, n = self.pre_request.partition(".")
            stmts.append("select %s()" % (_qi(s, n) if dot else _ident(s)))
        stmts.append(main)
        rollback = self._tx_flags(ctx)
        attempts = 0
        while True:
            attempts += 1
            row = None
            try:
                with conn.cursor() as cur:
                    for s in stmts:
                        sent.append(s)
                        cur.execute(s)
                    row = cur.fetchone()
                    if rollback:
                        sent.append("SET CONSTRAINTS ALL IMMEDIATE")
                        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        sent.append("ABORT")
                        cur.execute("ABORT")
                    else:
                        sent.append("COMMIT")
                        cur.execute("COMMIT")
            except psycopg2.Error as e:
                if conn.closed or e.pgcode is None:
                    # connection / protocol failure: not an HTTP answer
                    self._conn = None
                    raise
                if conn.info.transaction_status in (psycopg2.extensions.TRANSACTION_STATUS_INERROR,
                                                    psycopg2.extensions.TRANSACTION_STATUS_INTRANS):
                    with conn.cursor() as cur:
                        sent.append("ABORT")
                        cur.execute("ABORT")
                if e.pgcode in self.retry_sqlstates:
                    if attempts >= self.max_retries:
                        raise RuntimeError("transaction retried %d times on %s" % (attempts, e.pgcode)) from e
                    continue
                return self._pg_error_response(ctx, e)
            except BaseException:
                # not PostgreSQL's doing (interrupt, harness bug): never leave the
                # pooled connection inside a transaction
                if not conn.closed and conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                    conn.cancel()
                    with conn.cursor() as cur:
                        cur.execute("ABORT")
                raise
            # total_result_set, page_total, body, response_headers, response_status, response_inserted
            return row[1], row[2], row[3], row[4]

    # ----- responses ---------------------------------------------------------

    def _override(self, ctx, status, headers, text, gheaders, gstatus):
        """Response.overrideStatusHeaders: after COMMIT, like PostgREST."""
        sent = ctx["sent"]
        if gstatus is not None:
            m = re.match(r"[0-9]+", gstatus)
            if not m:
                return self._error_response(500, "PGRST112", "response.status guc must be a valid status code",
                                            None, None, [], sent)
            status = int(m.group(0))
        ghdrs = []
        if gheaders is not None:
            bad = False
            try:
                val = _strict_json(gheaders)
            except ValueError:
                bad = True
                val = None
            if not bad:
                if not isinstance(val, list):
                    bad = True
                else:
                    for item in val:
                        if isinstance(item, dict) and len(item) == 1:
                            (k, v), = item.items()
                            if isinstance(v, str):
                                ghdrs.append((k, v))
                                continue
                        bad = True
                        break
            if bad:
                return self._error_response(
                    500, "PGRST111",
                    "response.headers guc must be a JSON array composed of objects with a single key and a string value",
                    None, None, [], sent)
        gnames = {k.lower() for k, _ in ghdrs}
        final = [(k, v) for k, v in headers if k.lower() not in gnames] + ghdrs
        return Response(status, final, text, sql=sent)

    def _error_response(self, status, code, message, details, hint, extra_headers, sent, reason=None):
        body = _jenc({"code": code, "message": message, "details": details, "hint": hint})
        headers = [("Content-Type", "application/json; charset=utf-8"),
                   ("Content-Length", str(len(body.encode("utf-8"))))]
        if self.version >= (13,):
            headers.append(("Proxy-Status", "PostgREST; error=" + code))
        headers += list(extra_headers)
        return Response(status, headers, body, reason=reason, sql=sent)

    def _pg_error_response(self, ctx, e):
        d = e.diag
        code = e.pgcode
        msg = d.message_primary or ""
        detail = d.message_detail
        hint = d.message_hint
        authed = ctx["role"] != self.anon_role
        if code == "PGRST":
            return self._pgrst_raise(ctx, msg, detail)
        status, reason = _map_sqlstate(code, msg, authed, self.version), None
        if code.startswith("PT"):
            reason = msg
        extra = [("WWW-Authenticate", "Bearer")] if status == 401 else []
        return self._error_response(status, code, msg, detail, hint, extra, ctx["sent"], reason=reason)

    def _pgrst_raise(self, ctx, m, d):
        """RAISE SQLSTATE 'PGRST' (Error.hs parseRaisePGRST)."""
        def fail(kind, raw):
            if kind == "msg":
                det = "Invalid JSON value for MESSAGE: '%s'" % raw
                hnt = ("MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional "
                       "keys: 'details', 'hint'.")
            else:
                det = ("DETAIL is missing in the RAISE statement" if kind == "nodetail"
                       else "Invalid JSON value for DETAIL: '%s'" % raw)
                hnt = ("DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional "
                       "key: 'status_text'.")
            return self._error_response(500, "PGRST121",
                                        "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error",
                                        det, hnt, [], ctx["sent"])

        def opt_str(o, k):
            v = o.get(k)
            if v is None or isinstance(v, str):
                return True, v
            return False, None
        try:
            mj = _strict_json(m)
        except ValueError:
            return fail("msg", m)
        ok = isinstance(mj, dict) and isinstance(mj.get("code"), str) and isinstance(mj.get("message"), str)
        if ok:
            ok1, details = opt_str(mj, "details")
            ok2, hint = opt_str(mj, "hint")
            ok = ok1 and ok2
        if not ok:
            return fail("msg", m)
        if d is None:
            return fail("nodetail", None)
        try:
            dj = _strict_json(d)
        except ValueError:
            return fail("det", d)
        st = dj.get("status") if isinstance(dj, dict) else None
        if isinstance(st, float) and st.is_integer():
            st = int(st)
        hdrs = dj.get("headers") if isinstance(dj, dict) else None
        ok = (isinstance(st, int) and not isinstance(st, bool) and isinstance(hdrs, dict)
              and all(isinstance(v, str) for v in hdrs.values()))
        ok3, status_text = opt_str(dj, "status_text") if isinstance(dj, dict) else (False, None)
        if not (ok and ok3):
            return fail("det", d)
        # Error.hs: headers (from a Map, so sorted by name) and no WWW-Authenticate
        return self._error_response(st, mj["code"], mj["message"], details, hint,
                                    sorted(hdrs.items()), ctx["sent"], reason=status_text)


# --------------------------------------------------------------------------
# SQLSTATE -> HTTP (Error.hs mapSQLtoHTTP; doc section 4.2)
# --------------------------------------------------------------------------

def _map_sqlstate(code, msg, authed, version=(13, 0, 8)):
    c2 = code[:2]
    if c2 == "08":
        return 503
    if c2 == "09":
        return 500
    if c2 in ("0L", "0P"):
        return 403
    if code in ("23503", "23505"):
        return 409
    if code == "25006":
        return 405
    if code == "21000":
        return 400 if msg.endswith("requires a WHERE clause") else 500
    if code == "22023" and version >= (13, 0, 1):
        return 401 if msg.startswith("role") and msg.endswith("does not exist") else 400
    if c2 == "25":
        return 500
    if c2 == "28":
        return 403
    if c2 in ("2D", "38", "39", "3B", "40"):
        return 500
    if code == "53400":
        return 500
    if c2 == "53":
        return 503
    if c2 in ("54", "55"):
        return 500
    if code == "57P01":
        return 503
    if c2 in ("57", "58", "F0", "HV"):
        return 500
    if code == "P0001":
        return 400
    if c2 in ("P0", "XX"):
        return 500
    if code == "42883":
        return 406 if msg.startswith("function xmlagg(") else 404
    if code == "42P01":
        return 404
    if code == "42P17":
        return 500
    if code == "42501":
        return 403 if authed else 401
    if c2 == "PT":
        n = code[2:]
        return int(n) if re.fullmatch(r"[0-9]+", n) else 500
    return 400


map_sqlstate = _map_sqlstate


# --------------------------------------------------------------------------
# Query string: select / filters / order / limit / offset (a subset)
# --------------------------------------------------------------------------

def _parse_query(pairs, rpc_read):
    q = {"select": None, "filters": [], "order": [], "limit": None, "offset": None,
         "params": [], "columns": None, "filter_fields": set(), "raw": []}
    for k, v in pairs:
        q["raw"].append((k, v if v is not None else ""))
        if k == "select":
            if v:
                q["select"] = _parse_select(v)
            continue
        if k == "columns":
            q["columns"] = v
            continue
        if k in ("order", "limit", "offset"):
            if not v:
                continue
            if k == "order":
                q["order"] = _parse_order(v)
            else:
                try:
                    n = int(v)
                except ValueError:
                    raise _ApiError(400, "PGRST100", '"failed to parse %s parameter (%s)"' % (k, v),
                                    details="unexpected input")
                if n < 0:
                    raise _ApiError(400, "PGRST103", "Requested range not satisfiable",
                                    details="Limit should be greater than or equal to zero.")
                q[k] = n
            continue
        if k in ("and", "or", "on_conflict") or k.endswith((".order", ".limit", ".offset", ".and", ".or")):
            raise Unsupported("query parameter %r is not emulated" % k)
        if "." in k or "->" in k:
            raise Unsupported("embedded or JSON-path filter %r is not emulated" % k)
        flt = _parse_filter(k, v or "", rpc_read)
        if flt is None:
            q["params"].append((k, v))
        else:
            q["filters"].append(flt)
            q["filter_fields"].add(k)
    return q


_SELECT_ITEM = re.compile(r"^(?:(?P<alias>[^:]+):(?!:))?(?P<col>[^:]+)(?:::(?P<cast>[^:]+))?$")


def _parse_select(v):
    items = []
    for item in v.split(","):
        item = item.strip()
        if item == "*":
            items.append(("*", None, None))
            continue
        m = _SELECT_ITEM.match(item)
        if (not m or any(c in item for c in "()!") or "->" in item or item.startswith("...")
                or "." in (m.group("col") if m else "")):
            raise Unsupported("select item %r is not emulated (only col, alias:col, col::type)" % item)
        items.append((m.group("col"), m.group("alias"), m.group("cast")))
    return items


def _parse_order(v):
    out = []
    for term in v.split(","):
        parts = term.split(".")
        col, mods = parts[0], parts[1:]
        if "->" in col or "(" in col:
            raise Unsupported("order term %r is not emulated" % term)
        direction = nulls = None
        for m in mods:
            if m in ("asc", "desc"):
                direction = m.upper()
            elif m in ("nullsfirst", "nullslast"):
                nulls = "NULLS FIRST" if m == "nullsfirst" else "NULLS LAST"
            else:
                raise _ApiError(400, "PGRST100", '"failed to parse order (%s)"' % v,
                                details="unexpected %r" % m)
        out.append((col, direction, nulls))
    return out


def _parse_filter(col, v, rpc_read):
    neg = False
    rest = v
    if rest.startswith("not."):
        neg, rest = True, rest[4:]
    op, dot, val = rest.partition(".")
    base = op.split("(")[0]
    if not dot or (base not in _SIMPLE_OPS and base not in _OTHER_OPS and base not in ("in", "is")):
        if rpc_read:
            return None
        raise _ApiError(400, "PGRST100", '"failed to parse filter (%s)" (line 1, column 1)' % v,
                        details='unexpected "%s" expecting "not" or operator (eq, gt, ...)' % (v[:1]))
    if "(" in op or base in _OTHER_OPS:
        raise Unsupported("filter operator %r is not emulated" % op)
    if op == "is":
        if val not in _IS_VALUES:
            raise _ApiError(400, "PGRST100", '"failed to parse filter (%s)" (line 1, column 1)' % v,
                            details="unexpected is value %r" % val)
        return (col, neg, "is", _IS_VALUES[val])
    if op == "in":
        if not (val.startswith("(") and val.endswith(")")):
            raise _ApiError(400, "PGRST100", '"failed to parse filter (%s)" (line 1, column 1)' % v,
                            details="expecting (values)")
        return (col, neg, "in", _split_in_list(val[1:-1]))
    return (col, neg, op, val)


def _split_in_list(s):
    out, cur, quoted, i = [], "", False, 0
    if s == "":
        return []
    while i < len(s):
        c = s[i]
        if quoted:
            if c == "\\" and i + 1 < len(s):
                cur += s[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                cur += c
        elif c == '"':
            quoted = True
        elif c == ",":
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


def _array_literal(vals):
    def esc(x):
        x = x.replace("\x00", "").replace("\\", "\\\\")
        return '"' + x.replace('"', '\\"') + '"'
    return "{" + ",".join(esc(v) for v in vals) + "}"


def _field(qual, col):
    return qual + "." + _ident(col)


def _read_select(qual, from_sql, q):
    """ReadPlan -> 'SELECT ... FROM ... WHERE ... ORDER BY ... LIMIT ... OFFSET ...'."""
    sel = q["select"] or [("*", None, None)]
    cols = []
    for col, alias, cast in sel:
        if col == "*":
            cols.append(qual + ".*")
            continue
        expr = _field(qual, col)
        if cast:
            expr = "CAST (%s AS %s)" % (expr, cast)
        if alias or cast:
            expr += " AS " + _ident(alias or col)
        cols.append(expr)
    sql = "SELECT " + ", ".join(cols) + " FROM " + from_sql
    conds = []
    for col, neg, op, val in q["filters"]:
        f = _field(qual, col)
        if op == "is":
            c = "%s IS %s" % (f, val)
        elif op == "in":
            c = "%s = ANY (%s)" % (f, _lit(_array_literal(val)))
        elif op in ("like", "ilike"):
            c = "%s %s %s" % (f, op, _lit(val.replace("*", "%")))
        else:
            c = "%s %s %s" % (f, _SIMPLE_OPS[op], _lit(val))
        conds.append(("NOT " if neg else " ") + c)
    if conds:
        sql += "  WHERE " + " AND ".join(conds)
    if q["order"]:
        sql += "  ORDER BY " + ", ".join(
            (_field(qual, c) + " " + " ".join(x for x in (d, n) if x)).rstrip() for c, d, n in q["order"])
    if q["limit"] is not None or q["offset"]:
        sql += " LIMIT %s OFFSET %s" % ("ALL" if q["limit"] is None else _lit(str(q["limit"])),
                                        _lit(str(q["offset"] or 0)))
    return sql


def _returned_columns(select, filter_fields):
    if not select or any(c == "*" for c, _, _ in select):
        return '"pgrst_call".*'
    names = sorted({c for c, _, _ in select} | set(filter_fields))
    return ", ".join('"pgrst_call".' + _ident(n) for n in names)


def _content_range(q, page_total):
    lower = q["offset"] or 0
    if page_total is None or page_total <= 0:
        return "*/*"
    return "%d-%d/*" % (lower, lower + page_total - 1)


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def _lit(s):
    """A SQL string literal (type unknown, like PostgREST's bind parameters)."""
    s = s.replace("\x00", "")
    if "\\" in s:
        return "E'" + s.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + s.replace("'", "''") + "'"


def _lit_bytea(b):
    return "'\\x" + b.hex() + "'::bytea"


def _norm_headers(headers):
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, dict) else headers
    out = []
    for k, v in items:
        if v is None:
            continue
        out.append((str(k), str(v)))
    return out


def _lookup(hdrs, name):
    name = name.lower()
    for k, v in hdrs:
        if k.lower() == name:
            return v
    return None


def _parse_jspath(s):
    """'.role', '."https://x/role"', '.roles[0]' -> ['role'] / [...] / ['roles', 0]."""
    s = s.strip()
    if s.startswith("$"):
        s = s[1:]
    out, i = [], 0
    while i < len(s):
        if s[i] == ".":
            i += 1
            if i < len(s) and s[i] == '"':
                j = s.index('"', i + 1)
                out.append(s[i + 1:j])
                i = j + 1
            else:
                m = re.match(r"[^.\[]+", s[i:])
                out.append(m.group(0))
                i += len(m.group(0))
        elif s[i] == "[":
            j = s.index("]", i)
            out.append(int(s[i + 1:j]))
            i = j + 1
        else:
            raise ValueError("role_claim_key: cannot parse %r" % s)
    return out


def _walk_jspath(v, path):
    for p in path:
        if isinstance(p, int):
            if not isinstance(v, list) or not -len(v) <= p < len(v) or p < 0:
                return None
            v = v[p]
        else:
            if not isinstance(v, dict) or p not in v:
                return None
            v = v[p]
    return v


class _Pending:
    """A request running in its own thread on its own Pgrst clone."""

    def __init__(self, api, method, path, kw, barrier=None, delay=0.0):
        self._result = self._exc = None
        self._done = threading.Event()

        def run():
            try:
                if barrier is not None:
                    barrier.wait(60)
                if delay:
                    time.sleep(delay)
                self._result = api.request(method, path, **kw)
            except BaseException as e:  # re-raised in result()
                self._exc = e
            finally:
                self._done.set()
        self.backend_pid = api.backend_pid
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def done(self):
        return self._done.is_set()

    def result(self, timeout=60):
        if not self._done.wait(timeout):
            raise TimeoutError("request still running after %ss" % timeout)
        if self._exc is not None:
            raise self._exc
        return self._result
