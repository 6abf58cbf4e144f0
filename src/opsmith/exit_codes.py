"""The exit codes of every opsmith verb (README, "Exit codes"), so CI can tell them apart."""

from __future__ import annotations

OK = 0
# findings at or above --fail-on, gaps in monitoring (gate 3), and later a release that was rolled back
FINDINGS = 1
USAGE = 2  # bad flag, missing path, invalid configuration, cannot read or write
REFUSED = 3  # a gate is not passed, or a file would be replaced without --force
INTERNAL = 70  # EX_SOFTWARE: a bug in opsmith, including a rule or parser that raised

BUG_REPORTS = "https://github.com/opsmith/opsmith/issues"
