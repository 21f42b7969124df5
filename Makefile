# PGXS build for the tasks extension (PostgreSQL 15).
EXTENSION = tasks
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")

MODULE_big = tasks
OBJS = \
	src/tasks.o \
	src/api_task.o \
	src/api_names.o \
	src/api_time.o \
	src/errors.o \
	src/payload.o \
	src/task_validate.o \
	src/task_refs.o \
	src/store.o \
	src/dialect.o \
	src/http.o \
	src/apikey.o \
	src/task_update.o \
	src/task_bulk.o \
	src/claim.o \
	src/task_list.o \
	src/task_json.o \
	src/lifecycle.o \
	src/dialect_leadlex.o \
	src/dialect_lightfield.o \
	src/dialect_vambe.o \
	src/dialect_care.o \
	src/dialect_acp.o \
	src/identity.o \
	src/normalize.o \
	src/resolve.o \
	src/timeparse.o \
	src/uuid7.o

# The install script of the current version (EXTVERSION, from tasks.control) is
# assembled from one fragment per concern (ddl/NN_*.sql).  upgrade/ holds what
# earlier versions need: each released version's install script, frozen
# (tasks--X.sql, never edited), and the upgrade scripts (tasks--X--Y.sql).
# All of them are installed; README "Upgrading" says how to cut a version.
DDL = $(sort $(wildcard ddl/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out upgrade/$(EXTENSION)--$(EXTVERSION).sql,$(sort $(wildcard upgrade/$(EXTENSION)--*.sql)))
EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql
PGFILEDESC = "tasks - task service inside PostgreSQL"

SHLIB_LINK += -luuid
PG_CPPFLAGS += -I$(srcdir)/src -DTASKS_VERSION="\"$(EXTVERSION)\""
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
ifdef WERROR
PG_CFLAGS += -Werror
endif

TESTS = $(sort $(wildcard sql/*.sql))
REGRESS = $(patsubst sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=. --encoding=UTF8 --load-extension=pg_trgm --load-extension=btree_gin --load-extension=$(EXTENSION)

ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=pg_trgm --load-extension=btree_gin --load-extension=$(EXTENSION)

# t/*.pl (PostgreSQL::Test::Cluster; needs libipc-run-perl): make installcheck runs them too.
TAP_TESTS = 1

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(DDL)
	cat $^ > $@

# tasks.version() compiles the version in.
src/tasks.o src/tasks.bc: $(EXTENSION).control

# Benchmarks against the floor, in a private build and a throwaway cluster
# (bench/README.md); separate from the tests.  Quick mode by default:
#   make bench BENCH_ARGS="--full"
#   make bench BENCH_ARGS="--only resolve --resolve-sizes 1k,100k,1m"
.PHONY: bench
bench:
	bench/run.sh $(BENCH_ARGS)
