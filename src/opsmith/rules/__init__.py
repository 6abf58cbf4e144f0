"""Audit rules, one module per artifact family. See `opsmith.rules.catalogue` for the index."""
