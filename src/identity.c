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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"

static char *workspace_setting = NULL;
static char *actor_setting = NULL;
static char *auth_error_setting = NULL;

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

/*
 * Raises unless the current role may act in the workspace.
 *
 * The grant table is read as the extension's owner (as RI triggers read
 * referenced tables), so API roles need no privilege on it; membership is
 * checked for the real caller.  An error inside restores the user id through
 * (sub)transaction abort.
 */
static void
check_grant(const pg_uuid_t *ws)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[2] = {UUIDOID, OIDOID};
	Datum		values[2];
	bool		exists,
				granted,
				isnull;
	Oid			user = GetUserId();
	Oid			save_user;
	int			save_sec;

	if (checked_lxid == MyProc->lxid && checked_user == user &&
		memcmp(&checked_workspace, ws, sizeof(pg_uuid_t)) == 0)
		return;

	values[0] = UUIDPGetDatum(ws);
	values[1] = ObjectIdGetDatum(user);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(tasks_extension_owner(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	store_plan(&plan,
			   "SELECT EXISTS (SELECT 1 FROM tasks.workspaces w WHERE w.id OPERATOR(pg_catalog.=) $1),"
			   " EXISTS (SELECT 1 FROM tasks.workspace_grants g JOIN pg_catalog.pg_roles r"
			   "   ON r.rolname OPERATOR(pg_catalog.=) g.role_name"
			   "  WHERE (g.workspace_id OPERATOR(pg_catalog.=) $1 OR g.workspace_id IS NULL)"
			   "    AND pg_catalog.pg_has_role($2, r.oid, 'MEMBER'))",
			   2, argtypes);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "workspace grant lookup failed");
	exists = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	granted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	SetUserIdAndSecContext(save_user, save_sec);
	SPI_finish();

	/* An unknown workspace and a forbidden one look the same to the caller. */
	if (!exists || (!granted && !superuser()))
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
void
identity_current(TaskIdentity *id)
{
	Jsonb	   *claims = current_claims();
	char	   *ws = NULL;
	char	   *actor = NULL;

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
