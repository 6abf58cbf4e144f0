"""Facts about Terraform configuration that TF rules rely on: module sources, tag support, secret
literals and network exposure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from opsmith.parse.terraform import Block, Expr
from opsmith.secrets.detect import credential_in, secret_in
from opsmith.secrets.masking import described, mask

# --- module sources (TF003) ---------------------------------------------------------------------

_REGISTRY = re.compile(
    r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+/)?[A-Za-z0-9][\w-]*/[A-Za-z0-9][\w-]*/[A-Za-z0-9][\w-]*(?://.*)?$"
)
_GIT = re.compile(r"^(?:git::|hg::|git@|(?:github\.com|bitbucket\.org)/)|\.git(?://|\?|$)")
_BRANCHES = frozenset(
    {"main", "master", "develop", "development", "dev", "trunk", "head", "latest", "stable"}
)


def source_problem(source: str, version: Expr | None) -> str | None:
    """Why a module source is not pinned, or None when it is (or cannot be pinned)."""
    if source.startswith(("./", "../")) or source in (".", ".."):
        return None
    if _GIT.search(source):
        return _git_problem(source)
    if "::" in source or "://" in source:
        return None  # archives and buckets: nothing to pin in the address
    if _REGISTRY.match(source) and (
        version is None or (version.string is not None and not version.string.strip())
    ):
        return f"registry module `{source}` has no `version`, so every `init` may take a new release"
    return None


def _git_problem(source: str) -> str | None:
    query = source.split("?", 1)[1] if "?" in source else ""
    refs = parse_qs(query).get("ref", [])
    if not refs or not refs[0].strip():
        return f"git module source `{source}` has no `?ref=`: it follows the default branch"
    ref = refs[0].strip()
    if ref.lower() in _BRANCHES or "/" in ref:
        return f"git module source pins `ref={ref}`, a branch that moves; pin a tag or a commit"
    return None


# --- tags and labels (TF005) --------------------------------------------------------------------


@dataclass(frozen=True)
class TagSupport:
    provider: str  # aws | google | azurerm
    path: tuple[str, ...]  # where the tags go: ("tags",), ("settings", "user_labels")
    default: str | None  # what in the provider block tags every resource


@cache
def _taggable() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("opsmith").joinpath("data", "terraform_taggable.json").read_text(encoding="utf-8")
    )
    return {k: v for k, v in data.items() if not k.startswith("_")}


def tag_support(resource_type: str) -> TagSupport | None:
    for provider, spec in _taggable().items():
        if resource_type in spec["types"]:
            path = spec.get("paths", {}).get(resource_type, spec["attribute"])
            return TagSupport(provider, tuple(path.split(".")), spec.get("default"))
    return None


def has_tags(block: Block, path: tuple[str, ...]) -> bool:
    """Whether the block sets a non-empty value at `path` (nested blocks, then the attribute)."""
    current = [block]
    for name in path[:-1]:
        current = [child for b in current for child in b.of(name)]
    for b in current:
        value = b.value(path[-1])
        if value is None:
            continue
        empty = (value.kind == "object" and not value.entries) or (
            value.kind == "literal" and value.value is None
        )
        if not empty:
            return True
    return False


def provider_sets_default_tags(provider: Block | None, support: TagSupport) -> bool:
    if provider is None or support.default is None:
        return False
    if support.provider == "aws":
        return any(has_tags(b, ("tags",)) for b in provider.of("default_tags"))
    value = provider.value("default_labels")
    return value is not None and not (value.kind == "object" and not value.entries)


# --- secrets (TF006) ----------------------------------------------------------------------------

_REF_BLOCK = re.compile(r"(_ref|_refs|_reference|_source|secret_key_ref)$")
_SKIPPED_ATTRS = frozenset({"description", "tags", "labels", "tags_all"})


@dataclass(frozen=True)
class SecretHit:
    line: int
    name: str | None  # the attribute or object key holding it
    what: str  # "a literal secret (hunt****)", "an AWS access key ID (AKIA****…)"

    def describe(self) -> str:
        return f"`{self.name}` holds {self.what}" if self.name else f"a value holds {self.what}"


def secrets_in(name: str | None, value: Expr) -> Iterator[SecretHit]:
    """Literal secrets under a name (an attribute, an object key), looking into objects, tuples and
    function arguments. A secret-looking name only counts for a literal string directly under it:
    `password = file("key.pem")` or `lookup(m, "password")` are not literals."""
    if value.kind == "literal" and isinstance(value.value, str):
        what = _literal_secret(name, value.value)
        if what:
            yield SecretHit(value.line, name, what)
    elif value.kind == "template":
        found = credential_in(value.source)
        if found:
            yield SecretHit(value.line, name, described(found))
    elif value.kind == "object":
        for key, child in value.entries:
            yield from secrets_in(key, child)
    elif value.kind == "tuple":
        for item in value.items:
            yield from secrets_in(name, item)
    elif value.kind == "call":
        for item in value.items:
            yield from secrets_in(None, item)


def _literal_secret(name: str | None, text: str) -> str | None:
    found = secret_in(name, text)
    return described(found) if found else None


def block_secrets(block: Block) -> Iterator[SecretHit]:
    """Literal secrets in a resource, data, provider, module, output or locals block."""
    if _REF_BLOCK.search(block.type):
        return
    for attr in block.attributes.values():
        if attr.name not in _SKIPPED_ATTRS:
            yield from secrets_in(attr.name, attr.value)
    if block.type == "resource" and block.label == "aws_ssm_parameter":
        kind, value = block.value("type"), block.value("value")
        if kind and kind.string == "SecureString" and value and value.string and value.string.strip():
            yield SecretHit(value.line, "value", f"a literal SecureString value ({mask(value.string)})")
    for child in block.blocks:
        yield from block_secrets(child)


# --- network exposure (TF011) -------------------------------------------------------------------

SENSITIVE_PORTS: dict[int, str] = {
    22: "SSH",
    3389: "RDP",
    3306: "MySQL",
    5432: "PostgreSQL",
    1433: "SQL Server",
    1521: "Oracle",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch",
    5439: "Redshift",
    5984: "CouchDB",
    9042: "Cassandra",
    11211: "Memcached",
    2379: "etcd",
    8086: "InfluxDB",
    26257: "CockroachDB",
}
OPEN_V4 = frozenset({"0.0.0.0/0", "0.0.0.0"})
OPEN_V6 = frozenset({"::/0", "::"})
_AZURE_ANY = frozenset({"*", "internet", "any", "0.0.0.0/0", "::/0"})
ALL_PORTS = (0, 65535)


def exposed(ranges: list[tuple[int, int]]) -> list[str]:
    """`SSH 22`, `PostgreSQL 5432`, ... for every sensitive port inside the ranges."""
    return [
        f"{label} {port}"
        for port, label in SENSITIVE_PORTS.items()
        if any(low <= port <= high for low, high in ranges)
    ]


def open_cidrs(*values: Expr | None) -> list[str]:
    return [s for v in values if v is not None for s in v.strings() if s.strip() in OPEN_V4 | OPEN_V6]


def is_azure_any(values: list[str]) -> bool:
    return any(v.strip().lower() in _AZURE_ANY for v in values)


def aws_port_range(protocol: Expr | None, low: Expr | None, high: Expr | None) -> tuple[int, int] | None:
    """The TCP ports an AWS rule opens, or None (not TCP, or ports only known at plan time). A
    protocol given by reference is taken as TCP."""
    proto = literal_text(protocol).lower() if protocol is not None and protocol.kind == "literal" else "tcp"
    if proto in ("-1", "all"):
        return ALL_PORTS
    if proto not in ("tcp", "6"):
        return None
    start = low.number() if low else None
    end = high.number() if high else start
    if start is None or end is None:
        return None
    return ALL_PORTS if start == -1 else (start, end)


def literal_text(expr: Expr | None) -> str:
    """A literal as Terraform would convert it to a string ('' for anything else)."""
    if expr is None or expr.kind != "literal" or expr.value is None:
        return ""
    if isinstance(expr.value, bool):
        return "true" if expr.value else "false"
    return str(expr.value).strip()


def port_ranges(specs: list[str]) -> list[tuple[int, int]]:
    """`"22"`, `"1000-2000"`, `"*"` as ranges (unparseable entries are skipped)."""
    out: list[tuple[int, int]] = []
    for spec in specs:
        text = spec.strip()
        if text in ("*", ""):
            out.append(ALL_PORTS)
            continue
        match = re.fullmatch(r"([0-9]{1,9})(?:\s*-\s*([0-9]{1,9}))?", text)
        if match:
            low = int(match.group(1))
            out.append((low, int(match.group(2) or low)))
    return out
