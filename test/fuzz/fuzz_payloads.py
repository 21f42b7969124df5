#!/usr/bin/python3
"""Payload fuzzer for the tasks extension.

Mutates valid bodies of the native API (tasks.task_create, and tasks_v1.task_create
replayed as PostgREST sends it) and of every dialect (tasks_lightfield, tasks_leadlex,
tasks_vambe, tasks_care, tasks_acp .task_create), plus tasks.resolve and
tasks.record_create, and sends them to a running server.  After every call it checks:

  * the backend is alive (a crash closes the connection: the reproducer is saved and
    the run stops, or goes on after the restart with --keep-going);
  * a failure carries a documented SQLSTATE: 22023 (with a JSON problem list in DETAIL,
    each problem with a documented code), 28000, 42501, P0002, 22001, PT4xx (with the
    vendor body as JSON in DETAIL, in the dialect's shape), or -- only while PostgreSQL
    parses the JSON text itself -- 22P02/22P05/54001;
  * nothing was stored for a failure (row counts of every table a call writes, before
    and after, in the same transaction; in HTTP mode a failure is an answer, not an
    error, so this is where it matters), and a success stored exactly one task that
    exists (a replayed idempotent request stores none);
  * no WARNING was emitted (resource leaks, snapshot leaks), the call ended before
    statement_timeout (57014 is a finding: an input that takes that long is a DoS) and
    was cancellable (wall time well past the timeout: an uninterruptible loop).

Seeded and repeatable: case i of seed s depends only on (s, i); --replay s:i shows and
reruns one case.  Most successes are rolled back so the tables stay small and every call
costs the same; one in 50 (and every success with an Idempotency-Key) is committed, and
every 1,000 cases (--trim-every) what was committed is deleted again, fixture rows kept.
Shards: several fuzzers, each with its own database (--dbname) and a disjoint --start/--count
range of one seed, run side by side (test/fuzz/run.sh --shards N does this).

    python3 test/fuzz/fuzz_payloads.py --setup --count 2000          # CI (short) mode
    python3 test/fuzz/fuzz_payloads.py --count 1000000 --long        # the long run
    python3 test/fuzz/fuzz_payloads.py --replay 1:4711               # one case again

Connection: libpq environment (PGHOST, PGPORT, PGUSER) or --host/--port/--user; the
database (--dbname, default tasks_fuzz) is dropped and recreated by --setup.  The role
must be a superuser (the fixture grants nothing).  The last line is "N passed, N failed".
"""

import argparse
import json
import os
import random
import re
import sys
import time

try:
    import psycopg2
    import psycopg2.extensions
except ImportError:  # pragma: no cover
    sys.stderr.write("psycopg2 is missing: apt-get install -y python3-psycopg2 (and run /usr/bin/python3)\n")
    print("0 passed, 1 failed")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)   # numbers of 5000 digits come back in responses

# --------------------------------------------------------------------------
# The fixture (setup.sql) ids
# --------------------------------------------------------------------------
WS = "00000000-0000-7000-8f00-000000000001"
WS_OTHER = "00000000-0000-7000-8f00-000000000002"


def U(n):
    return "00000000-0000-7000-8f00-000000000" + n


ACTOR = U("101")
USER2 = U("102")
USER_GONE = U("103")
USER_NOSCOPE = U("104")
AGENT = U("201")
AGENT_GONE = U("202")
FOREIGN_USER = U("109")
FOREIGN_AGENT = U("209")
REC = {
    "contact": U("301"), "contact2": U("302"), "company": U("304"), "deal": U("305"), "event": U("306"),
    "account": U("307"), "opportunity": U("308"), "customer": U("309"), "patient": U("310"), "call": U("311"),
    "fax": U("312"), "assistant": U("313"), "session": U("314"), "project": U("315"), "release": U("316"),
    "sprint": U("317"), "thread": U("318"), "thread2": U("319"), "deleted_sprint": U("31a"),
    "foreign_contact": U("3f1"), "foreign_project": U("3f2"), "foreign_patient": U("3f3"),
}
DEPS = []           # ids of "fuzz dependency N", read after connecting
FOREIGN_DEP = []    # a task of the other workspace

SCOPES = ["tasks:create", "tasks:read", "activities:write", "activities:read"]

# --------------------------------------------------------------------------
# JSON text with what Python's json cannot express: raw number tokens,
# repeated keys, nesting deeper than Python's recursion limit
# --------------------------------------------------------------------------


class Raw(str):
    """JSON text inserted verbatim (numbers like 1e400, deep nesting, invalid bits)."""


class Obj(list):
    """A JSON object as a list of (key, value) pairs: keys may repeat."""


def dump(v, out):
    if isinstance(v, Raw):
        out.append(str(v))
    elif isinstance(v, Obj):
        out.append("{")
        for i, (k, x) in enumerate(v):
            if i:
                out.append(", ")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(": ")
            dump(x, out)
        out.append("}")
    elif isinstance(v, dict):
        dump(Obj(v.items()), out)
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(", ")
            dump(x, out)
        out.append("]")
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False))
    elif isinstance(v, float):
        out.append(repr(v))
    else:  # None, bool, int
        out.append(json.dumps(v))


# Types json.dumps writes exactly as dump() does (", " and ": " separators, repr of a
# float, ensure_ascii=False): a container holding only these is written by json.dumps in
# one call, in C.  Raw and Obj (subclasses) are not among them: they still go through dump.
PLAIN = frozenset((str, int, float, bool, type(None)))


def dump_fast(v, out):
    """dump(), with the same text, but lists and dicts of plain values (10^6 ids, 70,000
    keys) written by json.dumps at C speed: the serialisation was most of the fuzzer's time."""
    t = type(v)
    if t is list or t is tuple:
        if not v:
            out.append("[]")
        elif set(map(type, v)) <= PLAIN:
            out.append(json.dumps(v, ensure_ascii=False))
        else:
            out.append("[")
            for i, x in enumerate(v):
                if i:
                    out.append(", ")
                dump_fast(x, out)
            out.append("]")
    elif t is dict:
        if v and set(map(type, v.values())) <= PLAIN and set(map(type, v)) == {str}:
            out.append(json.dumps(v, ensure_ascii=False))
        else:
            out.append("{")
            for i, (k, x) in enumerate(v.items()):
                if i:
                    out.append(", ")
                out.append(json.dumps(k, ensure_ascii=False))
                out.append(": ")
                dump_fast(x, out)
            out.append("}")
    elif t is Obj:
        out.append("{")
        for i, (k, x) in enumerate(v):
            if i:
                out.append(", ")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(": ")
            dump_fast(x, out)
        out.append("}")
    else:
        dump(v, out)


def to_text(v):
    out = []
    dump_fast(v, out)
    return "".join(out)


# --------------------------------------------------------------------------
# Value generators
# --------------------------------------------------------------------------

CHARS = {
    1: "a", 2: "ü", 3: "€", 4: "😀",
    "combining": "\u0301", "space": " ", "nbsp": "\u00a0", "zwj": "\u200d", "rtl": "\u202e",
    "bom": "\ufeff", "nonchar": "\uffff", "cjk": "山", "hangul": "한", "cyr": "Ж",
    "ctrl": "\u0001", "del": "\u007f", "tab": "\t", "nl": "\n",
}

UNICODE_EDGES = [
    "", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u200b", "\u200d", "\ufeff", "\u202e\u202d", "\u0001",
    "\u001f", "\u007f", "\u0085", "\u2028", "\u2029", "\ud7ff", "\ue000", "\uffff", "\U0010ffff",
    "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "e\u0301", "\u00e9", "\u1e9e", "ß", "ﬁ", "Å",
    "\u0130", "\u0131", "Ǆ", "ǅ", "\u3000", "ｆｕｌｌ", "٠١٢", "𝔘𝔫𝔦", "a" + "\u0301" * 50,
    "\u0301\u0316" * 30, "Ḯ̈́", "한국어", "\u1100\u1161\u11a8", "Иван", "Ζωή", "Hans Mueller", "Müller, Hans",
    "o'Brien", "<script>alert(1)</script>", "'; DROP TABLE tasks.tasks; --", "%s%n%x", "${jndi:x}",
    "\\", "\"", "/", "~", "~0~1", "../../etc/passwd", "NULL", "null", "true", "0", "-0",
]
JSON_ESCAPES = [  # raw JSON strings with escapes Python would not produce
    Raw('"\\u0000"'), Raw('"a\\u0000b"'), Raw('"\\ud800"'), Raw('"\\udc00"'), Raw('"\\ud83d\\ude00"'),
    Raw('"\\ud83d"'), Raw('"\\uDBFF\\uDFFF"'), Raw('"\\u00"'), Raw('"\\x41"'), Raw('"\\/"'),
    Raw('"\\b\\f\\n\\r\\t"'), Raw('"\u0001raw control"'),
]
NUMBERS = [
    Raw("0"), Raw("-0"), Raw("1"), Raw("-1"), Raw("1.5"), Raw("2147483647"), Raw("2147483648"),
    Raw("-2147483649"), Raw("9223372036854775807"), Raw("9223372036854775808"), Raw("1e308"),
    Raw("1.7976931348623157e308"), Raw("1.8e308"), Raw("1e400"), Raw("-1e400"), Raw("1e-400"),
    Raw("4.9e-324"), Raw("2.5e-324"), Raw("1E+2"), Raw("0.1"), Raw("123456789012345678901234567890"),
    Raw("1" + "0" * 1000), Raw("0." + "0" * 1000 + "1"), Raw("-" + "9" * 5000),
]
INVALID_NUMBERS = [Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("01"), Raw("1."), Raw(".5"), Raw("+1"),
                   Raw("0x10"), Raw("1e"), Raw("--1")]

DATETIMES = [
    "2026-03-10T09:00:00Z", "2026-03-10T09:00:00+01:00", "2026-03-10T09:00:00-0300", "2026-03-10T09:00Z",
    "2026-03-10T09:00:00.123456789Z", "2026-03-10T09:00:00." + "9" * 40 + "Z", "2026-03-10T09:00:00." + "1" * 5000 + "Z",
    "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "2100-02-29T00:00:00Z", "2000-02-29T00:00:00+00:00",
    "2026-03-10T24:00:00Z", "2026-03-10T24:00Z", "2026-12-31T23:59:60Z", "2016-12-31T23:59:60Z",
    "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-12:00", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "+2026-03-10T09:00:00Z",
    "2026-03-10T09:00:00+14:00", "2026-03-10T09:00:00+14:01", "2026-03-10T09:00:00-12:00", "2026-03-10T09:00:00+23:59",
    "2026-03-10T09:00:00+24:00", "2026-03-10T09:00:00+99:99", "2026-03-10T09:00:00-00:00", "2026-03-10T09:00:00+01",
    "2026-03-10T09:00:00+01:00:00", "2026-03-10t09:00:00z", "2026-03-10 09:00:00Z", "2026-03-10_09:00:00Z",
    "2026-03-10T09Z", "2026-03-10T9:00Z", "2026-3-10T09:00Z", "20260310T090000Z", "2026-W11-2T09:00Z",
    "2026-069T09:00Z", "2026-03-10T09:00:00Z ", " 2026-03-10T09:00:00Z", "2026-03-10T09:00:00ZZ",
    "２０２６-03-10T09:00:00Z", "٢٠٢٦-٠٣-١٠T09:00:00Z", "2026-03-10T09:00:00\u00a0Z", "2026-03-10", "2026-03-10T",
    "T09:00Z", "09:00", "now", "tomorrow", "epoch", "infinity", "-infinity", "allballs", "2026-03-10T09:00:00 CET",
    "2026-03-10T09:00:00 Europe/Berlin", "Tue, 10 Mar 2026 09:00:00 GMT", "1773133200", "9" * 300 + "-01-01T00:00Z",
    "2026-03-29T02:30", "2026-03-29T02:30:00", "2026-03-08T02:30", "2025-09-07T00:30", "2025-10-05T02:15",
    "2011-12-30T12:00", "2026-10-25T02:30", "2026-11-01T01:30", "2025-04-05T23:30", "2026-03-10T09:00",
]
DATES = [
    "2026-03-10", "2024-02-29", "2023-02-29", "2100-02-29", "2000-02-29", "2026-02-30", "2026-04-31", "2026-13-01",
    "2026-00-10", "2026-01-00", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "-2026-03-10",
    "2026-3-10", "2026-03-1", "26-03-10", "10/03/2026", "2026/03/10", "20260310", "2026-03-10Z", "2026-03-10T00:00",
    "2026-03-10T00:00:00Z", "2026-03-10 ", "２０２６-０３-１０", "2026-W11", "2026-069", "", "2011-12-30", "2026-03-29",
]
ZONES = [
    "UTC", "Etc/UTC", "Europe/Berlin", "America/Santiago", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
    "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/Argentina/Buenos_Aires", "Europe/Kyiv",
    "europe/berlin", "EUROPE/BERLIN", "Europe/Berlín", "Europe/Berlin ", " Europe/Berlin", "Europe//Berlin",
    "Europe/Berlin/", "Europe/../Europe/Berlin", "../../../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe\\Berlin",
    "Europe/Berlinn", "Europe/Brlin", "Europe/Berli", "Erope/Berlin", "America/Buenos_Aires", "Asia/Calcutta",
    "Europe/Kiev", "US/Pacific", "US/Pacific-New", "EST", "EST5", "EST5EDT", "CET", "CEST", "GMT+1", "UTC+1",
    "Etc/GMT+14", "Etc/GMT+15", "Etc/GMT-14", "posix/Europe/Berlin", "right/UTC", "posixrules", "localtime",
    "Factory", "Z", "+01:00", "", " ", "zone.tab", "tzdata.zi", "leapseconds", "Europe/Berlin\u00a0",
    "Europe/Berlin\u200b", "Еurope/Berlin", "A" * 300, "America/" + "x" * 5000, "UTC\\0", "Europe/*", "%",
]
HHMM = ["14:30", "00:00", "23:59", "24:00", "7:30", "07:5", "14:30:00", "25:00", "-1:00", "14h30", "２３:５９",
        "14:60", "2:30", "02:30", "00:30", "23:30", "", " 14:30", "14:30 ", "14.30", "1430"]
UUID_SHAPES = [
    lambda u: u.upper(), lambda u: "{" + u + "}", lambda u: u.replace("-", ""), lambda u: "urn:uuid:" + u,
    lambda u: u[:-1], lambda u: u + "0", lambda u: u[:-1] + "g", lambda u: " " + u, lambda u: u + "\n",
    lambda u: u.replace("-", "\u2010"), lambda u: "00000000-0000-0000-0000-000000000000",
    lambda u: "ffffffff-ffff-ffff-ffff-ffffffffffff", lambda u: "not-a-uuid", lambda u: "contact-uuid-123",
    lambda u: u[:8] + u[9:13] + "-" + u[13:], lambda u: "", lambda u: u * 2,
]
ALL_IDS = [ACTOR, USER2, USER_GONE, USER_NOSCOPE, AGENT, AGENT_GONE, FOREIGN_USER, FOREIGN_AGENT] + list(REC.values())

# --------------------------------------------------------------------------
# Targets: a valid base body, the type of each field, the documented errors
# --------------------------------------------------------------------------


def native_bases(r):
    deps = DEPS[:1]
    full = {
        "title": "Call back about lab results", "description": "**Urgent**: results are in.", "status": "In progress",
        "priority": "high", "type": "call", "tags": ["lab", "callback"], "due_at": "2026-03-10T09:00",
        "timezone": "Europe/Berlin", "scheduled_start": "2026-03-09T08:00:00Z",
        "scheduled_end": "2026-03-09T09:30:00+01:00", "sort_order": 2.5, "metadata": {"source": "fax", "pages": 3},
        "assignee_ids": [USER2, AGENT], "contact_name": "hans mueller", "patient_id": REC["patient"],
        "links": [{"kind": "company", "name": "Globex", "relation": "billing_company"},
                  {"kind": "project", "id": REC["project"]}],
        "notes": ["Patient prefers mornings"], "dependency_ids": deps,
    }
    return r.choice([
        full,
        {"title": "Minimal"},
        {"title": "All day", "due_date": "2026-03-10", "timezone": "America/Santiago", "status": "done",
         "external_id": "ext-%d" % r.randrange(10 ** 9), "created_at": "2024-01-02T03:04:05Z"},
        {"title": "Done", "status": "Done", "completed_at": "2026-03-10T09:00:00Z", "deadline": "2026-03-11T00:00:00Z",
         "company_id": REC["company"], "created_by": USER2, "contact_id": REC["contact"], "contact_name": "Anna Schmidt"},
    ])


NATIVE_FIELDS = {
    "title": "text", "description": "longtext", "status": ("enum", ["To do", "In progress", "Done", "Blocked", "Backlog",
                                                                     "Cancelled", "todo", "in_progress", "done",
                                                                     "blocked", "backlog", "cancelled"]),
    "status_id": "uuid", "priority": ("enum", ["low", "medium", "high", "urgent"]), "type": "text",
    "tags": "string_array", "due_date": "date", "due_at": "datetime", "timezone": "zone", "deadline": "datetime",
    "scheduled_start": "datetime", "scheduled_end": "datetime", "completed_at": "datetime", "created_at": "datetime",
    "sort_order": "number", "metadata": "object", "external_id": "text", "created_by": "uuid",
    "assignee_ids": "uuid_array", "links": "links", "contact_id": "uuid", "contact_name": "name",
    "patient_id": "uuid", "patient_name": "name", "company_id": "uuid", "company_name": "name",
    "dependency_ids": "uuid_array", "notes": "string_array",
}


def lightfield_bases(r):
    return r.choice([
        {"fields": {"$title": "Send the renewal proposal", "$status": "TODO", "$description": "**md**",
                    "$dueAt": "2026-03-10T09:00:00+01:00"},
         "relationships": {"$assignedTo": USER2, "$createdBy": ACTOR, "$account": REC["account"],
                           "$opportunity": REC["opportunity"], "partners": [REC["account"]],
                           "champion": REC["contact"]}},
        {"fields": {"$title": "t", "$status": "COMPLETE"}, "relationships": {"$assignedTo": [AGENT]}},
    ])


LIGHTFIELD_FIELDS = {
    "fields": "object", "relationships": "object",
    "fields.$title": "text", "fields.$status": ("enum", ["TODO", "IN_PROGRESS", "COMPLETE", "CANCELLED"]),
    "fields.$description": "longtext", "fields.$dueAt": "datetime",
    "relationships.$assignedTo": "uuid_or_array", "relationships.$createdBy": "uuid_or_array",
    "relationships.$account": "uuid_or_array", "relationships.$opportunity": "uuid_or_array",
    "relationships.partners": "uuid_or_array", "relationships.champion": "uuid_or_array",
    "relationships.$note": "uuid_or_array",
}


def leadlex_bases(r):
    return r.choice([
        {"title": "Follow up with Hans Müller", "description": "d", "status": "open", "priority": "high",
         "task_type": "call", "due_date": "2026-03-10", "assignee_id": USER2, "contact_id": REC["contact"],
         "company_id": REC["company"], "deal_id": REC["deal"], "event_id": REC["event"],
         "created_date": "2025-01-02T03:04:05Z"},
        {"title": "By name", "contact_name": "müller, hans", "company_name": "Globex",
         "due_date": "2026-03-10T09:00:00+01:00", "status": "completed"},
    ])


LEADLEX_FIELDS = {
    "title": "text", "description": "longtext", "status": ("enum", ["open", "in_progress", "completed"]),
    "priority": ("enum", ["low", "medium", "high"]), "task_type": "text", "due_date": "date_or_datetime",
    "assignee_id": "uuid", "contact_id": "uuid", "company_id": "uuid", "deal_id": "uuid", "event_id": "uuid",
    "contact_name": "name", "company_name": "name", "created_date": "datetime",
}


def vambe_bases(r):
    return r.choice([
        {"title": "Follow up with customer", "description": "Call customer", "priority": "1",
         "responsibleIds": [USER2], "dueDate": "2025-10-25", "dueTime": "14:30", "timezone": "America/Santiago",
         "aiContactId": REC["contact"], "aiCustomerId": REC["customer"], "associateToCalendar": True},
        {"title": "Review", "description": None, "dueDate": None, "dueTime": None, "timezone": None,
         "responsibleIds": [ACTOR, USER2], "aiContactId": None, "aiCustomerId": None, "priority": "0"},
        {"title": "Instant", "priority": "2", "responsibleIds": [USER2], "dueDate": "2025-10-25T14:00:00.000Z",
         "dueTime": "14:00", "timezone": "america/santiago"},
    ])


VAMBE_FIELDS = {
    "title": "text", "description": "longtext", "priority": ("enum", ["0", "1", "2"]),
    "responsibleIds": "uuid_array", "dueDate": "date_or_datetime", "dueTime": "hhmm", "timezone": "zone",
    "aiContactId": "uuid", "aiCustomerId": "uuid", "associateToCalendar": "bool",
}


def care_bases(r):
    return r.choice([
        {"title": "Verify benefits", "description": "Call the payer", "assigned_user_ids": [USER2],
         "created_by_id": ACTOR, "deadline": "2023-11-07T05:31:56Z", "tags": ["vob"], "call_id": REC["call"],
         "fax_id": REC["fax"], "assistant_id": REC["assistant"], "session_id": REC["session"],
         "patient_id": REC["patient"], "status": "pending", "priority": "medium", "type": "vob"},
        {"title": "t", "description": "d", "assigned_user_ids": [AGENT, USER2], "created_by_id": USER_GONE,
         "deadline": "2023-11-07 05:31:56.5+0100", "status": "completed", "patient_id": "", "type": ""},
    ])


CARE_FIELDS = {
    "title": "text", "description": "longtext", "assigned_user_ids": "uuid_array", "created_by_id": "uuid",
    "deadline": "datetime", "tags": "string_array", "call_id": "uuid", "fax_id": "uuid", "assistant_id": "uuid",
    "session_id": "uuid", "patient_id": "uuid", "status": ("enum", ["pending", "in_progress", "completed"]),
    "priority": ("enum", ["low", "medium", "high", "urgent"]), "type": "text",
}


def acp_bases(r):
    return r.choice([
        {"title": "Ship the release", "description": "d", "status": "todo", "priority": "high",
         "projectId": REC["project"], "releaseId": REC["release"], "sprintId": REC["sprint"], "assigneeAgentId": AGENT,
         "dependencyIds": DEPS[:2], "linkedThreadIds": [REC["thread"], REC["thread2"]],
         "lastStartedThreadId": REC["thread"], "scheduledStartAt": "2026-03-10T09:00:00Z",
         "scheduledEndAt": "2026-03-10T12:00:00+01:00", "dueAt": "2026-03-11T00:00:00Z", "sortOrder": 1.5,
         "metadata": {"k": "v"}},
        {"title": "Done already", "status": "done", "completedAt": "2026-03-10T09:00:00Z"},
        {"title": "Minimal"},
    ])


ACP_FIELDS = {
    "title": "text", "description": "longtext", "status": ("enum", ["backlog", "todo", "in_progress", "blocked", "done"]),
    "priority": ("enum", ["low", "medium", "high", "urgent"]), "projectId": "uuid", "releaseId": "uuid",
    "sprintId": "uuid", "assigneeAgentId": "uuid", "dependencyIds": "uuid_array", "linkedThreadIds": "uuid_array",
    "lastStartedThreadId": "uuid", "scheduledStartAt": "datetime", "scheduledEndAt": "datetime", "dueAt": "datetime",
    "completedAt": "datetime", "sortOrder": "number", "metadata": "object", "id": "uuid", "userId": "uuid",
    "createdAt": "datetime",
}


def resolve_bases(r):
    return {"kind": r.choice(["contact", "company", "patient", "project"]),
            "name": r.choice(["hans mueller", "Müller, Hans", "Anna Schmidt", "Globex", "ivanov", "Zoe", "x"])}


RESOLVE_FIELDS = {"kind": ("enum", ["contact", "company", "patient", "planet", "Contact"]), "name": "name"}


def time_bases(r):
    return {"value": r.choice(DATETIMES), "zone": r.choice(ZONES + [None]), "date": r.choice(DATES)}


TIME_FIELDS = {"value": "datetime", "zone": "zone", "date": "date"}


def record_bases(r):
    return {"kind": r.choice(["contact", "company", "patient"]), "name": "Fuzz Record %d" % r.randrange(10 ** 6),
            "external_id": "rec-%d" % r.randrange(10 ** 9), "data": {"a": 1}}


RECORD_FIELDS = {"kind": ("enum", ["contact", "company", "patient", "thread", "planet"]), "name": "name",
                 "external_id": "text", "data": "object", "id": "uuid"}

# name, function, bases, fields, weight, id path in the response, http dialect ("v1" for the native)
TARGETS = [
    ("native", "tasks.task_create", native_bases, NATIVE_FIELDS, 20, ("id",), None),
    ("native_http", "tasks_v1.task_create", native_bases, NATIVE_FIELDS, 8, ("id",), "v1"),
    ("lightfield", "tasks_lightfield.task_create", lightfield_bases, LIGHTFIELD_FIELDS, 12, ("id",), "lightfield"),
    ("leadlex", "tasks_leadlex.task_create", leadlex_bases, LEADLEX_FIELDS, 12, ("data", "id"), "leadlex"),
    ("vambe", "tasks_vambe.task_create", vambe_bases, VAMBE_FIELDS, 12, ("id",), "vambe"),
    ("care", "tasks_care.task_create", care_bases, CARE_FIELDS, 12, ("id",), "care"),
    ("acp", "tasks_acp.task_create", acp_bases, ACP_FIELDS, 12, ("task", "id"), "acp"),
    ("resolve", "tasks_fuzz.resolve", resolve_bases, RESOLVE_FIELDS, 4, None, None),
    ("time", "tasks_fuzz.time", time_bases, TIME_FIELDS, 4, None, None),
    ("record", "tasks.record_create", record_bases, RECORD_FIELDS, 4, None, None),
]
TARGET_BY_NAME = {t[0]: t for t in TARGETS}
# record (tasks.record_create, plpgsql) is opt-in: it answers 23505 for an id that
# is taken (doc/hardening.md, findings), which would fail every run until fixed.
DEFAULT_TARGETS = [t for t in TARGETS if t[0] != "record"]

PROBLEM_CODES = {
    "required", "empty", "too_short", "too_long", "too_many", "too_large", "invalid_type", "invalid_value",
    "invalid_uuid", "unknown_field", "unknown_kind", "invalid_date", "invalid_datetime", "timezone_required",
    "invalid_timezone", "nonexistent_local_time", "invalid_range", "out_of_range", "conflict", "not_found",
    "inactive", "ambiguous_reference", "duplicate", "too_many_problems",
}
DOCUMENTED = {"22023", "28000", "42501", "P0002", "22001"}
PARSE_OK = {"22P02", "22P05", "54001"}

# --------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------


def big_string(r, mode):
    sizes = [0, 1, 2, 254, 255, 256, 499, 500, 501, 1000, 4096, 65535, 65536, 65537, 99999, 100000, 100001]
    if r.random() < (0.02 if mode.long else 0.005):
        sizes = [1 << 20, (1 << 20) + 1, 5 << 20] + ([10 << 20, 100 << 20] if mode.huge else [])
    n = r.choice(sizes)
    kind = r.choice([1, 1, 2, 3, 4, "combining", "space", "nbsp", "zwj", "rtl", "bom", "nonchar", "cjk", "hangul",
                     "cyr", "ctrl", "del", "tab", "nl", "mixed"])
    if kind == "mixed":
        unit = "aü€😀\u0301 "
        return (unit * (n // len(unit) + 1))[:n]
    return CHARS[kind] * n


def deep(r, mode, depth=None):
    if depth is None:
        depth = r.choice([2, 10, 100, 1000, 5000, 10000] + ([100000, 300000] if mode.long else []))
    shape = r.choice(["array", "object", "mixed"])
    if shape == "array":
        return Raw("[" * depth + "1" + "]" * depth)
    if shape == "object":
        return Raw('{"a": ' * depth + "1" + "}" * depth)
    return Raw('[{"a": ' * (depth // 2) + "null" + "}]" * (depth // 2))


def huge_array(r, mode, item_kind):
    n = r.choice([0, 1, 2, 95, 96, 97, 99, 100, 101, 1000, 10000]
                 + ([100000, 1000000] if (mode.long and r.random() < 0.2) else []))
    if item_kind == "uuid":
        pool = ALL_IDS + [U("%03x" % r.randrange(4096))]
        if r.random() < 0.5:
            return [r.choice(pool)] * n   # duplicates collapse?
        return ["00000000-0000-7000-8f00-%012x" % r.randrange(1 << 48) for _ in range(n)]
    return [r.choice(["a", "tag", "", "ü" * 255, "x" * 256, 1, None]) for _ in range(n)] if r.random() < 0.3 \
        else ["t%d" % i for i in range(n)]


def random_json(r, depth=0):
    c = r.randrange(10 if depth < 3 else 6)
    if c == 0:
        return None
    if c == 1:
        return r.choice([True, False])
    if c == 2:
        return r.choice(NUMBERS[:12])
    if c == 3:
        return r.choice(UNICODE_EDGES)
    if c == 4:
        return r.choice(ALL_IDS)
    if c == 5:
        return r.choice(DATETIMES)
    if c in (6, 7):
        return [random_json(r, depth + 1) for _ in range(r.randrange(4))]
    return {r.choice(["a", "title", "id", "kind", "$title", "", "x" * 10]): random_json(r, depth + 1)
            for _ in range(r.randrange(4))}


def enum_neighbours(r, values):
    v = r.choice(values)
    return r.choice([
        v.upper(), v.lower(), v.title(), v.capitalize(), " " + v, v + " ", v + "\u200b", v[:-1], v + v[-1:],
        v.replace("o", "о"), v.replace("_", "-"), v.replace("_", " "), v.replace(" ", "_"), "", None, 0, 1, 2, 3, -1,
        "3", "-1", "01", "1.0", 1.0, [v], {"value": v}, "critical", "none", "urgent", "médium", "in-progress",
        "IN_PROGRESS", "TODO", "COMPLETE", "done", "completed", "pending", "open", "cancelled", "canceled", True,
    ] + values)


def uuid_value(r):
    c = r.random()
    if c < 0.5:
        return r.choice(ALL_IDS + DEPS + FOREIGN_DEP)
    if c < 0.8:
        return r.choice(UUID_SHAPES)(r.choice(ALL_IDS))
    return "%08x-%04x-%04x-%04x-%012x" % (r.randrange(1 << 32), r.randrange(1 << 16), r.randrange(1 << 16),
                                          r.randrange(1 << 16), r.randrange(1 << 48))


def typed_value(r, kind, mode):
    """A value aimed at a field of this kind: edge cases of its own type."""
    if isinstance(kind, tuple):
        return enum_neighbours(r, kind[1])
    if kind in ("text", "longtext", "name"):
        c = r.random()
        if c < 0.45:
            return big_string(r, mode)
        if c < 0.85:
            return r.choice(UNICODE_EDGES)
        return r.choice(JSON_ESCAPES)
    if kind == "uuid":
        return uuid_value(r)
    if kind == "uuid_or_array":
        return r.choice([uuid_value(r), [uuid_value(r)], [uuid_value(r), uuid_value(r)], [], huge_array(r, mode, "uuid")])
    if kind == "uuid_array":
        c = r.random()
        if c < 0.4:
            return huge_array(r, mode, "uuid")
        return [uuid_value(r) for _ in range(r.randrange(4))]
    if kind == "string_array":
        return huge_array(r, mode, "text") if r.random() < 0.5 else [r.choice(UNICODE_EDGES) for _ in range(3)]
    if kind == "datetime":
        return r.choice(DATETIMES)
    if kind == "date":
        return r.choice(DATES)
    if kind == "date_or_datetime":
        return r.choice(DATES + DATETIMES)
    if kind == "zone":
        return r.choice(ZONES)
    if kind == "hhmm":
        return r.choice(HHMM)
    if kind == "number":
        return r.choice(NUMBERS + INVALID_NUMBERS[:1] if r.random() < 0.02 else NUMBERS)
    if kind == "bool":
        return r.choice([True, False, None, "true", 1, 0, "yes", [], {}])
    if kind == "object":
        c = r.random()
        if c < 0.3:
            return deep(r, mode)
        if c < 0.5:
            return {"blob": big_string(r, mode)}
        if c < 0.6:
            return {("k%d" % i): i for i in range(r.choice([100, 5000, 70000]))}
        return random_json(r)
    if kind == "links":
        link = {"kind": r.choice(["contact", "company", "planet", "Contact", "", 1, None]),
                r.choice(["id", "name", "id", "name", "relation", "extra"]): r.choice([uuid_value(r), "hans mueller",
                                                                                        big_string(r, mode), None])}
        if r.random() < 0.3:
            link["relation"] = r.choice(["billing", "", "x" * 256, "ü" * 255, None, 5])
        return r.choice([[link], [link] * r.choice([100, 101, 1000]), link, [], [[link]], ["x"]])
    return random_json(r)


def generic_value(r, mode):
    c = r.random()
    if c < 0.25:
        return r.choice([None, True, False, 0, -1, 1.5, "", " ", "x", [], {}, [1], {"a": 1}, [None], [[]]])
    if c < 0.35:
        return r.choice(NUMBERS)
    if c < 0.5:
        return r.choice(UNICODE_EDGES + JSON_ESCAPES)
    if c < 0.6:
        return big_string(r, mode)
    if c < 0.7:
        return deep(r, mode)
    if c < 0.8:
        return huge_array(r, mode, r.choice(["uuid", "text"]))
    if c < 0.9:
        return random_json(r)
    return r.choice(DATETIMES + DATES + ZONES)


def get_container(body, path):
    """(container, key) for a dotted field path, creating nothing."""
    parts = path.split(".")
    cur = body
    for p in parts[:-1]:
        if not isinstance(cur, dict) or not isinstance(cur.get(p), dict):
            return None, None
        cur = cur[p]
    return (cur, parts[-1]) if isinstance(cur, dict) else (None, None)


def unknown_key(r):
    return r.choice(["colour", "$title", "Title", "title ", "ti\u00adtle", "__proto__", "constructor", "", "/", "~0",
                     "a/b~c", "k" * 10000, "\U0001f600", "tïtle", "\u0001", "status_id", "contactName",
                     "due_timezone", "dueTimezone", "statusId", "id", "workspace_id", "created_by", "userId"])


def mutate(r, body, fields, mode, log):
    """Applies one mutation to body (a dict) in place, or returns a replacement."""
    keys = list(fields.keys())
    op = r.choices(["typed", "generic", "delete", "null", "unknown", "dupkey", "root", "swap"],
                   weights=[40, 14, 10, 8, 8, 6, 3, 4])[0]
    if op in ("typed", "generic", "delete", "null", "swap"):
        path = r.choice(keys)
        cont, key = get_container(body, path)
        if cont is None:
            cont, key = body, path.split(".")[-1]
        if op == "typed":
            cont[key] = typed_value(r, fields[path], mode)
        elif op == "generic":
            cont[key] = generic_value(r, mode)
        elif op == "delete":
            cont.pop(key, None)
        elif op == "null":
            cont[key] = None
        else:  # a value that fits another field of the payload
            other = r.choice(keys)
            cont[key] = typed_value(r, fields[other], mode)
        log.append("%s %s" % (op, path))
        return body
    if op == "unknown":
        k = unknown_key(r)
        cont, _ = get_container(body, r.choice(keys))
        (cont if cont is not None else body)[k] = generic_value(r, mode)
        log.append("unknown key %r" % k[:30])
        return body
    if op == "dupkey":
        path = r.choice(keys)
        cont, key = get_container(body, path)
        if cont is None or key not in cont:
            cont, key = body, r.choice(list(body.keys()) or ["title"])
        pairs = Obj(cont.items())
        pairs.insert(r.randrange(len(pairs) + 1), (key, typed_value(r, fields.get(path, "text"), mode)))
        log.append("duplicate key %s" % key)
        if cont is body:
            return pairs
        parent, pkey = get_container(body, path.rsplit(".", 1)[0]) if "." in path else (None, None)
        if parent is not None:
            parent[pkey] = pairs
        return body
    # root
    log.append("root replaced")
    return r.choice([[], [body], "body", 1, None, True, Raw("1e400"), deep(r, mode), {}, Obj([("title", "a"), ("title", 1)])])


IDENT_SQL = {"workspace_id": WS, "actor_id": ACTOR}


def claims_for(actor=ACTOR, ws=WS):
    return json.dumps({"role": "tasks_api", "workspace_id": ws, "member_id": actor, "scopes": SCOPES})


def identity(r, http, log):
    """The identity of a call: normally the fuzz actor; sometimes a broken one."""
    if r.random() >= 0.04:
        return {"claims": claims_for()} if http else dict(IDENT_SQL)
    choices = [
        ("no workspace", {}),
        ("malformed workspace", {"workspace_id": "not-a-uuid", "actor_id": ACTOR}),
        ("unknown workspace", {"workspace_id": "00000000-0000-7000-8f00-0000000000ff", "actor_id": ACTOR}),
        ("actor of another workspace", {"workspace_id": WS, "actor_id": FOREIGN_USER}),
        ("malformed actor", {"workspace_id": WS, "actor_id": "bob"}),
        ("unknown actor", {"workspace_id": WS, "actor_id": U("1ff")}),
        ("inactive actor", {"workspace_id": WS, "actor_id": USER_GONE}),
        ("agent actor", {"workspace_id": WS, "actor_id": AGENT}),
        ("actor without scopes", {"workspace_id": WS, "actor_id": USER_NOSCOPE}),
        ("no actor", {"workspace_id": WS}),
        ("claims: workspace is a number", {"claims": json.dumps({"workspace_id": 5})}),
        ("claims: not JSON", {"claims": "{not json"}),
        ("claims: array", {"claims": "[1]"}),
        ("claims: no scopes", {"claims": json.dumps({"workspace_id": WS, "member_id": ACTOR})}),
        ("claims: scope string", {"claims": json.dumps({"workspace_id": WS, "member_id": ACTOR, "scope": "tasks:create activities:write"})}),
        ("claims: sub", {"claims": json.dumps({"workspace_id": WS, "sub": ACTOR, "scopes": SCOPES})}),
        ("claims: sub not a uuid", {"claims": json.dumps({"workspace_id": WS, "sub": "auth0|123", "scopes": SCOPES})}),
        ("claims: member of another workspace", {"claims": claims_for(FOREIGN_USER)}),
        ("claims: scopes wrong type", {"claims": json.dumps({"workspace_id": WS, "member_id": ACTOR, "scopes": 5})}),
        ("claims: huge", {"claims": json.dumps({"workspace_id": WS, "member_id": ACTOR, "x": "y" * 100000})}),
    ]
    name, ident = r.choice(choices)
    log.append("identity: " + name)
    return ident


def http_headers(r, log, pool):
    h = {}
    c = r.random()
    if c < 0.3:
        h["idempotency-key"] = r.choice(pool)
        log.append("idempotency key from the pool")
    elif c < 0.35:
        h["idempotency-key"] = r.choice(["", "k" * 255, "k" * 256, "ü" * 255, "ü" * 256, "\u0001", " "])
        log.append("odd idempotency key")
    return {"headers": h}


class Case:
    __slots__ = ("seed", "index", "target", "fn", "text", "ident", "http", "log", "commit", "huge")


def make_case(seed, index, mode):
    """Case index of seed: the same (seed, index) always gives the same case.  A case over
    the size limit (several big mutations multiplied) is drawn again, also repeatably."""
    for attempt in range(100):
        c = draw_case(seed, index, attempt, mode)
        if len(c.text) <= mode.max_bytes:
            return c
    return c


def draw_case(seed, index, attempt, mode):
    r = random.Random((seed << 40) ^ index ^ (attempt << 62))
    targets = mode.target_list
    name, fn, bases, fields, _, _, dialect = r.choices(targets, weights=[t[4] for t in targets])[0]
    c = Case()
    c.seed, c.index, c.target, c.fn, c.log = seed, index, name, fn, []
    body = json.loads(json.dumps(bases(r)))   # a fresh copy
    n = r.choices([0, 1, 2, 3, 5], weights=[4, 50, 25, 13, 8])[0]
    for _ in range(n):
        if not isinstance(body, dict):
            break
        body = mutate(r, body, fields, mode, c.log)
    text = to_text(body)
    if r.random() < 0.01:   # not JSON at all
        cut = r.randrange(len(text) + 1)
        text = text[:cut] + r.choice(["", "}", "\"", ",", "]", "'"])
        c.log.append("text cut at %d" % cut)
    c.text = text
    c.http = None
    if dialect is not None and (name == "native_http" or r.random() < 0.25):
        c.http = http_headers(r, c.log, mode.key_pool)
        c.log.append("http")
    c.ident = identity(r, c.http is not None, c.log)
    c.commit = r.random() < 0.02
    c.huge = len(text) > 1000000
    return c


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def check_problems(problems, raw):
    if problems is None:
        return "22023 DETAIL is not JSON: %r" % (raw or "")[:200]
    if not isinstance(problems, list) or not problems:
        return "22023 DETAIL is not a non-empty array"
    for p in problems:
        if not isinstance(p, dict) or not isinstance(p.get("path"), str) or not isinstance(p.get("message"), str):
            return "22023 problem without path/message: %r" % (p,)
        if p.get("code") not in PROBLEM_CODES:
            return "22023 problem with an undocumented code %r at %s" % (p.get("code"), p.get("path"))
        if p["path"] and not p["path"].startswith("/"):
            return "22023 problem path is not a JSON pointer: %r" % p["path"]
    return None


def check_vendor_body(dialect, status, body):
    """The vendor error body of a dialect: None when it has the documented shape."""
    if not isinstance(body, dict):
        return "vendor body is not an object: %r" % (body,)
    if dialect == "lightfield":
        e = body.get("error")
        if not isinstance(e, dict) or not isinstance(e.get("type"), str) or not isinstance(e.get("message"), str):
            return "lightfield body without error.type/message"
    elif dialect in ("leadlex", "acp"):
        e = body.get("error")
        if not isinstance(e, dict) or not isinstance(e.get("code"), str) or not isinstance(e.get("message"), str):
            return "%s body without error.code/message" % dialect
    elif dialect == "vambe":
        if body.get("statusCode") != status or not isinstance(body.get("message"), str):
            return "vambe body statusCode %r does not match %d" % (body.get("statusCode"), status)
    elif dialect == "care":
        if not isinstance(body.get("detail"), (list, str)):
            return "care body without detail"
    elif dialect == "v1":
        if not isinstance(body.get("code"), str) or not isinstance(body.get("message"), str):
            return "v1 body without code/message"
    return None


def dig(obj, path):
    for k in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.conn = None
        self.stats = {}
        self.findings = []
        self.passed = 0
        self.failed = 0
        self.crashes = 0
        self.trimmed = 0
        self.reasons = {}
        self.out = args.out

    # -- connection -------------------------------------------------------
    def connect(self):
        kw = {"dbname": self.args.dbname}
        for k in ("host", "port", "user"):
            if getattr(self.args, k):
                kw[k] = getattr(self.args, k)
        self.conn = psycopg2.connect(application_name="tasks-fuzz", **kw)
        # An idle second session: a backend crash makes the postmaster end every
        # session, so the sentinel tells a crash from a connection closed on its own.
        self.sentinel = psycopg2.connect(application_name="tasks-fuzz-sentinel", **kw)
        self.sentinel.autocommit = True
        self.conn.set_session(autocommit=False)
        cur = self.conn.cursor()
        cur.execute("SET statement_timeout = %s", ("%ds" % self.args.timeout,))
        cur.execute("SET client_min_messages = warning")
        self.conn.commit()
        cur.execute("SELECT pg_backend_pid()")
        self.pid = cur.fetchone()[0]
        self.conn.commit()

    def sentinel_alive(self):
        try:
            cur = self.sentinel.cursor()
            cur.execute("SELECT 1")
            cur.fetchone()
            return True
        except psycopg2.Error:
            return False

    def load_ids(self):
        cur = self.conn.cursor()
        cur.execute("SELECT id::text FROM tasks.tasks WHERE workspace_id = %s AND title LIKE 'fuzz dependency %%' ORDER BY title", (WS,))
        DEPS[:] = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id::text FROM tasks.tasks WHERE workspace_id = %s AND title = 'fuzz foreign dependency'", (WS_OTHER,))
        FOREIGN_DEP[:] = [r[0] for r in cur.fetchall()]
        self.conn.rollback()
        if len(DEPS) < 2:
            raise SystemExit("the fuzz fixture is missing: run with --setup")

    def setup(self):
        kw = {"dbname": "postgres"}
        for k in ("host", "port", "user"):
            if getattr(self.args, k):
                kw[k] = getattr(self.args, k)
        c = psycopg2.connect(**kw)
        c.autocommit = True
        cur = c.cursor()
        cur.execute("DROP DATABASE IF EXISTS %s" % psycopg2.extensions.quote_ident(self.args.dbname, cur))
        cur.execute("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                    % psycopg2.extensions.quote_ident(self.args.dbname, cur))
        c.close()
        self.connect()
        cur = self.conn.cursor()
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION tasks CASCADE")
        with open(os.path.join(HERE, "setup.sql"), encoding="utf-8") as f:
            cur.execute(f.read())
        self.conn.commit()
        self.conn.close()

    # -- one case ---------------------------------------------------------
    def save(self, case, why, extra=None):
        os.makedirs(self.out, exist_ok=True)
        base = os.path.join(self.out, "case-%d-%d" % (case.seed, case.index))
        with open(base + ".json", "w", encoding="utf-8") as f:
            f.write(case.text)
        meta = {"seed": case.seed, "index": case.index, "target": case.target, "function": case.fn,
                "identity": case.ident, "http": case.http, "mutations": case.log, "why": why,
                "payload_file": base + ".json", "payload_bytes": len(case.text.encode("utf-8"))}
        if extra:
            meta["outcome"] = extra
        with open(base + ".meta.json", "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1, ensure_ascii=False, default=str)
        with open(base + ".sql", "w", encoding="utf-8") as f:
            f.write("-- %s\n-- replay: python3 test/fuzz/fuzz_payloads.py --replay %d:%d\n" % (why, case.seed, case.index))
            f.write("-- in the fuzz database (setup.sql), as a superuser:\n")
            f.write("SELECT jsonb_pretty(tasks_fuzz.call(%s, pg_read_file(%s), %s, %s));\n" % (
                sql_lit(case.fn), sql_lit(base + ".json"), sql_lit(json.dumps(case.ident)) + "::jsonb",
                (sql_lit(json.dumps(case.http)) + "::jsonb") if case.http is not None else "NULL"))
        return base

    def finding(self, case, why, outcome=None):
        # Every finding is counted and printed; only the first --save-max of one reason
        # are saved (a long run repeats one bug hundreds of times, with payloads of 40 MB).
        reason = re.sub(r"\d+", "N", why)[:120]
        seen = self.reasons.get(reason, 0)
        self.reasons[reason] = seen + 1
        if seen < self.args.save_max:
            base = self.save(case, why, outcome)
            where = "saved %s.*" % base
        else:
            base = None
            where = "not saved (this reason %d times already)" % seen
        self.findings.append((case, why, base))
        sys.stdout.write("FINDING %d:%d [%s] %s\n    %s\n    %s\n" % (
            case.seed, case.index, case.target, why, "; ".join(case.log)[:300], where))
        sys.stdout.flush()

    def run_case(self, case):
        cur = self.conn.cursor()
        del self.conn.notices[:]
        t0 = time.monotonic()
        try:
            cur.execute("SELECT tasks_fuzz.call(%s, %s, %s::jsonb, %s::jsonb)",
                        (case.fn, case.text, json.dumps(case.ident),
                         json.dumps(case.http) if case.http is not None else None))
            res = cur.fetchone()[0]
        except psycopg2.Error as e:
            elapsed = time.monotonic() - t0
            if self.conn.closed or e.pgcode is None:
                first = (str(e).strip().splitlines() or ["?"])[0]
                if self.sentinel_alive():
                    self.stat(case, "CLOSED")
                    self.fail(case, "the server closed the session, without a crash (%s): see its log" % first,
                              {"elapsed": elapsed})
                else:
                    self.crashes += 1
                    self.stat(case, "CRASH")
                    # With shards, one crash ends every shard's session: the case that
                    # crashed is the one whose pid the server log names ("PID n ... signal").
                    self.fail(case, "the backend crashed: the server ended every session (%s); backend pid %d"
                              % (first, self.pid), {"elapsed": elapsed})
                return False
            # tasks_fuzz.call catches everything but what cannot be caught (57014, ...)
            self.conn.rollback()
            self.stat(case, e.pgcode or "?")
            why = "uncaught error %s: %s" % (e.pgcode, (e.pgerror or "").strip()[:300])
            if e.pgcode == "57014":
                why = "statement_timeout (%ds) reached after %.1fs: an input this slow is a DoS" % (self.args.timeout, elapsed)
                if elapsed > self.args.timeout + 10:
                    why += "; and the cancel came %.0fs late: an uninterruptible loop" % (elapsed - self.args.timeout)
            self.fail(case, why, {"elapsed": elapsed})
            return True
        elapsed = time.monotonic() - t0
        problem = self.check(case, res, cur)
        warnings = [n.strip() for n in self.conn.notices if n.startswith("WARNING")]
        if problem is None and warnings:
            problem = "WARNING emitted: " + warnings[0][:300]
        if problem is None and elapsed > self.args.timeout + 10:
            problem = "the call took %.0fs, more than statement_timeout allows: uninterruptible" % elapsed
        if problem is None and elapsed > self.args.slow:
            self.slow.append((elapsed, case.seed, case.index, case.target, "; ".join(case.log)[:200]))
        if problem is None and res.get("stage") == "ok" and (case.commit or (case.http and case.http["headers"].get("idempotency-key"))):
            self.conn.commit()
        else:
            self.conn.rollback()
        if problem:
            self.fail(case, problem, res)
        else:
            self.passed += 1
        return True

    def stat(self, case, outcome):
        key = (case.target, outcome)
        self.stats[key] = self.stats.get(key, 0) + 1

    def fail(self, case, why, outcome):
        self.failed += 1
        self.finding(case, why, outcome)

    def check(self, case, res, cur):
        stage = res.get("stage")
        target = TARGET_BY_NAME[case.target]
        dialect = target[6]
        if stage == "parse":
            self.stat(case, "parse " + res.get("sqlstate", "?"))
            if res.get("sqlstate") not in PARSE_OK:
                return "the JSON text failed with SQLSTATE %s (%s)" % (res.get("sqlstate"), res.get("message"))
            return None
        before, after = res.get("before"), res.get("after")
        if stage == "call":
            st = res.get("sqlstate") or "?"
            self.stat(case, st)
            if before != after:
                return "a failed call (%s) changed rows: %s -> %s" % (st, before, after)
            if case.target == "time" and st in ("22007", "22008", "22023"):
                return None   # tasks.parse_instant / parse_date: format, range, zone (README)
            if st == "22023":
                if case.target in ("resolve", "time"):   # not a payload: arguments, no problem list
                    return None
                return check_problems(res.get("detail_json"), res.get("detail"))
            if re.fullmatch(r"PT4\d\d", st):
                if dialect is None or dialect == "v1":
                    return "vendor error %s from the native API" % st
                body = res.get("detail_json")
                if body is None:
                    return "%s DETAIL is not JSON: %r" % (st, (res.get("detail") or "")[:200])
                return check_vendor_body(dialect, int(st[2:]), body)
            if st in DOCUMENTED:
                return None
            if st in ("22P02", "22P05") and ("claims" in json.dumps(case.ident) and "not json" in json.dumps(case.ident)):
                return None   # the request.jwt.claims setting itself is not JSON
            return "undocumented SQLSTATE %s: %s" % (st, (res.get("message") or "")[:300])
        # success
        result = res.get("result")
        status = res.get("status")
        headers = res.get("headers") or ""
        if case.http is not None:
            self.stat(case, "http %s" % status)
            try:
                code = int(status)
            except (TypeError, ValueError):
                return "HTTP call without response.status"
            if code >= 500 or code < 200:
                return "HTTP status %d" % code
            if code >= 400:
                if before != after:
                    return "HTTP %d answered, but rows changed: %s -> %s" % (code, before, after)
                return check_vendor_body(dialect, code, result)
            if "Idempotent-Replayed" in headers:
                if before != after:
                    return "an idempotent replay changed rows: %s -> %s" % (before, after)
                return None
        else:
            self.stat(case, "ok")
        if case.target == "resolve":
            ok = result is None or (isinstance(result, dict) and
                                    result.get("status") in ("resolved", "ambiguous", "not_found", "invalid"))
            return None if ok else "resolve answered %r" % (result,)
        if not isinstance(result, dict):
            return "success without an object: %r" % (result,)
        if case.target == "time":
            return None if result is None or isinstance(result, dict) else "time answered %r" % (result,)
        if case.target == "record":
            return None if after["records"] == before["records"] + 1 else "record_create stored %d records" % (after["records"] - before["records"])
        if after["tasks"] != before["tasks"] + 1:
            return "a success stored %d tasks" % (after["tasks"] - before["tasks"])
        if after["idempotency"] - before["idempotency"] not in (0, 1):
            return "a success stored %d idempotency keys" % (after["idempotency"] - before["idempotency"])
        tid = dig(result, target[5])
        if not isinstance(tid, str):
            return "no task id at %s in the response" % "/".join(target[5])
        cur.execute("SELECT tasks_fuzz.task_exists(%s)", (tid,))
        if not cur.fetchone()[0]:
            return "the returned id %s names no task" % tid
        return None

    def trim(self):
        """Deletes what committed successes stored (tasks_fuzz.trim), in its own transaction:
        the before/after counts stay as cheap at case 1,000,000 as at case 1.  The checks
        are unchanged: they compare counts inside one transaction."""
        try:
            cur = self.conn.cursor()
            cur.execute("SELECT tasks_fuzz.trim()")
            self.trimmed += cur.fetchone()[0] or 0
            self.conn.commit()
        except psycopg2.Error as e:
            if self.conn.closed:
                return   # the next case sees the dead backend and reports it
            self.conn.rollback()
            sys.stdout.write("trim failed: %s\n" % (str(e).strip().splitlines() or ["?"])[0])

    def memory(self):
        cur = self.conn.cursor()
        cur.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        v = cur.fetchone()[0]
        self.conn.rollback()
        return int(v or 0)

    def wait_for_server(self):
        for c in (self.conn, self.sentinel):
            try:
                c.close()
            except psycopg2.Error:
                pass
        for _ in range(120):
            try:
                self.connect()
                return True
            except psycopg2.OperationalError:
                time.sleep(1)
        return False

    def run(self):
        mode = self.args
        mode.key_pool = ["fuzz-%d-%d" % (self.args.seed, i) for i in range(20)]
        self.slow = []
        self.connect()
        self.load_ids()
        t0 = time.monotonic()
        mem0 = self.memory()
        last = t0
        end = self.args.start + self.args.count
        i = self.args.start
        for i in range(self.args.start, end):
            case = make_case(self.args.seed, i, mode)
            if not self.run_case(case):
                if not self.args.keep_going or not self.wait_for_server():
                    i += 1
                    break
                self.load_ids()
            if self.args.trim_every and (i + 1 - self.args.start) % self.args.trim_every == 0:
                self.trim()
            now = time.monotonic()
            if now - last >= self.args.progress:
                last = now
                done = i + 1 - self.args.start
                sys.stdout.write("progress: %d/%d payloads, %.0f/s, %d failed, backend memory %d kB\n" % (
                    done, self.args.count, done / (now - t0), self.failed, self.memory() // 1024))
                sys.stdout.flush()
        else:
            i = end
        elapsed = time.monotonic() - t0
        try:
            mem1 = self.memory()
        except psycopg2.Error:
            mem1 = 0
        self.report(i - self.args.start, elapsed, mem0, mem1)

    def report(self, n, elapsed, mem0, mem1):
        print("== %d payloads in %.1fs (%.0f/s), seed %d, cases %d..%d" % (
            n, elapsed, n / elapsed if elapsed else 0, self.args.seed, self.args.start, self.args.start + n - 1))
        targets = sorted({t for t, _ in self.stats})
        for t in targets:
            parts = sorted(((o, c) for (tt, o), c in self.stats.items() if tt == t), key=lambda x: -x[1])
            print("   %-12s %s" % (t, ", ".join("%s %d" % (o, c) for o, c in parts)))
        if mem1:
            print("   backend memory (all contexts): %d kB at start, %d kB at the end" % (mem0 // 1024, mem1 // 1024))
        if self.slow:
            self.slow.sort(reverse=True)
            print("   slowest calls (> %.1fs):" % self.args.slow)
            for e, s, idx, t, log in self.slow[:5]:
                print("     %.2fs %d:%d [%s] %s" % (e, s, idx, t, log))
        if self.findings:
            print("   findings: %d (crashes: %d), reproducers in %s" % (len(self.findings), self.crashes, self.out))
            for reason, c in sorted(self.reasons.items(), key=lambda x: -x[1]):
                print("     %6d x %s" % (c, reason))
        print("%d passed, %d failed" % (self.passed, self.failed))


def sql_lit(s):
    return "'" + str(s).replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host")
    ap.add_argument("--port")
    ap.add_argument("--user")
    ap.add_argument("--dbname", default="tasks_fuzz")
    ap.add_argument("--setup", action="store_true", help="(re)create the database and the fixture first")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--long", action="store_true", help="allow larger inputs (1-5 MB strings, 10^6-element arrays, 300k nesting)")
    ap.add_argument("--huge", action="store_true", help="with --long: also 10 MB and 100 MB strings")
    ap.add_argument("--max-bytes", type=int, dest="max_bytes",
                    help="largest payload sent (default 16 MB; 64 MB with --long, 256 MB with --huge)")
    ap.add_argument("--timeout", type=int, default=30, help="statement_timeout per call, seconds")
    ap.add_argument("--slow", type=float, default=2.0, help="report calls slower than this, seconds")
    ap.add_argument("--progress", type=float, default=30.0, help="seconds between progress lines")
    ap.add_argument("--trim-every", type=int, default=1000, dest="trim_every",
                    help="every N cases, delete what committed successes stored (0: never)")
    ap.add_argument("--save-max", type=int, default=20, dest="save_max",
                    help="reproducers saved per distinct reason of a finding (all are counted)")
    ap.add_argument("--keep-going", action="store_true", help="after a crash, wait for the restart and go on")
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "tasks-fuzz"),
                    help="where reproducers go")
    ap.add_argument("--replay", help="SEED:INDEX: print one case and run it")
    ap.add_argument("--targets", help="comma-separated list of: " + ", ".join(t[0] for t in TARGETS)
                    + " (default: all but record)")
    args = ap.parse_args()
    if args.max_bytes is None:
        args.max_bytes = (256 if args.huge else 64 if args.long else 16) << 20
    if args.targets:
        unknown = [n for n in args.targets.split(",") if n not in TARGET_BY_NAME]
        if unknown:
            ap.error("unknown target(s): " + ", ".join(unknown))
        args.target_list = [TARGET_BY_NAME[n] for n in args.targets.split(",")]
    else:
        args.target_list = DEFAULT_TARGETS

    fz = Fuzzer(args)
    if args.setup:
        fz.setup()
    if args.replay:
        seed, idx = (int(x) for x in args.replay.split(":"))
        args.key_pool = ["fuzz-%d-%d" % (seed, i) for i in range(20)]
        fz.connect()
        fz.load_ids()
        case = make_case(seed, idx, args)
        print("target %s (%s), %d bytes, mutations: %s" % (case.target, case.fn, len(case.text), "; ".join(case.log)))
        print("identity %s, http %s" % (json.dumps(case.ident)[:200], json.dumps(case.http)))
        print("payload: " + (case.text if len(case.text) < 2000 else case.text[:2000] + "... (%d bytes)" % len(case.text)))
        fz.slow = []
        ok = fz.run_case(case)
        print("%d passed, %d failed" % (fz.passed, fz.failed))
        sys.exit(0 if ok and fz.failed == 0 else 1)
    fz.run()
    sys.exit(0 if fz.failed == 0 else 1)


if __name__ == "__main__":
    main()
