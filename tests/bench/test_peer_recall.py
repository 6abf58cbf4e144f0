"""bench/peer_recall.py: reading the peers' expectations (zizmor snapshots, kube-linter bats tests)
and pinning them to fixture lines and objects, on small trees written here."""

from __future__ import annotations

from pathlib import Path

from tests.bench.bench_script import load
from tests.helpers import write_tree

peer_recall = load("peer_recall")

_RUST_TESTS = """
use crate::common::{input_under_test, zizmor};

#[test]
fn test_pedantic() -> Result<()> {
    insta::assert_snapshot!(
        zizmor()
            .input(input_under_test("template-injection/bad.yml"))
            .args(["--persona=pedantic"])
            .run()?,
        @r#"
    error[template-injection]: code injection via template expansion
      --> @@INPUT@@:12:20
       |
    11 |       - run: |
       |         --- this run block
    12 |           echo "${{ github.event.issue.title }}"
       |                    ^^^^ may expand into attacker-controllable code
       |

    1 finding: 0 informational, 0 low, 0 medium, 1 high
    "#
    );
    Ok(())
}

#[test]
fn test_default() -> Result<()> {
    insta::assert_snapshot!(
        zizmor().input(input_under_test("template-injection/bad.yml")).run()?,
        @"
    error[template-injection]: code injection via template expansion
      --> @@INPUT@@:12:20
       |
    12 |           echo ${{ github.event.issue.title }}
       |                    ^^^^ may expand into attacker-controllable code

    1 finding: 0 informational, 0 low, 0 medium, 1 high
    "
    );
    Ok(())
}

#[test]
fn test_quiet() -> Result<()> {
    insta::assert_snapshot!(
        zizmor().input(input_under_test("template-injection/fine.yml")).run()?,
        @"No findings to report. Good job! (2 suppressed)"
    );
    Ok(())
}

#[test]
fn test_with_config() -> Result<()> {
    insta::assert_snapshot!(
        zizmor()
            .config(input_under_test("template-injection/strict.yml"))
            .input(input_under_test("template-injection/other.yml"))
            .run()?,
        @"No findings to report. Good job!"
    );
    Ok(())
}
"""


def test_zizmor_snapshots_become_positives_and_negatives(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crates/zizmor/tests/integration/audit/template_injection.rs": _RUST_TESTS})
    positives, negatives = peer_recall.zizmor_expectations(tmp_path)
    assert [(p.fixture, p.lines, p.persona, p.severity) for p in positives] == [
        # the default run lowers the persona of the pedantic run's finding on the same line
        ("template-injection/bad.yml", (11, 12), "default", "error")
    ]
    # a run with its own policy (`.config(...)`) says nothing about the default behaviour
    assert [(n.fixture, n.note) for n in negatives] == [
        ("template-injection/fine.yml", "zizmor suppressed 2")
    ]


def test_kube_linter_messages_are_pinned_to_the_object_they_name(tmp_path: Path) -> None:
    bats = """
@test "run-as-non-root" {
  tmp="tests/checks/run-as-non-root.yml"
  cmd="${KUBE_LINTER_BIN} lint --include run-as-non-root --do-not-auto-add-defaults --format json ${tmp}"
  [[ "${message1}" == "Deployment: container \\"app3\\" is set to runAsGroup 0" ]]
  [[ "${message2}" == "Pod: resource is not valid" ]]
}

@test "some-unmapped-check" {
  tmp="tests/checks/other.yml"
  cmd="${KUBE_LINTER_BIN} lint --include some-unmapped-check --format json ${tmp}"
}
"""
    fixture = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dont-fire}\n"
        "spec: {template: {spec: {containers: [{name: app3}]}}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: group-zero}\n"
        "spec: {template: {spec: {containers: [{name: app3}]}}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: valid-pod}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {}"  # no final newline
    )
    write_tree(tmp_path, {"e2etests/bats-tests.sh": bats, "tests/checks/run-as-non-root.yml": fixture})
    (expected,) = list(peer_recall.kube_linter_expectations(tmp_path))
    check, path, messages = expected
    assert (check, path, len(messages)) == ("run-as-non-root", "tests/checks/run-as-non-root.yml", 2)
    objects = peer_recall.kube_objects(tmp_path / path)
    assert [(o.name, o.start, o.end) for o in objects] == [
        ("dont-fire", 1, 4),
        ("group-zero", 6, 9),
        ("valid-pod", 11, 13),
        ("broken", 15, 18),  # the last line counts although the file does not end with a newline
    ]
    taken: set[int] = set()
    pinned = [peer_recall._pin(m, objects, taken) for m in messages]
    assert [o.name for o in pinned] == ["group-zero", "broken"]
