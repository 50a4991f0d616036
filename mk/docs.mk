# The guide: `make html` builds it into _build/html; `make html-executed` adds the results
# of a real run from a journal. Both fail on any warning (-W).

DOCS_OUT ?= _build/html
DOCS_EXECUTED_OUT ?= _build/html-executed
# Doctrees (pickles that hold variable defaults) stay beside, never inside, the published folders.
DOCS_DOCTREES ?= _build/doctrees
# The runner's state directory (journals and transcripts) to take the results from, and
# the variables files whose secret values must be masked in what the pages show.
RESULTS ?= $(or $(RUNBOOK_STATE_DIR),$(HOME)/.local/state/runbook)
RESULTS_VARS ?=
SPHINX_OPTS ?=
comma := ,
SPHINX_BUILD := $(BIN)/sphinx-build -W --keep-going -j auto -c . $(SPHINX_OPTS)

.PHONY: html html-executed docs-deps browser-deps

docs-deps: ## Debian's graphviz, for the deployment-order graph
	@command -v dot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; }

html: $(STAMP) docs-deps ## the guide, in _build/html
	$(SPHINX_BUILD) -b html -d $(DOCS_DOCTREES)/html docs $(DOCS_OUT)

html-executed: $(STAMP) docs-deps ## the guide with the last run's outputs, from RESULTS (the runner's state dir)
	$(SPHINX_BUILD) -E -b html -d $(DOCS_DOCTREES)/html-executed -D runbook_results=$(abspath $(RESULTS)) \
		$(if $(RESULTS_VARS),-D runbook_results_variables=$(subst $(eval) ,$(comma),$(abspath $(RESULTS_VARS)))) \
		docs $(DOCS_EXECUTED_OUT)

# The browser test builds the guide too, so graphviz comes with the browser.
browser-deps: docs-deps ## Debian's chromium and chromedriver, for the browser test
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
