"""Data files shipped with opsmith (schemas, pinned versions, lookup tables)."""
