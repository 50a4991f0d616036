"""Plans: a scenario resolved against an inventory and variables; no I/O beyond reading files."""
