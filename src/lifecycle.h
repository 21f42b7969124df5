/*-------------------------------------------------------------------------
 *
 * lifecycle.h
 *	  Declarations of lifecycle.c (delete, restore, events, history) that
 *	  other modules need.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASKS_LIFECYCLE_H
#define TASKS_LIFECYCLE_H

/* Defines tasks.events_notify; called from _PG_init before MarkGUCPrefixReserved. */
extern void lifecycle_define_gucs(void);

#endif							/* TASKS_LIFECYCLE_H */
