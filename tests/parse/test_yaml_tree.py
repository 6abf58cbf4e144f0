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
