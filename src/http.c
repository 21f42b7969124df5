/*-------------------------------------------------------------------------
 *
 * http.c
 *	  Serve an endpoint the way its vendor answers over HTTP (PostgREST).
 *
 * Called from SQL (no request.method set), an endpoint simply runs and a
 * failure raises: SQLSTATE PT<status> with the vendor body in DETAIL.
 *
 * Called by PostgREST, an error would reach the client in PostgREST's own
 * shape {code, message, details, hint}, which cannot carry a vendor body.
 * So the endpoint runs inside a subtransaction; a vendor error rolls it back
 * (nothing is written) and comes back as the function's result with
 * response.status set to the vendor's status.  Other errors propagate and
 * PostgREST maps them as usual.
 *
 * Around that: the credential check (the pre-request leaves no workspace
 * claim when the key was missing or wrong: 401 in the dialect's shape) and
 * idempotency (Idempotency-Key: replay, 409 while in flight, 422 on a
 * different body; only successes are stored, in the same subtransaction as
 * the work, so a failed attempt can be retried).
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "access/hash.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#define IDEMPOTENCY_KEY_MAX 255

/* Whether PostgREST is serving this call. */
static bool
http_mode(void)
{
	const char *method = GetConfigOption("request.method", true, false);

	return method != NULL && method[0] != '\0';
}

/* A JSON setting of the request (claims, headers) as jsonb, or NULL. */
static Jsonb *
request_json(const char *name)
{
	const char *raw = GetConfigOption(name, true, false);

	if (raw == NULL || raw[0] == '\0')
		return NULL;
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(raw)));
}

/* A string member of a jsonb object, or NULL. */
static char *
json_member(Jsonb *obj, const char *key)
{
	JsonbValue	v;

	if (obj == NULL || !JB_ROOT_IS_OBJECT(obj) ||
		getKeyJsonValueFromContainer(&obj->root, key, strlen(key), &v) == NULL)
		return NULL;
	return jsonb_string_dup(&v);
}

/* Sets a transaction-local setting, as set_config(name, value, true) does. */
static void
set_local(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* Sets the HTTP status (and headers) PostgREST will answer with. */
static Datum
respond(int status, Datum body, const char *headers_json)
{
	char		buf[12];

	snprintf(buf, sizeof(buf), "%d", status);
	set_local("response.status", buf);
	if (headers_json != NULL)
		set_local("response.headers", headers_json);
	return body;
}

/* The dialect's error body (tasks._error_body). */
static Datum
error_body(const Endpoint *ep, int status, const char *code, const char *message,
		   const char *param)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[5] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		v[5];
	char		n[5] = {' ', ' ', ' ', ' ', param ? ' ' : 'n'};
	bool		isnull;
	Datum		result;

	v[0] = CStringGetTextDatum(ep->dialect);
	v[1] = Int32GetDatum(status);
	v[2] = CStringGetTextDatum(code);
	v[3] = CStringGetTextDatum(message);
	v[4] = param ? CStringGetTextDatum(param) : (Datum) 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store_plan(&plan, "SELECT tasks._error_body($1, $2, $3, $4, $5)", 5, types);
	if (SPI_execute_plan(plan, v, n, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not build the error body");
	result = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull),
							   false, -1);
	SPI_finish();
	return result;
}

/* The idempotency state of one request. */
typedef struct Idempotency
{
	char	   *key;
	TaskIdentity who;
} Idempotency;

/*
 * Looks for an earlier success under the key.  Returns true with *out set
 * when the request must be answered without running: a replay, or 422 for a
 * different body; 409 when another request holds the key right now.
 */
static bool
idempotency_check(const Endpoint *ep, Idempotency *idem, Jsonb *body, Datum *out)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		v[4];
	bool		isnull;
	uint64		lock_key;
	bool		same;
	int			status;
	Datum		response;
	char	   *value;
	char	   *headers;

	lock_key = hash_bytes_extended(idem->who.workspace_id.data, UUID_LEN,
								   hash_bytes_extended((const unsigned char *) ep->operation,
													   strlen(ep->operation),
													   hash_bytes_extended((const unsigned char *) idem->key,
																		   strlen(idem->key), 0)));
	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_xact_lock_int8, Int64GetDatum((int64) lock_key))))
	{
		*out = respond(409, error_body(ep, 409, "idempotency_conflict",
									   "An operation with this idempotency key is already in progress. Please wait and retry.",
									   "Idempotency-Key"), NULL);
		return true;
	}

	v[0] = UUIDPGetDatum(&idem->who.workspace_id);
	v[1] = CStringGetTextDatum(ep->operation);
	v[2] = CStringGetTextDatum(idem->key);
	v[3] = JsonbPGetDatum(body);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store_plan(&plan,
			   "SELECT k.request_hash = sha256(convert_to($4::text, 'UTF8')), k.status, k.response,"
			   " (coalesce(k.headers, '[]') || '[{\"Idempotent-Replayed\": \"true\"}]')::text"
			   " FROM tasks.idempotency_keys k"
			   " WHERE k.workspace_id = $1 AND k.operation = $2 AND k.key = $3",
			   4, types);
	/*
	 * Not read-only: SPI then takes a fresh snapshot, so a request that
	 * started before the key's first use committed still sees it here.
	 */
	if (SPI_execute_plan(plan, v, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "idempotency lookup failed");
	if (SPI_processed == 0)
	{
		SPI_finish();
		return false;
	}
	same = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	status = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	response = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull),
								 false, -1);
	value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
	headers = SPI_palloc(strlen(value) + 1);
	strcpy(headers, value);
	SPI_finish();

	if (same)
		*out = respond(status, response, headers);
	else
		*out = respond(422, error_body(ep, 422, "idempotency_key_reused",
									   "Keys for idempotent requests can only be used with the same parameters they were first used with.",
									   "Idempotency-Key"), NULL);
	return true;
}

/*
 * Stores a success (status, body, headers) under the key, in the caller's
 * (sub)transaction.  Only a SHA-256 of the request is kept: a body can be
 * large, and equal jsonb prints equal text (keys sorted, duplicates gone).
 */
static void
idempotency_store(const Endpoint *ep, Idempotency *idem, Jsonb *body, int status, Datum response,
				  const char *headers_json)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[7] = {UUIDOID, TEXTOID, TEXTOID, JSONBOID, INT4OID, JSONBOID, TEXTOID};
	Datum		v[7];
	char		n[7] = {' ', ' ', ' ', ' ', ' ', ' ', headers_json ? ' ' : 'n'};
	bool		stored;

	v[0] = UUIDPGetDatum(&idem->who.workspace_id);
	v[1] = CStringGetTextDatum(ep->operation);
	v[2] = CStringGetTextDatum(idem->key);
	v[3] = JsonbPGetDatum(body);
	v[4] = Int32GetDatum(status);
	v[5] = response;
	v[6] = headers_json ? CStringGetTextDatum(headers_json) : (Datum) 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store_plan(&plan,
			   "INSERT INTO tasks.idempotency_keys (workspace_id, operation, key, request_hash, status, response, headers)"
			   " VALUES ($1, $2, $3, sha256(convert_to($4::text, 'UTF8')), $5, $6, $7::jsonb)"
			   " ON CONFLICT DO NOTHING",
			   7, types);
	if (SPI_execute_plan(plan, v, n, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "idempotency insert failed");
	stored = SPI_processed == 1;
	SPI_finish();

	/*
	 * Another request stored the key after we looked (possible only when the
	 * transaction keeps one snapshot, e.g. REPEATABLE READ): undo the work.
	 */
	if (!stored)
		dialect_raise(409, "idempotency key already used",
					  JsonbToCString(NULL, &DatumGetJsonbP(error_body(ep, 409, "idempotency_conflict",
																	  "An operation with this idempotency key is already in progress. Please wait and retry.",
																	  "Idempotency-Key"))->root, -1));
}

/* The status and body of an error the endpoint turns into a response, or false. */
static bool
error_response(const Endpoint *ep, ErrorData *edata, int *status, Datum *body)
{
	char		code[6];

	memcpy(code, unpack_sql_state(edata->sqlerrcode), sizeof(code));
	if (code[0] == 'P' && code[1] == 'T' && isdigit((unsigned char) code[2]) &&
		isdigit((unsigned char) code[3]) && isdigit((unsigned char) code[4]) && edata->detail)
	{
		*status = atoi(code + 2);
		*body = DirectFunctionCall1(jsonb_in, CStringGetDatum(edata->detail));
		return true;
	}
	if (edata->sqlerrcode == ERRCODE_INVALID_PARAMETER_VALUE && strcmp(ep->dialect, "v1") == 0 &&
		edata->detail && edata->detail[0] == '[')
	{
		StringInfoData b;

		initStringInfo(&b);
		appendStringInfoString(&b, "{\"code\": \"validation_failed\", \"message\": ");
		json_append_string(&b, edata->message, strlen(edata->message));
		appendStringInfo(&b, ", \"errors\": %s}", edata->detail);
		*status = 422;
		*body = DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
		return true;
	}
	return false;
}

/* The Location header of a created task as response.headers JSON, or NULL. */
static char *
location_header(const Endpoint *ep, const pg_uuid_t *task_id)
{
	StringInfoData h;
	char	   *loc;

	if (ep->location == NULL)
		return NULL;
	loc = psprintf(ep->location, uuid_to_cstring(task_id));
	initStringInfo(&h);
	appendStringInfoString(&h, "[{\"Location\": ");
	json_append_string(&h, loc, strlen(loc));
	appendStringInfoString(&h, "}]");
	return h.data;
}

/* Runs an endpoint for SQL or for PostgREST; see the file comment. */
Datum
endpoint_serve(const Endpoint *ep, Jsonb *body)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Jsonb	   *claims;
	Jsonb	   *headers;
	Idempotency *volatile idem = NULL;
	volatile Datum result = (Datum) 0;
	volatile int status = ep->success_status;
	char	   *volatile headers_json = NULL;
	pg_uuid_t	task_id;
	char	   *key;

	if (!http_mode())
		return ep->impl(body, &task_id);

	/* Over HTTP only claims (a verified JWT, or an API key) name the workspace. */
	claims = request_json("request.jwt.claims");
	if (json_member(claims, "workspace_id") == NULL)
	{
		const char *why = GetConfigOption("tasks.auth_error", true, false);
		bool		invalid = why != NULL && strcmp(why, "invalid_key") == 0;

		return respond(401, error_body(ep, 401, "invalid_key",
									   invalid ? "Invalid API key" : "Missing API key", NULL), NULL);
	}

	headers = request_json("request.headers");
	if (ep->operation != NULL && (key = json_member(headers, "idempotency-key")) != NULL)
	{
		Datum		early;

		if (pg_mbstrlen_with_len(key, strlen(key)) > IDEMPOTENCY_KEY_MAX || key[0] == '\0')
			return respond(400, error_body(ep, 400, "idempotency_key_too_long",
										   "The Idempotency-Key header must have 1 to 255 characters.",
										   "Idempotency-Key"), NULL);
		idem = palloc0(sizeof(Idempotency));
		idem->key = key;
		identity_current(&idem->who);
		if (idempotency_check(ep, idem, body, &early))
			return early;
	}

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		result = ep->impl(body, &task_id);
		headers_json = location_header(ep, &task_id);
		if (idem)
			idempotency_store(ep, idem, body, status, result, headers_json);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			err_status;
		Datum		err_body;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		if (!error_response(ep, edata, &err_status, &err_body))
			ReThrowError(edata);
		return respond(err_status, err_body, NULL);
	}
	PG_END_TRY();

	return respond(status, result, headers_json);
}
