"""HA Runbook's benchmarks: our runner against raw SSH, Ansible and Fabric, and the doc build.

Run them with ``make bench`` (the full run, which also refreshes the guide's benchmark page)
or ``make bench-smoke`` (a short run that only proves the harness works); both call
``python -m bench.run``.
"""
