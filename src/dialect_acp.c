/*-------------------------------------------------------------------------
 *
 * dialect_acp.c
 *	  ACP (AI-agent control plane): POST /v1/tasks (seed 004).
 *
 * Flat camelCase body.  projectId, releaseId and sprintId are has-one links
 * to records of those kinds; linkedThreadIds and lastStartedThreadId link
 * thread records under the relations linked_thread and last_started_thread;
 * assigneeAgentId must be a member of kind agent; dependencyIds are tasks of
 * the workspace.  status is an ACP lifecycle value, stored as a status of
 * that category (absent: the workspace's initial status).  Every timestamp
 * is an instant with a UTC offset; dates without a time are refused.
 *
 * The page documents no error body.  Every problem is reported at once in
 * {"error": {"code", "message", "details": [{"field", "code", "message"}]}}:
 * 400 validation_error for the shape of the body (unknown and read-only
 * fields included), 422 invalid_reference when every problem is an id that
 * names nothing usable in the workspace, 401 unauthorized without a calling
 * member.  Success is {"task": {...}} (HTTP 201).
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static const char *const acp_fields[] = {
	"title", "description", "projectId", "releaseId", "status", "priority",
	"sprintId", "assigneeAgentId", "dependencyIds", "linkedThreadIds",
	"lastStartedThreadId", "scheduledStartAt", "scheduledEndAt", "dueAt",
	"completedAt", "sortOrder", "metadata", NULL
};

/* Response fields the server sets; sending them is refused by name. */
static const char *const acp_read_only[] = {"id", "userId", "createdAt", "updatedAt", NULL};

static const char *const acp_statuses[] = {"backlog", "todo", "in_progress", "blocked", "done", NULL};

static const char *const acp_priorities[] = {"low", "medium", "high", "urgent", NULL};

/* Instants: ACP field, native key. */
static const char *const acp_instants[][2] = {
	{"scheduledStartAt", "scheduled_start"}, {"scheduledEndAt", "scheduled_end"},
	{"dueAt", "due_at"}, {"completedAt", "completed_at"}, {NULL, NULL}
};

/* Native payload keys back to ACP fields, for the engine's problems. */
static const char *const acp_map[][2] = {
	{"status_id", "status"}, {"due_at", "dueAt"}, {"scheduled_start", "scheduledStartAt"},
	{"scheduled_end", "scheduledEndAt"}, {"completed_at", "completedAt"},
	{"sort_order", "sortOrder"}, {"links", "linkedThreadIds"},
	{"dependency_ids", "dependencyIds"}, {"assignee_ids", "assigneeAgentId"},
	{"created_by", "Authorization"}, {NULL, NULL}
};

/* Problem codes answered with 422 invalid_reference; any other code is a 400. */
static const char *const acp_reference_codes[] = {
	"not_found", "not_an_agent", "inactive", "status_unavailable", "ambiguous_reference", NULL
};

/* linkedThreadIds may use what the native link limit leaves after the four has-one links. */
#define ACP_MAX_THREADS (TASKS_MAX_ITEMS - 4)

/* What the checks after the shape pass need to know about the body. */
typedef struct AcpBody
{
	const char *status;			/* valid ACP status or NULL (absent) */
	bool		status_invalid;
	char	   *agent_id;		/* valid uuid text or NULL */
	bool		has_completed_at;
} AcpBody;

/* Records an ACP validation problem (field, code, message). */
#define acp_invalid(p, field, code, ...) problem_add((p), (field), (code), __VA_ARGS__)

/* A NUL-terminated copy of at most 100 bytes of a key, cut on a character boundary. */
static char *
acp_key_copy(const char *key, int len)
{
	return pnstrdup(key, pg_mbcliplen(key, len, Min(len, 100)));
}

/* key folded for typo hints: ASCII lower case without '_', '-' and ' '. */
static char *
acp_fold_key(const char *key)
{
	char	   *out = palloc(strlen(key) + 1);
	char	   *o = out;

	for (const char *k = key; *k; k++)
		if (*k != '_' && *k != '-' && *k != ' ')
			*o++ = pg_ascii_tolower((unsigned char) *k);
	*o = '\0';
	return out;
}

/* Reports one field that is not in the ACP body schema. */
static void
acp_unknown_field(const char *key, int len, TaskProblems *p)
{
	char	   *name = acp_key_copy(key, len);
	char	   *folded = acp_fold_key(name);

	if (key_in_list(key, len, acp_read_only))
	{
		acp_invalid(p, name, "read_only", "%s is set by the server and cannot be sent", name);
		return;
	}
	for (int i = 0; acp_fields[i]; i++)
		if (strcmp(folded, acp_fold_key(acp_fields[i])) == 0)
		{
			acp_invalid(p, name, "unknown_field", "Unknown field: %s (did you mean %s?)",
						name, acp_fields[i]);
			return;
		}
	acp_invalid(p, name, "unknown_field", "Unknown field: %s", name);
}

/* Every key of the body must be an ACP field. */
static void
acp_check_keys(Jsonb *body, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, payload_unknown_keys(&body->root, acp_fields))
		acp_unknown_field(lfirst(lc), strlen(lfirst(lc)), p);
}

/* Reads an optional string field (null is unset); a non-string is a problem. */
static char *
acp_string(Jsonb *body, const char *field, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, field, &f);
	if (!f.present || f.is_null)
		return NULL;
	if (f.value.type != jbvString)
	{
		acp_invalid(p, field, "invalid_type", "%s must be a string, not %s",
					field, jsonb_type_name(&f.value));
		return NULL;
	}
	return pnstrdup(f.value.val.string.val, f.value.val.string.len);
}

/* Whether s is a UUID; records the problem at field otherwise. */
static bool
acp_is_uuid(const char *s, const char *field, TaskProblems *p)
{
	pg_uuid_t	u;

	if (strlen(s) <= 36 && payload_uuid(s, &u))
		return true;
	acp_invalid(p, field, "invalid_id", "%s must be a UUID", field);
	return false;
}

/* Reads an optional id field. */
static char *
acp_id(Jsonb *body, const char *field, TaskProblems *p)
{
	char	   *s = acp_string(body, field, p);

	return s != NULL && acp_is_uuid(s, field, p) ? s : NULL;
}

/* Reads an enum field into one of allowed (a static string), or NULL. */
static const char *
acp_enum(Jsonb *body, const char *field, const char *const *allowed, bool *invalid,
		 TaskProblems *p)
{
	PayloadField f;
	char	   *s;
	StringInfoData list;

	payload_get(body, field, &f);
	s = acp_string(body, field, p);
	*invalid = f.present && !f.is_null && s == NULL;
	if (s == NULL)
		return NULL;
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(s, *a) == 0)
			return *a;
	initStringInfo(&list);
	for (const char *const *a = allowed; *a; a++)
		appendStringInfo(&list, "%s%s", a == allowed ? "" : ", ", *a);
	acp_invalid(p, field, "invalid_value", "%s must be one of: %s", field, list.data);
	*invalid = true;
	return NULL;
}

/* title: a non-blank string. */
static void
acp_title(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	PayloadField f;
	char	   *title;
	bool		blank = true;

	payload_get(body, "title", &f);
	if (!f.present || f.is_null)
	{
		acp_invalid(p, "title", "required", "title is required");
		return;
	}
	if ((title = acp_string(body, "title", p)) == NULL)
		return;
	for (const char *c = title; *c && blank; c++)
		blank = (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r');
	if (blank)
		acp_invalid(p, "title", "required", "title must not be empty or blank");
	else
		dialect_put_text(ctx, "title", title);
}

/*
 * An instant: ISO 8601 date-time with a UTC offset.  A date alone or a local
 * time is refused rather than guessed into an instant.
 */
static bool
acp_instant(Jsonb *body, const char *field, const char *native_key, DialectContext *ctx,
			TimestampTz *out, TaskProblems *p)
{
	char	   *s = acp_string(body, field, p);
	DateADT		d;

	if (s == NULL)
		return false;
	switch (tp_parse_datetime(s, strlen(s), NULL, out))
	{
		case TP_OK:
			dialect_put_text(ctx, native_key, s);
			return true;
		case TP_NEEDS_ZONE:
			acp_invalid(p, field, "invalid_datetime",
						"%s has no UTC offset: add \"Z\" or \"+HH:MM\", e.g. \"2026-03-10T09:00:00Z\"", field);
			break;
		case TP_OUT_OF_RANGE:
		case TP_LOCAL_TIME_GAP:
			acp_invalid(p, field, "invalid_datetime", "%s is not a real date and time", field);
			break;
		default:
			if (tp_parse_date(s, strlen(s), &d) == TP_OK)
				acp_invalid(p, field, "invalid_datetime",
							"%s is a date without a time; send an ISO 8601 timestamp such as \"%sT00:00:00Z\"",
							field, s);
			else
				acp_invalid(p, field, "invalid_datetime",
							"%s must be an ISO 8601 timestamp with a UTC offset, e.g. \"2026-03-10T09:00:00Z\"",
							field);
			break;
	}
	return false;
}

/* The four timestamps, and scheduledStartAt <= scheduledEndAt. */
static void
acp_times(Jsonb *body, DialectContext *ctx, AcpBody *st, TaskProblems *p)
{
	TimestampTz t[4];
	bool		has[4];

	for (int i = 0; acp_instants[i][0]; i++)
		has[i] = acp_instant(body, acp_instants[i][0], acp_instants[i][1], ctx, &t[i], p);
	if (has[0] && has[1] && t[0] > t[1])
		acp_invalid(p, "scheduledEndAt", "invalid_range",
					"scheduledEndAt must not be before scheduledStartAt");
	st->has_completed_at = has[3];
}

/*
 * An array of ids: dependencies (kind NULL) or links of kind under relation.
 * Each item's field is "<field>[<index>]".
 */
static void
acp_id_array(Jsonb *body, const char *field, const char *kind, const char *relation,
			 int max_items, DialectContext *ctx, TaskProblems *p)
{
	PayloadField f;
	JsonbContainer *c;

	payload_get(body, field, &f);
	if (!f.present || f.is_null)
		return;
	if (f.value.type != jbvBinary || !JsonContainerIsArray(f.value.val.binary.data))
	{
		acp_invalid(p, field, "invalid_type", "%s must be an array of ids, not %s",
					field, jsonb_type_name(&f.value));
		return;
	}
	c = f.value.val.binary.data;
	if ((int) JsonContainerSize(c) > max_items)
	{
		acp_invalid(p, field, "too_many", "%s must have at most %d items (got %u)",
					field, max_items, JsonContainerSize(c));
		return;
	}
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(c, i);
		char	   *item = psprintf("%s[%u]", field, i);
		char	   *id;

		CHECK_FOR_INTERRUPTS();
		if (v->type != jbvString)
		{
			acp_invalid(p, item, "invalid_type", "%s must be a string id, not %s",
						item, jsonb_type_name(v));
			continue;
		}
		id = pnstrdup(v->val.string.val, v->val.string.len);
		if (!acp_is_uuid(id, item, p))
			continue;
		if (kind == NULL)
			dialect_add_dependency(ctx, id, item);
		else
			dialect_add_link(ctx, kind, relation, id, NULL, item);
	}
}

/* A has-one link by id: field -> a record of kind under relation. */
static void
acp_has_one(Jsonb *body, const char *field, const char *kind, const char *relation,
			DialectContext *ctx, TaskProblems *p)
{
	char	   *id = acp_id(body, field, p);

	if (id != NULL)
		dialect_add_link(ctx, kind, relation, id, NULL, field);
}

/* projectId, releaseId, sprintId, assigneeAgentId, the id arrays, lastStartedThreadId. */
static void
acp_references(Jsonb *body, DialectContext *ctx, AcpBody *st, TaskProblems *p)
{
	acp_has_one(body, "projectId", "project", "project", ctx, p);
	acp_has_one(body, "releaseId", "release", "release", ctx, p);
	acp_has_one(body, "sprintId", "sprint", "sprint", ctx, p);
	st->agent_id = acp_id(body, "assigneeAgentId", p);
	acp_id_array(body, "dependencyIds", NULL, NULL, TASKS_MAX_ITEMS, ctx, p);
	acp_id_array(body, "linkedThreadIds", "thread", "linked_thread", ACP_MAX_THREADS, ctx, p);
	acp_has_one(body, "lastStartedThreadId", "thread", "last_started_thread", ctx, p);
}

/* sortOrder (a number) and metadata (an object). */
static void
acp_numbers_and_metadata(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, "sortOrder", &f);
	if (f.present && !f.is_null)
	{
		if (f.value.type == jbvNumeric)
			dialect_put_value(ctx, "sort_order", &f.value);
		else
			acp_invalid(p, "sortOrder", "invalid_type", "sortOrder must be a number, not %s",
						jsonb_type_name(&f.value));
	}
	payload_get(body, "metadata", &f);
	if (f.present && !f.is_null)
	{
		if (f.value.type == jbvBinary && JsonContainerIsObject(f.value.val.binary.data))
			dialect_put_value(ctx, "metadata", &f.value);
		else
			acp_invalid(p, "metadata", "invalid_type", "metadata must be an object, not %s",
						jsonb_type_name(&f.value));
	}
}

/* Validates and translates the body (an object); ACP-level problems go to p. */
static void
acp_translate(Jsonb *body, DialectContext *ctx, AcpBody *st, TaskProblems *p)
{
	char	   *s;
	const char *priority;
	bool		invalid;

	acp_check_keys(body, p);
	acp_title(body, ctx, p);
	if ((s = acp_string(body, "description", p)) != NULL)
		dialect_put_text(ctx, "description", s);
	st->status = acp_enum(body, "status", acp_statuses, &st->status_invalid, p);
	if ((priority = acp_enum(body, "priority", acp_priorities, &invalid, p)) != NULL)
		dialect_put_text(ctx, "priority", priority);
	acp_references(body, ctx, st, p);
	acp_times(body, ctx, st, p);
	acp_numbers_and_metadata(body, ctx, p);
}

/*
 * The caller must be an active member of the workspace (ACP authenticates
 * every request; userId is the caller).  Raises 401 otherwise.
 */
static void
acp_check_caller(const DialectContext *ctx)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	bool		isnull;

	if (ctx->who.has_actor)
	{
		store_plan_generic(&plan,
				     "SELECT m.active FROM tasks.members m WHERE m.workspace_id = $1 AND m.id = $2",
				     2, types);
		values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
		values[1] = UUIDPGetDatum(&ctx->who.actor_id);
		if (store_execute_indexed(plan, values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "caller lookup failed");
		if (SPI_processed == 1 &&
			DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			return;
	}
	dialect_raise(401, "Authentication required: the caller is not an active member of this workspace",
				  "{\"error\": {\"code\": \"unauthorized\", \"message\": \"Authentication required:"
				  " the caller is not an active member of this workspace\", \"details\": []}}");
}

/*
 * The status: the first status of the ACP category (the initial one when it
 * is of that category), or the workspace's initial status when none was
 * sent.  completedAt is only accepted on a done task.
 */
static void
acp_check_status(DialectContext *ctx, const AcpBody *st, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	char	   *category;

	if (st->status_invalid)
		return;
	store_plan_generic(&plan,
			     "SELECT s.id, s.category FROM tasks.statuses s"
			     " WHERE s.workspace_id = $1 AND CASE WHEN $2 IS NULL THEN s.is_initial ELSE s.category = $2 END"
			     " ORDER BY s.is_initial DESC, s.position, s.id LIMIT 1",
			     2, types);
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = st->status ? CStringGetTextDatum(st->status) : (Datum) 0;
	nulls[1] = st->status ? ' ' : 'n';
	if (store_execute_indexed(plan, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "status lookup failed");
	if (SPI_processed == 0)
	{
		if (st->status)
			acp_invalid(p, "status", "status_unavailable",
						"status: this workspace has no status in the %s category", st->status);
		else
			acp_invalid(p, "status", "status_unavailable",
						"status: this workspace has no initial status; send a status");
		return;
	}
	dialect_put_text(ctx, "status_id",
					 uuid_to_cstring(DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0],
																  SPI_tuptable->tupdesc, 1, &isnull))));
	category = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (st->has_completed_at && strcmp(category, "done") != 0)
		acp_invalid(p, "completedAt", "invalid_state",
					"completedAt can only be set on a task whose status is done (the status would be %s)",
					category);
}

/*
 * assigneeAgentId must be an agent: a user of the workspace is refused here;
 * ids that name no member are left to the engine (not_found, inactive).
 */
static void
acp_check_agent(DialectContext *ctx, const AcpBody *st, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	pg_uuid_t	id;

	if (st->agent_id == NULL || !payload_uuid(st->agent_id, &id))
		return;
	store_plan_generic(&plan,
			     "SELECT m.kind FROM tasks.members m WHERE m.workspace_id = $1 AND m.id = $2",
			     2, types);
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = UUIDPGetDatum(&id);
	if (store_execute_indexed(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "agent lookup failed");
	if (SPI_processed == 1 &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "agent") != 0)
		acp_invalid(p, "assigneeAgentId", "not_an_agent",
					"assigneeAgentId names a user, not an agent; tasks are assigned to agents");
	else
		dialect_add_assignee(ctx, st->agent_id, "assigneeAgentId");
}

/* Whether problems already hold one for field. */
static bool
acp_has_field(const TaskProblems *p, const char *field)
{
	ListCell   *lc;

	foreach(lc, p->items)
		if (strcmp(((TaskProblem *) lfirst(lc))->path, field) == 0)
			return true;
	return false;
}

/*
 * The problems in ACP terms: the first nacp are ACP's own; the engine's
 * (after them) get the ACP field, and are dropped when that field already
 * has a problem.
 */
static TaskProblems *
acp_from_native(const DialectContext *ctx, const TaskProblems *all, int nacp)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, all->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *field;

		if (foreach_current_index(lc) < nacp)
		{
			out->items = lappend(out->items, np);
			continue;
		}
		field = dialect_vendor_field(ctx, np->path, acp_map);
		if (!acp_has_field(out, field))
			problem_add_extra(out, field, np->code, np->extra_json, "%s: %s", field, np->message);
	}
	return out;
}

/*
 * Raises {"error": {"code", "message", "details"}}: 401 when the engine
 * refused the caller, else 400 validation_error when any problem is about
 * the body's shape, else 422 invalid_reference.  The message is the first
 * problem of the class answered.
 */
static void
acp_raise(const TaskProblems *p)
{
	TaskProblem *head = NULL;
	TaskProblem *first_reference = NULL;
	StringInfoData body;
	ListCell   *lc;
	const char *code;
	int			status;

	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		if (strcmp(item->path, "Authorization") == 0)
			dialect_raise(401, "Authentication required: the caller is not a member of this workspace",
						  "{\"error\": {\"code\": \"unauthorized\", \"message\": \"Authentication required:"
						  " the caller is not a member of this workspace\", \"details\": []}}");
		if (key_in_list(item->code, strlen(item->code), acp_reference_codes))
			first_reference = first_reference ? first_reference : item;
		else
			head = head ? head : item;
	}
	status = head ? 400 : 422;
	code = head ? "validation_error" : "invalid_reference";
	head = head ? head : first_reference;

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"error\": {\"code\": ");
	json_append_string(&body, code, strlen(code));
	appendStringInfoString(&body, ", \"message\": ");
	json_append_string(&body, head->message, strlen(head->message));
	appendStringInfoString(&body, ", \"details\": [");
	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		appendStringInfoString(&body, lc == list_head(p->items) ? "{\"field\": " : ", {\"field\": ");
		json_append_string(&body, item->path, strlen(item->path));
		appendStringInfoString(&body, ", \"code\": ");
		json_append_string(&body, item->code, strlen(item->code));
		appendStringInfoString(&body, ", \"message\": ");
		json_append_string(&body, item->message, strlen(item->message));
		if (item->extra_json)
			appendStringInfo(&body, ", %s", item->extra_json);
		appendStringInfoChar(&body, '}');
	}
	appendStringInfoString(&body, "]}}");
	dialect_raise(status, head->message, body.data);
}

/*
 * The ACP response body {"task": {...}} of one task ($1 workspace, $2 task).
 * ACP has no "cancelled": a cancelled task reads as done (closed).  An
 * all-day due date (only the native API can store one) reads as
 * "YYYY-MM-DD".  One kept plan, read by acp_create and by tasks._acp_response.
 */
static SPIPlanPtr acp_response_plan = NULL;
static const char acp_response_sql[] =
"SELECT jsonb_build_object('task', jsonb_build_object("
"	'id', t.id,"
"	'userId', t.created_by,"
"	'projectId', lk.ids -> 'project' -> 0,"
"	'releaseId', lk.ids -> 'release' -> 0,"
"	'title', t.title,"
"	'description', t.description,"
"	'status', CASE WHEN s.category = 'cancelled' THEN 'done' ELSE s.category END,"
"	'priority', t.priority,"
"	'sprintId', lk.ids -> 'sprint' -> 0,"
"	'assigneeAgentId', (SELECT a.member_id"
"						  FROM tasks.task_assignees a"
"						  JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id"
"						 WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id AND m.kind = 'agent'"
"						 ORDER BY a.assigned_at, a.member_id LIMIT 1),"
"	'dependencyIds', coalesce((SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id)"
"								 FROM tasks.task_dependencies d"
"								WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), '[]'::jsonb),"
"	'linkedThreadIds', coalesce(lk.ids -> 'linked_thread', '[]'::jsonb),"
"	'lastStartedThreadId', lk.ids -> 'last_started_thread' -> 0,"
"	'scheduledStartAt', tasks.format_instant(t.scheduled_start),"
"	'scheduledEndAt', tasks.format_instant(t.scheduled_end),"
"	'dueAt', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD')),"
"	'completedAt', tasks.format_instant(t.completed_at),"
"	'sortOrder', t.sort_order,"
"	'metadata', t.metadata,"
"	'createdAt', tasks.format_instant(t.created_at),"
"	'updatedAt', tasks.format_instant(t.updated_at)))"
"  FROM tasks.tasks t"
"  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
DIALECT_RESPONSE_LINKS_AND_KEY;

/*
 * Creates a task from a acp body; raises acp errors.
 *
 * ACP problems and the engine's are reported together: the engine writes
 * nothing when the list it is given already holds a problem.
 */
static Datum
acp_create(Jsonb *body, pg_uuid_t *task_id)
{
	Datum		result;
	DialectContext ctx;
	TaskProblems problems;
	AcpBody		st;
	int			nacp;

	dialect_begin(&ctx, "acp");
	acp_check_caller(&ctx);
	problems_init(&problems);
	memset(&st, 0, sizeof(st));
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		acp_invalid(&problems, "", "invalid_type", "The request body must be a JSON object");
		acp_raise(&problems);
	}
	acp_translate(body, &ctx, &st, &problems);
	acp_check_status(&ctx, &st, &problems);
	acp_check_agent(&ctx, &st, &problems);
	nacp = list_length(problems.items);
	if (!dialect_create(&ctx, &problems))
		acp_raise(acp_from_native(&ctx, &problems, nacp));
	result = dialect_response(&ctx, &acp_response_plan, acp_response_sql);
	*task_id = ctx.draft.id;
	return result;
}

/* tasks_acp.task_create(jsonb) RETURNS jsonb */
TASKS_DIALECT_CREATE(acp, 201)

/* tasks._acp_response(workspace_id uuid, id uuid) RETURNS jsonb */
TASKS_DIALECT_RESPONSE(acp)
