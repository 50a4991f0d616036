"""The ``runbook`` command: one module per subcommand (``*_cmd.py``), found at start-up."""
