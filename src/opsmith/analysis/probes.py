"""The route that says a process is alive without asking anything else: what liveness probes
and image health checks may call.

A health route that queries the database answers "not ready" while the database fails over; a
liveness probe on it would restart every replica at once, which cannot help. So liveness uses a
route named for it (/livez, /healthz/live, /ping, /alive...) or a health route whose handler,
read statically (best effort: its lines and those of a handler it names in the same file),
touches no database, cache or client. When neither exists the answer is None and the probes
check that the port accepts connections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from opsmith.analysis.common import MAX_SOURCES, is_source
from opsmith.analysis.facts import Evidence, Fact
from opsmith.analysis.tree import TextFile, Tree

_LIVE_ROUTE = re.compile(
    r"""["'`](/(?:livez|live|alive|ping|health[z]?/(?:live|liveness)|api/(?:livez|ping)))/?["'`]"""
)
# A line that registers a route: where the handler under inspection ends.
_ROUTE = re.compile(
    r"""(?:\b(?:get|post|put|patch|delete|route|all|use|HandleFunc|Handle|Get|Post|GET|POST|Map\w*)"""
    r"""\s*\(\s*["'`][\^]?/)|^\s*@"""
)
# What a handler that depends on another service says: clients, pools, queries.
_DEPENDENCY = re.compile(
    r"\b(?:db|database|pool|query\w*|execute|cursor|prisma|sequelize|knex|mongoose|mongo\w*|redis"
    r"|cache|session|conn|connection|sql\w*|engine|gorm|pgx|ActiveRecord|DataSource|repository)\b",
    re.IGNORECASE,
)
_STRING = re.compile(r"""(["'`])(?:\\.|(?!\1).)*\1""")
_HANDLER_NAME = re.compile(r"""["'`][^"'`]*["'`]\s*,\s*(?:[\w.]+\.)?([A-Za-z_]\w*)\s*\)""")
_WINDOW = 25


def liveness_route(tree: Tree, files: Iterable[str], health: Fact[str] | None) -> Fact[str] | None:
    """The shallow route of a service, or None (then liveness is a TCP check)."""
    sources = [f for f in files if is_source(f)][:MAX_SOURCES]
    for relpath in sources:
        text = tree.read(relpath)
        if text is None:
            continue
        for number, line in enumerate(text.lines, start=1):
            match = _LIVE_ROUTE.search(line) if len(line) < 2000 else None
            if match:
                return Fact(
                    match.group(1), (text.evidence(number),), "declared", "a route named for liveness"
                )
    if health is None:
        return None
    for evidence in health.evidence:
        text = tree.read(evidence.path)
        if text is None or not is_source(evidence.path):
            return None
        if _touches_dependency(text, evidence):
            return None
    return Fact(health.value, health.evidence, "derived", "its handler touches no database, cache or client")


def _touches_dependency(text: TextFile, evidence: Evidence) -> bool:
    """Whether the handler registered at `evidence` (or, for a file-system route, the whole file)
    mentions a dependency, outside string literals."""
    if evidence.line is None:
        body = text.lines[: _WINDOW * 4]
    else:
        body = _handler(text.lines, evidence.line - 1)
        named = _HANDLER_NAME.search(text.lines[evidence.line - 1])
        if named:
            definition = text.find(
                rf"^\s*(?:async\s+)?(?:def|func|function|const|let|var)\s+{named.group(1)}\b"
            )
            if definition is not None:
                body = body + _handler(text.lines, definition - 1)
    return any(_DEPENDENCY.search(_STRING.sub("", line)) for line in body)


def _handler(lines: list[str], start: int) -> list[str]:
    """The lines from `start` until the next route, or the next top-level statement."""
    first = lines[start]
    body = [first]
    for offset, line in enumerate(lines[start + 1 : start + 1 + _WINDOW]):
        decorated_def = offset == 0 and first.lstrip().startswith("@")
        if not decorated_def and _ROUTE.search(line):
            break
        if line[:1] not in ("", " ", "\t", "}", ")", "]") and not decorated_def:
            break
        body.append(line)
    return body
