"""opsmith.yaml: the design written for people (a comment before every section), and read back
with its line numbers so a hand edit that breaks it is reported where it happened.

Rendering is our own (section by section through PyYAML's emitter, with fixed comments) rather
than ruamel.yaml: opsmith always writes the whole file from the model, so a comment-preserving
round trip buys nothing here, and the only edit opsmith makes to a file a person may have
annotated (recording an approval) replaces one top-level block textually, leaving every comment
and byte above it as the person left it (see approval.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from opsmith.design.model import Design
from opsmith.parse.errors import ParseFailure
from opsmith.parse.json_schema import line_of
from opsmith.parse.yaml_tree import YMap, YSeq, load_documents
from opsmith.safe_read import NotReadable, read_text_limited

DESIGN_FILE = "opsmith.yaml"

_HEADER = """\
# opsmith design{app}: written by `opsmith design`, reviewed by you, approved with `opsmith approve`.
# Docs with a diagram, costs and risks: docs/infrastructure.md. Nothing is generated until this
# design is approved (gate 1), and any edit after approval needs a new approval.
#
# Every choice has a value, the reason for it and the rule that led to it (a row of the scale
# decision table, or an entry of opsmith's design/rules.py). To decide differently, keep opsmith's
# value and add an override with your reason, so both stay on record:
#
#   platform:
#     value: aws-ecs-fargate
#     reason: ...
#     rule: ...
#     override:
#       value: aws-eks
#       reason: we already run EKS for other products
"""
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("version", "Format of this file."),
    ("app", "Name used for images, stacks and DNS records."),
    (
        "team",
        "The team accountable for this infrastructure; cloud resources carry it as their owner tag.\n"
        "Replace 'unassigned' with your team's name (lowercase, digits, '-'), never a person's address.",
    ),
    ("inputs", "What you told opsmith (--users, --regions, --compliance, --cloud)."),
    ("tier", "The row of the scale decision table this design follows."),
    ("topology", "How the servers are laid out (single server, cluster, zones, regions)."),
    ("orchestration", "What starts, stops and scales the containers."),
    ("platform", "Where they run."),
    ("registry", "Where CI pushes images, tagged with the commit SHA."),
    ("secrets", "Where secrets live; never in images, repositories or compose files."),
    ("networking", "Load balancer, DNS and TLS. Set domain to the name users will type."),
    ("environments", "Every release goes through staging before production."),
    (
        "services",
        "One entry per deployable process, from the repository analysis (evidence: file:line).\n"
        "kind: web (takes HTTP traffic), worker (long-running, no traffic) or cron (runs on a schedule).\n"
        "port and health_path are what the code declares; probes and the load balancer use them.",
    ),
    ("backing_services", "Databases, caches, queues and storage the services use, and who runs them."),
    (
        "observability",
        "Metrics, logs, traces and where alerts go (critical pages, warning tickets, info logs).",
    ),
    (
        "approval",
        "Gate 1, recorded by `opsmith approve`: who approved, when, and the hash of everything above.",
    ),
)


class DesignFileError(Exception):
    """The design file cannot be used; the message names the file, line and key."""


def to_data(design: Design) -> dict[str, Any]:
    return design.model_dump(mode="json", exclude_none=True)


def render(design: Design) -> str:
    """The design as commented YAML; `load(render(d)) == d`."""
    data = to_data(design)
    parts = [_HEADER.format(app=f" for {design.app}")]
    unresolved = design.unresolved()
    if unresolved:
        parts.append("#\n# NEEDS YOUR INPUT before it can be approved:\n")
        parts.extend(f"#   - {item}\n" for item in unresolved)
    for key, comment in _SECTIONS:
        if key not in data:
            continue
        parts.append("\n" + "".join(f"# {line}\n" for line in comment.splitlines()))
        parts.append(_dump({key: data[key]}))
    return "".join(parts)


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)


def load_data(text: str, path: str = DESIGN_FILE) -> YMap:
    """The file's mapping with line numbers (YAML 1.2 booleans, duplicate keys refused)."""
    docs = load_documents(text)
    if isinstance(docs, ParseFailure):
        where = f"{path}:{docs.line}" if docs.line else path
        raise DesignFileError(f"{where}: {docs.message}")
    if len(docs) != 1 or not isinstance(docs[0], YMap):
        raise DesignFileError(f"{path}: expected one YAML mapping (the design)")
    data = docs[0]
    _refuse_duplicates(data, path)
    return data


def _refuse_duplicates(node: Any, path: str) -> None:
    if isinstance(node, YMap):
        if node.duplicate_keys:
            key, line = node.duplicate_keys[0]
            raise DesignFileError(f"{path}:{line}: key {key!r} appears twice")
        for value in node.values():
            _refuse_duplicates(value, path)
    elif isinstance(node, YSeq):
        for value in node:
            _refuse_duplicates(value, path)


def validate(data: YMap, path: str = DESIGN_FILE) -> Design:
    try:
        return Design.model_validate(_plain(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = line_of(data, _keys(loc))
        where = f"{path}:{line}" if line else path
        dotted = _dotted(loc)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DesignFileError(f"{where}: {dotted or 'design'}: {error['msg']}{more}") from None


def load(text: str, path: str = DESIGN_FILE) -> Design:
    return validate(load_data(text, path), path)


def read_design(file: Path) -> str:
    try:
        return read_text_limited(file, 4 * 1024 * 1024)
    except FileNotFoundError:
        raise DesignFileError(
            f"there is no {file.name} in {file.parent}; run `opsmith design` first"
        ) from None
    except (OSError, NotReadable, UnicodeDecodeError) as exc:
        raise DesignFileError(f"{file}: cannot read it: {exc}") from None


def load_file(file: Path) -> Design:
    return load(read_design(file), str(file))


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _keys(loc: Iterable[Any]) -> list[Any]:
    """pydantic adds model names to a location for generics and unions: only real keys lead to a line."""
    return [part for part in loc if isinstance(part, int) or not str(part)[:1].isupper()]


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and not part[:1].isupper():
            out += f".{part}" if out else part
    return out
