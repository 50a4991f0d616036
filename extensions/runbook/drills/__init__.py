"""Drills: inject a fault into a deployed cluster, measure what clients see, check the budget."""
