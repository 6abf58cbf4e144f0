from opsmith.parse.errors import ParseFailure
from opsmith.parse.yaml_tree import YMap, YSeq, load_documents


def test_positions_of_keys_values_and_items() -> None:
    docs = load_documents("a: 1\nlist:\n  - x\n  - {k: v}\n---\nb: yes\non: push\n")
    assert isinstance(docs, list) and len(docs) == 2
    first, second = docs
    assert isinstance(first, YMap) and first.key_line("list") == 2
    items = first["list"]
    assert isinstance(items, YSeq) and items.item_line(1) == 4
    assert second == {"b": "yes", "on": "push"}  # YAML 1.2 booleans only


def test_duplicates_merge_keys_and_aliases() -> None:
    docs = load_documents("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\nk: 1\nk: 2\n")
    assert isinstance(docs, list)
    doc = docs[0]
    assert doc["svc"] == {"x": 1, "y": 3}
    assert doc.duplicate_keys == [("k", 6)]


def test_syntax_error_has_a_line() -> None:
    result = load_documents("a: 1\nb: [unclosed\nc: 2\n")
    assert isinstance(result, ParseFailure) and result.line is not None and result.line >= 2


def test_alias_bomb_stays_small() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: [*d, *d, *d]\n"
    docs = load_documents(bomb)
    assert isinstance(docs, list)
    assert docs[0]["e"][0] is docs[0]["d"]  # shared, not copied
