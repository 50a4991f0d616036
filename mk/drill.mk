# Drills: `make drill DRILL=vip-holder-poweroff` breaks a deployed cluster on purpose,
# measures what clients see through the VIP and compares it with the drill's budget.
# DRILL=all runs every drill whose scenarios are deployed. With no INVENTORY it runs on
# the default testbed (deployed with `make run`), with scenarios/vars/testbed.yml as VARS.

DRILL ?=

.PHONY: drill

drill: $(STAMP) $(if $(INVENTORY),,testbed-deps) ## run DRILL (or DRILL=all) on INVENTORY, default the testbed; VARS=, ARGS=
	@test -n "$(DRILL)" || { echo "usage: make drill DRILL=name|all [INVENTORY=file] [VARS=file]" >&2; exit 2; }
	@set -e; \
	inventory='$(INVENTORY)'; vars='$(VARS)'; \
	if [ -n "$$inventory" ]; then set -- -i "$$inventory"; else \
	  set -- --testbed default; \
	  if [ -z "$$vars" ] && [ -f $(TESTBED_VARS) ]; then vars=$(TESTBED_VARS); fi; \
	fi; \
	set -x; \
	exec $(RUNBOOK) drill $(if $(filter all,$(DRILL)),--all,'$(DRILL)') "$$@" \
	  $${vars:+-e "$$vars"} $(ARGS)
