"""The dry-run check: every scenario of the guide planned, linted and syntax-checked for CI."""
