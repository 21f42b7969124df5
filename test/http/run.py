#!/usr/bin/python3
"""Run the HTTP (emulated PostgREST) tests: test/http/test_*.py.

    PGHOST=... PGPORT=... PGUSER=<superuser> PGDATABASE=... python3 test/http/run.py [-k SUBSTR] [FILE...]

A test is a plain function `test_*(fx)` in a module test_*.py; it fails when it
raises (an AssertionError's message is printed).  Optional module hooks:
`setup_module(fx)` before the first test, `teardown_module(fx)` after the last.
`fx` is a `Fixture` (below): database parameters from the PG* environment, a
superuser connection for fixtures only, and helpers to create roles and
emulated PostgREST instances (pgrst.Pgrst), which never use the superuser.

Output: one line per test, "ok - name" or "not ok - name: message", then
exactly one final line "N passed, N failed".  Exit 0 iff nothing failed and
at least one test ran.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import psycopg2  # noqa: F401
except ImportError:
    # A Python other than Debian's (pyenv, venv) does not see python3-psycopg2.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath(
            "/usr/bin/python3") and not os.environ.get("PGRST_HARNESS_REEXEC"):
        os.environ["PGRST_HARNESS_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.stderr.write("error: psycopg2 missing; apt-get install python3-psycopg2\n")
    print("0 passed, 1 failed")
    sys.exit(1)

import argparse
import importlib.util
import inspect
import secrets
import time
import traceback

import psycopg2.extensions
import psycopg2.extras

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import pgrst  # noqa: E402


class Fixture:
    """What every test gets.

    fx.params        dict(host, port, dbname, user) of the superuser connection (from PG*)
    fx.sql(q, *a)    run SQL as the superuser (autocommit); returns rows or None
    fx.one(q, *a)    the first column of the first row
    fx.db(user, password=None)   psycopg2.connect() kwargs for another role
    fx.create_roles(prefix)      authenticator/anon/user roles (dropped at the end of the run)
    fx.pgrst(**config)           a pgrst.Pgrst (closed after the test)
    fx.defer(fn)                 call fn() after the current test
    fx.wait_for(sql, timeout)    poll until sql returns a true first column
    fx.wait_for_lock_waiters(n)  until n backends wait on a lock in this database
    """

    def __init__(self):
        self.params = {}
        for env, key in (("PGHOST", "host"), ("PGPORT", "port"), ("PGUSER", "user"),
                         ("PGDATABASE", "dbname"), ("PGPASSWORD", "password")):
            if os.environ.get(env):
                self.params[key] = os.environ[env]
        self._admin = None
        self._deferred = []
        self._roles = []
        self.run_id = secrets.token_hex(3)

    # superuser connection, fixtures only
    @property
    def admin(self):
        if self._admin is None or self._admin.closed:
            self._admin = psycopg2.connect(**self.params, fallback_application_name="http-test fixture")
            self._admin.autocommit = True
            psycopg2.extras.register_default_json(self._admin, loads=lambda s: s)
            psycopg2.extras.register_default_jsonb(self._admin, loads=lambda s: s)
        return self._admin

    def sql(self, query, *args):
        with self.admin.cursor() as cur:
            cur.execute(query, args or None)
            return cur.fetchall() if cur.description else None

    def one(self, query, *args):
        rows = self.sql(query, *args)
        return rows[0][0] if rows else None

    def db(self, user, password=None):
        kw = {k: v for k, v in self.params.items() if k != "password"}
        kw["user"] = user
        if password is not None:
            kw["password"] = password
        return kw

    def create_roles(self, prefix, users=("web_user",)):
        """CREATE ROLE <prefix>authenticator LOGIN NOINHERIT (with a password, for
        clusters without trust auth), <prefix>web_anon and <prefix><user>... NOLOGIN,
        GRANT them to the authenticator.  Returns a dict of names + 'password'.
        The roles are dropped (with what they own) when the run ends."""
        pw = secrets.token_hex(16)
        names = {"authenticator": prefix + "authenticator", "anon": prefix + "web_anon", "password": pw}
        for u in users:
            names[u] = prefix + u
        self.sql("CREATE ROLE %s LOGIN NOINHERIT NOSUPERUSER PASSWORD %%s" % _ident(names["authenticator"]), pw)
        self._roles.append(names["authenticator"])
        for key in ["anon"] + list(users):
            self.sql("CREATE ROLE %s NOLOGIN" % _ident(names[key]))
            self._roles.append(names[key])
            self.sql("GRANT %s TO %s" % (_ident(names[key]), _ident(names["authenticator"])))
        self.sql("GRANT CONNECT ON DATABASE %s TO %s" % (
            _ident(self.one("select current_database()")), _ident(names["authenticator"])))
        return names

    def drop_roles(self):
        if not self._roles:
            return
        for r in reversed(self._roles):
            # end sessions of our own login role left over by a failed test
            self.sql("select pg_terminate_backend(pid) from pg_stat_activity where usename = %s "
                     "and pid <> pg_backend_pid()", r)
            self.sql("DROP OWNED BY %s" % _ident(r))
            self.sql("DROP ROLE IF EXISTS %s" % _ident(r))
        self._roles = []

    def pgrst(self, **config):
        api = pgrst.Pgrst(**config)
        self.defer(api.close)
        return api

    def defer(self, fn):
        self._deferred.append(fn)

    def run_deferred(self):
        errors = []
        while self._deferred:
            fn = self._deferred.pop()
            try:
                fn()
            except Exception as e:  # report but keep cleaning
                errors.append(e)
        return errors

    def wait_for(self, query, timeout=10.0, *args):
        deadline = time.monotonic() + timeout
        while True:
            if self.one(query, *args):
                return True
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for: " + query)
            time.sleep(0.02)

    def wait_for_lock_waiters(self, n=1, timeout=10.0):
        return self.wait_for(
            "select count(*) >= %s from pg_stat_activity "
            "where datname = current_database() and wait_event_type = 'Lock'", timeout, n)

    def close(self):
        self.run_deferred()
        if self._admin is not None and not self._admin.closed:
            self._admin.close()


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def _short(e):
    if isinstance(e, AssertionError):
        msg = str(e) or "assertion failed"
        tb = traceback.extract_tb(e.__traceback__)
        where = next((f for f in reversed(tb) if os.path.basename(f.filename).startswith("test_")), None)
        if where is not None:
            msg += " (%s:%d)" % (os.path.basename(where.filename), where.lineno)
        return msg
    tb = traceback.extract_tb(e.__traceback__)
    where = tb[-1] if tb else None
    loc = " (%s:%d)" % (os.path.basename(where.filename), where.lineno) if where else ""
    return "%s: %s%s" % (type(e).__name__, str(e).strip().replace("\n", " | "), loc)


def _load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location("http_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return name, mod


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="test files (default: test/http/test_*.py)")
    ap.add_argument("-k", dest="pattern", help="only tests whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="full tracebacks for failures")
    args = ap.parse_args(argv)

    files = args.files or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                                 if f.startswith("test_") and f.endswith(".py"))
    passed = failed = 0
    fx = Fixture()
    try:
        for path in files:
            try:
                modname, mod = _load(path)
            except Exception as e:
                print("not ok - %s: cannot import: %s" % (os.path.basename(path), _short(e)))
                failed += 1
                continue
            tests = [(n, f) for n, f in vars(mod).items()
                     if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == mod.__name__]
            tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
            if args.pattern:
                tests = [t for t in tests if args.pattern in "%s.%s" % (modname, t[0])]
            if not tests:
                continue
            setup_error = None
            if hasattr(mod, "setup_module"):
                try:
                    mod.setup_module(fx)
                except Exception as e:
                    setup_error = e
                    if args.verbose:
                        traceback.print_exc()
            for tname, fn in tests:
                name = "%s.%s" % (modname, tname)
                if setup_error is not None:
                    print("not ok - %s: setup_module failed: %s" % (name, _short(setup_error)))
                    failed += 1
                    continue
                err = None
                try:
                    fn(fx)
                except Exception as e:
                    err = e
                    if args.verbose:
                        traceback.print_exc()
                cleanup_errors = fx.run_deferred()
                if err is None and cleanup_errors:
                    err = cleanup_errors[0]
                if err is None:
                    print("ok - %s" % name)
                    passed += 1
                else:
                    print("not ok - %s: %s" % (name, _short(err)))
                    failed += 1
                sys.stdout.flush()
            if hasattr(mod, "teardown_module"):
                try:
                    mod.teardown_module(fx)
                except Exception as e:
                    if setup_error is None:  # otherwise already reported
                        print("not ok - %s.teardown_module: %s" % (modname, _short(e)))
                        failed += 1
    except psycopg2.OperationalError as e:
        print("not ok - connect: %s" % _short(e))
        failed += 1
    finally:
        try:
            fx.run_deferred()
            fx.drop_roles()
            fx.close()
        except Exception as e:
            print("not ok - cleanup: %s" % _short(e))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
