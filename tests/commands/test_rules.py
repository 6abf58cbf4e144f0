from pathlib import Path

from opsmith.commands.rules import catalogue_markdown
from opsmith.rules.catalogue import all_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_current() -> None:
    """docs/rules.md is generated; regenerate with `opsmith rules -f markdown > docs/rules.md`."""
    assert DOC.read_text() == catalogue_markdown(all_rules())


def test_markdown_lists_every_rule_once() -> None:
    text = catalogue_markdown(all_rules())
    for rule in all_rules():
        assert text.count(f"| {rule.id} |") == 1


def test_markdown_states_the_severity_policy_before_the_rules() -> None:
    text = catalogue_markdown(all_rules())
    policy = text.index("## Severity policy")
    assert policy < text.index("| DF001 |")
    section = text[policy : text.index("\n## ", policy + 1)]
    for word in ("**error**", "**warning**", "**info**", "tests"):
        assert word in section
