#!/usr/bin/env python3
"""Benchmark scenarios of the tasks extension against their floors (issue 6).

Started by bench/run.sh (which builds and installs the tree into a private
prefix); runs as the unprivileged cluster user.  One throwaway cluster, seeded
data, every scenario against its baseline in the same run, interleaved ABAB;
instruction counts with callgrind on `postgres --single`, wall clock with
pgbench -M prepared.  Prints one table and writes results/ (table, details,
callgrind profiles, raw pgbench output).

Exit status: 0 when the harness ran, 2 on a harness failure.
"""
import argparse
import glob
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

import psycopg2
import psycopg2.extensions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datagen as dg  # noqa: E402
import list_probe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = ["create", "dialects", "durable", "resolve", "errors", "bulk", "list", "memory"]

# Fixed ids (bench/sql/fixtures.sql uses the same).
W_CREATE = "00000000-0000-7000-8600-000000000001"   # also the "1k" name workspace
W_100K = "00000000-0000-7000-8600-000000000002"
W_1M = "00000000-0000-7000-8600-000000000003"
W_OTHER = "00000000-0000-7000-8600-000000000004"
W_LIST = "00000000-0000-7000-8600-000000000005"
ACTOR = "00000000-0000-7000-8600-000000000101"
ASSIGNEE_1 = "00000000-0000-7000-8600-000000000102"
ASSIGNEE_2 = "00000000-0000-7000-8600-000000000103"
CONTACT = "00000000-0000-7000-8600-000000000301"
OTHER_WS_CONTACT = "00000000-0000-7000-8600-0000000003f1"
NAME_WS = {"1k": W_CREATE, "100k": W_100K, "1m": W_1M}
NAME_SIZES = {"1k": 1000, "100k": 100000, "1m": 1000000}
CREATE_PREFILL = 20_000   # tasks already in the create workspace (its history)

W_FRESH = "00000000-0000-7000-8600-000000000006"
FRESH_ACTOR = "00000000-0000-7000-8600-000000000601"
NATIVE_PAYLOAD = {"title": "Call back about lab results", "priority": "high",
                  "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin",
                  "assignee_ids": [ASSIGNEE_1, ASSIGNEE_2], "contact_id": CONTACT}


def jdump(o):
    return json.dumps(o, ensure_ascii=False, separators=(", ", ": "))


# The dialects' seed examples (sql/dialect_*.sql), with the workspace and actor they run as.
DIALECTS = {
    "leadlex": ("tasks_leadlex.task_create", "00000000-0000-7000-8500-000000000001", "00000000-0000-7000-8500-000000000101",
                {"title": "Follow up with Hans Müller", "due_date": "2026-03-10", "priority": "high",
                 "contact_id": "789e0123-e45b-67c8-a901-234567890abc"}),
    "lightfield": ("tasks_lightfield.task_create", "00000000-0000-7000-8510-000000000001", "00000000-0000-7000-8510-000000000101",
                   {"fields": {"$status": "TODO", "$title": "Send the renewal proposal"},
                    "relationships": {"$assignedTo": "00000000-0000-7000-8510-000000000102"}}),
    "vambe": ("tasks_vambe.task_create", "00000000-0000-7000-8520-000000000001", "00000000-0000-7000-8520-000000000101",
              {"title": "Follow up with customer", "description": "Call customer regarding their inquiry about pricing",
               "dueDate": "2025-10-25T14:00:00.000Z", "dueTime": "14:00", "timezone": "America/Santiago",
               "responsibleIds": ["228d7a0d-9072-4ca8-939b-959b75cc606a"],
               "aiContactId": "00000000-0000-7000-8520-000000000301", "aiCustomerId": None, "priority": "2"}),
    "care": ("tasks_care.task_create", "00000000-0000-7000-8530-000000000101", "00000000-0000-7000-8530-000000000202",
             {"title": "Verify insurance benefits", "description": "Run a VOB for the MRI referral",
              "assigned_user_ids": ["00000000-0000-7000-8530-000000000201"],
              "created_by_id": "00000000-0000-7000-8530-000000000202", "deadline": "2023-11-07T05:31:56Z",
              "tags": ["vob", "mri"], "call_id": "00000000-0000-7000-8530-000000000301",
              "fax_id": "00000000-0000-7000-8530-000000000302", "assistant_id": "00000000-0000-7000-8530-000000000303",
              "session_id": "00000000-0000-7000-8530-000000000304", "patient_id": "00000000-0000-7000-8530-000000000305",
              "status": "pending", "priority": "medium", "type": "vob"}),
    "acp": ("tasks_acp.task_create", "00000000-0000-7000-8540-000000000001", "00000000-0000-7000-8540-000000000101",
            {"title": "Ship the agent scheduler", "description": "Schedule **agent** runs per sprint.",
             "projectId": "00000000-0000-7000-8540-000000000301", "releaseId": "00000000-0000-7000-8540-000000000302",
             "status": "in_progress", "priority": "urgent", "sprintId": "00000000-0000-7000-8540-000000000303",
             "assigneeAgentId": "00000000-0000-7000-8540-000000000201", "dependencyIds": ["@acp_dep1", "@acp_dep2"],
             "linkedThreadIds": ["00000000-0000-7000-8540-000000000305", "00000000-0000-7000-8540-000000000304"],
             "lastStartedThreadId": "00000000-0000-7000-8540-000000000305",
             "scheduledStartAt": "2026-03-09T08:00:00Z", "scheduledEndAt": "2026-03-09T17:30:00+01:00",
             "dueAt": "2026-03-10T09:00:00-03:00", "sortOrder": 2.5,
             "metadata": {"source": "planner", "labels": ["infra"], "estimate": {"hours": 6}}}),
}

# Error paths: (label, payload, the success payload it is a one-field change of, expected text in the error)
ERROR_CASES = [
    ("invalid zone", dict(NATIVE_PAYLOAD, timezone="Europe/Berlln"), "native", "/timezone"),
    ("unknown link", dict(NATIVE_PAYLOAD, contact_id="00000000-0000-7000-8600-0000000003ff"), "native", "/contact_id"),
    ("other workspace's link", dict(NATIVE_PAYLOAD, contact_id=OTHER_WS_CONTACT), "native", "/contact_id"),
    ("ambiguous name", {k: v for k, v in dict(NATIVE_PAYLOAD, contact_name="Anna Schmidt").items() if k != "contact_id"},
     "by_name", "ambiguous"),
]
BY_NAME_PAYLOAD = {k: v for k, v in dict(NATIVE_PAYLOAD, contact_name="Hildegard Vogelsang-Ørsted").items() if k != "contact_id"}

MODES = {
    # sizes of the name workspaces, other records, list workspace, list other tasks, ...
    "quick": dict(name_sizes=["1k", "100k"], other_records=100_000, list_ws=200_000, list_other=200_000,
                  cg_n=30, cg_reps=2, reps=2, t_main=5, t_short=3, per_kind=16, memory_n=10_000,
                  bulk_t=8, list_page=1000, cg_bulk=100, list_walk_s=120),
    "full": dict(name_sizes=["1k", "100k", "1m"], other_records=1_100_000, list_ws=1_000_000, list_other=1_000_000,
                 cg_n=300, cg_reps=2, reps=3, t_main=30, t_short=15, per_kind=16, memory_n=1_000_000,
                 bulk_t=30, list_page=1000, cg_bulk=1000, list_walk_s=900),
}


class HarnessError(Exception):
    pass


def log(msg):
    print(f"    {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


# ---------------------------------------------------------------------------
# the cluster
# ---------------------------------------------------------------------------
class Cluster:
    def __init__(self, a):
        self.bin = os.path.join(a.prefix, "bin")
        self.work = a.work
        self.data = os.path.join(a.work, "data")
        self.sock = os.path.join(a.work, "sock")
        self.port = a.port
        self.logfile = os.path.join(a.work, "results", "server.log")
        self.settings = {}
        self.env = dict(os.environ, PGHOST=self.sock, PGPORT=str(self.port), PGUSER=os.environ.get("USER", "postgres"),
                        PGDATABASE="bench")
        self.env.pop("PGOPTIONS", None)

    def initdb(self):
        r = subprocess.run([os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust", "--encoding=UTF8",
                            "--locale=C.UTF-8", "-U", "postgres"], capture_output=True, text=True)
        if r.returncode != 0:
            raise HarnessError("initdb failed: " + r.stderr[-2000:])

    def base_settings(self, shared_buffers):
        return {
            "listen_addresses": "''", "port": str(self.port), "unix_socket_directories": f"'{self.sock}'",
            "max_connections": "50", "shared_buffers": shared_buffers, "fsync": "on", "full_page_writes": "on",
            "synchronous_commit": "on", "wal_buffers": "16MB", "max_wal_size": "16GB", "min_wal_size": "1GB",
            "checkpoint_timeout": "1h", "autovacuum": "off", "jit": "off", "maintenance_work_mem": "512MB",
            "work_mem": "16MB", "timezone": "'UTC'", "log_timezone": "'UTC'", "huge_pages": "off",
            "log_min_messages": "warning", "log_checkpoints": "on", "max_parallel_workers_per_gather": "0",
            "shared_preload_libraries": "''",
        }

    def start(self, shared_buffers):
        self.settings = self.base_settings(shared_buffers)
        with open(os.path.join(self.data, "postgresql.auto.conf"), "w") as f:
            f.write("# written by bench.py\n")
            for k, v in self.settings.items():
                f.write(f"{k} = {v}\n")
        r = subprocess.run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.logfile, "-w", "-t", "120",
                            "start"], capture_output=True, text=True, env=self.env)
        if r.returncode != 0:
            raise HarnessError("server did not start: " + r.stderr[-1000:] + self.tail_log())

    def stop(self):
        r = subprocess.run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "300", "stop"],
                           capture_output=True, text=True, env=self.env)
        if r.returncode != 0:
            raise HarnessError("server did not stop: " + r.stderr[-1000:])

    def tail_log(self):
        try:
            with open(self.logfile) as f:
                return "\n" + "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def connect(self, db="bench", **gucs):
        opts = " ".join(f"-c {k}={v}" for k, v in gucs.items())
        c = psycopg2.connect(host=self.sock, port=self.port, user="postgres", dbname=db, options=opts)
        c.autocommit = True
        return c


# ---------------------------------------------------------------------------
# pgbench
# ---------------------------------------------------------------------------
class PgBench:
    def __init__(self, cluster, outdir, seed):
        self.c = cluster
        self.dir = outdir
        self.n = 0
        self.seed = seed
        os.makedirs(outdir, exist_ok=True)

    def script(self, name, sql):
        p = os.path.join(self.dir, name + ".sql")
        with open(p, "w") as f:
            f.write(sql.strip() + "\n")
        return p

    def run(self, label, scripts, clients=1, secs=5, gucs=None, defines=None, txns=None):
        """scripts: list of paths (equal weights).  Returns dict(tps, lat_us by script index, all_us, error)."""
        self.n += 1
        tag = f"{self.n:03d}-{re.sub('[^a-zA-Z0-9]+', '_', label)}"
        logp = os.path.join(self.dir, "log", tag)
        os.makedirs(os.path.dirname(logp), exist_ok=True)
        cmd = [os.path.join(self.c.bin, "pgbench"), "-n", "-M", "prepared", "-c", str(clients),
               "-j", str(min(clients, 2)), "-l", "--log-prefix", logp, "--random-seed", str(self.seed)]
        cmd += ["-t", str(txns)] if txns else ["-T", str(secs)]
        for s in scripts:
            cmd += ["-f", s]
        for k, v in (defines or {}).items():
            cmd += ["-D", f"{k}={v}"]
        env = dict(self.c.env)
        env["PGOPTIONS"] = " ".join(f"-c {k}={v}" for k, v in (gucs or {}).items())
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        with open(os.path.join(self.dir, tag + ".out"), "w") as f:
            f.write(" ".join(cmd) + "\n\n" + r.stdout + "\n" + r.stderr)
        res = {"label": label, "tps": None, "lat": {}, "all": [], "error": None, "clients": clients}
        m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", r.stdout)
        aborted = re.search(r"(aborted in command.*)", r.stderr)
        if r.returncode != 0 or not m or aborted:
            err = aborted.group(1) if aborted else (r.stderr.strip().splitlines() or ["pgbench failed"])[-1]
            res["error"] = err[:300]
            for f in glob.glob(logp + ".*"):
                os.remove(f)
            return res
        res["tps"] = float(m.group(1))
        for fpath in glob.glob(logp + ".*"):
            with open(fpath) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 4 and p[2].isdigit():
                        us = int(p[2])
                        res["lat"].setdefault(int(p[3]), []).append(us)
                        res["all"].append(us)
            os.remove(fpath)
        res["all"].sort()
        for v in res["lat"].values():
            v.sort()
        return res


def summarize(runs):
    """Median tps over the repetitions, its spread, and pooled latency percentiles (ms)."""
    ok = [r for r in runs if r and r["tps"] is not None]
    if not ok:
        errs = [r["error"] for r in runs if r and r.get("error")]
        return {"error": errs[0] if errs else "no run"}
    tps = [r["tps"] for r in ok]
    lat = sorted(x for r in ok for x in r["all"])
    med = statistics.median(tps)
    return {"tps": med, "tps_all": tps, "spread": (max(tps) - min(tps)) / med if med else 0,
            "p50": pct(lat, 50) / 1000, "p99": pct(lat, 99) / 1000, "mean": (sum(lat) / len(lat) / 1000) if lat else None,
            "n": len(lat), "error": None if len(ok) == len(runs) else "some runs failed"}


# ---------------------------------------------------------------------------
# the harness
# ---------------------------------------------------------------------------
class Bench:
    def __init__(self, a):
        self.a = a
        self.mode = dict(MODES["full" if a.full else "quick"])
        if a.resolve_sizes:
            self.mode["name_sizes"] = [s.strip().lower() for s in a.resolve_sizes.split(",") if s.strip()]
            for s in self.mode["name_sizes"]:
                if s not in NAME_SIZES:
                    raise HarnessError(f"--resolve-sizes: {s} is not one of 1k, 100k, 1m")
        if "1m" in self.mode["name_sizes"]:
            self.mode["other_records"] = max(self.mode["other_records"], 1_100_000)   # 2M+ in the table
        if a.list_10m:
            self.mode["list_ws"], self.mode["list_other"] = 1_000_000, 9_000_000
        for k in ("reps", "t_main", "t_short", "memory_n", "cg_n"):
            v = getattr(a, k, None)
            if v:
                self.mode[k] = v
        self.only = SCENARIOS if not a.only else [s.strip() for s in a.only.split(",")]
        for s in self.only:
            if s not in SCENARIOS:
                raise HarnessError(f"--only: unknown scenario {s} (one of {', '.join(SCENARIOS)})")
        self.out = os.path.join(a.work, "results")
        os.makedirs(self.out, exist_ok=True)
        self.c = Cluster(a)
        self.pg = PgBench(self.c, os.path.join(self.out, "pgbench"), a.seed)
        self.rows = []          # the table
        self.details = []       # markdown sections for results.md
        self.cg = {}            # callgrind per-call Ir by key
        self.cg_files = {}      # callgrind dump file of a measured segment by key
        self.cases = {}         # create cases: key -> dict(fn, ws, actor, payload, floor_sql, note)
        self.queries = {}       # size -> {kind: [queries]}
        self.have = {}          # optional functions present
        self.notes = []
        self.t0 = time.time()

    def wants(self, *names):
        return any(n in self.only for n in names)

    # -- rows -----------------------------------------------------------------
    def row(self, scenario, ours, base, ratio, target, met, note=""):
        self.rows.append(dict(scenario=scenario, ours=ours, base=base, ratio=ratio, target=target, met=met, note=note))

    @staticmethod
    def fmt_ratio(x):
        return "—" if x is None else f"{x:.2f}×"

    def row_ratio(self, scenario, ours_txt, base_txt, ratio, target_op, target, note=""):
        if ratio is None:
            met = "n/a"
        else:
            met = "yes" if (ratio >= target if target_op == ">=" else ratio <= target) else "NO"
        self.row(scenario, ours_txt, base_txt, self.fmt_ratio(ratio), f"{'≥' if target_op == '>=' else '≤'} {target}×",
                 met, note)

    # -- setup ----------------------------------------------------------------
    def setup(self):
        log("initdb")
        self.c.initdb()
        self.c.start("1GB")
        con = self.c.connect("postgres")
        con.cursor().execute("CREATE DATABASE bench")
        con.close()
        self.con = self.c.connect()
        cur = self.con.cursor()
        cur.execute("CREATE EXTENSION tasks CASCADE")
        cur.execute("CREATE EXTENSION pg_prewarm")
        cur.execute(open(os.path.join(HERE, "sql", "helpers.sql")).read())
        cur.execute("SELECT tasks.version(), version()")
        self.versions = cur.fetchone()
        for fn in ("task_create_many", "task_list"):
            cur.execute("SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p JOIN pg_namespace n "
                        "ON n.oid = p.pronamespace WHERE n.nspname = 'tasks' AND p.proname = %s", (fn,))
            self.have[fn] = cur.fetchone()[0]
        log(f"extension {self.versions[0]}; task_create_many: {self.have['task_create_many'] or 'absent'}; "
            f"task_list: {self.have['task_list'] or 'absent'}")

    def drop_indexes(self, cur, table):
        """Secondary (non-constraint) indexes of table, dropped for a bulk load; returns their definitions."""
        cur.execute("SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                    "WHERE c.conindid = i.indexrelid)", (table,))
        defs = cur.fetchall()
        for _, name in defs:
            cur.execute(f"DROP INDEX {name}")
        return [d for d, _ in defs]

    def load(self):
        rng = random.Random(self.a.seed)
        ids = dg.Ids(rng)
        cur = self.con.cursor()
        cur.execute("SET synchronous_commit = off")
        sizes = {s: NAME_SIZES[s] for s in self.mode["name_sizes"]} if self.wants("resolve") else {"1k": 1000}
        sizes.setdefault("1k", 1000)   # the create workspace
        other_total = self.mode["other_records"] if self.wants("resolve") else 20_000
        t = time.time()
        # workspaces: the named ones, then many of very different sizes
        # The name workspaces are international (every language, German and Spanish a little more);
        # the others each have their own mix, mostly one or two languages.
        intl = [0.22, 0.22, 0.16, 0.16, 0.12, 0.12]
        wss = [(NAME_WS[s], f"Names {s}", n, intl) for s, n in sizes.items()]
        for n in dg.workspace_sizes(rng, other_total):
            wss.append((ids.next(), f"Workspace {len(wss)}", n, dg.language_mix(rng)))
        cur.execute("SELECT tasks.workspace_create(x::jsonb) FROM unnest(%s::text[]) x",
                    ([jdump({"id": w, "name": name}) for w, name, _, _ in wss],))
        # members: a few per workspace, more in big ones
        buf = []
        self.members = {}
        for w, _, n, mix in wss:
            k = max(2, min(40, n // 200))
            self.members[w] = []
            for _ in range(k):
                mid = ids.next()
                p = dg.make_person(rng, dg.pick_lang(rng, mix))
                buf.append(f"{w}\t{mid}\tuser\t{p.display}\n")
                self.members[w].append(mid)
        self.copy(cur, "tasks.members (workspace_id, id, kind, name)", buf)
        # records: contacts (names), companies; the name workspaces hold exactly their size in contacts
        defs = self.drop_indexes(cur, "tasks.records")
        cur.execute("SET session_replication_role = replica")   # the generated rows are consistent; skip FK triggers
        total = 0
        for w, label, n, mix in wss:
            people = dg.contacts(rng, n, mix)
            buf = [f"{w}\t{ids.next()}\tcontact\t{p.display}\n" for p in people]
            for _ in range(max(1, n // 10)):
                buf.append(f"{w}\t{ids.next()}\tcompany\t{dg.company_name(rng, dg.pick_lang(rng, mix))}\n")
            self.copy(cur, "tasks.records (workspace_id, id, kind, name)", buf)
            total += len(buf)
            for s, sw in NAME_WS.items():
                if sw == w and s in self.mode["name_sizes"] and self.wants("resolve"):
                    self.queries[s] = dg.queries(random.Random(self.a.seed + n), people, self.mode["per_kind"])
        cur.execute("RESET session_replication_role")
        log(f"records: {total} in {len(wss)} workspaces ({time.time() - t:.0f}s); rebuilding {len(defs)} indexes")
        for d in defs:
            cur.execute(d)
        # session_replication_role = replica also skipped the records' triggers that keep the name
        # vocabulary (tasks.name_words / name_postings, 1.1 on): rebuild it in one pass, as after a restore.
        cur.execute("SELECT to_regprocedure('tasks.name_index_rebuild()') IS NOT NULL")
        if cur.fetchone()[0]:
            t2 = time.time()
            cur.execute("SELECT tasks.name_index_rebuild()")
            log(f"name vocabulary: {cur.fetchone()[0]} postings ({time.time() - t2:.0f}s)")
        if self.wants("resolve"):
            # The naive baseline gets its own trigram index on the raw name (workspace and kind inside the GIN).
            cur.execute("CREATE INDEX bench_naive_name_trgm ON tasks.records USING gin (workspace_id, kind, name gin_trgm_ops) "
                        "WHERE deleted_at IS NULL")
        self.n_records = total
        self.n_workspaces = len(wss)
        cur.execute(open(os.path.join(HERE, "sql", "fixtures.sql")).read())
        self.prefill(cur)
        if self.wants("list"):
            self.load_tasks(cur, wss)
        log("VACUUM ANALYZE")
        cur.execute("VACUUM ANALYZE")
        cur.execute("CHECKPOINT")
        cur.execute("SELECT pg_database_size('bench')")
        self.db_bytes = cur.fetchone()[0]
        log(f"data loaded: {self.db_bytes / 2**20:.0f} MB in {time.time() - t:.0f}s")

    def prefill(self, cur):
        """The create workspace already holds a history: CREATE_PREFILL tasks (created in 2025), each
        assigned to one of its members (the two fixture assignees among them) and half of them linked
        to one of its contacts.  Every scenario that creates starts from exactly this state
        (bench.reset), so results do not depend on what ran before."""
        n = CREATE_PREFILL
        cur.execute("SET session_replication_role = replica")
        cur.execute("""
INSERT INTO tasks.tasks (workspace_id, id, title, status_id, priority, due_date, created_by, created_at, updated_at)
SELECT %(ws)s, (lpad(to_hex(1704067200000::bigint + g), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8'
                || substr(md5(g::text), 4, 15))::uuid,
       'Earlier task #' || g, st[1 + abs(hashint4(g)) %% cardinality(st)],
       (ARRAY['low', 'medium', 'high', 'urgent', NULL])[1 + abs(hashint4(g + 7)) %% 5],
       CASE WHEN g %% 3 = 0 THEN date '2025-06-01' + (g %% 300) END, %(actor)s,
       timestamptz '2025-01-01' + g * interval '7 minutes', timestamptz '2025-01-01' + g * interval '7 minutes'
  FROM generate_series(1, %(n)s) g,
       (SELECT array_agg(id ORDER BY position) st FROM tasks.statuses WHERE workspace_id = %(ws)s) s""",
                    {"ws": W_CREATE, "actor": ACTOR, "n": n})
        cur.execute("""
WITH t AS (SELECT id, row_number() OVER (ORDER BY id) g FROM tasks.tasks WHERE workspace_id = %(ws)s),
     m AS (SELECT array_agg(id ORDER BY id) m FROM tasks.members WHERE workspace_id = %(ws)s),
     c AS (SELECT array_agg(id ORDER BY id) c FROM tasks.records WHERE workspace_id = %(ws)s AND kind = 'contact'),
     a AS (INSERT INTO tasks.task_assignees (workspace_id, task_id, member_id, position)
           SELECT %(ws)s, t.id, CASE WHEN t.g %% 4 = 0 THEN %(a1)s::uuid WHEN t.g %% 4 = 1 THEN %(a2)s::uuid
                                     ELSE m.m[1 + abs(hashint4(t.g::int)) %% cardinality(m.m)] END, 1 FROM t, m)
INSERT INTO tasks.task_links (workspace_id, task_id, relation, kind, record_id)
SELECT %(ws)s, t.id, 'contact', 'contact', c.c[1 + abs(hashint4(t.g::int + 5)) %% cardinality(c.c)]
  FROM t, c WHERE t.g %% 2 = 0""", {"ws": W_CREATE, "a1": ASSIGNEE_1, "a2": ASSIGNEE_2})
        cur.execute("RESET session_replication_role")

    def reset(self, quiet=False):
        """Back to the state after setup: the tasks the scenarios created are deleted (with their
        children and events), then VACUUM ANALYZE, so each scenario starts from the same data."""
        if not getattr(self, "since", None):
            return
        cur = self.con.cursor()
        wss = [W_CREATE, W_OTHER, W_FRESH] + [d[1] for d in DIALECTS.values()]
        cur.execute("SELECT bench.reset(%s::uuid[], %s)", (wss, self.since))
        n = cur.fetchone()[0]
        cur.execute("VACUUM ANALYZE tasks.tasks, tasks.task_assignees, tasks.task_links, tasks.task_dependencies, "
                    "tasks.notes, tasks.events")
        cur.execute("CHECKPOINT")
        if not quiet:
            log(f"reset: {n:,} tasks made by the previous scenario deleted")

    def copy(self, cur, target, lines):
        import io
        for i in range(0, len(lines), 200_000):
            cur.copy_expert(f"COPY {target} FROM STDIN", io.StringIO("".join(lines[i:i + 200_000])))

    def load_tasks(self, cur, wss):
        """The list workspace (list_ws tasks, 8 members, one of them with 40 % of the tasks) plus
        list_other tasks spread over the other workspaces; deterministic (hashes of the row number)."""
        t = time.time()
        cur.execute("SELECT tasks.workspace_create(%s::jsonb)", (jdump({"id": W_LIST, "name": "Big list"}),))
        lm = [f"00000000-0000-7000-8600-0000000005{i:02x}" for i in range(8)]
        cur.execute("INSERT INTO tasks.members (workspace_id, id, name) SELECT %s, m, 'List member ' || o "
                    "FROM unnest(%s::uuid[]) WITH ORDINALITY x(m, o)", (W_LIST, lm))
        self.list_member = lm[0]
        self.members[W_LIST] = lm
        tdefs = self.drop_indexes(cur, "tasks.tasks")
        adefs = self.drop_indexes(cur, "tasks.task_assignees")
        cur.execute("SET session_replication_role = replica")
        cur.execute("CREATE TEMP TABLE ws_pick (n int PRIMARY KEY, ws uuid, st uuid[], mem uuid[])")
        cur.execute("INSERT INTO ws_pick SELECT row_number() OVER (ORDER BY id) - 1, id, st, mem FROM ("
                    "SELECT w.id, (SELECT array_agg(s.id ORDER BY s.position) FROM tasks.statuses s WHERE s.workspace_id = w.id) st, "
                    "(SELECT array_agg(m.id ORDER BY m.id) FROM tasks.members m WHERE m.workspace_id = w.id AND m.kind = 'user') mem "
                    "FROM tasks.workspaces w WHERE w.id <> %s) x WHERE cardinality(st) = 6 AND cardinality(mem) > 0", (W_LIST,))
        cur.execute("SELECT count(*) FROM ws_pick")
        nws = cur.fetchone()[0]
        # statuses by position: Backlog, To do, In progress, Blocked, Done, Cancelled
        ins = """
INSERT INTO tasks.tasks (workspace_id, id, title, status_id, priority, tags, due_date, due_at, due_timezone,
                         created_by, created_at, updated_at)
SELECT p.ws, (lpad(to_hex(1735689600000::bigint + g), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       (ARRAY['Call back', 'Send the proposal to', 'Review contract of', 'Schedule visit with', 'Follow up with'])[1 + abs(hashint4(g)) %% 5]
         || ' #' || g,
       p.st[CASE WHEN x < 10 THEN 1 WHEN x < 40 THEN 2 WHEN x < 60 THEN 3 WHEN x < 65 THEN 4 WHEN x < 92 THEN 5 ELSE 6 END],
       (ARRAY['low', 'medium', 'high', 'urgent', NULL])[1 + abs(hashint4(g + 7)) %% 5],
       CASE WHEN x %% 3 = 0 THEN ARRAY['followup'] ELSE '{}' END,
       CASE WHEN x %% 4 = 0 THEN date '2026-01-01' + (g %% 365) END,
       CASE WHEN x %% 4 = 1 THEN timestamptz '2026-01-01 09:00+00' + (g %% 8760) * interval '1 hour' END,
       CASE WHEN x %% 4 = 1 THEN 'Europe/Berlin' END,
       p.mem[1 + abs(hashint4(g + 3)) %% cardinality(p.mem)],
       timestamptz '2025-01-01' + g * interval '1 second', timestamptz '2025-01-01' + g * interval '1 second'
  FROM generate_series(%(lo)s, %(hi)s) g
  CROSS JOIN LATERAL (SELECT md5(g::text) AS h, abs(hashint4(g + 1)) %% 100 AS x) r
  JOIN %(pick)s p ON p.n = %(wsexpr)s
"""
        asg = """
INSERT INTO tasks.task_assignees (workspace_id, task_id, member_id, position)
SELECT p.ws, (lpad(to_hex(1735689600000::bigint + g), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8'
              || substr(md5(g::text), 4, 15))::uuid,
       CASE WHEN %(list)s AND abs(hashint4(g + 5)) %% 100 < 50 THEN p.mem[1]
            ELSE p.mem[1 + abs(hashint4(g + 9)) %% cardinality(p.mem)] END, 1
  FROM generate_series(%(lo)s, %(hi)s) g
  JOIN %(pick)s p ON p.n = %(wsexpr)s
 WHERE abs(hashint4(g + 11)) %% 100 < 80
"""
        cur.execute("CREATE TEMP TABLE list_pick AS SELECT 0 AS n, %s::uuid AS ws, "
                    "(SELECT array_agg(s.id ORDER BY s.position) FROM tasks.statuses s WHERE s.workspace_id = %s) AS st, "
                    "%s::uuid[] AS mem", (W_LIST, W_LIST, lm))
        chunk = 500_000
        plan = [(1, self.mode["list_ws"], "list_pick", "0", "true")]
        plan.append((self.mode["list_ws"] + 1, self.mode["list_ws"] + self.mode["list_other"], "ws_pick",
                     f"abs(hashint4(g + 13)) % {nws}", "false"))
        for lo0, hi0, pick, wsexpr, islist in plan:
            for lo in range(lo0, hi0 + 1, chunk):
                hi = min(hi0, lo + chunk - 1)
                sub = {"lo": lo, "hi": hi, "pick": psycopg2.extensions.AsIs(pick), "wsexpr": psycopg2.extensions.AsIs(wsexpr),
                       "list": psycopg2.extensions.AsIs(islist)}
                cur.execute(ins, sub)
                cur.execute(asg, sub)
                log(f"tasks: {hi:,} of {self.mode['list_ws'] + self.mode['list_other']:,}")
        cur.execute("RESET session_replication_role")
        log(f"rebuilding {len(tdefs) + len(adefs)} task indexes")
        for d in tdefs + adefs:
            cur.execute(d)
        self.list_tasks_loaded = True
        log(f"tasks loaded in {time.time() - t:.0f}s")

    # -- floors ---------------------------------------------------------------
    def table_columns(self, cur):
        cur.execute("""SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '',
                              coalesce(pg_get_expr(d.adbin, d.adrelid), '')
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                        WHERE n.nspname = 'tasks' AND c.relkind = 'r' ORDER BY c.relname, a.attnum""")
        cols = {}
        for rel, att, typ, gen, dflt in cur.fetchall():
            cols.setdefault(rel, []).append((att, typ, gen, dflt))
        return cols

    def written_rows(self, cur, cols, x0):
        """Rows of every tasks.* table written since transaction x0 (by xmin), as text."""
        out = {}
        for rel, cdefs in cols.items():
            sel = ", ".join(f'"{c[0]}"::text' for c in cdefs)
            cur.execute(f'SELECT {sel} FROM tasks."{rel}" WHERE xmin::text::bigint >= %s', (x0,))
            rows = cur.fetchall()
            if rows:
                out[rel] = rows
        return out

    def capture_floor(self, fn, ws, actor, payload, k=1, title_expr=None):
        """The floor of one create: a single statement (data-modifying CTEs, literals, prepared once)
        inserting the same rows as the create, into the same tables with the same indexes, FKs and
        triggers.  The create runs once in a rolled-back transaction and its rows are read back by
        xmin; the floor is then trial-run the same way, and tables that triggers already fill (the
        events outbox) are left to the triggers, until the floor writes exactly the same number of
        rows per table.  Returns (sql, shape, notes)."""
        con = self.c.connect(**{"tasks.workspace_id": ws, "tasks.actor_id": actor})
        con.autocommit = False
        cur = con.cursor()
        try:
            cols = self.table_columns(cur)
            cur.execute("SELECT txid_current(), now()::text")
            x0, now = cur.fetchone()
            cur.execute(f"SELECT {fn}(%s::jsonb)::text", (payload,))
            ours = self.written_rows(cur, cols, x0)
            con.rollback()
            tids = [r[1] for r in ours.get("tasks", [])]
            if len(tids) != 1:
                raise HarnessError(f"{fn}: expected one task row, found {len(tids)}")
            tid = tids[0]
            notes = []
            for rel in list(ours):
                keep = [r for r in ours[rel] if any(v is not None and tid in v for v in r)]
                if len(keep) < len(ours[rel]):
                    notes.append(f"{len(ours[rel]) - len(keep)} row(s) of tasks.{rel} not tied to the task are not in the floor")
                ours[rel] = keep
            want = {rel: len(rows) * k for rel, rows in ours.items() if rows}

            def trial(include):
                sql = self.floor_sql(ours, cols, include, tid, now, k, title_expr)
                try:
                    cur.execute("SELECT txid_current()")
                    x1 = cur.fetchone()[0]
                    cur.execute(sql)
                    got = {rel: len(rows) for rel, rows in self.written_rows(cur, cols, x1).items()}
                except psycopg2.Error as e:
                    raise HarnessError(f"the floor of {fn} does not run: {str(e).splitlines()[0]}\n{sql[:2000]}")
                finally:
                    con.rollback()
                return sql, got
            # the task row alone first: what its triggers write is left to them
            _, got = trial(["tasks"])
            include = ["tasks"] + sorted(r for r in want if r != "tasks" and got.get(r, 0) < want[r])
            for _ in range(8):
                sql, got = trial(include)
                over = [rel for rel in include if rel != "tasks" and got.get(rel, 0) > want.get(rel, 0)]
                if not over:
                    break
                include = [r for r in include if r not in over]
            miss = {rel: (got.get(rel, 0), want.get(rel, 0)) for rel in set(got) | set(want) if got.get(rel, 0) != want.get(rel, 0)}
            if miss:
                notes.append("floor and create differ in rows written: " +
                             ", ".join(f"tasks.{r} {a} vs {b}" for r, (a, b) in sorted(miss.items())))
            by_trigger = sorted(r for r in want if r not in include)
        finally:
            con.rollback()
            con.close()
        shape = ", ".join(f"{len(ours[rel])} {rel}" for rel in ["tasks"] + sorted(r for r in ours if r != "tasks") if ours.get(rel))
        if by_trigger:
            shape += f" ({', '.join(by_trigger)} written by the tables' triggers in both)"
        return sql, shape, notes

    @staticmethod
    def floor_sql(ours, cols, include, tid, now, k, title_expr):
        ctes = []
        for rel in include:
            rows = ours[rel]
            exprs_rows = []
            for r in rows:
                use_cols, exprs = [], []
                for (att, typ, gen, dflt), v in zip(cols[rel], r):
                    if gen:
                        continue
                    volatile = any(s in dflt for s in ("now()", "uuid_generate", "nextval", "clock_timestamp",
                                                        "gen_random_uuid", "CURRENT_TIMESTAMP", "statement_timestamp"))
                    if rel == "tasks" and att == "id":
                        e = "tasks.uuid_generate_v7()"
                    elif v is None:
                        if not dflt:
                            continue
                        e = f"NULL::{typ}"
                    elif v == tid:
                        e = "t.id"
                    elif volatile and typ == "uuid":
                        continue          # a fresh id of its own
                    elif volatile and typ.startswith("timestamp") and v == now:
                        continue          # now() of the call: the default gives the same
                    elif tid in v:
                        e = f"replace({lit(v)}, {lit(tid)}, t.id::text)::{typ}"
                    elif rel == "tasks" and att == "title" and title_expr:
                        e = title_expr
                    else:
                        e = f"{lit(v)}::{typ}"
                    use_cols.append(f'"{att}"')
                    exprs.append(e)
                exprs_rows.append((use_cols, exprs))
            if rel == "tasks":
                use_cols, exprs = exprs_rows[0]
                src = f" FROM generate_series(1, {k}) g" if k > 1 else ""
                ctes.append(f"t AS (INSERT INTO tasks.tasks ({', '.join(use_cols)}) SELECT {', '.join(exprs)}{src} RETURNING id)")
            else:
                use_cols = exprs_rows[0][0]
                sels = " UNION ALL ".join(f"SELECT {', '.join(e)} FROM t" for _, e in exprs_rows)
                ctes.append(f"c_{rel} AS (INSERT INTO tasks.{rel} ({', '.join(use_cols)}) {sels})")
        return "WITH " + ", ".join(ctes) + " SELECT count(*) FROM t"

    def prepare_cases(self):
        """The create cases (ours + floor), checked once each before anything is measured."""
        cur = self.con.cursor()
        cur.execute("SELECT k, v FROM bench.vars")
        vars_ = dict(cur.fetchall())
        native = jdump(NATIVE_PAYLOAD)
        sql, shape, notes = self.capture_floor("tasks.task_create", W_CREATE, ACTOR, native)
        self.cases["native"] = dict(fn="tasks.task_create", ws=W_CREATE, actor=ACTOR, payload=native, floor=sql,
                                    shape=shape, notes=notes)
        log(f"native floor: {shape}")
        fresh = jdump(dict(NATIVE_PAYLOAD, assignee_ids=["00000000-0000-7000-8600-000000000602",
                                                          "00000000-0000-7000-8600-000000000603"],
                           contact_id="00000000-0000-7000-8600-000000000691"))
        sql, shape, notes = self.capture_floor("tasks.task_create", W_FRESH, FRESH_ACTOR, fresh)
        self.cases["native_fresh"] = dict(fn="tasks.task_create", ws=W_FRESH, actor=FRESH_ACTOR, payload=fresh, floor=sql,
                                          shape=shape, notes=notes)
        if self.wants("dialects"):
            for d, (fn, ws, actor, body) in DIALECTS.items():
                b = json.loads(jdump(body).replace('"@acp_dep1"', jdump(vars_.get("acp_dep1")))
                               .replace('"@acp_dep2"', jdump(vars_.get("acp_dep2"))))
                p = jdump(b)
                try:
                    sql, shape, notes = self.capture_floor(fn, ws, actor, p)
                    self.cases[d] = dict(fn=fn, ws=ws, actor=actor, payload=p, floor=sql, shape=shape, notes=notes)
                    log(f"{d} floor: {shape}")
                except (psycopg2.Error, HarnessError) as e:
                    self.cases[d] = dict(fn=fn, ws=ws, actor=actor, payload=p, floor=None, error=str(e).splitlines()[0])
                    log(f"{d}: the seed example fails: {e}")
        if self.wants("errors"):
            con = self.c.connect(**{"tasks.workspace_id": W_CREATE, "tasks.actor_id": ACTOR})
            c2 = con.cursor()
            self.error_cases = []
            for label, payload, base, expect in ERROR_CASES:
                p = jdump(payload)
                c2.execute("BEGIN")
                c2.execute("SELECT bench.explain_native(%s::jsonb)", (p,))
                why = c2.fetchone()[0]
                c2.execute("ROLLBACK")
                ok = why != "ok" and expect in why
                self.error_cases.append(dict(label=label, payload=p, base=base, why=why, ok=ok))
                log(f"error case {label}: {why[:160]}")
            c2.execute("BEGIN")
            c2.execute("SELECT bench.explain_native(%s::jsonb)", (jdump(BY_NAME_PAYLOAD),))
            self.by_name_ok = c2.fetchone()[0]
            c2.execute("ROLLBACK")
            con.close()
        if self.wants("bulk"):
            self.prepare_bulk()
        if self.wants("list") and self.have.get("task_list") and getattr(self, "list_tasks_loaded", False):
            list_probe.prepare(self, self.mode["list_walk_s"])
            log(f"list: {self.list}")

    # -- callgrind ------------------------------------------------------------
    def callgrind(self):
        """All instruction counts in one `postgres --single` run under callgrind, one dump per block
        (a pg_sleep(0) marker between blocks).  Per-call Ir = (block Ir - marker Ir) / N."""
        if not shutil.which("valgrind"):
            self.notes.append("valgrind not installed: no instruction counts")
            return
        n, reps = self.mode["cg_n"], self.mode["cg_reps"]

        def ctx(ws, actor):
            s = [f"SET tasks.workspace_id = '{ws}';"]
            s.append(f"SET tasks.actor_id = '{actor}';" if actor else "RESET tasks.actor_id;")
            return s

        def q(s):
            return s.replace("'", "''")

        # groups of blocks compared with each other: (key, ws, actor, PREPARE text, list of EXECUTE args, calls)
        groups = []
        if self.wants("create", "durable", "errors", "bulk", "memory"):
            c = self.cases["native"]
            groups.append([("cg:native:ours", c["ws"], c["actor"], f"PREPARE P(jsonb) AS SELECT length({c['fn']}($1)::text)",
                            [f"('{q(c['payload'])}')"], n),
                           ("cg:native:floor", c["ws"], c["actor"], f"PREPARE P AS {c['floor']}", [""], n)])
        if self.wants("create"):
            c = self.cases["native_fresh"]
            groups.append([("cg:native_fresh:ours", c["ws"], c["actor"], f"PREPARE P(jsonb) AS SELECT length({c['fn']}($1)::text)",
                            [f"('{q(c['payload'])}')"], n),
                           ("cg:native_fresh:floor", c["ws"], c["actor"], f"PREPARE P AS {c['floor']}", [""], n)])
        if self.wants("dialects"):
            for d in DIALECTS:
                c = self.cases.get(d)
                if c and c.get("floor"):
                    groups.append([(f"cg:{d}:ours", c["ws"], c["actor"], f"PREPARE P(jsonb) AS SELECT length({c['fn']}($1)::text)",
                                    [f"('{q(c['payload'])}')"], n),
                                   (f"cg:{d}:floor", c["ws"], c["actor"], f"PREPARE P AS {c['floor']}", [""], n)])
        if self.wants("errors"):
            wrap = "PREPARE P(jsonb) AS SELECT bench.try_native($1)"
            g = [("cg:err:success", W_CREATE, ACTOR, wrap, [f"('{q(self.cases['native']['payload'])}')"], n),
                 ("cg:err:success_by_name", W_CREATE, ACTOR, wrap, [f"('{q(jdump(BY_NAME_PAYLOAD))}')"], n)]
            g += [(f"cg:err:{e['label']}", W_CREATE, ACTOR, wrap, [f"('{q(e['payload'])}')"], n) for e in self.error_cases]
            groups.append(g)
        if self.wants("resolve"):
            for size in self.mode["name_sizes"]:
                ws = NAME_WS[size]
                args = [f"('{q(x)}')" for x in self.queries[size]["exact"][:10]]
                groups.append([(f"cg:res:{size}:ours", ws, None,
                                "PREPARE P(text) AS SELECT length(tasks.resolve('contact', $1)::text)", args, n),
                               (f"cg:res:{size}:btree", ws, None,
                                f"PREPARE P(text) AS SELECT count(*), max(name) FROM (SELECT id, name FROM tasks.records "
                                f"WHERE workspace_id = '{ws}' AND kind = 'contact' AND name_key = tasks.name_key($1) "
                                "AND deleted_at IS NULL) s", args, n)])
        if self.wants("resolve"):
            # fuzzy queries (typos), once each: where the time of a fuzzy lookup goes
            for size in self.mode["name_sizes"]:
                ws = NAME_WS[size]
                args = [f"('{q(x)}')" for x in self.queries[size]["typo"][:5]]
                groups.append([(f"cg:resf:{size}:ours", ws, None,
                                "PREPARE P(text) AS SELECT length(tasks.resolve('contact', $1)::text)", args, len(args)),
                               (f"cg:resf:{size}:naive", ws, None,
                                f"PREPARE P(text) AS SELECT count(*), max(s) FROM (SELECT id, name, similarity(name, $1) s "
                                f"FROM tasks.records WHERE workspace_id = '{ws}' AND kind = 'contact' AND deleted_at IS NULL "
                                "AND name % $1 ORDER BY similarity(name, $1) DESC LIMIT 5) x", args, len(args))])
        if self.wants("bulk") and self.bulk.get("call"):
            groups.append([("cg:bulk:ours", W_CREATE, ACTOR, "PREPARE P AS SELECT length(tasks.task_create_many(p::jsonb)::text) "
                            "FROM bench.payloads WHERE k = 'bulk_cg'", [""], 1),
                           ("cg:bulk:floor", W_CREATE, ACTOR, f"PREPARE P AS {self.bulk['floor_cg']}", [""], 1)])
        if self.wants("list") and getattr(self, "list", None) and not self.list.get("error"):
            groups += list_probe.cg_groups(self)
        # Blocks: per repetition, every member of a group in turn (A B A B); each measured block is
        # preceded by an unmeasured one that sets the identity, prepares and warms up, and followed
        # by an empty block (the marker's own cost, subtracted).
        segs = [("marker", [], 0)]
        uid = 0
        for g in groups:
            bulk = g[0][0].startswith(("cg:bulk", "cg:list", "cg:resf"))
            for r in range(1 if bulk else reps):
                for key, ws, actor, prep, args, cnt in g:
                    uid += 1
                    nm = f"p{uid}"
                    calls = [f"EXECUTE {nm}{a};" for a in args]
                    body = (calls * (cnt // len(calls) + 1))[:cnt]
                    segs.append((None, ctx(ws, actor) + [prep.replace("PREPARE P", f"PREPARE {nm}", 1) + ";"]
                                 + calls * (1 if bulk else 2), 0))
                    segs.append((key, body, len(body)))
                    segs.append(("marker", [], 0))
        if len(segs) <= 1:
            return
        cgdir = os.path.join(self.a.work, "cg")
        os.makedirs(cgdir, exist_ok=True)
        inp = os.path.join(cgdir, "input.sql")
        with open(inp, "w") as f:
            f.write("SET synchronous_commit = off;\n")
            for _, stmts, _ in segs:
                f.write("SELECT pg_catalog.pg_sleep(0);\n")
                for s in stmts:
                    f.write(s.replace("\n", " ") + "\n")
            f.write("SELECT pg_catalog.pg_sleep(0);\n")
        log(f"callgrind: {sum(c for _, _, c in segs)} measured calls in {len(segs)} blocks (server stopped)")
        self.c.stop()
        t = time.time()
        out = os.path.join(cgdir, "cg.out")
        # --compress-strings=no: every dump names its functions (a part may not refer to names in earlier parts)
        cmd = ["valgrind", "--tool=callgrind", "--dump-before=pg_sleep", "--compress-strings=no", "--compress-pos=no",
               f"--callgrind-out-file={out}",
               f"--log-file={os.path.join(cgdir, 'valgrind.log')}", os.path.join(self.c.bin, "postgres"), "--single",
               "-D", self.c.data, "-c", "shared_buffers=256MB", "-c", "fsync=off", "-c", "synchronous_commit=off",
               "-c", "jit=off", "-c", "max_wal_size=16GB", "-c", "checkpoint_timeout=1h", "-c", "autovacuum=off", "bench"]
        with open(inp) as fin, open(os.path.join(cgdir, "stdout.txt"), "w") as fo, \
                open(os.path.join(cgdir, "stderr.txt"), "w") as fe:
            r = subprocess.run(cmd, stdin=fin, stdout=fo, stderr=fe)
        self.c.start(self.shared_buffers)
        log(f"callgrind done in {time.time() - t:.0f}s")
        if r.returncode != 0:
            raise HarnessError(f"postgres --single under callgrind exited with {r.returncode} (see {cgdir})")
        nerr = sum(1 for line in open(os.path.join(cgdir, "stderr.txt"), errors="replace") if "ERROR:" in line)
        if nerr:
            self.notes.append(f"callgrind run: {nerr} statements failed (see results/callgrind/stderr.txt)")
        files = {int(f.rsplit(".", 1)[1]): f for f in glob.glob(out + ".*") if f.rsplit(".", 1)[1].isdigit()}
        if len(files) != len(segs) + 1:
            raise HarnessError(f"callgrind: expected {len(segs) + 1} dumps, found {len(files)}")

        def ir(path):
            with open(path) as f:
                for line in f:
                    if line.startswith(("summary:", "totals:")):
                        return int(line.split()[1])
            raise HarnessError(f"no totals in {path}")
        markers = [ir(files[i + 2]) for i, (k, _, _) in enumerate(segs) if k == "marker"]
        m = statistics.median(markers)
        per = {}
        keep = os.path.join(self.out, "callgrind")
        os.makedirs(keep, exist_ok=True)
        for i, (k, _, cnt) in enumerate(segs):
            if k and k != "marker" and cnt:
                v = (ir(files[i + 2]) - m) / cnt
                per.setdefault(k, []).append(v)
                dst = os.path.join(keep, re.sub("[^a-zA-Z0-9]+", "_", k) + f".{len(per[k])}.out")
                shutil.copy(files[i + 2], dst)
                self.cg_files[k] = dst
        for k, v in per.items():
            self.cg[k] = dict(ir=statistics.median(v), all=v, spread=(max(v) - min(v)) / statistics.median(v))
        for f in files.values():
            os.remove(f)
        shutil.copy(inp, os.path.join(keep, "input.sql"))
        shutil.copy(os.path.join(cgdir, "stderr.txt"), os.path.join(keep, "stderr.txt"))

    def cg_row(self, scenario, ours_key, base_key, target, note="", speed=True):
        """Ir rows: speed ratio = base Ir / ours Ir (so >= target reads like throughput)."""
        a, b = self.cg.get(ours_key), self.cg.get(base_key)
        if not a or not b:
            self.row(scenario, "—", "—", "—", f"≥ {target}×" if speed else f"≤ {target}×", "n/a",
                     "no instruction counts" + (f"; {note}" if note else ""))
            return None
        sp = max(a["spread"], b["spread"])
        if speed:
            ratio = b["ir"] / a["ir"]
            self.row_ratio(scenario, f"{a['ir'] / 1000:,.0f}k Ir", f"{b['ir'] / 1000:,.0f}k Ir", ratio, ">=", target,
                           f"spread {sp * 100:.1f}%" + (f"; {note}" if note else ""))
        else:
            ratio = a["ir"] / b["ir"]
            self.row_ratio(scenario, f"{a['ir'] / 1000:,.0f}k Ir", f"{b['ir'] / 1000:,.0f}k Ir", ratio, "<=", target,
                           f"spread {sp * 100:.1f}%" + (f"; {note}" if note else ""))
        return ratio

    # -- pgbench helpers --------------------------------------------------------
    def abab(self, label, variants, reps, reset=False, **kw):
        """variants: list of (name, scripts, gucs, defines, clients).  Runs A B A B ...; returns name -> summary.
        reset: start every run from the same data (the create scenarios: a create's cost depends on the
        workspace's size, so one side's rows must not slow the other side's next run)."""
        runs = {v[0]: [] for v in variants}
        for r in range(reps):
            for name, scripts, gucs, defines, clients in variants:
                if reset:
                    self.reset(quiet=True)
                runs[name].append(self.pg.run(f"{label}-{name}-c{clients}-r{r}", scripts, clients=clients, gucs=gucs,
                                              defines=defines, **kw))
        return {k: summarize(v) for k, v in runs.items()}, runs

    def tps_row(self, scenario, s_ours, s_base, target, note=""):
        if s_ours.get("error") and not s_ours.get("tps"):
            self.row(scenario, "error", "—", "—", f"≥ {target}×", "NO", s_ours["error"][:120])
            return
        if s_base.get("error") and not s_base.get("tps"):
            raise HarnessError(f"{scenario}: the baseline failed: {s_base['error']}")
        ratio = s_ours["tps"] / s_base["tps"]
        sp = max(s_ours["spread"], s_base["spread"])
        self.row_ratio(scenario, f"{s_ours['tps']:,.0f} tps", f"{s_base['tps']:,.0f} tps", ratio, ">=", target,
                       f"spread {sp * 100:.0f}%; p99 {s_ours['p99']:.2f} vs {s_base['p99']:.2f} ms" + (f"; {note}" if note else ""))

    def create_scripts(self, key):
        c = self.cases[key]
        ours = self.pg.script(f"{key}_ours", f"SELECT {c['fn']}(:payload);")
        floor = self.pg.script(f"{key}_floor", c["floor"] + ";")
        gucs = {"tasks.workspace_id": c["ws"], "tasks.actor_id": c["actor"]}
        return ours, floor, gucs, {"payload": c["payload"]}

    # -- scenarios --------------------------------------------------------------
    def s_create(self):
        ours, floor, gucs, d = self.create_scripts("native")
        self.cg_row("1 create, CPU (Ir/call)", "cg:native:ours", "cg:native:floor", 0.9,
                    note=f"floor = {self.cases['native']['shape']}; the workspace holds {CREATE_PREFILL:,} tasks")
        self.cg_row("1 create, CPU, fresh workspace (Ir/call)", "cg:native_fresh:ours", "cg:native_fresh:floor", 0.9,
                    note="diagnostic: the same create in a workspace without task history")
        for clients in (1, 2):
            g = dict(gucs, synchronous_commit="off")
            self.reset()
            s, _ = self.abab("create", [("ours", [ours], g, d, clients), ("floor", [floor], g, {}, clients)],
                             self.mode["reps"], reset=True, secs=self.mode["t_main"])
            self.tps_row(f"1 create, sync off, c={clients}", s["ours"], s["floor"], 0.9)

    def s_dialects(self):
        for dname in DIALECTS:
            c = self.cases.get(dname)
            if not c or not c.get("floor"):
                self.row(f"1 {dname} seed example (Ir/call)", "error", "—", "—", "≥ 0.8×", "NO",
                         (c or {}).get("error", "not prepared")[:120])
                continue
            self.cg_row(f"1 {dname} seed example (Ir/call)", f"cg:{dname}:ours", f"cg:{dname}:floor", 0.8,
                        note=f"floor = {c['shape']}")
            ours, floor, gucs, d = self.create_scripts(dname)
            g = dict(gucs, synchronous_commit="off")
            s, _ = self.abab(dname, [("ours", [ours], g, d, 1), ("floor", [floor], g, {}, 1)], self.mode["reps"],
                             reset=True, secs=self.mode["t_short"])
            self.tps_row(f"1 {dname} seed example, sync off, c=1", s["ours"], s["floor"], 0.8)

    def s_durable(self):
        ours, floor, gucs, d = self.create_scripts("native")
        for clients, target in ((1, 0.97), (8, 0.9)):
            g = dict(gucs, synchronous_commit="on")
            self.reset()
            s, _ = self.abab("durable", [("ours", [ours], g, d, clients), ("floor", [floor], g, {}, clients)],
                             self.mode["reps"], reset=True, secs=self.mode["t_main"])
            self.tps_row(f"2 create, sync on, c={clients}", s["ours"], s["floor"], target)
            if s["ours"].get("p99") and s["floor"].get("p99"):
                r = s["ours"]["p99"] / s["floor"]["p99"]
                self.row_ratio(f"2 create, sync on, c={clients}, p99", f"{s['ours']['p99']:.2f} ms",
                               f"{s['floor']['p99']:.2f} ms", r, "<=", 1.2,
                               f"p50 {s['ours']['p50']:.2f} vs {s['floor']['p50']:.2f} ms")

    def s_resolve(self):
        kinds = dg.QUERY_KINDS
        per_kind_tab = ["| workspace | query kind | ours p50 | ours p99 | naive p50 | naive p99 | ours: resolved / ambiguous / not found |",
                        "|---|---|---|---|---|---|---|"]
        for size in self.mode["name_sizes"]:
            ws = NAME_WS[size]
            q = self.queries[size]
            flat = [(k, s) for k in kinds for s in q[k]][:120]
            defines = {f"q{i}": s for i, (_, s) in enumerate(flat)}
            ours_s = [self.pg.script(f"res_{size}_ours_{i}", f"SELECT tasks.resolve('contact', :q{i});") for i in range(len(flat))]
            naive_s = [self.pg.script(f"res_{size}_naive_{i}",
                                      f"SELECT id, name, similarity(name, :q{i}) FROM tasks.records WHERE workspace_id = '{ws}' "
                                      f"AND kind = 'contact' AND deleted_at IS NULL AND name % :q{i} "
                                      f"ORDER BY similarity(name, :q{i}) DESC LIMIT 5;") for i in range(len(flat))]
            ex_idx = [i for i, (k, _) in enumerate(flat) if k == "exact"]
            ours_x = [ours_s[i] for i in ex_idx]
            btree_x = [self.pg.script(f"res_{size}_btree_{i}",
                                      f"SELECT id, name FROM tasks.records WHERE workspace_id = '{ws}' AND kind = 'contact' "
                                      f"AND name_key = tasks.name_key(:q{i}) AND deleted_at IS NULL;") for i in ex_idx]
            g = {"tasks.workspace_id": ws}
            t = self.mode["t_short"] * (2 if size == "1m" else 1)
            s, runs = self.abab(f"resolve{size}", [("ours", ours_s, g, defines, 1), ("naive", naive_s, g, defines, 1)],
                                self.mode["reps"], secs=t)
            sx, _ = self.abab(f"exact{size}", [("ours", ours_x, g, defines, 1), ("btree", btree_x, g, defines, 1)],
                              self.mode["reps"], secs=self.mode["t_short"])
            # per kind percentiles from the logs (script number = index into flat)
            by = {"ours": {}, "naive": {}}
            for name in by:
                for r in runs[name]:
                    for sn, lat in r["lat"].items():
                        by[name].setdefault(flat[sn][0], []).extend(lat)
            statuses = self.resolve_statuses(ws, q)
            for k in kinds:
                o = sorted(by["ours"].get(k, []))
                nv = sorted(by["naive"].get(k, []))
                st = statuses.get(k, {})
                per_kind_tab.append(f"| {size} | {k} | {pct(o, 50) / 1000:.2f} | {pct(o, 99) / 1000:.2f} | "
                                    f"{pct(nv, 50) / 1000:.2f} | {pct(nv, 99) / 1000:.2f} | "
                                    f"{st.get('resolved', 0)} / {st.get('ambiguous', 0)} / {st.get('not_found', 0) + st.get('invalid', 0)} |")
            so, sn = s["ours"], s["naive"]
            if so.get("error"):
                self.row(f"3 names {size}: mix p99", "error", "—", "—", "≤ 5 ms" if size == "1m" else "—", "NO", so["error"][:120])
                continue
            ratio = so["p99"] / sn["p99"] if sn.get("p99") else None
            if size == "1m":
                met = "yes" if so["p99"] <= 5 else "NO"
                target = "p99 ≤ 5 ms"
            else:
                met, target = "—", "(report)"
            self.row(f"3 names {size}: mix p99 (vs naive %)", f"{so['p99']:.2f} ms", f"{sn['p99']:.2f} ms",
                     self.fmt_ratio(ratio), target, met,
                     f"p50 {so['p50']:.2f} vs {sn['p50']:.2f} ms; {len(flat)} queries × {len(kinds)} kinds; n={so['n']}/{sn['n']}")
            xo, xb = sx["ours"], sx["btree"]
            if xo.get("mean") and xb.get("mean"):
                self.row_ratio(f"3 names {size}: exact hit vs b-tree (mean latency)", f"{xo['mean']:.3f} ms", f"{xb['mean']:.3f} ms",
                               xo["mean"] / xb["mean"], "<=", 1.5, f"p99 {xo['p99']:.2f} vs {xb['p99']:.2f} ms")
            self.cg_row(f"3 names {size}: exact hit vs b-tree (Ir/call)", f"cg:res:{size}:ours", f"cg:res:{size}:btree", 1.5,
                        speed=False)
            self.cg_row(f"3 names {size}: typo vs naive (Ir/call)", f"cg:resf:{size}:ours", f"cg:resf:{size}:naive", 1.0,
                        speed=False, note="reference only (no target): 5 typo queries, once each")
        self.details.append("### Name resolution by query kind (ms, pgbench -M prepared, c=1; client round trip included)\n\n"
                            + "\n".join(per_kind_tab))

    def resolve_statuses(self, ws, q):
        con = self.c.connect(**{"tasks.workspace_id": ws})
        cur = con.cursor()
        out = {}
        for k, lst in q.items():
            for s in lst:
                cur.execute("SELECT tasks.resolve('contact', %s) ->> 'status'", (s,))
                st = cur.fetchone()[0]
                out.setdefault(k, {}).setdefault(st, 0)
                out[k][st] += 1
        con.close()
        return out

    def s_errors(self):
        g = {"tasks.workspace_id": W_CREATE, "tasks.actor_id": ACTOR, "synchronous_commit": "off"}
        wrap = self.pg.script("err_wrap", "SELECT bench.try_native(:payload);")
        native = self.cases["native"]["payload"]
        for e in self.error_cases:
            if not e["ok"]:
                self.notes.append(f"error case '{e['label']}' did not fail as intended: {e['why'][:200]}")
        variants = [("success", [wrap], g, {"payload": native}, 1)]
        variants += [(e["label"], [wrap], g, {"payload": e["payload"]}, 1) for e in self.error_cases if e["base"] == "native"]
        s, _ = self.abab("errors", variants, self.mode["reps"], reset=True, secs=self.mode["t_short"])
        v2 = [("success by name", [wrap], g, {"payload": jdump(BY_NAME_PAYLOAD)}, 1)]
        v2 += [(e["label"], [wrap], g, {"payload": e["payload"]}, 1) for e in self.error_cases if e["base"] == "by_name"]
        s2, _ = self.abab("errors_name", v2, self.mode["reps"], reset=True, secs=self.mode["t_short"])
        for e in self.error_cases:
            base_key = "success" if e["base"] == "native" else "success by name"
            src = s if e["base"] == "native" else s2
            cg_base = "cg:err:success" if e["base"] == "native" else "cg:err:success_by_name"
            note = "" if e["ok"] else "did not fail as intended"
            self.cg_row(f"4 error: {e['label']} (Ir/call vs success)", f"cg:err:{e['label']}", cg_base, 1.0, speed=False,
                        note=note)
            a, b = src[e["label"]], src[base_key]
            if a.get("mean") and b.get("mean"):
                self.row_ratio(f"4 error: {e['label']} (mean latency vs success)", f"{a['mean']:.3f} ms", f"{b['mean']:.3f} ms",
                               a["mean"] / b["mean"], "<=", 1.0, f"p99 {a['p99']:.2f} vs {b['p99']:.2f} ms")
        # the zone check itself, server side
        con = self.c.connect()
        cur = con.cursor()
        res = {}
        for z in ("Europe/Berlin", "Europe/Berlln"):
            cur.execute("SELECT bench.zone_check_us(%s, 1)", (z,))   # first lookup in this backend (uncached)
            first = cur.fetchone()[0]
            vals = []
            for _ in range(3):
                cur.execute("SELECT bench.zone_check_us(%s, 200000) - bench.loop_us(%s, 200000)", (z, z))
                vals.append(cur.fetchone()[0])
            res[z] = (statistics.median(vals), first)
        cur.execute("SELECT bench.zone_check_view_us('Europe/Berlln', 5)")
        view = cur.fetchone()[0]
        con.close()
        inval, first = res["Europe/Berlln"]
        self.row("4 zone check, invalid name (server side)", f"{inval:.3f} µs", f"{view / 1000:.1f} ms (pg_timezone_names)",
                 f"{inval / view:.5f}×", "≪ 100 µs", "yes" if inval < 100 else "NO",
                 f"valid name {res['Europe/Berlin'][0]:.3f} µs; first lookup in a backend {first:.0f} µs")

    def prepare_bulk(self):
        """task_create_many: 1,000 payloads of the native create (titles numbered), vs one multi-row
        INSERT of the same rows (the native floor, 1,000 tasks with their children)."""
        self.bulk = {}
        items = []
        for i in range(1000):
            items.append(dict(NATIVE_PAYLOAD, title=f"Bulk task {i + 1}"))
        sql, shape, notes = self.capture_floor("tasks.task_create", W_CREATE, ACTOR, self.cases["native"]["payload"],
                                                  k=1000, title_expr="'Bulk task ' || g")
        self.bulk["floor"] = sql
        self.bulk["shape"] = "1,000 × (" + shape + ")"
        nb = self.mode["cg_bulk"]
        self.bulk["floor_cg"] = sql if nb == 1000 else self.capture_floor(
            "tasks.task_create", W_CREATE, ACTOR, self.cases["native"]["payload"], k=nb, title_expr="'Bulk task ' || g")[0]
        fn = self.have.get("task_create_many")
        if not fn:
            self.bulk["status"] = "not yet available"
            return
        con = self.c.connect(**{"tasks.workspace_id": W_CREATE, "tasks.actor_id": ACTOR})
        cur = con.cursor()
        # The input shape: an array of payloads, or an object holding one.
        tried = []
        for shape_name, body in (("tasks", {"tasks": items}), ("array", items), ("items", {"items": items})):
            cur.execute("BEGIN")
            try:
                cur.execute("SELECT tasks.task_create_many(%s::jsonb)::text", (jdump(body),))
                res = cur.fetchone()[0]
                cur.execute("SELECT count(*) FROM tasks.tasks WHERE xmin::text::bigint = txid_current()")
                made = cur.fetchone()[0]
                cur.execute("ROLLBACK")
                if made == 1000:
                    cur.execute("INSERT INTO bench.payloads VALUES ('bulk', %s)", (jdump(body),))
                    nb = self.mode["cg_bulk"]
                    small = {"tasks": items[:nb]} if shape_name == "tasks" else ({"items": items[:nb]} if shape_name == "items" else items[:nb])
                    cur.execute("INSERT INTO bench.payloads VALUES ('bulk_cg', %s)", (jdump(small),))
                    self.bulk["call"] = "SELECT tasks.task_create_many(p::jsonb) FROM bench.payloads WHERE k = 'bulk'"
                    self.bulk["input"] = shape_name
                    self.bulk["status"] = "ok"
                    con.close()
                    return
                tried.append(f"{shape_name}: stored {made} tasks ({res[:100]})")
            except psycopg2.Error as e:
                cur.execute("ROLLBACK")
                tried.append(f"{shape_name}: {str(e).splitlines()[0][:120]}")
        con.close()
        self.bulk["status"] = "error: " + "; ".join(tried)

    def s_bulk(self):
        st = self.bulk.get("status")
        if st != "ok":
            self.row("5 bulk 1,000 tasks", st if st == "not yet available" else "error", "—", "—", "≥ 0.7×",
                     "n/a" if st == "not yet available" else "NO",
                     "tasks.task_create_many absent when this ran" if st == "not yet available" else st[:200])
            return
        nb = self.mode["cg_bulk"]
        self.cg_row(f"5 bulk {nb:,} tasks (Ir/call)", "cg:bulk:ours", "cg:bulk:floor", 0.7,
                    note=f"floor = {self.bulk['shape']}" + ("" if nb == 1000 else f"; Ir of a {nb}-task batch (quick mode), pgbench below uses 1,000"))
        g = {"tasks.workspace_id": W_CREATE, "tasks.actor_id": ACTOR, "synchronous_commit": "off"}
        ours = self.pg.script("bulk_ours", self.bulk["call"] + ";")
        floor = self.pg.script("bulk_floor", self.bulk["floor"] + ";")
        s, _ = self.abab("bulk", [("ours", [ours], g, {}, 1), ("floor", [floor], g, {}, 1)], self.mode["reps"],
                         reset=True, secs=self.mode["bulk_t"])
        self.tps_row("5 bulk 1,000 tasks, sync off, c=1", s["ours"], s["floor"], 0.7,
                     note=f"input {self.bulk['input']}")

    def s_list(self):
        if not self.have.get("task_list"):
            self.row("6 list page 1 / page 1000", "not yet available", "—", "—", "p99 ≤ 2 ms", "n/a",
                     "tasks.task_list absent when this ran")
            return
        list_probe.run(self)

    def s_memory(self):
        """Backend memory (RssAnon from /proc, and the sum of pg_backend_memory_contexts) before and
        after N task_create calls in one connection, each its own transaction, after a warm-up."""
        n = self.mode["memory_n"]
        out = {}
        for name, stmt in (("ours", "PREPARE c(jsonb) AS SELECT tasks.task_create($1)"),
                           ("floor", f"PREPARE c(jsonb) AS {self.cases['native']['floor']}")):
            con = self.c.connect(**{"tasks.workspace_id": W_CREATE, "tasks.actor_id": ACTOR, "synchronous_commit": "off"})
            cur = con.cursor()
            cur.execute(stmt)
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            call = cur.mogrify("EXECUTE c(%s)", (self.cases["native"]["payload"],)) if name == "ours" else \
                cur.mogrify("EXECUTE c('{}')")

            def sample():
                with open(f"/proc/{pid}/status") as f:
                    st = dict(line.split(":", 1) for line in f if ":" in line)
                rss = int(st["RssAnon"].split()[0]) * 1024
                cur.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
                return rss, int(cur.fetchone()[0])
            for _ in range(2000):
                cur.execute(call)
            pts = [(0,) + sample()]
            step = max(1, n // 10)
            t = time.time()
            done = 0
            while done < n:
                for _ in range(min(step, n - done)):
                    cur.execute(call)
                done += min(step, n - done)
                pts.append((done,) + sample())
                # keep the workspace at its usual size (another connection; the measured backend is untouched)
                self.reset()
            con.close()
            out[name] = dict(points=pts, secs=time.time() - t)
        o = out["ours"]["points"]
        f = out["floor"]["points"]

        def growth(pts, idx):
            # least-squares slope, bytes per call, over the samples
            xs = [p[0] for p in pts]
            ys = [p[idx] for p in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            den = sum((x - mx) ** 2 for x in xs) or 1
            return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den
        per_m = 1_000_000
        o_rss = (o[-1][1] - o[0][1])
        o_ctx = (o[-1][2] - o[0][2])
        extrap = n < per_m
        # The growth rate is taken over the second half of the run (least squares), so that a one-off
        # step early on (allocator arenas, caches filling) is not multiplied up to 1M calls; the total
        # measured growth is in the note.
        o2, f2 = o[len(o) // 2:], f[len(f) // 2:]
        o_rss_1m = growth(o2, 1) * per_m if extrap else o_rss
        o_ctx_1m = growth(o2, 2) * per_m if extrap else o_ctx
        f_rss_1m = growth(f2, 1) * per_m if extrap else (f[-1][1] - f[0][1])
        mb = 2 ** 20
        how = (f"measured over {n:,} calls after 2,000 warm-up calls"
               + (", growth rate of the second half extrapolated linearly to 1M" if extrap else "")
               + f"; ours took {out['ours']['secs']:.0f} s, the floor {out['floor']['secs']:.0f} s")
        self.row("7 memory growth per 1M creates (RssAnon)", f"{o_rss_1m / mb:+.2f} MB", f"{f_rss_1m / mb:+.2f} MB (floor)",
                 "—", "< 5 MB", "yes" if o_rss_1m < 5 * mb else "NO",
                 f"{how}; measured {o_rss / mb:+.2f} MB RssAnon, {o_ctx / mb:+.2f} MB in memory contexts "
                 f"(extrapolated {o_ctx_1m / mb:+.2f} MB)")
        self.details.append("### Memory samples (calls, RssAnon bytes, memory-context bytes)\n\n"
                            + "ours: " + json.dumps(o) + "\n\nfloor: " + json.dumps(f))

    # -- the run ----------------------------------------------------------------
    def run(self):
        self.setup()
        self.load()
        # size shared_buffers for the data (+25 %), at least 256MB, at most 40 % of the available memory
        avail = 0
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
        sb = int(min(max(self.db_bytes * 1.25, 256 * 2 ** 20), 0.4 * avail))
        self.shared_buffers = f"{sb // 2 ** 20}MB"
        self.prepare_cases()
        cur = self.con.cursor()
        cur.execute("SELECT clock_timestamp()")
        self.since = cur.fetchone()[0]
        self.con.close()
        self.c.stop()
        self.c.start(self.shared_buffers)
        if not self.a.no_callgrind:
            self.callgrind()
        self.con = self.c.connect()
        cur = self.con.cursor()
        cur.execute("SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'tasks' AND c.relkind IN ('r', 'i')")
        log(f"prewarmed {cur.fetchone()[0]:,} blocks; shared_buffers {self.shared_buffers}")
        for s in SCENARIOS:
            if s in self.only:
                if s in ("create", "dialects", "durable", "errors", "bulk", "memory"):
                    self.reset()
                log(f"scenario {s}")
                getattr(self, "s_" + s)()
        self.report()

    def report(self):
        src = {}
        if self.a.source_info and os.path.exists(self.a.source_info):
            for line in open(self.a.source_info):
                k, _, v = line.strip().partition("=")
                src[k] = v
        cpu = "unknown"
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next((line.split(":")[1].strip() for line in open("/proc/meminfo") if line.startswith("MemTotal")), "?")
        load = open("/proc/loadavg").read().split()[:3]
        hdr = ["scenario", "ours", "baseline", "ratio", "target", "met?"]
        rows = [[r["scenario"], r["ours"], r["base"], r["ratio"], r["target"], r["met"]] for r in self.rows]
        w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(hdr)]
        lines = [" | ".join(h.ljust(w[i]) for i, h in enumerate(hdr)), "-+-".join("-" * x for x in w)]
        lines += [" | ".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in rows]
        mode = "full" if self.a.full else "quick"
        head = (f"tasks {self.versions[0]} @ {src.get('head_short', '?')}"
                f"{' + uncommitted changes (tree ' + src.get('tree_sha', '?') + ')' if src.get('dirty_files', '0') != '0' else ''}"
                f"; {mode} mode; seed {self.a.seed}; {os.cpu_count()} CPUs ({cpu}); {mem}; load avg at end {' '.join(load)}; "
                f"{(time.time() - self.t0) / 60:.1f} min")
        print("\n" + head)
        print("\n".join(lines))
        print("\nratio: throughput rows ours/baseline; Ir rows baseline Ir / ours Ir for 'speed' targets (≥), "
              "ours/baseline for cost targets (≤). Notes per row in results.md.")
        for n in self.notes:
            print("note: " + n)
        md = [f"# Benchmark run\n\n{head}\n\n{self.versions[1]}\n"]
        md.append("| scenario | ours | baseline | ratio | target | met? | notes |\n|---|---|---|---|---|---|---|")
        for r in self.rows:
            md.append(f"| {r['scenario']} | {r['ours']} | {r['base']} | {r['ratio']} | {r['target']} | {r['met']} | {r['note']} |")
        md.append("")
        md += [f"- {n}" for n in self.notes]
        md.append(f"\nData: {getattr(self, 'n_records', 0):,} records in {getattr(self, 'n_workspaces', 0):,} workspaces; "
                  f"database {getattr(self, 'db_bytes', 0) / 2**20:,.0f} MB; shared_buffers {getattr(self, 'shared_buffers', '?')}.\n")
        for k, c in self.cases.items():
            md.append(f"- case `{k}`: `{c['fn']}` payload `{c['payload']}`; floor rows: {c.get('shape', c.get('error'))}"
                      + (f"; {'; '.join(c['notes'])}" if c.get("notes") else ""))
        md.append("")
        md += self.details
        md.append("\n### Instruction counts (per call, median of repetitions)\n\n| key | Ir/call | repetitions |\n|---|---|---|")
        for k, v in sorted(self.cg.items()):
            md.append(f"| {k} | {v['ir']:,.0f} | {', '.join(f'{x:,.0f}' for x in v['all'])} |")
        md.append("\n### Profiles (callgrind_annotate, inclusive, top functions) of our side\n")
        for k, path in sorted(self.cg_files.items()):
            if not k.endswith((":ours",)) and not k.startswith("cg:err:"):
                continue
            md.append(f"#### {k}\n\n```\n" + profile_summary(path) + "\n```\n")
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        with open(os.path.join(self.out, "table.txt"), "w") as f:
            f.write(head + "\n" + "\n".join(lines) + "\n")
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(dict(head=head, rows=self.rows, cg=self.cg, notes=self.notes), f, indent=1, ensure_ascii=False)


FRAMES = ("libc-start", "libc_start", "(below main)", "???:main ", ":PostgresMain ", "PostgresSingleUserMain",
          ":PortalRun", ":ProcessUtility", ":standard_ProcessUtility", ":ExecuteQuery", ":ExecutorRun",
          ":standard_ExecutorRun", "ld-linux", "PROGRAM TOTALS")


def profile_summary(path, n_incl=24, n_self=14):
    """Top functions of a callgrind dump: inclusive (without the frames every statement has and
    without unnamed static functions of the stripped server binary), then self cost."""
    out = ["inclusive:"]
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", path], capture_output=True, text=True)
    with open(path + ".annotate.txt", "w") as f:
        f.write(r.stdout)
    lines = [l for l in r.stdout.splitlines() if re.match(r"^\s*[0-9,]+ \(", l)
             and "???:0x" not in l and not any(fr in l for fr in FRAMES)]
    out += [re.sub(r" \[[^]]*\]$", "", re.sub(r"/tmp/bench-tasks\.[^/]+/tree/", "", l)) for l in lines][:n_incl]
    # Self cost, read from the dump directly (callgrind_annotate charges a partial dump's self cost to
    # the frame that was active when it was written): cost lines of a function not following calls=.
    self_ir, total, fn, skip = {}, 0, None, False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("fn="):
                fn = line[3:].strip()
                skip = False
            elif line.startswith("calls="):
                skip = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    if skip:
                        skip = False
                    elif fn:
                        self_ir[fn] = self_ir.get(fn, 0) + int(parts[1])
                        total += int(parts[1])
    out.append("self:")
    for name, v in sorted(self_ir.items(), key=lambda kv: -kv[1])[:n_self]:
        out.append(f"{v:>13,} ({100.0 * v / max(total, 1):5.2f}%)  {name}")
    return "\n".join(out)


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description="tasks extension benchmarks (run through bench/run.sh)")
    ap.add_argument("--work", help="private work dir (made by run.sh)")
    ap.add_argument("--prefix", help="private PostgreSQL prefix (…/usr/lib/postgresql/15)")
    ap.add_argument("--port", type=int, default=5530)
    ap.add_argument("--source-info")
    ap.add_argument("--full", action="store_true", help="the issue's scales (slow); default: quick mode")
    ap.add_argument("--list-10m", action="store_true", help="10M tasks in the table for the list scenario (long load)")
    ap.add_argument("--only", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}")
    ap.add_argument("--resolve-sizes", help="name workspaces to test: any of 1k,100k,1m (1m loads 2M+ records)")
    ap.add_argument("--seed", type=int, default=20260310)
    ap.add_argument("--reps", type=int, help="ABAB repetitions per comparison")
    ap.add_argument("--t-main", dest="t_main", type=int, help="seconds per pgbench run (create, durable)")
    ap.add_argument("--t-short", dest="t_short", type=int, help="seconds per pgbench run (other scenarios)")
    ap.add_argument("--memory-n", dest="memory_n", type=int, help="task_create calls in the memory scenario")
    ap.add_argument("--cg-n", dest="cg_n", type=int, help="calls per callgrind block")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (cluster, logs)")
    a = ap.parse_args()
    if not a.work or not a.prefix:
        ap.error("run through bench/run.sh (it passes --work and --prefix)")
    b = None
    try:
        b = Bench(a)
        b.run()
    except (HarnessError, psycopg2.Error, OSError) as e:
        print(f"bench: harness failure: {e}", file=sys.stderr)
        if b is not None and b.rows:
            try:
                b.report()
            except Exception:   # noqa: BLE001
                pass
        try:
            if b is not None:
                b.c.stop()
        except Exception:   # noqa: BLE001
            pass
        sys.exit(2)
    try:
        b.c.stop()
    except HarnessError:
        pass


if __name__ == "__main__":
    main()
