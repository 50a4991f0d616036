# The testbed: real Debian hosts (systemd-nspawn) on a private bridge of this machine.
# `make sandbox` brings up (or reuses) the default testbed; `make sandbox-down` removes it.
# The base image is cached in /var/cache/runbook/images and kept by sandbox-down.

TESTBED_DEB := debootstrap systemd-container iproute2 openssh-client util-linux iptables
TESTBED_NODES ?=

.PHONY: testbed-deps testbed-image sandbox sandbox-down sandbox-status

testbed-deps: ## Debian packages the testbed needs on this machine (nothing to do when present)
	@missing=$$(for pkg in $(TESTBED_DEB); do \
	  dpkg-query -W -f='$${Status}\n' $$pkg 2>/dev/null | grep -q 'ok installed' || echo $$pkg; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing for the testbed:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

testbed-image: $(STAMP) testbed-deps ## build the cached testbed image now (a few minutes, once per machine)
	$(RUNBOOK) testbed image

sandbox: $(STAMP) testbed-deps ## bring up or reuse the default testbed (TESTBED_NODES=n for its size)
	$(RUNBOOK) testbed up $(if $(TESTBED_NODES),--nodes $(TESTBED_NODES))

sandbox-status: $(STAMP) ## nodes, addresses, power and links of every testbed
	$(RUNBOOK) testbed status

sandbox-down: $(STAMP) ## remove the default testbed (the cached image stays)
	$(RUNBOOK) testbed down
