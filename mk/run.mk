# Running scenarios: `make run SCENARIO=galera` deploys a scenario, after what it requires.
# With no INVENTORY it brings up (or reuses) the default testbed and runs there, with
# scenarios/vars/testbed.yml as VARS when that file exists and VARS is not given.
# ARGS passes more options to `runbook run` (e.g. ARGS=--resume, ARGS="--check").

SCENARIO ?=
INVENTORY ?=
VARS ?=
ARGS ?=
TESTBED_VARS := scenarios/vars/testbed.yml

.PHONY: run

run: $(STAMP) $(if $(INVENTORY),,testbed-deps) ## run SCENARIO (and what it requires) on INVENTORY, default the testbed; VARS=, ARGS=
	@test -n "$(SCENARIO)" || { echo "usage: make run SCENARIO=name [INVENTORY=file] [VARS=file] [ARGS='--resume ...']" >&2; exit 2; }
	@set -e; \
	inventory='$(INVENTORY)'; vars='$(VARS)'; \
	if [ -z "$$inventory" ]; then \
	  $(RUNBOOK) testbed up $(if $(TESTBED_NODES),--nodes $(TESTBED_NODES)); \
	  inventory=$$($(RUNBOOK) testbed inventory); \
	  if [ -z "$$vars" ] && [ -f $(TESTBED_VARS) ]; then vars=$(TESTBED_VARS); fi; \
	fi; \
	set -x; \
	exec $(RUNBOOK) run '$(SCENARIO)' -i "$$inventory" $${vars:+-e "$$vars"} \
	  $(if $(findstring --ignore-requires,$(ARGS)),,--with-deps) $(ARGS)
