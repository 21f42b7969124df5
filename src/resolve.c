/*-------------------------------------------------------------------------
 *
 * resolve.c
 *	  Record name -> id within one workspace and kind, over pg_trgm.
 *
 * A wrong link is the worst outcome: when unsure, refuse.  The resolver
 * therefore answers "ambiguous" or "not found" (with candidates) rather than
 * guess.  Only live rows (deleted_at IS NULL) of the caller's workspace and
 * the requested kind are ever read.
 *
 *	 a. q_norm = name_normalize(name).  Empty, or a name longer than any
 *		record name can be (TASKS_MAX_NAME characters): INVALID.
 *	 b. Exact tier: name_key = name_key(q) (b-tree records_name_key_idx).
 *		One row: RESOLVED "exact", score 1.  Several: AMBIGUOUS, listing up
 *		to RESOLVE_MAX_CANDIDATES of them (oldest id first), score 1.
 *	 c. Folded tier: the same on name_fold (ae/oe/ue folded), "folded".
 *	 d. A query with fewer than 3 letters or digits is never matched
 *		fuzzily: its trigrams are few and common, so the GIN scan would
 *		recheck most of the workspace and the scores mean little.  It is
 *		NOT_FOUND, with up to 5 suggestions whose name_key starts with the
 *		query key, read from a bounded b-tree range (none when no cheap
 *		bound exists, e.g. for a key ending in "9" only).
 *	 e. Fuzzy tier over the GIN index (workspace_id, kind, name_norm
 *		gin_trgm_ops): candidates name_norm % q OR q <<% name_norm, scored
 *		greatest(similarity(name_norm, q), 0.9 * strict_word_similarity(q,
 *		name_norm)), best RESOLVE_MAX_CANDIDATES by score then id.  The
 *		thresholds the index scan reads are pinned to 0.3 and 0.5 for the
 *		query, whatever the caller SET.  Scores are rounded to 3 decimals
 *		before deciding, so the decision matches the scores reported:
 *		  best >= 0.5 and (no runner-up or runner-up <= best - 0.1): RESOLVED
 *		  "fuzzy"; otherwise any candidate: AMBIGUOUS (those >= 0.3, best
 *		  first); none: NOT_FOUND with no suggestions.
 *
 * Every statement is prepared once per backend and kept (SPI_keepplan),
 * takes only parameters, schema-qualifies every table, function, operator,
 * type and collation, and runs read-only.  pg_trgm is relocatable, so its
 * schema is read from pg_extension rather than trusted to search_path; it is
 * re-read on every fuzzy lookup (one catalog index probe) and the statement
 * rebuilt if pg_trgm moved.
 *
 * Memory: resolve_record runs inside the caller's SPI connection.  Every
 * result (candidate arrays and names) is allocated in the memory context
 * that was current when resolve_record was called, normally SPI's procedure
 * context, which lives until the caller's SPI_finish; a caller that needs
 * the result afterwards must copy it out first (or switch to a longer-lived
 * context before calling).  SPI calls leave SPI's procedure context current;
 * resolve_record restores the caller's context before returning.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* Most candidates listed for an ambiguous answer. */
#define RESOLVE_MAX_CANDIDATES	10
/* Most suggestions for a short query. */
#define RESOLVE_MAX_SUGGESTIONS	5
/* Fewest letters/digits for fuzzy matching. */
#define RESOLVE_MIN_FUZZY_CHARS	3

/* Decision thresholds, in thousandths (scores are rounded to 3 decimals). */
#define RESOLVE_MIN_SCORE		500 /* best fuzzy score to resolve */
#define RESOLVE_MIN_MARGIN		100 /* lead over the runner-up */
#define RESOLVE_MIN_CANDIDATE	300 /* lowest score listed */

/* pg_trgm's thresholds during the fuzzy query (match the cut-offs above). */
#define TRGM_SIMILARITY_THRESHOLD	"0.3"
#define TRGM_STRICT_WORD_THRESHOLD	"0.5"

static const char *const exact_sql =
"SELECT r.id, r.name FROM tasks.records r"
" WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
"   AND r.kind OPERATOR(pg_catalog.=) $2"
"   AND r.deleted_at IS NULL"
"   AND r.name_key OPERATOR(pg_catalog.=) $3"
" ORDER BY r.id LIMIT " CppAsString2(RESOLVE_MAX_CANDIDATES);

static const char *const folded_sql =
"SELECT r.id, r.name FROM tasks.records r"
" WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
"   AND r.kind OPERATOR(pg_catalog.=) $2"
"   AND r.deleted_at IS NULL"
"   AND r.name_fold OPERATOR(pg_catalog.=) $3"
" ORDER BY r.id LIMIT " CppAsString2(RESOLVE_MAX_CANDIDATES);

/*
 * The inner query walks the b-tree range [$3, $4) in index order and stops
 * after 50 rows; starts_with() then keeps the true prefix matches (the range
 * is in the database collation, the prefix test in bytes).
 */
static const char *const prefix_sql =
"SELECT s.id, s.name FROM ("
"  SELECT r.id, r.name, r.name_key FROM tasks.records r"
"   WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
"     AND r.kind OPERATOR(pg_catalog.=) $2"
"     AND r.deleted_at IS NULL"
"     AND r.name_key OPERATOR(pg_catalog.>=) $3"
"     AND r.name_key OPERATOR(pg_catalog.<) $4"
"   ORDER BY r.name_key LIMIT 50) s"
" WHERE pg_catalog.starts_with(s.name_key, $3)"
" ORDER BY s.name_key COLLATE pg_catalog.\"C\", s.id"
" LIMIT " CppAsString2(RESOLVE_MAX_SUGGESTIONS);

/* Kept plans, one per statement, for the life of the backend. */
static SPIPlanPtr exact_plan = NULL;
static SPIPlanPtr folded_plan = NULL;
static SPIPlanPtr prefix_plan = NULL;
static SPIPlanPtr fuzzy_plan = NULL;

/* The pg_trgm schema the fuzzy plan was built for. */
static Oid	trgm_schema_oid = InvalidOid;
static char *trgm_schema_name = NULL;
static bool trgm_loaded = false;

/* The namespace pg_trgm is installed in (raises if it is not installed). */
static Oid
trgm_namespace(void)
{
	Oid			extoid = get_extension_oid("pg_trgm", false);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		elog(ERROR, "could not read the schema of extension \"pg_trgm\"");
	return nsp;
}

/*
 * Loads pg_trgm's library through its similarity() function, so that its
 * threshold settings are defined before we set them.
 */
static void
trgm_load_library(const char *schema)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	List	   *fname = list_make2(makeString(pstrdup(schema)),
								   makeString(pstrdup("similarity")));
	FmgrInfo	finfo;

	fmgr_info(LookupFuncName(fname, 2, argtypes, false), &finfo);
	trgm_loaded = true;
}

/*
 * The fuzzy statement, built for pg_trgm's current schema: rebuilt when
 * pg_trgm was moved or its schema renamed since the last call.
 */
static SPIPlanPtr
fuzzy_statement(void)
{
	Oid			argtypes[3] = {UUIDOID, TEXTOID, TEXTOID};
	Oid			nsp = trgm_namespace();
	char	   *nspname = get_namespace_name(nsp);
	const char *s;
	StringInfoData sql;

	if (nspname == NULL)
		elog(ERROR, "schema of extension \"pg_trgm\" not found");
	if (fuzzy_plan != NULL &&
		(nsp != trgm_schema_oid || strcmp(nspname, trgm_schema_name) != 0))
	{
		SPI_freeplan(fuzzy_plan);
		fuzzy_plan = NULL;
	}
	if (fuzzy_plan != NULL)
		return fuzzy_plan;

	s = quote_identifier(nspname);
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT c.id, c.name, c.score FROM ("
					 "  SELECT r.id, r.name,"
					 "    GREATEST(%s.similarity(r.name_norm, $3)::pg_catalog.float8,"
					 "             0.9::pg_catalog.float8 OPERATOR(pg_catalog.*)"
					 "             %s.strict_word_similarity($3, r.name_norm)::pg_catalog.float8)"
					 "      AS score"
					 "    FROM tasks.records r"
					 "   WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
					 "     AND r.kind OPERATOR(pg_catalog.=) $2"
					 "     AND r.deleted_at IS NULL"
					 "     AND (r.name_norm OPERATOR(%s.%%) $3"
					 "          OR $3 OPERATOR(%s.<<%%) r.name_norm)) c"
					 " ORDER BY c.score DESC, c.id LIMIT %d",
					 s, s, s, s, RESOLVE_MAX_CANDIDATES);
	store_plan(&fuzzy_plan, sql.data, 3, argtypes);
	pfree(sql.data);

	if (trgm_schema_name != NULL)
		pfree(trgm_schema_name);
	trgm_schema_name = MemoryContextStrdup(TopMemoryContext, nspname);
	trgm_schema_oid = nsp;
	if (!trgm_loaded)
		trgm_load_library(nspname);
	return fuzzy_plan;
}

/* A score rounded to thousandths, as an integer. */
static inline int
score_milli(double score)
{
	return (int) rint(score * 1000.0);
}

/*
 * Runs a kept plan and copies its rows (id, name[, score]) into cxt.
 * Without a score column every row gets fixed_score.  Returns the count.
 */
static int
fetch_candidates(SPIPlanPtr plan, Datum *values, double fixed_score,
				 MemoryContext cxt, ResolveCandidate **out)
{
	int			rc;
	int			n;
	ResolveCandidate *c;
	TupleDesc	desc;
	bool		has_score;

	rc = SPI_execute_plan(plan, values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "name lookup failed: %s", SPI_result_code_string(rc));
	n = (int) SPI_processed;
	desc = SPI_tuptable->tupdesc;
	has_score = desc->natts >= 3;
	c = MemoryContextAllocZero(cxt, sizeof(ResolveCandidate) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		d;
		MemoryContext old;

		d = SPI_getbinval(tup, desc, 1, &isnull);
		memcpy(&c[i].id, DatumGetUUIDP(d), sizeof(pg_uuid_t));
		d = SPI_getbinval(tup, desc, 2, &isnull);
		old = MemoryContextSwitchTo(cxt);
		c[i].name = TextDatumGetCString(d);
		MemoryContextSwitchTo(old);
		if (has_score)
		{
			d = SPI_getbinval(tup, desc, 3, &isnull);
			c[i].score = isnull ? 0.0 : score_milli(DatumGetFloat8(d)) / 1000.0;
		}
		else
			c[i].score = fixed_score;
	}
	SPI_freetuptable(SPI_tuptable);
	*out = c;
	return n;
}

/* Sets out from the rows of an exact or folded tier (n > 0). */
static void
decide_equal_tier(ResolveResult *out, const char *method,
				  ResolveCandidate *cands, int n)
{
	out->method = method;
	if (n == 1)
	{
		out->status = RESOLVE_RESOLVED;
		out->best = cands[0];
	}
	else
	{
		out->status = RESOLVE_AMBIGUOUS;
		out->candidates = cands;
		out->ncandidates = n;
	}
}

/* Sets out from the fuzzy candidates, best first (see the header). */
static void
decide_fuzzy(ResolveResult *out, ResolveCandidate *cands, int n)
{
	int			best;
	int			keep = 0;

	if (n == 0)
	{
		out->status = RESOLVE_NOT_FOUND;
		return;
	}
	best = score_milli(cands[0].score);
	if (best >= RESOLVE_MIN_SCORE &&
		(n == 1 || score_milli(cands[1].score) <= best - RESOLVE_MIN_MARGIN))
	{
		out->status = RESOLVE_RESOLVED;
		out->method = "fuzzy";
		out->best = cands[0];
		return;
	}
	while (keep < n && score_milli(cands[keep].score) >= RESOLVE_MIN_CANDIDATE)
		keep++;
	if (keep == 0)
	{
		out->status = RESOLVE_NOT_FOUND;
		return;
	}
	out->status = RESOLVE_AMBIGUOUS;
	out->method = "fuzzy";
	out->candidates = cands;
	out->ncandidates = keep;
}

/* Letters and digits in a normalized name: its characters but the spaces. */
static int
count_name_chars(const char *norm)
{
	int			n = 0;

	while (*norm)
	{
		if (*norm != ' ')
			n++;
		norm += pg_mblen(norm);
	}
	return n;
}

/*
 * An exclusive upper bound for keys starting with prefix: the prefix with
 * its last ASCII letter or digit incremented after dropping any trailing
 * "z", "9" or non-ASCII characters.  NULL when none is left ("zz", "9").
 */
static char *
prefix_upper_bound(const char *prefix)
{
	char	   *upper = pstrdup(prefix);
	int			len = strlen(upper);

	while (len > 0)
	{
		char		c = upper[len - 1];

		if ((c >= 'a' && c < 'z') || (c >= '0' && c < '9'))
		{
			upper[len - 1] = c + 1;
			upper[len] = '\0';
			return upper;
		}
		len--;
	}
	pfree(upper);
	return NULL;
}

/*
 * Up to RESOLVE_MAX_SUGGESTIONS records whose name_key starts with key, for
 * a query too short to match fuzzily.  Suggestions carry score 0.
 */
static void
suggest_by_prefix(ResolveResult *out, Datum *values, const char *key,
				  MemoryContext cxt)
{
	Oid			argtypes[4] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID};
	char	   *upper = prefix_upper_bound(key);

	out->status = RESOLVE_NOT_FOUND;
	if (upper == NULL)
		return;
	values[2] = CStringGetTextDatum(key);
	values[3] = CStringGetTextDatum(upper);
	out->ncandidates = fetch_candidates(store_plan(&prefix_plan, prefix_sql, 4, argtypes),
										values, 0.0, cxt, &out->candidates);
}

/*
 * Runs the fuzzy statement with pg_trgm's thresholds pinned, so that a
 * caller's SET of them changes neither the index scan nor the candidates.
 *
 * Plain sequential scans are also off while it is planned: pg_trgm's
 * operators claim the default cost of 1, so in a large workspace the planner
 * prefers checking every row (measured: 0.8 s for 50k contacts) to the GIN
 * bitmap scan (6-20 ms).
 */
static int
fuzzy_candidates(Datum *values, MemoryContext cxt, ResolveCandidate **cands)
{
	SPIPlanPtr	plan = fuzzy_statement();
	int			nestlevel;
	int			n;

	nestlevel = NewGUCNestLevel();
	(void) set_config_option("pg_trgm.similarity_threshold",
							 TRGM_SIMILARITY_THRESHOLD,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("pg_trgm.strict_word_similarity_threshold",
							 TRGM_STRICT_WORD_THRESHOLD,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("enable_seqscan", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	n = fetch_candidates(plan, values, 0.0, cxt, cands);
	/* On error, (sub)transaction abort restores the settings instead. */
	AtEOXact_GUC(true, nestlevel);
	return n;
}

/*
 * Resolves name (len bytes, server encoding) to a live record of kind in
 * workspace; see the header comment for the algorithm and memory rules.
 */
static void
resolve_record_scoped(const pg_uuid_t *workspace, const char *kind,
			   const char *name, int len, ResolveResult *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[3] = {UUIDOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char	   *qnorm;
	char	   *qkey;
	ResolveCandidate *cands;
	int			n;

	memset(out, 0, sizeof(ResolveResult));
	out->status = RESOLVE_INVALID;

	/* a. Normalize; nothing to match, or longer than any record name. */
	if (len > TASKS_MAX_NAME * pg_database_encoding_max_length() ||
		pg_mbstrlen_with_len(name, len) > TASKS_MAX_NAME)
		return;
	qnorm = name_normalize(name, len);
	if (qnorm[0] == '\0')
		return;

	values[0] = UUIDPGetDatum(unconstify(pg_uuid_t *, workspace));
	values[1] = CStringGetTextDatum(kind);

	/* b. Exact tier. */
	qkey = name_key(qnorm, strlen(qnorm));
	values[2] = CStringGetTextDatum(qkey);
	n = fetch_candidates(store_plan(&exact_plan, exact_sql, 3, argtypes),
						 values, 1.0, cxt, &cands);
	if (n > 0)
	{
		decide_equal_tier(out, "exact", cands, n);
		goto done;
	}

	/* c. Folded tier. */
	values[2] = CStringGetTextDatum(name_fold(qnorm, strlen(qnorm)));
	n = fetch_candidates(store_plan(&folded_plan, folded_sql, 3, argtypes),
						 values, 1.0, cxt, &cands);
	if (n > 0)
	{
		decide_equal_tier(out, "folded", cands, n);
		goto done;
	}

	/* d. Too short for trigrams: prefix suggestions only. */
	if (count_name_chars(qnorm) < RESOLVE_MIN_FUZZY_CHARS)
	{
		suggest_by_prefix(out, values, qkey, cxt);
		goto done;
	}

	/* e. Fuzzy tier. */
	values[2] = CStringGetTextDatum(qnorm);
	n = fuzzy_candidates(values, cxt, &cands);
	decide_fuzzy(out, cands, n);

done:
	MemoryContextSwitchTo(cxt);
}

/* The JSON name of a status. */
static const char *
status_name(ResolveStatus status)
{
	switch (status)
	{
		case RESOLVE_RESOLVED:
			return "resolved";
		case RESOLVE_AMBIGUOUS:
			return "ambiguous";
		case RESOLVE_NOT_FOUND:
			return "not_found";
		case RESOLVE_INVALID:
			return "invalid";
	}
	return "invalid";			/* keep compiler quiet */
}

/* Appends a score in [0, 1] rounded to 3 decimals, without trailing zeros. */
static void
append_score(StringInfo buf, double score)
{
	int			m = score_milli(score);
	char		digits[8];
	int			len;

	if (m % 1000 == 0)
	{
		appendStringInfo(buf, "%d", m / 1000);
		return;
	}
	len = snprintf(digits, sizeof(digits), "%03d", abs(m % 1000));
	while (len > 0 && digits[len - 1] == '0')
		digits[--len] = '\0';
	appendStringInfo(buf, "%s%d.%s", m < 0 ? "-" : "", abs(m / 1000), digits);
}

/* Appends a C string as a JSON string, or null. */
static void
append_json_text(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		json_append_string(buf, s, strlen(s));
}

/* Appends a uuid as a JSON string. */
static void
append_json_uuid(StringInfo buf, const pg_uuid_t *id)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(uuid_out,
														UUIDPGetDatum(unconstify(pg_uuid_t *, id))));

	json_append_string(buf, s, strlen(s));
	pfree(s);
}

/*
 * The result as a JSON object, keys in a fixed order:
 * {"status", "method", "id", "name", "score", "candidates"}.  id, name and
 * score are null unless resolved; method is null for not_found and invalid.
 */
void
resolve_result_json(StringInfo buf, const ResolveResult *r)
{
	bool		resolved = (r->status == RESOLVE_RESOLVED);

	appendStringInfoString(buf, "{\"status\": ");
	append_json_text(buf, status_name(r->status));
	appendStringInfoString(buf, ", \"method\": ");
	append_json_text(buf, r->method);
	appendStringInfoString(buf, ", \"id\": ");
	if (resolved)
		append_json_uuid(buf, &r->best.id);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"name\": ");
	append_json_text(buf, resolved ? r->best.name : NULL);
	appendStringInfoString(buf, ", \"score\": ");
	if (resolved)
		append_score(buf, r->best.score);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"candidates\": ");
	resolve_candidates_json(buf, r);
	appendStringInfoChar(buf, '}');
}

/* The candidates (or suggestions) as [{"id", "name", "score"}, ...], best first. */
void
resolve_candidates_json(StringInfo buf, const ResolveResult *r)
{
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < r->ncandidates; i++)
	{
		const ResolveCandidate *c = &r->candidates[i];

		if (i > 0)
			appendStringInfoString(buf, ", ");
		appendStringInfoString(buf, "{\"id\": ");
		append_json_uuid(buf, &c->id);
		appendStringInfoString(buf, ", \"name\": ");
		append_json_text(buf, c->name);
		appendStringInfoString(buf, ", \"score\": ");
		append_score(buf, c->score);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoChar(buf, ']');
}

/*
 * Resolves a name inside one workspace (see the file comment).
 *
 * The lookups run as the extension's owner: pg_trgm's operators are not
 * leakproof, so under row level security PostgreSQL would evaluate the
 * policy first and could not use the trigram index (a sequential scan of
 * the records table for every API call).  Every statement filters on the
 * workspace explicitly, and the workspace comes from identity_current(),
 * which checked the caller's right to it.  An error restores the user
 * through (sub)transaction abort.
 */
void
resolve_record(const pg_uuid_t *workspace, const char *kind,
			   const char *name, int len, ResolveResult *out)
{
	Oid			save_user;
	int			save_sec;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(tasks_extension_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	resolve_record_scoped(workspace, kind, name, len, out);
	SetUserIdAndSecContext(save_user, save_sec);
}
