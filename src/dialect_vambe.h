/*-------------------------------------------------------------------------
 *
 * dialect_vambe.h
 *	  The Vambe readers, reference checks and error shapes that the create
 *	  (dialect_vambe.c) and the update (task_update.c) share.
 *
 * Problems carry the Vambe field as their path and a code that picks the
 * HTTP status vambe_raise answers with: VAMBE_INVALID (400, all of them
 * listed) before VAMBE_NOT_FOUND (404).  The readers take patch: false for a
 * create (required fields required, defaults written), true for an update
 * (every field optional, null leaves it unchanged unless said otherwise).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DIALECT_VAMBE_H
#define DIALECT_VAMBE_H

#include "tasks.h"

/* Problem codes: which HTTP status a problem answers with. */
#define VAMBE_INVALID			"validation"
#define VAMBE_NOT_FOUND			"not_found"

/* Records a Vambe validation problem (field, message). */
#define vambe_invalid(p, field, ...) problem_add((p), (field), VAMBE_INVALID, __VA_ARGS__)

/*
 * Reads an optional string-or-null field: NULL when absent or null; a
 * non-string sets *bad (when given) and records message (when p and message
 * are given).
 */
extern char *vambe_string(Jsonb *body, const char *field, const char *message, TaskProblems *p,
						  bool *bad);

/* A UUID in its canonical 8-4-4-4-12 form (any version) as lower-case text, else NULL. */
extern char *vambe_uuid(const char *s);

/* title (1..500 characters; required unless patch) and description (string or null). */
extern void vambe_texts(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p);

/* priority: the strings "0", "1", "2" (required unless patch). */
extern void vambe_priority(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p);

/*
 * dueDate, dueTime, timezone into due_date or due_at, and timezone.  A patch
 * with dueDate null (and no dueTime) clears all three, and an all-day due
 * date clears the zone unless one is given.
 */
extern void vambe_due(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p);

/*
 * responsibleIds: 1..100 UUIDs, repeats counted once, appended to *ids with
 * their field ("responsibleIds[<i>]") to *fields.  Required unless patch.
 * Returns whether a list of a valid size was given.
 */
extern bool vambe_responsibles(Jsonb *body, bool patch, List **ids, List **fields, TaskProblems *p);

/* aiContactId / aiCustomerId: a UUID (canonical text) or NULL when absent, null or invalid (reported). */
extern char *vambe_record_id(Jsonb *body, const char *field, const char *label, TaskProblems *p);

/*
 * associateToCalendar: a boolean kept in metadata.vambe; a create writes
 * "metadata" (false when absent or null), a patch "metadata_merge" when given.
 */
extern void vambe_calendar(Jsonb *body, DialectContext *ctx, bool patch, TaskProblems *p);

/* Raises the Vambe error for p: 401, else 400 (validation), else 404. */
extern void vambe_raise(const TaskProblems *p) pg_attribute_noreturn();

/* Runs a kept read-only plan; the caller reads SPI_tuptable. */
extern void vambe_query(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types, Datum *values,
						const char *nulls);

/* The caller must be an active member: Vambe's API key stands for a user (401 otherwise). */
extern void vambe_check_caller(const DialectContext *ctx);

/* Responsibles (uuid texts, with their fields) must be active users (not agents) of the organisation. */
extern void vambe_check_responsibles(const DialectContext *ctx, List *ids, List *fields,
									 TaskProblems *p);

/* The contact and the customer (uuid texts or NULL) must be live records of their kind. */
extern void vambe_check_records(const DialectContext *ctx, const char *contact_id,
								const char *customer_id, TaskProblems *p);

#endif							/* DIALECT_VAMBE_H */
