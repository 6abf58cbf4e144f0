"""Fix for DC003: wait for a dependency that has a healthcheck to be healthy, as line edits."""

from __future__ import annotations

import re
from collections.abc import Sequence

from opsmith.findings import Finding
from opsmith.fix.edits import Edit, Fixer, Lines, indent_of
from opsmith.fix.yaml_document import mapping_of

_NAMES = re.compile(r"^`([^`]+)` depends on `([^`]+)`")
_ITEM = re.compile(r"^(\s*)-\s+([\"']?)([\w.-]+)\2\s*(#.*)?$")
_CONDITION = re.compile(r"^(\s*condition:\s*)([\"']?)service_started\2(\s*(#.*)?)$")


def _service_healthy(text: str, finding: Finding) -> Sequence[Edit] | None:
    names = _NAMES.match(finding.message)
    if names is None or finding.line is None:
        return None
    service, dependency = names.groups()
    if not _has_healthcheck(text, service, dependency):
        return None
    lines = Lines(text)
    at = lines.get(finding.line)
    item = _ITEM.match(at)
    if item is not None and item.group(3) == dependency:
        return _as_mapping(lines, finding.line, dependency)
    # The long form: `db:` with `condition: service_started` (or no condition) under it.
    if at.strip().rstrip(":").strip("\"'") != dependency:
        return None
    step = None
    for n in range(finding.line + 1, len(lines) + 1):
        line = lines.get(n)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if indent_of(line) <= indent_of(at):
            break
        step = step or indent_of(line) - indent_of(at)
        condition = _CONDITION.match(line)
        if condition is not None:
            lead, quote, rest = condition.group(1), condition.group(2), condition.group(3)
            return [lines.replace(n, f"{lead}{quote}service_healthy{quote}{rest}")]
        if line.lstrip().startswith("condition:"):
            return None
    lead = " " * (indent_of(at) + (step or 2))
    return [lines.insert_before(finding.line + 1, [f"{lead}condition: service_healthy"])]


def _as_mapping(lines: Lines, line: int, dependency: str) -> Sequence[Edit] | None:
    """`- db` items become `db: {condition: ...}` entries; the others keep `service_started`,
    which is what the short form meant."""
    first = last = line
    while _ITEM.match(lines.get(first - 1)):
        first -= 1
    while _ITEM.match(lines.get(last + 1)):
        last += 1
    key = lines.get(first - 1)
    if not key.strip().startswith("depends_on:") or key.split("#")[0].strip() != "depends_on:":
        return None
    key_indent = indent_of(key)
    step = max(indent_of(lines.get(first)) - key_indent, 2)
    new: list[str] = []
    for n in range(first, last + 1):
        match = _ITEM.match(lines.get(n))
        assert match is not None  # every line in the range matched above
        name, comment = match.group(3), match.group(4)
        condition = "service_healthy" if name == dependency else "service_started"
        new.append(" " * (key_indent + step) + f"{name}:" + (f"  {comment}" if comment else ""))
        new.append(" " * (key_indent + 2 * step) + f"condition: {condition}")
    start, end = lines.starts[first - 1], lines.starts[last]
    return [Edit(start, end, "".join(f"{text}{lines.newline}" for text in new))]


def _has_healthcheck(text: str, service: str, dependency: str) -> bool:
    """The dependency's healthcheck is written in this file and not disabled (one in its image's
    Dockerfile would be another file to trust: left to a person)."""
    loaded = mapping_of(text)
    services = loaded.get("services") if isinstance(loaded, dict) else None
    if not isinstance(services, dict) or not isinstance(services.get(service), dict):
        return False
    check = (
        services.get(dependency, {}).get("healthcheck")
        if isinstance(services.get(dependency), dict)
        else None
    )
    return isinstance(check, dict) and not check.get("disable") and bool(check.get("test"))


SERVICE_HEALTHY = Fixer(
    "wait for the dependency with `condition: service_healthy`", safe=True, make=_service_healthy
)
