-- Fixtures for the create, error and dialect scenarios.  The native create
-- workspace (…8600…0001, the "1k" workspace of the name scenario) is made by
-- the data loader before this runs; the dialect workspaces copy the setups of
-- sql/dialect_*.sql, so each dialect's seed example finds what it links to.

-- native: actor, two assignees, a contact to link, an ambiguous and a unique name
SET tasks.workspace_id = '00000000-0000-7000-8600-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8600-000000000101", "name": "Bench Actor"}');
SELECT tasks.member_create('{"id": "00000000-0000-7000-8600-000000000102", "name": "Zofia Wiśniewska"}');
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8600-000000000103", "name": "triage-agent"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000301", "kind": "contact", "name": "Hans Müller"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000302", "kind": "contact", "name": "Anna Schmidt"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000303", "kind": "contact", "name": "Anna Schmidt"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000304", "kind": "contact", "name": "Hildegard Vogelsang-Ørsted"}');
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8600-000000000004", "name": "Bench other tenant"}');
SET tasks.workspace_id = '00000000-0000-7000-8600-000000000004';
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-0000000003f1", "kind": "contact", "name": "Hans Müller"}');

-- leadlex (sql/dialect_leadlex.sql)
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8500-000000000001", "name": "Leadlex CRM"}');
SET tasks.workspace_id = '00000000-0000-7000-8500-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8500-000000000101", "name": "Writer", "scopes": ["activities:write"]}');
SELECT tasks.record_create('{"id": "789e0123-e45b-67c8-a901-234567890abc", "kind": "contact", "name": "Hans Müller"}');

-- lightfield (sql/dialect_lightfield.sql)
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8510-000000000001", "name": "Lightfield Co", "settings": {"lightfield_base_url": "https://app.example.test/acme/"}}');
SET tasks.workspace_id = '00000000-0000-7000-8510-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000101", "name": "Ana Rojas", "scopes": ["tasks:create", "tasks:read"]}');
SELECT tasks.member_create('{"id": "00000000-0000-7000-8510-000000000102", "name": "Ben Okafor"}');

-- vambe (sql/dialect_vambe.sql)
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8520-000000000001", "name": "Vambe dialect org", "statuses": [
  {"name": "Pendiente", "category": "todo", "color": "#60a5fa", "initial": true},
  {"name": "En progreso", "category": "in_progress", "color": "#f59e0b"},
  {"name": "Completada", "category": "done", "color": "#22c55e"},
  {"name": "Cancelada", "category": "cancelled", "color": "#6b7280"}]}');
SET tasks.workspace_id = '00000000-0000-7000-8520-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8520-000000000101", "name": "API key owner"}');
SELECT tasks.member_create('{"id": "228d7a0d-9072-4ca8-939b-959b75cc606a", "name": "Agente Uno"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8520-000000000301", "kind": "contact", "name": "Camila Soto"}');

-- care (sql/dialect_care.sql)
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8530-000000000101", "name": "Care clinic"}');
SET tasks.workspace_id = '00000000-0000-7000-8530-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000201", "name": "Ana Rojas"}');
SELECT tasks.member_create('{"id": "00000000-0000-7000-8530-000000000202", "name": "Ben Okafor"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000301", "kind": "call", "name": "Inbound call 4711"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000302", "kind": "fax", "name": "Fax from Dr. Lee"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000303", "kind": "assistant", "name": "Intake assistant"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000304", "kind": "session", "name": "Session 12"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8530-000000000305", "kind": "patient", "name": "Lucía Fernández"}');

-- acp (sql/dialect_acp.sql)
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8540-000000000001", "name": "ACP main"}');
SET tasks.workspace_id = '00000000-0000-7000-8540-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8540-000000000101';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8540-000000000101", "name": "Ada Operator"}');
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8540-000000000201", "name": "coder-agent"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000301", "kind": "project", "name": "Control plane"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000302", "kind": "release", "name": "v2.0"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000303", "kind": "sprint", "name": "Sprint 14"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000304", "kind": "thread", "name": "Thread one"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8540-000000000305", "kind": "thread", "name": "Thread two"}');
INSERT INTO bench.vars SELECT 'acp_dep1', tasks_acp.task_create('{"title": "Design the schema"}') #>> '{task,id}';
INSERT INTO bench.vars SELECT 'acp_dep2', tasks_acp.task_create('{"title": "Write the migration"}') #>> '{task,id}';
RESET tasks.actor_id;
RESET tasks.workspace_id;

-- the native create's twin in a fresh workspace (no task history): separates the
-- constant cost of a create from the part that grows with the workspace
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8600-000000000006", "name": "Bench fresh"}');
SET tasks.workspace_id = '00000000-0000-7000-8600-000000000006';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8600-000000000601", "name": "Fresh Actor"}');
SELECT tasks.member_create('{"id": "00000000-0000-7000-8600-000000000602", "name": "Zofia Wiśniewska"}');
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8600-000000000603", "name": "triage-agent"}');
SELECT tasks.record_create('{"id": "00000000-0000-7000-8600-000000000691", "kind": "contact", "name": "Hans Müller"}');
RESET tasks.workspace_id;
