"""Validating a YAML tree against a vendored JSON schema (src/opsmith/data/schemas/), with each
problem described in a sentence and placed on the line of the key it is about.

`json_schema_check` answers first: when it is sure the tree is valid there is nothing to say, and
`jsonschema` is not even imported. Otherwise `jsonschema` is imported, its validator built once per
process, and it finds and words every problem; a value repeated (through YAML aliases or written
out again) is judged once (json_schema_repeats).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from opsmith.parse.json_schema_check import is_valid, load_schema
from opsmith.parse.json_schema_repeats import keywords_once, repeats_once
from opsmith.parse.yaml_tree import YMap, YSeq

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "empty",
}
_SHALLOW_TYPE = frozenset({"type", "const", "enum", "pattern"})
_MAX_MESSAGE = 180


@dataclass(frozen=True)
class SchemaProblem:
    message: str
    line: int
    path: tuple[Any, ...]


@cache
def validator(schema_file: str) -> Any:
    """The validator for `data/schemas/<schema_file>`, built once."""
    from jsonschema.validators import extend, validator_for

    schema = load_schema(schema_file)
    plain = validator_for(schema)
    return extend(plain, keywords_once(plain.VALIDATORS))(schema)  # type: ignore[no-untyped-call]


def iter_errors(schema_file: str, tree: Any) -> Iterator[Any]:
    """jsonschema's errors for `tree`; none, without importing jsonschema, when the fast check is
    sure there are none."""
    if is_valid(schema_file, tree):
        return iter(())
    return _errors(schema_file, tree)


def _errors(schema_file: str, tree: Any) -> Iterator[Any]:
    with repeats_once(tree):
        yield from validator(schema_file).iter_errors(tree)


def schema_problems(schema_file: str, tree: Any, limit: int = 25) -> list[SchemaProblem]:
    """Every way `tree` breaks the schema, most specific first, one problem per line and text."""
    out: dict[tuple[int, str], SchemaProblem] = {}
    if is_valid(schema_file, tree):
        return []
    tree = text_keyed(tree)
    for error in _errors(schema_file, tree):
        for leaf in _leaves(error):
            for problem in _describe(leaf, tree):
                out.setdefault((problem.line, problem.message), problem)
    return sorted(out.values(), key=lambda p: p.line)[:limit]


def text_keyed(tree: Any) -> Any:
    """`tree` with every mapping key as text and every position kept. JSON has only text keys, and
    jsonschema fails on a number or `null` written as a key (`jobs: {1: ...}`); as text, the schema
    judges it like any other key."""
    memo: dict[int, Any] = {}

    def convert(node: Any) -> Any:
        if not isinstance(node, YMap | YSeq):
            return node
        if id(node) in memo:
            return memo[id(node)]
        if isinstance(node, YSeq):
            seq = memo[id(node)] = YSeq(node.line, node.column)
            seq.extend(convert(item) for item in node)
            seq.item_pos = node.item_pos
            return seq
        mapping = memo[id(node)] = YMap(node.line, node.column)
        for key, value in node.items():
            text = key if isinstance(key, str) else json.dumps(key, default=str).strip('"')
            mapping[text] = convert(value)
            if key in node.key_pos:
                mapping.key_pos[text] = node.key_pos[key]
            if key in node.value_pos:
                mapping.value_pos[text] = node.value_pos[key]
        mapping.duplicate_keys = node.duplicate_keys
        return mapping

    return convert(tree)


def _leaves(error: Any) -> list[Any]:
    """Follow `oneOf`/`anyOf` into the alternative the value was most likely meant to be."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    depth = len(error.absolute_path)
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def score(errors: list[Any]) -> tuple[int, int]:
        shallow = [e for e in errors if len(e.absolute_path) == depth]
        wrong_type = any(e.validator in _SHALLOW_TYPE for e in shallow)
        return (1000 if wrong_type else 0) + 10 * len(shallow), len(errors)

    best = min(branches.values(), key=score)
    if score(best)[0] >= 1000:
        return [error]  # no alternative fits this value at all: say what was expected
    return [leaf for sub in best for leaf in _leaves(sub)]


def _describe(error: Any, tree: Any) -> Iterator[SchemaProblem]:
    path = tuple(error.absolute_path)
    where = f"`{dotted(path)}`" if path else "the document"
    line = line_of(tree, path)
    kind = error.validator
    instance = error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        for key in _unexpected(error.schema, instance):
            key_line = instance.key_line(key) if isinstance(instance, YMap) else line
            yield SchemaProblem(f"unknown key `{key}` in {where}", key_line, (*path, key))
        return
    if kind == "required" and isinstance(instance, dict):
        for key in error.validator_value:
            if key not in instance:
                yield SchemaProblem(f"{where} is missing the required key `{key}`", line, path)
        return
    sentence = _sentence(error, where)
    if _is_template(instance):
        sentence += (
            f": {_shown(instance)} looks like an unrendered template, which YAML reads as a mapping "
            "(quote it, or audit the rendered file)"
        )
    yield SchemaProblem(sentence, line, path)


def _sentence(error: Any, where: str) -> str:
    kind, instance, value = error.validator, error.instance, error.validator_value
    if kind == "type":
        expected = " or ".join(_TYPE_WORDS.get(t, t) for t in _as_list(value))
        return f"{where} must be {expected}, not {_kind_of(instance)}"
    if kind == "enum":
        return f"{_shown(instance)} is not a valid value for {where}{_choices(value)}"
    if kind in ("oneOf", "anyOf") and not error.context:
        if where.endswith("]`") and ".steps[" in where:
            return f"{where}: a step takes exactly one of `uses` or `run`"
        return f"{where} matches more than one of the allowed forms"
    if kind in ("oneOf", "anyOf"):
        forms = _alternatives(error)
        return f"{where} has an invalid value {_shown(instance)}" + (f": expected {forms}" if forms else "")
    if kind == "pattern":
        if "${{" in value or r"\$\{\{" in value:
            return f"{where} must be a `${{{{ }}}}` expression, not {_shown(instance)}"
        return f"{_shown(instance)} does not have the form {where} needs"
    if kind in ("minItems", "minProperties"):
        return f"{where} must not be empty"
    text = str(error.message)
    return f"{where}: {text[:_MAX_MESSAGE]}{'…' if len(text) > _MAX_MESSAGE else ''}"


def _alternatives(error: Any) -> str:
    depth = len(error.absolute_path)
    forms: list[str] = []
    for sub in error.context:
        if len(sub.absolute_path) != depth:
            continue
        if sub.validator == "type":
            words = [_TYPE_WORDS.get(t, t) for t in _as_list(sub.validator_value)]
        elif sub.validator == "pattern" and "{" in sub.validator_value:
            words = ["a `${{ }}` expression"]
        elif sub.validator == "enum":
            words = [f"one of {', '.join(map(str, sub.validator_value[:8]))}"]
        else:
            continue
        forms.extend(w for w in words if w not in forms)
    return " or ".join(forms)


def _unexpected(schema: Any, instance: dict[Any, Any]) -> list[Any]:
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    patterns = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
    return [key for key in instance if key not in props and not any(re.search(p, str(key)) for p in patterns)]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _choices(values: Sequence[Any]) -> str:
    if len(values) > 10:
        return ""
    return ": expected one of " + ", ".join(f"`{v}`" for v in values)


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"the number {value}"
    if value is None:
        return "empty"
    if isinstance(value, str):
        return f"the string {_shown(value)}"
    return f"a {type(value).__name__}"


def _is_template(value: Any) -> bool:
    """`{{ name }}` written unquoted: a mapping whose only key is a mapping (kept as its text)."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and all(isinstance(k, str) and k.startswith("{") and v is None for k, v in value.items())
    )


def _flow(value: Any) -> str:
    """A value as YAML's flow style writes it: `{{name}}` rather than JSON's `{"{name}": null}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(str(k) if v is None else f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _shown(value: Any) -> str:
    text = _flow(value)
    text = text.replace("\n", " ")
    return f"`{text[:60]}{'…' if len(text) > 60 else ''}`"


def dotted(path: Sequence[Any]) -> str:
    """`("jobs", "build", "steps", 2)` -> `jobs.build.steps[2]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(tree: Any, path: Sequence[Any]) -> int:
    """The line of the key (or list item) at `path`: as deep as the tree goes."""
    node = tree
    line = getattr(tree, "line", 1)
    for part in path:
        if isinstance(node, YMap) and part in node:
            line = node.key_line(part)
            node = node[part]
        elif isinstance(node, YSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_line(part)
            node = node[part]
        else:
            break
    return line
