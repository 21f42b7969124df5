/*-------------------------------------------------------------------------
 *
 * dialect_lightfield.h
 *	  The Lightfield readers and error shapes that the create
 *	  (dialect_lightfield.c) and the update (task_update.c) share.
 *
 * Problems carry the Lightfield param as their path and either a 400 code
 * or LF_UNPROCESSABLE (a 422); lightfield_raise answers the one error
 * Lightfield reports.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DIALECT_LIGHTFIELD_H
#define DIALECT_LIGHTFIELD_H

#include "tasks.h"

#define LF_UNPROCESSABLE "unprocessable_content"	/* marks a 422 problem */

/* A relationship a task may be created or updated with. */
typedef struct LightfieldRelation
{
	const char *key;			/* "$account", or a custom slug */
	const char *kind;			/* record kind; NULL for members */
	const char *relation;		/* native link relation */
	bool		has_many;
} LightfieldRelation;

/* Raises 403 forbidden unless the caller holds scope. */
extern void lightfield_require_scope(const DialectContext *ctx, const char *scope);

/* The object container of a member of the body; NULL when absent (reported if required) or not an object. */
extern JsonbContainer *lightfield_object(Jsonb *body, const char *name, bool required,
										 TaskProblems *p);

/*
 * The fields object: unknown keys, then $title, $status, $description and
 * $dueAt into the native payload; *status gets the $status asked for.  A
 * create (patch false) requires $title and $status; a patch takes each
 * field optionally, and null clears $description and $dueAt.
 */
extern void lightfield_fields(JsonbContainer *c, DialectContext *ctx, bool patch,
							  const char **status, TaskProblems *p);

/* The workspace's custom task relationships (LightfieldRelation *), by slug. */
extern List *lightfield_custom_relations(const DialectContext *ctx);

/*
 * Reports the relationship keys that are not in system (a {NULL}-terminated
 * array) or custom: $note and $createdBy are read-only, other $ keys unknown
 * system relationships (system_names lists the known ones in the message),
 * others undefined custom ones.
 */
extern void lightfield_relation_keys(JsonbContainer *c, const LightfieldRelation *system,
									 List *custom, const char *system_names, TaskProblems *p);

/*
 * The distinct ids of a relationship value: a string or an array of
 * strings.  Sets *bad when the value is not one (reported).
 */
extern List *lightfield_ids(const JsonbValue *v, const char *param, bool *bad, TaskProblems *p);

/*
 * The one error Lightfield answers: the first request error (400) in
 * checking order, else the first business-rule error (422).  Relationship
 * problems rank by the place of their param in params (the checking order;
 * with below, a path "<param>/..." ranks with its param), all others first.
 */
extern TaskProblem *lightfield_headline(List *params, bool below, const TaskProblems *p);

/* Raises {"error": {"type", "message", "code"?, "param"?}} as PT400 or PT422. */
extern void lightfield_raise(const TaskProblem *head) pg_attribute_noreturn();

#endif							/* DIALECT_LIGHTFIELD_H */
