"""The tasks extension over HTTP, through the emulated PostgREST (pgrst.py).

Every request goes through a NOINHERIT authenticator (never a superuser),
configured like doc/postgrest.conf: profiles tasks_v1 (default),
tasks_lightfield, tasks_leadlex, tasks_vambe, tasks_care, tasks_acp;
db-anon-role tasks_anon; db-pre-request tasks.pre_request; jwt-secret equal to
the database's tasks.jwt_secret, so the harness verifies API keys sent as
`Authorization: Bearer` as HS256 JWTs and passes their claims, as PostgREST
does.  Keys go in `Authorization: Bearer` for v1/lightfield/leadlex/acp and in
`x-api-key` for vambe/care.

The superuser connection of the runner only builds the fixtures
(fixtures_api.py) and counts rows: a failing request must write nothing.

Sections: the dialects' documented examples and errors; credentials;
security (tenant isolation, forged headers and tokens, anonymous calls,
decoys on the search path); idempotency.
"""

import json
import re
import uuid

import psycopg2

import pgrst
from fixtures_api import PROFILES, World, auth_headers

W = {}          # "world": the World; "api": the shared emulated PostgREST

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_MS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def setup_module(fx):
    W["world"] = World(fx)      # set first: teardown_module cleans up after a failed build
    W["world"].build()
    W["api"] = pgrst.Pgrst(**_api_config())


def teardown_module(fx):
    api = W.pop("api", None)
    if api is not None:
        api.close()
    world = W.pop("world", None)
    if world is not None:
        world.teardown()


def _api_config(**over):
    return W["world"].api_config(**over)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def world():
    return W["world"]


def A():
    return W["world"].A


def B():
    return W["world"].B


def api():
    return W["api"]


def post(profile, body, key="writer", ws=None, headers=None, fn="task_create", on=None, **kw):
    """POST /rpc/<fn> in a profile with the profile's documented key header.
    key: a key name of the workspace ws (default A), else the raw string to
    send, or None (no credential)."""
    ws = ws or A()
    raw = None if key is None else (ws.keys[key] if key in ws.keys else key)
    h = {"Content-Profile": profile, "Content-Type": "application/json"}
    h.update(auth_headers(profile, raw))
    h.update(headers or {})
    return (on or api()).rpc(fn, body, headers=h, **kw)


def get(path, key="writer", ws=None, profile="tasks_v1", headers=None, on=None):
    ws = ws or A()
    raw = None if key is None else ws.keys[key]
    h = {"Accept-Profile": profile}
    h.update(auth_headers(profile, raw))
    h.update(headers or {})
    return (on or api()).get(path, headers=h)


def counts():
    return world().counts()


def assert_nothing_written(before, r=None):
    after = counts()
    assert after == before, "rows written by a failing request: %s -> %s (%r)" % (
        {k: v for k, v in before.items() if after[k] != v}, {k: v for k, v in after.items() if before[k] != v}, r)


def assert_json(r):
    assert r.headers.get("content-type", "").startswith("application/json"), r


def new_id():
    return str(uuid.uuid4())


def key_with_unknown_id():
    """A well-signed key (the service's own format) naming a key that does not exist."""
    return pgrst.make_jwt({"role": "tasks_api", "key_id": new_id(), "iat": 1700000000}, world().jwt_secret)


def masked(r, mapping):
    """(status, headers, body text) with each id in mapping replaced by its label."""
    text, hdrs = r.text, list(r.header_list)
    for value, label in mapping.items():
        text = text.replace(value, label)
        hdrs = [(k, v.replace(value, label)) for k, v in hdrs]
    return r.status, hdrs, text


# ---------------------------------------------------------------------------
# documented example bodies (sql/dialect_<d>.sql, with this run's ids)
# ---------------------------------------------------------------------------

def v1_example():
    return {"title": "Call back about lab results", "contact_name": "hans mueller",
            "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin"}


def lightfield_example(title="Send the renewal proposal"):
    return {"fields": {"$status": "TODO", "$title": title}, "relationships": {"$assignedTo": A().reader}}


def leadlex_example(title="Follow up with Hans Müller"):
    return {"title": title, "due_date": "2026-03-10", "priority": "high", "contact_id": A().contact}


def vambe_example(title="Follow up with customer"):
    return {"title": title, "description": "Call customer regarding their inquiry about pricing",
            "dueDate": "2025-10-25T14:00:00.000Z", "dueTime": "14:00", "timezone": "America/Santiago",
            "responsibleIds": [A().writer], "aiContactId": A().contact, "aiCustomerId": None, "priority": "2"}


def care_example(title="Verify insurance benefits"):
    a = A()
    return {"title": title, "description": "Run a VOB for the MRI referral",
            "assigned_user_ids": [a.reader], "created_by_id": a.writer, "deadline": "2023-11-07T05:31:56Z",
            "tags": ["vob", "mri"], "call_id": a.call, "patient_id": a.patient,
            "status": "pending", "priority": "medium", "type": "vob"}


def acp_example(title="Ship the agent scheduler"):
    a = A()
    return {"title": title, "description": "Schedule **agent** runs per sprint.",
            "projectId": a.project, "releaseId": a.release, "status": "in_progress", "priority": "urgent",
            "sprintId": a.sprint, "assigneeAgentId": a.agent, "dependencyIds": [a.task],
            "linkedThreadIds": [a.thread], "lastStartedThreadId": a.thread,
            "scheduledStartAt": "2026-03-09T08:00:00Z", "scheduledEndAt": "2026-03-09T17:30:00+01:00",
            "dueAt": "2026-03-10T09:00:00-03:00", "sortOrder": 2.5,
            "metadata": {"source": "planner", "labels": ["infra"]}}


# ===========================================================================
# Dialects: documented examples
# ===========================================================================

def test_v1_example_is_201_with_location(fx):
    before = world().task_count(A())
    r = post("tasks_v1", v1_example())
    assert r.status == 201, r
    assert_json(r)
    b = r.body
    assert UUID_RE.match(b["id"]), r
    assert r.headers.get("location") == "/rpc/task_get?id=" + b["id"], r
    assert b["title"] == "Call back about lab results"
    assert b["due_at"] == "2026-03-10T08:00:00.000Z" and b["timezone"] == "Europe/Berlin", b
    assert b["workspace_id"] == A().id and b["created_by"] == A().writer, b
    assert [(l["id"], l["kind"]) for l in b["links"]] == [(A().contact, "contact")], b["links"]
    assert b["resolutions"][0]["resolution"]["method"] == "folded", b["resolutions"]
    assert world().task_count(A()) == before + 1


def test_v1_location_reads_the_task_back(fx):
    r = post("tasks_v1", {"title": "Read me back"})
    assert r.status == 201, r
    g = get(r.headers["location"])
    assert g.status == 200, g
    assert g.body["id"] == r.body["id"] and g.body["title"] == "Read me back", g


def test_lightfield_example_is_200(fx):
    before = world().task_count(A())
    r = post("tasks_lightfield", lightfield_example())
    assert r.status == 200, r
    assert_json(r)
    b = r.body
    assert set(b) == {"id", "createdAt", "updatedAt", "httpLink", "externalId", "fields", "relationships"}, b
    assert UUID_RE.match(b["id"]) and ISO_MS_RE.match(b["createdAt"]), b
    assert b["fields"]["$title"] == {"value": "Send the renewal proposal", "valueType": "TEXT"}, b["fields"]
    assert b["fields"]["$status"] == {"value": "TODO", "valueType": "SINGLE_SELECT"}, b["fields"]
    assert b["fields"]["$dueAt"] == {"value": None, "valueType": "DATETIME"}, b["fields"]
    assert b["relationships"]["$assignedTo"] == {"values": [A().reader], "objectType": "member",
                                                  "cardinality": "has_one"}, b["relationships"]
    assert b["relationships"]["$createdBy"]["values"] == [A().writer], b["relationships"]
    assert b["httpLink"] == "https://app.example.test/a/tasks/" + b["id"], b
    assert "location" not in r.headers, r
    assert world().task_count(A()) == before + 1


def test_leadlex_example_is_201(fx):
    before = world().task_count(A())
    r = post("tasks_leadlex", leadlex_example())
    assert r.status == 201, r
    assert_json(r)
    d = r.body["data"]
    assert set(r.body) == {"data"}
    assert set(d) == {"id", "title", "status", "priority", "due_date", "assigned_to_user_id", "contact_id",
                      "deal_id", "event_id", "created_date"}, d
    assert (d["title"], d["status"], d["priority"], d["due_date"], d["contact_id"]) == (
        "Follow up with Hans Müller", "open", "high", "2026-03-10", A().contact), d
    assert UUID_RE.match(d["id"]) and ISO_MS_RE.match(d["created_date"]), d
    assert world().task_count(A()) == before + 1


def test_vambe_example_is_201(fx):
    before = world().task_count(A())
    r = post("tasks_vambe", vambe_example())
    assert r.status == 201, r
    assert_json(r)
    b = r.body
    assert set(b) == {"id", "title", "description", "due_timezone", "due_at", "is_all_day", "created_at",
                      "ai_contact_id", "ai_customer_id", "task_status_config_id", "priority", "creator_id",
                      "task_responsibles", "status_config"}, b
    assert (b["due_at"], b["is_all_day"], b["due_timezone"], b["priority"]) == (
        "2025-10-25T14:00:00.000Z", False, "America/Santiago", 2), b
    assert b["creator_id"] == A().writer and b["ai_contact_id"] == A().contact, b
    assert b["task_responsibles"] == [{"responsible_id": A().writer}], b
    assert set(b["status_config"]) == {"id", "name", "color", "type", "order"}, b
    assert b["status_config"]["type"] == "initial" and b["task_status_config_id"] == b["status_config"]["id"], b
    assert world().task_count(A()) == before + 1
    # the documented side effect: an interactive note on the contact, in the same transaction
    notes = world().sql("SELECT kind, record_id::text, created_by::text FROM tasks.notes WHERE task_id = %s",
                        b["id"])
    assert notes == [("interactive", A().contact, A().writer)], notes


def test_care_example_is_201(fx):
    before = world().task_count(A())
    r = post("tasks_care", care_example())
    assert r.status == 201, r
    assert_json(r)
    b = r.body
    assert set(b) == {"id", "title", "description", "tags", "deadline", "created_at", "updated_at", "priority",
                      "created_by_id", "company_id", "version", "status", "call_id", "fax_id", "assistant_id",
                      "session_id", "patient_id", "type", "external_message_ids"}, b
    assert (b["deadline"], b["status"], b["priority"], b["version"], b["type"]) == (
        "2023-11-07T05:31:56Z", "pending", "medium", 1, "vob"), b
    assert (b["company_id"], b["created_by_id"], b["patient_id"], b["call_id"], b["fax_id"]) == (
        A().id, A().writer, A().patient, A().call, None), b
    assert b["tags"] == ["vob", "mri"] and b["external_message_ids"] == {}, b
    assert world().task_count(A()) == before + 1


def test_acp_example_is_201(fx):
    before = world().task_count(A())
    r = post("tasks_acp", acp_example())
    assert r.status == 201, r
    assert_json(r)
    assert set(r.body) == {"task"}, r
    t = r.body["task"]
    assert set(t) == {"id", "userId", "projectId", "releaseId", "title", "description", "status", "priority",
                      "sprintId", "assigneeAgentId", "dependencyIds", "linkedThreadIds", "lastStartedThreadId",
                      "scheduledStartAt", "scheduledEndAt", "dueAt", "completedAt", "sortOrder", "metadata",
                      "createdAt", "updatedAt"}, t
    a = A()
    assert (t["userId"], t["projectId"], t["releaseId"], t["sprintId"], t["assigneeAgentId"]) == (
        a.writer, a.project, a.release, a.sprint, a.agent), t
    assert (t["status"], t["priority"], t["dueAt"], t["scheduledEndAt"], t["sortOrder"]) == (
        "in_progress", "urgent", "2026-03-10T12:00:00.000Z", "2026-03-09T16:30:00.000Z", 2.5), t
    assert t["dependencyIds"] == [a.task] and t["linkedThreadIds"] == [a.thread], t
    assert world().task_count(A()) == before + 1


def test_acp_agent_key_creates_as_the_agent(fx):
    r = post("tasks_acp", {"title": "Filed by an agent"}, key="agent")
    assert r.status == 201, r
    assert r.body["task"]["userId"] == A().agent, r


def test_lightfield_definitions_is_200(fx):
    r = get("/rpc/task_definitions", profile="tasks_lightfield")
    assert r.status == 200, r
    assert r.body["objectType"] == "task", r
    assert {"$title", "$status", "$description", "$dueAt"} <= set(r.body["fieldDefinitions"]), r


# ===========================================================================
# Dialects: documented errors (status, body, nothing written)
# ===========================================================================

def test_v1_invalid_payload_is_422_with_every_problem(fx):
    before = counts()
    r = post("tasks_v1", {"title": "", "priority": "asap"})
    assert r.status == 422, r
    assert r.body == {"code": "validation_failed", "message": "task payload is invalid", "errors": [
        {"path": "/title", "code": "empty", "message": "must not be empty"},
        {"path": "/priority", "code": "invalid_value", "message": "must be one of: low, medium, high, urgent"}]}, r
    assert "location" not in r.headers
    assert_nothing_written(before, r)


def test_lightfield_unknown_field_is_400(fx):
    before = counts()
    r = post("tasks_lightfield", {"fields": {"status": "$status", "title": "$title"}, "relationships": {"foo": "string"}})
    assert r.status == 400, r
    assert r.body == {"error": {"type": "bad_request", "code": "unknown_field", "param": "fields.title",
                                "message": "Unknown field 'title' on tasks; system fields are prefixed with $ "
                                           "(did you mean '$title'?)"}}, r
    assert_nothing_written(before, r)


def test_lightfield_missing_entity_is_400(fx):
    before = counts()
    body = lightfield_example()
    body["relationships"]["$assignedTo"] = new_id()
    r = post("tasks_lightfield", body)
    assert r.status == 400, r
    assert r.body == {"error": {"type": "bad_request", "code": "relationship_entity_missing",
                                "param": "relationships.$assignedTo",
                                "message": "One or more IDs in relationships.$assignedTo do not exist"}}, r
    assert_nothing_written(before, r)


def test_lightfield_without_tasks_create_scope_is_403(fx):
    before = counts()
    r = post("tasks_lightfield", lightfield_example(), key="reader")
    assert r.status == 403, r
    assert r.body == {"error": {"type": "forbidden",
                                "message": "This API key does not have the required scope: tasks:create"}}, r
    assert_nothing_written(before, r)


def test_leadlex_orphan_is_400(fx):
    before = counts()
    r = post("tasks_leadlex", {"title": "Orphan"})
    msg = "At least one parent link (contact_id, company_id, deal_id, or event_id) is required"
    assert r.status == 400, r
    assert r.body == {"error": {"code": "validation_error", "message": msg, "details": [
        {"code": "validation_error", "field": "contact_id", "message": msg}]}}, r
    assert_nothing_written(before, r)


def test_leadlex_ambiguous_name_is_400_with_candidates(fx):
    before = counts()
    r = post("tasks_leadlex", {"title": "t", "contact_name": "Anna Schmidt"})
    assert r.status == 400, r
    e = r.body["error"]
    assert e["code"] == "ambiguous_reference", r
    assert e["message"] == "contact_name: matches 2 contacts; give the id or a more precise name", r
    assert sorted(c["id"] for c in e["candidates"]) == sorted([A().twin1, A().twin2]), r
    assert all(c["name"] == "Anna Schmidt" for c in e["candidates"]), r
    assert [d["code"] for d in e["details"]] == ["ambiguous_reference"], r
    assert_nothing_written(before, r)


def test_leadlex_without_activities_write_is_403(fx):
    before = counts()
    r = post("tasks_leadlex", leadlex_example(), key="reader")
    assert r.status == 403, r
    assert r.body == {"error": {"code": "insufficient_permissions",
                                "message": "Missing activities:write permission"}}, r
    assert_nothing_written(before, r)


def test_leadlex_unknown_contact_is_404(fx):
    before = counts()
    missing = new_id()
    r = post("tasks_leadlex", {"title": "t", "contact_id": missing})
    msg = "contact_id: no contact with this id in this workspace"
    assert r.status == 404, r
    assert r.body == {"error": {"code": "not_found", "message": msg, "details": [
        {"code": "not_found", "field": "contact_id", "message": msg}]}}, r
    assert_nothing_written(before, r)


def test_vambe_validation_is_400_with_every_error(fx):
    before = counts()
    r = post("tasks_vambe", {"title": "", "priority": "5", "dueDate": "2025-11-26", "dueTime": "2pm",
                             "responsibleIds": [A().writer]})
    assert r.status == 400, r
    assert r.body == {"statusCode": 400, "message": "Validation failed", "errors": [
        {"field": "title", "message": "Title must be at least 1 character"},
        {"field": "priority", "message": "Priority must be one of: \"0\", \"1\", \"2\""},
        {"field": "dueTime", "message": "Invalid time format. Expected HH:mm (e.g., \"14:30\")"}]}, r
    assert_nothing_written(before, r)


def test_vambe_unknown_responsible_is_404(fx):
    before = counts()
    missing = new_id()
    body = vambe_example()
    body["responsibleIds"] = [missing]
    r = post("tasks_vambe", body)
    msg = "Responsible user %s not found in organization" % missing
    assert r.status == 404, r
    assert r.body == {"statusCode": 404, "message": msg, "error": "Not Found",
                      "errors": [{"field": "responsibleIds[0]", "message": msg}]}, r
    assert_nothing_written(before, r)


def test_care_placeholder_example_is_422_with_detail_list(fx):
    before = counts()
    s = "<string>"
    r = post("tasks_care", {"title": s, "description": s, "assigned_user_ids": [s], "created_by_id": s,
                            "deadline": "2023-11-07T05:31:56Z", "tags": [s], "call_id": s, "fax_id": s,
                            "assistant_id": s, "session_id": s, "patient_id": s, "status": "pending",
                            "priority": "medium", "type": s})
    assert r.status == 422, r
    assert set(r.body) == {"detail"}, r
    got = [(tuple(d["loc"]), d["type"], d["input"]) for d in r.body["detail"]]
    assert got == [(("body", "assigned_user_ids", 0), "uuid_parsing", s), (("body", "created_by_id"), "uuid_parsing", s),
                   (("body", "call_id"), "uuid_parsing", s), (("body", "fax_id"), "uuid_parsing", s),
                   (("body", "assistant_id"), "uuid_parsing", s), (("body", "session_id"), "uuid_parsing", s),
                   (("body", "patient_id"), "uuid_parsing", s)], got
    assert all(isinstance(d["msg"], str) and d["msg"] for d in r.body["detail"]), r
    assert_nothing_written(before, r)


def test_care_unknown_patient_is_404(fx):
    before = counts()
    missing = new_id()
    body = care_example()
    body["patient_id"] = missing
    r = post("tasks_care", body)
    assert r.status == 404, r
    assert r.body == {"detail": "Patient not found: patient_id = %s" % missing}, r
    assert_nothing_written(before, r)


def test_acp_malformed_id_is_400(fx):
    before = counts()
    r = post("tasks_acp", {"title": "Ship", "projectId": "x"})
    assert r.status == 400, r
    assert r.body == {"error": {"code": "validation_error", "message": "projectId must be a UUID", "details": [
        {"code": "invalid_id", "field": "projectId", "message": "projectId must be a UUID"}]}}, r
    assert_nothing_written(before, r)


def test_acp_unknown_project_is_422(fx):
    before = counts()
    r = post("tasks_acp", {"title": "Ship", "projectId": new_id()})
    msg = "projectId: no project with this id in this workspace"
    assert r.status == 422, r
    assert r.body == {"error": {"code": "invalid_reference", "message": msg, "details": [
        {"code": "not_found", "field": "projectId", "message": msg}]}}, r
    assert_nothing_written(before, r)


# ===========================================================================
# Credentials: missing, invalid, revoked keys -> 401 in the dialect's shape
# ===========================================================================

def _missing_key(profile, body):
    before = counts()
    r = post(profile, body, key=None)
    assert r.status == 401, r
    assert_nothing_written(before, r)
    return r


def test_v1_missing_key_is_401(fx):
    r = _missing_key("tasks_v1", {"title": "x"})
    assert r.body == {"code": "invalid_key", "message": "Missing API key"}, r


def test_lightfield_missing_key_is_401(fx):
    r = _missing_key("tasks_lightfield", lightfield_example())
    assert r.body == {"error": {"type": "unauthorized", "message": "Missing API key"}}, r


def test_leadlex_missing_key_is_401(fx):
    r = _missing_key("tasks_leadlex", leadlex_example())
    assert r.body == {"error": {"code": "invalid_key", "message": "Missing API key"}}, r


def test_vambe_missing_key_is_401(fx):
    r = _missing_key("tasks_vambe", vambe_example())
    # NestJS's UnauthorizedException shape
    assert r.body == {"statusCode": 401, "message": "Unauthorized"}, r


def test_care_missing_key_is_401(fx):
    r = _missing_key("tasks_care", care_example())
    assert r.body == {"detail": "Missing API key"}, r


def test_acp_missing_key_is_401_in_acp_envelope(fx):
    r = _missing_key("tasks_acp", {"title": "x"})
    # README, ACP errors: one body shape {"error": {code, message, details}}; 401 is
    # `unauthorized` with details []
    e = r.body.get("error")
    assert isinstance(e, dict) and set(e) == {"code", "message", "details"}, r
    assert e["code"] == "unauthorized" and e["details"] == [] and e["message"], r


def test_garbage_bearer_token_is_401_pgrst301_before_the_database(fx):
    before = counts()
    r = post("tasks_leadlex", leadlex_example(), key="sk_live_not_a_jwt")
    assert r.status == 401, r
    assert r.body["code"] == "PGRST301", r
    assert r.headers.get("www-authenticate", "").startswith("Bearer"), r
    assert r.sql == [], r.sql
    assert_nothing_written(before, r)


def test_unknown_bearer_key_is_401_invalid(fx):
    before = counts()
    r = post("tasks_leadlex", leadlex_example(), key=key_with_unknown_id())
    assert r.status == 401, r
    assert r.body == {"error": {"code": "invalid_key", "message": "Invalid API key"}}, r
    assert_nothing_written(before, r)


def test_unknown_x_api_key_is_401_invalid(fx):
    before = counts()
    r = post("tasks_vambe", vambe_example(), key="vk_" + new_id())
    assert r.status == 401, r
    assert r.body == {"statusCode": 401, "message": "Unauthorized"}, r
    assert_nothing_written(before, r)


def test_x_api_key_is_not_a_bearer_dialects_header(fx):
    before = counts()
    h = {"Content-Profile": "tasks_leadlex", "x-api-key": A().keys["writer"]}
    r = api().rpc("task_create", leadlex_example(), headers=h)
    assert r.status == 401, r
    assert r.body == {"error": {"code": "invalid_key", "message": "Missing API key"}}, r
    assert_nothing_written(before, r)


def test_revoked_bearer_key_is_401_at_once(fx):
    ok = post("tasks_v1", {"title": "Before revoke (bearer)"}, key="revocable")
    assert ok.status == 201, ok
    assert world().revoke(A(), "revocable") is True
    before = counts()
    r = post("tasks_v1", {"title": "After revoke (bearer)"}, key="revocable")
    assert r.status == 401, r
    assert r.body == {"code": "invalid_key", "message": "Invalid API key"}, r
    assert_nothing_written(before, r)


def test_revoked_x_api_key_is_401_at_once(fx):
    ok = post("tasks_care", care_example("Before revoke (x-api-key)"), key="revocable2")
    assert ok.status == 201, ok
    assert world().revoke(A(), "revocable2") is True
    before = counts()
    r = post("tasks_care", care_example("After revoke (x-api-key)"), key="revocable2")
    assert r.status == 401, r
    assert r.body == {"detail": "Invalid API key"}, r
    assert_nothing_written(before, r)


def test_expired_key_is_401(fx):
    before = counts()
    r = post("tasks_leadlex", leadlex_example(), key="expired")
    assert r.status == 401, r
    assert r.body == {"error": {"code": "invalid_key", "message": "Invalid API key"}}, r
    assert_nothing_written(before, r)


def test_key_of_a_deactivated_member_is_401_at_once(fx):
    ok = post("tasks_v1", {"title": "Before leaving"}, key="leaver")
    assert ok.status == 201, ok
    world().sql("UPDATE tasks.members SET active = false WHERE workspace_id = %s AND id = %s", A().id, A().leaver)
    before = counts()
    r = post("tasks_v1", {"title": "After leaving"}, key="leaver")
    assert r.status == 401, r
    assert r.body == {"code": "invalid_key", "message": "Invalid API key"}, r
    assert_nothing_written(before, r)


def test_user_jwt_with_a_workspace_claim_works_alongside_keys(fx):
    r = api().rpc("task_create", {"title": "Via a user JWT"}, headers={"Content-Profile": "tasks_v1"},
                  claims={"role": "tasks_api", "workspace_id": A().id, "member_id": A().writer})
    assert r.status == 201, r
    assert r.body["workspace_id"] == A().id and r.body["created_by"] == A().writer, r
    assert r.headers.get("location") == "/rpc/task_get?id=" + r.body["id"], r


# ===========================================================================
# Security: tenant isolation as the real roles
# ===========================================================================

def test_get_tasks_lists_only_the_callers_workspace(fx):
    r = get("/tasks?select=id,title&order=id.asc")
    assert r.status == 200, r
    got = [t["id"] for t in r.body]
    want = [row[0] for row in world().sql(
        "SELECT id::text FROM tasks.tasks WHERE workspace_id = %s AND deleted_at IS NULL ORDER BY id", A().id)]
    assert got == want and want, (got, want)
    assert B().task not in got and B().task_title not in r.text, r


def test_get_tasks_by_id_of_another_workspace_is_empty(fx):
    r = get("/tasks?id=eq.%s" % B().task)
    assert r.status == 200, r
    assert r.body == [], r
    mine = get("/tasks?id=eq.%s&select=id,title" % A().task)
    assert mine.body == [{"id": A().task, "title": A().task_title}], mine


def test_task_get_of_another_workspace_is_like_a_missing_task(fx):
    missing = new_id()
    theirs = get("/rpc/task_get?id=" + B().task)
    absent = get("/rpc/task_get?id=" + missing)
    assert masked(theirs, {B().task: "<id>"}) == masked(absent, {missing: "<id>"}), (theirs, absent)
    assert B().task_title not in theirs.text, theirs


def test_task_get_of_a_missing_task_is_404(fx):
    r = get("/rpc/task_get?id=" + new_id())
    # a task that is not there: 404, not PostgREST's 500 for SQLSTATE P0002
    assert r.status == 404, r


def test_workspace_headers_cannot_widen_the_workspace(fx):
    b_before = world().task_count(B())
    forged = json.dumps({"role": "tasks_api", "workspace_id": B().id, "member_id": B().writer})
    r = post("tasks_v1", {"title": "Header widening attempt"},
             headers={"x-workspace-id": B().id, "X-Tasks-Workspace-Id": B().id, "request.jwt.claims": forged,
                      "x-member-id": B().writer})
    assert r.status == 201, r
    assert r.body["workspace_id"] == A().id and r.body["created_by"] == A().writer, r
    assert world().task_count(B()) == b_before
    assert world().one("SELECT workspace_id::text FROM tasks.tasks WHERE id = %s", r.body["id"]) == A().id


def test_workspace_in_the_body_is_refused(fx):
    before = counts()
    r = post("tasks_v1", {"title": "Body widening attempt", "workspace_id": B().id})
    assert r.status == 422, r
    assert r.body["code"] == "validation_failed", r
    assert [(e["path"], e["code"]) for e in r.body["errors"]] == [("/workspace_id", "unknown_field")], r
    assert_nothing_written(before, r)


def test_forged_claims_header_without_a_key_is_401(fx):
    before = counts()
    forged = json.dumps({"role": "tasks_api", "workspace_id": B().id, "member_id": B().writer})
    r = post("tasks_leadlex", {"title": "t", "contact_id": B().contact}, key=None,
             headers={"request.jwt.claims": forged, "x-workspace-id": B().id})
    assert r.status == 401, r
    assert r.body == {"error": {"code": "invalid_key", "message": "Missing API key"}}, r
    assert_nothing_written(before, r)


def test_jwt_with_a_bad_signature_is_401_pgrst301(fx):
    before = counts()
    r = api().rpc("task_create", {"title": "Forged"}, headers={"Content-Profile": "tasks_v1"},
                  claims={"role": "tasks_api", "workspace_id": B().id, "member_id": B().writer}, jwt_invalid=True)
    assert r.status == 401, r
    assert r.body["code"] == "PGRST301", r
    assert r.sql == [], r.sql
    assert_nothing_written(before, r)


def test_unsigned_alg_none_jwt_is_401_pgrst301(fx):
    before = counts()
    b64 = lambda d: pgrst._b64url(json.dumps(d).encode())  # noqa: E731
    token = b64({"alg": "none", "typ": "JWT"}) + "." + b64({"role": "tasks_api", "workspace_id": B().id}) + "."
    r = post("tasks_v1", {"title": "alg none"}, key=token)
    assert r.status == 401 and r.body["code"] == "PGRST301", r
    assert r.sql == [], r.sql
    assert_nothing_written(before, r)


def test_key_claims_cannot_be_mixed_with_another_workspace(fx):
    # a key id with a workspace claim of B, signed with the right secret (what a
    # leaked secret could mint is not in scope; the point is that a key's own
    # workspace wins over any other claim)
    key_id = A().key_ids["writer"]
    token = pgrst.make_jwt({"role": "tasks_api", "key_id": key_id, "workspace_id": B().id},
                           world().jwt_secret)
    b_before = world().task_count(B())
    r = post("tasks_v1", {"title": "Key plus foreign workspace claim"}, key=token)
    assert r.status == 201, r
    assert r.body["workspace_id"] == A().id, r
    assert world().task_count(B()) == b_before


def _same_as_missing(profile, body_with, ids_of_b, status):
    """The body naming B's ids answers exactly like the body naming unknown ids."""
    before = counts()
    fresh = {i: new_id() for i in ids_of_b}
    theirs = post(profile, body_with(ids_of_b))
    absent = post(profile, body_with([fresh[i] for i in ids_of_b]))
    labels_b = {i: "<id%d>" % n for n, i in enumerate(ids_of_b)}
    labels_f = {fresh[i]: "<id%d>" % n for n, i in enumerate(ids_of_b)}
    assert theirs.status == status, theirs
    assert masked(theirs, labels_b) == masked(absent, labels_f), (theirs, absent)
    assert_nothing_written(before, (theirs, absent))


def test_v1_ids_of_another_workspace_are_like_missing_ids(fx):
    def body(ids):
        return {"title": "t", "contact_id": ids[0], "assignee_ids": [ids[1]], "dependency_ids": [ids[2]]}
    _same_as_missing("tasks_v1", body, [B().contact, B().writer, B().task], 422)


def test_lightfield_ids_of_another_workspace_are_like_missing_ids(fx):
    def body(ids):
        b = lightfield_example()
        b["relationships"]["$account"] = ids[0]
        return b
    _same_as_missing("tasks_lightfield", body, [B().account], 400)


def test_lightfield_assignee_of_another_workspace_is_like_a_missing_one(fx):
    def body(ids):
        b = lightfield_example()
        b["relationships"]["$assignedTo"] = ids[0]
        return b
    _same_as_missing("tasks_lightfield", body, [B().writer], 400)


def test_leadlex_contact_of_another_workspace_is_like_a_missing_one(fx):
    def body(ids):
        return {"title": "t", "contact_id": ids[0], "deal_id": ids[1], "assignee_id": ids[2]}
    _same_as_missing("tasks_leadlex", body, [B().contact, B().deal, B().writer], 404)


def test_vambe_ids_of_another_workspace_are_like_missing_ids(fx):
    def body(ids):
        b = vambe_example()
        b.update(responsibleIds=[ids[0]], aiContactId=ids[1], aiCustomerId=ids[2])
        return b
    _same_as_missing("tasks_vambe", body, [B().writer, B().contact, B().customer], 404)


def test_care_ids_of_another_workspace_are_like_missing_ids(fx):
    def body(ids):
        b = care_example()
        b.update(assigned_user_ids=[ids[0]], patient_id=ids[1], call_id=ids[2])
        return b
    _same_as_missing("tasks_care", body, [B().reader, B().patient, B().call], 404)


def test_acp_ids_of_another_workspace_are_like_missing_ids(fx):
    def body(ids):
        return {"title": "t", "projectId": ids[0], "assigneeAgentId": ids[1], "dependencyIds": [ids[2]],
                "linkedThreadIds": [ids[3]]}
    _same_as_missing("tasks_acp", body, [B().project, B().agent, B().task, B().thread], 422)


def test_resolve_does_not_see_names_of_another_workspace(fx):
    r = get("/rpc/resolve?kind=contact&name=Bruno%20Quellenberg")
    assert r.status == 200, r
    assert r.body["status"] == "not_found" and r.body["id"] is None and r.body["candidates"] == [], r
    assert B().contact not in r.text, r
    # the same name resolves for B's own key
    rb = get("/rpc/resolve?kind=contact&name=Bruno%20Quellenberg", ws=B())
    assert rb.body["status"] == "resolved" and rb.body["id"] == B().contact, rb


def test_leadlex_name_of_another_workspace_is_not_found(fx):
    before = counts()
    r = post("tasks_leadlex", {"title": "t", "contact_name": "Bruno Quellenberg"})
    assert r.status == 404, r
    assert r.body["error"]["code"] == "not_found", r
    assert B().contact not in r.text and "Quellenberg" not in json.dumps(r.body["error"].get("candidates", [])), r
    for d in r.body["error"]["details"]:
        for s in d.get("suggestions", []):
            assert "Bruno" not in json.dumps(s), r
    assert_nothing_written(before, r)


def test_v1_fuzzy_name_of_another_workspace_suggests_nothing_of_it(fx):
    before = counts()
    r = post("tasks_v1", {"title": "t", "contact_name": "Bruno Quelenberg"})
    assert r.status == 422, r
    assert B().contact not in r.text and "Quellenberg" not in r.text, r
    assert_nothing_written(before, r)


# ===========================================================================
# Security: anonymous calls and exposed schemas
# ===========================================================================

def test_anonymous_get_tasks_is_401(fx):
    r = get("/tasks", key=None)
    assert r.status == 401, r
    assert r.body["code"] == "42501", r
    assert A().task_title not in r.text


def test_anonymous_task_get_is_401(fx):
    r = get("/rpc/task_get?id=" + A().task, key=None)
    assert r.status == 401, r
    assert A().task_title not in r.text, r


def test_anonymous_resolve_is_401(fx):
    r = get("/rpc/resolve?kind=contact&name=hans%20mueller", key=None)
    assert r.status == 401, r
    assert A().contact not in r.text, r


def test_anonymous_lightfield_definitions_is_401(fx):
    r = get("/rpc/task_definitions", key=None, profile="tasks_lightfield")
    assert r.status == 401, r
    assert r.body == {"error": {"type": "unauthorized", "message": "Missing API key"}}, r


def test_internal_schema_is_not_a_profile(fx):
    before = counts()
    h = {"Content-Profile": "tasks", "Authorization": "Bearer " + A().keys["writer"]}
    r = api().rpc("task_create", {"title": "Through the back door"}, headers=h)
    assert r.status == 406 and r.body["code"] == "PGRST106", r
    assert_nothing_written(before, r)


def test_api_role_cannot_call_admin_functions_through_any_profile(fx):
    for profile in PROFILES:
        r = post(profile, {"member_id": A().writer}, fn="api_key_create")
        assert r.status == 404 and r.body["code"] == "PGRST202", (profile, r)


# ===========================================================================
# Security: decoys on the search path (db-extra-search-path "public")
# ===========================================================================

DECOY_SCHEMA = "tasks_http_decoys"


def _decoy_sql(trgm_decoys):
    """Decoys for pg_trgm's names in schema trgm_decoys, lower() and = in public."""
    return """
CREATE SCHEMA IF NOT EXISTS {s};
GRANT USAGE ON SCHEMA {s} TO PUBLIC;
CREATE FUNCTION {s}.similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION {s}.strict_word_similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION {s}.word_similarity(text, text) RETURNS real LANGUAGE sql AS 'SELECT 1::real';
CREATE FUNCTION {s}.decoy_always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR {s}.% (LEFTARG = text, RIGHTARG = text, FUNCTION = {s}.decoy_always);
CREATE OPERATOR {s}.<<% (LEFTARG = text, RIGHTARG = text, FUNCTION = {s}.decoy_always);
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS 'SELECT ''bruno quellenberg''';
CREATE FUNCTION public.decoy_uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.decoy_uuid_eq);
GRANT EXECUTE ON FUNCTION {s}.similarity(text, text), {s}.strict_word_similarity(text, text),
  {s}.word_similarity(text, text), {s}.decoy_always(text, text), public.lower(text),
  public.decoy_uuid_eq(uuid, uuid) TO PUBLIC;
""".format(s=trgm_decoys)


def _drop_decoy_sql(trgm_decoys):
    return """
DROP OPERATOR IF EXISTS {s}.% (text, text);
DROP OPERATOR IF EXISTS {s}.<<% (text, text);
DROP FUNCTION IF EXISTS {s}.similarity(text, text), {s}.strict_word_similarity(text, text),
  {s}.word_similarity(text, text), {s}.decoy_always(text, text);
DROP OPERATOR IF EXISTS public.= (uuid, uuid);
DROP FUNCTION IF EXISTS public.lower(text), public.decoy_uuid_eq(uuid, uuid);
{drop_schema}
""".format(s=trgm_decoys, drop_schema="" if trgm_decoys == "public" else "DROP SCHEMA IF EXISTS %s;" % trgm_decoys)


def _name_results(on):
    """What name lookups answer, with run-to-run values removed."""
    out = []
    for name in ("hans mueller", "Müller, Hans", "erika musterman", "Bruno Quellenberg", "Zebediah Quux",
                 "Anna Schmidt"):
        r = get("/rpc/resolve?kind=contact&name=" + name.replace(" ", "%20"), on=on)
        out.append(("resolve", name, r.status, r.body))
    for name in ("hans mueller", "erika musterman", "Zebediah Quux", "Anna Schmidt"):
        r = post("tasks_leadlex", {"title": "Decoy check", "contact_name": name}, on=on)
        body = r.body
        if r.status == 201:
            body = dict(r.body["data"], id="<id>", created_date="<now>")
        out.append(("leadlex", name, r.status, body))
    return out


def test_decoys_on_the_search_path_change_nothing(fx):
    # CREATE EXTENSION tasks CASCADE puts pg_trgm in public, so public.similarity(text, text)
    # and public.%(text, text) are pg_trgm's own: their decoys then go into a schema that
    # comes before public on PostgREST's search path (db-extra-search-path).
    trgm_decoys = "public" if world().trgm_schema != "public" else DECOY_SCHEMA
    extra = ["public"] if trgm_decoys == "public" else [trgm_decoys, "public"]
    hostile_api = pgrst.Pgrst(**_api_config(extra_search_path=extra))
    fx.defer(hostile_api.close)
    plain = _name_results(hostile_api)
    tasks_plain = get("/tasks?select=id&order=id.asc", on=hostile_api)
    fx.defer(lambda: world().sql(_drop_decoy_sql(trgm_decoys)))
    world().sql(_decoy_sql(trgm_decoys))
    r = post("tasks_v1", {"title": ""}, on=hostile_api)
    path = r.sql[1]
    assert ('"%s"' % trgm_decoys) in path and '"public"' in path, path   # the decoys are on the path
    # ... and pg_trgm's decoys win for any unqualified call made with that path, as the
    # API role (public.lower and public.= lose to pg_catalog, which is searched first)
    w = world()
    conn = psycopg2.connect(**w.fx.db(w.authenticator, w.password))
    try:
        with conn.cursor() as cur:
            cur.execute("SET search_path = " + ", ".join('"%s"' % x for x in ["tasks_v1"] + extra))
            cur.execute("SELECT similarity('abc', 'xyz'), 'abc' % 'xyz'")
            bite = cur.fetchone()
            assert bite == (1.0, True), bite
    finally:
        conn.close()
    hostile = _name_results(hostile_api)
    assert hostile == plain, "\n".join("%r\n  != %r" % (h, p) for h, p in zip(hostile, plain) if h != p)
    # the resolutions really ran through the folded and fuzzy paths
    by_name = {x[1]: x[3] for x in hostile if x[0] == "resolve"}
    assert by_name["hans mueller"]["method"] == "folded", by_name
    assert by_name["erika musterman"]["method"] == "fuzzy", by_name
    assert by_name["erika musterman"]["id"] == A().contact2, by_name
    assert by_name["Bruno Quellenberg"]["status"] == "not_found", by_name
    assert by_name["Anna Schmidt"]["status"] == "ambiguous", by_name
    # GET /tasks still shows exactly the caller's tasks (the leadlex successes added some)
    tasks_hostile = get("/tasks?select=id&order=id.asc", on=hostile_api)
    got = [t["id"] for t in tasks_hostile.body]
    want = [row[0] for row in world().sql(
        "SELECT id::text FROM tasks.tasks WHERE workspace_id = %s AND deleted_at IS NULL ORDER BY id", A().id)]
    assert got == want and set(t["id"] for t in tasks_plain.body) < set(got), (got, want)


# ===========================================================================
# Idempotency over HTTP
# ===========================================================================

def _idem(key):
    return {"Idempotency-Key": key}


def test_idempotent_replay_returns_the_same_status_and_body(fx):
    k = "replay-" + new_id()
    body = {"title": "Idempotent once " + k}
    first = post("tasks_v1", body, headers=_idem(k))
    assert first.status == 201, first
    assert "idempotent-replayed" not in first.headers, first
    second = post("tasks_v1", body, headers=_idem(k))
    assert second.status == 201, second
    assert second.body == first.body, (first, second)
    assert second.headers.get("idempotent-replayed") == "true", second
    assert world().task_count(A(), body["title"]) == 1


def test_idempotent_replay_repeats_the_location_header(fx):
    k = "replay-loc-" + new_id()
    body = {"title": "Idempotent location " + k}
    first = post("tasks_v1", body, headers=_idem(k))
    second = post("tasks_v1", body, headers=_idem(k))
    assert first.status == 201 and second.status == 201, (first, second)
    # the replay is "the original response": its Location included
    assert second.headers.get("location") == first.headers.get("location"), (first.header_list, second.header_list)


def test_idempotent_replay_in_lightfield_is_200(fx):
    k = "lf-" + new_id()
    body = lightfield_example("Lightfield idempotent " + k)
    first = post("tasks_lightfield", body, headers=_idem(k))
    second = post("tasks_lightfield", body, headers=_idem(k))
    assert (first.status, second.status) == (200, 200), (first, second)
    assert second.body == first.body and second.headers.get("idempotent-replayed") == "true", second
    assert world().task_count(A(), "Lightfield idempotent " + k) == 1


def test_idempotent_replay_with_x_api_key(fx):
    k = "care-" + new_id()
    body = care_example("Care idempotent " + k)
    first = post("tasks_care", body, headers=_idem(k))
    second = post("tasks_care", body, headers=_idem(k))
    assert (first.status, second.status) == (201, 201), (first, second)
    assert second.body == first.body and second.headers.get("idempotent-replayed") == "true", second
    assert world().task_count(A(), "Care idempotent " + k) == 1


def test_idempotency_key_with_a_changed_body_is_422(fx):
    k = "changed-" + new_id()
    first = post("tasks_v1", {"title": "Original " + k}, headers=_idem(k))
    assert first.status == 201, first
    before = counts()
    r = post("tasks_v1", {"title": "Changed " + k}, headers=_idem(k))
    assert r.status == 422, r
    assert r.body == {"code": "idempotency_key_reused",
                      "message": "Keys for idempotent requests can only be used with the same parameters they "
                                 "were first used with."}, r
    assert "idempotent-replayed" not in r.headers, r
    assert_nothing_written(before, r)


def test_idempotency_key_with_a_changed_body_is_422_in_lightfield_shape(fx):
    k = "lf-changed-" + new_id()
    assert post("tasks_lightfield", lightfield_example("LF original " + k), headers=_idem(k)).status == 200
    before = counts()
    r = post("tasks_lightfield", lightfield_example("LF changed " + k), headers=_idem(k))
    assert r.status == 422, r
    e = r.body["error"]
    assert e["type"] == "unprocessable_content" and e["param"] == "Idempotency-Key" and e["message"], r
    assert_nothing_written(before, r)


def test_idempotency_key_is_scoped_to_the_workspace(fx):
    k = "shared-" + new_id()
    body = {"title": "Same key, two tenants " + k}
    a = post("tasks_v1", body, headers=_idem(k))
    b = post("tasks_v1", body, headers=_idem(k), ws=B())
    assert (a.status, b.status) == (201, 201), (a, b)
    assert "idempotent-replayed" not in b.headers, b
    assert b.body["workspace_id"] == B().id and b.body["id"] != a.body["id"], (a, b)


def test_idempotency_key_of_256_characters_is_400(fx):
    before = counts()
    r = post("tasks_v1", {"title": "Long key"}, headers=_idem("k" * 256))
    assert r.status == 400, r
    assert r.body == {"code": "idempotency_key_too_long",
                      "message": "The Idempotency-Key header must have 1 to 255 characters."}, r
    assert_nothing_written(before, r)


def test_idempotency_key_of_256_characters_is_400_in_leadlex_shape(fx):
    before = counts()
    r = post("tasks_leadlex", leadlex_example(), headers=_idem("k" * 256))
    assert r.status == 400, r
    assert r.body == {"error": {"code": "idempotency_key_too_long",
                                "message": "The Idempotency-Key header must have 1 to 255 characters."}}, r
    assert_nothing_written(before, r)


def test_idempotency_key_of_255_characters_is_accepted(fx):
    k = new_id() + "k" * (255 - 36)
    r = post("tasks_v1", {"title": "Longest key"}, headers=_idem(k))
    assert r.status == 201, r
    again = post("tasks_v1", {"title": "Longest key"}, headers=_idem(k))
    assert again.headers.get("idempotent-replayed") == "true" and again.body == r.body, again


def test_idempotency_failed_first_attempt_can_be_retried(fx):
    k = "retry-" + new_id()
    contact = new_id()
    body = {"title": "Retry after 404 " + k, "contact_id": contact}
    before = counts()
    first = post("tasks_leadlex", body, headers=_idem(k))
    assert first.status == 404, first
    assert_nothing_written(before, first)
    # the reason of the failure goes away; the same request with the same key now succeeds
    world().in_ws(A(), "SELECT tasks.record_create(%s)",
                  json.dumps({"id": contact, "kind": "contact", "name": "Late Contact " + k}))
    second = post("tasks_leadlex", body, headers=_idem(k))
    assert second.status == 201, second
    assert "idempotent-replayed" not in second.headers, second
    third = post("tasks_leadlex", body, headers=_idem(k))
    assert third.status == 201 and third.body == second.body, third
    assert third.headers.get("idempotent-replayed") == "true", third
    assert world().task_count(A(), body["title"]) == 1


def test_idempotency_failed_first_attempt_can_be_retried_with_another_body(fx):
    k = "retry-body-" + new_id()
    bad = post("tasks_v1", {"title": ""}, headers=_idem(k))
    assert bad.status == 422, bad
    good = post("tasks_v1", {"title": "Fixed body " + k}, headers=_idem(k))
    assert good.status == 201, good
    assert "idempotent-replayed" not in good.headers, good


def test_idempotency_key_in_flight_is_409(fx):
    """Request 1 holds the key (blocked on a table lock after taking it); request 2 gets 409."""
    k = "inflight-" + new_id()
    title = "In flight " + k
    hold = psycopg2.connect(**fx.params)
    try:
        with hold.cursor() as cur:
            cur.execute("LOCK TABLE tasks.idempotency_keys IN ACCESS EXCLUSIVE MODE")
        h = {"Content-Profile": "tasks_v1", "Authorization": "Bearer " + A().keys["writer"], "Idempotency-Key": k}
        first = fx.pgrst(**_api_config()).start("POST", "/rpc/task_create", headers=h, body={"title": title})
        fx.wait_for_lock_waiters(1)
        tasks_before = world().one("SELECT count(*) FROM tasks.tasks")   # (idempotency_keys is locked)
        loser = post("tasks_v1", {"title": title}, headers=_idem(k))
        assert loser.status == 409, loser
        assert loser.body == {"code": "idempotency_conflict",
                              "message": "An operation with this idempotency key is already in progress. "
                                         "Please wait and retry."}, loser
        assert world().one("SELECT count(*) FROM tasks.tasks") == tasks_before
        assert not first.done()
    finally:
        hold.rollback()
        hold.close()
    winner = first.result(30)
    assert winner.status == 201, winner
    assert world().task_count(A(), title) == 1
    replay = post("tasks_v1", {"title": title}, headers=_idem(k))
    assert replay.status == 201 and replay.body == winner.body, replay
    assert replay.headers.get("idempotent-replayed") == "true", replay


def test_idempotency_concurrent_requests_create_exactly_one_task(fx):
    racer = fx.pgrst(**_api_config())      # its clones are closed after the test
    for round_ in range(5):
        k = "race-%d-%s" % (round_, new_id())
        title = "Race " + k
        h = {"Content-Profile": "tasks_v1", "Authorization": "Bearer " + A().keys["writer"],
             "Idempotency-Key": k}
        call = ("POST", "/rpc/task_create", {"headers": h, "body": {"title": title}})
        rs = racer.concurrently(call, call)
        assert world().task_count(A(), title) == 1, rs
        winners = [r for r in rs if r.status == 201 and "idempotent-replayed" not in r.headers]
        assert len(winners) == 1, rs
        (loser,) = [r for r in rs if r is not winners[0]]
        if loser.status == 409:
            assert loser.body["code"] == "idempotency_conflict", loser
        else:
            assert loser.status == 201 and loser.headers.get("idempotent-replayed") == "true", loser
            assert loser.body == winners[0].body, rs


# ===========================================================================
# Deployment: pg_trgm is relocatable (kept last: it moves pg_trgm and back)
# ===========================================================================

def test_fuzzy_names_work_with_pg_trgm_outside_public(fx):
    # A DBA may keep extensions in their own schema (CREATE EXTENSION pg_trgm SCHEMA
    # extensions, then CREATE EXTENSION tasks); the API role must still resolve names.
    home = world().trgm_schema
    fx.sql("CREATE SCHEMA IF NOT EXISTS tasks_http_ext")
    fx.defer(lambda: fx.sql("DROP SCHEMA IF EXISTS tasks_http_ext"))
    fx.sql("ALTER EXTENSION pg_trgm SET SCHEMA tasks_http_ext")
    fx.defer(lambda: fx.sql('ALTER EXTENSION pg_trgm SET SCHEMA "%s"' % home))
    # the documented step after moving pg_trgm: rerun the grants
    fx.sql("SELECT tasks.api_setup(NULL)")
    fresh = pgrst.Pgrst(**_api_config())     # a new backend: nothing cached from before the move
    fx.defer(fresh.close)
    r = get("/rpc/resolve?kind=contact&name=erika%20musterman", on=fresh)
    assert r.status == 200, r
    assert r.body["status"] == "resolved" and r.body["id"] == A().contact2, r
