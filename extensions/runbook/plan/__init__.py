"""The plan: a scenario resolved against an inventory and variables, before any connection."""
