"""The fast validity check agrees with jsonschema: on tiny schemas where the two drafts' semantics
bite, on every compose file and workflow of the repository and of the generators, and on
thousands of seeded mutations of them. It may say "not valid" where jsonschema finds nothing (the
caller then asks jsonschema), never the reverse. An audit of valid files never imports jsonschema."""

from __future__ import annotations

import copy
import datetime
import os
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for

from audit.test_lazy_imports import loaded_by_audit
from design.fixtures import NAMES, design
from helpers import audit_tree, found, write_tree
from opsmith.audit.families import artifact_types
from opsmith.generate import compose, workflows
from opsmith.generate.options import GenerateOptions
from opsmith.generate.workflow_yaml import plain
from opsmith.parse.compose import _plain
from opsmith.parse.json_schema import text_keyed, validator
from opsmith.parse.json_schema_check import DRAFT_07, DRAFT_2020_12, Checker, is_valid, load_schema
from opsmith.parse.yaml_tree import load_documents

ROOT = Path(__file__).resolve().parents[2]
COMPOSE, WORKFLOWS = "compose-spec.json", "github-workflows.json"
SCHEMAS = (COMPOSE, WORKFLOWS)
MUTANTS = 1250  # per seed; OPSMITH_MUTATION_SEEDS=40 runs more seeds
SEEDS = range(int(os.environ.get("OPSMITH_MUTATION_SEEDS", "2")))


# --- the semantics that bite, on tiny schemas ----------------------------------------------------


def _verdicts(schema: dict[str, Any], instances: list[Any]) -> list[tuple[Any, bool, bool]]:
    fast, reference = Checker(schema), validator_for(schema)(schema)
    return [(i, fast.is_valid(i), not list(reference.iter_errors(i))) for i in instances]


def _agree(schema: dict[str, Any], instances: list[Any]) -> None:
    verdicts = _verdicts(schema, instances)
    assert [(i, ref) for i, fast, ref in verdicts if fast != ref] == []
    assert {ref for _i, _f, ref in verdicts} == {True, False}, "each schema is tried with both outcomes"


DRAFTS = pytest.mark.parametrize("draft", [DRAFT_07, DRAFT_2020_12])
ODD_VALUES = [True, False, 0, 1, 1.0, 1.5, -1, None, "1", "a1", "", [], {}, [1], {"a": 1}]
ODD_VALUES.append(datetime.date(2024, 1, 2))  # what YAML makes of an unquoted date


@DRAFTS
@pytest.mark.parametrize(
    "keywords",
    [
        {"type": "integer"},
        {"type": "number"},
        {"type": ["boolean", "null"]},
        {"type": ["object", "string"]},
        {"enum": [1, "a", None, [1], {"a": 1}]},
        {"enum": [True]},
        {"const": 1},
        {"const": False},
        {"minimum": 0, "maximum": 1},
        {"minLength": 1, "pattern": "^[0-9]"},
        {"pattern": "[0-9]"},
        {"minItems": 1, "items": {"type": "integer"}},
        {"minProperties": 1, "required": ["a"]},
        {"not": {"type": "integer"}},
        {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        {"allOf": [{"type": ["integer", "string"]}, {"not": {"const": 1}}]},
    ],
)
def test_values_are_judged_as_jsonschema_judges_them(draft: str, keywords: dict[str, Any]) -> None:
    _agree({"$schema": draft, **keywords}, ODD_VALUES)


@DRAFTS
def test_unique_items_tell_true_from_one(draft: str) -> None:
    lists = [
        [1, True],
        [1, 1.0],
        ["a", "a"],
        ["a", "b"],
        [[1], [True]],
        [{"a": 1}, {"a": 1}],
        [1, "1"],
        [0, False],
    ]
    _agree({"$schema": draft, "uniqueItems": True}, lists)


@DRAFTS
def test_properties_patterns_and_additional_properties(draft: str) -> None:
    schema = {
        "$schema": draft,
        "properties": {"a": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "integer"}, "y$": True, "z": {"type": "string"}},
        "additionalProperties": {"type": "boolean"},
    }
    maps = [
        {},
        {"a": "s"},
        {"a": 1},
        {"x-b": 1},
        {"x-b": "s"},
        {"ay": None},
        {"b": True},
        {"b": 1},
        {"az": 1},
    ]
    _agree(schema, maps)
    _agree({**schema, "additionalProperties": False}, maps)


def test_draft_07_ref_hides_its_siblings_and_dependencies_apply() -> None:
    schema = {
        "$schema": DRAFT_07,
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/definitions/s", "minLength": 5}},
        "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
    }
    _agree(schema, [{"a": "x", "b": 1}, {"a": 1, "b": 1}, {"a": "x"}, {"c": 1}, {"c": 1, "d": 2}])
    assert Checker(schema).is_valid({"a": "x", "b": 1})


def test_2020_12_ref_keeps_its_siblings() -> None:
    schema = {
        "$schema": DRAFT_2020_12,
        "$defs": {"s": {"type": "string"}},
        "$ref": "#/$defs/s",
        "minLength": 5,
    }
    _agree(schema, ["x", "long enough", 5])


def test_unevaluated_properties_count_passing_branches_and_refs() -> None:
    schema = {
        "$schema": DRAFT_2020_12,
        "$defs": {"base": {"properties": {"image": {"type": "string"}}}},
        "allOf": [{"$ref": "#/$defs/base"}],
        "anyOf": [
            {"properties": {"a": {"type": "integer"}}},
            {"properties": {"b": {"const": 1}}, "required": ["b"]},
        ],
        "oneOf": [{"patternProperties": {"^x-": True}}, {"required": ["never"]}],
        "properties": {"keep": True},
        "unevaluatedProperties": False,
    }
    maps = [
        {"image": "x", "keep": 1},
        {"image": "x", "other": 1},
        {"a": 1},
        {"a": "not an integer", "b": 1},
        {"b": 1},
        {"b": 2},
        {"x-note": 1},
        {"image": 5},
    ]
    _agree(schema, maps)
    _agree({**schema, "unevaluatedProperties": {"type": "integer"}}, [*maps, {"c": 1}, {"c": "s"}])


@pytest.mark.parametrize(
    "schema",
    [
        {"$schema": DRAFT_2020_12, "maxItems": 5},  # a keyword it does not implement
        {"$schema": DRAFT_2020_12, "not": {"maxItems": 0}},  # ... even under `not`
        {"$schema": DRAFT_2020_12, "oneOf": [{"maxItems": 5}, {"type": "string"}]},
        {"$schema": DRAFT_07, "unevaluatedProperties": False},  # not a draft-07 keyword
        {"$schema": DRAFT_2020_12, "dependencies": {"a": ["b"]}},  # not a 2020-12 keyword
        {"$schema": DRAFT_2020_12, "$id": "root.json", "$defs": {"s": {}}, "$ref": "root.json#/$defs/s"},
        {"$schema": DRAFT_2020_12, "$defs": {"s": {}}, "$ref": "#/%24defs/s"},
        {"$schema": DRAFT_2020_12, "items": {"$id": "elsewhere.json", "type": "integer"}},
        {"$schema": "http://json-schema.org/draft-04/schema#", "type": "array"},
        {"$schema": DRAFT_2020_12, "type": "array", "prefixItems": [{"type": "integer"}]},
        {"$schema": DRAFT_07, "items": [{"type": "integer"}]},
    ],
)
def test_what_it_does_not_model_is_left_to_jsonschema(schema: dict[str, Any]) -> None:
    [(_i, fast, reference)] = _verdicts(schema, [[1]])
    assert reference and not fast


def test_annotations_do_not_make_it_unsure() -> None:
    annotated = {
        "title": "t",
        "description": "d",
        "$comment": "c",
        "default": 1,
        "examples": [1],
        "deprecated": True,
    }
    schema = {
        "$schema": DRAFT_2020_12,
        "$id": "root.json",
        **annotated,
        "items": {**annotated, "type": "integer"},
    }
    assert Checker(schema).is_valid([1])


def test_a_key_that_is_not_text_and_a_cyclic_alias_are_left_to_jsonschema() -> None:
    assert not is_valid(WORKFLOWS, {"on": "push", "jobs": {1: {"runs-on": "x", "steps": [{"run": "echo"}]}}})
    # load_documents refuses a cyclic alias; a caller may still hand the checker one
    job: dict[str, Any] = {"runs-on": "x"}
    job["steps"] = [job]
    assert not is_valid(WORKFLOWS, {"on": "push", "jobs": {"a": job}})


# --- every compose file and workflow the repository holds or generates -----------------------------


def _trees(relpath: str, text: str) -> Iterator[tuple[str, Any]]:
    """(schema, tree) for each document, as the compose parser and GA001 hand them over."""
    kinds = artifact_types(relpath)
    docs = load_documents(text)
    if not isinstance(docs, list):
        return
    for doc in docs:
        if isinstance(doc, dict) and "compose" in kinds:
            yield COMPOSE, _plain(doc)
        elif isinstance(doc, dict) and "workflow" in kinds:
            yield WORKFLOWS, text_keyed(doc)


@cache
def repository_trees() -> tuple[tuple[str, str, Any], ...]:
    out: list[tuple[str, str, Any]] = []
    for top in ("tests/rules/cases", "tests/analysis/repos", "examples"):
        for path in sorted((ROOT / top).rglob("*.y*ml")):
            inside = path.relative_to(ROOT / top).as_posix()
            out += [
                (inside, s, t) for s, t in _trees(inside, path.read_text(encoding="utf-8", errors="replace"))
            ]
    return tuple(out)


@cache
def generated_trees() -> tuple[tuple[str, str, Any], ...]:
    out: list[tuple[str, str, Any]] = []
    tiers = [
        (100, "none", "fly"),
        (5000, "none", "aws"),
        (200_000, "none", "gcp"),
        (2_000_000, "none", "azure"),
    ]
    for name in NAMES:
        for users, compliance, cloud in [*tiers, (100, "hipaa", "aws")]:
            d = design(name, users=users, compliance=compliance, cloud=cloud)
            for art in [*compose.render(d), *workflows.render(d, GenerateOptions())]:
                label = f"{name}-{cloud}-{users}/{art.path}"
                out += [(label, s, t) for s, t in _trees(art.path, art.content)]
    return tuple(out)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_verdict_is_jsonschemas_on_every_file_of_the_repository(schema: str) -> None:
    trees = [(label, tree) for label, s, tree in repository_trees() if s == schema]
    assert len(trees) >= 20
    verdicts = [
        (label, is_valid(schema, t), not list(validator(schema).iter_errors(t))) for label, t in trees
    ]
    assert [(label, ref) for label, fast, ref in verdicts if fast != ref] == []
    assert {ref for _label, _fast, ref in verdicts} == {True, False}


@pytest.mark.parametrize("schema", SCHEMAS)
def test_generated_files_take_the_fast_path(schema: str) -> None:
    trees = [(label, tree) for label, s, tree in generated_trees() if s == schema]
    assert len(trees) >= 20
    assert [label for label, tree in trees if list(validator(schema).iter_errors(tree))] == []
    assert [label for label, tree in trees if not is_valid(schema, tree)] == []


# --- seeded mutations: "valid" is never said of a tree jsonschema faults ------------------------------


def _vocabulary(schema: Any) -> tuple[list[str], list[Any]]:
    """Every property name and every enum/const value the schema declares."""
    names: set[str] = set()
    values: list[Any] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            names.update(node.get("properties", {}) if isinstance(node.get("properties"), dict) else ())
            values += node.get("enum", []) + ([node["const"]] if "const" in node else [])
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return sorted(names), values


ODD_KEYS = ["zz-unknown", "x-extension", 1, "on"]


def _containers(tree: Any) -> list[Any]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            out.append(node)
            stack += node.values() if isinstance(node, dict) else node
    return out


def _mutate_map(
    node: dict[Any, Any], rng: random.Random, pool: list[Any], names: list[Any], donor: dict[Any, Any]
) -> None:
    key = rng.choice(list(node))
    op = rng.randrange(8)
    if op == 0:
        del node[key]
    elif op == 1:  # an unknown key, or a key that belongs elsewhere (a second oneOf discriminator...)
        node[rng.choice(names + ODD_KEYS)] = copy.deepcopy(rng.choice(pool))
    elif op == 2:  # another value: of another type, or another enum member
        node[key] = copy.deepcopy(rng.choice(pool))
    elif op == 3:
        node[key] = type(node[key])() if isinstance(node[key], dict | list) else []
    elif op == 4:  # a key copied over from another mapping of the tree
        other = rng.choice(list(donor))
        node[other] = copy.deepcopy(donor[other])
    elif op == 5:
        node[key] = [node[key]]
    elif op == 6 and isinstance(node[key], list) and node[key]:
        node[key] = node[key][0]
    elif op == 7 and isinstance(node[key], int | float) and not isinstance(node[key], bool):
        node[key] = float(node[key]) if isinstance(node[key], int) else int(node[key])


def _mutate_list(node: list[Any], rng: random.Random, pool: list[Any]) -> None:
    index = rng.randrange(len(node))
    op = rng.randrange(4)
    if op == 0:
        del node[index]
    elif op == 1:  # a duplicate item (uniqueItems)
        node.append(copy.deepcopy(node[index]))
    elif op == 2:
        node[index] = copy.deepcopy(rng.choice(pool))
    else:
        node.clear()


def _mutant(tree: Any, rng: random.Random, pool: list[Any], names: list[Any]) -> Any:
    mutant = plain(tree)  # a deep copy
    for _ in range(rng.randint(1, 3)):
        containers = _containers(mutant)
        node = rng.choice(containers)
        if isinstance(node, dict) and node:
            donors = [c for c in containers if isinstance(c, dict) and c]
            _mutate_map(node, rng, pool, names, rng.choice(donors))
        elif isinstance(node, list) and node:
            _mutate_list(node, rng, pool)
    return mutant


SAMPLE_VALUES = [0, 1, -1, 1.0, 2.5, True, False, None, "", "x", "${{ github.sha }}", "${VAR}", "10", 70000]
SAMPLE_VALUES += [[], {}, ["a"], {"a": "b"}, datetime.date(2024, 1, 2)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("schema", SCHEMAS)
def test_mutated_files_are_never_called_valid_when_jsonschema_faults_them(schema: str, seed: int) -> None:
    corpus = [tree for _label, s, tree in (*repository_trees(), *generated_trees()) if s == schema]
    names, values = _vocabulary(load_schema(schema))
    pool = SAMPLE_VALUES + values
    reference = validator(schema)
    rng = random.Random(f"{schema}-{seed}")
    outcomes = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for _ in range(MUTANTS):
        mutant = _mutant(rng.choice(corpus), rng, pool, names)
        fast = is_valid(schema, mutant)
        try:
            valid = reference.is_valid(mutant)  # the verdict of `not list(iter_errors(...))`, sooner
        except TypeError:  # jsonschema matching a pattern against a key that is not text
            assert not fast
            continue
        outcomes[fast, valid] += 1
        assert not (fast and not valid), mutant
    valid_count = outcomes[True, True] + outcomes[False, True]
    assert min(valid_count, outcomes[False, False]) > MUTANTS // 10, outcomes  # both outcomes are well tried
    assert outcomes[False, True] <= valid_count // 100, outcomes  # "unsure" about valid trees is rare


# --- the audit: jsonschema is imported only for a file that needs it ----------------------------------

VALID_COMPOSE = "services:\n  api:\n    image: nginx:1.27\n    restart: unless-stopped\n"
VALID_WORKFLOW = (
    "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
)


@pytest.mark.parametrize(
    ("path", "valid", "broken", "rule"),
    [
        ("compose.yaml", VALID_COMPOSE, VALID_COMPOSE + "    restrat: always\n", "DC010"),
        (".github/workflows/ci.yml", VALID_WORKFLOW, VALID_WORKFLOW + "    timeout-minute: 5\n", "GA001"),
    ],
)
def test_jsonschema_is_imported_only_for_an_invalid_file(
    tmp_path: Path, path: str, valid: str, broken: str, rule: str
) -> None:
    good, bad = write_tree(tmp_path / "good", {path: valid}), write_tree(tmp_path / "bad", {path: broken})
    assert found(audit_tree(good), rule) == []
    assert "jsonschema" not in loaded_by_audit(good)
    assert found(audit_tree(bad), rule) == [(rule, path, broken.count("\n"))]  # the last line
    assert "jsonschema" in loaded_by_audit(bad)


# --- nodes shared by YAML aliases ------------------------------------------------------------------


class _CountingChecker(Checker):
    """Fails at once when a check runs more often than a walk of the written nodes needs."""

    def __init__(self, root: dict[str, Any], most: int) -> None:
        super().__init__(root)
        self.calls, self.most = 0, most

    def _valid(self, instance: Any, schema: Any) -> bool:
        self.calls += 1
        assert self.calls <= self.most, "a shared node was checked again against the same subschema"
        return super()._valid(instance, schema)


@pytest.mark.parametrize("leaf", ["x", None])
def test_a_node_shared_by_aliases_is_checked_once_per_subschema(leaf: Any) -> None:
    """A matrix of 2 ** 40 leaves written as 41 lists, as nested YAML aliases write it."""
    docs = load_documents(
        "on: push\njobs:\n  a: {runs-on: x, strategy: {matrix: {os: []}}, steps: [{run: x}]}\n"
    )
    assert isinstance(docs, list)
    level: list[Any] = [leaf]
    for _ in range(40):
        level = [level, level]
    docs[0]["jobs"]["a"]["strategy"]["matrix"]["os"] = level
    checker = _CountingChecker(load_schema(WORKFLOWS), most=2_000)
    assert checker.is_valid(docs[0]) is (leaf is not None)
    assert checker.is_valid(docs[0]) is (leaf is not None)  # what one check learnt is not kept
