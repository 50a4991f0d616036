# Training: `make train SCENARIO=galera` is the lab, step by step, on the default testbed
# (brought up if needed); `make train DRILL=vip-holder-poweroff` breaks the deployed
# testbed for you to repair. ARGS='--resume' continues a lab where you stopped;
# ARGS='--reset deployed' first restores the snapshot `runbook testbed snapshot deployed`
# took after deployment and waits until the cluster is healthy again.

.PHONY: train

train: $(STAMP) $(if $(INVENTORY),,testbed-deps) ## the training lab: SCENARIO= step by step, or DRILL= to repair; INVENTORY=, VARS=, ARGS=
	@test -n "$(SCENARIO)$(DRILL)" || { echo "usage: make train SCENARIO=name|DRILL=name [INVENTORY=file] [VARS=file] [ARGS='--resume ...']" >&2; exit 2; }
	@set -e; \
	inventory='$(INVENTORY)'; vars='$(VARS)'; \
	if [ -n "$$inventory" ]; then set -- -i "$$inventory"; else \
	  if [ -n '$(DRILL)' ]; then set -- --testbed default; else \
	    $(RUNBOOK) testbed up $(if $(TESTBED_NODES),--nodes $(TESTBED_NODES)); \
	    set -- -i "$$($(RUNBOOK) testbed inventory)"; \
	  fi; \
	  if [ -z "$$vars" ] && [ -f $(TESTBED_VARS) ]; then vars=$(TESTBED_VARS); fi; \
	fi; \
	set -x; \
	exec $(RUNBOOK) train $(if $(DRILL),--drill '$(DRILL)','$(SCENARIO)') "$$@" \
	  $${vars:+-e "$$vars"} $(ARGS)
