/*-------------------------------------------------------------------------
 *
 * task_bulk.c
 *	  tasks.task_create_many: up to 1,000 native payloads in one call.
 *
 * The request is {"tasks": [payload, ...], "defaults": {...}, "mode": ...}.
 * Every item runs through task_engine_check, the checks of the single
 * create, after the defaults were merged under it (defaults || item: a key
 * the item sets, even to null, wins).  Problem paths point into the request:
 * "/tasks/3/title", or "/defaults/status" for a key the item took from the
 * defaults.  The items that pass are staged (task_rows_add) and written
 * together at the end, one INSERT per table (task_rows_write): the tables'
 * per-statement costs are paid once per batch, not once per item.  An
 * external id taken by an item staged earlier in the batch is reported as
 * the database check would report it.
 *
 * all_or_none (the default): every item is checked and every problem
 * collected; if any item failed, one 22023 carries them all and nothing is
 * written.  No subtransaction is needed: the error is the rollback.
 *
 * best_effort: the items are checked, staged and written inside one
 * subtransaction; an item whose problems were found by the checks is left
 * out.  When something raises that an item is to blame for (a constraint
 * race, a trigger), the subtransaction is rolled back and the batch runs
 * again one item at a time (task_engine_create), also in one
 * subtransaction: only an item that raises rolls it back, the items before
 * it are run again in a new one and the batch goes on after it.  So a batch
 * costs one subtransaction, plus one and two per raised error when an item
 * raises, not one per item: more than 64 subtransactions with an xid in one
 * transaction overflow the per-backend subxid cache and slow every other
 * session's snapshots while it stays open.
 *
 * Each item runs in its own memory context, reset before the next, with its
 * own SPI connection, so 1,000 items do not pile up memory.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#define BULK_MAX_TASKS 1000

static const char *const bulk_keys[] = {"tasks", "defaults", "mode", NULL};

typedef enum BulkMode
{
	BULK_ALL_OR_NONE,
	BULK_BEST_EFFORT
} BulkMode;

/* The outcome of one item. */
typedef struct BulkItem
{
	bool		created;
	pg_uuid_t	id;
	List	   *problems;		/* of TaskProblem *, paths into the request */
} BulkItem;

/* One call: the parsed request, the identity, results and memory. */
typedef struct BulkRun
{
	JsonbContainer *tasks;		/* the "tasks" array */
	int			ntasks;
	Jsonb	   *defaults;		/* NULL when none */
	BulkMode	mode;
	TaskIdentity who;
	BulkItem   *items;
	MemoryContext resultcxt;	/* lives for the call: results, errors */
	MemoryContext itemcxt;		/* reset before every item */
	TaskRows   *rows;			/* checked items staged here, or NULL: each item stores itself */
} BulkRun;

/* Reads "tasks": an array of 1 to BULK_MAX_TASKS items. */
static void
bulk_parse_tasks(Jsonb *payload, BulkRun *run, TaskProblems *p)
{
	PayloadField f;
	uint32		n;

	payload_get(payload, "tasks", &f);
	if (!f.present)
	{
		problem_add(p, "/tasks", "required", "is required: an array of task payloads");
		return;
	}
	if (f.is_null || f.value.type != jbvBinary || !JsonContainerIsArray(f.value.val.binary.data))
	{
		problem_add(p, "/tasks", "invalid_type", "must be an array of task payloads, not %s",
					jsonb_type_name(&f.value));
		return;
	}
	n = JsonContainerSize(f.value.val.binary.data);
	if (n == 0)
		problem_add(p, "/tasks", "empty", "must hold at least one task");
	else if (n > BULK_MAX_TASKS)
		problem_add(p, "/tasks", "too_many",
					"must have at most %d tasks (got %u): split the batch", BULK_MAX_TASKS, n);
	else
	{
		run->tasks = f.value.val.binary.data;
		run->ntasks = (int) n;
	}
}

/* Reads "mode": all_or_none (default) or best_effort. */
static void
bulk_parse_mode(Jsonb *payload, BulkRun *run, TaskProblems *p)
{
	PayloadField f;
	char	   *mode;

	run->mode = BULK_ALL_OR_NONE;
	payload_get(payload, "mode", &f);
	mode = payload_text(&f, p, "/mode", false, true, 1, 32);
	if (mode == NULL)
		return;
	if (strcmp(mode, "best_effort") == 0)
		run->mode = BULK_BEST_EFFORT;
	else if (strcmp(mode, "all_or_none") != 0)
		problem_add(p, "/mode", "invalid_value", "must be one of: all_or_none, best_effort");
}

/* Reads "defaults": an object of native keys, or absent/null. */
static void
bulk_parse_defaults(Jsonb *payload, BulkRun *run, TaskProblems *p)
{
	PayloadField f;

	payload_get(payload, "defaults", &f);
	if (!f.present || f.is_null)
		return;
	if (f.value.type != jbvBinary || !JsonContainerIsObject(f.value.val.binary.data))
	{
		problem_add(p, "/defaults", "invalid_type", "must be an object of task fields, not %s",
					jsonb_type_name(&f.value));
		return;
	}
	run->defaults = JsonbValueToJsonb(&f.value);
}

/* Reads the envelope {"tasks", "defaults"?, "mode"?}; no database access. */
static void
bulk_parse(Jsonb *payload, BulkRun *run, TaskProblems *p)
{
	if (!JB_ROOT_IS_OBJECT(payload) || JB_ROOT_IS_SCALAR(payload))
	{
		problem_add(p, "", "invalid_type", "the payload must be a JSON object {\"tasks\": [...]}");
		return;
	}
	payload_reject_unknown(&payload->root, "", bulk_keys, p);
	bulk_parse_tasks(payload, run, p);
	bulk_parse_mode(payload, run, p);
	bulk_parse_defaults(payload, run, p);
}

/* a || b for two jsonb objects. */
static Jsonb *
jsonb_merge(Jsonb *a, Jsonb *b)
{
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(a), JsonbPGetDatum(b)));
}

/*
 * The defaults must be a valid partial payload on their own (a title is
 * lent for the check).  A local date-time may take its zone from the items,
 * and an external id is unique per task, so it cannot be shared.  Caller is
 * inside SPI (record kinds are read).
 */
static void
bulk_check_defaults(Jsonb *defaults, TaskProblems *p)
{
	PayloadField f;
	Jsonb	   *probe = defaults;
	TaskDraft	draft;
	TaskProblems own;
	ListCell   *lc;

	payload_get(defaults, "external_id", &f);
	if (f.present && !f.is_null)
		problem_add(p, "/defaults/external_id", "invalid_value",
					"is unique per task: give it in each item, not in the defaults");
	payload_get(defaults, "title", &f);
	if (!f.present)
		probe = jsonb_merge(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{\"title\": \"-\"}"))),
							defaults);
	problems_init(&own);
	task_draft_parse(probe, &draft, &own);
	foreach(lc, own.items)
	{
		TaskProblem *item = lfirst(lc);

		if (strcmp(item->code, "timezone_required") == 0)
			continue;
		problem_add_extra(p, psprintf("/defaults%s", item->path), item->code, item->extra_json,
						  "%s", item->message);
	}
}

/* Item i of the request with the defaults merged under it. */
static Jsonb *
bulk_item_payload(const BulkRun *run, int i, Jsonb **raw)
{
	JsonbValue *v = getIthJsonbValueFromContainer(run->tasks, (uint32) i);

	*raw = JsonbValueToJsonb(v);
	if (run->defaults == NULL || !JB_ROOT_IS_OBJECT(*raw) || JB_ROOT_IS_SCALAR(*raw))
		return *raw;
	return jsonb_merge(run->defaults, *raw);
}

/* The first segment of a JSON pointer, unescaped ("/a~1b/0" -> "a/b"). */
static char *
pointer_head(const char *path)
{
	StringInfoData key;

	initStringInfo(&key);
	if (path[0] != '/')
		return key.data;
	for (const char *c = path + 1; *c && *c != '/'; c++)
	{
		if (c[0] == '~' && (c[1] == '0' || c[1] == '1'))
		{
			c++;
			appendStringInfoChar(&key, *c == '1' ? '/' : '~');
		}
		else
			appendStringInfoChar(&key, *c);
	}
	return key.data;
}

/* Whether the jsonb object j has the top-level key. */
static bool
object_has_key(Jsonb *j, const char *key)
{
	JsonbValue	v;

	return j != NULL && JB_ROOT_IS_OBJECT(j) && !JB_ROOT_IS_SCALAR(j) &&
		getKeyJsonValueFromContainer(&j->root, key, strlen(key), &v) != NULL;
}

/*
 * Where a problem of item i belongs in the request: under the defaults when
 * the key came from them, else under the item.
 */
static char *
bulk_problem_path(const BulkRun *run, Jsonb *raw, int i, const char *path)
{
	char	   *key = pointer_head(path);

	if (key[0] != '\0' && !object_has_key(raw, key) && object_has_key(run->defaults, key))
		return psprintf("/defaults%s", path);
	return psprintf("/tasks/%d%s", i, path);
}

/*
 * Checks an item and stages its rows in run->rows (written with the others
 * by bulk_write_rows); false with its problems when it cannot be stored.
 * The staged items are not in the tables yet, so an external id taken by
 * one of them is checked here, with the problem the database check gives.
 */
static bool
bulk_stage_item(BulkRun *run, Jsonb *payload, TaskDraft *draft, TaskProblems *problems)
{
	bool		ok = task_engine_check(payload, &run->who, draft, problems);

	if (draft->external_id != NULL && task_rows_external_id_taken(run->rows, draft->external_id))
	{
		problem_add(problems, "/external_id", "duplicate", "another task of this workspace has this external id");
		ok = false;
	}
	if (ok)
		task_rows_add(run->rows, draft);
	return ok;
}

/* Writes the staged items: one statement per table. */
static void
bulk_write_rows(BulkRun *run)
{
	if (task_rows_count(run->rows) == 0)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	task_rows_write(run->rows);
	SPI_finish();
}

/*
 * Runs item i through the engine with its own SPI connection; the outcome
 * goes to run->items[i] (allocated in the result context).
 */
static void
bulk_run_item(BulkRun *run, int i)
{
	MemoryContext old = MemoryContextSwitchTo(run->itemcxt);
	BulkItem   *out = &run->items[i];
	Jsonb	   *raw;
	Jsonb	   *payload = bulk_item_payload(run, i, &raw);
	TaskDraft	draft;
	TaskProblems problems;
	ListCell   *lc;

	out->created = false;
	out->problems = NIL;

	/*
	 * The item's checks must see the items stored before it (an external id
	 * taken earlier in the batch): the call's snapshot with a new command id.
	 */
	CommandCounterIncrement();
	if (ActiveSnapshotSet())
		PushCopiedSnapshot(GetActiveSnapshot());
	else
		PushActiveSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	problems_init(&problems);
	if (run->rows != NULL ? bulk_stage_item(run, payload, &draft, &problems) :
		task_engine_create(payload, &run->who, &draft, &problems))
	{
		out->created = true;
		out->id = draft.id;
	}
	else
	{
		TaskProblems mapped;

		MemoryContextSwitchTo(run->resultcxt);
		problems_init(&mapped);
		foreach(lc, problems.items)
		{
			TaskProblem *item = lfirst(lc);

			problem_add_extra(&mapped, bulk_problem_path(run, raw, i, item->path), item->code,
							  item->extra_json, "%s", item->message);
		}
		out->problems = mapped.items;
	}
	SPI_finish();
	PopActiveSnapshot();
	MemoryContextSwitchTo(old);
}

/* all_or_none: run every item; any problem raises them all (the error undoes the writes). */
static void
bulk_all_or_none(BulkRun *run)
{
	TaskProblems all;
	List	   *seen = NIL;		/* "/defaults..." problems already listed */

	run->rows = task_rows_create(&run->who.workspace_id);
	for (int i = 0; i < run->ntasks; i++)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(run->itemcxt);
		bulk_run_item(run, i);
	}

	problems_init(&all);
	for (int i = 0; i < run->ntasks; i++)
	{
		ListCell   *lc;

		foreach(lc, run->items[i].problems)
		{
			TaskProblem *item = lfirst(lc);

			if (strncmp(item->path, "/defaults", 9) == 0)
			{
				char	   *sig = psprintf("%s %s", item->code, item->path);
				ListCell   *sc;
				bool		dup = false;

				foreach(sc, seen)
					if (strcmp(lfirst(sc), sig) == 0)
						dup = true;
				if (dup)
					continue;
				seen = lappend(seen, sig);
			}
			all.items = lappend(all.items, item);
		}
	}
	problems_raise_if_any(&all, "task batch");
	bulk_write_rows(run);
	run->rows = NULL;
}

/* Whether an error raised by an item is the item's fault (data, constraints), not the call's. */
static bool
bulk_item_error(const ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION;
}

/* Records the error an item raised as its one problem. */
static void
bulk_item_failed(BulkRun *run, int i, const ErrorData *edata)
{
	MemoryContext old = MemoryContextSwitchTo(run->resultcxt);
	TaskProblems p;
	const char *code;
	StringInfoData extra;

	switch (edata->sqlerrcode)
	{
		case ERRCODE_UNIQUE_VIOLATION:
			code = "duplicate";
			break;
		case ERRCODE_FOREIGN_KEY_VIOLATION:
			code = "not_found";
			break;
		default:
			code = ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION ?
				"invalid_value" : "conflict";
	}
	initStringInfo(&extra);
	appendStringInfo(&extra, "\"sqlstate\": \"%s\"", unpack_sql_state(edata->sqlerrcode));
	problems_init(&p);
	problem_add_extra(&p, psprintf("/tasks/%d", i), code, extra.data, "%s",
					  edata->message ? edata->message : "the task could not be stored");
	run->items[i].created = false;
	run->items[i].problems = p.items;
	MemoryContextSwitchTo(old);
}

/*
 * Runs items [from, to) in one subtransaction.  True when it was released;
 * false when item *failed raised an error the item is to blame for (then
 * the subtransaction was rolled back and *error holds the error).  Any other
 * error (cancel, out of memory, serialization) propagates.
 */
static bool
bulk_try_range(BulkRun *run, int from, int to, int *failed, ErrorData **error)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile int i = from;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		for (; i < to; i++)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(run->itemcxt);
			bulk_run_item(run, i);
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(run->resultcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		if (!bulk_item_error(edata))
			ReThrowError(edata);
		*failed = i;
		*error = edata;
		return false;
	}
	PG_END_TRY();
	return true;
}

/*
 * best_effort, the usual case: every item checked and staged, then the
 * staged ones written together, in one subtransaction.  True when that
 * went through.  False when something raised that an item is to blame for
 * (a constraint race, a trigger): then nothing is left of it, and the
 * caller runs the items one by one to tell which.  Any other error
 * propagates.
 */
static bool
bulk_try_staged(BulkRun *run)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(run->resultcxt);
	run->rows = task_rows_create(&run->who.workspace_id);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		for (int i = 0; i < run->ntasks; i++)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(run->itemcxt);
			bulk_run_item(run, i);
		}
		bulk_write_rows(run);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(run->resultcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		run->rows = NULL;
		if (!bulk_item_error(edata))
			ReThrowError(edata);
		FreeErrorData(edata);
		return false;
	}
	PG_END_TRY();
	run->rows = NULL;
	return true;
}

/*
 * best_effort over items [from, to): one subtransaction for the range; when
 * an item raises, the items before it (rolled back with it) run again in a
 * range of their own and the batch goes on after it.  Each raised error
 * costs one rerun of the items since the previous one.
 */
static void
bulk_best_effort(BulkRun *run, int from, int to)
{
	check_stack_depth();
	while (from < to)
	{
		int			failed;
		ErrorData  *edata;

		if (bulk_try_range(run, from, to, &failed, &edata))
			return;
		bulk_item_failed(run, failed, edata);
		bulk_best_effort(run, from, failed);
		from = failed + 1;
	}
}

/* {"results": [{"index", "id"} | {"index", "errors"}], "created", "failed"} */
static Datum
bulk_result(const BulkRun *run)
{
	StringInfoData b;
	int			created = 0;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"results\": [");
	for (int i = 0; i < run->ntasks; i++)
	{
		const BulkItem *item = &run->items[i];
		ListCell   *lc;

		appendStringInfo(&b, "%s{\"index\": %d, ", i > 0 ? ", " : "", i);
		if (item->created)
		{
			appendStringInfo(&b, "\"id\": \"%s\"}", uuid_to_cstring(&item->id));
			created++;
			continue;
		}
		appendStringInfoString(&b, "\"errors\": [");
		foreach(lc, item->problems)
		{
			TaskProblem *pr = lfirst(lc);

			if (lc != list_head(item->problems))
				appendStringInfoString(&b, ", ");
			appendStringInfoString(&b, "{\"path\": ");
			json_append_string(&b, pr->path, strlen(pr->path));
			appendStringInfoString(&b, ", \"code\": ");
			json_append_string(&b, pr->code, strlen(pr->code));
			appendStringInfoString(&b, ", \"message\": ");
			json_append_string(&b, pr->message, strlen(pr->message));
			if (pr->extra_json)
				appendStringInfo(&b, ", %s", pr->extra_json);
			appendStringInfoChar(&b, '}');
		}
		appendStringInfoString(&b, "]}");
	}
	appendStringInfo(&b, "], \"created\": %d, \"failed\": %d}", created, run->ntasks - created);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
}

/*
 * Creates up to BULK_MAX_TASKS tasks; see the file comment.  The envelope
 * is checked first (22023 for the whole call, nothing run).
 */
static Datum
bulk_create(Jsonb *payload, pg_uuid_t *task_id)
{
	BulkRun		run;
	TaskProblems problems;
	Datum		result;

	memset(&run, 0, sizeof(run));
	identity_current(&run.who);
	problems_init(&problems);
	bulk_parse(payload, &run, &problems);
	if (run.defaults != NULL)
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		bulk_check_defaults(run.defaults, &problems);
		problems_raise_if_any(&problems, "task batch");
		SPI_finish();
	}
	problems_raise_if_any(&problems, "task batch");

	run.resultcxt = CurrentMemoryContext;
	run.itemcxt = AllocSetContextCreate(CurrentMemoryContext, "task_create_many item",
										ALLOCSET_DEFAULT_SIZES);
	run.items = palloc0(sizeof(BulkItem) * run.ntasks);
	if (run.mode == BULK_ALL_OR_NONE)
		bulk_all_or_none(&run);
	else if (!bulk_try_staged(&run))
		bulk_best_effort(&run, 0, run.ntasks);
	MemoryContextDelete(run.itemcxt);
	result = bulk_result(&run);
	memset(task_id, 0, sizeof(pg_uuid_t));
	return result;
}

static const Endpoint bulk_endpoint = {
	.dialect = "v1",
	.operation = "v1.task.create_many",
	.success_status = 200,
	.location = NULL,
	.impl = bulk_create
};

/* tasks.task_create_many(jsonb) RETURNS jsonb: bulk create for SQL callers. */
PG_FUNCTION_INFO_V1(tasks_task_create_many);
Datum
tasks_task_create_many(PG_FUNCTION_ARGS)
{
	pg_uuid_t	unused;

	PG_RETURN_DATUM(bulk_create(PG_GETARG_JSONB_P(0), &unused));
}

/* tasks_v1.task_create_many(jsonb): the same over PostgREST (200, idempotency). */
PG_FUNCTION_INFO_V1(tasks_v1_task_create_many);
Datum
tasks_v1_task_create_many(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&bulk_endpoint, PG_GETARG_JSONB_P(0)));
}
