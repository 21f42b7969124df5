/*-------------------------------------------------------------------------
 *
 * lifecycle.c
 *	  Delete and restore endpoints; the event outbox and the field history.
 *
 * Events and history are written by row triggers on tasks.tasks and on its
 * child tables (assignees, links, dependencies), so every path that writes a
 * task (native, any dialect, bulk, update, claiming, plain SQL) records them
 * in its own transaction, and a rolled-back write leaves nothing behind.
 * The triggers run their SQL as the owner of the table (like referential
 * integrity triggers), so API roles cannot write events or history.
 *
 * Commit-safe positions.  An event's position comes from a sequence; a
 * position taken by a transaction that has not committed yet must not be
 * passed by a reader, or the reader would skip it when it commits later.
 * Before taking its first position, a writing transaction takes a shared
 * advisory lock (our own lock tag: objsubid EVENTS_LOCK_FIELD4) whose key is
 * the sequence's last value at that moment, a lower bound of every position
 * it will take; the lock lasts until the transaction has ended and its
 * commit is visible.  A reader reads the sequence's last value s, then the
 * lowest such lock key k held by anyone: every position <= min(s, k) belongs
 * to a finished transaction.  It then reads the events up to that frontier
 * with a snapshot taken after the lock scan.  So a position once passed is
 * never filled in later, and events appear in position order: a write that
 * happens after another committed always gets a higher position.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "lifecycle.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* The channel listeners wait on; the payload is the workspace id. */
#define EVENTS_CHANNEL			"tasks_events"

/* objsubid of the advisory locks that guard uncommitted positions (pg_locks). */
#define EVENTS_LOCK_FIELD4		29541

/* Page size bounds of tasks.events_since. */
#define EVENTS_PAGE_MAX			1000

/*
 * tasks.events_notify: NOTIFY tasks_events for every writing transaction.
 * PostgreSQL serialises the commits of notifying transactions (a database-
 * wide lock from the NOTIFY queue insertion until the commit is flushed), so
 * a workload of many concurrent durable commits may turn it off and poll.
 */
static bool events_notify = true;

/* Tasks created in one transaction remembered for the child triggers. */
#define CREATED_SET_MAX			1000000

/*
 * Columns of tasks.tasks whose changes are bookkeeping, not edits: no
 * history, and an update changing only these writes no event.
 */
static const char *const untracked_columns[] = {
	"workspace_id", "id", "updated_at", "version", "lease_expires_at", NULL
};

/* A task's key, for the set of tasks created in the current transaction. */
typedef struct TaskKey
{
	pg_uuid_t	workspace_id;
	pg_uuid_t	id;
} TaskKey;

static HTAB *created_tasks = NULL;
static LocalTransactionId created_lxid = InvalidLocalTransactionId;

/* The lock key guarding this transaction's positions. */
static LocalTransactionId position_lxid = InvalidLocalTransactionId;
static int64 position_lock_key = 0;

/* The actor read from the settings, cached while they do not change. */
static char *actor_cache_key = NULL;
static bool actor_cache_has = false;
static pg_uuid_t actor_cache_id;

/* Defines tasks.events_notify (see above). */
void
lifecycle_define_gucs(void)
{
	DefineCustomBoolVariable("tasks.events_notify",
							 "Sends NOTIFY tasks_events (payload: the workspace id) from every transaction that writes task events.",
							 "Off: listeners get no wake-ups and must poll tasks.events_since; commits of concurrent writers are no longer serialised by the NOTIFY queue lock.",
							 &events_notify, true, PGC_USERSET, 0, NULL, NULL, NULL);
}

/* The user and security context saved while running as the table owner. */
typedef struct OwnerSwitch
{
	Oid			user;
	int			sec;
} OwnerSwitch;

/* Runs what follows as owner, without forced row level security. */
static void
owner_begin(Oid owner, OwnerSwitch *s)
{
	GetUserIdAndSecContext(&s->user, &s->sec);
	SetUserIdAndSecContext(owner, s->sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
}

/* Back to the caller's user (an error on the way restores it through abort). */
static void
owner_end(OwnerSwitch *s)
{
	SetUserIdAndSecContext(s->user, s->sec);
}

/* The owner of the extension's tables (tasks.tasks), for SQL entry points. */
static Oid
tables_owner(void)
{
	Oid			nsp = get_namespace_oid("tasks", false);
	Oid			rel = get_relname_relid("tasks", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(rel))
		elog(ERROR, "table tasks.tasks does not exist");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* ------------------------------------------------------------------------
 * Who acts: the actor of the settings, without raising
 * ------------------------------------------------------------------------
 */

/* A uuid string member of a JSON object, or false. */
static bool
claim_uuid(Jsonb *claims, const char *key, pg_uuid_t *out)
{
	JsonbValue	v;
	char	   *s;

	if (getKeyJsonValueFromContainer(&claims->root, key, strlen(key), &v) == NULL ||
		v.type != jbvString)
		return false;
	s = pnstrdup(v.val.string.val, v.val.string.len);
	return payload_uuid(s, out);
}

/*
 * The actor named by the claims when they name a workspace (member_id wins
 * when present, as in identity.c, else a uuid sub); false with *claimed
 * unset when the claims name no workspace.
 */
static bool
claims_actor(const char *raw, pg_uuid_t *out, bool *claimed)
{
	Jsonb	   *claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(raw)));
	JsonbValue	v;

	*claimed = false;
	if (!JB_ROOT_IS_OBJECT(claims) ||
		getKeyJsonValueFromContainer(&claims->root, "workspace_id", 12, &v) == NULL ||
		v.type != jbvString)
		return false;
	*claimed = true;
	if (getKeyJsonValueFromContainer(&claims->root, "member_id", 9, &v) != NULL && v.type != jbvNull)
		return claim_uuid(claims, "member_id", out);
	return claim_uuid(claims, "sub", out);
}

/*
 * The acting member as identity_current() sees it (JWT claims first, then
 * the settings), or false: a trigger must never fail because a superuser
 * writes without an identity.  Cached while the settings stay the same.
 */
static bool
event_actor(pg_uuid_t *out)
{
	const char *claims_raw = GetConfigOption("request.jwt.claims", true, false);
	const char *ws_raw = GetConfigOption("tasks.workspace_id", true, false);
	const char *actor_raw = GetConfigOption("tasks.actor_id", true, false);
	char	   *key;
	bool		has = false;
	bool		claimed = false;
	pg_uuid_t	id;

	key = psprintf("%s\x01%s\x01%s", claims_raw ? claims_raw : "", ws_raw ? ws_raw : "",
				   actor_raw ? actor_raw : "");
	if (actor_cache_key != NULL && strcmp(actor_cache_key, key) == 0)
	{
		*out = actor_cache_id;
		return actor_cache_has;
	}

	memset(&id, 0, sizeof(id));
	if (claims_raw != NULL && claims_raw[0] != '\0')
		has = claims_actor(claims_raw, &id, &claimed);
	if (!claimed && ws_raw != NULL && ws_raw[0] != '\0' && actor_raw != NULL && actor_raw[0] != '\0')
		has = payload_uuid(actor_raw, &id);
	if (!has)
		memset(&id, 0, sizeof(id));

	if (actor_cache_key != NULL)
		pfree(actor_cache_key);
	actor_cache_key = MemoryContextStrdup(TopMemoryContext, key);
	actor_cache_has = has;
	actor_cache_id = id;
	*out = id;
	return has;
}

/* ------------------------------------------------------------------------
 * Tasks created in the current transaction
 * ------------------------------------------------------------------------
 */

/* The set of this transaction's new tasks, created on demand. */
static HTAB *
created_set(bool create)
{
	if (created_lxid != MyProc->lxid)
		created_tasks = NULL;	/* its memory went with the last transaction */
	if (created_tasks == NULL && create)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(TaskKey);
		ctl.entrysize = sizeof(TaskKey);
		ctl.hcxt = TopTransactionContext;
		created_tasks = hash_create("tasks created in this transaction", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		created_lxid = MyProc->lxid;
	}
	return created_tasks;
}

/* Remembers a task inserted by this transaction (up to CREATED_SET_MAX). */
static void
created_add(const TaskKey *key)
{
	HTAB	   *set = created_set(true);

	if (hash_get_num_entries(set) < CREATED_SET_MAX)
		(void) hash_search(set, key, HASH_ENTER, NULL);
}

/* Whether this transaction inserted the task. */
static bool
created_here(const TaskKey *key)
{
	HTAB	   *set = created_set(false);

	return set != NULL && hash_search(set, key, HASH_FIND, NULL) != NULL;
}

/* ------------------------------------------------------------------------
 * Positions
 * ------------------------------------------------------------------------
 */

/* The oid of tasks.events_position_seq. */
static Oid
position_sequence(void)
{
	Oid			nsp = get_namespace_oid("tasks", false);
	Oid			seq = get_relname_relid("events_position_seq", nsp);

	if (!OidIsValid(seq))
		elog(ERROR, "sequence tasks.events_position_seq does not exist");
	return seq;
}

/* The last position handed out (0 before the first); the caller runs as owner. */
static int64
position_last(Oid seq)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	result = pg_sequence_last_value(fcinfo);
	return fcinfo->isnull ? 0 : DatumGetInt64(result);
}

/* The advisory lock tag guarding positions above key. */
static void
position_lock_tag(LOCKTAG *tag, int64 key)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) ((uint64) key >> 32),
						 (uint32) key, EVENTS_LOCK_FIELD4);
}

/*
 * The next position, taken under this transaction's guard lock (see the file
 * comment).  Taking a lock already held is a local lookup; taking it again
 * on every event keeps it held after a subtransaction that first took it was
 * rolled back.  The caller runs as owner.
 */
static int64
position_next(void)
{
	Oid			seq = position_sequence();
	LOCKTAG		tag;

	if (position_lxid != MyProc->lxid)
	{
		position_lock_key = position_last(seq);
		position_lxid = MyProc->lxid;
	}
	position_lock_tag(&tag, position_lock_key);
	(void) LockAcquire(&tag, ShareLock, false, false);
	return nextval_internal(seq, false);
}

/*
 * The highest position below which every transaction has ended: the
 * sequence's last value, lowered to the smallest guard key still held.
 */
static int64
position_frontier(void)
{
	OwnerSwitch sw;
	int64		frontier;
	LockData   *locks;

	owner_begin(tables_owner(), &sw);
	frontier = position_last(position_sequence());
	owner_end(&sw);

	locks = GetLockStatusData();
	for (int i = 0; i < locks->nelements; i++)
	{
		LockInstanceData *l = &locks->locks[i];
		int64		key;

		if (l->locktag.locktag_type != LOCKTAG_ADVISORY ||
			l->locktag.locktag_lockmethodid != USER_LOCKMETHOD ||
			l->locktag.locktag_field1 != MyDatabaseId ||
			l->locktag.locktag_field4 != EVENTS_LOCK_FIELD4 ||
			(l->holdMask == 0 && l->waitLockMode == NoLock))
			continue;
		key = (int64) (((uint64) l->locktag.locktag_field2 << 32) | l->locktag.locktag_field3);
		if (key < frontier)
			frontier = key;
	}
	return frontier;
}

/* ------------------------------------------------------------------------
 * Row values as JSON
 * ------------------------------------------------------------------------
 */

/* Pushes a string value (or key). */
static void
jb_string(JsonbParseState **st, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	(void) pushJsonbValue(st, tok, &v);
}

/* Pushes a key. */
static void
jb_key(JsonbParseState **st, const char *key)
{
	jb_string(st, WJB_KEY, key, strlen(key));
}

/* Pushes a null. */
static void
jb_null(JsonbParseState **st, JsonbIteratorToken tok)
{
	JsonbValue	v;

	v.type = jbvNull;
	(void) pushJsonbValue(st, tok, &v);
}

/* Pushes a C string. */
static void
jb_cstring(JsonbParseState **st, JsonbIteratorToken tok, const char *s)
{
	jb_string(st, tok, s, strlen(s));
}

/* Pushes a text datum as a string. */
static void
jb_text(JsonbParseState **st, JsonbIteratorToken tok, Datum d)
{
	text	   *t = DatumGetTextPP(d);

	jb_string(st, tok, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* Pushes a number given as numeric; a non-finite one becomes its text. */
static void
jb_numeric(JsonbParseState **st, JsonbIteratorToken tok, Numeric n)
{
	JsonbValue	v;

	if (numeric_is_nan(n) || numeric_is_inf(n))
	{
		jb_cstring(st, tok, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))));
		return;
	}
	v.type = jbvNumeric;
	v.val.numeric = n;
	(void) pushJsonbValue(st, tok, &v);
}

/*
 * Pushes one column value: instants as UTC with milliseconds and dates as
 * YYYY-MM-DD (independent of DateStyle and TimeZone), numbers as numbers,
 * jsonb as is, text arrays as arrays, anything else as its text.
 */
static void
jb_datum(JsonbParseState **st, JsonbIteratorToken tok, Datum d, bool isnull, Oid typid)
{
	JsonbValue	v;

	if (isnull)
	{
		jb_null(st, tok);
		return;
	}
	switch (typid)
	{
		case BOOLOID:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(d);
			(void) pushJsonbValue(st, tok, &v);
			return;
		case INT2OID:
			jb_numeric(st, tok, DatumGetNumeric(DirectFunctionCall1(int2_numeric, d)));
			return;
		case INT4OID:
			jb_numeric(st, tok, DatumGetNumeric(DirectFunctionCall1(int4_numeric, d)));
			return;
		case INT8OID:
			jb_numeric(st, tok, DatumGetNumeric(DirectFunctionCall1(int8_numeric, d)));
			return;
		case NUMERICOID:
			jb_numeric(st, tok, DatumGetNumeric(d));
			return;
		case FLOAT8OID:
			if (isnan(DatumGetFloat8(d)) || isinf(DatumGetFloat8(d)))
				break;
			jb_numeric(st, tok, DatumGetNumeric(DirectFunctionCall1(float8_numeric, d)));
			return;
		case TEXTOID:
		case VARCHAROID:
			jb_text(st, tok, d);
			return;
		case UUIDOID:
			jb_cstring(st, tok, uuid_to_cstring(DatumGetUUIDP(d)));
			return;
		case DATEOID:
			jb_cstring(st, tok, tp_format_date(DatumGetDateADT(d)));
			return;
		case TIMESTAMPTZOID:
			jb_cstring(st, tok, tp_format_instant(DatumGetTimestampTz(d)));
			return;
		case JSONBOID:
			{
				Jsonb	   *j = DatumGetJsonbP(d);

				v.type = jbvBinary;
				v.val.binary.data = &j->root;
				v.val.binary.len = VARSIZE(j) - VARHDRSZ;
				(void) pushJsonbValue(st, tok, &v);
				return;
			}
		case TEXTARRAYOID:
			{
				Datum	   *elems;
				bool	   *nulls;
				int			n;

				deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
								  &elems, &nulls, &n);
				(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
				for (int i = 0; i < n; i++)
				{
					CHECK_FOR_INTERRUPTS();
					if (nulls[i])
						jb_null(st, WJB_ELEM);
					else
						jb_text(st, WJB_ELEM, elems[i]);
				}
				(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
				return;
			}
		default:
			break;
	}
	{
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(typid, &out, &varlena);
		jb_cstring(st, tok, OidOutputFunctionCall(out, d));
	}
}

/* Whether a column of tasks.tasks is bookkeeping (see untracked_columns). */
static bool
column_untracked(const char *name)
{
	for (int i = 0; untracked_columns[i] != NULL; i++)
		if (strcmp(untracked_columns[i], name) == 0)
			return true;
	return false;
}

/* The whole row as a JSON object, keyed by column name. */
static Jsonb *
row_json(TupleDesc desc, HeapTuple tuple)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		isnull;
		Datum		d;

		if (att->attisdropped)
			continue;
		d = heap_getattr(tuple, i + 1, desc, &isnull);
		jb_key(&st, NameStr(att->attname));
		jb_datum(&st, WJB_VALUE, d, isnull, att->atttypid);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * The changed columns of an update as {"column": {"old": ..., "new": ...}},
 * bookkeeping columns left out; NULL when nothing tracked changed.
 */
static Jsonb *
row_changes(TupleDesc desc, HeapTuple old, HeapTuple new)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	int			nchanged = 0;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		onull,
					nnull;
		Datum		od,
					nd;

		if (att->attisdropped || column_untracked(NameStr(att->attname)))
			continue;
		od = heap_getattr(old, i + 1, desc, &onull);
		nd = heap_getattr(new, i + 1, desc, &nnull);
		if (onull && nnull)
			continue;
		if (!onull && !nnull && datum_image_eq(od, nd, att->attbyval, att->attlen))
			continue;
		nchanged++;
		jb_key(&st, NameStr(att->attname));
		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		jb_key(&st, "old");
		jb_datum(&st, WJB_VALUE, od, onull, att->atttypid);
		jb_key(&st, "new");
		jb_datum(&st, WJB_VALUE, nd, nnull, att->atttypid);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return nchanged > 0 ? JsonbValueToJsonb(res) : NULL;
}

/* The update payload: {"version": n, "changes": {...}}. */
static Jsonb *
update_payload(TupleDesc desc, HeapTuple new, Jsonb *changes)
{
	JsonbParseState *st = NULL;
	JsonbValue	v;
	JsonbValue *res;
	int			vatt = SPI_fnumber(desc, "version");

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	if (vatt > 0)
	{
		bool		isnull;
		Datum		d = heap_getattr(new, vatt, desc, &isnull);

		jb_key(&st, "version");
		jb_datum(&st, WJB_VALUE, d, isnull, TupleDescAttr(desc, vatt - 1)->atttypid);
	}
	jb_key(&st, "changes");
	v.type = jbvBinary;
	v.val.binary.data = &changes->root;
	v.val.binary.len = VARSIZE(changes) - VARHDRSZ;
	(void) pushJsonbValue(&st, WJB_VALUE, &v);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* ------------------------------------------------------------------------
 * Writing events and history (inside SPI, as owner)
 * ------------------------------------------------------------------------
 */

/*
 * Writes one event and, when changes is not NULL, its history rows (one per
 * changed field, in the same statement); NOTIFYs.
 */
static void
event_write(const TaskKey *key, const char *type, Jsonb *payload, Jsonb *changes)
{
	static SPIPlanPtr ev_plan = NULL;
	static SPIPlanPtr both_plan = NULL;
	Oid			types[7] = {UUIDOID, INT8OID, UUIDOID, TEXTOID, UUIDOID, JSONBOID, JSONBOID};
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	pg_uuid_t	actor;
	SPIPlanPtr	plan;

	if (!event_actor(&actor))
		n[4] = 'n';
	v[0] = UUIDPGetDatum(&key->workspace_id);
	v[1] = Int64GetDatum(position_next());
	v[2] = UUIDPGetDatum(&key->id);
	v[3] = CStringGetTextDatum(type);
	v[4] = UUIDPGetDatum(&actor);
	v[5] = JsonbPGetDatum(payload);
	if (changes == NULL)
		plan = store_plan(&ev_plan,
						  "INSERT INTO tasks.events (workspace_id, position, task_id, type, actor, payload)"
						  " VALUES ($1, $2, $3, $4, $5, $6)", 6, types);
	else
	{
		v[6] = JsonbPGetDatum(changes);
		plan = store_plan(&both_plan,
						  "WITH e AS (INSERT INTO tasks.events (workspace_id, position, task_id, type, actor, payload)"
						  " VALUES ($1, $2, $3, $4, $5, $6))"
						  " INSERT INTO tasks.task_history (workspace_id, task_id, position, field, actor, old, new)"
						  " SELECT $1, $3, $2, c.key, $5,"
						  " NULLIF(c.value OPERATOR(pg_catalog.->) 'old', 'null'::pg_catalog.jsonb),"
						  " NULLIF(c.value OPERATOR(pg_catalog.->) 'new', 'null'::pg_catalog.jsonb)"
						  " FROM pg_catalog.jsonb_each($7) AS c", 7, types);
	}
	if (SPI_execute_plan(plan, v, n, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "event insert failed");
	if (events_notify)
		Async_Notify(EVENTS_CHANNEL, uuid_to_cstring(&key->workspace_id));
}

/* Whether a row exists: $1 workspace, $2 id, through a kept plan. */
static bool
row_exists(SPIPlanPtr *slot, const char *sql, const pg_uuid_t *ws, const pg_uuid_t *id)
{
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];
	int			nargs = id != NULL ? 2 : 1;

	v[0] = UUIDPGetDatum(ws);
	v[1] = id != NULL ? UUIDPGetDatum(id) : (Datum) 0;
	store_plan(slot, sql, nargs, types);
	if (SPI_execute_plan(*slot, v, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "lookup failed");
	return SPI_processed > 0;
}

/* A uuid column of a trigger row, by name. */
static pg_uuid_t
row_uuid(TupleDesc desc, HeapTuple tuple, const char *column)
{
	int			att = SPI_fnumber(desc, column);
	bool		isnull;
	Datum		d;

	if (att <= 0)
		elog(ERROR, "column \"%s\" not found", column);
	d = heap_getattr(tuple, att, desc, &isnull);
	if (isnull)
		elog(ERROR, "column \"%s\" is null", column);
	return *DatumGetUUIDP(d);
}

/* Whether a timestamptz column of a trigger row is null. */
static bool
row_isnull(TupleDesc desc, HeapTuple tuple, const char *column)
{
	int			att = SPI_fnumber(desc, column);

	return att <= 0 || heap_attisnull(tuple, att, desc);
}

/* Checks the trigger context: AFTER ... FOR EACH ROW. */
static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *td;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: not called by the trigger manager", name)));
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be fired AFTER ... FOR EACH ROW", name)));
	return td;
}

/*
 * tasks._events_task_trigger(): AFTER INSERT OR UPDATE OR DELETE ON
 * tasks.tasks FOR EACH ROW.
 *
 * INSERT: task.created with the row.  UPDATE: task.deleted / task.restored
 * (deleted_at set / cleared) with the row, else task.updated with the
 * changed columns; every changed column also becomes a history row; an
 * update of bookkeeping columns only writes nothing.  DELETE (a purge or a
 * plain SQL delete): task.deleted with the row when the task was live and
 * its workspace remains; nothing for a task already soft-deleted (that was
 * announced) or a workspace being deleted.  With row_security off, as
 * pg_dump/pg_restore scripts set it, nothing is written: a restore brings
 * the events back as they were.
 */
PG_FUNCTION_INFO_V1(tasks_events_task_trigger);
Datum
tasks_events_task_trigger(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr ws_plan = NULL;
	TriggerData *td = trigger_data(fcinfo, "tasks._events_task_trigger");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_trigtuple;
	TaskKey		key;
	OwnerSwitch sw;
	const char *type = NULL;
	Jsonb	   *payload = NULL;
	Jsonb	   *changes = NULL;
	bool		check_workspace = false;

	if (!row_security)
		return PointerGetDatum(NULL);
	memset(&key, 0, sizeof(key));
	key.workspace_id = row_uuid(desc, row, "workspace_id");
	key.id = row_uuid(desc, row, "id");

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		created_add(&key);
		type = "task.created";
		payload = row_json(desc, row);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	new = td->tg_newtuple;
		bool		was_deleted = !row_isnull(desc, row, "deleted_at");
		bool		is_deleted = !row_isnull(desc, new, "deleted_at");

		changes = row_changes(desc, row, new);
		if (changes == NULL)
			return PointerGetDatum(NULL);
		if (!was_deleted && is_deleted)
			type = "task.deleted";
		else if (was_deleted && !is_deleted)
			type = "task.restored";
		else
			type = "task.updated";
		payload = strcmp(type, "task.updated") == 0 ? update_payload(desc, new, changes) :
			row_json(desc, new);
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		if (!row_isnull(desc, row, "deleted_at"))
			return PointerGetDatum(NULL);
		type = "task.deleted";
		payload = row_json(desc, row);
		check_workspace = true;
	}
	else
		return PointerGetDatum(NULL);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner_begin(td->tg_relation->rd_rel->relowner, &sw);
	if (!check_workspace ||
		row_exists(&ws_plan, "SELECT 1 FROM tasks.workspaces w WHERE w.id OPERATOR(pg_catalog.=) $1",
				   &key.workspace_id, NULL))
		event_write(&key, type, payload, changes);
	owner_end(&sw);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * The value a child row stands for: its one named column, or an object of
 * the named columns (trigger arguments after the first).
 */
static void
child_value(JsonbParseState **st, TriggerData *td, HeapTuple row)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	Trigger    *tg = td->tg_trigger;
	bool		object = tg->tgnargs > 2;

	if (object)
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 1; i < tg->tgnargs; i++)
	{
		int			att = SPI_fnumber(desc, tg->tgargs[i]);
		bool		isnull;
		Datum		d;

		if (att <= 0)
			elog(ERROR, "column \"%s\" not found", tg->tgargs[i]);
		d = heap_getattr(row, att, desc, &isnull);
		if (object)
			jb_key(st, tg->tgargs[i]);
		jb_datum(st, WJB_VALUE, d, isnull, TupleDescAttr(desc, att - 1)->atttypid);
	}
	if (object)
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * tasks._events_child_trigger(field, column...): AFTER INSERT OR DELETE ON a
 * child table of tasks.tasks FOR EACH ROW.
 *
 * An added row is {"field": {"old": null, "new": value}}, a removed one
 * {"field": {"old": value, "new": null}}: a task.updated event and a history
 * row.  Nothing for a task created in the same transaction (its creation is
 * the event) nor for rows removed because their task is being deleted.
 */
PG_FUNCTION_INFO_V1(tasks_events_child_trigger);
Datum
tasks_events_child_trigger(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr task_plan = NULL;
	TriggerData *td = trigger_data(fcinfo, "tasks._events_child_trigger");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	row = td->tg_trigtuple;
	bool		added = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	TaskKey		key;
	OwnerSwitch sw;
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Jsonb	   *changes;
	Jsonb	   *payload;

	if (td->tg_trigger->tgnargs < 2)
		elog(ERROR, "tasks._events_child_trigger needs a field name and at least one column");
	if (!row_security || !(added || TRIGGER_FIRED_BY_DELETE(td->tg_event)))
		return PointerGetDatum(NULL);
	memset(&key, 0, sizeof(key));
	key.workspace_id = row_uuid(desc, row, "workspace_id");
	key.id = row_uuid(desc, row, "task_id");
	if (created_here(&key))
		return PointerGetDatum(NULL);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_key(&st, td->tg_trigger->tgargs[0]);
	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_key(&st, "old");
	if (added)
		jb_null(&st, WJB_VALUE);
	else
		child_value(&st, td, row);
	jb_key(&st, "new");
	if (added)
		child_value(&st, td, row);
	else
		jb_null(&st, WJB_VALUE);
	(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	changes = JsonbValueToJsonb(res);

	st = NULL;
	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_key(&st, "changes");
	{
		JsonbValue	v;

		v.type = jbvBinary;
		v.val.binary.data = &changes->root;
		v.val.binary.len = VARSIZE(changes) - VARHDRSZ;
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	payload = JsonbValueToJsonb(res);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner_begin(td->tg_relation->rd_rel->relowner, &sw);
	if (added ||
		row_exists(&task_plan,
				   "SELECT 1 FROM tasks.tasks t WHERE t.workspace_id OPERATOR(pg_catalog.=) $1"
				   " AND t.id OPERATOR(pg_catalog.=) $2", &key.workspace_id, &key.id))
		event_write(&key, "task.updated", payload, changes);
	owner_end(&sw);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * Reading events
 * ------------------------------------------------------------------------
 */

/*
 * tasks.events_since(after bigint, max_events integer) RETURNS jsonb: the
 * current workspace's committed events after position `after`, oldest first,
 * at most max_events (1..1000), never passing an uncommitted position.
 */
PG_FUNCTION_INFO_V1(tasks_events_since);
Datum
tasks_events_since(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan = NULL;
	int64		after = PG_GETARG_INT64(0);
	int32		max_events = PG_GETARG_INT32(1);
	Oid			types[4] = {UUIDOID, INT8OID, INT8OID, INT4OID};
	Datum		v[4];
	TaskIdentity who;
	TaskProblems problems;
	int64		frontier;
	bool		isnull;
	Datum		result;

	problems_init(&problems);
	if (after < 0)
		problem_add(&problems, "/after", "out_of_range", "must be 0 or a position");
	if (max_events < 1 || max_events > EVENTS_PAGE_MAX)
		problem_add(&problems, "/max_events", "out_of_range", "must be between 1 and %d",
					EVENTS_PAGE_MAX);
	problems_raise_if_any(&problems, "events request");
	identity_current(&who);

	/* the frontier first, then a snapshot that sees every commit below it */
	frontier = position_frontier();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store_plan(&plan,
			   "SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
			   " 'position', e.position, 'type', e.type, 'task_id', e.task_id,"
			   " 'workspace_id', e.workspace_id, 'actor', e.actor,"
			   " 'created_at', tasks.format_instant(e.created_at), 'payload', e.payload)"
			   " ORDER BY e.position), '[]'::pg_catalog.jsonb)"
			   " FROM (SELECT * FROM tasks.events e"
			   "  WHERE e.workspace_id OPERATOR(pg_catalog.=) $1"
			   "    AND e.position OPERATOR(pg_catalog.>) $2 AND e.position OPERATOR(pg_catalog.<=) $3"
			   "  ORDER BY e.position LIMIT $4) e",
			   4, types);
	v[0] = UUIDPGetDatum(&who.workspace_id);
	v[1] = Int64GetDatum(after);
	v[2] = Int64GetDatum(frontier);
	v[3] = Int32GetDatum(max_events);
	if (SPI_execute_snapshot(plan, v, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "events read failed");
	result = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull),
							   false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * tasks.events_frontier() RETURNS bigint: every position up to it belongs to
 * a finished transaction.  For readers of tasks.events across workspaces:
 * take it in one statement, read "position <= frontier" in a later one.
 */
PG_FUNCTION_INFO_V1(tasks_events_frontier);
Datum
tasks_events_frontier(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(position_frontier());
}

/* ------------------------------------------------------------------------
 * Endpoints: delete and restore, native and Vambe
 * ------------------------------------------------------------------------
 */

static const char *const id_body_keys[] = {"id", NULL};

/* Reads {"id": uuid} (nothing else) into *id, problems in p (native paths). */
static void
native_body_id(Jsonb *body, pg_uuid_t *id, TaskProblems *p)
{
	PayloadField f;

	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
	{
		problem_add(p, "", "invalid_type", "the body must be a JSON object");
		return;
	}
	payload_reject_unknown(&body->root, "", id_body_keys, p);
	payload_get(body, "id", &f);
	if (!f.present || f.is_null)
		problem_add(p, "/id", "required", "is required");
	else if (f.value.type != jbvString)
		problem_add(p, "/id", "invalid_type", "must be a string");
	else if (!payload_uuid(pnstrdup(f.value.val.string.val, f.value.val.string.len), id))
		problem_add(p, "/id", "invalid_uuid", "must be a uuid");
}

/*
 * Soft-deletes (deleted) or restores one task through
 * tasks._task_set_deleted; NULL when there is no such live (deleted) task.
 * Caller is inside SPI.
 */
static Datum
set_deleted(const TaskIdentity *who, const pg_uuid_t *id, bool deleted, bool *found)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, UUIDOID, UUIDOID, BOOLOID};
	Datum		v[4];
	char		n[4] = {' ', ' ', who->has_actor ? ' ' : 'n', ' '};
	bool		isnull;
	Datum		result;

	v[0] = UUIDPGetDatum(&who->workspace_id);
	v[1] = UUIDPGetDatum(id);
	v[2] = UUIDPGetDatum(&who->actor_id);
	v[3] = BoolGetDatum(deleted);
	store_plan(&plan, "SELECT tasks._task_set_deleted($1, $2, $3, $4)", 4, types);
	if (SPI_execute_plan(plan, v, n, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "task delete failed");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	*found = !isnull;
	return isnull ? (Datum) 0 : SPI_datumTransfer(result, false, -1);
}

/* The native delete or restore: {"id"} in, the task out; 404 / 422 in the v1 shape. */
static Datum
native_set_deleted(Jsonb *body, pg_uuid_t *task_id, bool deleted)
{
	TaskIdentity who;
	TaskProblems problems;
	Datum		result;
	bool		found;

	identity_current(&who);
	problems_init(&problems);
	native_body_id(body, task_id, &problems);
	problems_raise_if_any(&problems, deleted ? "delete request" : "restore request");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	result = set_deleted(&who, task_id, deleted, &found);
	SPI_finish();
	if (!found)
		dialect_raise(404, deleted ? "task not found" : "deleted task not found",
					  deleted ?
					  "{\"code\": \"not_found\", \"message\": \"no such task in this workspace\"}" :
					  "{\"code\": \"not_found\", \"message\": \"no deleted task with this id in this workspace\"}");
	return result;
}

/* POST /rpc/task_delete (tasks_v1). */
static Datum
v1_delete(Jsonb *body, pg_uuid_t *task_id)
{
	return native_set_deleted(body, task_id, true);
}

/* POST /rpc/task_restore (tasks_v1). */
static Datum
v1_restore(Jsonb *body, pg_uuid_t *task_id)
{
	return native_set_deleted(body, task_id, false);
}

static const Endpoint v1_delete_endpoint = {
	.dialect = "v1", .operation = "v1.task.delete", .success_status = 200,
	.location = NULL, .impl = v1_delete
};

static const Endpoint v1_restore_endpoint = {
	.dialect = "v1", .operation = "v1.task.restore", .success_status = 200,
	.location = NULL, .impl = v1_restore
};

/* tasks_v1.task_delete(jsonb) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_v1_task_delete);
Datum
tasks_v1_task_delete(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&v1_delete_endpoint, PG_GETARG_JSONB_P(0)));
}

/* tasks_v1.task_restore(jsonb) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_v1_task_restore);
Datum
tasks_v1_task_restore(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&v1_restore_endpoint, PG_GETARG_JSONB_P(0)));
}

#define VAMBE_UNAUTHORIZED_BODY "{\"statusCode\": 401, \"message\": \"Unauthorized\"}"
#define VAMBE_ID_MESSAGE		"id must be a UUID"

/* Appends one Vambe {field, message} to a list of errors being built. */
static void
vambe_error_add(StringInfo errs, const char *field, const char *message)
{
	appendStringInfoString(errs, errs->len > 0 ? ", {\"field\": " : "{\"field\": ");
	json_append_string(errs, field, strlen(field));
	appendStringInfoString(errs, ", \"message\": ");
	json_append_string(errs, message, strlen(message));
	appendStringInfoChar(errs, '}');
}

/*
 * Reads the Vambe body {"id"}: every problem at once as Vambe's 400
 * (forbidNonWhitelisted properties, then the id).
 */
static void
vambe_body_id(Jsonb *body, pg_uuid_t *id)
{
	StringInfoData errs;
	PayloadField f;
	ListCell   *lc;

	initStringInfo(&errs);
	if (!JB_ROOT_IS_OBJECT(body) || JB_ROOT_IS_SCALAR(body))
		vambe_error_add(&errs, "id", VAMBE_ID_MESSAGE);
	else
	{
		foreach(lc, payload_unknown_keys(&body->root, id_body_keys))
			vambe_error_add(&errs, lfirst(lc), psprintf("property %s should not exist", (char *) lfirst(lc)));
		payload_get(body, "id", &f);
		if (!f.present || f.is_null || f.value.type != jbvString ||
			f.value.val.string.len != 36 ||
			!payload_uuid(pnstrdup(f.value.val.string.val, f.value.val.string.len), id))
			vambe_error_add(&errs, "id", VAMBE_ID_MESSAGE);
	}
	if (errs.len > 0)
		dialect_raise(400, "Validation failed",
					  psprintf("{\"statusCode\": 400, \"message\": \"Validation failed\", \"errors\": [%s]}",
							   errs.data));
}

/*
 * Vambe DELETE /api/public/tasks/{id}, the path id as {"id"}: a soft delete
 * that also deletes the task's interactive notes; {"status": "success"}.
 * The caller must be an active member (401), the id a UUID (400), the task
 * a live task of the organisation (404).
 */
static Datum
vambe_delete(Jsonb *body, pg_uuid_t *task_id)
{
	static SPIPlanPtr caller_plan = NULL;
	static SPIPlanPtr notes_plan = NULL;
	Oid			types[2] = {UUIDOID, UUIDOID};
	Datum		v[2];
	TaskIdentity who;
	bool		found;

	identity_current(&who);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!who.has_actor ||
		!row_exists(&caller_plan, "SELECT 1 FROM tasks.members m WHERE m.workspace_id = $1 AND m.id = $2 AND m.active",
					&who.workspace_id, &who.actor_id))
		dialect_raise(401, "Unauthorized", VAMBE_UNAUTHORIZED_BODY);

	vambe_body_id(body, task_id);

	(void) set_deleted(&who, task_id, true, &found);
	if (!found)
	{
		char	   *id = uuid_to_cstring(task_id);

		dialect_raise(404, psprintf("Task with id %s not found", id),
					  psprintf("{\"statusCode\": 404, \"message\": \"Task with id %s not found\", \"error\": \"Not Found\"}",
							   id));
	}
	v[0] = UUIDPGetDatum(&who.workspace_id);
	v[1] = UUIDPGetDatum(task_id);
	store_plan(&notes_plan,
			   "DELETE FROM tasks.notes n WHERE n.workspace_id = $1 AND n.task_id = $2 AND n.kind = 'interactive'",
			   2, types);
	if (SPI_execute_plan(notes_plan, v, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "interactive note delete failed");
	SPI_finish();
	return DirectFunctionCall1(jsonb_in, CStringGetDatum("{\"status\": \"success\"}"));
}

static const Endpoint vambe_delete_endpoint = {
	.dialect = "vambe", .operation = "vambe.task.delete", .success_status = 200,
	.location = NULL, .impl = vambe_delete
};

/* tasks_vambe.task_delete(jsonb) RETURNS jsonb */
PG_FUNCTION_INFO_V1(tasks_vambe_task_delete);
Datum
tasks_vambe_task_delete(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_serve(&vambe_delete_endpoint, PG_GETARG_JSONB_P(0)));
}
