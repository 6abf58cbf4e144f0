"""A fast "is this document valid?" against a vendored JSON schema, so that a valid file (nearly
every real one) never pays for importing `jsonschema` and building its validator.

It knows only the keywords the vendored schemas use, each with jsonschema's own semantics: under
draft-07 a `$ref` hides its siblings, a bool is not an integer but `1.0` is, `enum`/`const` tell
`True` from `1`, `oneOf` means exactly one, `pattern` is `re.search`, and `unevaluatedProperties`
counts the keys jsonschema counts. It answers True only when sure. Anything it does not model (a
keyword it does not know, a key that is not text, a `$ref` that is not a local pointer, a cyclic
alias) makes it answer False, and the caller asks jsonschema, which stays the judge and the author
of every message. tests/parse/test_json_schema_check.py keeps the two in agreement on the
repository's files and on thousands of mutations of them.

A mapping or list whose value occurs more than once (reached through YAML aliases, or written out
again) is checked against each subschema once: a few kilobytes of nested aliases expand to hundreds
of thousands of nodes, but hold only a few hundred distinct ones.
"""

from __future__ import annotations

import itertools
import json
import pkgutil
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from numbers import Number
from typing import Any

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Keywords that never change a verdict (`$id` is only allowed on the root, see Checker._prepare).
_DESCRIPTIVE = {"title", "description", "markdownDescription", "default", "examples", "deprecated"}
ANNOTATIONS = frozenset(
    {"$comment", "$schema", "$defs", "definitions", "readOnly", "writeOnly", *_DESCRIPTIVE}
)


class _Unsure(Exception):
    """Something this checker does not model: jsonschema decides."""


@cache
def load_schema(schema_file: str) -> dict[str, Any]:
    """`data/schemas/<schema_file>`, read once per process (pkgutil: importlib.resources costs
    more to import than the whole check)."""
    data = pkgutil.get_data("opsmith", f"data/schemas/{schema_file}")
    if data is None:  # pragma: no cover - only for loaders that cannot read package data
        raise FileNotFoundError(schema_file)
    schema: dict[str, Any] = json.loads(data)
    return schema


def _part(child: Any, of_node: dict[int, int]) -> tuple[Any, Any]:
    if not isinstance(child, dict | list):
        return (type(child), child)
    known = of_node.get(id(child))
    return ("node", known) if known is not None else ("cycle", id(child))  # a cycle is its own class


def repeated_nodes(tree: Any) -> dict[int, int]:
    """The mappings and lists of `tree` whose value occurs more than once, each (by id) with a
    number its equals share: one object reached through YAML aliases or merge keys, or equal
    copies written out (a block pasted many times). Their verdicts are the same, so each is
    worked out once. Linear in the written nodes: each object is read once."""
    classes: dict[tuple[Any, ...], int] = {}
    of_node: dict[int, int] = {}
    uses: dict[int, int] = {}
    open_nodes: set[int] = set()  # being read: met again below itself, the tree has a cycle
    stack: list[tuple[Any, bool]] = [(tree, False)] if isinstance(tree, dict | list) else []
    while stack:
        node, children_done = stack.pop()
        if id(node) in of_node:
            uses[of_node[id(node)]] += 1
            continue
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children_done:
            if id(node) in open_nodes:
                continue  # a cycle: the ancestor's class cannot depend on itself
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for _key, child in items if isinstance(child, dict | list))
            continue
        open_nodes.discard(id(node))
        parts = tuple((key, _part(child, of_node)) for key, child in items)
        try:
            number = classes.setdefault((isinstance(node, dict), parts), len(classes))
        except TypeError:  # a value that cannot be a key (unhashable): never taken for another
            number = -1 - len(of_node)
        of_node[id(node)] = number
        uses[number] = uses.get(number, 0) + 1
    return {node: number for node, number in of_node.items() if uses[number] > 1}


def is_valid(schema_file: str, instance: Any) -> bool:
    """True when jsonschema would find no error in `instance`; False when it would, or may."""
    return checker(schema_file).is_valid(instance)


@cache
def checker(schema_file: str) -> Checker:
    """The checker for `data/schemas/<schema_file>`, built once per process."""
    return Checker(load_schema(schema_file))


# --- jsonschema's notions of type and equality -----------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (
        not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    ),
}
_TRUE, _FALSE = object(), object()


def _unbool(value: Any) -> Any:
    return _TRUE if value is True else _FALSE if value is False else value


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: `True` is not `1`, at any depth."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list[Any]) -> bool:
    """jsonschema's `uniq`, step for step (sorted neighbours, else every pair)."""
    try:
        ordered = sorted(_unbool(i) for i in items)
        return not any(_equal(a, b) for a, b in itertools.pairwise(ordered))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in map(_unbool, items):
            if any(_equal(s, item) for s in seen):
                return False
            seen.append(item)
        return True


def _text_keys(instance: dict[Any, Any]) -> dict[str, Any]:
    """The mapping, when every key is text (jsonschema would crash matching a pattern otherwise)."""
    if not all(isinstance(k, str) for k in instance):
        raise _Unsure("a key that is not text")
    return instance


# --- keywords: prepare(checker, value, schema) -> prepared; check(checker, prepared, instance) ------

Check = Callable[["Checker", Any, Any], bool]
Prepare = Callable[["Checker", Any, dict[str, Any]], Any]


def _as_is(_checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    return value


def _prepare_type(_checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(n, str) and n in _TYPES for n in names):
        raise _Unsure(f"type {value!r}")
    return tuple(_TYPES[n] for n in names)


def _prepare_pattern(_checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    return re.compile(value)


def _prepare_ref(checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    return checker.resolve(value)


def _prepare_patterns(_checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    return [(re.compile(p), sub) for p, sub in value.items()]


def _prepare_additional(_checker: Checker, value: Any, schema: dict[str, Any]) -> Any:
    patterns = "|".join(schema.get("patternProperties", {}))  # one alternation, as jsonschema does
    return value, schema.get("properties", {}), re.compile(patterns) if patterns else None


def _prepare_items(_checker: Checker, value: Any, _schema: dict[str, Any]) -> Any:
    if isinstance(value, list):
        raise _Unsure("tuple `items`")
    return value


def _prepare_unevaluated(_checker: Checker, value: Any, schema: dict[str, Any]) -> Any:
    return value, schema


def _check_type(_c: Checker, types: tuple[Callable[[Any], bool], ...], instance: Any) -> bool:
    return any(is_type(instance) for is_type in types)


def _check_enum(_c: Checker, options: list[Any], instance: Any) -> bool:
    return any(_equal(option, instance) for option in options)


def _check_const(_c: Checker, value: Any, instance: Any) -> bool:
    return _equal(instance, value)


def _check_required(_c: Checker, names: list[Any], instance: Any) -> bool:
    return not isinstance(instance, dict) or all(name in instance for name in names)


def _check_min_items(_c: Checker, least: Any, instance: Any) -> bool:
    return not isinstance(instance, list) or len(instance) >= least


def _check_min_properties(_c: Checker, least: Any, instance: Any) -> bool:
    return not isinstance(instance, dict) or len(instance) >= least


def _check_min_length(_c: Checker, least: Any, instance: Any) -> bool:
    return not isinstance(instance, str) or len(instance) >= least


def _check_minimum(_c: Checker, least: Any, instance: Any) -> bool:
    return not _is_number(instance) or not instance < least


def _check_maximum(_c: Checker, most: Any, instance: Any) -> bool:
    return not _is_number(instance) or not instance > most


def _check_pattern(_c: Checker, pattern: re.Pattern[str], instance: Any) -> bool:
    return not isinstance(instance, str) or pattern.search(instance) is not None


def _check_unique(_c: Checker, wanted: Any, instance: Any) -> bool:
    return not wanted or not isinstance(instance, list) or _unique(instance)


def _check_ref(c: Checker, target: Any, instance: Any) -> bool:
    return c.valid(instance, target)


def _check_not(c: Checker, sub: Any, instance: Any) -> bool:
    return not c.valid(instance, sub)


def _check_all_of(c: Checker, subs: list[Any], instance: Any) -> bool:
    return all(c.valid(instance, sub) for sub in subs)


def _check_any_of(c: Checker, subs: list[Any], instance: Any) -> bool:
    return any(c.valid(instance, sub) for sub in subs)


def _check_one_of(c: Checker, subs: list[Any], instance: Any) -> bool:
    passed = 0
    for sub in subs:
        if c.valid(instance, sub):
            passed += 1
            if passed > 1:
                return False
    return passed == 1


def _check_items(c: Checker, sub: Any, instance: Any) -> bool:
    return not isinstance(instance, list) or all(c.valid(item, sub) for item in instance)


def _check_properties(c: Checker, props: dict[str, Any], instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(c.valid(value, props[key]) for key, value in instance.items() if key in props)


def _check_pattern_properties(c: Checker, patterns: list[tuple[re.Pattern[str], Any]], instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(
        c.valid(value, sub)
        for key, value in _text_keys(instance).items()
        for pattern, sub in patterns
        if pattern.search(key)
    )


def _check_additional(c: Checker, prepared: tuple[Any, dict[str, Any], Any], instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    sub, props, patterns = prepared
    extras = [
        key
        for key in _text_keys(instance)
        if key not in props and not (patterns is not None and patterns.search(key))
    ]
    if isinstance(sub, dict):
        return all(c.valid(instance[key], sub) for key in extras)
    return bool(sub) or not extras


def _check_dependencies(c: Checker, dependencies: dict[str, Any], instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    for name, dependency in dependencies.items():
        if name not in instance:
            continue
        if isinstance(dependency, list):
            if not all(each in instance for each in dependency):
                return False
        elif not c.valid(instance, dependency):
            return False
    return True


def _check_unevaluated(c: Checker, prepared: tuple[Any, dict[str, Any]], instance: Any) -> bool:
    if not isinstance(instance, dict):
        return True
    sub, schema = prepared
    evaluated = c.evaluated(_text_keys(instance), schema)
    return all(key in evaluated or c.valid(value, sub) for key, value in instance.items())


# keyword -> (check, prepare, rank): cheap checks first, unevaluatedProperties last
_Keyword = tuple[Check, Prepare, int]
_COMMON: dict[str, _Keyword] = {
    "type": (_check_type, _prepare_type, 0),
    "enum": (_check_enum, _as_is, 0),
    "const": (_check_const, _as_is, 0),
    "required": (_check_required, _as_is, 0),
    "minItems": (_check_min_items, _as_is, 0),
    "minProperties": (_check_min_properties, _as_is, 0),
    "minLength": (_check_min_length, _as_is, 0),
    "minimum": (_check_minimum, _as_is, 0),
    "maximum": (_check_maximum, _as_is, 0),
    "pattern": (_check_pattern, _prepare_pattern, 0),
    "uniqueItems": (_check_unique, _as_is, 1),
    "$ref": (_check_ref, _prepare_ref, 1),
    "not": (_check_not, _as_is, 1),
    "allOf": (_check_all_of, _as_is, 1),
    "anyOf": (_check_any_of, _as_is, 1),
    "oneOf": (_check_one_of, _as_is, 1),
    "items": (_check_items, _prepare_items, 1),
    "properties": (_check_properties, _as_is, 1),
    "patternProperties": (_check_pattern_properties, _prepare_patterns, 1),
    "additionalProperties": (_check_additional, _prepare_additional, 1),
}
_BY_DRAFT: dict[str, dict[str, _Keyword]] = {
    DRAFT_07: {**_COMMON, "dependencies": (_check_dependencies, _as_is, 1)},
    DRAFT_2020_12: {**_COMMON, "unevaluatedProperties": (_check_unevaluated, _prepare_unevaluated, 2)},
}


class Checker:
    """One schema (draft-07 or 2020-12), its subschemas prepared on first use (by identity: the
    schema lives as long as the checker)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        draft = root.get("$schema")
        self.keywords = _BY_DRAFT.get(draft, {}) if isinstance(draft, str) else {}
        self.refs_hide_siblings = draft == DRAFT_07
        self._plans: dict[int, list[tuple[Check, Any]]] = {}
        # For the instance being checked: its repeated nodes and their verdicts per subschema.
        self._repeated: dict[int, int] = {}
        self._verdicts: dict[tuple[int, int], bool] = {}

    def is_valid(self, instance: Any) -> bool:
        """True when jsonschema would find no error in `instance`; False when it would, or may."""
        self._repeated = repeated_nodes(instance)
        try:
            return self.valid(instance, self.root)
        except (_Unsure, RecursionError):
            return False
        finally:
            self._repeated = {}
            self._verdicts.clear()

    def valid(self, instance: Any, schema: Any) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        number = self._repeated.get(id(instance)) if self._repeated else None
        if number is not None:
            key = (number, id(schema))
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = self._verdicts[key] = self._valid(instance, schema)
            return verdict
        return self._valid(instance, schema)

    def _valid(self, instance: Any, schema: Any) -> bool:
        return all(check(self, prepared, instance) for check, prepared in self.plan(schema))

    def plan(self, schema: Any) -> list[tuple[Check, Any]]:
        plan = self._plans.get(id(schema))
        if plan is None:
            plan = self._plans[id(schema)] = self._prepare(schema)
        return plan

    def _prepare(self, schema: Any) -> list[tuple[Check, Any]]:
        if not isinstance(schema, dict):
            raise _Unsure("a schema that is neither an object nor a bool")
        if "$id" in schema and schema is not self.root:
            raise _Unsure("a nested `$id` moves the base of `$ref`")
        if self.refs_hide_siblings and "$ref" in schema:
            keywords = [("$ref", schema["$ref"])]
        else:
            keywords = [(k, v) for k, v in schema.items() if k not in ANNOTATIONS and k != "$id"]
        steps: list[tuple[int, Check, Any]] = []
        for keyword, value in keywords:
            known = self.keywords.get(keyword)
            if known is None:
                raise _Unsure(f"keyword {keyword}")
            check, prepare, rank = known
            steps.append((rank, check, prepare(self, value, schema)))
        steps.sort(key=lambda step: step[0])
        return [(check, prepared) for _rank, check, prepared in steps]

    def resolve(self, ref: Any) -> Any:
        """A local JSON pointer (`#/$defs/service`); anything else is left to jsonschema."""
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")) or "%" in ref:
            raise _Unsure(f"$ref {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/") if ref != "#" else ():
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise _Unsure(f"$ref {ref!r}")
        return node

    def evaluated(self, instance: dict[str, Any], schema: Any) -> set[str]:
        """The keys jsonschema counts as evaluated for `unevaluatedProperties`
        (`find_evaluated_property_keys_by_schema`): those of the schema's own `properties`,
        `patternProperties`, `additionalProperties`, of its `$ref`, and of each passing branch of
        its `allOf`/`oneOf`/`anyOf`."""
        if isinstance(schema, bool):
            return set()
        self.plan(schema)  # a keyword this checker does not know (`if`, `dependentSchemas`...) stops here
        keys: set[str] = set()
        if "$ref" in schema:
            keys |= self.evaluated(instance, self.resolve(schema["$ref"]))
        props = schema.get("properties")
        if isinstance(props, dict):
            keys.update(key for key in props if key in instance)
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            sub = schema.get(keyword)
            if sub is not None:
                keys.update(key for key, value in instance.items() if self.valid(value, sub))
        for pattern in schema.get("patternProperties", ()):
            keys.update(key for key in instance if re.search(pattern, key))
        for keyword in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(keyword, ()):
                if self.valid(instance, sub):
                    keys |= self.evaluated(instance, sub)
        return keys
