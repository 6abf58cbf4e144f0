import datetime
import gc
import json
import subprocess
import sys

from opsmith.parse.errors import ParseFailure
from opsmith.parse.yaml_tree import MAX_DEPTH, REPR_ROOM, YMap, YSeq, load_documents, short_repr


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


def _laughs(levels: int, fanout: int = 10) -> str:
    lines = ["lol0: &l0 [ha, ha]"]
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fanout)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_where_the_aliases_pile_up() -> None:
    result = load_documents("kind: ConfigMap\n" + _laughs(9))
    assert isinstance(result, ParseFailure) and "expands to more than" in result.message
    # lol5 (line 7) is the first level that alone expands past 200,000 nodes
    assert result.line == 7


def test_moderate_sharing_is_accepted() -> None:
    docs = load_documents(_laughs(4))  # 20,000 nodes once expanded
    assert isinstance(docs, list) and len(docs[0]["lol4"]) == 10


def test_the_bound_is_shared_by_the_documents_of_a_stream() -> None:
    one = _laughs(4)  # well under the bound alone
    assert isinstance(load_documents(one), list)
    result = load_documents("---\n".join([one] * 40))
    assert isinstance(result, ParseFailure) and "expands to more than" in result.message


def test_long_strings_repeated_by_aliases_count_by_their_length() -> None:
    text = f"s: &s {'x' * 50_000}\nl: &l [{', '.join(['*s'] * 100)}]\nm: [{', '.join(['*l'] * 100)}]\n"
    result = load_documents(text)
    assert isinstance(result, ParseFailure) and "expands to more than" in result.message


def test_a_chain_of_merge_keys_is_refused_before_it_turns_quadratic() -> None:
    lines = ["m0: &m0 {k0: 1}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: 1}}" for i in range(1, 2000)]
    result = load_documents("\n".join(lines))
    assert isinstance(result, ParseFailure) and "merge keys" in result.message
    assert result.line is not None and 600 < result.line < 2000


def test_an_alias_inside_its_own_anchor_is_a_cycle() -> None:
    result = load_documents("a: 1\nloop: &x\n  - *x\n")
    assert isinstance(result, ParseFailure) and "cycle" in result.message and result.line == 2


def test_a_large_file_without_aliases_is_never_refused() -> None:
    text = "items:\n" + "".join(f"- {{n: {i}, v: [a, b]}}\n" for i in range(120_000))
    docs = load_documents(text)
    assert isinstance(docs, list) and len(docs[0]["items"]) == 120_000


def test_a_complex_key_is_kept_as_its_flow_text() -> None:
    docs = load_documents("{{ name }}: 1\n[a, {b: c}]: 2\n")
    assert not isinstance(docs, ParseFailure)
    assert list(docs[0]) == ["{{name}}", "[a, {b: c}]"]


# Deep nesting: libyaml's scan of flow collections is quadratic in their depth, so a bound must act
# before it reads them. The child process fails on its timeout if the bound stops working (200,000
# levels would take libyaml hours) instead of hanging the suite.
_DEEP_FLOW = """
from opsmith.parse.yaml_tree import load_documents
result = load_documents("a: 1\\nx: " + "[{a: " * 200_000 + "1" + "}]" * 200_000 + "\\n")
print(type(result).__name__, result.line, result.message)
"""


def test_deep_flow_nesting_is_refused_before_libyaml_reads_it() -> None:
    command = [sys.executable, "-c", _DEEP_FLOW]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split(maxsplit=2)[:2] == ["ParseFailure", "2"]
    assert f"more than {MAX_DEPTH}" in run.stdout


def test_the_refusal_names_the_line_where_the_nesting_passes_the_bound() -> None:
    result = load_documents("k: 1\nx:\n" + " [\n" * 1000 + " ]\n" * 1000)
    # the mapping is level 1, so the 400th `[` (on line 3 + 399) is the first past the bound
    assert isinstance(result, ParseFailure) and result.line == 3 + MAX_DEPTH - 1


def test_deep_block_nesting_is_refused_too() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 50)) + "  " * (MAX_DEPTH + 50) + "v: 1\n"
    result = load_documents(text)
    assert isinstance(result, ParseFailure) and result.line == MAX_DEPTH + 1


def test_nesting_up_to_the_bound_and_many_shallow_brackets_are_read() -> None:
    deep = load_documents("x: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n")
    assert isinstance(deep, list)
    node = deep[0]["x"]
    for _ in range(MAX_DEPTH - 2):
        node = node[0]
    assert node == [1]
    wide = load_documents("x: [" + ", ".join(["[{a: [1]}]"] * 5000) + "]\n")
    assert isinstance(wide, list) and wide[0]["x"][4999] == [{"a": [1]}]


def test_scalar_types_are_resolved_per_text_whether_plain_or_quoted() -> None:
    docs = load_documents("a: [1, '1', 1, yes, 'yes', ~, '~', 1.5, 2001-01-02, x]\n")
    assert isinstance(docs, list)
    assert docs[0]["a"] == [1, "1", 1, "yes", "yes", None, "~", 1.5, datetime.date(2001, 1, 2), "x"]


def test_collection_is_switched_back_on_after_loading() -> None:
    assert gc.isenabled()
    assert isinstance(load_documents("a: [1, 2]\n"), list)
    assert isinstance(load_documents("a: [1, 2\n"), ParseFailure)
    assert gc.isenabled()


def test_repr_is_exact_as_far_as_it_goes_and_bounded_on_aliases() -> None:
    docs = load_documents("a: [1, {b: 'x'}, [], ~]\nc: {}\n")
    assert isinstance(docs, list)
    assert repr(docs[0]) == "{'a': [1, {'b': 'x'}, [], None], 'c': {}}"
    bomb = "l0: &l0 [x, 2]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 4)}]\n" for i in range(1, 8)
    )
    docs = load_documents(bomb)
    assert isinstance(docs, list)
    whole = repr(json.loads(json.dumps(docs[0]["l3"])))  # as plain lists: repr written out in full
    assert short_repr(docs[0]["l3"], 50) == whole[:50] + "…"
    assert len(repr(docs[0])) == REPR_ROOM + 1  # written out: hundreds of kilobytes
