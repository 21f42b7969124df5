/*-------------------------------------------------------------------------
 *
 * dialect_vambe.c
 *	  Vambe AI CRM: POST /api/public/tasks (seed 002).
 *
 * A NestJS endpoint: the body is validated as a whole (every problem at
 * once, unknown properties refused) into
 * {"statusCode": 400, "message": "Validation failed", "errors": [{field,
 * message}]}; then the references are checked (responsibleIds must be
 * active users of the organisation, aiContactId / aiCustomerId existing
 * records), each failure a 404 in the NestJS NotFoundException shape.  The
 * caller is the creator; the status is always the workspace's initial one.
 * A dueDate is a calendar date unless it carries a time of day other than
 * midnight; dueTime makes the task timed (local time in timezone, UTC by
 * default), its absence all-day.  A task linked to a contact also gets an
 * interactive note on that contact, in the same transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "dialect_vambe.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static const char *const vambe_fields[] = {
	"title", "description", "dueDate", "dueTime", "timezone", "responsibleIds",
	"aiContactId", "aiCustomerId", "priority", "associateToCalendar", NULL
};

/* Vambe's priority strings and the canonical priorities they store as. */
static const char *const vambe_priorities[][2] = {
	{"0", "low"}, {"1", "medium"}, {"2", "high"}, {NULL, NULL}
};

/* Native payload keys back to Vambe fields, for the engine's problems. */
static const char *const vambe_map[][2] = {
	{"due_date", "dueDate"}, {"due_at", "dueDate"}, {"metadata", "associateToCalendar"},
	{"created_by", "x-api-key"}, {"status", "status_config"}, {NULL, NULL}
};

/* The messages the page documents, and ours in the same style. */
#define VAMBE_MSG_TITLE_MIN		"Title must be at least 1 character"
#define VAMBE_MSG_PRIORITY		"Priority must be one of: \"0\", \"1\", \"2\""
#define VAMBE_MSG_TIME			"Invalid time format. Expected HH:mm (e.g., \"14:30\")"
#define VAMBE_MSG_DATE			"Invalid date format. Expected ISO 8601 (e.g., \"2025-10-25\" or \"2025-10-25T14:00:00.000Z\")"
#define VAMBE_MSG_ZONE			"Invalid timezone. Expected an IANA time zone identifier (e.g., \"America/Santiago\")"

/* Problem code of a 401 (VAMBE_INVALID and VAMBE_NOT_FOUND in dialect_vambe.h). */
#define VAMBE_UNAUTHORIZED		"unauthorized"

/* The references of a body, checked against the organisation after validation. */
typedef struct VambeRefs
{
	List	   *responsibles;	/* of char * uuid text, duplicates dropped */
	List	   *responsible_fields; /* of char *, parallel */
	char	   *contact_id;
	char	   *customer_id;
} VambeRefs;

/*
 * Reads an optional string-or-null field: NULL when absent or null; a
 * non-string sets *bad and records message (unless p or message is NULL).
 */
char *
vambe_string(Jsonb *body, const char *field, const char *message, TaskProblems *p, bool *bad)
{
	PayloadField f;

	payload_get(body, field, &f);
	if (bad)
		*bad = false;
	if (!f.present || f.is_null)
		return NULL;
	if (f.value.type != jbvString)
	{
		if (p != NULL && message != NULL)
			vambe_invalid(p, field, "%s", message);
		if (bad)
			*bad = true;
		return NULL;
	}
	return pnstrdup(f.value.val.string.val, f.value.val.string.len);
}

/* A UUID in its canonical 8-4-4-4-12 form (any version) as lower-case text, else NULL. */
char *
vambe_uuid(const char *s)
{
	pg_uuid_t	u;

	if (s == NULL || strlen(s) != 36 || !payload_uuid(s, &u))
		return NULL;
	return uuid_to_cstring(&u);
}

/* Refuses properties the DTO does not declare (forbidNonWhitelisted). */
static void
vambe_unknown_fields(Jsonb *body, TaskProblems *p)
{
	ListCell   *lc;

	foreach(lc, payload_unknown_keys(&body->root, vambe_fields))
		vambe_invalid(p, lfirst(lc), "property %s should not exist", (char *) lfirst(lc));
}

/* title (1..500 characters; required unless patch) and description (string or null). */
void
vambe_texts(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p)
{
	PayloadField f;
	char	   *s;
	int			chars;

	payload_get(body, "title", &f);
	if (!f.present || f.is_null)
	{
		if (!patch)
			vambe_invalid(p, "title", "Title is required");
	}
	else if (f.value.type != jbvString)
		vambe_invalid(p, "title", "Title must be a string");
	else if ((chars = pg_mbstrlen_with_len(f.value.val.string.val, f.value.val.string.len)) < 1)
		vambe_invalid(p, "title", VAMBE_MSG_TITLE_MIN);
	else if (chars > TASKS_MAX_TITLE)
		vambe_invalid(p, "title", "Title must be at most %d characters", TASKS_MAX_TITLE);
	else
		dialect_put_text(ctx, "title", pnstrdup(f.value.val.string.val, f.value.val.string.len));

	s = vambe_string(body, "description", "Description must be a string", p, NULL);
	if (s != NULL && pg_mbstrlen_with_len(s, strlen(s)) > TASKS_MAX_DESCRIPTION)
		vambe_invalid(p, "description", "Description must be at most %d characters",
					  TASKS_MAX_DESCRIPTION);
	else if (s != NULL)
		dialect_put_text(ctx, "description", s);
}

/* priority: the strings "0", "1", "2"; required unless patch. */
void
vambe_priority(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, "priority", &f);
	if (patch && (!f.present || f.is_null))
		return;
	if (f.present && !f.is_null && f.value.type == jbvString)
	{
		for (int i = 0; vambe_priorities[i][0]; i++)
		{
			if (f.value.val.string.len == 1 &&
				f.value.val.string.val[0] == vambe_priorities[i][0][0])
			{
				dialect_put_text(ctx, "priority", vambe_priorities[i][1]);
				return;
			}
		}
	}
	vambe_invalid(p, "priority", VAMBE_MSG_PRIORITY);
}

/*
 * responsibleIds: 1..100 UUIDs (required unless patch); repeated ids count
 * once.  The ids go to *ids, their fields to *fields.  Whether a list of a
 * valid size was given.
 */
bool
vambe_responsibles(Jsonb *body, bool patch, List **ids, List **fields, TaskProblems *p)
{
	PayloadField f;
	JsonbContainer *c;
	uint32		n;

	payload_get(body, "responsibleIds", &f);
	if (patch && (!f.present || f.is_null))
		return false;
	if (!f.present || f.is_null || f.value.type != jbvBinary ||
		!JsonContainerIsArray(f.value.val.binary.data))
	{
		vambe_invalid(p, "responsibleIds", "Responsible IDs must be an array of user UUIDs");
		return false;
	}
	c = f.value.val.binary.data;
	n = JsonContainerSize(c);
	if (n == 0)
	{
		vambe_invalid(p, "responsibleIds", "At least one responsible user ID is required");
		return false;
	}
	if (n > TASKS_MAX_ITEMS)
	{
		vambe_invalid(p, "responsibleIds", "Responsible IDs must contain at most %d user IDs",
					  TASKS_MAX_ITEMS);
		return false;
	}
	for (uint32 i = 0; i < n; i++)
	{
		char	   *field = psprintf("responsibleIds[%u]", i);
		char	   *id = vambe_uuid(jsonb_string_dup(getIthJsonbValueFromContainer(c, i)));
		bool		dup = false;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (id == NULL)
		{
			vambe_invalid(p, field, "Each responsible ID must be a valid UUID");
			continue;
		}
		foreach(lc, *ids)
			dup |= strcmp(lfirst(lc), id) == 0;
		if (dup)
			continue;
		*ids = lappend(*ids, id);
		*fields = lappend(*fields, field);
	}
	return true;
}

/* aiContactId / aiCustomerId: a UUID or null. */
char *
vambe_record_id(Jsonb *body, const char *field, const char *label, TaskProblems *p)
{
	char	   *message = psprintf("%s must be a valid UUID", label);
	char	   *s = vambe_string(body, field, message, p, NULL);
	char	   *id = vambe_uuid(s);

	if (s != NULL && id == NULL)
		vambe_invalid(p, field, "%s", message);
	return id;
}

/*
 * associateToCalendar: a boolean, kept in metadata.  A create writes
 * "metadata" (false when absent or null), a patch "metadata_merge" when given.
 */
void
vambe_calendar(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p)
{
	PayloadField f;
	bool		on = false;

	payload_get(body, "associateToCalendar", &f);
	if (patch && (!f.present || f.is_null))
		return;
	if (f.present && !f.is_null)
	{
		if (f.value.type != jbvBool)
		{
			vambe_invalid(p, "associateToCalendar", "associateToCalendar must be a boolean value");
			return;
		}
		on = f.value.val.boolean;
	}
	dialect_put_json(ctx, patch ? "metadata_merge" : "metadata",
					 on ? "{\"vambe\": {\"associateToCalendar\": true}}"
					 : "{\"vambe\": {\"associateToCalendar\": false}}");
}

/* Whether every digit of the time part of a parsed date-time is zero. */
static bool
vambe_written_midnight(const char *s)
{
	for (const char *c = s + 11; *c && *c != 'Z' && *c != '+' && *c != '-'; c++)
		if (*c >= '1' && *c <= '9')
			return false;
	return true;
}

/*
 * dueDate: "YYYY-MM-DD" or an ISO 8601 date-time.  Sets *day to the written
 * calendar date, and *instant / *is_instant when a time of day other than
 * midnight is written (a local one read in zone).  False on error.
 */
static bool
vambe_due_date(const char *s, pg_tz *zone, DateADT *day, TimestampTz *instant,
			   bool *is_instant, TaskProblems *p)
{
	int			len = strlen(s);

	*is_instant = false;
	if (tp_parse_date(s, len, day) == TP_OK)
		return true;
	switch (tp_parse_datetime(s, len, zone, instant))
	{
		case TP_OK:
			(void) tp_parse_date(s, 10, day);
			*is_instant = !vambe_written_midnight(s);
			return true;
		case TP_OUT_OF_RANGE:
			vambe_invalid(p, "dueDate", "Invalid date. The date or time does not exist");
			return false;
		case TP_LOCAL_TIME_GAP:
			vambe_invalid(p, "dueDate",
						  "Invalid date. This local time does not exist in %s (daylight saving time change)",
						  pg_get_timezone_name(zone));
			return false;
		default:
			if (len >= 10 && tp_parse_date(s, 10, day) == TP_OUT_OF_RANGE)
				vambe_invalid(p, "dueDate", "Invalid date. The date or time does not exist");
			else
				vambe_invalid(p, "dueDate", VAMBE_MSG_DATE);
			return false;
	}
}

/*
 * dueDate, dueTime, timezone.  Without dueTime the task is all-day on the
 * written date.  With dueTime: a calendar dueDate is read as local time in
 * timezone (UTC when none); a dueDate with its own time of day is an exact
 * instant and is kept (the page's example), dueTime then only marks the task
 * as timed.  A timezone is stored with any due date, never without one; a
 * dueTime needs a dueDate.  A patch with dueDate null (and no dueTime)
 * removes the due date, its time and zone, and an all-day due date clears
 * the zone unless one is given.
 */
void
vambe_due(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p)
{
	PayloadField df;
	bool		bad_date,
				bad_time,
				bad_zone;
	char	   *zname = vambe_string(body, "timezone", NULL, NULL, &bad_zone);
	const char *zcanon = NULL;
	pg_tz	   *zone = zname ? tp_lookup_zone(zname, strlen(zname), &zcanon) : NULL;
	pg_tz	   *utc = tp_lookup_zone("UTC", 3, NULL);
	char	   *date;
	char	   *time;
	int64		usec = 0;
	DateADT		day = 0;
	TimestampTz instant = 0;
	bool		is_instant = false;
	bool		ok;

	/* problems in field order: dueDate, dueTime, timezone */
	payload_get(body, "dueDate", &df);
	date = vambe_string(body, "dueDate", VAMBE_MSG_DATE, p, &bad_date);
	ok = date != NULL && vambe_due_date(date, zone ? zone : utc, &day, &instant, &is_instant, p);
	time = vambe_string(body, "dueTime", VAMBE_MSG_TIME, p, &bad_time);
	if (time != NULL && tp_parse_hhmm(time, strlen(time), &usec) != TP_OK)
	{
		vambe_invalid(p, "dueTime", VAMBE_MSG_TIME);
		bad_time = true;
	}
	if (date == NULL && !bad_date && (time != NULL || bad_time))
		vambe_invalid(p, "dueDate", "Due date is required when dueTime is specified");
	if (bad_zone || (zname != NULL && zone == NULL))
	{
		vambe_invalid(p, "timezone", VAMBE_MSG_ZONE);
		bad_zone = true;
	}
	if (bad_time || bad_zone)
		return;
	if (patch && df.present && df.is_null && time == NULL)
	{
		dialect_put_text(ctx, "due_date", NULL);
		dialect_put_text(ctx, "due_at", NULL);
		dialect_put_text(ctx, "timezone", NULL);
		return;
	}
	if (!ok)
		return;

	if (time == NULL)
	{
		dialect_put_text(ctx, "due_date", tp_format_date(day));
		if (zcanon != NULL || patch)
			dialect_put_text(ctx, "timezone", zcanon);
		return;
	}
	if (zone == NULL)
		(void) tp_lookup_zone("UTC", 3, &zcanon);
	if (!is_instant &&
		tp_local_to_instant(day, usec, zone ? zone : utc, &instant) != TP_OK)
	{
		vambe_invalid(p, "dueTime",
					  "Invalid time. %s does not exist on %s in %s (daylight saving time change)",
					  time, tp_format_date(day), zcanon);
		return;
	}
	dialect_put_text(ctx, "due_at", tp_format_instant(instant));
	dialect_put_text(ctx, "timezone", zcanon);
}

/* Validates and translates the body; Vambe-level problems go to p. */
static void
vambe_translate(Jsonb *body, DialectContext *ctx, VambeRefs *refs, TaskProblems *p)
{
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		vambe_invalid(p, "body", "Request body must be a JSON object");
		return;
	}
	vambe_unknown_fields(body, p);
	vambe_texts(body, ctx, false, p);
	vambe_priority(body, ctx, false, p);
	vambe_due(body, ctx, false, p);
	(void) vambe_responsibles(body, false, &refs->responsibles, &refs->responsible_fields, p);
	refs->contact_id = vambe_record_id(body, "aiContactId", "AI contact ID", p);
	refs->customer_id = vambe_record_id(body, "aiCustomerId", "AI customer ID", p);
	vambe_calendar(body, ctx, false, p);
}

/* Raises the Vambe error for p: 401, else 400 (validation), else 404. */
void
vambe_raise(const TaskProblems *p)
{
	StringInfoData body;
	ListCell   *lc;
	const char *code = VAMBE_NOT_FOUND;
	TaskProblem *head = NULL;
	bool		first = true;

	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		if (strcmp(item->code, VAMBE_UNAUTHORIZED) == 0)
			dialect_raise(401, "Unauthorized", "{\"statusCode\": 401, \"message\": \"Unauthorized\"}");
		if (strcmp(item->code, VAMBE_INVALID) == 0)
			code = VAMBE_INVALID;
	}
	initStringInfo(&body);
	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		if (strcmp(item->code, code) != 0)
			continue;
		if (head == NULL)
			head = item;
		appendStringInfoString(&body, first ? "{\"field\": " : ", {\"field\": ");
		json_append_string(&body, item->path, strlen(item->path));
		appendStringInfoString(&body, ", \"message\": ");
		json_append_string(&body, item->message, strlen(item->message));
		appendStringInfoChar(&body, '}');
		first = false;
	}
	if (strcmp(code, VAMBE_INVALID) == 0)
		dialect_raise(400, "Validation failed",
					  psprintf("{\"statusCode\": 400, \"message\": \"Validation failed\", \"errors\": [%s]}",
							   body.data));
	else
	{
		StringInfoData msg;

		initStringInfo(&msg);
		json_append_string(&msg, head->message, strlen(head->message));
		dialect_raise(404, head->message,
					  psprintf("{\"statusCode\": 404, \"message\": %s, \"error\": \"Not Found\", \"errors\": [%s]}",
							   msg.data, body.data));
	}
}

/* Runs a kept read-only plan; the caller reads SPI_tuptable. */
void
vambe_query(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types, Datum *values,
			const char *nulls)
{
	store_plan_generic(slot, sql, nargs, types);
	if (store_execute_indexed(*slot, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "vambe lookup failed");
}

/* The caller must be an active member: Vambe's API key stands for a user (401 otherwise). */
void
vambe_check_caller(const DialectContext *ctx)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		values[2];

	if (ctx->who.has_actor)
	{
		values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
		values[1] = UUIDPGetDatum(&ctx->who.actor_id);
		vambe_query(&plan, "SELECT 1 FROM tasks.members m"
					" WHERE m.workspace_id = $1 AND m.id = $2 AND m.active",
					2, types, values, NULL);
		if (SPI_processed == 1)
			return;
	}
	dialect_raise(401, "Unauthorized", "{\"statusCode\": 401, \"message\": \"Unauthorized\"}");
}

/* Responsibles (ids with their fields) must be active users (not agents) of the organisation. */
void
vambe_check_responsibles(const DialectContext *ctx, List *ids, List *fields, TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, TEXTARRAYOID};
	Datum		values[2];
	ListCell   *lc,
			   *fc;
	uint64		i = 0;

	if (ids == NIL)
		return;
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	values[1] = text_list_array(ids);
	vambe_query(&plan, "SELECT m.active FROM unnest($2::uuid[]) WITH ORDINALITY AS r(id, o)"
				" LEFT JOIN tasks.members m ON m.workspace_id = $1 AND m.id = r.id AND m.kind = 'user'"
				" ORDER BY r.o", 2, types, values, NULL);
	forboth(lc, ids, fc, fields)
	{
		bool		isnull;
		Datum		active = SPI_getbinval(SPI_tuptable->vals[i++], SPI_tuptable->tupdesc, 1, &isnull);

		if (isnull)
			problem_add(p, lfirst(fc), VAMBE_NOT_FOUND,
						"Responsible user %s not found in organization", (char *) lfirst(lc));
		else if (!DatumGetBool(active))
			problem_add(p, lfirst(fc), VAMBE_NOT_FOUND,
						"Responsible user %s is deactivated", (char *) lfirst(lc));
	}
}

/* Sets values[i] to a uuid parsed from text, or marks it null. */
static void
vambe_set_uuid(Datum *values, char *nulls, int i, const char *id)
{
	values[i] = id ? DirectFunctionCall1(uuid_in, CStringGetDatum(id)) : (Datum) 0;
	nulls[i] = id ? ' ' : 'n';
}

/* The contact and the customer (when given) must be live records of their kind in the organisation. */
void
vambe_check_records(const DialectContext *ctx, const char *contact_id, const char *customer_id,
					TaskProblems *p)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, UUIDOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;

	if (contact_id == NULL && customer_id == NULL)
		return;
	values[0] = UUIDPGetDatum(&ctx->who.workspace_id);
	vambe_set_uuid(values, nulls, 1, contact_id);
	vambe_set_uuid(values, nulls, 2, customer_id);
	vambe_query(&plan, "SELECT $2 IS NULL OR EXISTS (SELECT 1 FROM tasks.records r"
				"  WHERE r.workspace_id = $1 AND r.id = $2 AND r.kind = 'contact' AND r.deleted_at IS NULL),"
				" $3 IS NULL OR EXISTS (SELECT 1 FROM tasks.records r"
				"  WHERE r.workspace_id = $1 AND r.id = $3 AND r.kind = 'customer' AND r.deleted_at IS NULL)",
				3, types, values, nulls);
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		problem_add(p, "aiContactId", VAMBE_NOT_FOUND, "Contact %s not found", contact_id);
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
		problem_add(p, "aiCustomerId", VAMBE_NOT_FOUND, "Customer %s not found", customer_id);
}

/* Hands the checked references to the engine. */
static void
vambe_add_refs(DialectContext *ctx, const VambeRefs *refs)
{
	ListCell   *lc,
			   *fc;

	forboth(lc, refs->responsibles, fc, refs->responsible_fields)
		dialect_add_assignee(ctx, lfirst(lc), lfirst(fc));
	if (refs->contact_id)
		dialect_add_link(ctx, "contact", NULL, refs->contact_id, NULL, "aiContactId");
	if (refs->customer_id)
		dialect_add_link(ctx, "customer", NULL, refs->customer_id, NULL, "aiCustomerId");
}

/* The engine's problems in Vambe terms (only races get here: all was checked). */
static TaskProblems *
vambe_from_native(const DialectContext *ctx, const TaskProblems *native)
{
	TaskProblems *out = palloc(sizeof(TaskProblems));
	ListCell   *lc;

	problems_init(out);
	foreach(lc, native->items)
	{
		TaskProblem *np = lfirst(lc);
		const char *field = dialect_vendor_field(ctx, np->path, vambe_map);
		const char *code = strcmp(field, "x-api-key") == 0 ? VAMBE_UNAUTHORIZED :
			(strcmp(np->code, "not_found") == 0 || strcmp(np->code, "inactive") == 0 ||
			 strcmp(field, "status_config") == 0) ? VAMBE_NOT_FOUND : VAMBE_INVALID;

		problem_add(out, field, code, "%s %s", field, np->message);
	}
	return out;
}

/* The interactive note a contact gets for a task linked to it. */
static void
vambe_interactive_note(const DialectContext *ctx)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[5] = {UUIDOID, UUIDOID, UUIDOID, TEXTOID, UUIDOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	const TaskDraft *d = &ctx->draft;
	ListCell   *lc;

	foreach(lc, d->links)
	{
		TaskLink   *l = lfirst(lc);

		if (strcmp(l->relation, "contact") != 0)
			continue;
		store_plan_generic(&plan, "INSERT INTO tasks.notes (workspace_id, task_id, record_id, kind, body, created_by)"
				     " VALUES ($1, $2, $3, 'interactive', $4, $5)", 5, types);
		values[0] = UUIDPGetDatum(&d->workspace_id);
		values[1] = UUIDPGetDatum(&d->id);
		values[2] = UUIDPGetDatum(&l->record_id);
		values[3] = CStringGetTextDatum(d->title);
		values[4] = UUIDPGetDatum(&d->created_by);
		nulls[4] = d->has_created_by ? ' ' : 'n';
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "interactive note insert failed");
	}
}

/* Creates a task from a Vambe body; raises Vambe errors. */
/*
 * The Vambe Task Object of one task ($1 workspace, $2 task).  status_config.type
 * is "initial" for the workspace's initial status, "final" for closed ones
 * (done, cancelled), "intermediate" for the rest.  One kept plan, read by
 * vambe_create and by tasks._vambe_response.
 */
static SPIPlanPtr vambe_response_plan = NULL;
static const char vambe_response_sql[] =
"SELECT jsonb_build_object("
"	'id', t.id,"
"	'title', t.title,"
"	'description', t.description,"
"	'due_timezone', t.due_timezone,"
	/* an all-day date is shown as that date's midnight UTC, as Vambe's clients send it */
"	'due_at', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD\"T00:00:00.000Z\"')),"
"	'is_all_day', t.due_at IS NULL,"
"	'created_at', tasks.format_instant(t.created_at),"
"	'ai_contact_id', lk.ids -> 'contact' -> 0,"
"	'ai_customer_id', lk.ids -> 'customer' -> 0,"
"	'task_status_config_id', s.id,"
"	'priority', CASE t.priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'urgent' THEN 2 END,"
"	'creator_id', t.created_by,"
"	'task_responsibles', (SELECT coalesce(jsonb_agg(jsonb_build_object('responsible_id', a.member_id)"
"												   ORDER BY a.assigned_at, a.position, a.member_id), '[]'::jsonb)"
"							FROM tasks.task_assignees a"
"						   WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id),"
"	'status_config', jsonb_build_object('id', s.id, 'name', s.name, 'color', s.color,"
"										'type', CASE WHEN s.is_initial THEN 'initial'"
"													 WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'final'"
"													 ELSE 'intermediate' END,"
"										'order', s.position))"
"  FROM tasks.tasks t"
"  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id"
DIALECT_RESPONSE_LINKS_AND_KEY;

static Datum
vambe_create(Jsonb *body, pg_uuid_t *task_id)
{
	Datum		result;
	DialectContext ctx;
	TaskProblems problems;
	VambeRefs	refs = {0};

	dialect_begin(&ctx, "vambe");
	vambe_check_caller(&ctx);
	problems_init(&problems);
	vambe_translate(body, &ctx, &refs, &problems);
	if (problems_any(&problems))
		vambe_raise(&problems);
	vambe_check_responsibles(&ctx, refs.responsibles, refs.responsible_fields, &problems);
	vambe_check_records(&ctx, refs.contact_id, refs.customer_id, &problems);
	if (problems_any(&problems))
		vambe_raise(&problems);
	vambe_add_refs(&ctx, &refs);
	if (!dialect_create(&ctx, &problems))
		vambe_raise(vambe_from_native(&ctx, &problems));
	vambe_interactive_note(&ctx);
	result = dialect_response(&ctx, &vambe_response_plan, vambe_response_sql);
	*task_id = ctx.draft.id;
	return result;
}

/* tasks_vambe.task_create(jsonb) RETURNS jsonb */
TASKS_DIALECT_CREATE(vambe, 201)

/* tasks._vambe_response(workspace_id uuid, id uuid) RETURNS jsonb */
TASKS_DIALECT_RESPONSE(vambe)

/* The responses of a list (task_list.c) */
TASKS_DIALECT_RESPONSES(vambe)
