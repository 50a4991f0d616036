"""Exports: the guide's scenarios as Fabric modules, JSON plans, bash scripts and playbooks."""
