# The guide: `make html` builds it into _build/html; `make html-executed` adds the results
# of a real run from a journal. Both fail on any warning (-W).

DOCS_OUT ?= _build/html
DOCS_EXECUTED_OUT ?= _build/html-executed
JOURNAL ?= .runbook/journal
SPHINX_OPTS ?=
SPHINX_BUILD := $(BIN)/sphinx-build -W --keep-going -j auto -c . $(SPHINX_OPTS)

.PHONY: html html-executed docs-deps browser-deps

docs-deps: ## Debian's graphviz, for the deployment-order graph
	@command -v dot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; }

html: $(STAMP) docs-deps ## the guide, in _build/html
	$(SPHINX_BUILD) -b html docs $(DOCS_OUT)

html-executed: $(STAMP) docs-deps ## the guide with the results of the run in JOURNAL (default .runbook/journal)
	$(SPHINX_BUILD) -b html -D runbook_journal=$(abspath $(JOURNAL)) docs $(DOCS_EXECUTED_OUT)

# The browser test builds the guide too, so graphviz comes with the browser.
browser-deps: docs-deps ## Debian's chromium and chromedriver, for the browser test
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
