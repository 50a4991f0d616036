# Exports and the dry-run check. runbooks/ is committed: `make runbooks` regenerates it
# after a change to the guide, and `make check-runbooks` (also a test in `make test`)
# fails when it is not what the guide generates now. `runbook export` reads the guide on the
# command's fast path; `sphinx-build -b runbook -c . docs runbooks` is the same export
# from a Sphinx build.

RUNBOOKS_OUT ?= runbooks

.PHONY: runbooks check-runbooks check

runbooks: $(STAMP) ## regenerate runbooks/ (Fabric, JSON, bash, Ansible) from the guide
	$(RUNBOOK) export -o $(RUNBOOKS_OUT)

check-runbooks: $(STAMP) ## fail when runbooks/ is not what the guide generates now
	$(RUNBOOK) export --check -o $(RUNBOOKS_OUT)

# Every part runs, whatever an earlier one found, so one run shows every problem; then fail.
check: $(STAMP) ## the dry-run check CI runs (runbooks/ up to date, plan, variables, bash -n, shellcheck, ansible syntax)
	@failed=; \
	$(RUNBOOK) export --check -o $(RUNBOOKS_OUT) || failed="$$failed runbooks/"; \
	$(RUNBOOK) check || failed="$$failed scenarios"; \
	if [ -n "$$failed" ]; then echo "make check: problems in:$$failed" >&2; exit 1; fi
