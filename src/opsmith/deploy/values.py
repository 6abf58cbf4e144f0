"""Checks on the values that reach HAProxy's configuration and the container runtime's command
line from a repository or a command line: each is accepted whole or refused with a clear error,
never quoted around or trimmed."""

from __future__ import annotations

import re

SERVICE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
SERVER_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,63}")  # an HAProxy identifier


def checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    """`value` when `pattern` matches all of it; ValueError naming `what` otherwise."""
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise ValueError(f"invalid {what}: {value!r:.80}")
    return value


def port(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"invalid port: {value!r:.20}")
    return value
