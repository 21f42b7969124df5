/*-------------------------------------------------------------------------
 *
 * dialect_leadlex.c
 *	  Leadlex CRM: POST /v1/tasks (seed 001).
 *
 * Flat body; a task needs at least one parent link (contact_id, company_id,
 * deal_id, event_id, or a contact_name / company_name that resolves); names
 * are fuzzy-matched inside the workspace and an explicit id wins over a name;
 * created_date is honoured only within the last 5 years and up to 24 hours
 * ahead.  Errors are {"error": {"code", "message"}} with 400
 * validation_error / ambiguous_reference, 403 insufficient_permissions and
 * 404 not_found; we add "details" (every problem) and, for ambiguous names,
 * "candidates".
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

static const char *const leadlex_fields[] = {
	"title", "description", "status", "priority", "task_type", "due_date",
	"assignee_id", "contact_id", "contact_name", "company_id", "company_name",
	"deal_id", "event_id", "created_date", NULL
};

static const char *const leadlex_statuses[][2] = {
	{"open", "todo"}, {"in_progress", "in_progress"}, {"completed", "done"}, {NULL, NULL}
};

static const char *const leadlex_priorities[] = {"low", "medium", "high", NULL};

/* Native payload keys back to Leadlex fields, for the engine's problems. */
static const char *const leadlex_map[][2] = {
	{"type", "task_type"}, {"due_at", "due_date"}, {"created_at", "created_date"},
	{"created_by", "Authorization"}, {NULL, NULL}
};

/* Parent links by id: Leadlex field -> record kind. */
static const char *const leadlex_parents[][2] = {
	{"contact_id", "contact"}, {"company_id", "company"}, {"deal_id", "deal"},
	{"event_id", "event"}, {NULL, NULL}
};

/* Records a Leadlex validation problem (field, message). */
#define leadlex_invalid(p, field, ...) problem_add((p), (field), "validation_error", __VA_ARGS__)

/* Reads an optional string field; a non-string is a validation problem. */
static char *
leadlex_string(Jsonb *body, const char *field, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, field, &f);
	if (!f.present || f.is_null)
		return NULL;
	if (f.value.type != jbvString)
	{
		leadlex_invalid(p, field, "%s must be a string", field);
		return NULL;
	}
	return pnstrdup(f.value.val.string.val, f.value.val.string.len);
}

/* Reads an optional uuid field. */
static char *
leadlex_uuid(Jsonb *body, const char *field, TaskProblems *p)
{
	char	   *s = leadlex_string(body, field, p);
	pg_uuid_t	u;

	if (s != NULL && !payload_uuid(s, &u))
	{
		leadlex_invalid(p, field, "%s must be a UUID", field);
		return NULL;
	}
	return s;
}

/* status and priority: the Leadlex enums. */
static void
leadlex_enums(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	char	   *status = leadlex_string(body, "status", p);
	char	   *priority = leadlex_string(body, "priority", p);
	const char *native = "todo";	/* default "open" */

	if (status != NULL)
	{
		native = NULL;
		for (int i = 0; leadlex_statuses[i][0]; i++)
			if (strcmp(status, leadlex_statuses[i][0]) == 0)
				native = leadlex_statuses[i][1];
		if (native == NULL)
			leadlex_invalid(p, "status", "status must be one of: open, in_progress, completed");
	}
	if (native != NULL)
		dialect_put_text(ctx, "status", native);
	if (priority != NULL)
	{
		if (key_in_list(priority, strlen(priority), leadlex_priorities))
			dialect_put_text(ctx, "priority", priority);
		else
			leadlex_invalid(p, "priority", "priority must be one of: low, medium, high");
	}
}

/* due_date: a calendar date (all-day) or a date-time with a UTC offset. */
static void
leadlex_due(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	char	   *due = leadlex_string(body, "due_date", p);
	DateADT		d;
	TimestampTz t;

	if (due == NULL)
		return;
	if (tp_parse_date(due, strlen(due), &d) == TP_OK)
		dialect_put_text(ctx, "due_date", due);
	else if (tp_parse_datetime(due, strlen(due), NULL, &t) == TP_OK)
		dialect_put_text(ctx, "due_at", due);
	else
		leadlex_invalid(p, "due_date",
						"due_date must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a UTC offset");
}

/*
 * created_date: honoured verbatim within the last 5 years and at most 24
 * hours ahead; any other valid timestamp gives way to now().
 */
static void
leadlex_created(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	char	   *created = leadlex_string(body, "created_date", p);
	TimestampTz t;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Interval	five_years = {.time = 0,.day = 0,.month = 5 * MONTHS_PER_YEAR};
	TimestampTz floor;

	if (created == NULL)
		return;
	if (tp_parse_datetime(created, strlen(created), NULL, &t) != TP_OK)
	{
		leadlex_invalid(p, "created_date", "created_date must be an ISO 8601 timestamp with a UTC offset");
		return;
	}
	floor = DatumGetTimestamp(DirectFunctionCall2(timestamp_mi_interval,
												  TimestampGetDatum(now),
												  IntervalPGetDatum(&five_years)));
	if (t >= floor && t <= now + USECS_PER_DAY)
		dialect_put_text(ctx, "created_at", created);
}

/*
 * Reads a name field, checked even when an id given alongside will win (so
 * a call is never accepted with a name the native API would refuse).
 */
static char *
leadlex_name(Jsonb *body, const char *field, TaskProblems *p)
{
	char	   *name = leadlex_string(body, field, p);

	if (name != NULL && pg_mbstrlen_with_len(name, strlen(name)) > TASKS_MAX_NAME)
	{
		leadlex_invalid(p, field, "%s must be at most %d characters", field, TASKS_MAX_NAME);
		return NULL;
	}
	return name;
}

/* Parent links, assignee and names; returns whether any parent was given. */
static bool
leadlex_links(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	bool		parent = false;
	char	   *assignee = leadlex_uuid(body, "assignee_id", p);
	char	   *name;

	if (assignee != NULL)
		dialect_add_assignee(ctx, assignee, "assignee_id");
	for (int i = 0; leadlex_parents[i][0]; i++)
	{
		char	   *id = leadlex_uuid(body, leadlex_parents[i][0], p);

		if (id != NULL)
			dialect_add_link(ctx, leadlex_parents[i][1], NULL, id, NULL, leadlex_parents[i][0]);
		parent |= (id != NULL);
	}
	/* A name counts as a parent when it resolves; an id given alongside wins. */
	if ((name = leadlex_name(body, "contact_name", p)) != NULL && name[0] != '\0')
	{
		if (!dialect_has_link(ctx, "contact"))
			dialect_add_link(ctx, "contact", NULL, NULL, name, "contact_name");
		parent = true;
	}
	if ((name = leadlex_name(body, "company_name", p)) != NULL && name[0] != '\0')
	{
		if (!dialect_has_link(ctx, "company"))
			dialect_add_link(ctx, "company", NULL, NULL, name, "company_name");
		parent = true;
	}
	return parent;
}

/* Validates and translates the body; Leadlex-level problems go to p. */
static void
leadlex_translate(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	char	   *title,
			   *s;
	ListCell   *lc;
	int			nproblems;

	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		leadlex_invalid(p, "", "Request body must be a JSON object");
		return;
	}
	foreach(lc, payload_unknown_keys(&body->root, leadlex_fields))
		leadlex_invalid(p, lfirst(lc), "Unknown field: %s", (char *) lfirst(lc));

	nproblems = list_length(p->items);
	title = leadlex_string(body, "title", p);
	if ((title == NULL && list_length(p->items) == nproblems) || (title != NULL && title[0] == '\0'))
		leadlex_invalid(p, "title", "title is required");
	else
		dialect_put_text(ctx, "title", title);
	if ((s = leadlex_string(body, "description", p)) != NULL)
		dialect_put_text(ctx, "description", s);
	if ((s = leadlex_string(body, "task_type", p)) != NULL)
		dialect_put_text(ctx, "type", s);
	leadlex_enums(body, ctx, p);
	leadlex_due(body, ctx, p);
	leadlex_created(body, ctx, p);
	if (!leadlex_links(body, ctx, p))
		leadlex_invalid(p, "contact_id",
						"At least one parent link (contact_id, company_id, deal_id, or event_id) is required");
}

/* The engine's problems in Leadlex terms: field names and the three codes. */
static TaskProblems *
leadlex_from_native(const DialectContext *ctx, const TaskProblems *native)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *field = dialect_vendor_field(ctx, np->path, leadlex_map);
		const char *code = strcmp(np->code, "ambiguous_reference") == 0 ? "ambiguous_reference" :
			strcmp(np->code, "not_found") == 0 ? "not_found" : "validation_error";

		problem_add_extra(out, field, code, np->extra_json, "%s: %s", field, np->message);
	}
	return out;
}

/* The error a Leadlex client sees first: validation, then ambiguity, then not found. */
static TaskProblem *
leadlex_headline(const TaskProblems *p)
{
	static const char *const order[] = {"validation_error", "ambiguous_reference", "not_found"};

	for (int i = 0; i < lengthof(order); i++)
	{
		ListCell   *lc;

		foreach(lc, p->items)
		{
			TaskProblem *item = lfirst(lc);

			if (strcmp(item->code, order[i]) == 0)
				return item;
		}
	}
	return linitial(p->items);
}

/* Raises {"error": {"code", "message", "details", "candidates"?}}. */
static void
leadlex_raise(const TaskProblems *p)
{
	TaskProblem *head = leadlex_headline(p);
	StringInfoData body;
	ListCell   *lc;

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"error\": {\"code\": ");
	json_append_string(&body, head->code, strlen(head->code));
	appendStringInfoString(&body, ", \"message\": ");
	json_append_string(&body, head->message, strlen(head->message));
	if (strcmp(head->code, "ambiguous_reference") == 0 && head->extra_json)
		appendStringInfo(&body, ", %s", head->extra_json);
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
	dialect_raise(strcmp(head->code, "not_found") == 0 ? 404 : 400, head->message, body.data);
}

/*
 * The Leadlex response body {"data": {...}} of one task ($1 workspace, $2
 * task): one kept plan, read by leadlex_create and by tasks._leadlex_response.
 */
static SPIPlanPtr leadlex_response_plan = NULL;
static const char leadlex_response_sql[] =
"SELECT jsonb_build_object('data', jsonb_build_object("
"	'id', t.id,"
"	'title', t.title,"
"	'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'"
"				   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'"
"				   ELSE 'open' END,"
"	'priority', CASE WHEN t.priority = 'urgent' THEN 'high' ELSE t.priority END,"
"	'due_date', coalesce(to_char(t.due_date, 'YYYY-MM-DD'), tasks.format_instant(t.due_at)),"
"	'assigned_to_user_id', (SELECT a.member_id FROM tasks.task_assignees a"
"							 WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id"
"							 ORDER BY a.assigned_at, a.position, a.member_id LIMIT 1),"
"	'contact_id', lk.ids -> 'contact' -> 0,"
"	'deal_id', lk.ids -> 'deal' -> 0,"
"	'event_id', lk.ids -> 'event' -> 0,"
"	'created_date', tasks.format_instant(t.created_at)))"
"  FROM tasks.tasks t"
"  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
DIALECT_RESPONSE_LINKS_AND_KEY;

/* Creates a task from a Leadlex body; raises Leadlex errors. */
static Datum
leadlex_create(Jsonb *body, pg_uuid_t *task_id)
{
	Datum		result;
	DialectContext ctx;
	TaskProblems problems;

	dialect_begin(&ctx, "leadlex");
	if (!identity_has_scope(&ctx.who, "activities:write"))
		dialect_raise(403, "Missing activities:write permission",
					  "{\"error\": {\"code\": \"insufficient_permissions\","
					  " \"message\": \"Missing activities:write permission\"}}");
	problems_init(&problems);
	leadlex_translate(body, &ctx, &problems);
	if (problems_any(&problems))
		leadlex_raise(&problems);
	if (!dialect_create(&ctx, &problems))
		leadlex_raise(leadlex_from_native(&ctx, &problems));
	result = dialect_response(&ctx, &leadlex_response_plan, leadlex_response_sql);
	*task_id = ctx.draft.id;
	return result;
}

/* tasks_leadlex.task_create(jsonb) RETURNS jsonb */
TASKS_DIALECT_CREATE(leadlex, 201)

/* tasks._leadlex_response(workspace_id uuid, id uuid) RETURNS jsonb */
TASKS_DIALECT_RESPONSE(leadlex)
