/*-------------------------------------------------------------------------
 *
 * dialect_lightfield.c
 *	  Lightfield CRM: POST /v1/tasks and GET /v1/tasks/definitions (seed 000).
 *
 * The body is {"fields", "relationships"} and nothing else.  Fields are the
 * four system fields $title, $status, $description and $dueAt; relationships
 * map $assignedTo, $account, $opportunity, $createdBy, or a custom slug the
 * workspace defined (tasks.relation_definitions), to one entity id or an
 * array of ids.  Lightfield answers one error per response,
 * {"error": {"type", "message", "code", "param"}}: we collect every problem
 * in a fixed order and report the first request error (400), else the first
 * business-rule error (422).  Creating needs the tasks:create scope, the
 * definitions tasks:read; without it 403 {"error": {"type": "forbidden"}}.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "dialect_lightfield.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static const char *const lightfield_body_keys[] = {"fields", "relationships", NULL};

static const char *const lightfield_field_keys[] = {
	"$title", "$status", "$description", "$dueAt", NULL
};

/* $status -> status categories, preferred first (NULL-terminated). */
static const char *const lightfield_statuses[][3] = {
	{"TODO", "todo", "backlog"}, {"IN_PROGRESS", "in_progress", NULL},
	{"COMPLETE", "done", NULL}, {"CANCELLED", "cancelled", NULL}, {NULL, NULL, NULL}
};

/* System relationships in the order their values are checked; $note is read-only. */
static const LightfieldRelation lightfield_system[] = {
	{"$assignedTo", NULL, NULL, false},
	{"$createdBy", NULL, NULL, false},
	{"$account", "account", "account", false},
	{"$opportunity", "opportunity", "opportunity", false},
	{NULL, NULL, NULL, false}
};

/* Native payload keys back to Lightfield params, for the engine's problems. */
static const char *const lightfield_map[][2] = {
	{"title", "fields.$title"}, {"status_id", "fields.$status"}, {"status", "fields.$status"},
	{"description", "fields.$description"}, {"due_at", "fields.$dueAt"},
	{"created_by", "relationships.$createdBy"}, {NULL, NULL}
};

/* What one call learned while translating, for phrasing the engine's problems. */
typedef struct LightfieldCall
{
	const char *status;			/* the $status asked for */
	List	   *params;			/* relationship params in checking order */
	int			nlinks;			/* record links requested so far */
} LightfieldCall;

/* The object container of a member of the body, or NULL (reported when wrong, or missing and required). */
JsonbContainer *
lightfield_object(Jsonb *body, const char *name, bool required, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, name, &f);
	if (!f.present)
	{
		if (required)
			problem_add(p, name, "parameter_missing", "Missing required parameter: %s", name);
		return NULL;
	}
	if (f.value.type != jbvBinary || !JsonContainerIsObject(f.value.val.binary.data))
	{
		problem_add(p, name, "invalid_type", "%s must be an object, not %s",
					name, jsonb_type_name(&f.value));
		return NULL;
	}
	return f.value.val.binary.data;
}

/* Top-level keys other than fields and relationships are unknown. */
static void
lightfield_body_unknown(Jsonb *body, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, payload_unknown_keys(&body->root, lightfield_body_keys))
		problem_add(p, lfirst(lc), "unknown_field",
					"Unknown parameter '%s': the body takes only fields and relationships",
					(char *) lfirst(lc));
}

/* fields.<key> that are not one of the four system fields. */
static void
lightfield_fields_unknown(JsonbContainer *c, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, payload_unknown_keys(c, lightfield_field_keys))
	{
		char	   *key = lfirst(lc);
		char	   *prefixed = psprintf("$%s", key);

		if (key_in_list(prefixed, strlen(prefixed), lightfield_field_keys))
			problem_add(p, psprintf("fields.%s", key), "unknown_field",
						"Unknown field '%s' on tasks; system fields are prefixed with $ (did you mean '%s'?)",
						key, prefixed);
		else
			problem_add(p, psprintf("fields.%s", key), "unknown_field",
						"Unknown field '%s' on tasks; tasks support only $title, $status, $description and $dueAt",
						key);
	}
}

/*
 * fields.<key> as a string; NULL when absent (reported if required), null
 * or invalid (reported).  Null is allowed when nullable (*is_null is set);
 * an optional field that is not nullable cannot be null (a patch cannot
 * clear it); a required one must be a string.
 */
static char *
lightfield_string(JsonbContainer *c, const char *key, bool required, bool nullable,
				  bool *is_null, TaskProblems *p)
{
	PayloadField f;
	char	   *param = psprintf("fields.%s", key);

	payload_get_container(c, key, &f);
	if (is_null)
		*is_null = f.present && f.is_null;
	if (!f.present)
	{
		if (required)
			problem_add(p, param, "parameter_missing", "Missing required field: %s", param);
		return NULL;
	}
	if (f.is_null && nullable)
		return NULL;
	if (f.is_null && !required)
	{
		problem_add(p, param, "invalid_type", "%s cannot be null: every task has one", param);
		return NULL;
	}
	if (f.value.type != jbvString)
	{
		problem_add(p, param, "invalid_type", "%s must be a string%s, not %s",
					param, nullable ? " or null" : "", jsonb_type_name(&f.value));
		return NULL;
	}
	return pnstrdup(f.value.val.string.val, f.value.val.string.len);
}

/*
 * The status for the asked $status: the first status of the preferred
 * category (the initial one first), else of the fallback category.  Returns
 * the nil uuid when the workspace has none; the engine then reports it.
 */
static char *
lightfield_status_id(const DialectContext *ctx, const char *const *categories)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, TEXTARRAYOID};
	Datum		values[2];
	List	   *cats = NIL;

	for (int i = 0; i < 2 && categories[i]; i++)
		cats = lappend(cats, (char *) categories[i]);
	store_plan_generic(&plan,
			     "SELECT s.id FROM tasks.statuses s"
			     " WHERE s.workspace_id = $1 AND s.category = ANY ($2)"
			     " ORDER BY array_position($2, s.category), s.is_initial DESC, s.position, s.id"
			     " LIMIT 1",
			     2, types);
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = text_list_array(cats);
	if (store_execute_indexed(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "status lookup failed");
	if (SPI_processed == 0)
		return pstrdup("00000000-0000-0000-0000-000000000000");
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* $status: one of the four values, mapped to a status of the workspace. */
static void
lightfield_status(JsonbContainer *c, DialectContext *ctx, bool patch, const char **asked,
				  TaskProblems *p)
{
	char	   *status = lightfield_string(c, "$status", !patch, false, NULL, p);

	if (status == NULL)
		return;
	for (int i = 0; lightfield_statuses[i][0]; i++)
	{
		if (strcmp(status, lightfield_statuses[i][0]) == 0)
		{
			*asked = lightfield_statuses[i][0];
			dialect_put_text(ctx, "status_id", lightfield_status_id(ctx, &lightfield_statuses[i][1]));
			return;
		}
	}
	problem_add(p, "fields.$status", "invalid_type",
				"fields.$status must be one of: TODO, IN_PROGRESS, COMPLETE, CANCELLED");
}

/* $dueAt: an ISO 8601 date-time with a UTC offset, or null (a patch then clears the due date). */
static void
lightfield_due(JsonbContainer *c, DialectContext *ctx, bool patch, TaskProblems *p)
{
	bool		is_null;
	char	   *due = lightfield_string(c, "$dueAt", false, true, &is_null, p);
	TimestampTz t;
	DateADT		d;

	if (patch && is_null)
	{
		dialect_put_text(ctx, "due_at", NULL);
		dialect_put_text(ctx, "due_date", NULL);
	}
	if (due == NULL)
		return;
	switch (tp_parse_datetime(due, strlen(due), NULL, &t))
	{
		case TP_OK:
			dialect_put_text(ctx, "due_at", due);
			return;
		case TP_NEEDS_ZONE:
			problem_add(p, "fields.$dueAt", "invalid_type",
						"fields.$dueAt must carry a UTC offset, e.g. \"2026-03-10T09:00:00Z\" or \"2026-03-10T09:00:00+01:00\"");
			return;
		case TP_OUT_OF_RANGE:
			problem_add(p, "fields.$dueAt", "invalid_type", "fields.$dueAt is not a real date and time");
			return;
		default:
			if (tp_parse_date(due, strlen(due), &d) == TP_OK)
				problem_add(p, "fields.$dueAt", "invalid_type",
							"fields.$dueAt is a date without a time; it must be an ISO 8601 datetime, e.g. \"2026-03-10T09:00:00Z\"");
			else
				problem_add(p, "fields.$dueAt", "invalid_type",
							"fields.$dueAt must be an ISO 8601 datetime string, e.g. \"2026-03-10T09:00:00Z\"");
			return;
	}
}

/*
 * The fields object: unknown keys first, then $title, $status, $description,
 * $dueAt (required: $title and $status, unless patch; a patch clears
 * $description and $dueAt given as null).
 */
void
lightfield_fields(JsonbContainer *c, DialectContext *ctx, bool patch, const char **status,
				  TaskProblems *p)
{
	bool		is_null;
	char	   *s;

	lightfield_fields_unknown(c, p);
	if ((s = lightfield_string(c, "$title", !patch, false, NULL, p)) != NULL)
	{
		if (s[0] == '\0')
			problem_add(p, "fields.$title", "invalid_type", "fields.$title must be a non-empty string");
		else
			dialect_put_text(ctx, "title", s);
	}
	lightfield_status(c, ctx, patch, status, p);
	s = lightfield_string(c, "$description", false, true, &is_null, p);
	if (s != NULL || (patch && is_null))
		dialect_put_text(ctx, "description", s);
	lightfield_due(c, ctx, patch, p);
}

/* The workspace's custom task relationships, by slug. */
List *
lightfield_custom_relations(const DialectContext *ctx)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1];
	List	   *out = NIL;

	store_plan_generic(&plan,
			     "SELECT d.slug, d.kind, d.cardinality = 'has_many' FROM tasks.relation_definitions d"
			     " WHERE d.workspace_id = $1 AND d.object_type = 'task' ORDER BY d.slug",
			     1, types);
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	if (SPI_execute_plan(plan, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "relation definition lookup failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		LightfieldRelation *r = palloc0(sizeof(LightfieldRelation));
		bool		isnull;

		r->key = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		r->kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		r->relation = r->key;
		r->has_many = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		out = lappend(out, r);
	}
	return out;
}

/*
 * The relationship keys: $note is read-only, and so is $createdBy where it
 * is not a system relationship (an update); other keys must be a system
 * relationship or a custom one of the workspace.
 */
void
lightfield_relation_keys(JsonbContainer *c, const LightfieldRelation *system, List *custom,
						 const char *system_names, TaskProblems *p)
{
	const LightfieldRelation *r;
	const char **known;
	int			n = 0;
	ListCell   *lc;

	for (r = system; r->key; r++)
		n++;
	known = palloc(sizeof(char *) * (n + list_length(custom) + 1));
	n = 0;
	for (r = system; r->key; r++)
		known[n++] = r->key;
	foreach(lc, custom)
		known[n++] = ((LightfieldRelation *) lfirst(lc))->key;
	known[n] = NULL;

	foreach(lc, payload_unknown_keys(c, known))
	{
		char	   *key = lfirst(lc);

		if (strcmp(key, "$note") == 0)
			problem_add(p, "relationships.$note", "invalid_configuration",
						"relationships.$note is read-only; manage notes via their own relationships");
		else if (strcmp(key, "$createdBy") == 0)
			problem_add(p, "relationships.$createdBy", "invalid_configuration",
						"relationships.$createdBy is set when the task is created and cannot be changed");
		else if (key[0] == '$')
			problem_add(p, psprintf("relationships.%s", key), "unknown_relationship",
						"Unknown relationship '%s' on tasks; system relationships are %s",
						key, system_names);
		else
			problem_add(p, psprintf("relationships.%s", key), "unknown_relationship",
						"Unknown relationship '%s': no custom relationship with this slug is defined for tasks in this workspace",
						key);
	}
}

/* Whether the id string s is already in ids (same uuid, or same text). */
static bool
lightfield_has_id(List *ids, const char *s)
{
	pg_uuid_t	u,
				w;
	bool		is_uuid = payload_uuid(s, &u);
	ListCell   *lc;

	foreach(lc, ids)
	{
		const char *t = lfirst(lc);

		if (is_uuid ? (payload_uuid(t, &w) && memcmp(&u, &w, sizeof(u)) == 0) : strcmp(s, t) == 0)
			return true;
	}
	return false;
}

/*
 * The distinct ids of one relationship value: a string or an array of
 * strings.  Sets *bad when the value has the wrong type (reported).
 */
List *
lightfield_ids(const JsonbValue *v, const char *param, bool *bad, TaskProblems *p)
{
	List	   *ids = NIL;
	JsonbContainer *c;

	*bad = false;
	if (v->type == jbvString)
		return list_make1(pnstrdup(v->val.string.val, v->val.string.len));
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
	{
		problem_add(p, param, "invalid_type", "%s must be an entity ID or an array of entity IDs, not %s",
					param, jsonb_type_name(v));
		*bad = true;
		return NIL;
	}
	c = v->val.binary.data;
	/* Absurd arrays stop here; the real limit is checked after de-duplication. */
	if (JsonContainerSize(c) > 10 * TASKS_MAX_ITEMS)
	{
		problem_add(p, param, LF_UNPROCESSABLE, "%s takes at most %d entity IDs", param, TASKS_MAX_ITEMS);
		*bad = true;
		return NIL;
	}
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(c, i);
		char	   *id;

		CHECK_FOR_INTERRUPTS();
		if (e->type != jbvString)
		{
			problem_add(p, param, "invalid_type", "%s must be an array of entity ID strings, not of %s",
						param, jsonb_type_name(e));
			*bad = true;
			return NIL;
		}
		id = pnstrdup(e->val.string.val, e->val.string.len);
		if (!lightfield_has_id(ids, id))
			ids = lappend(ids, id);
	}
	return ids;
}

/* One relationship's value: ids checked for type and cardinality, then translated. */
static void
lightfield_relation(JsonbContainer *c, const LightfieldRelation *r, DialectContext *ctx,
					LightfieldCall *call, TaskProblems *p)
{
	PayloadField f;
	char	   *param = psprintf("relationships.%s", r->key);
	bool		assigned = strcmp(r->key, "$assignedTo") == 0;
	List	   *ids;
	ListCell   *lc;
	bool		bad;

	call->params = lappend(call->params, param);
	payload_get_container(c, r->key, &f);
	if (!f.present)
	{
		if (assigned)
			problem_add(p, param, "parameter_missing", "Missing required relationship: %s", param);
		return;
	}
	ids = lightfield_ids(&f.value, param, &bad, p);
	if (bad)
		return;
	if (ids == NIL)
	{
		if (assigned)
			problem_add(p, param, "parameter_missing", "%s must name the member the task is assigned to", param);
		return;
	}
	if (!r->has_many && list_length(ids) > 1)
	{
		problem_add(p, param, "invalid_type", "%s is a has_one relationship: give one entity ID, not %d",
					param, list_length(ids));
		return;
	}
	/* After the 400 checks, so that a 400 always wins over this 422. */
	if (list_length(ids) > TASKS_MAX_ITEMS)
	{
		problem_add(p, param, LF_UNPROCESSABLE, "%s takes at most %d entity IDs", param, TASKS_MAX_ITEMS);
		return;
	}
	if (r->kind != NULL && (call->nlinks += list_length(ids)) > TASKS_MAX_ITEMS)
	{
		problem_add(p, param, LF_UNPROCESSABLE, "A task can relate to at most %d records", TASKS_MAX_ITEMS);
		return;
	}
	foreach(lc, ids)
	{
		if (assigned)
			dialect_add_assignee(ctx, lfirst(lc), param);
		else if (r->kind == NULL)
			dialect_put_text(ctx, "created_by", lfirst(lc));
		else
			dialect_add_link(ctx, r->kind, r->relation, lfirst(lc), NULL, param);
	}
}

/*
 * The relationships object: keys first ($note, unknown ones), then
 * $assignedTo, $createdBy, $account, $opportunity and the custom ones by slug.
 */
static void
lightfield_relationships(JsonbContainer *c, DialectContext *ctx, LightfieldCall *call, TaskProblems *p)
{
	List	   *custom = lightfield_custom_relations(ctx);
	ListCell   *lc;

	lightfield_relation_keys(c, lightfield_system, custom,
							 "$assignedTo, $account, $opportunity and $createdBy", p);
	for (const LightfieldRelation *r = lightfield_system; r->key; r++)
		lightfield_relation(c, r, ctx, call, p);
	foreach(lc, custom)
		lightfield_relation(c, lfirst(lc), ctx, call, p);
}

/* Validates and translates the body; Lightfield-level problems go to p, in order. */
static void
lightfield_translate(Jsonb *body, DialectContext *ctx, LightfieldCall *call, TaskProblems *p)
{
	JsonbContainer *fields,
			   *relationships;

	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(p, "", "invalid_type", "The request body must be a JSON object");
		return;
	}
	lightfield_body_unknown(body, p);
	fields = lightfield_object(body, "fields", true, p);
	relationships = lightfield_object(body, "relationships", true, p);
	if (fields != NULL)
		lightfield_fields(fields, ctx, false, &call->status, p);
	if (relationships != NULL)
		lightfield_relationships(relationships, ctx, call, p);
}

/* The engine's problems in Lightfield terms. */
static TaskProblems *
lightfield_from_native(const DialectContext *ctx, const LightfieldCall *call,
					   const TaskProblems *native)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *param = dialect_vendor_field(ctx, np->path, lightfield_map);

		if (strncmp(param, "relationships.", 14) == 0 && strcmp(np->code, "inactive") == 0)
			problem_add(out, param, "relationship_entity_inactive",
						"One or more IDs in %s refer to an inactive entity", param);
		else if (strcmp(param, "relationships.$createdBy") == 0 && ctx->draft.created_by_is_actor)
			problem_add(out, param, "relationship_entity_missing",
						"The authenticated user is not a member of this workspace; give %s", param);
		else if (strncmp(param, "relationships.", 14) == 0)
			problem_add(out, param, "relationship_entity_missing",
						"One or more IDs in %s do not exist", param);
		else if (strcmp(param, "fields.$status") == 0 && strcmp(np->code, "not_found") == 0)
			problem_add(out, param, LF_UNPROCESSABLE,
						"This workspace has no task status for %s", call->status ? call->status : "this value");
		else
			problem_add(out, param, LF_UNPROCESSABLE, "%s %s", param, np->message);
	}
	return out;
}

/*
 * The place of a problem among the relationship values, in checking order;
 * -1 for anything else (the body, fields and relationship keys, which are
 * checked before any relationship value).  With below, a path under a param
 * ("<param>/...") ranks with it.
 */
static int
lightfield_rank(List *params, bool below, const char *path)
{
	ListCell   *lc;

	foreach(lc, params)
	{
		const char *param = lfirst(lc);
		size_t		len = strlen(param);

		if (below ? strncmp(path, param, len) == 0 && (path[len] == '\0' || path[len] == '/')
			: strcmp(path, param) == 0)
			return foreach_current_index(lc);
	}
	return -1;
}

/*
 * The one error Lightfield answers: the first request error (400) in
 * checking order, else the first business-rule error (422).  The engine
 * reports malformed ids before unknown ones, so its problems are put back in
 * checking order by rank; ties keep list order.
 */
TaskProblem *
lightfield_headline(List *params, bool below, const TaskProblems *p)
{
	TaskProblem *best = NULL;
	int			best_rank = 0;
	ListCell   *lc;

	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);
		int			rank;

		if (strcmp(item->code, LF_UNPROCESSABLE) == 0)
			continue;
		rank = lightfield_rank(params, below, item->path);
		if (best == NULL || rank < best_rank)
		{
			best = item;
			best_rank = rank;
		}
	}
	return best ? best : linitial(p->items);
}

/* Raises {"error": {"type", "message", "code"?, "param"?}} as PT400 or PT422. */
void
lightfield_raise(const TaskProblem *head)
{
	bool		unprocessable = strcmp(head->code, LF_UNPROCESSABLE) == 0;
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfo(&body, "{\"error\": {\"type\": \"%s\", \"message\": ",
					 unprocessable ? "unprocessable_content" : "bad_request");
	json_append_string(&body, head->message, strlen(head->message));
	if (!unprocessable)
	{
		appendStringInfoString(&body, ", \"code\": ");
		json_append_string(&body, head->code, strlen(head->code));
	}
	if (head->path[0] != '\0')
	{
		appendStringInfoString(&body, ", \"param\": ");
		json_append_string(&body, head->path, strlen(head->path));
	}
	appendStringInfoString(&body, "}}");
	dialect_raise(unprocessable ? 422 : 400, head->message, body.data);
}

/* Raises 403 forbidden unless the caller holds scope. */
void
lightfield_require_scope(const DialectContext *ctx, const char *scope)
{
	char	   *message;
	StringInfoData body;

	if (identity_has_scope(&ctx->who, scope))
		return;
	message = psprintf("This API key does not have the required scope: %s", scope);
	initStringInfo(&body);
	appendStringInfoString(&body, "{\"error\": {\"type\": \"forbidden\", \"message\": ");
	json_append_string(&body, message, strlen(message));
	appendStringInfoString(&body, "}}");
	dialect_raise(403, message, body.data);
}

/* Creates a task from a Lightfield body; raises Lightfield errors. */
/*
 * The Lightfield record of one task ($1 workspace, $2 task): {id, createdAt,
 * updatedAt, httpLink, externalId, fields, relationships}.  One kept plan,
 * read by lightfield_create and by tasks._lightfield_response.
 */
static SPIPlanPtr lightfield_response_plan = NULL;
static const char lightfield_response_sql[] =
"SELECT jsonb_build_object("
"	'id', t.id,"
"	'createdAt', tasks.format_instant(t.created_at),"
"	'updatedAt', tasks.format_instant(t.updated_at),"
"	'httpLink', CASE WHEN jsonb_typeof(w.settings -> 'lightfield_base_url') = 'string'"
"					  AND w.settings ->> 'lightfield_base_url' <> ''"
"				 THEN rtrim(w.settings ->> 'lightfield_base_url', '/') || '/tasks/' || t.id END,"
"	'externalId', t.external_id,"
"	'fields', jsonb_build_object("
"		'$title', jsonb_build_object('value', t.title, 'valueType', 'TEXT'),"
"		'$status', jsonb_build_object('value', CASE s.category WHEN 'done' THEN 'COMPLETE'"
"													WHEN 'cancelled' THEN 'CANCELLED'"
"													WHEN 'in_progress' THEN 'IN_PROGRESS'"
"													WHEN 'blocked' THEN 'IN_PROGRESS'"
"													ELSE 'TODO' END,"
"									  'valueType', 'SINGLE_SELECT'),"
"		'$description', jsonb_build_object('value', t.description, 'valueType', 'MARKDOWN'),"
"		'$dueAt', jsonb_build_object('value', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD')),"
"									 'valueType', 'DATETIME')),"
"	'relationships', jsonb_build_object("
"		'$assignedTo', jsonb_build_object('cardinality', 'has_one', 'objectType', 'member', 'values',"
"			(SELECT coalesce(jsonb_agg(a.member_id ORDER BY a.assigned_at, a.position, a.member_id), '[]'::jsonb)"
"			FROM tasks.task_assignees a WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id)),"
"		'$account', jsonb_build_object('cardinality', 'has_one', 'objectType', 'account', 'values',"
"			coalesce(lk.ids -> 'account', '[]'::jsonb)),"
"		'$opportunity', jsonb_build_object('cardinality', 'has_one', 'objectType', 'opportunity', 'values',"
"			coalesce(lk.ids -> 'opportunity', '[]'::jsonb)),"
"		'$createdBy', jsonb_build_object('cardinality', 'has_one', 'objectType', 'member', 'values',"
"			CASE WHEN t.created_by IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(t.created_by) END),"
"		'$note', jsonb_build_object('cardinality', 'has_many', 'objectType', 'note', 'values',"
"			(SELECT coalesce(jsonb_agg(n.id ORDER BY n.id), '[]'::jsonb) FROM tasks.notes n"
"			  WHERE n.workspace_id = t.workspace_id AND n.task_id = t.id)))"
"		|| coalesce((SELECT jsonb_object_agg(d.slug, jsonb_build_object("
"							'cardinality', d.cardinality, 'objectType', d.kind, 'values',"
"							coalesce(lk.ids -> d.slug, '[]'::jsonb)))"
"					   FROM tasks.relation_definitions d"
"					  WHERE d.workspace_id = t.workspace_id AND d.object_type = 'task'), '{}'::jsonb))"
"  FROM tasks.tasks t"
"  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
"  JOIN tasks.workspaces w ON w.id = t.workspace_id"
DIALECT_RESPONSE_LINKS_AND_KEY;

static Datum
lightfield_create(Jsonb *body, pg_uuid_t *task_id)
{
	Datum		result;
	DialectContext ctx;
	LightfieldCall call = {0};
	TaskProblems problems;

	dialect_begin(&ctx, "lightfield");
	lightfield_require_scope(&ctx, "tasks:create");
	problems_init(&problems);
	lightfield_translate(body, &ctx, &call, &problems);
	if (problems_any(&problems))
		lightfield_raise(lightfield_headline(call.params, false, &problems));
	if (!dialect_create(&ctx, &problems))
		lightfield_raise(lightfield_headline(call.params, false,
											 lightfield_from_native(&ctx, &call, &problems)));
	result = dialect_response(&ctx, &lightfield_response_plan, lightfield_response_sql);
	*task_id = ctx.draft.id;
	return result;
}

/* The task definitions of the caller's workspace (the body is unused). */
static Datum
lightfield_definitions(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1];
	Datum		result;
	bool		isnull;
	DialectContext ctx;

	dialect_begin(&ctx, "lightfield");
	lightfield_require_scope(&ctx, "tasks:read");
	store_plan_generic(&plan, "SELECT tasks._lightfield_definitions($1)", 1, types);
	values[0] = UUIDPGetDatum(&ctx.who.workspace_id);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the task definitions");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	memset(task_id, 0, sizeof(pg_uuid_t));
	return result;
}

static const Endpoint lightfield_definitions_endpoint = {
	.dialect = "lightfield",
	.operation = NULL,			/* a read: no idempotency */
	.success_status = 200,
	.location = NULL,
	.impl = lightfield_definitions
};

/* tasks_lightfield.task_create(jsonb) RETURNS jsonb: POST /v1/tasks, 200 */
TASKS_DIALECT_CREATE(lightfield, 200)

/* tasks._lightfield_response(workspace_id uuid, id uuid) RETURNS jsonb */
TASKS_DIALECT_RESPONSE(lightfield)

/* The responses of a list (task_list.c) */
TASKS_DIALECT_RESPONSES(lightfield)

/* tasks_lightfield.task_definitions() RETURNS jsonb: GET /v1/tasks/definitions */
PG_FUNCTION_INFO_V1(tasks_lightfield_task_definitions);
Datum
tasks_lightfield_task_definitions(PG_FUNCTION_ARGS)
{
	Jsonb	   *none = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	PG_RETURN_DATUM(endpoint_serve(&lightfield_definitions_endpoint, none));
}
