/*-------------------------------------------------------------------------
 *
 * task_update.h
 *	  Declarations of the update path (task_update.c), shared with the
 *	  validators (task_validate.c, task_refs.c) and the store (store.c).
 *
 * A patch is parsed by the same readers as a create payload, in "patch"
 * mode: only the keys present are applied, null clears a nullable field,
 * required fields cannot be cleared.  The values land in a TaskDraft; what
 * the patch touches is recorded as bits of TaskField.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_UPDATE_H
#define TASK_UPDATE_H

#include "tasks.h"

/* Fields a patch can touch: bit (1 << f) of TaskPatch.given / .cleared. */
typedef enum TaskField
{
	TF_TITLE,
	TF_DESCRIPTION,
	TF_STATUS,					/* status or status_id */
	TF_PRIORITY,
	TF_TYPE,
	TF_TAGS,
	TF_DUE_DATE,
	TF_DUE_AT,
	TF_TIMEZONE,
	TF_DEADLINE,
	TF_SCHEDULED_START,
	TF_SCHEDULED_END,
	TF_COMPLETED_AT,
	TF_SORT_ORDER,
	TF_METADATA,
	TF_EXTERNAL_ID,
	TF_ASSIGNEES,
	TF_LINKS,
	TF_DEPENDENCIES,
	TF_NOTES,
	TF_COUNT
} TaskField;

#define TF_BIT(f)		(((uint32) 1) << (f))

/* How a patch changes a list-valued field. */
typedef enum ListEdit
{
	LIST_KEEP = 0,				/* not touched */
	LIST_REPLACE,				/* an array (or null): the whole new list */
	LIST_EDIT					/* {"add", "remove"} (links also "clear") */
} ListEdit;

/* One link to remove: a relation and a record id. */
typedef struct TaskLinkRef
{
	char	   *relation;
	pg_uuid_t	record_id;
	char	   *path;
} TaskLinkRef;

/*
 * A parsed patch.  d holds the values of the given keys; for lists, the
 * replacement (LIST_REPLACE) or the additions (LIST_EDIT).
 */
typedef struct TaskPatch
{
	TaskDraft	d;
	uint32		given;			/* TF_BIT of every key present */
	uint32		cleared;		/* TF_BIT of every key given as null */
	bool		has_version;
	int32		version;		/* the version the client read */
	bool		metadata_merge; /* d.metadata_json is merged, not replacing */
	ListEdit	tags_edit;
	List	   *tag_removes;	/* of char * */
	ListEdit	assignees_edit;
	List	   *assignee_removes;	/* of pg_uuid_t * */
	ListEdit	links_edit;
	List	   *link_clears;	/* of char * relation: its links go first */
	List	   *link_removes;	/* of TaskLinkRef * */
	ListEdit	deps_edit;
	List	   *dep_removes;	/* of pg_uuid_t * */
} TaskPatch;

/* task_validate.c: whether the list of C strings holds s. */
extern bool string_in_list(List *list, const char *s);

/* task_validate.c: parses a native patch (shape only, no table access but record kinds). */
extern void task_patch_parse(Jsonb *patch, TaskPatch *tp, TaskProblems *p);

/* task_refs.c: checks the references a patch adds (d.workspace_id and d.id set). */
extern void task_patch_check_refs(TaskPatch *tp, TaskProblems *p);

/*
 * task_refs.c: serialises dependency changes of a workspace (a row of
 * tasks.dependency_locks updated in the caller's transaction).
 */
extern void task_dependency_lock(const pg_uuid_t *workspace);

/*
 * task_refs.c: refuses dependencies of task on new_deps (of pg_uuid_t *, at
 * paths) that would close a cycle; self-dependencies included.
 */
extern void task_check_dependency_cycles(const pg_uuid_t *workspace, const pg_uuid_t *task,
										 List *new_deps, List *paths, TaskProblems *p);

/*
 * store.c: writes the columns in mask (TF_BIT of TaskField) from d, bumps
 * version and updated_at, if the row is still at version expected.  Returns
 * the new version, or 0 when no live row had that version.
 */
extern int32 task_store_update(const TaskDraft *d, uint32 mask, int32 expected);

/* store.c: makes a task's assignees / links / dependencies exactly these lists. */
extern void task_store_sync_assignees(const pg_uuid_t *workspace, const pg_uuid_t *task, List *ids);
extern void task_store_sync_links(const pg_uuid_t *workspace, const pg_uuid_t *task, List *links);
extern void task_store_sync_dependencies(const pg_uuid_t *workspace, const pg_uuid_t *task, List *ids);

/* store.c: adds notes (of char *) to a task; author may be NULL. */
extern void task_store_add_notes(const pg_uuid_t *workspace, const pg_uuid_t *task, List *notes,
								 const pg_uuid_t *author);

/* What an update came to. */
typedef enum UpdateOutcome
{
	UPDATE_DONE,
	UPDATE_INVALID,				/* problems in p, nothing written */
	UPDATE_NOT_FOUND,			/* no live task with this id in the workspace */
	UPDATE_CONFLICT				/* the version is not the current one */
} UpdateOutcome;

/*
 * The update pipeline shared by the native API and the dialects: parse the
 * native patch, check it against the task's current row and the workspace,
 * write with a compare-and-set on version.  Nothing is written unless the
 * outcome is UPDATE_DONE.  *current_version is the task's version after the
 * call (the conflicting one for UPDATE_CONFLICT).  Caller is inside SPI.
 */
extern UpdateOutcome task_engine_update(const TaskIdentity *who, const pg_uuid_t *task_id,
										Jsonb *patch, TaskPatch *tp, TaskProblems *p,
										int32 *current_version);

#endif							/* TASK_UPDATE_H */
