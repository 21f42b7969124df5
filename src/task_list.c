/*-------------------------------------------------------------------------
 *
 * task_list.c
 *	  Reading many tasks: the native list with keyset (cursor) pagination,
 *	  and the list / retrieve endpoints of the dialects that document them.
 *
 * tasks.task_list(filter) validates the whole filter (every problem at once,
 * unknown keys refused), then builds ONE statement from a fixed set of
 * clause templates: each filter present adds its clause with $n parameters,
 * values are never written into the SQL text.  The SQL text is therefore a
 * function of the filter's *shape* (which keys are present, the sort), and
 * it is the key of a small per-backend cache of kept plans (LIST_PLAN_CACHE
 * entries, least recently used evicted), parsed and rewritten once per
 * shape.  A shape with filter clauses is prepared with
 * CURSOR_OPT_CUSTOM_PLAN, planned on every call with the actual values: a
 * generic plan would have to pick one strategy for every assignee (status,
 * record, ...); with the values the planner sees that one member holds 10%
 * of the workspace (walk the sort index, probe the assignment) and another
 * 20 tasks (fetch them and sort), and it costs ~0.1 ms of planning.  A
 * shape without filter clauses (workspace, live tasks, cursor, limit) on a
 * plain column sort (created_at, updated_at) has one right plan whatever
 * the values: an index-only walk of the sort index from the cursor, an
 * index condition even under forced row level security.  It is prepared
 * with CURSOR_OPT_GENERIC_PLAN and planned once; the plan cache replans it
 * when a table or index it depends on changes.  The expression sorts stay
 * custom: their index needs the heap, and a generic plan that expects a
 * small workspace may read a smaller index and sort instead (seen for
 * sort_order), which would sort a whole large workspace per page.
 *
 * Pagination is keyset: a sort is a key expression plus the id as
 * tiebreaker, each with an index (workspace_id, key, id) (ddl/71_list.sql),
 * and the next page starts strictly after the last row's (key, id).  The
 * cursor carries that position, the sort, hashes of the workspace and of the
 * filter, and a checksum: it is opaque, altering it is detected, and a
 * cursor of another workspace, sort or filter is refused by name.  It is
 * not a secret: forging one only moves the starting point inside the
 * caller's own workspace, which identity and row level security decide.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#define LIST_DEFAULT_LIMIT	50
#define LIST_MAX_LIMIT		200
#define LIST_MAX_Q			200		/* characters of the title search */
#define LIST_MAX_ARGS		24
#define LIST_PLAN_CACHE		32		/* kept plans, one per filter shape */

#define CURSOR_VERSION		1
#define CURSOR_BYTES		50
#define CURSOR_SEED			UINT64CONST(0x7461736b6c697374)	/* "tasklist" */

/* ------------------------------------------------------------------------
 * Sorts
 * ------------------------------------------------------------------------
 */

/* A sort: the key expression, exactly as indexed in ddl/71_list.sql. */
typedef struct ListSort
{
	const char *name;
	const char *expr;
	Oid			type;			/* TIMESTAMPTZOID, FLOAT8OID or INT4OID */
	bool		index_only;		/* a plain column: an index-only walk */
} ListSort;

static const ListSort list_sorts[] = {
	{"created_at", "t.created_at", TIMESTAMPTZOID, true},
	{"updated_at", "t.updated_at", TIMESTAMPTZOID, true},
	{"due", "tasks._due_key(t.due_at, t.due_date)", TIMESTAMPTZOID, false},
	{"sort_order", "CASE WHEN t.sort_order IS NULL THEN 'Infinity'::pg_catalog.float8 ELSE t.sort_order END",
	FLOAT8OID, false},
	{"priority", "CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2"
	" WHEN 'low' THEN 1 ELSE 0 END", INT4OID, false},
	{NULL, NULL, InvalidOid, false}
};

#define LIST_DEFAULT_SORT	0	/* created_at, descending */

static const char *const list_keys[] = {
	"record_id", "kind", "relation", "assignee_id", "unassigned", "status_category",
	"status_id", "due_from", "due_to", "overdue", "timezone", "updated_since", "tag", "q",
	"include_deleted", "sort", "limit", "cursor", NULL
};

static const char *const list_categories[] = {
	"backlog", "todo", "in_progress", "blocked", "done", "cancelled", NULL
};

/* ------------------------------------------------------------------------
 * The parsed filter
 * ------------------------------------------------------------------------
 */

/* A date-or-instant filter bound. */
typedef struct ListBound
{
	bool		present;
	bool		is_date;
	DateADT		date;
	TimestampTz instant;
} ListBound;

typedef struct ListFilter
{
	bool		has_record;
	pg_uuid_t	record_id;
	char	   *kind;
	char	   *relation;
	bool		has_assignee;
	pg_uuid_t	assignee_id;
	int			unassigned;		/* -1 absent, 0 false, 1 true */
	List	   *categories;		/* of char * */
	List	   *status_ids;		/* of pg_uuid_t * */
	ListBound	due_from;
	ListBound	due_to;
	int			overdue;		/* -1 absent, 0 false, 1 true */
	char	   *zone_name;		/* canonical, or NULL */
	pg_tz	   *zone;			/* the filter's zone; UTC when none given */
	ListBound	updated_since;
	List	   *tags;			/* of char * */
	char	   *q;
	bool		include_deleted;
	int			sort;			/* index into list_sorts */
	bool		descending;
	int			limit;
	/* the cursor, when given and valid */
	bool		has_cursor;
	int64		cursor_key;
	pg_uuid_t	cursor_id;
} ListFilter;

/* The workspace hash a cursor carries. */
static uint64
list_workspace_hash(const pg_uuid_t *ws)
{
	return hash_bytes_extended(ws->data, UUID_LEN, CURSOR_SEED);
}

/* Whether s (NUL-terminated) is a relation name: ^[a-z][a-z0-9_]{0,62}$. */
static bool
list_is_relation(const char *s)
{
	size_t		len = strlen(s);

	if (len < 1 || len > 63 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}


/* A boolean key: -1 absent or null, else 0 / 1 (a non-boolean is reported). */
static int
list_bool(Jsonb *filter, const char *key, TaskProblems *p)
{
	PayloadField f;

	payload_get(filter, key, &f);
	if (!f.present || f.is_null)
		return -1;
	if (f.value.type != jbvBool)
	{
		problem_add(p, psprintf("/%s", key), "invalid_type", "must be true or false, not %s",
					jsonb_type_name(&f.value));
		return -1;
	}
	return f.value.val.boolean ? 1 : 0;
}

/*
 * The elements of a key that takes one value or an array of 1..max values:
 * a list of JsonbValue * with their paths in *paths.  NIL when absent, null
 * or invalid (reported).
 */
static List *
list_one_or_many(Jsonb *filter, const char *key, int max, List **paths, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);
	JsonbContainer *c;
	List	   *out = NIL;

	*paths = NIL;
	payload_get(filter, key, &f);
	if (!f.present || f.is_null)
		return NIL;
	if (f.value.type != jbvBinary)
	{
		JsonbValue *v = palloc(sizeof(JsonbValue));

		*v = f.value;
		*paths = list_make1(path);
		return list_make1(v);
	}
	c = f.value.val.binary.data;
	if (!JsonContainerIsArray(c))
	{
		problem_add(p, path, "invalid_type", "must be a string or an array of strings, not object");
		return NIL;
	}
	if (JsonContainerSize(c) == 0)
	{
		problem_add(p, path, "empty", "must not be an empty array");
		return NIL;
	}
	if ((int) JsonContainerSize(c) > max)
	{
		problem_add(p, path, "too_many", "must have at most %d items (got %u)", max,
					JsonContainerSize(c));
		return NIL;
	}
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		CHECK_FOR_INTERRUPTS();
		out = lappend(out, getIthJsonbValueFromContainer(c, i));
		*paths = lappend(*paths, json_pointer_index(path, i));
	}
	return out;
}

/* record_id, kind, relation: the linked-record filter. */
static void
list_parse_links(Jsonb *filter, ListFilter *f, TaskProblems *p)
{
	static SPIPlanPtr kind_plan = NULL;
	PayloadField pf;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	payload_get(filter, "record_id", &pf);
	if (pf.present && !pf.is_null)
		f->has_record = payload_uuid_value(&pf.value, "/record_id", &f->record_id, p);

	payload_get(filter, "kind", &pf);
	f->kind = payload_text(&pf, p, "/kind", false, true, 1, TASKS_MAX_SHORT_TEXT);
	if (f->kind != NULL)
	{
		store_plan(&kind_plan, "SELECT 1 FROM tasks.record_kinds k WHERE k.kind = $1", 1, types);
		values[0] = CStringGetTextDatum(f->kind);
		if (SPI_execute_plan(kind_plan, values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "record kind lookup failed");
		if (SPI_processed == 0)
		{
			problem_add(p, "/kind", "unknown_kind", "is not a record kind (see tasks.record_kinds)");
			f->kind = NULL;
		}
	}

	payload_get(filter, "relation", &pf);
	f->relation = payload_text(&pf, p, "/relation", false, true, 1, 63);
	if (f->relation != NULL && !list_is_relation(f->relation))
	{
		problem_add(p, "/relation", "invalid_value",
					"must be a lower-case relation name (letters, digits, _), e.g. \"contact\"");
		f->relation = NULL;
	}
}

/* assignee_id (a uuid or "me") and unassigned. */
static void
list_parse_assignee(Jsonb *filter, const TaskIdentity *who, ListFilter *f, TaskProblems *p)
{
	PayloadField pf;

	payload_get(filter, "assignee_id", &pf);
	if (pf.present && !pf.is_null)
	{
		if (pf.value.type == jbvString && pf.value.val.string.len == 2 &&
			memcmp(pf.value.val.string.val, "me", 2) == 0)
		{
			if (who->has_actor)
			{
				f->has_assignee = true;
				f->assignee_id = who->actor_id;
			}
			else
				problem_add(p, "/assignee_id", "invalid_value",
							"\"me\" needs an acting member (the claim member_id or the setting tasks.actor_id)");
		}
		else if (pf.value.type != jbvString)
			problem_add(p, "/assignee_id", "invalid_type", "must be a uuid string or \"me\", not %s",
						jsonb_type_name(&pf.value));
		else
			f->has_assignee = payload_uuid_value(&pf.value, "/assignee_id", &f->assignee_id, p);
	}
	f->unassigned = list_bool(filter, "unassigned", p);
	if (f->unassigned == 1 && pf.present && !pf.is_null)
		problem_add(p, "/unassigned", "conflict", "give either assignee_id or unassigned: true, not both");
}

/* status_category (one or many) and status_id (one or many). */
static void
list_parse_status(Jsonb *filter, ListFilter *f, TaskProblems *p)
{
	List	   *paths;
	List	   *items;
	ListCell   *lc,
			   *pc;

	items = list_one_or_many(filter, "status_category", lengthof(list_categories) - 1, &paths, p);
	forboth(lc, items, pc, paths)
	{
		JsonbValue *v = lfirst(lc);
		const char *const *c;

		if (v->type != jbvString)
		{
			problem_add(p, lfirst(pc), "invalid_type", "must be a string, not %s", jsonb_type_name(v));
			continue;
		}
		for (c = list_categories; *c; c++)
			if (strlen(*c) == (size_t) v->val.string.len &&
				memcmp(*c, v->val.string.val, v->val.string.len) == 0)
				break;
		if (*c == NULL)
			problem_add(p, lfirst(pc), "invalid_value",
						"must be one of: backlog, todo, in_progress, blocked, done, cancelled");
		else
			f->categories = lappend(f->categories, (char *) *c);
	}

	items = list_one_or_many(filter, "status_id", TASKS_MAX_ITEMS, &paths, p);
	forboth(lc, items, pc, paths)
	{
		pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

		if (payload_uuid_value(lfirst(lc), lfirst(pc), u, p))
			f->status_ids = lappend(f->status_ids, u);
	}
}

/* The start of calendar day d in zone: its first instant (after a gap, the gap's end). */
static TimestampTz
list_day_start(DateADT d, pg_tz *zone)
{
	struct pg_tm tm;
	int			tz;
	TimestampTz out;

	memset(&tm, 0, sizeof(tm));
	j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tz = DetermineTimeZoneOffset(&tm, zone);
	if (tm2timestamp(&tm, 0, &tz, &out) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range for a time stamp")));
	return out;
}

/* The calendar date of instant t in zone. */
static DateADT
list_local_date(TimestampTz t, pg_tz *zone)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(t, &tz, &tm, &fsec, NULL, zone) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/*
 * A bound that is a date ("YYYY-MM-DD", a calendar day in the filter's
 * zone) or an instant (ISO 8601 with an offset, or local time in the
 * filter's zone).
 */
static void
list_parse_bound(Jsonb *filter, const char *key, pg_tz *zone, bool zone_given,
				 bool zone_invalid, ListBound *b, TaskProblems *p)
{
	PayloadField pf;
	char	   *path = psprintf("/%s", key);
	const char *s;
	int			len;

	payload_get(filter, key, &pf);
	if (!pf.present || pf.is_null)
		return;
	if (pf.value.type != jbvString)
	{
		problem_add(p, path, "invalid_type",
					"must be a date (\"YYYY-MM-DD\") or an ISO 8601 date-time string, not %s",
					jsonb_type_name(&pf.value));
		return;
	}
	s = pf.value.val.string.val;
	len = pf.value.val.string.len;
	switch (tp_parse_date(s, len, &b->date))
	{
		case TP_OK:
			b->present = b->is_date = true;
			return;
		case TP_OUT_OF_RANGE:
			problem_add(p, path, "invalid_date", "is not a real calendar date");
			return;
		default:
			break;
	}
	switch (tp_parse_datetime(s, len, zone_given ? zone : NULL, &b->instant))
	{
		case TP_OK:
			b->present = true;
			return;
		case TP_NEEDS_ZONE:
			if (!zone_invalid)
				problem_add(p, path, "timezone_required",
							"has no UTC offset: add one (e.g. \"Z\" or \"+02:00\") or give \"timezone\"");
			return;
		case TP_LOCAL_TIME_GAP:
			problem_add(p, path, "nonexistent_local_time",
						"does not exist in the time zone: clocks skip it at a daylight saving change");
			return;
		case TP_OUT_OF_RANGE:
			problem_add(p, path, "invalid_datetime", "is not a real date and time");
			return;
		default:
			problem_add(p, path, "invalid_datetime",
						"must be a date (\"YYYY-MM-DD\") or an ISO 8601 date-time, e.g. \"2026-03-10T09:00:00Z\"");
			return;
	}
}

/* timezone, due_from, due_to, overdue, updated_since. */
static void
list_parse_times(Jsonb *filter, ListFilter *f, TaskProblems *p)
{
	PayloadField pf;
	char	   *zname;
	bool		zone_invalid = false;

	payload_get(filter, "timezone", &pf);
	zname = payload_text(&pf, p, "/timezone", false, true, 1, 100);
	if (zname != NULL)
	{
		const char *canonical = NULL;

		f->zone = tp_lookup_zone(zname, strlen(zname), &canonical);
		if (f->zone == NULL)
		{
			zone_invalid = true;
			problem_add(p, "/timezone", "invalid_timezone",
						"must be an IANA time zone name such as \"Europe/Berlin\" or \"UTC\"");
		}
		else
			f->zone_name = pstrdup(canonical);
	}
	else if (pf.present && !pf.is_null)
		zone_invalid = true;
	if (f->zone == NULL)
		f->zone = tp_lookup_zone("UTC", 3, NULL);

	list_parse_bound(filter, "due_from", f->zone, f->zone_name != NULL, zone_invalid, &f->due_from, p);
	list_parse_bound(filter, "due_to", f->zone, f->zone_name != NULL, zone_invalid, &f->due_to, p);
	list_parse_bound(filter, "updated_since", f->zone, f->zone_name != NULL, zone_invalid,
					 &f->updated_since, p);
	f->overdue = list_bool(filter, "overdue", p);
}

/* tag (one or many: tasks carrying all of them) and q (text in the title). */
static void
list_parse_text(Jsonb *filter, ListFilter *f, TaskProblems *p)
{
	PayloadField pf;
	List	   *paths;
	List	   *items;
	ListCell   *lc,
			   *pc;

	items = list_one_or_many(filter, "tag", TASKS_MAX_ITEMS, &paths, p);
	forboth(lc, items, pc, paths)
	{
		PayloadField one = {.present = true};
		char	   *tag;

		one.value = *(JsonbValue *) lfirst(lc);
		one.is_null = one.value.type == jbvNull;
		tag = payload_text(&one, p, lfirst(pc), true, false, 1, TASKS_MAX_SHORT_TEXT);
		if (tag != NULL)
			f->tags = lappend(f->tags, tag);
	}

	payload_get(filter, "q", &pf);
	f->q = payload_text(&pf, p, "/q", false, true, 1, LIST_MAX_Q);
}

/* sort and limit. */
static void
list_parse_paging(Jsonb *filter, ListFilter *f, TaskProblems *p)
{
	PayloadField pf;
	char	   *s;

	f->sort = LIST_DEFAULT_SORT;
	f->descending = true;
	payload_get(filter, "sort", &pf);
	s = payload_text(&pf, p, "/sort", false, true, 1, 64);
	if (s != NULL)
	{
		const char *name = s[0] == '-' ? s + 1 : s;
		int			i;

		for (i = 0; list_sorts[i].name; i++)
			if (strcmp(name, list_sorts[i].name) == 0)
				break;
		if (list_sorts[i].name == NULL)
			problem_add(p, "/sort", "invalid_value",
						"must be one of: created_at, updated_at, due, sort_order, priority, each optionally prefixed with \"-\" for descending order");
		else
		{
			f->sort = i;
			f->descending = s[0] == '-';
		}
	}

	f->limit = LIST_DEFAULT_LIMIT;
	payload_get(filter, "limit", &pf);
	if (pf.present && !pf.is_null)
	{
		char	   *n = pf.value.type == jbvNumeric ?
			numeric_normalize(pf.value.val.numeric) : NULL;
		char	   *end;
		long		v = 0;

		if (n == NULL)
			problem_add(p, "/limit", "invalid_type", "must be a number, not %s", jsonb_type_name(&pf.value));
		else if (strlen(n) > 4 || (v = strtol(n, &end, 10)) < 1 || v > LIST_MAX_LIMIT || *end != '\0')
			problem_add(p, "/limit", "invalid_value", "must be a whole number from 1 to %d", LIST_MAX_LIMIT);
		else
			f->limit = (int) v;
	}
}

/* ------------------------------------------------------------------------
 * The cursor
 * ------------------------------------------------------------------------
 */

static const char list_b64[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Appends v to buf big-endian in n bytes. */
static void
cursor_put(unsigned char *buf, uint64 v, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		buf[i] = (unsigned char) (v & 0xff);
		v >>= 8;
	}
}

/* Reads n big-endian bytes. */
static uint64
cursor_get(const unsigned char *buf, int n)
{
	uint64		v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | buf[i];
	return v;
}

/*
 * A hash of the filter as given, without cursor and limit (a page size may
 * change between pages) and without null members (null means absent).
 * jsonb keeps object keys sorted, so equal filters hash equally.
 */
static uint64
list_filter_hash(Jsonb *filter)
{
	JsonbIterator *it = JsonbIteratorInit(&filter->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	StringInfoData buf;
	char	   *key = NULL;
	int			keylen = 0;

	initStringInfo(&buf);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		if (tok == WJB_KEY)
		{
			key = v.val.string.val;
			keylen = v.val.string.len;
			continue;
		}
		if (tok != WJB_VALUE || v.type == jbvNull ||
			(keylen == 6 && memcmp(key, "cursor", 6) == 0) ||
			(keylen == 5 && memcmp(key, "limit", 5) == 0))
			continue;
		json_append_string(&buf, key, keylen);
		appendStringInfoChar(&buf, ':');
		json_append_value(&buf, &v);
		appendStringInfoChar(&buf, ',');
	}
	return hash_bytes_extended((const unsigned char *) buf.data, buf.len, CURSOR_SEED);
}

/* The sort key datum of a row as the 64 bits a cursor carries. */
static int64
cursor_key_bits(Oid type, Datum d)
{
	if (type == FLOAT8OID)
	{
		float8		f = DatumGetFloat8(d);
		int64		bits;

		memcpy(&bits, &f, sizeof(bits));
		return bits;
	}
	if (type == INT4OID)
		return (int64) DatumGetInt32(d);
	return DatumGetTimestampTz(d);
}

/* The datum of a sort key from a cursor's 64 bits. */
static Datum
cursor_key_datum(Oid type, int64 bits)
{
	if (type == FLOAT8OID)
	{
		float8		f;

		memcpy(&f, &bits, sizeof(f));
		return Float8GetDatum(f);
	}
	if (type == INT4OID)
		return Int32GetDatum((int32) bits);
	return TimestampTzGetDatum(bits);
}

/* The opaque cursor after the row (key, id). */
static char *
cursor_encode(const ListFilter *f, uint64 ws_hash, uint64 filter_hash, int64 key,
			  const pg_uuid_t *id)
{
	unsigned char raw[CURSOR_BYTES];
	StringInfoData out;
	uint32		acc = 0;
	int			bits = 0;

	raw[0] = CURSOR_VERSION;
	raw[1] = (unsigned char) (f->sort | (f->descending ? 0x80 : 0));
	cursor_put(raw + 2, ws_hash, 8);
	cursor_put(raw + 10, filter_hash, 8);
	cursor_put(raw + 18, (uint64) key, 8);
	memcpy(raw + 26, id->data, UUID_LEN);
	cursor_put(raw + 42, hash_bytes_extended(raw, 42, CURSOR_SEED), 8);

	initStringInfo(&out);
	for (int i = 0; i < CURSOR_BYTES; i++)
	{
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6)
		{
			bits -= 6;
			appendStringInfoChar(&out, list_b64[(acc >> bits) & 0x3f]);
		}
	}
	if (bits > 0)
		appendStringInfoChar(&out, list_b64[(acc << (6 - bits)) & 0x3f]);
	return out.data;
}

/* Decodes base64url into raw; false when it is not exactly CURSOR_BYTES of it. */
static bool
cursor_decode(const char *s, int len, unsigned char *raw)
{
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;

	if (len != (CURSOR_BYTES * 8 + 5) / 6)
		return false;
	for (int i = 0; i < len; i++)
	{
		const char *pos = memchr(list_b64, s[i], 64);

		if (s[i] == '\0' || pos == NULL)
			return false;
		acc = (acc << 6) | (uint32) (pos - list_b64);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (n < CURSOR_BYTES)
				raw[n++] = (unsigned char) ((acc >> bits) & 0xff);
		}
	}
	return n == CURSOR_BYTES && (acc & ((1 << bits) - 1)) == 0;
}

/*
 * cursor: checked against the workspace, the sort and the filter of this
 * call (those only when the rest of the filter is valid).
 */
static void
list_parse_cursor(Jsonb *filter, const TaskIdentity *who, ListFilter *f, uint64 filter_hash,
				  bool other_problems, TaskProblems *p)
{
	PayloadField pf;
	unsigned char raw[CURSOR_BYTES];
	int			sort;
	bool		desc;

	payload_get(filter, "cursor", &pf);
	if (!pf.present || pf.is_null)
		return;
	if (pf.value.type != jbvString)
	{
		problem_add(p, "/cursor", "invalid_type", "must be a string (a next_cursor of task_list), not %s",
					jsonb_type_name(&pf.value));
		return;
	}
	if (!cursor_decode(pf.value.val.string.val, pf.value.val.string.len, raw) ||
		raw[0] != CURSOR_VERSION ||
		cursor_get(raw + 42, 8) != hash_bytes_extended(raw, 42, CURSOR_SEED) ||
		(raw[1] & 0x7f) >= lengthof(list_sorts) - 1)
	{
		problem_add(p, "/cursor", "invalid_cursor",
					"is not a next_cursor returned by task_list, or it was altered");
		return;
	}
	sort = raw[1] & 0x7f;
	desc = (raw[1] & 0x80) != 0;
	if (other_problems)
		return;
	if (cursor_get(raw + 2, 8) != list_workspace_hash(&who->workspace_id))
		problem_add(p, "/cursor", "cursor_mismatch", "was returned in another workspace");
	else if (sort != f->sort || desc != f->descending)
		problem_add(p, "/cursor", "cursor_mismatch",
					"was returned for sort \"%s%s\", but this request sorts by \"%s%s\"",
					desc ? "-" : "", list_sorts[sort].name,
					f->descending ? "-" : "", list_sorts[f->sort].name);
	else if (cursor_get(raw + 10, 8) != filter_hash)
		problem_add(p, "/cursor", "cursor_mismatch",
					"was returned for a different filter: send the same filter with the cursor (only limit may change)");
	else
	{
		f->has_cursor = true;
		f->cursor_key = (int64) cursor_get(raw + 18, 8);
		memcpy(f->cursor_id.data, raw + 26, UUID_LEN);
	}
}

/* Parses and checks the whole filter; problems are raised together by the caller. */
static void
list_parse(Jsonb *filter, const TaskIdentity *who, ListFilter *f, uint64 *filter_hash,
		   TaskProblems *p)
{
	int			include_deleted;

	memset(f, 0, sizeof(ListFilter));
	if (!JB_ROOT_IS_OBJECT(filter) || JB_ROOT_IS_SCALAR(filter))
	{
		problem_add(p, "", "invalid_type", "the filter must be a JSON object");
		return;
	}
	payload_reject_unknown(&filter->root, "", list_keys, p);
	list_parse_links(filter, f, p);
	list_parse_assignee(filter, who, f, p);
	list_parse_status(filter, f, p);
	list_parse_times(filter, f, p);
	list_parse_text(filter, f, p);
	include_deleted = list_bool(filter, "include_deleted", p);
	f->include_deleted = include_deleted == 1;
	list_parse_paging(filter, f, p);

	if (f->due_from.present && f->due_to.present)
	{
		/* compare as the instants the bounds cover */
		TimestampTz lo = f->due_from.is_date ? list_day_start(f->due_from.date, f->zone) : f->due_from.instant;
		TimestampTz hi = f->due_to.is_date ? list_day_start(f->due_to.date + 1, f->zone) - 1 : f->due_to.instant;

		if (hi < lo)
			problem_add(p, "/due_to", "invalid_range", "must not be before due_from");
	}
	*filter_hash = list_filter_hash(filter);
	/* "me" is a different filter for each actor */
	if (f->has_assignee && who->has_actor && memcmp(&f->assignee_id, &who->actor_id, sizeof(pg_uuid_t)) == 0)
		*filter_hash = hash_combine64(*filter_hash, hash_bytes_extended(who->actor_id.data, UUID_LEN, CURSOR_SEED));
	list_parse_cursor(filter, who, f, *filter_hash, problems_any(p), p);
}

/* ------------------------------------------------------------------------
 * The statement: clause templates, parameters, kept plans
 * ------------------------------------------------------------------------
 */

typedef struct ListQuery
{
	StringInfoData sql;
	bool		generic;		/* index-only sort, no filter clause: planned once */
	int			nargs;
	Oid			types[LIST_MAX_ARGS];
	Datum		values[LIST_MAX_ARGS];
} ListQuery;

/* Adds a parameter; returns its number for "$n". */
static int
list_arg(ListQuery *q, Oid type, Datum value)
{
	if (q->nargs >= LIST_MAX_ARGS)
		elog(ERROR, "too many task_list parameters");
	q->types[q->nargs] = type;
	q->values[q->nargs] = value;
	return ++q->nargs;
}

/* The kept plans, keyed by their SQL text (the filter's shape). */
typedef struct ListPlan
{
	char	   *sql;
	SPIPlanPtr	plan;
	uint64		used;
} ListPlan;

static ListPlan list_plans[LIST_PLAN_CACHE];
static uint64 list_plan_clock = 0;

/* The kept plan of a statement shape: cached, least recently used evicted. */
static SPIPlanPtr
list_plan(const ListQuery *q)
{
	ListPlan   *slot = NULL;

	for (int i = 0; i < LIST_PLAN_CACHE; i++)
	{
		ListPlan   *e = &list_plans[i];

		if (e->sql != NULL && strcmp(e->sql, q->sql.data) == 0)
		{
			e->used = ++list_plan_clock;
			return e->plan;
		}
		if (slot == NULL || e->sql == NULL || (slot->sql != NULL && e->used < slot->used))
			slot = e;
	}
	if (slot->sql != NULL)
	{
		SPI_freeplan(slot->plan);
		pfree(slot->sql);
		slot->sql = NULL;
	}
	slot->plan = NULL;
	store_plan_options(&slot->plan, q->sql.data, q->nargs, (Oid *) q->types,
					   q->generic ? CURSOR_OPT_GENERIC_PLAN : CURSOR_OPT_CUSTOM_PLAN);
	slot->sql = MemoryContextStrdup(TopMemoryContext, q->sql.data);
	slot->used = ++list_plan_clock;
	return slot->plan;
}

/*
 * The status ids of the workspace in the given categories (NIL: any) and
 * among the given ids (NIL: any), as a uuid[] datum.
 */
static Datum
list_status_ids(const pg_uuid_t *ws, List *categories, List *ids)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, TEXTARRAYOID, UUIDARRAYOID};
	Datum		values[3];
	char		nulls[3] = {' ', categories ? ' ' : 'n', ids ? ' ' : 'n'};
	bool		isnull;

	store_plan(&plan,
			   "SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') FROM tasks.statuses s"
			   " WHERE s.workspace_id = $1 AND ($2 IS NULL OR s.category = ANY ($2))"
			   " AND ($3 IS NULL OR s.id = ANY ($3))",
			   3, types);
	values[0] = UUIDPGetDatum(ws);
	values[1] = categories ? text_list_array(categories) : (Datum) 0;
	values[2] = ids ? uuid_list_array(ids) : (Datum) 0;
	if (SPI_execute_plan(plan, values, nulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "status lookup failed");
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
}

/* "t.title ILIKE" pattern: the text with \, % and _ escaped, between %. */
static char *
list_like_pattern(const char *s)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoChar(&b, '%');
	while (*s)
	{
		int			len = pg_mblen(s);

		if (len == 1 && (*s == '\\' || *s == '%' || *s == '_'))
			appendStringInfoChar(&b, '\\');
		appendBinaryStringInfo(&b, s, len);
		s += len;
	}
	appendStringInfoChar(&b, '%');
	return b.data;
}

/* The linked-record, assignee and status clauses. */
static void
list_where_refs(ListQuery *q, const ListFilter *f, const pg_uuid_t *ws)
{
	if (f->has_record || f->kind || f->relation)
	{
		appendStringInfoString(&q->sql, " AND EXISTS (SELECT 1 FROM tasks.task_links l"
							   " WHERE l.workspace_id = $1 AND l.task_id = t.id");
		if (f->has_record)
			appendStringInfo(&q->sql, " AND l.record_id = $%d",
							 list_arg(q, UUIDOID, UUIDPGetDatum(&f->record_id)));
		if (f->kind)
			appendStringInfo(&q->sql, " AND l.kind = $%d",
							 list_arg(q, TEXTOID, CStringGetTextDatum(f->kind)));
		if (f->relation)
			appendStringInfo(&q->sql, " AND l.relation = $%d",
							 list_arg(q, TEXTOID, CStringGetTextDatum(f->relation)));
		appendStringInfoChar(&q->sql, ')');
	}
	if (f->has_assignee)
		appendStringInfo(&q->sql, " AND EXISTS (SELECT 1 FROM tasks.task_assignees a"
						 " WHERE a.workspace_id = $1 AND a.task_id = t.id AND a.member_id = $%d)",
						 list_arg(q, UUIDOID, UUIDPGetDatum(&f->assignee_id)));
	if (f->unassigned >= 0)
		appendStringInfo(&q->sql, " AND %sEXISTS (SELECT 1 FROM tasks.task_assignees a"
						 " WHERE a.workspace_id = $1 AND a.task_id = t.id)",
						 f->unassigned ? "NOT " : "");
	if (f->categories || f->status_ids)
		appendStringInfo(&q->sql, " AND t.status_id = ANY ($%d)",
						 list_arg(q, UUIDARRAYOID, list_status_ids(ws, f->categories, f->status_ids)));
}

/*
 * The due range: a sargable prefilter on the due sort key (its index), then
 * the rule itself: all-day tasks by date, timed tasks by instant.
 */
static void
list_where_due(ListQuery *q, const ListFilter *f)
{
	DateADT		dfrom = DATEVAL_NOBEGIN,
				dto = DATEVAL_NOEND;
	TimestampTz ifrom = DT_NOBEGIN,
				ito = DT_NOEND;
	TimestampTz lo,
				hi;

	if (!f->due_from.present && !f->due_to.present)
		return;
	if (f->due_from.present && f->due_from.is_date)
	{
		dfrom = f->due_from.date;
		ifrom = list_day_start(dfrom, f->zone);
	}
	else if (f->due_from.present)
	{
		ifrom = f->due_from.instant;
		dfrom = list_local_date(ifrom, f->zone);
	}
	if (f->due_to.present && f->due_to.is_date)
	{
		dto = f->due_to.date;
		ito = list_day_start(dto + 1, f->zone) - 1;
	}
	else if (f->due_to.present)
	{
		ito = f->due_to.instant;
		dto = list_local_date(ito, f->zone);
	}
	/* tasks._due_key puts an all-day date at 00:00 UTC */
	lo = DATE_NOT_FINITE(dfrom) ? ifrom : Min(ifrom, (TimestampTz) dfrom * USECS_PER_DAY);
	hi = DATE_NOT_FINITE(dto) ? ito : Max(ito, (TimestampTz) dto * USECS_PER_DAY);
	appendStringInfo(&q->sql, " AND tasks._due_key(t.due_at, t.due_date) BETWEEN $%d AND $%d",
					 list_arg(q, TIMESTAMPTZOID, TimestampTzGetDatum(lo)),
					 list_arg(q, TIMESTAMPTZOID, TimestampTzGetDatum(hi)));
	appendStringInfo(&q->sql, " AND ((t.due_date >= $%d AND t.due_date <= $%d)",
					 list_arg(q, DATEOID, DateADTGetDatum(dfrom)),
					 list_arg(q, DATEOID, DateADTGetDatum(dto)));
	appendStringInfo(&q->sql, " OR (t.due_at >= $%d AND t.due_at <= $%d))",
					 list_arg(q, TIMESTAMPTZOID, TimestampTzGetDatum(ifrom)),
					 list_arg(q, TIMESTAMPTZOID, TimestampTzGetDatum(ito)));
}

/*
 * overdue: open (not done or cancelled) and due before now; an all-day task
 * once its date is over in the filter's timezone, or else in the task's own
 * zone, or else in UTC.
 */
static void
list_where_overdue(ListQuery *q, const ListFilter *f, const pg_uuid_t *ws)
{
	List	   *open = list_make4("backlog", "todo", "in_progress", "blocked");
	int			ids;

	if (f->overdue < 0)
		return;
	ids = list_arg(q, UUIDARRAYOID, list_status_ids(ws, open, NIL));
	appendStringInfo(&q->sql, " AND (t.status_id = ANY ($%d) AND (t.due_at < pg_catalog.now()", ids);
	if (f->zone_name)
		appendStringInfo(&q->sql, " OR t.due_date < (pg_catalog.timezone($%d, pg_catalog.now()))::pg_catalog.date",
						 list_arg(q, TEXTOID, CStringGetTextDatum(f->zone_name)));
	else
		appendStringInfoString(&q->sql, " OR t.due_date < (pg_catalog.timezone(coalesce(t.due_timezone, 'UTC'),"
							   " pg_catalog.now()))::pg_catalog.date");
	appendStringInfo(&q->sql, ")) IS %sTRUE", f->overdue ? "" : "NOT ");
}

/* updated_since, tag and q. */
static void
list_where_rest(ListQuery *q, const ListFilter *f)
{
	if (f->updated_since.present)
	{
		TimestampTz since = f->updated_since.is_date ?
			list_day_start(f->updated_since.date, f->zone) : f->updated_since.instant;

		appendStringInfo(&q->sql, " AND t.updated_at >= $%d",
						 list_arg(q, TIMESTAMPTZOID, TimestampTzGetDatum(since)));
	}
	if (f->tags)
		appendStringInfo(&q->sql, " AND t.tags @> $%d",
						 list_arg(q, TEXTARRAYOID, text_list_array(f->tags)));
	if (f->q)
		appendStringInfo(&q->sql, " AND t.title ILIKE $%d",
						 list_arg(q, TEXTOID, CStringGetTextDatum(list_like_pattern(f->q))));
}

/*
 * The page statement: (id, key) in the keyset order, limit+1 rows to learn
 * whether there is a next page.
 */
static void
list_build(ListQuery *q, const ListFilter *f, const pg_uuid_t *ws)
{
	const ListSort *s = &list_sorts[f->sort];
	const char *dir = f->descending ? "DESC" : "ASC";
	int			limit;
	int			unfiltered;

	initStringInfo(&q->sql);
	q->nargs = 0;
	(void) list_arg(q, UUIDOID, UUIDPGetDatum(ws));
	appendStringInfo(&q->sql, "SELECT t.id, %s AS k FROM tasks.tasks t WHERE t.workspace_id = $1", s->expr);
	if (!f->include_deleted)
		appendStringInfoString(&q->sql, " AND t.deleted_at IS NULL");
	unfiltered = q->sql.len;
	list_where_refs(q, f, ws);
	list_where_due(q, f);
	list_where_overdue(q, f, ws);
	list_where_rest(q, f);
	/* the text tells both (sort, no filter clause): one cache entry, one kind */
	q->generic = s->index_only && q->sql.len == unfiltered;
	if (f->has_cursor)
	{
		int			k = list_arg(q, s->type, cursor_key_datum(s->type, f->cursor_key));
		pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

		*id = f->cursor_id;
		appendStringInfo(&q->sql, " AND (%s, t.id) %s ($%d, $%d)", s->expr,
						 f->descending ? "<" : ">", k, list_arg(q, UUIDOID, UUIDPGetDatum(id)));
	}
	limit = list_arg(q, INT8OID, Int64GetDatum((int64) f->limit + 1));
	appendStringInfo(&q->sql, " ORDER BY %s %s, t.id %s LIMIT $%d", s->expr, dir, dir, limit);
}

/* ------------------------------------------------------------------------
 * Running it
 * ------------------------------------------------------------------------
 */

/* Pushes "key": into a jsonb being built. */
static void
push_key(JsonbParseState **state, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(state, WJB_KEY, &k);
}

/*
 * Runs the list for a parsed filter: {"data": [...], "next_cursor"}.  In
 * one snapshot: the page of ids (planned for the values), then the tasks of
 * the page with their children (task_json_push_page: kept plans), written
 * into the result as they are read.  With include_deleted each task also
 * carries deleted_at and deleted_by, as tasks.task_delete returns them.
 * Caller is inside SPI; the result is copied out of SPI's memory.
 */
static Datum
list_run(const ListFilter *f, const pg_uuid_t *ws, uint64 filter_hash)
{
	ListQuery	q;
	SPIPlanPtr	plan;
	JsonbParseState *state = NULL;
	JsonbValue	v;
	JsonbValue *res;
	uint64		shown;
	List	   *ids = NIL;
	char	   *next = NULL;

	list_build(&q, f, ws);
	plan = list_plan(&q);
	if (SPI_execute_plan(plan, q.values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "task_list query failed");
	shown = Min(SPI_processed, (uint64) f->limit);
	for (uint64 i = 0; i < shown; i++)
	{
		bool		isnull;

		ids = lappend(ids, DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
													   &isnull)));
	}
	if (SPI_processed > shown)
	{
		HeapTuple	last = SPI_tuptable->vals[shown - 1];
		bool		isnull;
		Datum		key = SPI_getbinval(last, SPI_tuptable->tupdesc, 2, &isnull);

		next = cursor_encode(f, list_workspace_hash(ws), filter_hash,
							 cursor_key_bits(list_sorts[f->sort].type, key), llast(ids));
	}

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_key(&state, "data");
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	task_json_push_page(&state, ws, ids, f->include_deleted);
	(void) pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	push_key(&state, "next_cursor");
	if (next)
	{
		v.type = jbvString;
		v.val.string.val = next;
		v.val.string.len = strlen(next);
	}
	else
		v.type = jbvNull;
	(void) pushJsonbValue(&state, WJB_VALUE, &v);
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return SPI_datumTransfer(JsonbPGetDatum(JsonbValueToJsonb(res)), false, -1);
}

/* The native list: parse (every problem at once), then run. */
static Datum
native_list(Jsonb *filter, pg_uuid_t *task_id)
{
	TaskIdentity who;
	ListFilter	f;
	TaskProblems problems;
	uint64		filter_hash = 0;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	problems_init(&problems);
	list_parse(filter, &who, &f, &filter_hash, &problems);
	problems_raise_if_any(&problems, "task filter");
	result = list_run(&f, &who.workspace_id, filter_hash);
	SPI_finish();
	memset(task_id, 0, sizeof(pg_uuid_t));
	return result;
}

static const Endpoint native_list_endpoint = {
	.dialect = "v1",
	.operation = NULL,			/* a read: no idempotency */
	.success_status = 200,
	.location = NULL,
	.impl = native_list
};

/* tasks.task_list(filter jsonb) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_task_list);
Datum
tasks_task_list(PG_FUNCTION_ARGS)
{
	pg_uuid_t	none;

	PG_RETURN_DATUM(native_list(PG_GETARG_JSONB_P(0), &none));
}

/* tasks_v1.task_list(jsonb): the same over PostgREST (200, 422 with the problems). */
PG_FUNCTION_INFO_V1(tasks_v1_task_list);
Datum
tasks_v1_task_list(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&native_list_endpoint, PG_GETARG_JSONB_P(0)));
}

/*
 * tasks._due_key(due_at, due_date) RETURNS timestamptz: the "due" sort key.
 * Never fails, so it may be LEAKPROOF: out-of-range dates clamp to infinity.
 */
PG_FUNCTION_INFO_V1(tasks_due_key);
Datum
tasks_due_key(PG_FUNCTION_ARGS)
{
	DateADT		d;
	int			overflow = 0;
	Timestamp	t;

	if (!PG_ARGISNULL(0))
		PG_RETURN_TIMESTAMPTZ(PG_GETARG_TIMESTAMPTZ(0));
	if (PG_ARGISNULL(1))
		PG_RETURN_TIMESTAMPTZ(DT_NOEND);
	d = PG_GETARG_DATEADT(1);
	if (DATE_IS_NOBEGIN(d))
		PG_RETURN_TIMESTAMPTZ(DT_NOBEGIN);
	if (DATE_IS_NOEND(d))
		PG_RETURN_TIMESTAMPTZ(DT_NOEND);
	t = date2timestamp_opt_overflow(d, &overflow);
	if (overflow != 0)
		PG_RETURN_TIMESTAMPTZ(overflow < 0 ? DT_NOBEGIN : DT_NOEND);
	/* midnight of the date as a UTC instant: the same microseconds */
	PG_RETURN_TIMESTAMPTZ((TimestampTz) t);
}

/* ------------------------------------------------------------------------
 * Shared by the dialect reads
 * ------------------------------------------------------------------------
 */

/* Whether PostgREST is serving this call. */
static bool
list_http_mode(void)
{
	const char *method = GetConfigOption("request.method", true, false);

	return method != NULL && method[0] != '\0';
}

/*
 * Runs a kept plan ($1 workspace, ...) returning task ids in order: the
 * first max of them (they live until SPI_finish), and whether there were
 * more.
 */
static List *
list_rows_ids(SPIPlanPtr plan, Datum *values, const char *nulls, uint64 max, bool *truncated)
{
	List	   *ids = NIL;
	uint64		shown;

	if (SPI_execute_plan(plan, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "list query failed");
	shown = Min(SPI_processed, max);
	if (truncated)
		*truncated = SPI_processed > max;
	for (uint64 i = 0; i < shown; i++)
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		ids = lappend(ids, DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)));
	}
	return ids;
}

/* ------------------------------------------------------------------------
 * Lightfield: task.list and task.retrieve
 * ------------------------------------------------------------------------
 */

#define LIGHTFIELD_MAX_LIMIT	25
#define LIGHTFIELD_MAX_OFFSET	INT64CONST(9007199254740991)	/* 2^53 - 1, the openapi maximum */

static const char *const lightfield_list_keys[] = {"offset", "limit", NULL};

static void lightfield_error(int status, const char *type, const char *code, const char *param,
							 const char *message) pg_attribute_noreturn();

/* Raises a Lightfield error: {"error": {"type", "message", "code"?, "param"?}}. */
static void
lightfield_error(int status, const char *type, const char *code, const char *param,
				 const char *message)
{
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfo(&body, "{\"error\": {\"type\": \"%s\", \"message\": ", type);
	json_append_string(&body, message, strlen(message));
	if (code)
	{
		appendStringInfoString(&body, ", \"code\": ");
		json_append_string(&body, code, strlen(code));
	}
	if (param)
	{
		appendStringInfoString(&body, ", \"param\": ");
		json_append_string(&body, param, strlen(param));
	}
	appendStringInfoString(&body, "}}");
	dialect_raise(status, message, body.data);
}

/* 403 forbidden unless the caller holds the scope (inside SPI). */
static void
lightfield_scope(const TaskIdentity *who, const char *scope)
{
	if (!identity_has_scope(who, scope))
		lightfield_error(403, "forbidden", NULL, NULL,
						 psprintf("This API key does not have the required scope: %s", scope));
}

/*
 * An integer query parameter sent in the body: a JSON number or a string of
 * digits (as a query string carries it); "" or absent gives the default.
 * Raises 400 invalid_type outside [min, max].
 */
static int64
lightfield_int_param(Jsonb *body, const char *name, int64 min, int64 max, int64 dflt)
{
	PayloadField f;
	char	   *s = NULL;
	char	   *end;
	long long	v;

	payload_get(body, name, &f);
	if (!f.present || f.is_null)
		return dflt;
	if (f.value.type == jbvNumeric)
		s = numeric_normalize(f.value.val.numeric);
	else if (f.value.type == jbvString)
	{
		if (f.value.val.string.len == 0)
			return dflt;
		s = pnstrdup(f.value.val.string.val, Min(f.value.val.string.len, 32));
		if (f.value.val.string.len > 32)
			s = NULL;
	}
	if (s != NULL && strlen(s) <= 18 && strspn(s, "-0123456789") == strlen(s))
	{
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && end != s && v >= min && v <= max)
			return (int64) v;
	}
	if (max == LIGHTFIELD_MAX_OFFSET)
		lightfield_error(400, "bad_request", "invalid_type", name,
						 psprintf("%s must be an integer greater than or equal to %lld", name, (long long) min));
	lightfield_error(400, "bad_request", "invalid_type", name,
					 psprintf("%s must be an integer between %lld and %lld", name, (long long) min,
							  (long long) max));
}

/* GET /v1/tasks: {"object": "list", "data", "totalCount"}, oldest first. */
static Datum
lightfield_list(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr count_plan = NULL;
	static SPIPlanPtr page_plan = NULL;
	Oid			types[3] = {UUIDOID, INT8OID, INT8OID};
	Datum		values[3];
	TaskIdentity who;
	List	   *unknown;
	int64		offset,
				limit,
				total;
	bool		isnull;
	List	   *ids;
	JsonbParseState *state = NULL;
	JsonbValue	v;
	JsonbValue *res;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	lightfield_scope(&who, "tasks:read");
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
		lightfield_error(400, "bad_request", "invalid_type", NULL,
						 "The request must be a JSON object of query parameters");
	if ((unknown = payload_unknown_keys(&body->root, lightfield_list_keys)) != NIL)
		lightfield_error(400, "bad_request", "unknown_field", linitial(unknown),
						 psprintf("Unknown parameter '%s': task.list takes only offset and limit",
								  (char *) linitial(unknown)));
	offset = lightfield_int_param(body, "offset", 0, LIGHTFIELD_MAX_OFFSET, 0);
	limit = lightfield_int_param(body, "limit", 1, LIGHTFIELD_MAX_LIMIT, LIGHTFIELD_MAX_LIMIT);

	values[0] = UUIDPGetDatum(&who.workspace_id);
	store_plan(&count_plan, "SELECT count(*) FROM tasks.tasks t WHERE t.workspace_id = $1 AND t.deleted_at IS NULL",
			   1, types);
	if (SPI_execute_plan(count_plan, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "task count failed");
	total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	/* one plan whatever the values: walk the created index (generic) */
	store_plan_generic(&page_plan, "SELECT t.id FROM tasks.tasks t"
					   " WHERE t.workspace_id = $1 AND t.deleted_at IS NULL"
					   " ORDER BY t.created_at, t.id OFFSET $2 LIMIT $3", 3, types);
	values[1] = Int64GetDatum(offset);
	values[2] = Int64GetDatum(limit);
	ids = list_rows_ids(page_plan, values, NULL, (uint64) limit, NULL);

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_key(&state, "object");
	v.type = jbvString;
	v.val.string.val = "list";
	v.val.string.len = 4;
	(void) pushJsonbValue(&state, WJB_VALUE, &v);
	push_key(&state, "data");
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	lightfield_responses_push(&state, &who.workspace_id, ids);
	(void) pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	push_key(&state, "totalCount");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(total);
	(void) pushJsonbValue(&state, WJB_VALUE, &v);
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	result = SPI_datumTransfer(JsonbPGetDatum(JsonbValueToJsonb(res)), false, -1);
	SPI_finish();
	memset(task_id, 0, sizeof(pg_uuid_t));
	return result;
}

/* GET /v1/tasks/{id}: the task record, or 404. */
static Datum
lightfield_retrieve(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	TaskIdentity who;
	PayloadField f;
	char	   *id;
	bool		isnull;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	lightfield_scope(&who, "tasks:read");
	payload_get(body, "id", &f);
	id = f.present ? jsonb_string_dup(&f.value) : NULL;
	if (id == NULL || strlen(id) > 36 || !payload_uuid(id, task_id))
		lightfield_error(404, "not_found", NULL, NULL, "No resource found in 'tasks' with the given ID.");
	store_plan(&plan, "SELECT tasks._lightfield_response($1, t.id) FROM tasks.tasks t"
			   " WHERE t.workspace_id = $1 AND t.id = $2 AND t.deleted_at IS NULL", 2, types);
	values[0] = UUIDPGetDatum(&who.workspace_id);
	values[1] = UUIDPGetDatum(task_id);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "task lookup failed");
	if (SPI_processed == 0)
		lightfield_error(404, "not_found", NULL, NULL, "No resource found in 'tasks' with the given ID.");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	return result;
}

static const Endpoint lightfield_list_endpoint = {
	.dialect = "lightfield", .operation = NULL, .success_status = 200,
	.location = NULL, .impl = lightfield_list
};

static const Endpoint lightfield_retrieve_endpoint = {
	.dialect = "lightfield", .operation = NULL, .success_status = 200,
	.location = NULL, .impl = lightfield_retrieve
};

/* tasks_lightfield.task_list(jsonb): GET /v1/tasks as POST /rpc/task_list {"offset", "limit"}. */
PG_FUNCTION_INFO_V1(tasks_lightfield_task_list);
Datum
tasks_lightfield_task_list(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&lightfield_list_endpoint, PG_GETARG_JSONB_P(0)));
}

/* tasks_lightfield.task_retrieve(id text): GET /v1/tasks/{id} as GET /rpc/task_retrieve?id=. */
PG_FUNCTION_INFO_V1(tasks_lightfield_task_retrieve);
Datum
tasks_lightfield_task_retrieve(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"id\": ");
	json_append_string(&b, VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id));
	appendStringInfoChar(&b, '}');
	PG_RETURN_DATUM(endpoint_serve(&lightfield_retrieve_endpoint,
								   DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data)))));
}

/* ------------------------------------------------------------------------
 * Vambe: GET /api/public/tasks
 * ------------------------------------------------------------------------
 */

#define VAMBE_LIST_MAX		1000
#define VAMBE_MSG_LIST_DATE	"Invalid date format. Expected YYYY-MM-DD (e.g., \"2025-10-25\")"

static const char *const vambe_list_fields[] = {
	"responsibleIds", "fromDate", "toDate", "includeTasksWithoutDates", NULL
};

/* Raises Vambe's 400 {"statusCode", "message": "Validation failed", "errors": [{field, message}]}. */
static void
vambe_list_raise(const TaskProblems *p)
{
	StringInfoData errors;
	ListCell   *lc;

	initStringInfo(&errors);
	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		appendStringInfoString(&errors, lc == list_head(p->items) ? "{\"field\": " : ", {\"field\": ");
		json_append_string(&errors, item->path, strlen(item->path));
		appendStringInfoString(&errors, ", \"message\": ");
		json_append_string(&errors, item->message, strlen(item->message));
		appendStringInfoChar(&errors, '}');
	}
	dialect_raise(400, "Validation failed",
				  psprintf("{\"statusCode\": 400, \"message\": \"Validation failed\", \"errors\": [%s]}",
						   errors.data));
}

/* The caller must be an active member: a Vambe API key stands for a user (else 401). */
static void
vambe_list_caller(const TaskIdentity *who)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		values[2];

	if (who->has_actor)
	{
		store_plan(&plan, "SELECT 1 FROM tasks.members m WHERE m.workspace_id = $1 AND m.id = $2 AND m.active",
				   2, types);
		values[0] = UUIDPGetDatum(&who->workspace_id);
		values[1] = UUIDPGetDatum(&who->actor_id);
		if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "caller lookup failed");
		if (SPI_processed == 1)
			return;
	}
	dialect_raise(401, "Unauthorized", "{\"statusCode\": 401, \"message\": \"Unauthorized\"}");
}

/* Adds one responsible id (text) at field to ids, or reports it. */
static void
vambe_list_add_id(const char *s, int len, const char *field, List **ids, TaskProblems *p)
{
	char	   *t = pnstrdup(s, Min(len, 40));
	pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

	if (len != 36 || !payload_uuid(t, u))
		problem_add(p, field, "validation", "Each responsible ID must be a valid UUID");
	else
		*ids = lappend(*ids, u);
}

/*
 * responsibleIds: an array of UUIDs, or one comma-separated string (as a
 * query string carries it); empty means everyone.
 */
static List *
vambe_list_responsibles(Jsonb *body, TaskProblems *p)
{
	PayloadField f;
	List	   *ids = NIL;

	payload_get(body, "responsibleIds", &f);
	if (!f.present || f.is_null)
		problem_add(p, "responsibleIds", "validation",
					"Responsible IDs are required (an empty list means all users)");
	else if (f.value.type == jbvString)
	{
		const char *s = f.value.val.string.val;
		int			len = f.value.val.string.len;
		int			n = 0;
		int			start = 0;

		if (len == 0)
			return NIL;
		for (int i = 0; i < len; i++)
			n += s[i] == ',';
		if (n >= TASKS_MAX_ITEMS)
		{
			problem_add(p, "responsibleIds", "validation",
						"Responsible IDs must contain at most %d user IDs", TASKS_MAX_ITEMS);
			return NIL;
		}
		n = 0;
		for (int i = 0; i <= len; i++)
		{
			int			end = i;

			CHECK_FOR_INTERRUPTS();
			if (i < len && s[i] != ',')
				continue;
			while (start < end && s[start] == ' ')
				start++;
			while (end > start && s[end - 1] == ' ')
				end--;
			vambe_list_add_id(s + start, end - start, psprintf("responsibleIds[%d]", n++), &ids, p);
			start = i + 1;
		}
	}
	else if (f.value.type == jbvBinary && JsonContainerIsArray(f.value.val.binary.data))
	{
		JsonbContainer *c = f.value.val.binary.data;

		if (JsonContainerSize(c) > TASKS_MAX_ITEMS)
		{
			problem_add(p, "responsibleIds", "validation",
						"Responsible IDs must contain at most %d user IDs", TASKS_MAX_ITEMS);
			return NIL;
		}
		for (uint32 i = 0; i < JsonContainerSize(c); i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(c, i);
			char	   *field = psprintf("responsibleIds[%u]", i);

			CHECK_FOR_INTERRUPTS();
			if (e->type != jbvString)
				problem_add(p, field, "validation", "Each responsible ID must be a valid UUID");
			else
				vambe_list_add_id(e->val.string.val, e->val.string.len, field, &ids, p);
		}
	}
	else
		problem_add(p, "responsibleIds", "validation", "Responsible IDs must be an array of user UUIDs");
	return ids;
}

/* fromDate / toDate: required "YYYY-MM-DD". */
static bool
vambe_list_date(Jsonb *body, const char *field, DateADT *out, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, field, &f);
	if (!f.present || f.is_null)
	{
		problem_add(p, field, "validation", "%s is required. Expected YYYY-MM-DD (e.g., \"2025-10-25\")", field);
		return false;
	}
	if (f.value.type != jbvString)
	{
		problem_add(p, field, "validation", VAMBE_MSG_LIST_DATE);
		return false;
	}
	switch (tp_parse_date(f.value.val.string.val, f.value.val.string.len, out))
	{
		case TP_OK:
			return true;
		case TP_OUT_OF_RANGE:
			problem_add(p, field, "validation", "Invalid date. The date does not exist");
			return false;
		default:
			problem_add(p, field, "validation", VAMBE_MSG_LIST_DATE);
			return false;
	}
}

/* includeTasksWithoutDates: a boolean, or "true" / "false" as a query string carries it. */
static bool
vambe_list_undated(Jsonb *body, TaskProblems *p)
{
	PayloadField f;

	payload_get(body, "includeTasksWithoutDates", &f);
	if (!f.present || f.is_null)
		return true;
	if (f.value.type == jbvBool)
		return f.value.val.boolean;
	if (f.value.type == jbvString && f.value.val.string.len == 4 &&
		memcmp(f.value.val.string.val, "true", 4) == 0)
		return true;
	if (f.value.type == jbvString && f.value.val.string.len == 5 &&
		memcmp(f.value.val.string.val, "false", 5) == 0)
		return false;
	problem_add(p, "includeTasksWithoutDates", "validation", "includeTasksWithoutDates must be a boolean value");
	return true;
}

/*
 * The tasks of the responsibles (any of them; none given: everyone) due
 * between fromDate and toDate inclusive, plus the undated ones unless
 * includeTasksWithoutDates is false.  An all-day task is due on its date; a
 * timed task on its local date in its own zone (UTC when it has none).
 * Soonest due first, undated last; at most VAMBE_LIST_MAX.
 */
static Datum
vambe_list(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[8] = {UUIDOID, UUIDARRAYOID, DATEOID, DATEOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	BOOLOID, INT8OID};
	Datum		values[8];
	TaskIdentity who;
	TaskProblems problems;
	List	   *ids;
	ListCell   *lc;
	DateADT		from = 0,
				to = 0;
	bool		have_from,
				have_to;
	bool		undated;
	bool		truncated;
	JsonbParseState *state = NULL;
	JsonbValue *res;
	Datum		result;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	vambe_list_caller(&who);
	problems_init(&problems);
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(&problems, "query", "validation", "The query must be a JSON object of parameters");
		vambe_list_raise(&problems);
	}
	foreach(lc, payload_unknown_keys(&body->root, vambe_list_fields))
		problem_add(&problems, lfirst(lc), "validation", "property %s should not exist", (char *) lfirst(lc));
	ids = vambe_list_responsibles(body, &problems);
	have_from = vambe_list_date(body, "fromDate", &from, &problems);
	have_to = vambe_list_date(body, "toDate", &to, &problems);
	if (have_from && have_to && to < from)
		problem_add(&problems, "toDate", "validation", "toDate must not be before fromDate");
	undated = vambe_list_undated(body, &problems);
	if (problems_any(&problems))
		vambe_list_raise(&problems);

	store_plan_options(&plan,
			"SELECT x.id FROM (SELECT t.id, tasks._due_key(t.due_at, t.due_date) AS k,"
			" t.created_at FROM tasks.tasks t"
			" WHERE t.workspace_id = $1 AND t.deleted_at IS NULL"
			" AND (pg_catalog.cardinality($2) = 0 OR EXISTS (SELECT 1 FROM tasks.task_assignees a"
			"  WHERE a.workspace_id = $1 AND a.task_id = t.id AND a.member_id = ANY ($2)))"
			" AND ((tasks._due_key(t.due_at, t.due_date) >= $5 AND tasks._due_key(t.due_at, t.due_date) < $6"
			"   AND ((t.due_date >= $3 AND t.due_date <= $4)"
			"    OR (pg_catalog.timezone(coalesce(t.due_timezone, 'UTC'), t.due_at))::pg_catalog.date"
			"     BETWEEN $3 AND $4))"
			"  OR ($7 AND tasks._due_key(t.due_at, t.due_date) = 'infinity'))"
			" ORDER BY 2, t.created_at, t.id LIMIT $8) x"
			" ORDER BY x.k, x.created_at, x.id",
			8, types, CURSOR_OPT_CUSTOM_PLAN);
	values[0] = UUIDPGetDatum(&who.workspace_id);
	values[1] = uuid_list_array(ids);
	values[2] = DateADTGetDatum(from);
	values[3] = DateADTGetDatum(to);
	/*
	 * The due key of a task due on a local date lies within a day of that
	 * date's 00:00 UTC: the envelope the due index can scan.
	 */
	values[4] = TimestampTzGetDatum((TimestampTz) (from - 1) * USECS_PER_DAY);
	values[5] = TimestampTzGetDatum((TimestampTz) (to + 2) * USECS_PER_DAY);
	values[6] = BoolGetDatum(undated);
	values[7] = Int64GetDatum(VAMBE_LIST_MAX + 1);
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	vambe_responses_push(&state, &who.workspace_id,
						 list_rows_ids(plan, values, NULL, VAMBE_LIST_MAX, &truncated));
	res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	result = SPI_datumTransfer(JsonbPGetDatum(JsonbValueToJsonb(res)), false, -1);
	SPI_finish();
	if (truncated && list_http_mode())
		(void) set_config_option("response.headers", "[{\"X-Truncated\": \"true\"}]", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	memset(task_id, 0, sizeof(pg_uuid_t));
	return result;
}

static const Endpoint vambe_list_endpoint = {
	.dialect = "vambe", .operation = NULL, .success_status = 200,
	.location = NULL, .impl = vambe_list
};

/* tasks_vambe.task_list(jsonb): GET /api/public/tasks with the query as a JSON object. */
PG_FUNCTION_INFO_V1(tasks_vambe_task_list);
Datum
tasks_vambe_task_list(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&vambe_list_endpoint, PG_GETARG_JSONB_P(0)));
}
