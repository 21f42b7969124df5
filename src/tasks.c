/*-------------------------------------------------------------------------
 *
 * tasks.c
 *	  Module entry: magic block, settings, version.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"
#include "lifecycle.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Defines the extension's settings when the library is loaded. */
void
_PG_init(void)
{
	tasks_define_gucs();
	apikey_define_gucs();
	lifecycle_define_gucs();
	/* After every tasks.* setting is defined: drop placeholders for the rest. */
	MarkGUCPrefixReserved("tasks");
}

/* tasks.version(): the library's version, from tasks.control via the Makefile. */
PG_FUNCTION_INFO_V1(tasks_version);
Datum
tasks_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(TASKS_VERSION));
}
