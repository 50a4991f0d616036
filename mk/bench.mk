# Benchmarks (bench/): our runner against raw SSH, ansible-playbook and fab, the guide's
# build, and start-up. `make bench` is the full run (about 20 minutes, root: it brings up a
# one-node testbed and light hosts, and removes them) and refreshes the guide's page
# (docs/benchmark-results.inc and .json: commit them); `make bench-smoke` runs tiny sizes
# once to check that the harness works, and asserts no time. Results: bench/results/*.json.

BENCH := $(BIN)/python -m bench.run
BENCH_ARGS ?=

.PHONY: bench bench-smoke

bench: $(STAMP) testbed-deps docs-deps ## the full benchmark; refreshes docs/benchmark-results.* (BENCH_ARGS=--figures 4,5 ...)
	$(BENCH) --publish $(BENCH_ARGS)

bench-smoke: $(STAMP) testbed-deps docs-deps ## a short benchmark run that checks the harness works (no timing asserted)
	$(BENCH) --smoke $(BENCH_ARGS)
