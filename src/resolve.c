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
 *		Both tiers are one statement; the record kind is checked only
 *		when neither matched.
 *	 d. A query with fewer than 3 letters or digits is never matched
 *		fuzzily: its trigrams are few and common, so the GIN scan would
 *		recheck most of the workspace and the scores mean little.  It is
 *		NOT_FOUND, with up to 5 suggestions whose name_key starts with the
 *		query key, read from a bounded b-tree range (none when no cheap
 *		bound exists, e.g. for a key ending in "9" only).
 *	 e. Fuzzy tier.  Candidates are gathered through the workspace's word
 *		vocabulary (tasks.name_words, trigram GIN) and word postings
 *		(tasks.name_postings, b-tree), both kept by triggers on
 *		tasks.records, under fixed caps (see fuzzy_statement), so the work
 *		does not grow with the workspace.  Each candidate must pass
 *		similarity(name_norm, q) >= 0.3 or strict_word_similarity(q,
 *		name_norm) >= 0.5 and is scored greatest(similarity(name_norm, q),
 *		0.9 * strict_word_similarity(q, name_norm)); the best
 *		RESOLVE_MAX_CANDIDATES by score then id are kept.  pg_trgm's
 *		thresholds are pinned to 0.3 and 0.5 for the query, whatever the
 *		caller SET.  Scores are rounded to 3 decimals before deciding, so
 *		the decision matches the scores reported:
 *		  best >= 0.5 and (no runner-up or runner-up <= best - 0.1): RESOLVED
 *		  "fuzzy"; otherwise any candidate: AMBIGUOUS (those >= 0.3, best
 *		  first); none: NOT_FOUND with no suggestions.
 *
 * The exact and folded tiers read records_name_fold_idx directly (see
 * fetch_equal_tiers: an SPI statement's executor start-up cost more than
 * the lookup).  Every other statement is prepared once per backend and kept
 * (SPI_keepplan), takes only parameters, schema-qualifies every table,
 * function, operator, type and collation, and runs read-only.  pg_trgm is relocatable, so its
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
#include "access/relscan.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
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
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* Most candidates listed for an ambiguous answer. */
#define RESOLVE_MAX_CANDIDATES	10
/* Most suggestions for a short query. */
#define RESOLVE_MAX_SUGGESTIONS	5
/* Fewest letters/digits for fuzzy matching. */
#define RESOLVE_MIN_FUZZY_CHARS	3
/* Fuzzy candidates: vocabulary words per query word, records per such word. */
#define RESOLVE_VOCAB_PER_WORD		8
#define RESOLVE_POSTINGS_PER_WORD	32
/* Whole-name combinations: most query words, best words per query word. */
#define RESOLVE_COMBO_MAX_WORDS		4
#define RESOLVE_COMBO_PER_WORD		3

/* Decision thresholds, in thousandths (scores are rounded to 3 decimals). */
#define RESOLVE_MIN_SCORE		500 /* best fuzzy score to resolve */
#define RESOLVE_MIN_MARGIN		100 /* lead over the runner-up */
#define RESOLVE_MIN_CANDIDATE	300 /* lowest score listed */

/* pg_trgm's thresholds during the fuzzy query (match the cut-offs above). */
#define TRGM_SIMILARITY_THRESHOLD	"0.3"
#define TRGM_STRICT_WORD_THRESHOLD	"0.5"

/*
 * The kind check, needed only when no record matched: a live record of the
 * kind proves the kind exists (records.kind references record_kinds).
 */
static const char *const kind_sql =
"SELECT 1 FROM tasks.record_kinds k WHERE k.kind OPERATOR(pg_catalog.=) $1";

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
static SPIPlanPtr kind_plan = NULL;
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

	/*
	 * Candidates come from the vocabulary, not from a trigram scan of every
	 * name.  Each query word (qw, in query order) picks its
	 * RESOLVE_VOCAB_PER_WORD most similar words of the workspace's names
	 * (tasks.name_words: a few thousand rows even for a million records),
	 * ranked by similarity, then word.  Candidates are then
	 *  - the RESOLVE_POSTINGS_PER_WORD oldest live records of each such word
	 *    (tasks.name_postings, b-tree order), and
	 *  - for queries of up to RESOLVE_COMBO_MAX_WORDS words, the records whose
	 *    whole name is a combination of the RESOLVE_COMBO_PER_WORD best words
	 *    of each query word (name_key = the combination's words sorted in byte
	 *    order, as tasks.name_key sorts them; b-tree records_name_key_idx):
	 *    this finds "Mia Walter" for "Mia Wlter" however many records contain
	 *    "mia" or "walter".
	 * Only those records are scored, with the same score and candidate test
	 * as a scan of every name would use (the test is spelled with the
	 * functions, not the operators % and <<%, and each candidate is read by
	 * primary key in a LATERAL subquery the planner cannot flatten, so that
	 * it never prefers scanning the records' trigram index); the caps make
	 * the work independent of the workspace's size and the choice
	 * deterministic.
	 */
	appendStringInfo(&sql,
					 "WITH RECURSIVE qw AS ("
					 "  SELECT q.w, q.n FROM pg_catalog.unnest(pg_catalog.string_to_array($3, ' '))"
					 "    WITH ORDINALITY AS q(w, n)),"
					 " m AS MATERIALIZED ("
					 "  SELECT qw.n, v.word, v.rk FROM qw CROSS JOIN LATERAL"
					 "   (SELECT x.word, pg_catalog.row_number() OVER () AS rk FROM"
					 "     (SELECT nw.word FROM tasks.name_words nw"
					 "       WHERE nw.workspace_id OPERATOR(pg_catalog.=) $1"
					 "         AND nw.kind OPERATOR(pg_catalog.=) $2"
					 "         AND nw.word OPERATOR(%s.%%) qw.w"
					 "       ORDER BY %s.similarity(nw.word, qw.w) DESC,"
					 "                nw.word COLLATE pg_catalog.\"C\""
					 "       LIMIT %d) x) v),"
					 " combo (n, words) AS ("
					 "  SELECT m.n, ARRAY[m.word] FROM m"
					 "   WHERE m.n OPERATOR(pg_catalog.=) 1 AND m.rk OPERATOR(pg_catalog.<=) %d"
					 "     AND (SELECT pg_catalog.count(*) FROM qw) OPERATOR(pg_catalog.<=) %d"
					 "  UNION ALL"
					 "  SELECT m.n, c.words OPERATOR(pg_catalog.||) m.word FROM combo c JOIN m"
					 "    ON m.n OPERATOR(pg_catalog.=) (c.n OPERATOR(pg_catalog.+) 1)"
					 "   AND m.rk OPERATOR(pg_catalog.<=) %d),"
					 " k AS MATERIALIZED ("
					 "  SELECT p.record_id FROM (SELECT DISTINCT m.word FROM m) mw CROSS JOIN LATERAL"
					 "   (SELECT np.record_id FROM tasks.name_postings np"
					 "     WHERE np.workspace_id OPERATOR(pg_catalog.=) $1"
					 "       AND np.kind OPERATOR(pg_catalog.=) $2"
					 "       AND np.word OPERATOR(pg_catalog.=) mw.word"
					 "     ORDER BY np.record_id LIMIT %d) p"
					 "  UNION"
					 "  SELECT r.id FROM tasks.records r"
					 "   WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
					 "     AND r.kind OPERATOR(pg_catalog.=) $2"
					 "     AND r.deleted_at IS NULL"
					 "     AND r.name_key OPERATOR(pg_catalog.=) ANY (ARRAY("
					 "       SELECT pg_catalog.array_to_string(ARRAY("
					 "                SELECT u.w FROM pg_catalog.unnest(c.words) AS u(w)"
					 "                 ORDER BY u.w COLLATE pg_catalog.\"C\"), ' ')"
					 "         FROM combo c"
					 "        WHERE c.n OPERATOR(pg_catalog.=) (SELECT pg_catalog.count(*) FROM qw))))"
					 "SELECT c.id, c.name, c.score FROM k CROSS JOIN LATERAL ("
					 "  SELECT r.id, r.name,"
					 "    GREATEST(%s.similarity(r.name_norm, $3)::pg_catalog.float8,"
					 "             0.9::pg_catalog.float8 OPERATOR(pg_catalog.*)"
					 "             %s.strict_word_similarity($3, r.name_norm)::pg_catalog.float8)"
					 "      AS score"
					 "    FROM tasks.records r"
					 "   WHERE r.workspace_id OPERATOR(pg_catalog.=) $1"
					 "     AND r.id OPERATOR(pg_catalog.=) k.record_id"
					 "     AND r.kind OPERATOR(pg_catalog.=) $2"
					 "     AND r.deleted_at IS NULL"
					 "     AND (%s.similarity(r.name_norm, $3)::pg_catalog.float8"
					 "            OPERATOR(pg_catalog.>=) " TRGM_SIMILARITY_THRESHOLD "::pg_catalog.float8"
					 "          OR %s.strict_word_similarity($3, r.name_norm)::pg_catalog.float8"
					 "            OPERATOR(pg_catalog.>=) " TRGM_STRICT_WORD_THRESHOLD "::pg_catalog.float8)"
					 "  OFFSET 0) c"
					 " ORDER BY c.score DESC, c.id LIMIT %d",
					 s, s, RESOLVE_VOCAB_PER_WORD,
					 RESOLVE_COMBO_PER_WORD, RESOLVE_COMBO_MAX_WORDS, RESOLVE_COMBO_PER_WORD,
					 RESOLVE_POSTINGS_PER_WORD,
					 s, s, s, s, RESOLVE_MAX_CANDIDATES);
	/*
	 * A generic plan from the first call on: the statement's shape does not
	 * depend on the values, and planning it afresh (a custom plan for each of
	 * the first calls) costs more than running it.
	 */
	store_plan_generic(&fuzzy_plan, sql.data, 3, argtypes);
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

/*
 * Keeps the RESOLVE_MAX_CANDIDATES oldest ids offered: inserts c into the
 * id-ordered array list (n entries), dropping the newest when full.
 */
static void
keep_oldest(ResolveCandidate *list, int *n, const ResolveCandidate *c)
{
	int			pos = *n;

	while (pos > 0 && memcmp(&list[pos - 1].id, &c->id, sizeof(pg_uuid_t)) > 0)
		pos--;
	if (pos >= RESOLVE_MAX_CANDIDATES)
		return;
	if (*n == RESOLVE_MAX_CANDIDATES)
		(*n)--;					/* the newest falls off */
	memmove(&list[pos + 1], &list[pos], sizeof(ResolveCandidate) * (*n - pos));
	list[pos] = *c;
	(*n)++;
}

/* The snapshot a statement of the caller would read with. */
static Snapshot
read_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

/* The attribute number of a column of tasks.records (raises if missing). */
static AttrNumber
records_attnum(Relation rel, const char *column)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), column);

	if (attnum == InvalidAttrNumber)
		elog(ERROR, "column \"%s\" of tasks.records not found", column);
	return attnum;
}

/*
 * The exact and folded tiers in one pass over records_name_fold_idx, the
 * common case of a lookup, read directly through the index rather than by
 * an SPI statement (whose executor start-up cost more than the lookup).  A
 * record whose name_key equals the query's has the same words, so its
 * name_fold equals the query's too: the exact matches are among the
 * folded ones.  Every match of (workspace, kind, name_fold) is visited (as
 * a sorted statement would) and the oldest RESOLVE_MAX_CANDIDATES ids of
 * each tier are kept.  Returns the exact matches, or when there is none
 * the folded ones, id order, copied into cxt; *is_exact says which.
 *
 * Runs as the extension's owner like every lookup here (no row level
 * security; the workspace is a scan key), with the caller's snapshot.
 */
static int
fetch_equal_tiers(const pg_uuid_t *workspace, const char *kind,
				  const char *qkey, const char *qfold, MemoryContext cxt,
				  ResolveCandidate **out, bool *is_exact)
{
	Oid			nsp = get_namespace_oid("tasks", false);
	Oid			relid = get_relname_relid("records", nsp);
	Oid			indexid = get_relname_relid("records_name_fold_idx", nsp);
	Relation	rel;
	Relation	index;
	ScanKeyData keys[3];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_id,
				att_name,
				att_key,
				att_deleted;
	ResolveCandidate *exact;
	ResolveCandidate *folded;
	int			nexact = 0;
	int			nfolded = 0;
	size_t		keylen = strlen(qkey);

	if (!OidIsValid(relid) || !OidIsValid(indexid))
		elog(ERROR, "tasks.records or its index records_name_fold_idx is missing");
	rel = table_open(relid, AccessShareLock);
	index = index_open(indexid, AccessShareLock);
	if (index->rd_index->indrelid != relid || index->rd_index->indnkeyatts != 3)
		elog(ERROR, "index records_name_fold_idx is not (workspace_id, kind, name_fold) on tasks.records");
	att_id = records_attnum(rel, "id");
	att_name = records_attnum(rel, "name");
	att_key = records_attnum(rel, "name_key");
	att_deleted = records_attnum(rel, "deleted_at");

	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[0], F_UUID_EQ,
						   UUIDPGetDatum(unconstify(pg_uuid_t *, workspace)));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[1], F_TEXTEQ,
						   CStringGetTextDatum(kind));
	ScanKeyEntryInitialize(&keys[2], 0, 3, BTEqualStrategyNumber, InvalidOid,
						   index->rd_indcollation[2], F_TEXTEQ,
						   CStringGetTextDatum(qfold));

	exact = MemoryContextAllocZero(cxt, sizeof(ResolveCandidate) * RESOLVE_MAX_CANDIDATES);
	folded = MemoryContextAllocZero(cxt, sizeof(ResolveCandidate) * RESOLVE_MAX_CANDIDATES);
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, index, read_snapshot(), 3, 0);
	index_rescan(scan, keys, 3, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		ResolveCandidate c;
		bool		isnull;
		text	   *key;
		bool		exact_match;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		/* The index is partial on deleted_at IS NULL; the visible row agrees. */
		(void) slot_getattr(slot, att_deleted, &isnull);
		if (!isnull)
			continue;
		key = DatumGetTextPP(slot_getattr(slot, att_key, &isnull));
		exact_match = !isnull && VARSIZE_ANY_EXHDR(key) == keylen &&
			memcmp(VARDATA_ANY(key), qkey, keylen) == 0;
		if (nexact > 0 && !exact_match)
			continue;			/* folded matches no longer matter */
		memcpy(&c.id, DatumGetUUIDP(slot_getattr(slot, att_id, &isnull)), sizeof(pg_uuid_t));
		c.score = 1.0;
		old = MemoryContextSwitchTo(cxt);
		c.name = TextDatumGetCString(slot_getattr(slot, att_name, &isnull));
		MemoryContextSwitchTo(old);
		if (exact_match)
			keep_oldest(exact, &nexact, &c);
		else
			keep_oldest(folded, &nfolded, &c);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);

	*is_exact = nexact > 0;
	*out = *is_exact ? exact : folded;

	index_close(index, AccessShareLock);
	table_close(rel, AccessShareLock);
	return *is_exact ? nexact : nfolded;
}

/* Whether kind is a row of tasks.record_kinds. */
static bool
record_kind_known(const char *kind)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	bool		known;

	values[0] = CStringGetTextDatum(kind);
	if (SPI_execute_plan(store_plan(&kind_plan, kind_sql, 1, argtypes),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "record kind lookup failed");
	known = (SPI_processed > 0);
	SPI_freetuptable(SPI_tuptable);
	return known;
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
 * Returns false, with out INVALID, when kind is not a record kind.
 */
static bool
resolve_record_scoped(const pg_uuid_t *workspace, const char *kind,
					  const char *name, int len, ResolveResult *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum		values[4];
	char	   *qnorm;
	char	   *qkey;
	ResolveCandidate *cands;
	int			n;
	bool		is_exact;
	bool		known = true;

	memset(out, 0, sizeof(ResolveResult));
	out->status = RESOLVE_INVALID;

	/* a. Normalize; nothing to match, or longer than any record name. */
	if (len > TASKS_MAX_NAME * pg_database_encoding_max_length() ||
		pg_mbstrlen_with_len(name, len) > TASKS_MAX_NAME)
	{
		known = record_kind_known(kind);
		goto done;
	}
	qnorm = name_normalize(name, len);
	if (qnorm[0] == '\0')
	{
		known = record_kind_known(kind);
		goto done;
	}

	values[0] = UUIDPGetDatum(unconstify(pg_uuid_t *, workspace));
	values[1] = CStringGetTextDatum(kind);

	/* b, c. Exact and folded tiers, one index scan. */
	qkey = name_key(qnorm, strlen(qnorm));
	n = fetch_equal_tiers(workspace, kind, qkey, name_fold(qnorm, strlen(qnorm)), cxt,
						  &cands, &is_exact);
	if (n > 0)
	{
		decide_equal_tier(out, is_exact ? "exact" : "folded", cands, n);
		goto done;
	}
	known = record_kind_known(kind);
	if (!known)
		goto done;

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
	return known;
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

/* Pushes an object key (a C string literal). */
static void
push_jsonb_key(JsonbParseState **st, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = unconstify(char *, key);
	v.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &v);
}

/* Pushes a string value (len bytes), or null for NULL. */
static void
push_jsonb_text(JsonbParseState **st, const char *s, int len)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = unconstify(char *, s);
		v.val.string.len = len;
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* Pushes a uuid as a string value. */
static void
push_jsonb_uuid(JsonbParseState **st, const pg_uuid_t *id)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(uuid_out,
														UUIDPGetDatum(unconstify(pg_uuid_t *, id))));

	push_jsonb_text(st, s, strlen(s));
}

/* Pushes a score as the number append_score() spells (same value and scale). */
static void
push_jsonb_score(JsonbParseState **st, double score)
{
	int			m = score_milli(score);
	JsonbValue	v;

	v.type = jbvNumeric;
	if (m % 1000 == 0)
		v.val.numeric = int64_to_numeric(m / 1000);	/* 1 and 0: the equal tiers */
	else
	{
		StringInfoData buf;

		initStringInfo(&buf);
		append_score(&buf, score);
		v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
															ObjectIdGetDatum(InvalidOid),
															Int32GetDatum(-1)));
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * The answer of tasks.resolve() as jsonb, built directly (no JSON text to
 * parse back): {"query", "normalized", "status", "method", "id", "name",
 * "score", "candidates"}, the same values resolve_result_json() writes.
 * normalized NULL gives null.
 */
Jsonb *
resolve_result_jsonb(const char *query, int query_len, const char *normalized,
					 const ResolveResult *r)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	bool		resolved = (r->status == RESOLVE_RESOLVED);
	const char *status = status_name(r->status);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_jsonb_key(&st, "query");
	push_jsonb_text(&st, query, query_len);
	push_jsonb_key(&st, "normalized");
	push_jsonb_text(&st, normalized, normalized ? strlen(normalized) : 0);
	push_jsonb_key(&st, "status");
	push_jsonb_text(&st, status, strlen(status));
	push_jsonb_key(&st, "method");
	push_jsonb_text(&st, r->method, r->method ? strlen(r->method) : 0);
	push_jsonb_key(&st, "id");
	if (resolved)
		push_jsonb_uuid(&st, &r->best.id);
	else
		push_jsonb_text(&st, NULL, 0);
	push_jsonb_key(&st, "name");
	push_jsonb_text(&st, resolved ? r->best.name : NULL,
					resolved ? strlen(r->best.name) : 0);
	push_jsonb_key(&st, "score");
	if (resolved)
		push_jsonb_score(&st, r->best.score);
	else
		push_jsonb_text(&st, NULL, 0);
	push_jsonb_key(&st, "candidates");
	(void) pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < r->ncandidates; i++)
	{
		const ResolveCandidate *c = &r->candidates[i];

		CHECK_FOR_INTERRUPTS();
		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_jsonb_key(&st, "id");
		push_jsonb_uuid(&st, &c->id);
		push_jsonb_key(&st, "name");
		push_jsonb_text(&st, c->name, strlen(c->name));
		push_jsonb_key(&st, "score");
		push_jsonb_score(&st, c->score);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
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
static bool
resolve_record_as_owner(const pg_uuid_t *workspace, const char *kind,
						const char *name, int len, ResolveResult *out)
{
	Oid			save_user;
	int			save_sec;
	bool		known;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(tasks_extension_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	known = resolve_record_scoped(workspace, kind, name, len, out);
	SetUserIdAndSecContext(save_user, save_sec);
	return known;
}

/* Resolves a name of a kind the caller has checked (see above). */
void
resolve_record(const pg_uuid_t *workspace, const char *kind,
			   const char *name, int len, ResolveResult *out)
{
	(void) resolve_record_as_owner(workspace, kind, name, len, out);
}

/*
 * As resolve_record, and raises 22023 unless kind is a row of
 * tasks.record_kinds; the check rides on the lookup's own statement.
 */
void
resolve_record_checked(const pg_uuid_t *workspace, const char *kind,
					   const char *name, int len, ResolveResult *out)
{
	if (!resolve_record_as_owner(workspace, kind, name, len, out))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown record kind \"%s\"", kind),
				 errhint("Record kinds are the rows of tasks.record_kinds.")));
}
