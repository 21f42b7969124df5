/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The one place for differences between PostgreSQL major versions.
 *
 * The extension targets PostgreSQL 15; shims for later majors go here so the
 * rest of the code reads as plain PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASKS_COMPAT_H
#define TASKS_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "tasks requires PostgreSQL 15 or later"
#endif

/* getKeyJsonValueFromContainer exists since PG 13; nothing to shim yet. */

#endif							/* TASKS_COMPAT_H */
