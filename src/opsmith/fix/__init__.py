"""Automatic fixes for audit findings: each fixable rule carries a `Fixer` that turns a finding into
text edits; `apply.py` checks every fix by auditing the result before anything is written."""
