/*-------------------------------------------------------------------------
 *
 * identity.c
 *	  Which workspace (tenant) and actor (member) a call acts for.
 *
 * Sources, first match wins:
 *	 1. PostgREST's request.jwt.claims: "workspace_id", and "member_id" or a
 *		uuid "sub" as the actor;
 *	 2. the settings tasks.workspace_id and tasks.actor_id.
 * No workspace is an error, never a default tenant.  A role that is not a
 * superuser must hold a row in tasks.workspace_grants for the workspace (or
 * one with a NULL workspace_id, meaning all: the API role's grant).
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

static char *workspace_setting = NULL;
static char *actor_setting = NULL;
static char *auth_error_setting = NULL;

/*
 * The identity last computed, for the rest of its transaction: reused only
 * while the role and the exact text of request.jwt.claims,
 * tasks.workspace_id and tasks.actor_id are unchanged (PostgREST sets them
 * per transaction with set_config(..., true); a SET inside the transaction
 * changes the text and so misses the cache).
 */
static LocalTransactionId ident_lxid = InvalidLocalTransactionId;
static Oid	ident_user = InvalidOid;
static char *ident_claims = NULL;
static char *ident_workspace = NULL;
static char *ident_actor = NULL;
static TaskIdentity ident_cached;

/* Grant checks are cached for the rest of the transaction. */
static LocalTransactionId checked_lxid = InvalidLocalTransactionId;
static Oid	checked_user = InvalidOid;
static pg_uuid_t checked_workspace;

/* Defines tasks.workspace_id and tasks.actor_id. */
void
tasks_define_gucs(void)
{
	DefineCustomStringVariable("tasks.workspace_id",
							   "Workspace (tenant) to act in when no JWT claim names one.",
							   NULL, &workspace_setting, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tasks.actor_id",
							   "Member id acting, when no JWT claim names one.",
							   NULL, &actor_setting, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tasks.auth_error",
							   "Why the pre-request found no valid credential (missing_key or invalid_key); set per request.",
							   NULL, &auth_error_setting, "",
							   PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

/*
 * A string member of the claims object, or NULL when absent or null.  A
 * claim of another type is an error: it must never fall back silently.
 */
static char *
claim_text(Jsonb *claims, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(claims) ||
		getKeyJsonValueFromContainer(&claims->root, key, strlen(key), &v) == NULL ||
		v.type == jbvNull)
		return NULL;
	if (v.type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("JWT claim \"%s\" must be a string", key)));
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* Reads the claims set by PostgREST for this transaction, if any. */
static Jsonb *
current_claims(void)
{
	const char *raw = GetConfigOption("request.jwt.claims", true, false);

	if (raw == NULL || raw[0] == '\0')
		return NULL;
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(raw)));
}

/* The role that owns the extension, looked up once per backend (inside SPI). */
Oid
tasks_extension_owner(void)
{
	static Oid	owner = InvalidOid;
	static SPIPlanPtr plan = NULL;
	bool		isnull;

	if (OidIsValid(owner))
		return owner;
	store_plan(&plan,
			   "SELECT e.extowner FROM pg_catalog.pg_extension e"
			   " WHERE e.extname OPERATOR(pg_catalog.=) 'tasks'", 0, NULL);
	if (SPI_execute_plan(plan, NULL, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "extension \"tasks\" is not installed");
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return owner;
}

/* The snapshot a statement of the caller would read with. */
static Snapshot
read_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

/*
 * The unique index of rel whose first column is its first attribute
 * (workspaces: the primary key on id; workspace_grants: the unique
 * (workspace_id, role_name)).  Raises if there is none.
 */
static Oid
first_column_unique_index(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (idx->indisunique && idx->indisvalid && idx->indnkeyatts >= 1 &&
			idx->indkey.values[0] == 1 && heap_attisnull(tup, Anum_pg_index_indpred, NULL))
			found = indexoid;
		ReleaseSysCache(tup);
		if (OidIsValid(found))
			break;
	}
	list_free(indexes);
	if (!OidIsValid(found))
		elog(ERROR, "no unique index on the first column of \"%s\"", RelationGetRelationName(rel));
	return found;
}

/* Opens tasks.<name> for reading. */
static Relation
open_tasks_table(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("tasks", false));

	if (!OidIsValid(relid))
		elog(ERROR, "relation \"tasks.%s\" does not exist", name);
	return table_open(relid, AccessShareLock);
}

/* Whether tasks.workspaces has the row ws (primary key probe, no SPI). */
static bool
workspace_exists(const pg_uuid_t *ws)
{
	Relation	rel = open_tasks_table("workspaces");
	Oid			pkey = RelationGetPrimaryKeyIndex(rel);
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	if (!OidIsValid(pkey))
		pkey = first_column_unique_index(rel);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(ws));
	scan = systable_beginscan(rel, pkey, true, read_snapshot(), 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Whether user is a member of a role granted ws, or of one granted every
 * workspace (NULL workspace_id): pg_has_role(user, role, 'MEMBER') over the
 * grants, read through the unique index on (workspace_id, role_name).
 */
static bool
workspace_granted(const pg_uuid_t *ws, Oid user)
{
	Relation	rel = open_tasks_table("workspace_grants");
	Oid			index = first_column_unique_index(rel);
	bool		granted = false;

	for (int pass = 0; pass < 2 && !granted; pass++)
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		if (pass == 0)
			ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(ws));
		else
		{
			ScanKeyEntryInitialize(&key, SK_ISNULL | SK_SEARCHNULL, 1,
								   InvalidStrategy, InvalidOid, InvalidOid,
								   InvalidOid, (Datum) 0);
		}
		scan = systable_beginscan(rel, index, true, read_snapshot(), 1, &key);
		while (!granted && HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
			Oid			role;

			CHECK_FOR_INTERRUPTS();
			if (isnull)
				continue;
			role = get_role_oid(NameStr(*DatumGetName(d)), true);
			granted = OidIsValid(role) && is_member_of_role(user, role);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return granted;
}

/*
 * Raises unless the current role may act in the workspace.
 *
 * The grant table is read directly through its indexes (as RI triggers read
 * referenced tables, bypassing row level security), so API roles need no
 * privilege on it and a call pays two index probes, not a planned
 * statement; membership is checked for the real caller.  A superuser needs
 * no grant, only an existing workspace.
 */
static void
check_grant(const pg_uuid_t *ws)
{
	Oid			user = GetUserId();
	bool		exists;

	if (checked_lxid == MyProc->lxid && checked_user == user &&
		memcmp(&checked_workspace, ws, sizeof(pg_uuid_t)) == 0)
		return;

	exists = workspace_exists(ws);

	/* An unknown workspace and a forbidden one look the same to the caller. */
	if (!exists || (!superuser() && !workspace_granted(ws, user)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("workspace %s is not available to role \"%s\"",
						uuid_to_cstring(ws), GetUserNameFromId(user, false)),
				 errhint("A superuser can grant it with tasks.workspace_grant().")));

	checked_lxid = MyProc->lxid;
	checked_user = user;
	checked_workspace = *ws;
}

/* Fills id with the current workspace and actor; raises when there is none. */
static void
identity_compute(TaskIdentity *id, const char *raw_claims)
{
	Jsonb	   *claims = NULL;
	char	   *ws = NULL;
	char	   *actor = NULL;

	if (raw_claims != NULL && raw_claims[0] != '\0')
		claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(raw_claims)));
	memset(id, 0, sizeof(TaskIdentity));
	if (claims != NULL && (ws = claim_text(claims, "workspace_id")) != NULL)
	{
		pg_uuid_t	tmp;

		id->source = "jwt";
		actor = claim_text(claims, "member_id");
		if (actor == NULL)
		{
			actor = claim_text(claims, "sub");
			if (actor != NULL && !payload_uuid(actor, &tmp))
				actor = NULL;	/* a non-uuid subject names no member */
		}
	}
	else if (workspace_setting != NULL && workspace_setting[0] != '\0')
	{
		ws = workspace_setting;
		actor = (actor_setting != NULL && actor_setting[0] != '\0') ? actor_setting : NULL;
		id->source = "setting";
	}

	if (ws == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("no workspace is set for this call"),
				 errhint("Send a JWT with a \"workspace_id\" claim, or SET tasks.workspace_id.")));
	if (!payload_uuid(ws, &id->workspace_id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("workspace id \"%s\" from the %s is not a uuid", ws,
						strcmp(id->source, "jwt") == 0 ? "JWT claims" : "setting tasks.workspace_id")));
	if (actor != NULL)
	{
		if (!payload_uuid(actor, &id->actor_id))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("actor id \"%s\" is not a uuid", actor)));
		id->has_actor = true;
	}
	check_grant(&id->workspace_id);
}

/* A setting's text, NULL and "" alike as "". */
static inline const char *
setting_text(const char *s)
{
	return s != NULL ? s : "";
}

/* Whether the cached identity was computed from exactly these settings. */
static bool
identity_cache_matches(const char *claims)
{
	return ident_lxid == MyProc->lxid &&
		ident_user == GetUserId() &&
		strcmp(ident_claims, setting_text(claims)) == 0 &&
		strcmp(ident_workspace, setting_text(workspace_setting)) == 0 &&
		strcmp(ident_actor, setting_text(actor_setting)) == 0;
}

/* Replaces a cached setting text (TopMemoryContext). */
static void
cache_text(char **slot, const char *s)
{
	if (*slot != NULL)
		pfree(*slot);
	*slot = MemoryContextStrdup(TopMemoryContext, setting_text(s));
}

/*
 * Fills id with the current workspace and actor; raises when there is none.
 * Within one transaction the answer is reused while the settings it came
 * from are textually the same (see ident_cached); the claims are parsed
 * only when set.
 */
void
identity_current(TaskIdentity *id)
{
	const char *claims = GetConfigOption("request.jwt.claims", true, false);

	if (ident_claims != NULL && identity_cache_matches(claims))
	{
		*id = ident_cached;
		return;
	}
	identity_compute(id, claims);

	/* Only a complete, checked identity is cached. */
	cache_text(&ident_claims, claims);
	cache_text(&ident_workspace, workspace_setting);
	cache_text(&ident_actor, actor_setting);
	ident_cached = *id;
	ident_user = GetUserId();
	ident_lxid = MyProc->lxid;
}

/* Whether the space-separated list (or JSON array) in v names scope. */
static bool
claim_lists_scope(const JsonbValue *v, const char *scope)
{
	size_t		slen = strlen(scope);

	if (v->type == jbvString)
	{
		const char *s = v->val.string.val;
		int			len = v->val.string.len;
		int			start = 0;

		for (int i = 0; i <= len; i++)
		{
			if (i == len || s[i] == ' ')
			{
				if ((size_t) (i - start) == slen && memcmp(s + start, scope, slen) == 0)
					return true;
				start = i + 1;
			}
		}
		return false;
	}
	if (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbContainer *c = v->val.binary.data;

		for (uint32 i = 0; i < JsonContainerSize(c); i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(c, i);

			CHECK_FOR_INTERRUPTS();
			if (e->type == jbvString && (size_t) e->val.string.len == slen &&
				memcmp(e->val.string.val, scope, slen) == 0)
				return true;
		}
	}
	return false;
}

/* Whether the caller holds scope (JWT scopes first, else the actor's member scopes). */
bool
identity_has_scope(const TaskIdentity *id, const char *scope)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		values[3];
	bool		isnull;

	if (id->source != NULL && strcmp(id->source, "jwt") == 0)
	{
		Jsonb	   *claims = current_claims();
		JsonbValue	v;

		if (claims != NULL && JB_ROOT_IS_OBJECT(claims) &&
			(getKeyJsonValueFromContainer(&claims->root, "scopes", 6, &v) != NULL ||
			 getKeyJsonValueFromContainer(&claims->root, "scope", 5, &v) != NULL))
			return claim_lists_scope(&v, scope);
	}
	if (!id->has_actor)
		return false;
	store_plan(&plan,
			   "SELECT $3 = ANY (m.scopes) FROM tasks.members m"
			   " WHERE m.workspace_id = $1 AND m.id = $2 AND m.active",
			   3, types);
	values[0] = UUIDPGetDatum(&id->workspace_id);
	values[1] = UUIDPGetDatum(&id->actor_id);
	values[2] = CStringGetTextDatum(scope);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "scope lookup failed");
	return SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}
