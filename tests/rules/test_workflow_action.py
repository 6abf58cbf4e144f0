"""Action metadata rules GA016-GA018 on `action.yml` files: what each reports, and at what severity."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.findings import Severity

GA = Config(select=("GA",))


def _findings(tmp_path: Path, text: str, name: str = "action.yml") -> list[tuple[str, int | None, str]]:
    write_tree(tmp_path, {name: text})
    result = audit_tree(tmp_path, GA)
    return [(f.rule, f.line, f.severity.label) for f in result.findings]


def test_pins_are_judged_like_workflow_pins(tmp_path: Path) -> None:
    text = """
        runs:
          using: composite
          steps:
            - uses: some-org/tool@main
            - uses: some-org/tool@v2
            - uses: actions/checkout@v4
            - uses: some-org/tool@27d5ce7f107fe9357f9df03efb73ab90386fccae
            - uses: ./local
    """
    assert _findings(tmp_path, text) == [
        ("GA017", 4, "error"),
        ("GA017", 5, "warning"),
        ("GA017", 6, "info"),
    ]


def test_trusted_owners_may_use_tags(tmp_path: Path) -> None:
    write_tree(tmp_path, {"action.yml": "runs:\n  using: composite\n  steps:\n    - uses: acme/tool@v2\n"})
    config = Config(select=("GA017",), settings={"workflow": {"trusted-owners": ["acme"]}})
    assert audit_tree(tmp_path, config).findings == []


def test_a_docker_action_image_is_pinned_by_digest_or_built_here(tmp_path: Path) -> None:
    assert _findings(tmp_path / "a", "runs:\n  using: docker\n  image: docker://alpine:3.20\n") == [
        ("GA017", 3, "warning")
    ]
    assert _findings(tmp_path / "b", "runs:\n  using: docker\n  image: Dockerfile\n") == []


def test_inputs_in_a_script_warn_and_event_text_is_an_error(tmp_path: Path) -> None:
    text = """
        runs:
          using: composite
          steps:
            - run: echo ${{ inputs.name }}
              shell: bash
            - run: echo "${{ github.event.issue.title }}"
              shell: bash
            - run: echo "$NAME" "${{ github.sha }}" "${{ inputs.count == '1' }}"
              shell: bash
              env:
                NAME: ${{ inputs.name }}
    """
    # through env, a value GitHub sets, and a comparison (only `true` or `false` is pasted) are fine
    assert _findings(tmp_path, text) == [("GA018", 4, "warning"), ("GA018", 6, "error")]


def test_injection_keeps_its_severity_in_test_folders(tmp_path: Path) -> None:
    text = 'runs:\n  using: composite\n  steps:\n    - run: echo "${{ github.head_ref }}"\n      shell: sh\n'
    assert _findings(tmp_path, text, "tests/fixtures/action.yml") == [("GA018", 4, "error")]


def test_what_github_would_refuse_to_load(tmp_path: Path) -> None:
    cases = {
        "no_using": ("runs:\n  main: index.js\n", [("GA016", 1, "error")]),
        "unknown_runner": ("runs:\n  using: python3\n", [("GA016", 2, "error")]),
        "no_steps": ("runs:\n  using: composite\n", [("GA016", 2, "error")]),
        "both": (
            "runs:\n  using: composite\n  steps:\n    - run: make\n      uses: ./local\n      shell: bash\n",
            [("GA016", 4, "error")],
        ),
        "no_shell": ("runs:\n  using: composite\n  steps:\n    - run: make\n", [("GA016", 4, "error")]),
        "broken_yaml": ("runs:\n  using: [composite\n", [("GA016", 3, "error")]),
        "node": ("runs:\n  using: node20\n  main: dist/index.js\n", []),
    }
    for name, (text, expected) in cases.items():
        assert _findings(tmp_path / name, text) == expected, name


def test_files_that_only_share_the_name_are_not_actions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"action.yml": "steps:\n  - run: make\n", "deploy/action.yaml": "runs: 3\n"})
    result = audit_tree(tmp_path, GA)
    assert [(f.rule, f.path) for f in result.findings] == [("GA016", "deploy/action.yaml")]
    assert result.files == 1


def test_an_action_is_not_a_workflow_for_the_repository_rules(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"action.yml": "runs:\n  using: composite\n  steps:\n    - run: make\n      shell: bash\n"}
    )
    result = audit_tree(tmp_path, Config())
    assert [f.rule for f in result.findings if f.severity >= Severity.WARNING] == []
