/*-------------------------------------------------------------------------
 *
 * dialect_care.c
 *	  Healthcare operations ("care"): POST /v1/tasks (seed 003).
 *
 * A FastAPI/pydantic service: title, description, assigned_user_ids,
 * created_by_id and deadline are required; call_id, fax_id, assistant_id,
 * session_id and patient_id link records that must exist in the company
 * (the workspace); unknown fields are ignored (extra="ignore").  deadline is
 * the task's due instant (due_at) and must carry a UTC offset.  Body errors
 * are FastAPI's 422 {"detail": [{type, loc, msg, input, ctx?}]} with every
 * problem, in pydantic v2 terms; ids that name nothing in the company are
 * 404 {"detail": "..."}.  Success is 201 with the task.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* Record links: care field -> record kind, label in not-found messages. */
static const char *const care_links[][3] = {
	{"call_id", "call", "Call"}, {"fax_id", "fax", "Fax"},
	{"assistant_id", "assistant", "Assistant"}, {"session_id", "session", "Session"},
	{"patient_id", "patient", "Patient"}, {NULL, NULL, NULL}
};

/* care status -> native status category. */
static const char *const care_statuses[][2] = {
	{"pending", "todo"}, {"in_progress", "in_progress"}, {"completed", "done"}, {NULL, NULL}
};

static const char *const care_priorities[] = {"low", "medium", "high", "urgent", NULL};

/* Native payload keys back to care fields, for the engine's problems. */
static const char *const care_map[][2] = {
	{"due_at", "deadline"}, {"created_by", "created_by_id"}, {NULL, NULL}
};

#define CARE_MAX_ID_BYTES		64	/* longer strings cannot be ids */
#define CARE_MAX_DATETIME_BYTES 64	/* longer strings cannot be date-times */

/* Records one pydantic error at loc (a care field, "/"-separated). */
static void
care_error(TaskProblems *p, const char *loc, const char *type, const char *ctx_json,
		   const char *msg)
{
	problem_add_extra(p, loc, type, ctx_json ? psprintf("\"ctx\": %s", ctx_json) : NULL,
					  "%s", msg);
}

/* Checks a str value: string_type, string_too_short, string_too_long. */
static char *
care_str(const JsonbValue *v, const char *loc, int min_chars, int max_chars, TaskProblems *p)
{
	int			chars;

	if (v->type != jbvString)
	{
		care_error(p, loc, "string_type", NULL, "Input should be a valid string");
		return NULL;
	}
	chars = pg_mbstrlen_with_len(v->val.string.val, v->val.string.len);
	if (chars < min_chars)
	{
		care_error(p, loc, "string_too_short", psprintf("{\"min_length\": %d}", min_chars),
				   psprintf("String should have at least %d character%s", min_chars,
							min_chars == 1 ? "" : "s"));
		return NULL;
	}
	if (chars > max_chars)
	{
		care_error(p, loc, "string_too_long", psprintf("{\"max_length\": %d}", max_chars),
				   psprintf("String should have at most %d characters", max_chars));
		return NULL;
	}
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A required str field. */
static char *
care_required_str(Jsonb *body, const char *field, int max_chars, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, field, &f);
	if (!f.present)
	{
		care_error(p, field, "missing", NULL, "Field required");
		return NULL;
	}
	return care_str(&f.value, field, 1, max_chars, p);
}

/* Checks an id value: a string holding a UUID (the canonical ids). */
static char *
care_id(const JsonbValue *v, const char *loc, TaskProblems *p)
{
	char	   *s = care_str(v, loc, 0, INT_MAX, p);
	pg_uuid_t	u;

	if (s == NULL)
		return NULL;
	if (v->val.string.len > CARE_MAX_ID_BYTES || !payload_uuid(s, &u))
	{
		care_error(p, loc, "uuid_parsing", NULL,
				   "Input should be a valid UUID, expected 32 hex digits, optionally as 8-4-4-4-12 groups");
		return NULL;
	}
	return s;
}

/*
 * A list field: list_type, too_short, too_long.  Returns the array
 * container, or NULL when absent, null (if nullable) or invalid.
 */
static JsonbContainer *
care_list(Jsonb *body, const char *field, bool required, int min_items, TaskProblems *p)
{
	PayloadField f;
	JsonbContainer *c;
	int			n;

	payload_get(body, field, &f);
	if (!f.present)
	{
		if (required)
			care_error(p, field, "missing", NULL, "Field required");
		return NULL;
	}
	if (f.is_null && !required)
		return NULL;
	if (f.value.type != jbvBinary || !JsonContainerIsArray(f.value.val.binary.data))
	{
		care_error(p, field, "list_type", NULL, "Input should be a valid list");
		return NULL;
	}
	c = f.value.val.binary.data;
	n = (int) JsonContainerSize(c);
	if (n < min_items)
		care_error(p, field, "too_short",
				   psprintf("{\"field_type\": \"List\", \"min_length\": %d, \"actual_length\": %d}",
							min_items, n),
				   psprintf("List should have at least %d item%s after validation, not %d",
							min_items, min_items == 1 ? "" : "s", n));
	else if (n > TASKS_MAX_ITEMS)
		care_error(p, field, "too_long",
				   psprintf("{\"field_type\": \"List\", \"max_length\": %d, \"actual_length\": %d}",
							TASKS_MAX_ITEMS, n),
				   psprintf("List should have at most %d items after validation, not %d",
							TASKS_MAX_ITEMS, n));
	else
		return c;
	return NULL;
}

/* assigned_user_ids: at least one member id. */
static void
care_assignees(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	JsonbContainer *c = care_list(body, "assigned_user_ids", true, 1, p);

	if (c == NULL)
		return;
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		char	   *loc = psprintf("assigned_user_ids/%u", i);
		char	   *id;

		CHECK_FOR_INTERRUPTS();
		id = care_id(getIthJsonbValueFromContainer(c, i), loc, p);
		if (id != NULL)
			dialect_add_assignee(ctx, id, loc);
	}
}

/* tags: a list of strings, or null (no tags). */
static void
care_tags(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	JsonbContainer *c = care_list(body, "tags", false, 0, p);
	StringInfoData json;

	if (c == NULL)
		return;
	initStringInfo(&json);
	appendStringInfoChar(&json, '[');
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		char	   *tag;

		CHECK_FOR_INTERRUPTS();
		tag = care_str(getIthJsonbValueFromContainer(c, i), psprintf("tags/%u", i),
					   1, TASKS_MAX_SHORT_TEXT, p);
		if (tag == NULL)
			continue;
		if (json.len > 1)
			appendStringInfoString(&json, ", ");
		json_append_string(&json, tag, strlen(tag));
	}
	appendStringInfoChar(&json, ']');
	dialect_put_json(ctx, "tags", json.data);
}

/* A copy of a date-time with pydantic's separators folded to ISO's "T" and "Z". */
static char *
care_fold_datetime(const char *s, int len)
{
	char	   *out = pnstrdup(s, len);

	if (len > 10 && (out[10] == 't' || out[10] == ' ' || out[10] == '_'))
		out[10] = 'T';
	if (len > 0 && out[len - 1] == 'z')
		out[len - 1] = 'Z';
	return out;
}

/* deadline: an ISO 8601 date-time with a UTC offset, the due instant. */
static void
care_deadline(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	PayloadField f;
	char	   *s;
	int			len;
	TimestampTz t;
	DateADT		d;
	TimeParseStatus st;

	payload_get(body, "deadline", &f);
	if (!f.present)
	{
		care_error(p, "deadline", "missing", NULL, "Field required");
		return;
	}
	if (f.value.type != jbvString)
	{
		care_error(p, "deadline", "datetime_type", NULL, "Input should be a valid datetime");
		return;
	}
	len = f.value.val.string.len;
	if (len > CARE_MAX_DATETIME_BYTES)
	{
		care_error(p, "deadline", "datetime_from_date_parsing", NULL,
				   "Input should be a valid datetime or date, unexpected extra characters at the end of the input");
		return;
	}
	s = care_fold_datetime(f.value.val.string.val, len);
	st = tp_parse_datetime(s, len, NULL, &t);
	if (st == TP_BAD_FORMAT && tp_parse_date(s, len, &d) == TP_OK)
		st = TP_NEEDS_ZONE;		/* a bare date is a naive midnight */
	else if (st == TP_BAD_FORMAT && tp_parse_date(s, len, &d) == TP_OUT_OF_RANGE)
		st = TP_OUT_OF_RANGE;
	switch (st)
	{
		case TP_OK:
			dialect_put_text(ctx, "due_at", s);
			break;
		case TP_NEEDS_ZONE:
		case TP_LOCAL_TIME_GAP:
			care_error(p, "deadline", "timezone_aware", NULL, "Input should have timezone info");
			break;
		case TP_OUT_OF_RANGE:
			care_error(p, "deadline", "datetime_from_date_parsing", NULL,
					   "Input should be a valid datetime or date, a date, time or offset value is outside its range");
			break;
		default:
			care_error(p, "deadline", "datetime_from_date_parsing", NULL,
					   len < 10 ? "Input should be a valid datetime or date, input is too short" :
					   "Input should be a valid datetime or date, expected ISO 8601 such as 2023-11-07T05:31:56Z");
	}
}

/* call_id, fax_id, assistant_id, session_id, patient_id: optional record links. */
static void
care_record_links(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	for (int i = 0; care_links[i][0]; i++)
	{
		PayloadField f;
		char	   *id;

		payload_get(body, care_links[i][0], &f);
		/* null and "" both mean none (a blank form field from an integration) */
		if (!f.present || f.is_null ||
			(f.value.type == jbvString && f.value.val.string.len == 0))
			continue;
		if ((id = care_id(&f.value, care_links[i][0], p)) != NULL)
			dialect_add_link(ctx, care_links[i][1], NULL, id, NULL, care_links[i][0]);
	}
}

/* An enum field with a default: the value, or NULL (enum error recorded). */
static const char *
care_enum(Jsonb *body, const char *field, const char *const *allowed, const char *dflt,
		  TaskProblems *p)
{
	PayloadField f;
	StringInfoData expected;
	int			n = 0;

	payload_get(body, field, &f);
	if (!f.present)
		return dflt;
	if (f.value.type == jbvString)
		for (const char *const *a = allowed; *a; a++)
			if (strlen(*a) == (size_t) f.value.val.string.len &&
				memcmp(*a, f.value.val.string.val, f.value.val.string.len) == 0)
				return *a;

	/* pydantic: "'a', 'b' or 'c'" */
	while (allowed[n])
		n++;
	initStringInfo(&expected);
	for (int i = 0; i < n; i++)
		appendStringInfo(&expected, "%s'%s'", i == 0 ? "" : (i == n - 1 ? " or " : ", "), allowed[i]);
	care_error(p, field, "enum", psprintf("{\"expected\": \"%s\"}", expected.data),
			   psprintf("Input should be %s", expected.data));
	return NULL;
}

/* status and priority, with the page's defaults. */
static void
care_enums(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	static const char *const statuses[] = {"pending", "in_progress", "completed", NULL};
	const char *status = care_enum(body, "status", statuses, "pending", p);
	const char *priority = care_enum(body, "priority", care_priorities, "medium", p);

	for (int i = 0; status && care_statuses[i][0]; i++)
		if (strcmp(status, care_statuses[i][0]) == 0)
			dialect_put_text(ctx, "status", care_statuses[i][1]);
	if (priority != NULL)
		dialect_put_text(ctx, "priority", priority);
}

/* Validates the body in pydantic's field order and translates it. */
static void
care_translate(Jsonb *body, DialectContext *ctx, TaskProblems *p)
{
	PayloadField f;
	char	   *s;

	if (JB_ROOT_IS_SCALAR(body) || !JB_ROOT_IS_OBJECT(body))
	{
		JsonbValue	v;

		if (JB_ROOT_IS_SCALAR(body) && JsonbExtractScalar(&body->root, &v) && v.type == jbvNull)
			care_error(p, "", "missing", NULL, "Field required");
		else
			care_error(p, "", "model_attributes_type", NULL,
					   "Input should be a valid dictionary or object to extract fields from");
		return;
	}

	if ((s = care_required_str(body, "title", TASKS_MAX_TITLE, p)) != NULL)
		dialect_put_text(ctx, "title", s);
	if ((s = care_required_str(body, "description", TASKS_MAX_DESCRIPTION, p)) != NULL)
		dialect_put_text(ctx, "description", s);
	care_assignees(body, ctx, p);
	payload_get(body, "created_by_id", &f);
	if (!f.present)
		care_error(p, "created_by_id", "missing", NULL, "Field required");
	else if ((s = care_id(&f.value, "created_by_id", p)) != NULL)
		dialect_put_text(ctx, "created_by", s);
	care_deadline(body, ctx, p);
	care_tags(body, ctx, p);
	care_record_links(body, ctx, p);
	care_enums(body, ctx, p);
	/* type: free text up to 255 characters; null and "" mean none */
	payload_get(body, "type", &f);
	if (f.present && !f.is_null &&
		!(f.value.type == jbvString && f.value.val.string.len == 0) &&
		(s = care_str(&f.value, "type", 1, TASKS_MAX_SHORT_TEXT, p)) != NULL)
		dialect_put_text(ctx, "type", s);
}

/*
 * The value the body holds at loc ("field" or "field/index"), or NULL when
 * it holds none.
 */
static JsonbValue *
care_value_at(Jsonb *body, const char *loc)
{
	const char *slash = strchr(loc, '/');
	char	   *key = slash ? pnstrdup(loc, slash - loc) : pstrdup(loc);
	PayloadField f;

	if (loc[0] == '\0' || JB_ROOT_IS_SCALAR(body) || !JB_ROOT_IS_OBJECT(body))
		return NULL;
	payload_get(body, key, &f);
	if (!f.present)
		return NULL;
	if (slash == NULL)
	{
		JsonbValue *v = palloc(sizeof(JsonbValue));

		*v = f.value;
		return v;
	}
	if (f.value.type != jbvBinary || !JsonContainerIsArray(f.value.val.binary.data))
		return NULL;
	return getIthJsonbValueFromContainer(f.value.val.binary.data, (uint32) atoi(slash + 1));
}

/*
 * Appends what pydantic echoes as "input": the value at loc, or, for a
 * missing field, the whole body.
 */
static void
care_append_input(StringInfo buf, Jsonb *body, const char *loc)
{
	JsonbValue *v = care_value_at(body, loc);

	if (v != NULL)
		json_append_value(buf, v);
	else
		(void) JsonbToCString(buf, &body->root, VARSIZE(body));
}

/* Appends loc as FastAPI's ["body", field, index...]. */
static void
care_append_loc(StringInfo buf, const char *loc)
{
	const char *part = loc;

	appendStringInfoString(buf, "[\"body\"");
	while (*part)
	{
		const char *end = strchr(part, '/');
		int			len = end ? (int) (end - part) : (int) strlen(part);

		appendStringInfoString(buf, ", ");
		if (len > 0 && strspn(part, "0123456789") >= (size_t) len)
			appendBinaryStringInfo(buf, part, len);
		else
			json_append_string(buf, part, len);
		part += len + (end ? 1 : 0);
	}
	appendStringInfoChar(buf, ']');
}

/* Raises 422 {"detail": [{type, loc, msg, input, ctx?}]} with every problem. */
static void
care_raise_invalid(Jsonb *body, const TaskProblems *p)
{
	TaskProblem *first = linitial(p->items);
	StringInfoData out;
	StringInfoData loc;
	ListCell   *lc;
	int			n = list_length(p->items);

	initStringInfo(&out);
	appendStringInfoString(&out, "{\"detail\": [");
	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		if (lc != list_head(p->items))
			appendStringInfoString(&out, ", ");
		appendStringInfoString(&out, "{\"type\": ");
		json_append_string(&out, item->code, strlen(item->code));
		appendStringInfoString(&out, ", \"loc\": ");
		care_append_loc(&out, item->path);
		appendStringInfoString(&out, ", \"msg\": ");
		json_append_string(&out, item->message, strlen(item->message));
		appendStringInfoString(&out, ", \"input\": ");
		care_append_input(&out, body, item->path);
		if (item->extra_json)
			appendStringInfo(&out, ", %s", item->extra_json);
		appendStringInfoChar(&out, '}');
	}
	appendStringInfoString(&out, "]}");

	initStringInfo(&loc);
	appendStringInfoString(&loc, first->path[0] ? "body." : "body");
	for (const char *c = first->path; *c; c++)
		appendStringInfoChar(&loc, *c == '/' ? '.' : *c);
	dialect_raise(422, n == 1 ? psprintf("%s: %s", loc.data, first->message) :
				  psprintf("%s: %s (and %d more validation errors)", loc.data, first->message, n - 1),
				  out.data);
}

/* The label of what a care id field names, for not-found messages. */
static const char *
care_label(const char *field)
{
	for (int i = 0; care_links[i][0]; i++)
		if (strcmp(field, care_links[i][0]) == 0)
			return care_links[i][2];
	return "User";
}

/*
 * The engine's problems in care terms: ids that name nothing in the company
 * are 404 {"detail": "..."} (every one, in one message); anything else is a
 * 422 value_error.
 */
static void
care_raise_native(Jsonb *body, const DialectContext *ctx, const TaskProblems *native)
{
	TaskProblems invalid;
	StringInfoData missing;
	ListCell   *lc;

	problems_init(&invalid);
	initStringInfo(&missing);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *field = dialect_vendor_field(ctx, np->path, care_map);
		bool		is_ref = strncmp(np->path, "/links/", 7) == 0 ||
			strncmp(np->path, "/assignee_ids/", 14) == 0 || strcmp(np->path, "/created_by") == 0;

		if (strcmp(np->code, "not_found") == 0 && is_ref)
		{
			JsonbValue *v = care_value_at(body, field);
			const char *slash = strchr(field, '/');

			appendStringInfo(&missing, "%s%s not found: ", missing.len ? "; " : "", care_label(field));
			if (slash)
				appendStringInfo(&missing, "%.*s[%s]", (int) (slash - field), field, slash + 1);
			else
				appendStringInfoString(&missing, field);
			appendStringInfo(&missing, " = %s",
							 v && v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) : "?");
		}
		else
			care_error(&invalid, field, "value_error", NULL, psprintf("Value error, %s", np->message));
	}
	if (missing.len > 0)
	{
		StringInfoData out;

		initStringInfo(&out);
		appendStringInfoString(&out, "{\"detail\": ");
		json_append_string(&out, missing.data, missing.len);
		appendStringInfoChar(&out, '}');
		dialect_raise(404, missing.data, out.data);
	}
	care_raise_invalid(body, &invalid);
}

/*
 * Creates a task from a care body; raises care errors.
 */
/*
 * The care response body (TaskResponse) of one task ($1 workspace, $2 task).
 * Instants are written the way pydantic serializes an aware UTC datetime,
 * "2023-11-07T05:31:56Z", with ".ffffff" only when there are microseconds,
 * whatever TimeZone and DateStyle say.  One kept plan, read by care_create
 * and by tasks._care_response.
 */
static SPIPlanPtr care_response_plan = NULL;
static const char care_response_sql[] =
"SELECT jsonb_build_object("
"	'id', t.id,"
"	'title', t.title,"
"	'description', t.description,"
"	'tags', to_jsonb(t.tags),"
"	'deadline', to_char(u.deadline, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
"					|| CASE WHEN date_part('microseconds', u.deadline)::bigint % 1000000 = 0 THEN '' ELSE to_char(u.deadline, '.US') END"
"					|| 'Z',"
"	'created_at', to_char(u.created, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
"					|| CASE WHEN date_part('microseconds', u.created)::bigint % 1000000 = 0 THEN '' ELSE to_char(u.created, '.US') END"
"					|| 'Z',"
"	'updated_at', to_char(u.updated, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
"					|| CASE WHEN date_part('microseconds', u.updated)::bigint % 1000000 = 0 THEN '' ELSE to_char(u.updated, '.US') END"
"					|| 'Z',"
"	'priority', coalesce(t.priority, 'medium'),"
"	'created_by_id', t.created_by,"
"	'company_id', t.workspace_id,"
"	'version', t.version,"
"	'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'"
"				   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'"
"				   ELSE 'pending' END,"
"	'call_id', lk.ids -> 'call' -> 0,"
"	'fax_id', lk.ids -> 'fax' -> 0,"
"	'assistant_id', lk.ids -> 'assistant' -> 0,"
"	'session_id', lk.ids -> 'session' -> 0,"
"	'patient_id', lk.ids -> 'patient' -> 0,"
"	'type', t.type,"
"	'external_message_ids', '{}'::jsonb)"
"  FROM tasks.tasks t"
"  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
" CROSS JOIN LATERAL (SELECT coalesce(t.due_at, t.deadline) AT TIME ZONE 'UTC', t.created_at AT TIME ZONE 'UTC',"
"							 t.updated_at AT TIME ZONE 'UTC') AS u(deadline, created, updated)"
DIALECT_RESPONSE_LINKS_AND_KEY;

static Datum
care_create(Jsonb *body, pg_uuid_t *task_id)
{
	Datum		result;
	DialectContext ctx;
	TaskProblems problems;

	dialect_begin(&ctx, "care");
	problems_init(&problems);
	care_translate(body, &ctx, &problems);
	if (problems_any(&problems))
		care_raise_invalid(body, &problems);
	if (!dialect_create(&ctx, &problems))
		care_raise_native(body, &ctx, &problems);
	result = dialect_response(&ctx, &care_response_plan, care_response_sql);
	*task_id = ctx.draft.id;
	return result;
}

/* tasks_care.task_create(jsonb) RETURNS jsonb */
TASKS_DIALECT_CREATE(care, 201)

/* tasks._care_response(workspace_id uuid, id uuid) RETURNS jsonb */
TASKS_DIALECT_RESPONSE(care)
