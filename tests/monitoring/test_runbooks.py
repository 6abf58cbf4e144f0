"""Runbook links followed to files of the repository, never fetched."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree
from opsmith.monitoring.runbooks import RunbookBase, Runbooks


def _runbooks(tmp_path: Path, base: RunbookBase | None = None) -> Runbooks:
    write_tree(
        tmp_path,
        {
            "docs/runbooks/HighErrors.md": "# High errors\n",
            "ops/alerts/local.md": "# next to the rules\n",
            "wiki/ops/db/index.md": "# databases\n",
            ".git/config": '[remote "origin"]\n\turl = git@github.com:acme/shop.git\n',
        },
    )
    return Runbooks(tmp_path, base)


def test_relative_links_resolve_from_the_root_or_the_rule_file(tmp_path: Path) -> None:
    runbooks = _runbooks(tmp_path)
    assert runbooks.resolve("docs/runbooks/HighErrors.md", "ops/alerts/rules.yml", "X") == (
        "docs/runbooks/HighErrors.md",
        None,
    )
    assert runbooks.resolve("local.md#first-checks", "ops/alerts/rules.yml", "X")[0] == "ops/alerts/local.md"
    found, why = runbooks.resolve("docs/runbooks/Gone.md", "rules.yml", "X")
    assert found is None and why is not None and "does not exist" in why


def test_the_alert_name_template_is_filled_in(tmp_path: Path) -> None:
    runbooks = _runbooks(tmp_path)
    url = "docs/runbooks/{{ $labels.alertname }}.md"
    assert runbooks.resolve(url, "rules.yml", "HighErrors")[0] == "docs/runbooks/HighErrors.md"
    found, why = runbooks.resolve("docs/{{ $labels.team }}.md", "rules.yml", "HighErrors")
    assert found is None and why is not None and "template" in why


def test_a_base_url_maps_to_a_folder_with_or_without_the_extension(tmp_path: Path) -> None:
    runbooks = _runbooks(tmp_path, RunbookBase("https://wiki.example.com/runbooks", "docs/runbooks"))
    assert runbooks.resolve("https://wiki.example.com/runbooks/HighErrors", "r.yml", "X")[0] == (
        "docs/runbooks/HighErrors.md"
    )
    assert runbooks.resolve("https://wiki.example.com/runbooks/Other", "r.yml", "X")[0] is None
    folder = _runbooks(tmp_path, RunbookBase("https://wiki.example.com/", "wiki"))
    assert folder.resolve("https://wiki.example.com/ops/db/", "r.yml", "X")[0] == "wiki/ops/db/index.md"


def test_forge_urls_of_this_repository_resolve_and_others_do_not(tmp_path: Path) -> None:
    runbooks = _runbooks(tmp_path)
    url = "https://github.com/acme/shop/blob/main/docs/runbooks/HighErrors.md"
    assert runbooks.resolve(url, "r.yml", "X")[0] == "docs/runbooks/HighErrors.md"
    found, why = runbooks.resolve("https://github.com/acme/shop/blob/main/docs/Gone.md", "r.yml", "X")
    assert found is None and why is not None and "not in the repository" in why
    found, why = runbooks.resolve("https://runbooks.example.org/HighErrors", "r.yml", "X")
    assert found is None and why is not None and "runbook-base-url" in why


def test_links_never_lead_out_of_the_repository(tmp_path: Path) -> None:
    (tmp_path.parent / "outside.md").write_text("# not ours\n", encoding="utf-8")
    runbooks = _runbooks(tmp_path)
    assert runbooks.resolve("../outside.md", "r.yml", "X")[0] is None
    assert runbooks.resolve(f"{tmp_path.name}/../../outside.md", "r.yml", "X")[0] is None
