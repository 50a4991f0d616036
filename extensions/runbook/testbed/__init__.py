"""Real multi-node Linux hosts on one machine: the guide's embedded default target."""
