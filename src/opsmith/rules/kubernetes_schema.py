"""Kubernetes objects checked against the API's OpenAPI schemas, offline (KU014).

The schemas are the JSON schema files that the `kubernetes-validate` package ships (strict variant:
unknown fields are errors, as `kubectl apply` reports them since 1.27), read directly: calling
kubernetes-validate per object reloads its 1.3 MB definitions file each time (~14 ms an object).

Those files use a small, fixed part of JSON Schema (`type`, `properties`, `additionalProperties`,
`items`, `required`, `enum`, `$ref` into one definitions file, and `oneOf` for int-or-string
values), so they are checked here by a short purpose-built walker instead of a general validator:
importing `jsonschema` alone costs more than auditing a manifest. `KNOWN_KEYWORDS` lists what the
walker understands, and a test checks the shipped files use nothing else; another checks it agrees
with kubernetes-validate. The definitions file is read once per Kubernetes version, on first use,
and each definition in it is decoded only when a check reaches it.

Values are read the way Kubernetes' YAML reader reads them: an unquoted date is text and YAML 1.1
words such as `yes` are booleans. Kinds without a bundled schema (custom resources such as
PrometheusRule or an Argo Rollout) are not validated; KU017 says so.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from opsmith.parse.kubernetes import KubeObject, PathPart
from opsmith.parse.yaml_tree import YMap, YSeq
from opsmith.rules.kubernetes_workloads import as_bool

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")
_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")
MAX_ISSUES = 10
# Keywords that change what is valid; anything else in the files is documentation or metadata.
KNOWN_KEYWORDS = frozenset(
    {"type", "properties", "additionalProperties", "items", "required", "enum", "$ref", "oneOf"}
)
IGNORED_KEYWORDS = frozenset({"description", "format", "$schema", "$id", "$defs"})


@dataclass(frozen=True)
class SchemaIssue:
    message: str
    path: tuple[PathPart, ...]
    line: int | None = None  # when known directly (duplicate keys)


@cache
def schema_dir() -> Path | None:
    """kubernetes-validate's schema folder, found without importing the package."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    return folder if folder.is_dir() else None


@cache
def shipped_versions() -> tuple[tuple[int, int], ...]:
    folder = schema_dir()
    if folder is None:
        return ()
    found = (_DIR.match(p.name) for p in folder.iterdir())
    return tuple(sorted((int(m.group(1)), int(m.group(2))) for m in found if m))


def version_folder(version: tuple[int, int]) -> Path | None:
    folder = schema_dir()
    return folder / f"v{version[0]}.{version[1]}.0-local-strict" if folder is not None else None


def pick_version(setting: Any) -> tuple[int, int] | None:
    """The schema version for `[kubernetes] version`: the newest shipped one not newer than asked
    (the oldest shipped when asked for an older one); the newest shipped by default."""
    versions = shipped_versions()
    if not versions:
        return None
    match = _VERSION.match(str(setting).strip()) if setting is not None else None
    if match is None:
        return versions[-1]
    wanted = (int(match.group(1)), int(match.group(2)))
    older = [v for v in versions if v <= wanted]
    return older[-1] if older else versions[0]


def has_schema(obj: KubeObject, version: tuple[int, int]) -> bool:
    return _kind_schema(version, obj.api_version, obj.kind) is not None


def validate(obj: KubeObject, version: tuple[int, int]) -> list[SchemaIssue] | None:
    """Schema problems of the object (at most MAX_ISSUES); None when its kind has no schema."""
    schema = _kind_schema(version, obj.api_version, obj.kind)
    if schema is None:
        return None
    issues: list[SchemaIssue] = []
    if obj.rendered_by is None:
        issues.extend(_duplicate_keys(obj.body, ()))
    meta = obj.body.get("metadata")
    if not (isinstance(meta, Mapping) and (meta.get("name") or meta.get("generateName"))):
        issues.append(SchemaIssue("the object has no metadata.name", ("metadata",)))
    _Walker(_definitions(version), issues).check(schema, obj.body, ())
    return issues[:MAX_ISSUES]


class _Walker:
    def __init__(self, definitions: Mapping[str, Any], issues: list[SchemaIssue]) -> None:
        self._defs = definitions
        self.issues = issues

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 50:
            schema, seen = self._defs.get(str(schema["$ref"]).rpartition("/")[2], {}), seen + 1
        return schema

    def check(self, schema: Mapping[str, Any], value: Any, path: tuple[PathPart, ...]) -> None:
        if len(self.issues) >= MAX_ISSUES:
            return
        schema = self.resolve(schema)
        choices = schema.get("oneOf")
        if choices is not None:
            if not any(self.fits(choice, value) for choice in choices):
                names = " or ".join(_type_words(self.resolve(c).get("type")) for c in choices)
                self.issues.append(
                    SchemaIssue(f"{_where(path)} must be {names}, not {_type_name(value)}", path)
                )
            return
        types = schema.get("type")
        if types is not None and not _is_type(types, value):
            self.issues.append(
                SchemaIssue(f"{_where(path)} must be {_type_words(types)}, not {_type_name(value)}", path)
            )
            return
        enum = schema.get("enum")
        if enum is not None and value is not None and value not in enum:
            allowed = ", ".join(map(str, enum[:8]))
            self.issues.append(SchemaIssue(f"{_where(path)} is {value!r}, expected one of: {allowed}", path))
        if isinstance(value, Mapping):
            self._mapping(schema, value, path)
        elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            for index, item in enumerate(value):
                self.check(schema["items"], item, (*path, index))

    def _mapping(
        self, schema: Mapping[str, Any], value: Mapping[Any, Any], path: tuple[PathPart, ...]
    ) -> None:
        for name in schema.get("required") or []:
            if name not in value:
                self.issues.append(SchemaIssue(f"{_where(path)}: '{name}' is a required property", path))
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                self.check(properties[key], item, (*path, str(key)))
            elif extra is False:
                self.issues.append(SchemaIssue(f"unknown field `{key}` in {_where(path)}", (*path, str(key))))
            elif isinstance(extra, Mapping):
                self.check(extra, item, (*path, str(key)))

    def fits(self, schema: Mapping[str, Any], value: Any) -> bool:
        probe = _Walker(self._defs, [])
        probe.check(schema, value, ())
        return not probe.issues


def _is_type(types: Any, value: Any) -> bool:
    return any(_TYPE_CHECKS.get(t, _anything)(value) for t in (types if isinstance(types, list) else [types]))


def _anything(_: Any) -> bool:
    return True


_TYPE_CHECKS = {
    "null": lambda v: v is None,
    "string": lambda v: isinstance(v, (str, date)),
    "boolean": lambda v: as_bool(v) is not None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, list),
}


def _type_words(types: Any) -> str:
    names = [t for t in (types if isinstance(types, list) else [types]) if t and t != "null"]
    return " or ".join(names) or "empty"


def _duplicate_keys(
    node: Any, path: tuple[PathPart, ...], seen: set[int] | None = None
) -> Iterator[SchemaIssue]:
    # An aliased mapping is one object reached by many paths: visit it once, at its first path.
    seen = set() if seen is None else seen
    if not isinstance(node, (YMap, YSeq)) or id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, YMap):
        for key, line in node.duplicate_keys:
            yield SchemaIssue(f"key `{key}` is written twice in {dotted(path) or 'the object'}", path, line)
        for key, value in node.items():
            yield from _duplicate_keys(value, (*path, str(key)), seen)
    else:
        for index, item in enumerate(node):
            yield from _duplicate_keys(item, (*path, index), seen)


def _where(path: Sequence[PathPart]) -> str:
    """How a message names the place (spelt out only for a message: most checks find nothing)."""
    return dotted(path) or "the object"


def dotted(path: Sequence[PathPart]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "text"


# Schema files, read once per version and kind -------------------------------------------


def _schema_file(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    prefix = f"-{group.split('.')[0]}" if group else ""
    return f"{kind.lower()}{prefix}-{version}.json"


@lru_cache(maxsize=512)
def _kind_schema(version: tuple[int, int], api_version: str, kind: str) -> Mapping[str, Any] | None:
    base = version_folder(version)
    if base is None or "/" in kind or ".." in api_version or "\\" in api_version:
        return None
    try:
        schema = json.loads((base / _schema_file(api_version, kind)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    group, _, ver = api_version.rpartition("/")
    kinds = schema.get("x-kubernetes-group-version-kind") or []
    if not any(
        k.get("group", "") == group and k.get("version") == ver and k.get("kind") == kind for k in kinds
    ):
        return None  # a custom resource that shares a file name with a built-in kind
    return schema if isinstance(schema, dict) else None


@cache
def _definitions(version: tuple[int, int]) -> Mapping[str, Any]:
    base = version_folder(version)
    if base is None:
        return {}
    try:
        text = (base / "_definitions.json").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}
    return definitions_in(text)


def definitions_in(text: str) -> Mapping[str, Any]:
    """The `$defs` of a definitions file, each decoded when first looked up: the file is ~2 MB of
    JSON (~15 ms to decode whole) and an audit reads a few dozen of its ~850 definitions."""
    offsets = _definition_offsets(text)
    if offsets is not None:
        return _LazyDefinitions(text, offsets)
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    defs = loaded.get("$defs") if isinstance(loaded, dict) else None
    return defs if isinstance(defs, dict) else {}


_DECODER = json.JSONDecoder()
_DEFS_START = '{\n  "$defs": {\n'


def _definition_offsets(text: str) -> dict[str, int] | None:
    """Where each definition's value starts, found without decoding: the shipped files are written
    with a two-space indent, so within `$defs` a line indented by exactly four spaces and starting
    with a quote is a definition's name (deeper lines are indented more; a newline inside a string
    is escaped). None for a file written any other way: it is then decoded whole."""
    if not text.startswith(_DEFS_START):
        return None
    end = text.rfind("\n  }")  # the line closing `$defs`: only `$schema` and `$id` follow it
    if end < 0:
        return None
    offsets: dict[str, int] = {}
    at = text.find('\n    "', len(_DEFS_START) - 1, end)
    while at >= 0:
        try:
            name, after = _DECODER.raw_decode(text, at + 5)
        except ValueError:
            return None
        if not isinstance(name, str) or text[after : after + 2] != ": ":
            return None
        offsets[name] = after + 2
        at = text.find('\n    "', after, end)
    return offsets


class _LazyDefinitions(Mapping[str, Any]):
    def __init__(self, text: str, offsets: dict[str, int]) -> None:
        self._text = text
        self._offsets = offsets
        self._decoded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._decoded:
            try:
                self._decoded[name] = _DECODER.raw_decode(self._text, self._offsets[name])[0]
            except ValueError:  # a damaged file: as if the definition were missing
                raise KeyError(name) from None
        return self._decoded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)
