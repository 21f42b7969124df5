/*-------------------------------------------------------------------------
 *
 * errors.c
 *	  Collect every problem of a payload, then raise them all at once.
 *
 * A caller fixing a request wants the whole list, not one error per round
 * trip.  Validators append {path, code, message} items; the entry point
 * raises one ERROR whose detail is the list as a JSON array:
 *
 *	 SQLSTATE 22023, message "task payload is invalid",
 *	 detail [{"path": "/title", "code": "required", "message": "..."}]
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

/*
 * At most this many problems are kept; the rest are counted.  A body with a
 * million unknown keys must not produce an error body four times its size.
 */
#define PROBLEMS_KEPT 100

/* Starts an empty problem list. */
void
problems_init(TaskProblems *p)
{
	p->items = NIL;
	p->dropped = 0;
}

static void problem_append(TaskProblems *p, const char *path, const char *code,
						   const char *extra_json, const char *fmt, va_list args)
			pg_attribute_printf(5, 0);

/* Appends one problem; the message is formatted like printf. */
static void
problem_append(TaskProblems *p, const char *path, const char *code,
			   const char *extra_json, const char *fmt, va_list args)
{
	TaskProblem *item;
	StringInfoData msg;

	/* Validators call this from loops over untrusted input. */
	CHECK_FOR_INTERRUPTS();
	if (list_length(p->items) >= PROBLEMS_KEPT)
	{
		p->dropped++;
		return;
	}
	item = palloc0(sizeof(TaskProblem));
	initStringInfo(&msg);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&msg, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	item->path = pstrdup(path ? path : "");
	item->code = code;
	item->message = msg.data;
	item->extra_json = extra_json ? pstrdup(extra_json) : NULL;
	p->items = lappend(p->items, item);
}

/* Records a problem at path with a machine code and a message. */
void
problem_add(TaskProblems *p, const char *path, const char *code, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	problem_append(p, path, code, NULL, fmt, args);
	va_end(args);
}

/* Records a problem carrying extra JSON members (e.g. "candidates": [...]). */
void
problem_add_extra(TaskProblems *p, const char *path, const char *code,
				  const char *extra_json, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	problem_append(p, path, code, extra_json, fmt, args);
	va_end(args);
}

/* Whether any problem was recorded. */
bool
problems_any(const TaskProblems *p)
{
	return p->items != NIL;
}

/* Appends s (len bytes, server encoding) to buf as a JSON string literal. */
void
json_append_string(StringInfo buf, const char *s, int len)
{
	appendStringInfoCharMacro(buf, '"');
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			default:
				if (c < 0x20)
					appendStringInfo(buf, "\\u%04x", c);
				else
					appendStringInfoCharMacro(buf, (char) c);
		}
	}
	appendStringInfoCharMacro(buf, '"');
}

/* The problem list as a JSON array, palloc'd. */
static char *
problems_json(const TaskProblems *p)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	foreach(lc, p->items)
	{
		TaskProblem *item = lfirst(lc);

		if (lc != list_head(p->items))
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, "{\"path\": ");
		json_append_string(&buf, item->path, strlen(item->path));
		appendStringInfoString(&buf, ", \"code\": ");
		json_append_string(&buf, item->code, strlen(item->code));
		appendStringInfoString(&buf, ", \"message\": ");
		json_append_string(&buf, item->message, strlen(item->message));
		if (item->extra_json)
			appendStringInfo(&buf, ", %s", item->extra_json);
		appendStringInfoChar(&buf, '}');
	}
	if (p->dropped > 0)
		appendStringInfo(&buf, ", {\"path\": \"\", \"code\": \"too_many_problems\","
						 " \"message\": \"%d more problems not shown\"}", p->dropped);
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

/* Raises 22023 (invalid_parameter_value) carrying every problem. */
void
problems_raise(const TaskProblems *p, const char *what)
{
	TaskProblem *first = linitial(p->items);
	int			n = list_length(p->items);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is invalid", what),
			 errdetail("%s", problems_json(p)),
			 n == 1 ?
			 errhint("%s: %s", first->path[0] ? first->path : "/", first->message) :
			 errhint("%d problems; the first, at %s: %s", n,
					 first->path[0] ? first->path : "/", first->message)));
	pg_unreachable();
}

/* Raises when any problem was recorded; otherwise returns. */
void
problems_raise_if_any(const TaskProblems *p, const char *what)
{
	if (problems_any(p))
		problems_raise(p, what);
}

/* base + "/" + key, with RFC 6901 escaping of "~" and "/". */
char *
json_pointer_key(const char *base, const char *key, int keylen)
{
	StringInfoData buf;
	int			shown = Min(keylen, 200);

	/* Never echo a megabyte-long key back; cut on a character boundary. */
	if (shown < keylen)
		shown = pg_mbcliplen(key, keylen, shown);

	initStringInfo(&buf);
	appendStringInfoString(&buf, base);
	appendStringInfoChar(&buf, '/');
	for (int i = 0; i < shown; i++)
	{
		if (key[i] == '~')
			appendStringInfoString(&buf, "~0");
		else if (key[i] == '/')
			appendStringInfoString(&buf, "~1");
		else
			appendStringInfoChar(&buf, key[i]);
	}
	return buf.data;
}

/* base + "/" + index. */
char *
json_pointer_index(const char *base, int index)
{
	return psprintf("%s/%d", base, index);
}
