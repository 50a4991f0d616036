"""``runbook train``: walk an operator through a scenario, one step at a time, on real hosts."""
