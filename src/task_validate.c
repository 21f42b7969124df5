/*-------------------------------------------------------------------------
 *
 * task_validate.c
 *	  Parse and check a native task payload into a TaskDraft.
 *
 * Two phases, both collecting every problem before anything is raised:
 *	 task_draft_parse: types, shapes, lengths, enums, dates; no table access
 *		beyond the (per-transaction cached) list of record kinds;
 *	 task_draft_check_refs: statuses, members, records, names, dependencies,
 *		all inside the caller's workspace.
 * Nothing is written until both phases found nothing wrong.
 *
 * The same readers parse an update's patch (task_patch_parse): only the keys
 * present are applied, null clears a nullable field, a required field
 * cannot be cleared, lists take either a replacement array or an edit
 * object {"add", "remove"} ("clear" too for links), and created_by,
 * created_at and id are read-only.  tp is NULL when parsing a create.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "task_update.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

/* Fixed top-level keys of the native payload; <kind>_id / <kind>_name come from tasks.record_kinds. */
static const char *const native_keys[] = {
	"title", "description", "status", "status_id", "priority", "type", "tags",
	"due_date", "due_at", "timezone", "deadline", "scheduled_start",
	"scheduled_end", "completed_at", "sort_order", "metadata", "external_id",
	"created_by", "created_at", "assignee_ids", "links", "dependency_ids", "notes",
	NULL
};

static const char *const link_keys[] = {"kind", "id", "name", "relation", NULL};

/* Keys only a patch has, keys a patch may not change, and the keys of a list edit. */
static const char *const patch_only_keys[] = {"version", "metadata_merge", NULL};
static const char *const patch_read_only_keys[] = {"id", "created_by", "created_at", NULL};
static const char *const edit_keys[] = {"add", "remove", NULL};
static const char *const link_edit_keys[] = {"add", "remove", "clear", NULL};
static const char *const link_remove_keys[] = {"kind", "id", "relation", NULL};

static const char *const priorities[] = {"low", "medium", "high", "urgent", NULL};

/* ------------------------------------------------------------------------
 * Record kinds, cached for the current transaction
 * ------------------------------------------------------------------------
 */
static List *kinds_cache = NIL;
static LocalTransactionId kinds_lxid = InvalidLocalTransactionId;

/*
 * The record kinds (tasks.record_kinds), loaded once per transaction.
 *
 * Read with a plain heap scan under the active snapshot, which is what the
 * read-only SPI query "SELECT kind FROM tasks.record_kinds" saw, with the
 * same SELECT privilege check and lock, without paying for a plan and an
 * executor start-up on every transaction (the table holds a few rows and no
 * row level security; callers only test membership, so no order).
 */
static List *
record_kinds(void)
{
	Oid			relid;
	AclResult	aclresult;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	List	   *kinds = NIL;
	MemoryContext old;

	if (kinds_lxid == MyProc->lxid && kinds_cache != NIL)
		return kinds_cache;

	/* never serve a half-built list if the load below fails */
	kinds_lxid = InvalidLocalTransactionId;
	if (kinds_cache != NIL)
		list_free_deep(kinds_cache);
	kinds_cache = NIL;

	relid = get_relname_relid("record_kinds", get_namespace_oid("tasks", false));
	if (!OidIsValid(relid))
		elog(ERROR, "table tasks.record_kinds does not exist");
	/* as the executor checks it: the table, else the one column read */
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK &&
		pg_attribute_aclcheck(relid, 1, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, "record_kinds");

	rel = table_open(relid, AccessShareLock);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		kind = slot_getattr(slot, 1, &isnull);	/* kind: the primary key */
		char	   *k;

		CHECK_FOR_INTERRUPTS();
		if (isnull)
			continue;
		k = TextDatumGetCString(kind);
		/* only the kept list lives in TopMemoryContext, not the scan's work */
		old = MemoryContextSwitchTo(TopMemoryContext);
		kinds = lappend(kinds, pstrdup(k));
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);

	kinds_cache = kinds;
	kinds_lxid = MyProc->lxid;
	return kinds_cache;
}

/* Whether kind (len bytes) is a known record kind. */
static bool
is_record_kind(const char *kind, int len)
{
	ListCell   *lc;

	foreach(lc, record_kinds())
	{
		const char *k = lfirst(lc);

		if (strlen(k) == (size_t) len && memcmp(k, kind, len) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Small typed readers
 * ------------------------------------------------------------------------
 */

/* Reads an optional enum string; NULL when absent or invalid. */
static char *
read_enum(Jsonb *obj, const char *key, const char *const *allowed, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);
	char	   *s;
	StringInfoData list;

	payload_get(obj, key, &f);
	s = payload_text(&f, p, path, false, true, 1, TASKS_MAX_SHORT_TEXT);
	if (s == NULL)
		return NULL;
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(s, *a) == 0)
			return s;
	initStringInfo(&list);
	for (const char *const *a = allowed; *a; a++)
		appendStringInfo(&list, "%s%s", a == allowed ? "" : ", ", *a);
	problem_add(p, path, "invalid_value", "must be one of: %s", list.data);
	return NULL;
}


/* Reads an optional uuid field. */
static bool
read_uuid_field(Jsonb *obj, const char *key, pg_uuid_t *out, TaskProblems *p)
{
	PayloadField f;

	payload_get(obj, key, &f);
	if (!f.present || f.is_null)
		return false;
	return payload_uuid_value(&f.value, psprintf("/%s", key), out, p);
}

/* Returns the array container of field f, or NULL (problem recorded if wrong type). */
static JsonbContainer *
read_array(const PayloadField *f, const char *path, int max_items, TaskProblems *p)
{
	JsonbContainer *c;

	if (!f->present || f->is_null)
		return NULL;
	if (f->value.type != jbvBinary || !JsonContainerIsArray(f->value.val.binary.data))
	{
		problem_add(p, path, "invalid_type", "must be an array, not %s", jsonb_type_name(&f->value));
		return NULL;
	}
	c = f->value.val.binary.data;
	if ((int) JsonContainerSize(c) > max_items)
	{
		problem_add(p, path, "too_many", "must have at most %d items (got %u)",
					max_items, JsonContainerSize(c));
		return NULL;
	}
	return c;
}

/* The uuids of the array c at path; duplicates are dropped.  *paths gets the kept items' paths. */
static List *
read_uuid_items(JsonbContainer *c, const char *path, List **paths, TaskProblems *p)
{
	List	   *out = NIL;

	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(c, i);
		char	   *ipath = json_pointer_index(path, i);
		pg_uuid_t	u;
		bool		dup = false;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (!payload_uuid_value(v, ipath, &u, p))
			continue;
		foreach(lc, out)
			if (memcmp(lfirst(lc), &u, sizeof(u)) == 0)
				dup = true;
		if (dup)
			continue;
		out = lappend(out, palloc(sizeof(pg_uuid_t)));
		memcpy(llast(out), &u, sizeof(u));
		if (paths)
			*paths = lappend(*paths, ipath);
	}
	return out;
}

/* ------------------------------------------------------------------------
 * Patch mode: which keys a patch gives, and list edits
 * ------------------------------------------------------------------------
 */

/*
 * Notes that a patch gives key (and clears it, when null).  Returns whether
 * the value is to be read: always for a create; for a patch, when the key is
 * present and not null.  A null for a field that cannot be cleared is a
 * problem.
 */
static bool
patch_key(TaskPatch *tp, Jsonb *obj, const char *key, TaskField field, bool clearable,
		  TaskProblems *p)
{
	PayloadField f;

	if (tp == NULL)
		return true;
	payload_get(obj, key, &f);
	if (!f.present)
		return false;
	tp->given |= TF_BIT(field);
	if (!f.is_null)
		return true;
	if (clearable)
		tp->cleared |= TF_BIT(field);
	else
		problem_add(p, psprintf("/%s", key), "required", "cannot be cleared: every task has one");
	return false;
}

/*
 * An edit object at path: its keys must be in keys (at least one given) and
 * each value an array.  *ops[i] gets the container of keys[i], or NULL.
 */
static void
read_edit(const JsonbValue *v, const char *path, const char *const *keys, JsonbContainer **ops,
		  TaskProblems *p)
{
	JsonbContainer *c = v->val.binary.data;
	bool		any = false;

	payload_reject_unknown(c, path, keys, p);
	for (int i = 0; keys[i]; i++)
	{
		PayloadField f;

		payload_get_container(c, keys[i], &f);
		any |= f.present;
		ops[i] = read_array(&f, json_pointer_key(path, keys[i], strlen(keys[i])), TASKS_MAX_ITEMS, p);
	}
	if (!any)
		problem_add(p, path, "required", "an edit needs %s",
					keys[2] ? "\"add\", \"remove\" or \"clear\"" : "\"add\" or \"remove\"");
}

/*
 * Reads a list field.  A create takes an array; a patch also null (an empty
 * replacement) or an edit object {"add", "remove"}.  *items is the container
 * of the replacement or of the additions (at *items_path), *removes of the
 * removals (at *removes_path); either may be NULL.
 */
static ListEdit
read_list(TaskPatch *tp, Jsonb *obj, const char *key, TaskField field,
		  JsonbContainer **items, char **items_path,
		  JsonbContainer **removes, char **removes_path, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);

	*items = *removes = NULL;
	*items_path = *removes_path = path;
	payload_get(obj, key, &f);
	if (!f.present)
		return LIST_KEEP;
	if (tp != NULL)
	{
		tp->given |= TF_BIT(field);
		if (f.is_null)
		{
			tp->cleared |= TF_BIT(field);
			return LIST_REPLACE;
		}
		if (f.value.type == jbvBinary && JsonContainerIsObject(f.value.val.binary.data))
		{
			JsonbContainer *ops[2];

			read_edit(&f.value, path, edit_keys, ops, p);
			*items = ops[0];
			*items_path = psprintf("%s/add", path);
			*removes = ops[1];
			*removes_path = psprintf("%s/remove", path);
			return LIST_EDIT;
		}
	}
	*items = read_array(&f, path, TASKS_MAX_ITEMS, p);
	return LIST_REPLACE;
}

/* A removal that is also an addition is a problem (at the removal's path). */
static void
check_uuid_overlap(List *adds, List *removes, List *remove_paths, TaskProblems *p)
{
	ListCell   *rc,
			   *pc,
			   *ac;

	forboth(rc, removes, pc, remove_paths)
	{
		foreach(ac, adds)
		{
			if (memcmp(lfirst(ac), lfirst(rc), sizeof(pg_uuid_t)) == 0)
			{
				problem_add(p, lfirst(pc), "conflict", "is also in \"add\"");
				break;
			}
		}
	}
}

/* Reads a list of uuids (assignee_ids, dependency_ids) in either mode. */
static List *
read_uuid_list(TaskPatch *tp, Jsonb *obj, const char *key, TaskField field, List **paths,
			   ListEdit *edit, List **removes, TaskProblems *p)
{
	JsonbContainer *items,
			   *rem;
	char	   *items_path,
			   *rem_path;
	List	   *out = NIL;
	List	   *rem_paths = NIL;
	ListEdit	e = read_list(tp, obj, key, field, &items, &items_path, &rem, &rem_path, p);

	if (items != NULL)
		out = read_uuid_items(items, items_path, paths, p);
	if (tp == NULL)
		return out;
	*edit = e;
	if (rem != NULL)
	{
		*removes = read_uuid_items(rem, rem_path, &rem_paths, p);
		check_uuid_overlap(out, *removes, rem_paths, p);
	}
	return out;
}

/* "version": the version the client read, a positive integer. */
static void
parse_version(Jsonb *obj, TaskPatch *tp, TaskProblems *p)
{
	PayloadField f;
	char	   *s;
	char	   *end;
	long		v;

	payload_get(obj, "version", &f);
	if (!f.present || f.is_null)
		return;
	if (f.value.type != jbvNumeric)
	{
		problem_add(p, "/version", "invalid_type", "must be a number (the version you read), not %s",
					jsonb_type_name(&f.value));
		return;
	}
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(f.value.val.numeric)));
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < 1 || v > PG_INT32_MAX)
	{
		problem_add(p, "/version", "invalid_value", "must be a positive integer (the version you read)");
		return;
	}
	tp->has_version = true;
	tp->version = (int32) v;
}

/* ------------------------------------------------------------------------
 * Dates and times
 * ------------------------------------------------------------------------
 */

/* Reads a date-time field: an instant with offset, or local time in zone. */
static bool
read_instant(Jsonb *obj, const char *key, pg_tz *zone, bool zone_invalid,
			 TimestampTz *out, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);
	DateADT		d;

	payload_get(obj, key, &f);
	if (!f.present || f.is_null)
		return false;
	if (f.value.type != jbvString)
	{
		problem_add(p, path, "invalid_type", "must be an ISO 8601 date-time string, not %s",
					jsonb_type_name(&f.value));
		return false;
	}
	switch (tp_parse_datetime(f.value.val.string.val, f.value.val.string.len, zone, out))
	{
		case TP_OK:
			return true;
		case TP_NEEDS_ZONE:
			if (!zone_invalid)
				problem_add(p, path, "timezone_required",
							"has no UTC offset: add one (e.g. \"Z\" or \"+02:00\") or give \"timezone\"");
			return false;
		case TP_LOCAL_TIME_GAP:
			problem_add(p, path, "nonexistent_local_time",
						"does not exist in the time zone: clocks skip it at a daylight saving change");
			return false;
		case TP_OUT_OF_RANGE:
			problem_add(p, path, "invalid_datetime", "is not a real date and time");
			return false;
		default:
			if (tp_parse_date(f.value.val.string.val, f.value.val.string.len, &d) == TP_OK)
				problem_add(p, path, "invalid_datetime",
							"is a date without a time; %s needs a date-time%s", key,
							strcmp(key, "due_at") == 0 ? " (use due_date for an all-day task)" : "");
			else
				problem_add(p, path, "invalid_datetime",
							"must be an ISO 8601 date-time, e.g. \"2026-03-10T09:00:00Z\"");
			return false;
	}
}

/* In a patch, the time fields given, each of which may be cleared. */
static void
patch_times(Jsonb *obj, TaskPatch *tp, TaskProblems *p)
{
	static const struct
	{
		const char *key;
		TaskField	field;
	}			times[] = {
		{"timezone", TF_TIMEZONE}, {"due_date", TF_DUE_DATE}, {"due_at", TF_DUE_AT},
		{"deadline", TF_DEADLINE}, {"scheduled_start", TF_SCHEDULED_START},
		{"scheduled_end", TF_SCHEDULED_END}, {"completed_at", TF_COMPLETED_AT}
	};

	for (int i = 0; i < lengthof(times); i++)
		(void) patch_key(tp, obj, times[i].key, times[i].field, true, p);
}

/*
 * Reads the time zone, the all-day date and every instant field.  A patch
 * has no created_at (read-only) and keeps a zone given alone: it is the
 * zone of the task's due date or time.
 */
static void
parse_times(Jsonb *obj, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	PayloadField f;
	pg_tz	   *zone = NULL;
	bool		zone_invalid = false;
	char	   *zname;

	if (tp != NULL)
		patch_times(obj, tp, p);
	payload_get(obj, "timezone", &f);
	zname = payload_text(&f, p, "/timezone", false, true, 1, 100);
	if (zname != NULL)
	{
		const char *canonical = NULL;

		zone = tp_lookup_zone(zname, strlen(zname), &canonical);
		if (zone == NULL)
		{
			zone_invalid = true;
			problem_add(p, "/timezone", "invalid_timezone",
						"must be an IANA time zone name such as \"Europe/Berlin\" or \"UTC\"");
		}
		else
			d->due_timezone = pstrdup(canonical);
	}
	else if (f.present && !f.is_null)
		zone_invalid = true;

	payload_get(obj, "due_date", &f);
	if (f.present && !f.is_null)
	{
		if (f.value.type != jbvString)
			problem_add(p, "/due_date", "invalid_type", "must be a \"YYYY-MM-DD\" string, not %s",
						jsonb_type_name(&f.value));
		else
		{
			TimeParseStatus st = tp_parse_date(f.value.val.string.val, f.value.val.string.len,
											   &d->due_date);

			if (st == TP_OK)
				d->has_due_date = true;
			else if (st == TP_OUT_OF_RANGE)
				problem_add(p, "/due_date", "invalid_date", "is not a real calendar date");
			else
				problem_add(p, "/due_date", "invalid_date",
							"must be a calendar date \"YYYY-MM-DD\" (all-day); use due_at for a date-time");
		}
	}

	d->has_due_at = read_instant(obj, "due_at", zone, zone_invalid, &d->due_at, p);
	if (d->has_due_date && d->has_due_at)
		problem_add(p, "/due_at", "conflict",
					"give either due_date (all-day) or due_at (an instant), not both");
	d->has_deadline = read_instant(obj, "deadline", zone, zone_invalid, &d->deadline, p);
	d->has_scheduled_start = read_instant(obj, "scheduled_start", zone, zone_invalid,
										  &d->scheduled_start, p);
	d->has_scheduled_end = read_instant(obj, "scheduled_end", zone, zone_invalid,
										&d->scheduled_end, p);
	if (d->has_scheduled_start && d->has_scheduled_end && d->scheduled_start > d->scheduled_end)
		problem_add(p, "/scheduled_end", "invalid_range", "must not be before scheduled_start");
	d->has_completed_at = read_instant(obj, "completed_at", zone, zone_invalid,
									   &d->completed_at, p);
	if (tp != NULL)
		return;
	d->has_created_at = read_instant(obj, "created_at", zone, zone_invalid, &d->created_at, p);
	if (d->has_created_at &&
		d->created_at > GetCurrentTransactionStartTimestamp() + USECS_PER_DAY)
	{
		problem_add(p, "/created_at", "invalid_value", "must not be more than 24 hours in the future");
		d->has_created_at = false;
	}
	if (d->due_timezone != NULL && !d->has_due_date && !d->has_due_at &&
		!d->has_deadline && !d->has_scheduled_start && !d->has_scheduled_end &&
		!d->has_completed_at && !d->has_created_at)
		d->due_timezone = NULL; /* a zone with nothing to interpret is dropped */
}

/* ------------------------------------------------------------------------
 * Links, tags, notes, metadata
 * ------------------------------------------------------------------------
 */

/* Adds a link by id or by name. */
static void
add_link(TaskDraft *d, const char *relation, const char *kind, bool by_name,
		 const pg_uuid_t *id, const char *query, const char *path)
{
	TaskLink   *l = palloc0(sizeof(TaskLink));

	l->relation = pstrdup(relation);
	l->kind = pstrdup(kind);
	l->by_name = by_name;
	if (id)
		l->record_id = *id;
	l->query = query ? pstrdup(query) : NULL;
	l->path = pstrdup(path);
	d->links = lappend(d->links, l);
}

/*
 * Reads an optional relation name: a lower-case letter, then lower-case
 * letters, digits or underscores (the shape tasks.task_links allows).
 */
static char *
read_relation(const PayloadField *f, const char *path, TaskProblems *p)
{
	char	   *r = payload_text(f, p, path, false, true, 1, 63);

	if (r == NULL)
		return NULL;
	for (const char *c = r; *c; c++)
	{
		if ((*c >= 'a' && *c <= 'z') || (c > r && ((*c >= '0' && *c <= '9') || *c == '_')))
			continue;
		problem_add(p, path, "invalid_value",
					"must start with a lower-case letter, then lower-case letters, digits or underscores");
		return NULL;
	}
	return r;
}

/* Reads link items [{kind, id | name, relation?}] of the array c at base into d->links. */
static void
parse_link_items(JsonbContainer *c, const char *base, TaskDraft *d, TaskProblems *p)
{
	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(c, i);
		char	   *ipath = json_pointer_index(base, i);
		JsonbContainer *item;
		PayloadField kf,
					idf,
					nf,
					rf;
		char	   *kind,
				   *name = NULL,
				   *relation;
		pg_uuid_t	id;
		bool		has_id = false;

		CHECK_FOR_INTERRUPTS();
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		{
			problem_add(p, ipath, "invalid_type", "must be an object {\"kind\", \"id\" or \"name\"}, not %s",
						jsonb_type_name(v));
			continue;
		}
		item = v->val.binary.data;
		payload_reject_unknown(item, ipath, link_keys, p);
		payload_get_container(item, "kind", &kf);
		payload_get_container(item, "id", &idf);
		payload_get_container(item, "name", &nf);
		payload_get_container(item, "relation", &rf);
		kind = payload_text(&kf, p, psprintf("%s/kind", ipath), true, false, 1, 63);
		relation = read_relation(&rf, psprintf("%s/relation", ipath), p);
		if (kind != NULL && !is_record_kind(kind, strlen(kind)))
		{
			problem_add(p, psprintf("%s/kind", ipath), "unknown_kind",
						"is not a record kind of this service (see tasks.record_kinds)");
			kind = NULL;
		}
		if (idf.present && !idf.is_null)
			has_id = payload_uuid_value(&idf.value, psprintf("%s/id", ipath), &id, p);
		else if (nf.present && !nf.is_null)
			name = payload_text(&nf, p, psprintf("%s/name", ipath), false, false, 1, TASKS_MAX_NAME);
		else
			problem_add(p, ipath, "required", "needs \"id\" or \"name\"");
		if (kind == NULL || (!has_id && name == NULL))
			continue;
		add_link(d, relation ? relation : kind, kind, !has_id, has_id ? &id : NULL, name,
				 has_id ? psprintf("%s/id", ipath) : psprintf("%s/name", ipath));
	}
}

/* Reads links to remove [{relation | kind, id}] of the array c at base. */
static List *
parse_link_removes(JsonbContainer *c, const char *base, TaskProblems *p)
{
	List	   *out = NIL;

	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(c, i);
		char	   *ipath = json_pointer_index(base, i);
		PayloadField kf,
					idf,
					rf;
		char	   *kind,
				   *relation;
		TaskLinkRef *r;
		bool		ok;

		CHECK_FOR_INTERRUPTS();
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		{
			problem_add(p, ipath, "invalid_type", "must be an object {\"relation\" or \"kind\", \"id\"}, not %s",
						jsonb_type_name(v));
			continue;
		}
		payload_reject_unknown(v->val.binary.data, ipath, link_remove_keys, p);
		payload_get_container(v->val.binary.data, "kind", &kf);
		payload_get_container(v->val.binary.data, "id", &idf);
		payload_get_container(v->val.binary.data, "relation", &rf);
		kind = payload_text(&kf, p, psprintf("%s/kind", ipath), false, true, 1, 63);
		relation = read_relation(&rf, psprintf("%s/relation", ipath), p);
		r = palloc0(sizeof(TaskLinkRef));
		r->relation = relation ? relation : kind;
		r->path = psprintf("%s/id", ipath);
		ok = true;
		if (!idf.present || idf.is_null)
		{
			problem_add(p, r->path, "required", "is required");
			ok = false;
		}
		else
			ok = payload_uuid_value(&idf.value, r->path, &r->record_id, p);
		if (!(kf.present && !kf.is_null) && !(rf.present && !rf.is_null))
			problem_add(p, ipath, "required", "needs \"relation\" or \"kind\"");
		if (ok && r->relation != NULL)
			out = lappend(out, r);
	}
	return out;
}

/* Whether s is in the list of strings. */
bool
string_in_list(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

/*
 * Reads "links".  A create takes an array.  A patch also takes null (no
 * links), an array (the links from now on, with the shorthand keys), or an
 * edit {"add": [links], "remove": [{relation | kind, id}], "clear":
 * [relations]}: the relations are emptied first, then links removed, then added.
 */
static void
parse_links(Jsonb *obj, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	PayloadField f;
	JsonbContainer *c;

	payload_get(obj, "links", &f);
	if (tp != NULL && f.present)
	{
		tp->given |= TF_BIT(TF_LINKS);
		tp->links_edit = LIST_REPLACE;
		if (f.is_null)
			return;
		if (f.value.type == jbvBinary && JsonContainerIsObject(f.value.val.binary.data))
		{
			JsonbContainer *ops[3];

			tp->links_edit = LIST_EDIT;
			read_edit(&f.value, "/links", link_edit_keys, ops, p);
			if (ops[0] != NULL)
				parse_link_items(ops[0], "/links/add", d, p);
			if (ops[1] != NULL)
				tp->link_removes = parse_link_removes(ops[1], "/links/remove", p);
			for (uint32 i = 0; ops[2] != NULL && i < JsonContainerSize(ops[2]); i++)
			{
				PayloadField item = {.present = true};
				char	   *rel;

				item.value = *getIthJsonbValueFromContainer(ops[2], i);
				item.is_null = item.value.type == jbvNull;
				rel = payload_text(&item, p, json_pointer_index("/links/clear", i), true, false, 1, 63);
				if (rel != NULL && !string_in_list(tp->link_clears, rel))
					tp->link_clears = lappend(tp->link_clears, rel);
			}
			return;
		}
	}
	if ((c = read_array(&f, "/links", TASKS_MAX_ITEMS, p)) == NULL)
		return;
	parse_link_items(c, "/links", d, p);
}

/*
 * Reads <kind>_id and <kind>_name keys.  An id given alongside a name wins;
 * the name is then ignored.
 */
static void
parse_kind_key(Jsonb *obj, const char *key, int keylen, TaskDraft *d, TaskPatch *tp,
			   TaskProblems *p)
{
	bool		is_id = keylen > 3 && memcmp(key + keylen - 3, "_id", 3) == 0;
	bool		is_name = keylen > 5 && memcmp(key + keylen - 5, "_name", 5) == 0;
	char	   *k = pnstrdup(key, keylen);
	char	   *path = json_pointer_key("", key, keylen);
	char	   *kind;
	PayloadField f;

	if (!is_id && !is_name)
	{
		problem_add(p, path, "unknown_field", "is not a known field");
		return;
	}
	kind = pnstrdup(key, keylen - (is_id ? 3 : 5));
	if (!is_record_kind(kind, strlen(kind)))
	{
		problem_add(p, path, "unknown_field", "is not a known field");
		return;
	}
	payload_get(obj, k, &f);
	if (tp != NULL)
	{
		/* in a patch, <kind>_id / <kind>_name replace the links of relation <kind> */
		tp->given |= TF_BIT(TF_LINKS);
		if (tp->links_edit == LIST_KEEP)
			tp->links_edit = LIST_EDIT;
		if (!string_in_list(tp->link_clears, kind))
			tp->link_clears = lappend(tp->link_clears, kind);
	}
	if (!f.present || f.is_null)
		return;
	if (is_id)
	{
		pg_uuid_t	id;

		if (payload_uuid_value(&f.value, path, &id, p))
			add_link(d, kind, kind, false, &id, NULL, path);
	}
	else
	{
		PayloadField idf;
		char	   *name = payload_text(&f, p, path, false, true, 1, TASKS_MAX_NAME);

		payload_get(obj, psprintf("%s_id", kind), &idf);
		if (name != NULL && !(idf.present && !idf.is_null))
			add_link(d, kind, kind, true, NULL, name, path);
	}
}

/*
 * Reads the array c at path: non-empty strings of at most max_chars
 * characters each; with dedupe, repeated values are dropped.
 */
static List *
read_string_items(JsonbContainer *c, const char *path, int max_chars, bool dedupe, TaskProblems *p)
{
	List	   *out = NIL;

	for (uint32 i = 0; i < JsonContainerSize(c); i++)
	{
		PayloadField item = {.present = true};
		char	   *s;

		CHECK_FOR_INTERRUPTS();
		item.value = *getIthJsonbValueFromContainer(c, i);
		item.is_null = item.value.type == jbvNull;
		s = payload_text(&item, p, json_pointer_index(path, i), true, false, 1, max_chars);
		if (s == NULL)
			continue;
		if (!dedupe || !string_in_list(out, s))
			out = lappend(out, s);
	}
	return out;
}

/* Reads an array of strings (tags, notes); see read_string_items. */
static List *
read_string_array(Jsonb *obj, const char *key, int max_chars, bool dedupe, TaskProblems *p)
{
	PayloadField f;
	char	   *path = psprintf("/%s", key);
	JsonbContainer *c;

	payload_get(obj, key, &f);
	if ((c = read_array(&f, path, TASKS_MAX_ITEMS, p)) == NULL)
		return NIL;
	return read_string_items(c, path, max_chars, dedupe, p);
}

/* Reads "tags": an array; in a patch also null or an edit {"add", "remove"}. */
static void
parse_tags(Jsonb *obj, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	JsonbContainer *items,
			   *rem;
	char	   *items_path,
			   *rem_path;
	ListEdit	e = read_list(tp, obj, "tags", TF_TAGS, &items, &items_path, &rem, &rem_path, p);

	if (items != NULL)
		d->tags = read_string_items(items, items_path, TASKS_MAX_SHORT_TEXT, true, p);
	if (tp == NULL)
		return;
	tp->tags_edit = e;
	if (rem != NULL)
	{
		tp->tag_removes = read_string_items(rem, rem_path, TASKS_MAX_SHORT_TEXT, true, p);
		for (uint32 i = 0; i < JsonContainerSize(rem); i++)
		{
			JsonbValue *v = getIthJsonbValueFromContainer(rem, i);
			char	   *s = jsonb_string_dup(v);

			if (s != NULL && string_in_list(d->tags, s))
				problem_add(p, json_pointer_index(rem_path, i), "conflict", "is also in \"add\"");
		}
	}
}

/* A metadata object at path into *json; false when it is not one (reported). */
static bool
read_metadata(const PayloadField *f, const char *path, char **json, TaskProblems *p)
{
	if (f->value.type != jbvBinary || !JsonContainerIsObject(f->value.val.binary.data))
		problem_add(p, path, "invalid_type", "must be an object, not %s", jsonb_type_name(&f->value));
	else if (f->value.val.binary.len > TASKS_MAX_METADATA_BYTES)
		problem_add(p, path, "too_large", "must be at most %d bytes", TASKS_MAX_METADATA_BYTES);
	else
	{
		*json = JsonbToCString(NULL, f->value.val.binary.data, f->value.val.binary.len);
		return true;
	}
	return false;
}

/*
 * Reads "sort_order" (a finite number) and "metadata" (an object).  A patch
 * may instead give "metadata_merge": an object whose keys replace those of
 * the stored metadata (a null value removes the key).
 */
static void
parse_numbers_and_metadata(Jsonb *obj, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	PayloadField f;

	(void) patch_key(tp, obj, "sort_order", TF_SORT_ORDER, true, p);
	payload_get(obj, "sort_order", &f);
	if (f.present && !f.is_null)
	{
		if (f.value.type != jbvNumeric)
			problem_add(p, "/sort_order", "invalid_type", "must be a number, not %s",
						jsonb_type_name(&f.value));
		else
		{
			char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																NumericGetDatum(f.value.val.numeric)));
			char	   *end;
			double		v = strtod(s, &end);

			if (*end != '\0' || isinf(v) || isnan(v))
				problem_add(p, "/sort_order", "out_of_range", "must fit a double precision number");
			else
			{
				d->sort_order = v;
				d->has_sort_order = true;
			}
		}
	}

	(void) patch_key(tp, obj, "metadata", TF_METADATA, true, p);
	payload_get(obj, "metadata", &f);
	if (f.present && !f.is_null)
		(void) read_metadata(&f, "/metadata", &d->metadata_json, p);
	if (tp == NULL)
		return;
	payload_get(obj, "metadata_merge", &f);
	if (!f.present)
		return;
	if ((tp->given & TF_BIT(TF_METADATA)) != 0)
		problem_add(p, "/metadata_merge", "conflict", "give either metadata or metadata_merge, not both");
	else if (read_metadata(&f, "/metadata_merge", &d->metadata_json, p))
	{
		tp->given |= TF_BIT(TF_METADATA);
		tp->metadata_merge = true;
	}
}

/*
 * Walks the top-level keys: unknown ones fail, <kind>_id / <kind>_name
 * become links.  In a patch, version and metadata_merge are known and the
 * keys an update cannot change are read-only.
 */
static void
parse_keys(Jsonb *obj, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	JsonbIterator *it = JsonbIteratorInit(&obj->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *key = v.val.string.val;
		int			len = v.val.string.len;

		CHECK_FOR_INTERRUPTS();
		if (tok != WJB_KEY)
			continue;
		if (tp != NULL && key_in_list(key, len, patch_read_only_keys))
			problem_add(p, json_pointer_key("", key, len), "read_only",
						"cannot be changed by an update");
		else if (tp != NULL && key_in_list(key, len, patch_only_keys))
			continue;
		else if (!key_in_list(key, len, native_keys))
			parse_kind_key(obj, key, len, d, tp, p);
	}
}

/* Parses a create payload (tp NULL) or a patch into d; every problem goes to p. */
static void
parse_payload(Jsonb *payload, TaskDraft *d, TaskPatch *tp, TaskProblems *p)
{
	PayloadField f;
	ListEdit	unused_edit;
	List	   *unused_removes;

	memset(d, 0, sizeof(TaskDraft));
	if (!JB_ROOT_IS_OBJECT(payload) || JB_ROOT_IS_SCALAR(payload))
	{
		problem_add(p, "", "invalid_type", "the payload must be a JSON object");
		return;
	}
	parse_keys(payload, d, tp, p);

	payload_get(payload, "title", &f);
	if (patch_key(tp, payload, "title", TF_TITLE, false, p))
		d->title = payload_text(&f, p, "/title", tp == NULL, false, 1, TASKS_MAX_TITLE);
	(void) patch_key(tp, payload, "description", TF_DESCRIPTION, true, p);
	payload_get(payload, "description", &f);
	d->description = payload_text(&f, p, "/description", false, true, 0, TASKS_MAX_DESCRIPTION);
	payload_get(payload, "status", &f);
	if (patch_key(tp, payload, "status", TF_STATUS, false, p))
		d->status_name = payload_text(&f, p, "/status", false, true, 1, 100);
	if (patch_key(tp, payload, "status_id", TF_STATUS, false, p))
		d->has_status_id = read_uuid_field(payload, "status_id", &d->status_id, p);
	if (d->status_name && d->has_status_id)
		problem_add(p, "/status_id", "conflict", "give either status or status_id, not both");
	(void) patch_key(tp, payload, "priority", TF_PRIORITY, true, p);
	d->priority = read_enum(payload, "priority", priorities, p);
	(void) patch_key(tp, payload, "type", TF_TYPE, true, p);
	payload_get(payload, "type", &f);
	d->type = payload_text(&f, p, "/type", false, true, 1, TASKS_MAX_SHORT_TEXT);
	(void) patch_key(tp, payload, "external_id", TF_EXTERNAL_ID, true, p);
	payload_get(payload, "external_id", &f);
	d->external_id = payload_text(&f, p, "/external_id", false, true, 1, TASKS_MAX_SHORT_TEXT);
	if (tp == NULL)
		d->has_created_by = read_uuid_field(payload, "created_by", &d->created_by, p);

	parse_tags(payload, d, tp, p);
	parse_times(payload, d, tp, p);
	parse_numbers_and_metadata(payload, d, tp, p);
	d->assignees = read_uuid_list(tp, payload, "assignee_ids", TF_ASSIGNEES, &d->assignee_paths,
								  tp ? &tp->assignees_edit : &unused_edit,
								  tp ? &tp->assignee_removes : &unused_removes, p);
	parse_links(payload, d, tp, p);
	d->dependencies = read_uuid_list(tp, payload, "dependency_ids", TF_DEPENDENCIES, &d->dependency_paths,
									 tp ? &tp->deps_edit : &unused_edit,
									 tp ? &tp->dep_removes : &unused_removes, p);
	d->notes = read_string_array(payload, "notes", TASKS_MAX_DESCRIPTION, false, p);
	if (tp == NULL)
		return;
	if (d->notes != NIL)
		tp->given |= TF_BIT(TF_NOTES);
	parse_version(payload, tp, p);
}

/* Parses a native create payload into d; every problem goes to p. */
void
task_draft_parse(Jsonb *payload, TaskDraft *d, TaskProblems *p)
{
	parse_payload(payload, d, NULL, p);
}

/* Parses a native patch into tp; every problem goes to p. */
void
task_patch_parse(Jsonb *patch, TaskPatch *tp, TaskProblems *p)
{
	memset(tp, 0, sizeof(TaskPatch));
	parse_payload(patch, &tp->d, tp, p);
}
