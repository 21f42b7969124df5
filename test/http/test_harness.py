"""Self-tests of the PostgREST emulation (pgrst.py), on scratch objects only.

Everything lives in schemas pgrst_test_api (exposed, default profile),
pgrst_test_v2 (exposed, second profile) and pgrst_test_priv (not exposed),
with roles pgrst_test_<run>_{authenticator,web_anon,web_user}; all of it is
dropped at the end.  Nothing of the tasks extension is used.
"""

import json

from pgrst import Unsupported, map_sqlstate

API, V2, PRIV = "pgrst_test_api", "pgrst_test_v2", "pgrst_test_priv"
R = {}  # role names, filled by setup_module

SETUP_SQL = r"""
DROP SCHEMA IF EXISTS pgrst_test_api, pgrst_test_v2, pgrst_test_priv CASCADE;
CREATE SCHEMA pgrst_test_api;
CREATE SCHEMA pgrst_test_v2;
CREATE SCHEMA pgrst_test_priv;
GRANT USAGE ON SCHEMA pgrst_test_api, pgrst_test_v2, pgrst_test_priv TO {anon}, {user};

CREATE TABLE pgrst_test_priv.log (id serial PRIMARY KEY, note text);
GRANT SELECT, INSERT ON pgrst_test_priv.log TO {anon}, {user};
GRANT USAGE ON SEQUENCE pgrst_test_priv.log_id_seq TO {anon}, {user};
CREATE TABLE pgrst_test_priv.keys (k text PRIMARY KEY);
GRANT SELECT, INSERT ON pgrst_test_priv.keys TO {anon}, {user};
CREATE SEQUENCE pgrst_test_priv.flaky_seq;
GRANT USAGE ON SEQUENCE pgrst_test_priv.flaky_seq TO {anon}, {user};

CREATE TABLE pgrst_test_api.items (id int PRIMARY KEY, name text, grp text);
INSERT INTO pgrst_test_api.items VALUES (1, 'one', 'a'), (2, 'two', 'a'), (3, 'three', 'b'),
                                        (4, NULL, 'a'), (5, 'five', NULL);
GRANT SELECT ON pgrst_test_api.items TO {user};
CREATE VIEW pgrst_test_api.items_view AS SELECT id, name, grp FROM pgrst_test_api.items;
GRANT SELECT ON pgrst_test_api.items_view TO {anon}, {user};

-- what the function sees of the request
CREATE FUNCTION pgrst_test_api.env(jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object(
    'body', $1,
    'current_user', current_user::text,
    'session_user', session_user::text,
    'claims', nullif(current_setting('request.jwt.claims', true), '')::jsonb,
    'method', current_setting('request.method', true),
    'path', current_setting('request.path', true),
    'headers', nullif(current_setting('request.headers', true), '')::jsonb,
    'cookies', nullif(current_setting('request.cookies', true), '')::jsonb,
    'search_path', current_setting('search_path'),
    'read_only', current_setting('transaction_read_only'),
    'isolation', current_setting('transaction_isolation'),
    'statement_timeout', current_setting('statement_timeout'),
    'pre', nullif(current_setting('pgrst_test.pre', true), ''),
    'leak', nullif(current_setting('pgrst_test.leak', true), ''),
    'response_status', nullif(current_setting('response.status', true), ''),
    'response_headers', nullif(current_setting('response.headers', true), ''))
$$;
CREATE FUNCTION pgrst_test_api.env_stable(jsonb) RETURNS jsonb STABLE LANGUAGE sql AS $$
  SELECT jsonb_build_object('read_only', current_setting('transaction_read_only'))
$$;
CREATE FUNCTION pgrst_test_api.env_get(x text DEFAULT NULL) RETURNS jsonb STABLE LANGUAGE sql AS $$
  SELECT jsonb_build_object('x', x, 'read_only', current_setting('transaction_read_only'),
                            'method', current_setting('request.method', true),
                            'current_user', current_user::text)
$$;

CREATE FUNCTION pgrst_test_api.created(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('response.status', '201', true);
  PERFORM set_config('response.headers',
    '[{"Location": "/rpc/thing?id=7"}, {"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"},'
    ' {"Content-Type": "application/vnd.test+json"}]', true);
  PERFORM set_config('pgrst_test.leak', 'local', true);
  RETURN jsonb_build_object('id', 7, 'echo', $1);
END $$;

CREATE FUNCTION pgrst_test_api.pay(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgrst_test_priv.log(note) VALUES ('pay');
  RAISE SQLSTATE 'PT402' USING message = 'Payment Required', detail = 'Quota exceeded',
                               hint = 'Upgrade your plan';
END $$;

CREATE FUNCTION pgrst_test_api.custom(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgrst_test_priv.log(note) VALUES ('custom');
  RAISE SQLSTATE 'PGRST' USING
    message = '{"code":"TASK_DUP","message":"Task exists","details":"title taken","hint":"pick another"}',
    detail  = '{"status":409,"status_text":"Conflict!","headers":{"Location":"/rpc/task_get?id=7","X-Extra":"1"}}';
END $$;

CREATE FUNCTION pgrst_test_api.bad_pgrst(kind text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  IF kind = 'message' THEN
    RAISE SQLSTATE 'PGRST' USING message = 'not json', detail = '{"status":400,"headers":{}}';
  ELSIF kind = 'nodetail' THEN
    RAISE SQLSTATE 'PGRST' USING message = '{"code":"X","message":"m"}';
  ELSE
    RAISE SQLSTATE 'PGRST' USING message = '{"code":"X","message":"m"}', detail = '{"status":400}';
  END IF;
END $$;

CREATE FUNCTION pgrst_test_api.forbidden(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RAISE insufficient_privilege USING message = 'not for you'; END $$;

CREATE FUNCTION pgrst_test_api.members_only() RETURNS text LANGUAGE sql AS $$ SELECT 'welcome' $$;
REVOKE EXECUTE ON FUNCTION pgrst_test_api.members_only() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgrst_test_api.members_only() TO {user};

CREATE FUNCTION pgrst_test_priv.write_log(note text) RETURNS int LANGUAGE sql AS $$
  INSERT INTO pgrst_test_priv.log(note) VALUES (note) RETURNING id
$$;
-- a write straight in a STABLE function is refused by PL/pgSQL itself (0A000);
-- through a VOLATILE helper it reaches the READ ONLY transaction (25006)
CREATE FUNCTION pgrst_test_api.stable_writer(jsonb) RETURNS jsonb STABLE LANGUAGE plpgsql AS $$
BEGIN PERFORM pgrst_test_priv.write_log('stable'); RETURN '{}'; END $$;
CREATE FUNCTION pgrst_test_api.stable_inserter(jsonb) RETURNS jsonb STABLE LANGUAGE plpgsql AS $$
BEGIN INSERT INTO pgrst_test_priv.log(note) VALUES ('stable'); RETURN '{}'; END $$;

CREATE FUNCTION pgrst_test_api.add_note(note text) RETURNS int LANGUAGE sql AS $$
  INSERT INTO pgrst_test_priv.log(note) VALUES (note) RETURNING id
$$;

CREATE FUNCTION pgrst_test_api.nothing(jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN INSERT INTO pgrst_test_priv.log(note) VALUES ('nothing'); END $$;
CREATE FUNCTION pgrst_test_api.accepted(jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('response.status', '202', true); END $$;

CREATE FUNCTION pgrst_test_api.bad_status(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgrst_test_priv.log(note) VALUES ('bad_status');
  PERFORM set_config('response.status', 'abc', true);
  RETURN '{}';
END $$;
CREATE FUNCTION pgrst_test_api.bad_headers(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('response.headers', '{"Location": "/x"}', true); RETURN '{}'; END $$;
CREATE FUNCTION pgrst_test_api.session_leak(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('pgrst_test.leak', 'session', false); RETURN '{}'; END $$;

CREATE FUNCTION pgrst_test_api.which(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'api' $$;
CREATE FUNCTION pgrst_test_v2.which(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'v2' $$;
CREATE FUNCTION pgrst_test_api.which_get() RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'api get' $$;
CREATE FUNCTION pgrst_test_v2.which_get() RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'v2 get' $$;

CREATE FUNCTION pgrst_test_api.named(payload jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT payload $$;
CREATE FUNCTION pgrst_test_api.add(a int, b int DEFAULT 10) RETURNS int IMMUTABLE LANGUAGE sql AS $$
  SELECT a + b
$$;
CREATE FUNCTION pgrst_test_api.items_in(g text) RETURNS SETOF pgrst_test_api.items STABLE LANGUAGE sql AS $$
  SELECT * FROM pgrst_test_api.items WHERE grp = g
$$;
CREATE FUNCTION pgrst_test_api.numbers(n int) RETURNS SETOF int STABLE LANGUAGE sql AS $$
  SELECT generate_series(1, n)
$$;
CREATE FUNCTION pgrst_test_api.pair(a int, OUT x int, OUT y text) STABLE LANGUAGE sql AS $$
  SELECT a, 'y' || a
$$;

CREATE FUNCTION pgrst_test_api.take_key(k text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pgrst_test_priv.keys VALUES (k);
  PERFORM pg_sleep(0.3);
  RETURN k;
END $$;
CREATE FUNCTION pgrst_test_api.wait_lock() RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock(424242); RETURN 'got it'; END $$;

CREATE FUNCTION pgrst_test_api.plain_raise(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'boom' USING detail = 'd', hint = 'h'; END $$;
CREATE FUNCTION pgrst_test_api.strict_miss(jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE v int;
BEGIN SELECT 1 INTO STRICT v WHERE false; RETURN '{}'; END $$;
CREATE FUNCTION pgrst_test_api.flaky() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint := nextval('pgrst_test_priv.flaky_seq');
BEGIN
  IF n % 3 <> 0 THEN RAISE SQLSTATE '40001' USING message = 'could not serialize (test)'; END IF;
  RETURN n;
END $$;
CREATE FUNCTION pgrst_test_api.tuned() RETURNS text LANGUAGE sql
  SET statement_timeout = '4s' SET default_transaction_isolation = 'serializable' AS $$
  SELECT current_setting('transaction_isolation') || ' ' || current_setting('statement_timeout')
$$;

-- the pre-request: an API-key check in the style of the PostgREST docs
CREATE FUNCTION pgrst_test_priv.check_request() RETURNS void LANGUAGE plpgsql AS $$
DECLARE k text := current_setting('request.headers', true)::json->>'x-api-key';
BEGIN
  IF k IS NULL THEN
    RAISE SQLSTATE 'PGRST' USING
      message = '{"code":"AUTH","message":"missing API key"}',
      detail  = '{"status":401,"headers":{"WWW-Authenticate":"ApiKey"}}';
  END IF;
  PERFORM set_config('pgrst_test.pre', 'ran', true);
  PERFORM set_config('request.jwt.claims',
    (current_setting('request.jwt.claims')::jsonb || jsonb_build_object('api_key', k))::text, true);
  IF k = 'user-key' THEN
    PERFORM set_config('role', '{user_lit}', true);
  END IF;
END $$;
"""


def setup_module(fx):
    R.update(fx.create_roles("pgrst_test_%s_" % fx.run_id))
    fx.sql(SETUP_SQL.replace("{anon}", '"%s"' % R["anon"]).replace("{user}", '"%s"' % R["web_user"])
           .replace("{user_lit}", R["web_user"]))


def teardown_module(fx):
    fx.sql("DROP SCHEMA IF EXISTS pgrst_test_api, pgrst_test_v2, pgrst_test_priv CASCADE")


def api(fx, **kw):
    cfg = dict(db=fx.db(R["authenticator"], R["password"]), schemas=[API, V2], anon_role=R["anon"])
    cfg.update(kw)
    return fx.pgrst(**cfg)


def user_claims(**extra):
    c = {"role": R["web_user"]}
    c.update(extra)
    return c


def log_count(fx, note):
    return fx.one("select count(*) from pgrst_test_priv.log where note = %s", note)


def eq(actual, expected, what=""):
    assert actual == expected, "%s: expected %r, got %r" % (what or "value", expected, actual)


# ---------------------------------------------------------------- statements

def test_statements_are_postgrests(fx):
    a = api(fx)
    r = a.rpc("env", {"title": "a"}, headers={"Content-Type": "application/json", "X-Api-Key": "k1"})
    eq(r.status, 200, "status")
    eq(len(r.sql), 4, "statements: BEGIN, set_config, main, COMMIT")
    eq(r.sql[0], "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE")
    expected1 = (
        "select set_config('search_path', '\"%s\", \"public\"', true), "
        "set_config('role', '%s', true), "
        "set_config('request.jwt.claims', '{\"role\":\"%s\"}', true), "
        "set_config('request.method', 'POST', true), "
        "set_config('request.path', '/rpc/env', true), "
        "set_config('request.headers', '{\"content-type\":\"application/json\",\"x-api-key\":\"k1\"}', true), "
        "set_config('request.cookies', '{}', true)" % (API, R["anon"], R["anon"]))
    eq(r.sql[1], expected1, "statement 1")
    expected3 = (
        'WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "%s"."env"('
        "'{\"title\": \"a\"}'::jsonb) pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, "
        "1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, "
        "nullif(current_setting('response.headers', true), '') AS response_headers, "
        "nullif(current_setting('response.status', true), '') AS response_status, "
        "'' AS response_inserted FROM (SELECT \"env\".* FROM \"pgrst_source\" AS \"env\") _postgrest_t" % API)
    eq(r.sql[2], expected3, "main query")
    eq(r.sql[3], "COMMIT")
    b = r.body
    eq(b["body"], {"title": "a"}, "body reaches the function")
    eq(b["method"], "POST")
    eq(b["path"], "/rpc/env")
    eq(b["headers"], {"content-type": "application/json", "x-api-key": "k1"}, "request.headers")
    eq(b["cookies"], {}, "request.cookies")
    eq(b["search_path"], '"%s", "public"' % API, "search_path")
    eq(b["isolation"], "read committed")
    eq(b["read_only"], "off")
    eq(r.headers["content-type"], "application/json; charset=utf-8")
    eq(r.headers["content-range"], "0-0/*")
    eq(r.headers["content-profile"], API, "Content-Profile with >1 schema")


def test_extra_search_path_and_query_string_not_in_path(fx):
    a = api(fx, extra_search_path=[], schemas=[API])
    r = a.request("POST", "/rpc/env", body={})
    eq(r.body["search_path"], '"%s"' % API)
    assert "content-profile" not in r.headers, "one schema, no profile header: no Content-Profile"
    r = a.request("GET", "/rpc/env_get?x=hello")
    eq(r.status, 200, "GET status %r" % r)
    eq(r.body["x"], "hello")
    assert "/rpc/env_get'" in r.sql[1], "request.path without the query string: %s" % r.sql[1]
    r = a.request("POST", "/rpc/env", body={}, query={"x": "1"})
    eq((r.status, r.body["code"]), (400, "PGRST100"), "POST: a query parameter must be a filter")


def test_cookies_and_header_names(fx):
    a = api(fx)
    r = a.rpc("env", {}, headers=[("Cookie", "sid=abc; theme=dark"), ("X-Dup", "1"), ("x-dup", "2"),
                                  ("Authorization", "Basic dXNlcjpwdw==")])
    eq(r.status, 200, repr(r))
    eq(r.body["cookies"], {"sid": "abc", "theme": "dark"}, "request.cookies")
    eq(r.body["headers"], {"x-dup": "2", "authorization": "Basic dXNlcjpwdw=="},
       "request.headers: lower-case, last duplicate wins, no cookie, authorization kept")


# ---------------------------------------------------------------- roles

def test_role_is_switched(fx):
    a = api(fx)
    r = a.rpc("env", {})
    eq((r.body["current_user"], r.body["session_user"]), (R["anon"], R["authenticator"]), "anonymous")
    eq(r.body["claims"], {"role": R["anon"]})
    r = a.rpc("env", {}, claims=user_claims(sub="u1", workspace_id="w"))
    eq(r.body["current_user"], R["web_user"], "JWT role")
    eq(r.body["claims"], {"role": R["web_user"], "sub": "u1", "workspace_id": "w"}, "claims")
    assert r.body["headers"]["authorization"].startswith("Bearer ey"), "the JWT is in request.headers"
    r = a.rpc("env", {}, claims={"sub": "u2"})
    eq(r.body["current_user"], R["anon"], "claims without role -> anon role")
    eq(r.body["claims"], {"role": R["anon"], "sub": "u2"}, "role key added to claims")


def test_authenticator_is_checked(fx):
    try:
        api(fx, db=fx.db(fx.params.get("user") or fx.one("select current_user")))
    except ValueError as e:
        assert "superuser" in str(e)
    else:
        raise AssertionError("a superuser connection must be refused")
    eq(fx.one("select rolinherit from pg_roles where rolname = %s", R["authenticator"]), False, "NOINHERIT")


def test_42501_anon_401_user_403(fx):
    a = api(fx)
    r = a.rpc("forbidden", {})
    eq(r.status, 401, "anon")
    eq(r.body, {"code": "42501", "message": "not for you", "details": None, "hint": None})
    eq(r.headers.get("www-authenticate"), "Bearer")
    eq(r.headers.get("proxy-status"), "PostgREST; error=42501")
    r = a.rpc("forbidden", {}, claims=user_claims())
    eq(r.status, 403, "authenticated")
    assert "www-authenticate" not in r.headers
    r = a.rpc("forbidden", {}, claims={"role": R["anon"]})
    eq(r.status, 401, "a JWT naming the anon role counts as anonymous")
    # a real privilege error from PostgreSQL
    r = a.request("POST", "/rpc/members_only")
    eq(r.status, 401, "anon, EXECUTE not granted: %r" % r)
    assert r.body["message"].startswith("permission denied for function"), r.body
    r = a.request("POST", "/rpc/members_only", claims=user_claims())
    eq((r.status, r.body), (200, "welcome"))


def test_unknown_role_and_anon_disabled(fx):
    a = api(fx)
    r = a.rpc("env", {}, claims={"role": "pgrst_test_no_such_role"})
    eq(r.status, 401, "role does not exist -> 22023 -> 401 (v13): %r" % r)
    eq(r.body["code"], "22023")
    a12 = api(fx, version=12)
    r = a12.rpc("env", {}, claims={"role": "pgrst_test_no_such_role"})
    eq(r.status, 400, "v12: 22023 -> 400")
    assert "proxy-status" not in r.headers, "no Proxy-Status before v13"
    b = api(fx, anon_role=None)
    r = b.rpc("env", {})
    eq((r.status, r.body["code"]), (401, "PGRST302"))
    eq(r.sql, [], "no SQL")


# ---------------------------------------------------------------- JWT

def test_jwt_errors_never_reach_the_database(fx):
    a = api(fx)
    r = a.rpc("env", {}, claims=user_claims(), jwt_invalid=True)
    eq((r.status, r.body["code"]), (401, "PGRST301"))
    eq(r.body["message"], "JWT cryptographic operation failed")
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"'), r.headers
    eq(r.sql, [], "no SQL for a bad JWT")
    # An API key sent as "Authorization: Bearer" is parsed as a JWT by PostgREST.
    r = a.rpc("env", {}, headers={"Authorization": "Bearer sk_live_123"})
    eq((r.status, r.body["code"], r.body["message"]), (401, "PGRST301", "Expected 3 parts in JWT; got 1"))
    eq(r.sql, [])
    r = a.rpc("env", {}, claims=user_claims(exp=1000))
    eq((r.status, r.body["code"], r.body["message"]), (401, "PGRST303", "JWT expired"))
    b = api(fx, jwt_secret=None)
    r = b.rpc("env", {}, headers={"Authorization": "Bearer a.b.c"})
    eq((r.status, r.body["code"]), (500, "PGRST300"))
    c = api(fx, jwt_aud="tasks-api")
    eq(c.rpc("env", {}, claims=user_claims(aud="other")).status, 401, "wrong audience")
    eq(c.rpc("env", {}, claims=user_claims(aud=["x", "tasks-api"])).status, 200, "audience in list")


# ---------------------------------------------------------------- status and headers

def test_status_and_headers_from_gucs(fx):
    a = api(fx)
    r = a.rpc("created", {"x": 1})
    eq(r.status, 201)
    eq(r.body, {"id": 7, "echo": {"x": 1}})
    eq(r.headers["location"], "/rpc/thing?id=7")
    eq(r.get_all("Set-Cookie"), ["a=1", "b=2"], "repeated headers kept")
    eq(r.get_all("content-type"), ["application/vnd.test+json"], "a GUC header replaces PostgREST's")


def test_void_is_204(fx):
    a = api(fx)
    before = log_count(fx, "nothing")
    r = a.rpc("nothing", {})
    eq((r.status, r.text, r.body), (204, "", None))
    assert "content-type" not in r.headers, r.header_list
    eq(log_count(fx, "nothing"), before + 1, "committed")
    r = a.rpc("accepted", {})
    eq(r.status, 202, "response.status applies to void functions")


def test_invalid_gucs_are_500_after_commit(fx):
    a = api(fx)
    before = log_count(fx, "bad_status")
    r = a.rpc("bad_status", {})
    eq((r.status, r.body["code"]), (500, "PGRST112"))
    eq(r.sql[-1], "COMMIT", "PostgREST checks the GUCs after COMMIT")
    eq(log_count(fx, "bad_status"), before + 1, "the write is committed despite the 500")
    r = a.rpc("bad_headers", {})
    eq((r.status, r.body["code"]), (500, "PGRST111"))


# ---------------------------------------------------------------- errors

def test_pt_status(fx):
    a = api(fx)
    r = a.rpc("pay", {})
    eq((r.status, r.reason), (402, "Payment Required"))
    eq(r.body, {"code": "PT402", "message": "Payment Required", "details": "Quota exceeded",
                "hint": "Upgrade your plan"})
    eq(r.sql[-1], "ABORT", "rolled back")
    eq(log_count(fx, "pay"), 0, "nothing written")


def test_raise_pgrst(fx):
    a = api(fx)
    r = a.rpc("custom", {})
    eq((r.status, r.reason), (409, "Conflict!"))
    eq(r.body, {"code": "TASK_DUP", "message": "Task exists", "details": "title taken", "hint": "pick another"})
    eq(r.headers["location"], "/rpc/task_get?id=7")
    eq(r.headers["x-extra"], "1")
    eq(r.headers["proxy-status"], "PostgREST; error=TASK_DUP")
    assert "www-authenticate" not in r.headers
    eq(log_count(fx, "custom"), 0, "rolled back")
    for kind, detail_start in (("message", "Invalid JSON value for MESSAGE: 'not json'"),
                               ("nodetail", "DETAIL is missing in the RAISE statement"),
                               ("detail", "Invalid JSON value for DETAIL")):
        r = a.rpc("bad_pgrst", {"kind": kind})
        eq((r.status, r.body["code"]), (500, "PGRST121"), kind)
        assert r.body["details"].startswith(detail_start), r.body


def test_sqlstate_mapping_from_the_database(fx):
    a = api(fx)
    r = a.rpc("plain_raise", {})
    eq((r.status, r.body), (400, {"code": "P0001", "message": "boom", "details": "d", "hint": "h"}))
    r = a.rpc("strict_miss", {})
    eq((r.status, r.body["code"]), (500, "P0002"))
    r = a.concurrently(("POST", "/rpc/take_key", {"body": {"k": "dup-seq"}}))[0]
    eq(r.status, 200)
    r = a.rpc("take_key", {"k": "dup-seq"})
    eq((r.status, r.body["code"]), (409, "23505"), "unique violation")


def test_sqlstate_table(fx):
    cases = [("08006", "", False, 503), ("09000", "", False, 500), ("0L000", "", False, 403),
             ("0P000", "", False, 403), ("23503", "", False, 409), ("23505", "", False, 409),
             ("25006", "", False, 405), ("25001", "", False, 500), ("21000", "x requires a WHERE clause", False, 400),
             ("21000", "more than one row", False, 500), ("22023", 'role "x" does not exist', False, 401),
             ("22023", "bad value", False, 400), ("28000", "", False, 403), ("2D000", "", False, 500),
             ("38000", "", False, 500), ("39000", "", False, 500), ("3B000", "", False, 500),
             ("40001", "", False, 500), ("40P01", "", False, 500), ("53400", "", False, 500),
             ("53100", "", False, 503), ("54000", "", False, 500), ("55P03", "", False, 500),
             ("57P01", "", False, 503), ("57014", "", False, 500), ("58030", "", False, 500),
             ("F0000", "", False, 500), ("HV000", "", False, 500), ("P0001", "", False, 400),
             ("P0002", "", False, 500), ("P0004", "", False, 500), ("XX000", "", False, 500),
             ("42883", "function f() does not exist", False, 404), ("42883", "function xmlagg(x)", False, 406),
             ("42P01", "", False, 404), ("42P17", "", False, 500), ("42501", "", False, 401),
             ("42501", "", True, 403), ("PT402", "", False, 402), ("PT4AB", "", False, 500),
             ("22P02", "", False, 400), ("23502", "", False, 400), ("23514", "", False, 400),
             ("42703", "", False, 400)]
    for code, msg, authed, status in cases:
        eq(map_sqlstate(code, msg, authed), status, "%s %r authed=%s" % (code, msg, authed))


# ---------------------------------------------------------------- transaction modes

def test_read_only_modes(fx):
    a = api(fx)
    r = a.rpc("env_stable", {})
    eq(r.sql[0], "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY", "POST to a STABLE function")
    eq(r.body["read_only"], "on")
    r = a.rpc("stable_writer", {})
    eq((r.status, r.body["code"]), (405, "25006"), "a STABLE function that writes")
    r = a.rpc("stable_inserter", {})
    eq((r.status, r.body["code"]), (400, "0A000"), "INSERT written in a STABLE plpgsql function")
    eq(log_count(fx, "stable"), 0)
    r = a.request("GET", "/rpc/env_get")
    eq((r.status, r.body["read_only"], r.body["method"]), (200, "on", "GET"))
    r = a.request("POST", "/rpc/add_note", body={"note": "via-post"})
    eq(r.status, 200, "VOLATILE by POST writes: %r" % r)
    r = a.request("GET", "/rpc/add_note?note=via-get")
    eq((r.status, r.body["code"]), (405, "25006"), "VOLATILE by GET runs READ ONLY")
    eq(log_count(fx, "via-get"), 0)
    r = a.request("HEAD", "/rpc/env_get")
    eq((r.status, r.text), (200, ""), "HEAD: no body")


def test_function_settings_are_hoisted(fx):
    a = api(fx)
    r = a.request("POST", "/rpc/tuned")
    eq(r.sql[0], "BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE", "function default_transaction_isolation")
    assert r.sql[1].endswith("set_config('statement_timeout', '4s', true), "
                             "set_config('default_transaction_isolation', 'serializable', true)"), r.sql[1]
    eq(r.body, "serializable 4s")


def test_role_settings_are_applied(fx):
    a = api(fx)
    fx.sql('ALTER ROLE "%s" SET statement_timeout = \'7s\'' % R["web_user"])
    fx.defer(lambda: fx.sql('ALTER ROLE "%s" RESET statement_timeout' % R["web_user"]))
    r = a.rpc("env", {}, claims=user_claims())
    assert "statement_timeout" not in r.sql[1], "role settings are read at config load only"
    fx.sql("NOTIFY pgrst, 'reload config'")
    r = a.rpc("env", {}, claims=user_claims())
    assert "set_config('statement_timeout', '7s', true), set_config('role'" in r.sql[1], r.sql[1]
    eq(r.body["statement_timeout"], "7s")
    eq(a.rpc("env", {}).body["statement_timeout"], "0", "not for the anon role")


def test_retry_on_serialization_failure(fx):
    a = api(fx)
    fx.sql("SELECT setval('pgrst_test_priv.flaky_seq', 1, false)")
    r = a.request("POST", "/rpc/flaky")
    eq((r.status, r.body), (200, 3), "re-run silently until it passes")
    eq(r.sql.count("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"), 3, "three attempts")
    b = api(fx, retry_sqlstates=())
    fx.sql("SELECT setval('pgrst_test_priv.flaky_seq', 1, false)")
    r = b.request("POST", "/rpc/flaky")
    eq((r.status, r.body["code"]), (500, "40001"), "without retries (v16)")


def test_prefer_tx_rollback(fx):
    a = api(fx, tx_end="commit-allow-override")
    r = a.request("POST", "/rpc/add_note", body={"note": "rolled-back"}, headers={"Prefer": "tx=rollback"})
    eq(r.status, 200)
    eq(r.sql[-2:], ["SET CONSTRAINTS ALL IMMEDIATE", "ABORT"])
    eq(r.headers.get("preference-applied"), "tx=rollback")
    eq(log_count(fx, "rolled-back"), 0)
    b = api(fx)
    r = b.request("POST", "/rpc/add_note", body={"note": "kept"}, headers={"Prefer": "tx=rollback"})
    eq(r.sql[-1], "COMMIT", "ignored with db-tx-end = commit")
    eq(log_count(fx, "kept"), 1)


# ---------------------------------------------------------------- pre-request

def test_pre_request(fx):
    a = api(fx, pre_request=PRIV + ".check_request")
    r = a.rpc("env", {})
    eq((r.status, r.body), (401, {"code": "AUTH", "message": "missing API key", "details": None, "hint": None}))
    eq(r.get_all("www-authenticate"), ["ApiKey"], "headers from DETAIL only")
    eq(r.sql[2], 'select "%s"."check_request"()' % PRIV, "statement 2")
    eq(r.sql[-1], "ABORT")
    assert not any(s.startswith("WITH") for s in r.sql), "main query not run"
    r = a.rpc("env", {}, headers={"x-api-key": "anon-key"})
    eq(r.status, 200, repr(r))
    eq(r.body["pre"], "ran")
    eq(r.body["claims"], {"role": R["anon"], "api_key": "anon-key"}, "claim set by the pre-request")
    eq(r.body["current_user"], R["anon"])
    r = a.rpc("env", {}, headers={"x-api-key": "user-key"})
    eq(r.body["current_user"], R["web_user"], "role switched by the pre-request")
    r = a.rpc("forbidden", {}, headers={"x-api-key": "user-key"})
    eq(r.status, 401, "42501 after a pre-request role switch is still 401 (JWT role is anon)")
    r = a.request("GET", "/items_view?limit=1", headers={"x-api-key": "anon-key"})
    eq(r.status, 200, "pre-request runs for table reads too")


# ---------------------------------------------------------------- profiles

def test_profiles(fx):
    a = api(fx)
    eq(a.rpc("which", {}).body, "api", "default profile = first schema")
    r = a.rpc("which", {}, headers={"Content-Profile": V2})
    eq((r.body, r.headers["content-profile"]), ("v2", V2))
    assert '"%s"."which"' % V2 in r.sql[2]
    assert "'\"%s\", \"public\"'" % V2 in r.sql[1], "search_path follows the profile"
    r = a.rpc("which", {}, headers={"Accept-Profile": V2})
    eq(r.body, "api", "POST ignores Accept-Profile")
    r = a.request("GET", "/rpc/which_get", headers={"Accept-Profile": V2})
    eq(r.body, "v2 get", "GET uses Accept-Profile")
    r = a.request("GET", "/rpc/which_get", headers={"Content-Profile": V2})
    eq(r.body, "api get", "GET ignores Content-Profile")
    r = a.rpc("which", {}, headers={"Content-Profile": PRIV})
    eq((r.status, r.body["code"], r.body["message"]), (406, "PGRST106", "Invalid schema: " + PRIV))
    eq(r.body["hint"], "Only the following schemas are exposed: %s, %s" % (API, V2))
    eq(r.sql, [], "no SQL for an unknown profile")
    r = api(fx, version="13.0.6").rpc("which", {}, headers={"Content-Profile": PRIV})
    eq((r.status, r.body["message"], r.body["hint"]),
       (406, "The schema must be one of the following: %s, %s" % (API, V2), None), "before v13.0.7")


# ---------------------------------------------------------------- isolation between requests

def test_settings_do_not_leak(fx):
    a = api(fx)
    r1 = a.rpc("created", {})
    eq(r1.status, 201)
    r2 = a.rpc("env", {})
    eq(r2.status, 200, "response.status of the previous request is gone")
    eq((r2.body["leak"], r2.body["response_status"], r2.body["response_headers"]), (None, None, None))
    r3 = a.rpc("env", {}, claims=user_claims(sub="s"))
    r4 = a.rpc("env", {})
    eq(r4.body["claims"], {"role": R["anon"]}, "claims of the previous request are gone")
    eq(r4.body["current_user"], R["anon"])
    eq(r3.body["current_user"], R["web_user"])
    with a._conn.cursor() as cur:  # the pooled connection between requests
        cur.execute("select current_user, current_setting('role'), current_setting('request.jwt.claims', true),"
                    " current_setting('response.status', true), current_setting('search_path')")
        row = cur.fetchone()
    eq(row[:4], (R["authenticator"], "none", "", ""), "connection state after requests")
    assert API not in row[4], "search_path reset: %r" % row[4]


def test_session_level_settings_do_leak(fx):
    """set_config(..., false) survives on the pooled connection, as with PostgREST."""
    a = api(fx)
    a.rpc("session_leak", {})
    eq(a.rpc("env", {}).body["leak"], "session", "same connection")
    eq(api(fx).rpc("env", {}).body["leak"], None, "another connection")


# ---------------------------------------------------------------- function lookup and bodies

def test_function_lookup(fx):
    a = api(fx)
    r = a.rpc("no_such_fn", {"a": 1})
    eq((r.status, r.body["code"]), (404, "PGRST202"))
    eq(r.body["message"], "Could not find the function %s.no_such_fn(a) in the schema cache" % API)
    eq(r.sql, [])
    r = a.rpc("named", {"title": "x"})
    eq((r.status, r.body["code"]), (404, "PGRST202"), "a named jsonb parameter needs {\"payload\": ...}")
    r = a.rpc("named", {"payload": {"title": "x"}})
    eq((r.status, r.body), (200, {"title": "x"}))
    assert "json_to_record(pgrst_payload.json_data) AS _(\"payload\" jsonb) LIMIT 1" in r.sql[2], r.sql[2]
    r = a.rpc("add", {"a": 1})
    eq((r.status, r.body), (200, 11), "DEFAULT used")
    eq(r.sql[0], "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY", "IMMUTABLE by POST")
    eq(a.rpc("add", {"a": 1, "b": 2}).body, 3)
    eq(a.rpc("add", [{"a": 5, "b": 5}, {"a": 1, "b": 1}]).body, 10, "array body: first element")
    eq(a.request("GET", "/rpc/add?a=2&b=3").body, 5, "GET with query parameters")
    eq(a.rpc("add", {"b": 1}).status, 404, "missing required parameter")
    eq(a.rpc("add", {"a": 1, "c": 1}).status, 404, "unknown key")


def test_body_shapes(fx):
    a = api(fx)
    r = a.rpc("env", "not json")
    eq((r.status, r.body["code"], r.body["message"]), (400, "PGRST102", "Empty or invalid json"))
    eq(r.sql, [])
    eq(a.rpc("env", [{"a": 1}, {"b": 2}]).body["message"], "All object keys must match")
    eq(a.rpc("env", "42").body["body"], [], "a scalar body becomes []")
    r = a.rpc("env", "")
    eq((r.status, r.body["code"]), (400, "22P02"), "empty body -> ''::jsonb")
    r = a.rpc("env", {"a": 1}, headers={"Content-Type": "text/plain"})
    eq(r.status, 404, "unnamed jsonb needs a JSON content type")
    r = a.rpc("env", '{"a": 1}', headers={"Content-Type": "application/json; charset=utf-8"})
    eq(r.body["body"], {"a": 1})


def test_setof_and_composite(fx):
    a = api(fx)
    r = a.request("GET", "/rpc/numbers?n=3")
    eq((r.status, r.body, r.headers["content-range"]), (200, [1, 2, 3], "0-2/*"))
    r = a.request("GET", "/rpc/numbers?n=0")
    eq((r.body, r.headers["content-range"]), ([], "*/*"))
    r = a.request("GET", "/rpc/pair?a=4")
    eq(r.body, {"x": 4, "y": "y4"}, "single composite -> object")
    r = a.request("GET", "/rpc/items_in?g=a&order=id.desc&limit=2&select=id,name", claims=user_claims())
    eq(r.body, [{"id": 4, "name": None}, {"id": 2, "name": "two"}])
    assert 'FROM "pgrst_source" AS "items"' in r.sql[2], "alias = the returned table: " + r.sql[2]
    r = a.request("GET", "/rpc/items_in?g=a&name=not.is.null&id=gte.2", claims=user_claims())
    eq([x["id"] for x in r.body], [2], "filters on a SETOF function")


def test_table_and_view_reads(fx):
    a = api(fx)
    r = a.request("GET", "/items_view?grp=eq.a&order=id.desc&limit=2&select=id,name")
    eq(r.status, 200, repr(r))
    eq(r.body, [{"id": 4, "name": None}, {"id": 2, "name": "two"}])
    eq(r.headers["content-range"], "0-1/*")
    eq(r.sql[0], "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY")
    r = a.request("GET", "/items_view?name=is.null")
    eq([x["id"] for x in r.body], [4])
    r = a.request("GET", "/items_view?id=in.(1,3)&order=id")
    eq([x["id"] for x in r.body], [1, 3])
    r = a.request("GET", "/items_view?grp=neq.a&id=lt.5")
    eq([x["id"] for x in r.body], [3])
    r = a.request("GET", "/items_view?order=id&offset=3&select=ident:id")
    eq((r.body, r.headers["content-range"]), ([{"ident": 4}, {"ident": 5}], "3-4/*"))
    r = a.request("GET", "/items_view?name=like.t*&order=id")
    eq([x["name"] for x in r.body], ["two", "three"])
    r = a.request("GET", "/items?id=eq.1")
    eq((r.status, r.body["code"]), (401, "42501"), "anon has no SELECT on the table")
    eq(a.request("GET", "/items?id=eq.1", claims=user_claims()).body, [{"id": 1, "name": "one", "grp": "a"}])
    r = a.request("GET", "/no_such_view")
    eq((r.status, r.body["code"]), (404, "PGRST205"))
    r = a.request("GET", "/items_view?id=zz.1")
    eq((r.status, r.body["code"]), (400, "PGRST100"))
    try:
        a.request("GET", "/items_view?id=cs.{1}")
    except Unsupported:
        pass
    else:
        raise AssertionError("unsupported operators must raise, not answer")


def test_methods(fx):
    a = api(fx)
    r = a.request("PATCH", "/rpc/env")
    eq((r.status, r.body["code"]), (405, "PGRST101"))
    r = a.request("OPTIONS", "/rpc/members_only")
    eq((r.status, r.headers["allow"]), (200, "OPTIONS,POST"))
    eq(r.sql, [], "OPTIONS opens no transaction")
    eq(a.request("OPTIONS", "/rpc/env_get").headers["allow"], "OPTIONS,GET,HEAD,POST")
    r = a.request("OPTIONS", "/rpc/env")
    eq((r.status, r.body["code"]), (404, "PGRST202"),
       "OPTIONS looks functions up like GET: a single unnamed jsonb parameter is not found")


# ---------------------------------------------------------------- schema cache

def test_schema_cache_reload(fx):
    a = api(fx)
    fx.sql("CREATE FUNCTION pgrst_test_api.late() RETURNS text LANGUAGE sql AS $$ SELECT 'late' $$")
    eq(a.request("POST", "/rpc/late").status, 404, "stale schema cache")
    fx.sql("NOTIFY pgrst, 'reload schema'")
    eq(a.request("POST", "/rpc/late").body, "late", "reloaded on NOTIFY")
    b = api(fx, schema_cache="per_request")
    fx.sql("CREATE FUNCTION pgrst_test_api.later() RETURNS text LANGUAGE sql AS $$ SELECT 'later' $$")
    eq(b.request("POST", "/rpc/later").body, "later")


# ---------------------------------------------------------------- concurrency

def test_concurrent_requests(fx):
    a = api(fx)
    r1, r2 = a.concurrently(("POST", "/rpc/take_key", {"body": {"k": "race-1"}}),
                            ("POST", "/rpc/take_key", {"body": {"k": "race-1"}}), stagger=0.05)
    eq(sorted([r1.status, r2.status]), [200, 409], "one wins, one hits the unique key")
    eq(fx.one("select count(*) from pgrst_test_priv.keys where k = 'race-1'"), 1)


def test_start_and_lock_waiters(fx):
    a = api(fx)
    fx.sql("SELECT pg_advisory_lock(424242)")
    try:
        pending = a.start("POST", "/rpc/wait_lock")
        fx.wait_for_lock_waiters(1)
        assert not pending.done(), "must wait for the lock"
    finally:
        fx.sql("SELECT pg_advisory_unlock(424242)")
    r = pending.result(10)
    eq((r.status, r.body), (200, "got it"))


def test_connection_errors_raise(fx):
    a = api(fx)
    eq(a.rpc("env", {}).status, 200)
    fx.sql("SELECT pg_terminate_backend(%s)", a.backend_pid)
    try:
        a.rpc("env", {})
    except Exception as e:
        assert "psycopg2" in type(e).__module__, "a psycopg2 exception, got %r" % e
    else:
        raise AssertionError("a dead connection must raise")
    eq(a.rpc("env", {}).status, 200, "reconnects on the next request")


def test_response_object(fx):
    a = api(fx)
    r = a.rpc("created", {"a": "ü"})
    eq(json.loads(r.text), r.body)
    eq(r.body["echo"]["a"], "ü")
    assert "201" in repr(r)
