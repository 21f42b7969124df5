/*-------------------------------------------------------------------------
 *
 * tasks.h
 *	  Shared declarations of the tasks extension: one section per module.
 *
 * Every module owns one concern; this header is the contract between them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASKS_H
#define TASKS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "compat.h"

/* Limits shared by validators (characters, not bytes). */
#define TASKS_MAX_TITLE			500
#define TASKS_MAX_DESCRIPTION	100000
#define TASKS_MAX_SHORT_TEXT	255		/* type, tag, external id, kind, relation */
#define TASKS_MAX_NAME			500		/* record/member display names */
#define TASKS_MAX_ITEMS			100		/* assignees, links, tags, dependencies */
#define TASKS_MAX_METADATA_BYTES 65536

/* ------------------------------------------------------------------------
 * errors.c: collecting every problem of a payload, then raising them at once
 * ------------------------------------------------------------------------
 */

/*
 * One problem found in a payload.  path is a JSON pointer ("/links/0/name"),
 * code a stable machine code (see README "Error codes").
 */
typedef struct TaskProblem
{
	char	   *path;
	const char *code;
	char	   *message;
	char	   *extra_json;		/* optional extra members, e.g. candidates */
} TaskProblem;

typedef struct TaskProblems
{
	List	   *items;			/* of TaskProblem *, at most 100 */
	int			dropped;		/* problems beyond those, counted only */
} TaskProblems;

extern void problems_init(TaskProblems *p);
extern void problem_add(TaskProblems *p, const char *path, const char *code,
						const char *fmt,...) pg_attribute_printf(4, 5);
extern void problem_add_extra(TaskProblems *p, const char *path, const char *code,
							  const char *extra_json, const char *fmt,...) pg_attribute_printf(5, 6);
extern bool problems_any(const TaskProblems *p);

/* Raises SQLSTATE 22023 with the problem list as JSON in the detail. */
extern void problems_raise(const TaskProblems *p, const char *what) pg_attribute_noreturn();
extern void problems_raise_if_any(const TaskProblems *p, const char *what);

/* JSON pointer helpers (RFC 6901 escaping of ~ and /). */
extern char *json_pointer_key(const char *base, const char *key, int keylen);
extern char *json_pointer_index(const char *base, int index);

/* Appends s (len bytes) to buf as a JSON string literal. */
extern void json_append_string(StringInfo buf, const char *s, int len);

/* ------------------------------------------------------------------------
 * payload.c: typed reads from a jsonb object, each reporting its own problem
 * ------------------------------------------------------------------------
 */

/* A field read from a payload: present?, null?, and the value. */
typedef struct PayloadField
{
	bool		present;
	bool		is_null;
	JsonbValue	value;			/* valid when present && !is_null */
} PayloadField;

extern void payload_get(Jsonb *obj, const char *key, PayloadField *out);
extern void payload_get_container(JsonbContainer *c, const char *key, PayloadField *out);

/*
 * Reads a string field.  Returns a palloc'd NUL-terminated copy or NULL
 * (absent, null, or wrong type: the latter two reported unless allowed).
 */
extern char *payload_text(const PayloadField *f, TaskProblems *p, const char *path,
						  bool required, bool nullable, int min_chars, int max_chars);
extern bool payload_uuid(const char *s, pg_uuid_t *out);
extern bool payload_uuid_value(const JsonbValue *v, const char *path, pg_uuid_t *out,
							   TaskProblems *p);
extern const char *jsonb_type_name(const JsonbValue *v);

/* Whether key (len bytes) is one of the NULL-terminated list. */
extern bool key_in_list(const char *key, int len, const char *const *list);

/* Keys of an object not in known, clipped to PAYLOAD_KEY_SHOWN bytes (they are echoed back). */
#define PAYLOAD_KEY_SHOWN 100
extern List *payload_unknown_keys(JsonbContainer *c, const char *const *known);

/* Fails with a problem for every key of obj not in the NULL-terminated list. */
extern void payload_reject_unknown(JsonbContainer *c, const char *base,
								   const char *const *known, TaskProblems *p);

/* ------------------------------------------------------------------------
 * timeparse.c: strict ISO 8601 and IANA time zones through PostgreSQL's tz code
 * ------------------------------------------------------------------------
 */
typedef enum TimeParseStatus
{
	TP_OK = 0,
	TP_BAD_FORMAT,				/* not the ISO 8601 shape we accept */
	TP_OUT_OF_RANGE,			/* e.g. 2025-02-30, 24:00:01, year 0 */
	TP_NEEDS_ZONE,				/* local date-time without offset and no zone */
	TP_LOCAL_TIME_GAP			/* local time skipped by a DST transition */
} TimeParseStatus;

/* Strict calendar date "YYYY-MM-DD" (4-digit year 0001..9999). */
extern TimeParseStatus tp_parse_date(const char *s, int len, DateADT *out);

/*
 * ISO 8601 date-time "YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|+HH:MM|-HH:MM|+HHMM)".
 * Without an offset, the wall-clock time is read in zone (TP_NEEDS_ZONE when
 * zone is NULL).  A local time inside a DST gap is TP_LOCAL_TIME_GAP; one in
 * a DST overlap resolves to the earlier instant.
 */
extern TimeParseStatus tp_parse_datetime(const char *s, int len, pg_tz *zone,
										 TimestampTz *out);

/* "HH:MM" (24-hour) into microseconds since midnight. */
extern TimeParseStatus tp_parse_hhmm(const char *s, int len, int64 *usec_out);

/* Wall-clock date + time of day in zone to an instant (gap/overlap as above). */
extern TimeParseStatus tp_local_to_instant(DateADT date, int64 usec_of_day,
										   pg_tz *zone, TimestampTz *out);

/*
 * Looks up an IANA zone name (e.g. "America/Santiago", "UTC") with
 * pg_tzset; rejects POSIX-style specs, abbreviations and paths.  Returns NULL
 * for an unknown name.  *canonical gets the zone's canonical spelling.
 */
extern pg_tz *tp_lookup_zone(const char *name, int len, const char **canonical);

/* Instant as ISO 8601 UTC with milliseconds: "2025-10-25T17:00:00.000Z". */
extern char *tp_format_instant(TimestampTz t);
extern char *tp_format_date(DateADT d);

/* ------------------------------------------------------------------------
 * normalize.c: name normalization for matching (immutable, encoding-safe)
 * ------------------------------------------------------------------------
 */

/* lower-case, accents stripped, Cyrillic/Greek transliterated, punctuation -> single spaces. */
extern char *name_normalize(const char *s, int len);
/* name_normalize's tokens, sorted ("Müller, Hans" == "Hans Müller"). */
extern char *name_key(const char *s, int len);
/* name_key after folding German transliterations (ae->a, oe->o, ue->u). */
extern char *name_fold(const char *s, int len);

/* ------------------------------------------------------------------------
 * resolve.c: record name -> id within one workspace, over pg_trgm
 * ------------------------------------------------------------------------
 */
typedef enum ResolveStatus
{
	RESOLVE_RESOLVED,
	RESOLVE_AMBIGUOUS,
	RESOLVE_NOT_FOUND,
	RESOLVE_INVALID				/* nothing left to match after normalization */
} ResolveStatus;

typedef struct ResolveCandidate
{
	pg_uuid_t	id;
	char	   *name;
	double		score;
} ResolveCandidate;

typedef struct ResolveResult
{
	ResolveStatus status;
	const char *method;			/* "exact", "folded", "fuzzy" or NULL */
	ResolveCandidate best;		/* valid when RESOLVE_RESOLVED */
	int			ncandidates;	/* ambiguous candidates or not_found suggestions */
	ResolveCandidate *candidates;	/* best first */
} ResolveResult;

/* Must be called between SPI_connect and SPI_finish. */
extern void resolve_record(const pg_uuid_t *workspace, const char *kind,
						   const char *name, int len, ResolveResult *out);
/* The same, raising 22023 for a kind that is not in tasks.record_kinds. */
extern void resolve_record_checked(const pg_uuid_t *workspace, const char *kind,
								   const char *name, int len, ResolveResult *out);
/* The result as a JSON object: {"status", "id", "name", "score", "method", "candidates"}. */
extern void resolve_result_json(StringInfo buf, const ResolveResult *r);
/* tasks.resolve()'s answer as jsonb: the above plus "query" and "normalized". */
extern Jsonb *resolve_result_jsonb(const char *query, int query_len, const char *normalized,
								   const ResolveResult *r);
/* The candidates only, as a JSON array. */
extern void resolve_candidates_json(StringInfo buf, const ResolveResult *r);

/* ------------------------------------------------------------------------
 * identity.c: which workspace and actor a call acts for
 * ------------------------------------------------------------------------
 */
typedef struct TaskIdentity
{
	pg_uuid_t	workspace_id;
	bool		has_actor;
	pg_uuid_t	actor_id;
	const char *source;			/* "jwt" or "setting" */
} TaskIdentity;

/* Raises 28000 when no workspace is set, 42501 when the role may not use it. */
extern void identity_current(TaskIdentity *id);

/*
 * Whether the caller holds scope: the JWT's "scopes" array or "scope" string
 * when the claims carry one, else the acting member's tasks.members.scopes.
 * Caller is inside SPI.
 */
extern bool identity_has_scope(const TaskIdentity *id, const char *scope);
extern void tasks_define_gucs(void);

/* The extension's owner, for the few audited reads that bypass row level security. */
extern Oid	tasks_extension_owner(void);

/* apikey.c: tasks.jwt_secret and HS256 signing of API keys */
extern void apikey_define_gucs(void);

/* ------------------------------------------------------------------------
 * uuid7.c
 * ------------------------------------------------------------------------
 */
extern void uuid7_generate(pg_uuid_t *out);
extern char *uuid_to_cstring(const pg_uuid_t *u);

/* ------------------------------------------------------------------------
 * task_validate.c / store.c: the native create path
 * ------------------------------------------------------------------------
 */
typedef struct TaskLink
{
	char	   *relation;		/* relationship name, defaults to kind */
	char	   *kind;
	pg_uuid_t	record_id;
	bool		by_name;
	char	   *query;			/* the name as given, when by_name */
	char	   *path;			/* where in the payload it came from */
	char	   *resolved_json;	/* resolution summary, when by_name */
	char	   *record_name;	/* the record's name, set by task_draft_check_refs */
} TaskLink;

typedef struct TaskDraft
{
	pg_uuid_t	id;
	pg_uuid_t	workspace_id;
	char	   *title;
	char	   *description;
	bool		has_status_id;
	pg_uuid_t	status_id;
	char	   *status_name;	/* a status name (case-insensitive) or a category */
	char	   *priority;
	char	   *type;
	List	   *tags;			/* of char * */
	bool		has_due_date;
	DateADT		due_date;
	bool		has_due_at;
	TimestampTz due_at;
	char	   *due_timezone;	/* canonical IANA name or NULL */
	bool		has_deadline;
	TimestampTz deadline;
	bool		has_scheduled_start;
	TimestampTz scheduled_start;
	bool		has_scheduled_end;
	TimestampTz scheduled_end;
	bool		has_completed_at;
	TimestampTz completed_at;
	bool		has_sort_order;
	double		sort_order;
	char	   *metadata_json;	/* jsonb text or NULL */
	char	   *external_id;
	bool		has_created_by;
	bool		created_by_is_actor;	/* defaulted from the caller */
	pg_uuid_t	created_by;
	char	   *status_category;	/* set by task_draft_check_refs */
	bool		has_created_at;
	TimestampTz created_at;
	List	   *assignees;		/* of pg_uuid_t * (members or agents) */
	List	   *assignee_paths;	/* of char *, parallel to assignees */
	List	   *links;			/* of TaskLink * */
	List	   *dependencies;	/* of pg_uuid_t * */
	List	   *dependency_paths;	/* of char *, parallel to dependencies */
	List	   *notes;			/* of char * (note bodies) */
	/* set by task_draft_check_refs, for the response (task_store_response) */
	char	   *status_label;	/* the status's name */
	char	   *status_color;	/* NULL when the status has none */
	List	   *assignee_kinds; /* of char *, parallel to assignees */
	List	   *assignee_names; /* of char *, parallel to assignees */
} TaskDraft;

/* Parses and checks the shape of a native payload; no database access. */
extern void task_draft_parse(Jsonb *payload, TaskDraft *d, TaskProblems *p);

/*
 * Checks everything that needs the database (statuses, members, records,
 * names, dependencies), then inserts.  Raises before writing anything.
 * Returns the stored task as jsonb text.  Caller is inside SPI.
 */
extern void task_draft_check_refs(TaskDraft *d, TaskProblems *p);
extern void task_store_insert(TaskDraft *d);
/*
 * The response of a create, tasks.task_json of the task just stored plus
 * "resolutions" (when not "[]"), built from the draft without reading the
 * rows back.  False when the draft cannot tell every value (notes, whose ids
 * the database makes); then read it back.  Caller is inside SPI.
 */
extern bool task_store_response(const TaskDraft *d, const char *resolutions, Datum *out);
/* The JSON array of name resolutions made for the draft's links. */
extern char *task_draft_resolutions_json(const TaskDraft *d);

/*
 * Many checked drafts written together (task_create_many): task_rows_add
 * gives the draft its id and stages its rows (copies: the draft may go);
 * task_rows_write inserts every staged row, one statement per table, in
 * the order they were staged.  Caller of task_rows_write is inside SPI.
 */
typedef struct TaskRows TaskRows;
extern TaskRows *task_rows_create(const pg_uuid_t *workspace);
extern void task_rows_add(TaskRows *rows, TaskDraft *d);
extern int	task_rows_count(const TaskRows *rows);
/* Whether a staged task has this external id. */
extern bool task_rows_external_id_taken(const TaskRows *rows, const char *external_id);
extern void task_rows_write(TaskRows *rows);

/* ------------------------------------------------------------------------
 * task_json.c: the one read shape of a task (tasks.task_json), in C
 * ------------------------------------------------------------------------
 */

/* An assignee (first: the member's kind) or a link (first: the relation). */
typedef struct TaskJsonChild
{
	pg_uuid_t	id;				/* member / record id */
	const char *first;			/* member kind / link relation */
	const char *name;			/* member / record name */
	const char *kind;			/* the link's record kind; NULL for assignees */
} TaskJsonChild;

typedef struct TaskJsonNote
{
	pg_uuid_t	id;
	const char *body;
	const char *kind;
	TimestampTz created_at;
} TaskJsonNote;

/*
 * A task's values as its rows hold them: NULL pointers and false has_*
 * flags are SQL nulls.  The child arrays are in any order.
 */
typedef struct TaskJson
{
	pg_uuid_t	id;
	pg_uuid_t	workspace_id;
	const char *title;
	const char *description;
	pg_uuid_t	status_id;
	const char *status_name;
	const char *status_category;
	const char *status_color;
	const char *priority;
	const char *type;
	ArrayType  *tags;			/* text[] */
	bool		has_due_date;
	DateADT		due_date;
	bool		has_due_at;
	TimestampTz due_at;
	const char *timezone;
	bool		has_deadline;
	TimestampTz deadline;
	bool		has_scheduled_start;
	TimestampTz scheduled_start;
	bool		has_scheduled_end;
	TimestampTz scheduled_end;
	bool		has_completed_at;
	TimestampTz completed_at;
	bool		has_sort_order;
	double		sort_order;
	Jsonb	   *metadata;
	const char *external_id;
	bool		has_created_by;
	pg_uuid_t	created_by;
	TimestampTz created_at;
	TimestampTz updated_at;
	int32		version;
	int			nassignees;
	TaskJsonChild *assignees;
	int			nlinks;
	TaskJsonChild *links;
	int			ndependencies;
	pg_uuid_t  *dependencies;
	int			nnotes;
	TaskJsonNote *notes;
	/* also write deleted_at and deleted_by (task_list with include_deleted) */
	bool		show_deleted;
	bool		has_deleted_at;
	TimestampTz deleted_at;
	bool		has_deleted_by;
	pg_uuid_t	deleted_by;
} TaskJson;

/*
 * Pushes the members of tasks.task_json for t into an object being built
 * (between WJB_BEGIN_OBJECT and WJB_END_OBJECT, which the caller pushes, so
 * that it may add members of its own).  Sorts t's child arrays in place.
 */
extern void task_json_push_fields(JsonbParseState **st, TaskJson *t);
/* "key": a string or null / a JSON document given as text, into an object being built. */
extern void task_json_text(JsonbParseState **st, const char *key, const char *s);
extern void task_json_json(JsonbParseState **st, const char *key, const char *json);
/*
 * Reads tasks with their children in the caller's snapshot: for each of
 * ids, its TaskJson, or NULL when it is not a task of workspace ws visible
 * to the role.  Caller is inside SPI; the result lives until SPI_finish.
 */
extern TaskJson **task_json_read(const pg_uuid_t *ws, const pg_uuid_t *ids, int nids);
/* Pushes tasks.task_json of each of ids (of pg_uuid_t *) found as an array element. */
extern void task_json_push_page(JsonbParseState **st, const pg_uuid_t *ws, List *ids, bool with_deleted);

/* Array datums for SPI parameters from lists of pg_uuid_t * / char *. */
extern Datum uuid_list_array(List *ids);
extern Datum text_list_array(List *items);

/*
 * The create pipeline shared by the native API and every dialect: parse the
 * native payload, check references, store.  Returns false (nothing written)
 * with the problems in p, or true with d describing the stored task.  The
 * caller is inside SPI.
 */
extern bool task_engine_create(Jsonb *native, const TaskIdentity *who,
							   TaskDraft *d, TaskProblems *p);
/* The same without the store: true when d is ready to be stored. */
extern bool task_engine_check(Jsonb *native, const TaskIdentity *who,
							  TaskDraft *d, TaskProblems *p);

/*
 * Runs a kept plan taking ($1 workspace uuid, $2 task uuid, $3 text extra,
 * may be NULL) that returns one jsonb; copies it out of SPI's memory.
 */
extern Datum task_store_fetch(SPIPlanPtr *slot, const char *sql,
							  const pg_uuid_t *workspace, const pg_uuid_t *task_id,
							  const char *extra);

/* Kept SPI plans, prepared once per backend. */
extern SPIPlanPtr store_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes);
/* The same, always with the generic plan (for plans that do not depend on the values). */
extern SPIPlanPtr store_plan_generic(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes);
extern SPIPlanPtr store_plan_options(SPIPlanPtr *slot, const char *sql, int nargs,
									 Oid *argtypes, int cursor_options);

/* Key lookups with sequential scans off (see store.c). */
extern int	store_index_scans_begin(void);
extern void store_index_scans_end(int nestlevel);
extern int	store_execute_indexed(SPIPlanPtr plan, Datum *values, const char *nulls,
								  bool read_only, long count);

/* ------------------------------------------------------------------------
 * dialect.c: vendor contracts over the one engine
 *
 * A dialect validates the vendor body with the vendor's own rules and
 * messages, translates it into a native payload (dialect_put_*), runs the
 * engine (dialect_create) and reads the vendor response back with one kept
 * query (dialect_response).  Native problems come back with native JSON pointers;
 * dialect_vendor_field maps them to the vendor field that produced them.
 * ------------------------------------------------------------------------
 */
typedef struct DialectContext
{
	const char *name;
	TaskIdentity who;
	StringInfoData native;		/* native payload JSON being built */
	int			nkeys;
	List	   *assignees;		/* of char * uuid strings */
	List	   *assignee_fields;	/* vendor field per assignee */
	List	   *links;			/* of DialectLink * */
	List	   *dependencies;	/* of char * */
	List	   *dependency_fields;
	TaskDraft	draft;			/* the stored task after dialect_create */
} DialectContext;

typedef struct DialectLink
{
	char	   *kind;
	char	   *relation;
	char	   *id;				/* uuid text, or NULL when by name */
	char	   *name;
	char	   *vendor_field;
} DialectLink;

/* Resolves identity and connects SPI; every dialect entry point starts here. */
extern void dialect_begin(DialectContext *ctx, const char *name);

/* Native payload builders (each native key at most once). */
extern void dialect_put_value(DialectContext *ctx, const char *native_key, const JsonbValue *v);
extern void dialect_put_text(DialectContext *ctx, const char *native_key, const char *s);
extern void dialect_put_json(DialectContext *ctx, const char *native_key, const char *json);
extern void dialect_add_assignee(DialectContext *ctx, const char *id, const char *vendor_field);
extern void dialect_add_link(DialectContext *ctx, const char *kind, const char *relation,
							 const char *id, const char *name, const char *vendor_field);
extern void dialect_add_dependency(DialectContext *ctx, const char *id, const char *vendor_field);
extern bool dialect_has_link(const DialectContext *ctx, const char *relation);

/*
 * Runs the engine on the built payload; false (nothing stored) with native
 * problems appended to p.  Nothing is stored either when p already holds
 * problems on entry, so a dialect can run its own checks first and report
 * them together with the engine's.
 */
extern bool dialect_create(DialectContext *ctx, TaskProblems *p);

/*
 * The vendor field a native problem path belongs to: links, assignees and
 * dependencies by index, other keys through map (pairs of native key and
 * vendor field, NULL-terminated); unmapped keys are returned as they are.
 */
extern const char *dialect_vendor_field(const DialectContext *ctx, const char *native_path,
										const char *const (*map)[2]);

/* The index <n> of a native path "<prefix>/<n>[/...]", or -1. */
extern int	dialect_path_index(const char *path, const char *prefix);


/*
 * The vendor response: a kept plan ($1 workspace, $2 task) returning jsonb;
 * finishes SPI.  The query is self-contained (no SQL-language helpers).
 */
extern Datum dialect_response(DialectContext *ctx, SPIPlanPtr *slot, const char *sql);

/* The same plan behind tasks._<dialect>_response(uuid, uuid); NULL when not visible. */
extern Datum dialect_response_sql(FunctionCallInfo fcinfo, SPIPlanPtr *slot, const char *sql);

/*
 * The responses of the tasks ids (of pg_uuid_t *) in that order, pushed as
 * array elements, with one kept statement built from the response statement
 * sql (its batch plan kept in *slot); invisible ids are skipped.  Caller is
 * inside SPI.
 */
extern void dialect_responses_push(JsonbParseState **st, SPIPlanPtr *slot, const char *sql,
								   const pg_uuid_t *workspace, List *ids);
/* Those of Lightfield (task.list) and Vambe (GET /api/public/tasks). */
extern void lightfield_responses_push(JsonbParseState **st, const pg_uuid_t *workspace, List *ids);
extern void vambe_responses_push(JsonbParseState **st, const pg_uuid_t *workspace, List *ids);

/*
 * The tail every dialect's response query ends with: lk.ids, the task's
 * linked record ids grouped by relation ({"contact": [...], ...}, ids in
 * order), and the key of the task (t, $1 workspace, $2 id).
 */
#define DIALECT_RESPONSE_LINKS_AND_KEY \
"  CROSS JOIN LATERAL (SELECT jsonb_object_agg(g.relation, g.ids)" \
"					   FROM (SELECT l.relation, jsonb_agg(l.record_id ORDER BY l.record_id) AS ids" \
"							   FROM tasks.task_links l" \
"							  WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id" \
"							  GROUP BY l.relation) AS g) AS lk(ids)" \
" WHERE t.workspace_id = $1 AND t.id = $2"

/*
 * Defines tasks_<d>_response, the C function behind tasks._<d>_response,
 * sharing the dialect's kept plan <d>_response_plan and text <d>_response_sql.
 */
#define TASKS_DIALECT_RESPONSE(d) \
PG_FUNCTION_INFO_V1(tasks_##d##_response); \
Datum \
tasks_##d##_response(PG_FUNCTION_ARGS) \
{ \
	return dialect_response_sql(fcinfo, &d##_response_plan, d##_response_sql); \
}

/* Defines <d>_responses_push (see dialect_responses_push) over <d>_response_sql. */
#define TASKS_DIALECT_RESPONSES(d) \
void \
d##_responses_push(JsonbParseState **st, const pg_uuid_t *workspace, List *ids) \
{ \
	static SPIPlanPtr batch_plan = NULL; \
\
	dialect_responses_push(st, &batch_plan, d##_response_sql, workspace, ids); \
}

/*
 * Raises the vendor error: SQLSTATE PT<status> (PostgREST answers that HTTP
 * status), message, and the vendor body as JSON in DETAIL.
 */
extern void dialect_raise(int http_status, const char *message, const char *body_json) pg_attribute_noreturn();

/* Appends any JsonbValue as JSON text. */
extern void json_append_value(StringInfo buf, const JsonbValue *v);

/* A string member as a NUL-terminated copy, or NULL when absent/null/not a string. */
extern char *jsonb_string_dup(const JsonbValue *v);

/* ------------------------------------------------------------------------
 * http.c: endpoints served through PostgREST
 * ------------------------------------------------------------------------
 */

/* Does the work; raises PT<status> (vendor body in DETAIL) or 22023 on failure. */
typedef Datum (*EndpointImpl) (Jsonb *body, pg_uuid_t *task_id);

typedef struct Endpoint
{
	const char *dialect;		/* error-body shape: "v1", "leadlex", ... */
	const char *operation;		/* idempotency scope ("leadlex.task.create"); NULL: none (reads) */
	int			success_status; /* HTTP status of a success */
	const char *location;		/* Location header format taking the task id, or NULL */
	EndpointImpl impl;
} Endpoint;

/*
 * From SQL: runs impl.  From PostgREST (request.method set): checks the
 * credential, honours Idempotency-Key, runs impl in a subtransaction and
 * answers vendor errors with their status and body (nothing written).
 */
extern Datum endpoint_serve(const Endpoint *ep, Jsonb *body);

/*
 * Defines the SQL entry point tasks_<d>.task_create(jsonb): <d>_create served
 * through endpoint_serve, answering success_status over HTTP.
 */
#define TASKS_DIALECT_CREATE(d, status) \
static const Endpoint d##_create_endpoint = { \
	.dialect = #d, .operation = #d ".task.create", .success_status = (status), \
	.location = NULL, .impl = d##_create \
}; \
PG_FUNCTION_INFO_V1(tasks_##d##_task_create); \
Datum \
tasks_##d##_task_create(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_DATUM(endpoint_serve(&d##_create_endpoint, PG_GETARG_JSONB_P(0))); \
}

#endif							/* TASKS_H */
