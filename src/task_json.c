/*-------------------------------------------------------------------------
 *
 * task_json.c
 *	  The one read shape of a task (tasks.task_json), built in C.
 *
 * task_json_push_fields writes a task's values as the members of a jsonb
 * object; it is the only place that knows the shape: the key set, how each
 * value is written (instants as tasks.format_instant writes them, numbers
 * as jsonb_build_object writes an int4 or a float8, all-day dates as
 * to_char(date, 'YYYY-MM-DD')) and the order of the child lists.  Three
 * callers fill a TaskJson:
 *
 *	 - a create (store.c, task_store_response) from the checked draft, without
 *	   reading the rows back;
 *	 - a page of tasks.task_list (task_json_push_page), from five kept
 *	   statements over the page's ids: the tasks with their status, then the
 *	   assignees, links, dependencies and notes of all of them;
 *	 - tasks._task_json_batch (tasks.task_json and every read-back that uses
 *	   it), from the same five statements.
 *
 * The statements take (workspace, ids) and look every row up by a primary
 * key (notes: notes_task_idx), once per id or child row: each lookup is a
 * LATERAL subquery keyed by the outer row, and OFFSET 0 keeps it from being
 * flattened.  "task_id = ANY ($2)" would not do: with a generic plan (the
 * array's length unknown) the planner may scan the whole workspace through
 * another index and filter, as tasks 1.0's batch did.  The conditions are
 * plain uuid equalities, which are LEAKPROOF, so under forced row level
 * security they stay index conditions.  The plans do not depend on the
 * values, so they are kept generic (store_plan_generic): planned once per
 * backend.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

/* ------------------------------------------------------------------------
 * Writing values
 * ------------------------------------------------------------------------
 */

/* Pushes a string (a key, an element or a value), or null. */
static void
jb_string(JsonbParseState **st, JsonbIteratorToken tok, const char *s)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = strlen(s);
	}
	(void) pushJsonbValue(st, tok, &v);
}

/* "key": string or null */
void
task_json_text(JsonbParseState **st, const char *key, const char *s)
{
	jb_string(st, WJB_KEY, key);
	jb_string(st, WJB_VALUE, s);
}

/* "key": an instant as tasks.format_instant writes it, or null */
static void
jb_instant(JsonbParseState **st, const char *key, bool has, TimestampTz t)
{
	task_json_text(st, key, has ? tp_format_instant(t) : NULL);
}

/* "key": a uuid string, or null */
static void
jb_uuid(JsonbParseState **st, const char *key, const pg_uuid_t *u)
{
	task_json_text(st, key, u ? uuid_to_cstring(u) : NULL);
}

/* "key": true or false */
static void
jb_bool(JsonbParseState **st, const char *key, bool b)
{
	JsonbValue	v;

	jb_string(st, WJB_KEY, key);
	v.type = jbvBool;
	v.val.boolean = b;
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * "key": a number given as its output text, as jsonb_build_object stores an
 * int4 or a float8: a number when the text is a JSON number, else a string
 * (NaN, Infinity).
 */
static void
jb_number(JsonbParseState **st, const char *key, const char *text)
{
	JsonbValue	v;

	if (!IsValidJsonNumber(text, strlen(text)))
	{
		task_json_text(st, key, text);
		return;
	}
	jb_string(st, WJB_KEY, key);
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* "key": a jsonb document, or null */
static void
jb_jsonb(JsonbParseState **st, const char *key, Jsonb *j)
{
	JsonbValue	v;

	jb_string(st, WJB_KEY, key);
	if (j == NULL)
	{
		v.type = jbvNull;
		(void) pushJsonbValue(st, WJB_VALUE, &v);
		return;
	}
	v.type = jbvBinary;
	v.val.binary.data = &j->root;
	v.val.binary.len = VARSIZE(j) - VARHDRSZ;
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* "key": the JSON document json (parsed as ::jsonb parses it) */
void
task_json_json(JsonbParseState **st, const char *key, const char *json)
{
	jb_jsonb(st, key, DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json))));
}

/*
 * "key": an all-day date as to_char(date, 'YYYY-MM-DD') writes it (via
 * timestamptz, the cast PostgreSQL picks), or null.  tp_format_date writes
 * the same text for the years 1 to 9999; to_char itself does the rest (and
 * gives null for an infinite date).
 */
static void
jb_date(JsonbParseState **st, const char *key, bool has, DateADT d)
{
	char	   *s = NULL;

	if (has && !DATE_NOT_FINITE(d))
	{
		if (d >= date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE && d <= date2j(9999, 12, 31) - POSTGRES_EPOCH_JDATE)
			s = tp_format_date(d);
		else
			s = TextDatumGetCString(DirectFunctionCall2(timestamptz_to_char,
														DirectFunctionCall1(date_timestamptz, DateADTGetDatum(d)),
														CStringGetTextDatum("YYYY-MM-DD")));
	}
	task_json_text(st, key, s);
}

/* One dimension of a text[] as to_jsonb writes it: nested arrays, nulls as null. */
static void
jb_text_array_dim(JsonbParseState **st, int dim, int ndim, const int *dims,
				  Datum *elems, bool *nulls, int *next)
{
	check_stack_depth();
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < dims[dim]; i++)
	{
		if (dim < ndim - 1)
			jb_text_array_dim(st, dim + 1, ndim, dims, elems, nulls, next);
		else
		{
			jb_string(st, WJB_ELEM, nulls[*next] ? NULL : TextDatumGetCString(elems[*next]));
			(*next)++;
		}
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* "key": to_jsonb of a text[], or null */
static void
jb_text_array(JsonbParseState **st, const char *key, ArrayType *a)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			next = 0;

	if (a == NULL)
	{
		task_json_text(st, key, NULL);
		return;
	}
	jb_string(st, WJB_KEY, key);
	if (ARR_NDIM(a) == 0)
	{
		(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
		return;
	}
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	jb_text_array_dim(st, 0, ARR_NDIM(a), ARR_DIMS(a), elems, nulls, &next);
}

/* ------------------------------------------------------------------------
 * The order of the child lists
 * ------------------------------------------------------------------------
 */

/* text order in the database's default collation, nulls last, as ORDER BY on the columns sorts */
static int
text_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return varstr_cmp(a, strlen(a), b, strlen(b), DEFAULT_COLLATION_OID);
}

/* ORDER BY m.kind DESC, m.name, m.id */
static int
assignee_cmp(const void *a, const void *b)
{
	const TaskJsonChild *x = a;
	const TaskJsonChild *y = b;
	int			c = text_cmp(y->first, x->first);

	if (c == 0)
		c = text_cmp(x->name, y->name);
	return c != 0 ? c : memcmp(&x->id, &y->id, sizeof(pg_uuid_t));
}

/* ORDER BY l.relation, r.name, r.id */
static int
link_cmp(const void *a, const void *b)
{
	const TaskJsonChild *x = a;
	const TaskJsonChild *y = b;
	int			c = text_cmp(x->first, y->first);

	if (c == 0)
		c = text_cmp(x->name, y->name);
	return c != 0 ? c : memcmp(&x->id, &y->id, sizeof(pg_uuid_t));
}

/* uuid order is byte order (ORDER BY d.depends_on_id; also the ids of a read) */
static int
dependency_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(pg_uuid_t));
}

/* ORDER BY n.id */
static int
note_cmp(const void *a, const void *b)
{
	return memcmp(&((const TaskJsonNote *) a)->id, &((const TaskJsonNote *) b)->id, sizeof(pg_uuid_t));
}

/* ------------------------------------------------------------------------
 * The shape
 * ------------------------------------------------------------------------
 */

/* "assignees": [{id, kind, name}, ...] */
static void
jb_assignees(JsonbParseState **st, const TaskJson *t)
{
	jb_string(st, WJB_KEY, "assignees");
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < t->nassignees; i++)
	{
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		jb_uuid(st, "id", &t->assignees[i].id);
		task_json_text(st, "kind", t->assignees[i].first);
		task_json_text(st, "name", t->assignees[i].name);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* "links": [{id, kind, name, relation}, ...] */
static void
jb_links(JsonbParseState **st, const TaskJson *t)
{
	jb_string(st, WJB_KEY, "links");
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < t->nlinks; i++)
	{
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		jb_uuid(st, "id", &t->links[i].id);
		task_json_text(st, "kind", t->links[i].kind);
		task_json_text(st, "name", t->links[i].name);
		task_json_text(st, "relation", t->links[i].first);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* "dependency_ids": [uuid, ...] */
static void
jb_dependencies(JsonbParseState **st, const TaskJson *t)
{
	jb_string(st, WJB_KEY, "dependency_ids");
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < t->ndependencies; i++)
		jb_string(st, WJB_ELEM, uuid_to_cstring(&t->dependencies[i]));
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* "notes": [{id, body, kind, created_at}, ...] */
static void
jb_notes(JsonbParseState **st, const TaskJson *t)
{
	jb_string(st, WJB_KEY, "notes");
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < t->nnotes; i++)
	{
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		jb_uuid(st, "id", &t->notes[i].id);
		task_json_text(st, "body", t->notes[i].body);
		task_json_text(st, "kind", t->notes[i].kind);
		jb_instant(st, "created_at", true, t->notes[i].created_at);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* "status": {id, name, color, category} */
static void
jb_status(JsonbParseState **st, const TaskJson *t)
{
	jb_string(st, WJB_KEY, "status");
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_uuid(st, "id", &t->status_id);
	task_json_text(st, "name", t->status_name);
	task_json_text(st, "color", t->status_color);
	task_json_text(st, "category", t->status_category);
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * See tasks.h.  Sorts the child lists of t in place.
 *
 * The keys are pushed in the order jsonb stores them (shorter keys first,
 * then bytewise), whatever order they are written in: pushJsonbValue sorts
 * an object's keys when it ends, and finds them already sorted this way,
 * which saves most of the cost of a task's object.  The members are those
 * of the documented shape: id, workspace_id, title, description, status,
 * priority, type, tags, due_date, due_at, timezone, all_day, deadline,
 * scheduled_start, scheduled_end, completed_at, sort_order, metadata,
 * external_id, created_by, created_at, updated_at, version, assignees,
 * links, dependency_ids, notes (and deleted_at, deleted_by when shown).
 */
void
task_json_push_fields(JsonbParseState **st, TaskJson *t)
{
	if (t->nassignees > 1)
		qsort(t->assignees, t->nassignees, sizeof(TaskJsonChild), assignee_cmp);
	if (t->nlinks > 1)
		qsort(t->links, t->nlinks, sizeof(TaskJsonChild), link_cmp);
	if (t->ndependencies > 1)
		qsort(t->dependencies, t->ndependencies, sizeof(pg_uuid_t), dependency_cmp);
	if (t->nnotes > 1)
		qsort(t->notes, t->nnotes, sizeof(TaskJsonNote), note_cmp);

	jb_uuid(st, "id", &t->id);
	jb_text_array(st, "tags", t->tags);
	task_json_text(st, "type", t->type);
	jb_links(st, t);
	jb_notes(st, t);
	task_json_text(st, "title", t->title);
	jb_instant(st, "due_at", t->has_due_at, t->due_at);
	jb_status(st, t);
	jb_bool(st, "all_day", t->has_due_date);
	jb_number(st, "version", DatumGetCString(DirectFunctionCall1(int4out, Int32GetDatum(t->version))));
	jb_instant(st, "deadline", t->has_deadline, t->deadline);
	jb_date(st, "due_date", t->has_due_date, t->due_date);
	jb_jsonb(st, "metadata", t->metadata);
	task_json_text(st, "priority", t->priority);
	task_json_text(st, "timezone", t->timezone);
	jb_assignees(st, t);
	jb_instant(st, "created_at", true, t->created_at);
	jb_uuid(st, "created_by", t->has_created_by ? &t->created_by : NULL);
	/* tasks.task_list with include_deleted, as tasks.task_delete returns them */
	if (t->show_deleted)
	{
		jb_instant(st, "deleted_at", t->has_deleted_at, t->deleted_at);
		jb_uuid(st, "deleted_by", t->has_deleted_by ? &t->deleted_by : NULL);
	}
	if (t->has_sort_order)
		jb_number(st, "sort_order", DatumGetCString(DirectFunctionCall1(float8out,
																		Float8GetDatum(t->sort_order))));
	else
		task_json_text(st, "sort_order", NULL);
	jb_instant(st, "updated_at", true, t->updated_at);
	task_json_text(st, "description", t->description);
	task_json_text(st, "external_id", t->external_id);
	jb_instant(st, "completed_at", t->has_completed_at, t->completed_at);
	jb_uuid(st, "workspace_id", &t->workspace_id);
	jb_instant(st, "scheduled_end", t->has_scheduled_end, t->scheduled_end);
	jb_dependencies(st, t);
	jb_instant(st, "scheduled_start", t->has_scheduled_start, t->scheduled_start);
}

/* ------------------------------------------------------------------------
 * Reading many tasks
 * ------------------------------------------------------------------------
 */

/* A found task, for looking child rows up by task id. */
typedef struct PageTask
{
	pg_uuid_t	id;
	TaskJson   *task;
} PageTask;

typedef struct TaskPage
{
	int			ntasks;
	PageTask   *tasks;			/* sorted by id */
} TaskPage;

static int
page_task_cmp(const void *a, const void *b)
{
	return memcmp(&((const PageTask *) a)->id, &((const PageTask *) b)->id, sizeof(pg_uuid_t));
}

/* The page's task of this id, or NULL. */
static TaskJson *
page_find(const TaskPage *page, Datum id)
{
	PageTask	key;
	PageTask   *hit;

	key.id = *DatumGetUUIDP(id);
	hit = bsearch(&key, page->tasks, page->ntasks, sizeof(PageTask), page_task_cmp);
	return hit ? hit->task : NULL;
}

/* Column i of a row as a C string, or NULL. */
static const char *
col_text(const Datum *v, const bool *n, int i)
{
	return n[i] ? NULL : TextDatumGetCString(v[i]);
}

/* Runs one of the kept statements over (workspace, ids) in the caller's snapshot. */
static void
page_query(SPIPlanPtr *slot, const char *sql, const pg_uuid_t *ws, Datum ids)
{
	Oid			types[2] = {UUIDOID, UUIDARRAYOID};
	Datum		values[2];

	store_plan_generic(slot, sql, 2, types);
	values[0] = UUIDPGetDatum(ws);
	values[1] = ids;
	if (SPI_execute_plan(*slot, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "task read failed: %s", sql);
}

/* The task rows, with their status. */
enum
{
	TC_ID, TC_TITLE, TC_DESCRIPTION, TC_STATUS_ID, TC_STATUS_NAME, TC_STATUS_CATEGORY,
	TC_STATUS_COLOR, TC_PRIORITY, TC_TYPE, TC_TAGS, TC_DUE_DATE, TC_DUE_AT, TC_TIMEZONE,
	TC_DEADLINE, TC_SCHEDULED_START, TC_SCHEDULED_END, TC_COMPLETED_AT, TC_SORT_ORDER,
	TC_METADATA, TC_EXTERNAL_ID, TC_CREATED_BY, TC_CREATED_AT, TC_UPDATED_AT, TC_VERSION,
	TC_DELETED_AT, TC_DELETED_BY, TC_NCOLS
};

static void
page_read_tasks(TaskPage *page, const pg_uuid_t *ws, Datum ids)
{
	static SPIPlanPtr plan = NULL;
	Datum		v[TC_NCOLS];
	bool		n[TC_NCOLS];

	page_query(&plan,
			   "SELECT t.id, t.title, t.description, t.status_id, s.name, s.category, s.color,"
			   " t.priority, t.type, t.tags, t.due_date, t.due_at, t.due_timezone, t.deadline,"
			   " t.scheduled_start, t.scheduled_end, t.completed_at, t.sort_order, t.metadata,"
			   " t.external_id, t.created_by, t.created_at, t.updated_at, t.version,"
			   " t.deleted_at, t.deleted_by"
			   " FROM unnest($2) AS x(id)"
			   " CROSS JOIN LATERAL (SELECT t.id, t.title, t.description, t.status_id, t.priority, t.type,"
			   "   t.tags, t.due_date, t.due_at, t.due_timezone, t.deadline, t.scheduled_start,"
			   "   t.scheduled_end, t.completed_at, t.sort_order, t.metadata, t.external_id, t.created_by,"
			   "   t.created_at, t.updated_at, t.version, t.deleted_at, t.deleted_by"
			   "   FROM tasks.tasks t WHERE t.workspace_id = $1 AND t.id = x.id OFFSET 0) AS t"
			   " CROSS JOIN LATERAL (SELECT s.name, s.category, s.color FROM tasks.statuses s"
			   "   WHERE s.workspace_id = $1 AND s.id = t.status_id OFFSET 0) AS s",
			   ws, ids);
	Assert(SPI_tuptable->tupdesc->natts == TC_NCOLS);
	page->ntasks = (int) SPI_processed;
	page->tasks = palloc(sizeof(PageTask) * Max(page->ntasks, 1));
	for (int r = 0; r < page->ntasks; r++)
	{
		TaskJson   *t = palloc0(sizeof(TaskJson));

		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, v, n);
		t->id = *DatumGetUUIDP(v[TC_ID]);
		t->workspace_id = *ws;
		t->title = col_text(v, n, TC_TITLE);
		t->description = col_text(v, n, TC_DESCRIPTION);
		t->status_id = *DatumGetUUIDP(v[TC_STATUS_ID]);
		t->status_name = col_text(v, n, TC_STATUS_NAME);
		t->status_category = col_text(v, n, TC_STATUS_CATEGORY);
		t->status_color = col_text(v, n, TC_STATUS_COLOR);
		t->priority = col_text(v, n, TC_PRIORITY);
		t->type = col_text(v, n, TC_TYPE);
		t->tags = n[TC_TAGS] ? NULL : DatumGetArrayTypeP(v[TC_TAGS]);
		t->has_due_date = !n[TC_DUE_DATE];
		t->due_date = t->has_due_date ? DatumGetDateADT(v[TC_DUE_DATE]) : 0;
		t->has_due_at = !n[TC_DUE_AT];
		t->due_at = t->has_due_at ? DatumGetTimestampTz(v[TC_DUE_AT]) : 0;
		t->timezone = col_text(v, n, TC_TIMEZONE);
		t->has_deadline = !n[TC_DEADLINE];
		t->deadline = t->has_deadline ? DatumGetTimestampTz(v[TC_DEADLINE]) : 0;
		t->has_scheduled_start = !n[TC_SCHEDULED_START];
		t->scheduled_start = t->has_scheduled_start ? DatumGetTimestampTz(v[TC_SCHEDULED_START]) : 0;
		t->has_scheduled_end = !n[TC_SCHEDULED_END];
		t->scheduled_end = t->has_scheduled_end ? DatumGetTimestampTz(v[TC_SCHEDULED_END]) : 0;
		t->has_completed_at = !n[TC_COMPLETED_AT];
		t->completed_at = t->has_completed_at ? DatumGetTimestampTz(v[TC_COMPLETED_AT]) : 0;
		t->has_sort_order = !n[TC_SORT_ORDER];
		t->sort_order = t->has_sort_order ? DatumGetFloat8(v[TC_SORT_ORDER]) : 0;
		t->metadata = n[TC_METADATA] ? NULL : DatumGetJsonbP(v[TC_METADATA]);
		t->external_id = col_text(v, n, TC_EXTERNAL_ID);
		t->has_created_by = !n[TC_CREATED_BY];
		if (t->has_created_by)
			t->created_by = *DatumGetUUIDP(v[TC_CREATED_BY]);
		/* created_at, updated_at and version are NOT NULL columns */
		t->created_at = DatumGetTimestampTz(v[TC_CREATED_AT]);
		t->updated_at = DatumGetTimestampTz(v[TC_UPDATED_AT]);
		t->version = DatumGetInt32(v[TC_VERSION]);
		t->has_deleted_at = !n[TC_DELETED_AT];
		t->deleted_at = t->has_deleted_at ? DatumGetTimestampTz(v[TC_DELETED_AT]) : 0;
		t->has_deleted_by = !n[TC_DELETED_BY];
		if (t->has_deleted_by)
			t->deleted_by = *DatumGetUUIDP(v[TC_DELETED_BY]);
		page->tasks[r].id = t->id;
		page->tasks[r].task = t;
	}
	qsort(page->tasks, page->ntasks, sizeof(PageTask), page_task_cmp);
}

/*
 * The task of each row of the last statement (column 1 is the task id), and
 * how many rows each task has, counted in the int field of TaskJson at
 * count_field: the child rows are then filled in a second pass into arrays
 * of the right size.
 */
static TaskJson **
page_row_owners(const TaskPage *page, size_t count_field)
{
	TaskJson  **owner = palloc(sizeof(TaskJson *) * Max(SPI_processed, 1));

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);

		CHECK_FOR_INTERRUPTS();
		owner[r] = isnull ? NULL : page_find(page, id);
		if (owner[r] != NULL)
			(*(int *) ((char *) owner[r] + count_field))++;
	}
	return owner;
}

/* Allocates each task's child array for the counts page_row_owners made, then resets the counts. */
#define PAGE_ALLOC_CHILDREN(page, array, count, type) \
	do { \
		for (int i_ = 0; i_ < (page)->ntasks; i_++) \
		{ \
			TaskJson   *t_ = (page)->tasks[i_].task; \
			t_->array = t_->count > 0 ? palloc(sizeof(type) * t_->count) : NULL; \
			t_->count = 0; \
		} \
	} while (0)

static void
page_read_assignees(TaskPage *page, const pg_uuid_t *ws, Datum ids)
{
	static SPIPlanPtr plan = NULL;
	TaskJson  **owner;
	Datum		v[4];
	bool		n[4];

	page_query(&plan,
			   "SELECT x.id, m.id, m.kind, m.name FROM unnest($2) AS x(id)"
			   " CROSS JOIN LATERAL (SELECT a.member_id FROM tasks.task_assignees a"
			   "   WHERE a.workspace_id = $1 AND a.task_id = x.id OFFSET 0) AS a"
			   " CROSS JOIN LATERAL (SELECT m.id, m.kind, m.name FROM tasks.members m"
			   "   WHERE m.workspace_id = $1 AND m.id = a.member_id OFFSET 0) AS m",
			   ws, ids);
	owner = page_row_owners(page, offsetof(TaskJson, nassignees));
	PAGE_ALLOC_CHILDREN(page, assignees, nassignees, TaskJsonChild);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		TaskJsonChild *c;

		if (owner[r] == NULL)
			continue;
		c = &owner[r]->assignees[owner[r]->nassignees++];
		heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, v, n);
		c->id = *DatumGetUUIDP(v[1]);
		c->first = col_text(v, n, 2);
		c->name = col_text(v, n, 3);
		c->kind = NULL;
	}
}

static void
page_read_links(TaskPage *page, const pg_uuid_t *ws, Datum ids)
{
	static SPIPlanPtr plan = NULL;
	TaskJson  **owner;
	Datum		v[5];
	bool		n[5];

	page_query(&plan,
			   "SELECT x.id, l.relation, l.kind, r.id, r.name FROM unnest($2) AS x(id)"
			   " CROSS JOIN LATERAL (SELECT l.relation, l.kind, l.record_id FROM tasks.task_links l"
			   "   WHERE l.workspace_id = $1 AND l.task_id = x.id OFFSET 0) AS l"
			   " CROSS JOIN LATERAL (SELECT r.id, r.name FROM tasks.records r"
			   "   WHERE r.workspace_id = $1 AND r.id = l.record_id OFFSET 0) AS r",
			   ws, ids);
	owner = page_row_owners(page, offsetof(TaskJson, nlinks));
	PAGE_ALLOC_CHILDREN(page, links, nlinks, TaskJsonChild);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		TaskJsonChild *c;

		if (owner[r] == NULL)
			continue;
		c = &owner[r]->links[owner[r]->nlinks++];
		heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, v, n);
		c->first = col_text(v, n, 1);
		c->kind = col_text(v, n, 2);
		c->id = *DatumGetUUIDP(v[3]);
		c->name = col_text(v, n, 4);
	}
}

static void
page_read_dependencies(TaskPage *page, const pg_uuid_t *ws, Datum ids)
{
	static SPIPlanPtr plan = NULL;
	TaskJson  **owner;

	page_query(&plan,
			   "SELECT x.id, d.depends_on_id FROM unnest($2) AS x(id)"
			   " CROSS JOIN LATERAL (SELECT d.depends_on_id FROM tasks.task_dependencies d"
			   "   WHERE d.workspace_id = $1 AND d.task_id = x.id OFFSET 0) AS d",
			   ws, ids);
	owner = page_row_owners(page, offsetof(TaskJson, ndependencies));
	PAGE_ALLOC_CHILDREN(page, dependencies, ndependencies, pg_uuid_t);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;

		if (owner[r] == NULL)
			continue;
		owner[r]->dependencies[owner[r]->ndependencies++] =
			*DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
	}
}

static void
page_read_notes(TaskPage *page, const pg_uuid_t *ws, Datum ids)
{
	static SPIPlanPtr plan = NULL;
	TaskJson  **owner;
	Datum		v[5];
	bool		n[5];

	page_query(&plan,
			   "SELECT x.id, n.id, n.body, n.kind, n.created_at FROM unnest($2) AS x(id)"
			   " CROSS JOIN LATERAL (SELECT n.id, n.body, n.kind, n.created_at FROM tasks.notes n"
			   "   WHERE n.workspace_id = $1 AND n.task_id = x.id OFFSET 0) AS n",
			   ws, ids);
	owner = page_row_owners(page, offsetof(TaskJson, nnotes));
	PAGE_ALLOC_CHILDREN(page, notes, nnotes, TaskJsonNote);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		TaskJsonNote *note;

		if (owner[r] == NULL)
			continue;
		note = &owner[r]->notes[owner[r]->nnotes++];
		heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, v, n);
		note->id = *DatumGetUUIDP(v[1]);
		note->body = col_text(v, n, 2);
		note->kind = col_text(v, n, 3);
		note->created_at = DatumGetTimestampTz(v[4]);
	}
}

/*
 * See tasks.h.  Five statements whatever the number of ids; the child rows
 * of tasks that were not found (another workspace, not visible) are
 * skipped, as the joins of tasks._task_json_batch skipped them.
 */
TaskJson **
task_json_read(const pg_uuid_t *ws, const pg_uuid_t *ids, int nids)
{
	TaskJson  **by_input = palloc0(sizeof(TaskJson *) * Max(nids, 1));
	pg_uuid_t  *sorted;
	Datum	   *elems;
	int			n = 0;
	Datum		array;
	TaskPage	page;
	int			nestlevel;

	if (nids == 0)
		return by_input;

	/* each id once (a repeated id would repeat its child rows), in index order */
	sorted = palloc(sizeof(pg_uuid_t) * nids);
	memcpy(sorted, ids, sizeof(pg_uuid_t) * nids);
	qsort(sorted, nids, sizeof(pg_uuid_t), dependency_cmp);
	elems = palloc(sizeof(Datum) * nids);
	for (int i = 0; i < nids; i++)
		if (i == 0 || memcmp(&sorted[i], &sorted[i - 1], sizeof(pg_uuid_t)) != 0)
			elems[n++] = UUIDPGetDatum(&sorted[i]);
	array = PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));

	/* per-id key lookups: no sequential scans (store_index_scans_begin) */
	nestlevel = store_index_scans_begin();
	page_read_tasks(&page, ws, array);
	if (page.ntasks > 0)
	{
		page_read_assignees(&page, ws, array);
		page_read_links(&page, ws, array);
		page_read_dependencies(&page, ws, array);
		page_read_notes(&page, ws, array);
	}
	store_index_scans_end(nestlevel);
	for (int i = 0; i < nids; i++)
		by_input[i] = page_find(&page, UUIDPGetDatum(&ids[i]));
	return by_input;
}

/* See tasks.h. */
void
task_json_push_page(JsonbParseState **st, const pg_uuid_t *ws, List *ids, bool with_deleted)
{
	int			nids = list_length(ids);
	pg_uuid_t  *idv = palloc(sizeof(pg_uuid_t) * Max(nids, 1));
	TaskJson  **tasks;
	int			i = 0;
	ListCell   *lc;

	foreach(lc, ids)
		idv[i++] = *(pg_uuid_t *) lfirst(lc);
	tasks = task_json_read(ws, idv, nids);
	for (i = 0; i < nids; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (tasks[i] == NULL)
			continue;
		tasks[i]->show_deleted = with_deleted;
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		task_json_push_fields(st, tasks[i]);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
}

/*
 * tasks._task_json_batch(ws uuid, task_ids uuid[])
 *	 RETURNS TABLE (ord bigint, id uuid, task jsonb)
 *
 * tasks.task_json of each id that is a task of the workspace, with its
 * position in task_ids (ord), in that order; other ids (and nulls) are
 * skipped.  Reads in the caller's snapshot (the function is STABLE).
 */
PG_FUNCTION_INFO_V1(tasks_task_json_batch);
Datum
tasks_task_json_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *array;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	pg_uuid_t  *ids;
	int64	   *ords;
	int			nids = 0;
	TaskJson  **tasks;
	pg_uuid_t	ws;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	ws = *PG_GETARG_UUID_P(0);
	array = PG_GETARG_ARRAYTYPE_P(1);
	deconstruct_array(array, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &nelems);
	ids = palloc(sizeof(pg_uuid_t) * Max(nelems, 1));
	ords = palloc(sizeof(int64) * Max(nelems, 1));
	for (int i = 0; i < nelems; i++)
	{
		if (nulls[i])
			continue;
		ids[nids] = *DatumGetUUIDP(elems[i]);
		ords[nids++] = i + 1;	/* WITH ORDINALITY counts the nulls too */
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	tasks = task_json_read(&ws, ids, nids);
	for (int i = 0; i < nids; i++)
	{
		JsonbParseState *st = NULL;
		JsonbValue *res;
		Datum		values[3];
		bool		isnull[3] = {false, false, false};

		CHECK_FOR_INTERRUPTS();
		if (tasks[i] == NULL)
			continue;
		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		task_json_push_fields(&st, tasks[i]);
		res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
		values[0] = Int64GetDatum(ords[i]);
		values[1] = UUIDPGetDatum(&ids[i]);
		values[2] = JsonbPGetDatum(JsonbValueToJsonb(res));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
	}
	SPI_finish();
	return (Datum) 0;
}
