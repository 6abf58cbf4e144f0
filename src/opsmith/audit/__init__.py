"""The audit engine: discover, classify, parse once, run rules, suppress, report."""
