# The guide's Reliability page: its tables are generated from the `proves` markers of the
# fault and security tests (tests/reliability, tests/security); a test fails when they differ.

.PHONY: reliability-page

reliability-page: $(STAMP) ## rewrite docs/reliability.md's tables from the tests' proves markers
	$(BIN)/python tests/reliability/page.py --write
