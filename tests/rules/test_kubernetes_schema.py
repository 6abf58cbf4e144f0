import json

import pytest

from opsmith.parse.kubernetes import objects_in
from opsmith.parse.yaml_tree import load_documents
from opsmith.rules import kubernetes_schema as schema


@pytest.mark.parametrize("version", schema.shipped_versions(), ids=lambda v: f"{v[0]}.{v[1]}")
def test_definitions_read_on_demand_are_those_of_the_whole_file(version: tuple[int, int]) -> None:
    folder = schema.version_folder(version)
    assert folder is not None
    text = (folder / "_definitions.json").read_text(encoding="utf-8")
    whole = json.loads(text)["$defs"]
    on_demand = schema.definitions_in(text)
    assert not isinstance(on_demand, dict)  # read on demand, not decoded whole
    assert list(on_demand) == list(whole)
    assert all(on_demand[name] == whole[name] for name in whole)
    assert on_demand.get("io.k8s.api.core.v1.NoSuchThing") is None


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"$defs": {"a.v1.A": {"type": "string"}, "a.v1.B": {"type": "integer"}}}),
        json.dumps({"$defs": {"a.v1.A": {"type": "string"}, "a.v1.B": {"type": "integer"}}}, indent=4),
        json.dumps({"$defs": {"a.v1.A": {"type": "string"}, "a.v1.B": {"type": "integer"}}}, indent=2),
    ],
    ids=["compact", "indent-4", "indent-2"],
)
def test_definitions_of_a_file_written_any_way(text: str) -> None:
    assert dict(schema.definitions_in(text)) == {"a.v1.A": {"type": "string"}, "a.v1.B": {"type": "integer"}}


def test_definitions_of_a_broken_file_are_missing() -> None:
    assert dict(schema.definitions_in('{"$defs": {"a": ')) == {}
    assert dict(schema.definitions_in("[1, 2]")) == {}
    damaged = schema.definitions_in(
        '{\n  "$defs": {\n    "a": {"type": "string"},\n    "b": {"type": \n  }\n}'
    )
    assert damaged.get("a") == {"type": "string"}
    assert damaged.get("b") is None


def test_a_duplicate_key_in_a_shared_mapping_is_reported_once() -> None:
    # Tenfold aliases, four levels: 10,000 paths to one mapping, which the walk visits once.
    levels = ["    l0: &l0 {k: 1, k: 2}"]
    levels += [f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 5)]
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  annotations:\n"
    text += "\n".join(levels) + "\n"
    docs = load_documents(text)
    assert isinstance(docs, list)
    (obj,) = objects_in(docs)
    issues = schema.validate(obj, schema.shipped_versions()[-1]) or []
    assert [(i.message, i.line) for i in issues if "twice" in i.message] == [
        ("key `k` is written twice in metadata.annotations.l0", 6)
    ]
