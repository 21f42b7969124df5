"""Scenario 6: a filtered, cursor-paginated list in the big list workspace.

tasks.task_list(filter) returns {"data": [...], "next_cursor": string | null}.
Filter: the tasks of one member (~45 % of the workspace's tasks are theirs) in
an open status category, newest first (the default sort), 50 per page.  Page 1
and page 1000 are each run with pgbench.  Page 1000 is reached by following
next_cursor: the cursor binds the filter but not the page size, so the walk
takes pages of 200 (250 calls) and then asks for 50 from there; the walk has a
time budget, and when it runs out the deepest page reached is measured (and
the row says so).

Baseline: the SQL people write instead, the same filter with ORDER BY
created_at DESC, id DESC LIMIT 50 OFFSET (page - 1) * 50 returning plain rows
(no JSON): at page 1 that is a floor, at page 1000 it shows what keyset
pagination saves.  Literal workspace and member ids, so that it gets its best
(custom) plan under -M prepared.
"""
import json
import time

OPEN = ["backlog", "todo", "in_progress", "blocked"]
PAGE = 50
STEP = 200


def offset_sql(ws, member, page):
    return f"""SELECT t.id, t.title, t.status_id, t.priority, t.due_date, t.due_at, t.created_at
  FROM tasks.tasks t
 WHERE t.workspace_id = '{ws}' AND t.deleted_at IS NULL
   AND EXISTS (SELECT 1 FROM tasks.task_assignees a WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id AND a.member_id = '{member}')
   AND t.status_id IN (SELECT s.id FROM tasks.statuses s WHERE s.workspace_id = '{ws}' AND s.category IN ('backlog', 'todo', 'in_progress', 'blocked'))
 ORDER BY t.created_at DESC, t.id DESC LIMIT {PAGE} OFFSET {(page - 1) * PAGE}"""


def prepare(b, budget_s):
    """Finds the filters (with cursors) of page 1 and of page list_page; sets b.list."""
    from bench import W_LIST, jdump
    b.list = {"error": None}
    member = b.list_member
    base = {"assignee_id": member, "status_category": OPEN}
    con = b.c.connect(**{"tasks.workspace_id": W_LIST})
    cur = con.cursor()
    want = b.mode["list_page"]
    skip = (want - 1) * PAGE          # rows before the wanted page
    cursor, seen, t0, calls = None, 0, time.time(), 0
    try:
        while seen < skip and time.time() - t0 < budget_s:
            n = min(STEP, skip - seen)
            f = dict(base, limit=n, **({"cursor": cursor} if cursor else {}))
            cur.execute("SELECT tasks.task_list(%s::jsonb)::text", (jdump(f),))
            r = json.loads(cur.fetchone()[0])
            calls += 1
            seen += len(r.get("data") or [])
            cursor = r.get("next_cursor")
            if not cursor:
                break
    except Exception as e:   # noqa: BLE001 -- the function under test failing is a result
        b.list["error"] = str(e).splitlines()[0][:200]
        con.close()
        return
    deep = seen // PAGE + 1
    b.list["pages"] = {1: dict(base, limit=PAGE)}
    if deep > 1 and cursor:
        b.list["pages"][deep] = dict(base, limit=PAGE, cursor=cursor)
    b.list["walk"] = (calls, time.time() - t0, deep)
    b.list["member"] = member
    cur.execute("SELECT count(*) FROM tasks.tasks t WHERE t.workspace_id = %s AND t.deleted_at IS NULL "
                "AND EXISTS (SELECT 1 FROM tasks.task_assignees a WHERE a.workspace_id = t.workspace_id "
                "AND a.task_id = t.id AND a.member_id = %s) AND t.status_id IN (SELECT s.id FROM tasks.statuses s "
                "WHERE s.workspace_id = %s AND s.category = ANY (%s))", (W_LIST, member, W_LIST, OPEN))
    b.list["matching"] = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM tasks.tasks WHERE workspace_id = %s", (W_LIST,))
    b.list["in_ws"] = cur.fetchone()[0]
    cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'tasks.tasks'::regclass")
    b.list["in_table"] = cur.fetchone()[0]
    con.close()


def cg_groups(b):
    from bench import W_LIST, jdump
    groups = []
    for page, f in sorted(b.list.get("pages", {}).items()):
        q = jdump(f).replace("'", "''")
        groups.append([(f"cg:list:p{page}:ours", W_LIST, None,
                        "PREPARE P(jsonb) AS SELECT length(tasks.task_list($1)::text)", [f"('{q}')"], 1),
                       (f"cg:list:p{page}:offset", W_LIST, None,
                        "PREPARE P AS " + " ".join(offset_sql(W_LIST, b.list["member"], page).split()), [""], 1)])
    return groups


def run(b):
    from bench import W_LIST, jdump, HarnessError
    L = getattr(b, "list", None)
    if not L:
        b.row("6 list", "—", "—", "—", "p99 ≤ 2 ms", "n/a", "list data not loaded")
        return
    if L["error"]:
        b.row("6 list", "error", "—", "—", "p99 ≤ 2 ms", "NO", L["error"])
        return
    want = b.mode["list_page"]
    calls, secs, deep = L["walk"]
    g = {"tasks.workspace_id": W_LIST}
    for page, f in sorted(L["pages"].items()):
        ours = b.pg.script(f"list_p{page}", "SELECT tasks.task_list(:filter);")
        naive = b.pg.script(f"list_offset_p{page}", offset_sql(W_LIST, L["member"], page) + ";")
        s, _ = b.abab(f"list_p{page}", [("ours", [ours], g, {"filter": jdump(f)}, 1), ("offset", [naive], g, {}, 1)],
                      b.mode["reps"], secs=b.mode["t_short"])
        o, n = s["ours"], s["offset"]
        if o.get("error") and not o.get("tps"):
            b.row(f"6 list page {page} p99", "error", "—", "—", "p99 ≤ 2 ms", "NO", o["error"][:160])
            continue
        if n.get("error") and not n.get("tps"):
            raise HarnessError(f"list baseline failed: {n['error']}")
        note = (f"p50 {o['p50']:.2f} vs {n['p50']:.2f} ms; {L['matching']:,} matching of {L['in_ws']:,} tasks in the "
                f"workspace, ~{L['in_table']:,} in the table; {PAGE}/page; n={o['n']}")
        if page > 1 and page < want:
            note += f"; page {want} not reached: the cursor walk ({calls} calls of {STEP}) hit its {secs:.0f} s budget"
        b.row(f"6 list page {page} p99 (vs OFFSET SQL)", f"{o['p99']:.2f} ms", f"{n['p99']:.2f} ms",
              f"{o['p99'] / n['p99']:.2f}×", "p99 ≤ 2 ms", "yes" if o["p99"] <= 2 else "NO", note)
        b.cg_row(f"6 list page {page} (Ir/call vs OFFSET SQL)", f"cg:list:p{page}:ours", f"cg:list:p{page}:offset",
                 1.0, speed=False, note="reference only: the target is the p99")
    if len(L["pages"]) == 1:
        b.row(f"6 list page {want}", "not measured", "—", "—", "p99 ≤ 2 ms", "n/a",
              f"the cursor walk reached no deeper page ({calls} calls, {secs:.0f} s)")
