"""Prometheus rules beyond the fixture cases: git remotes for PM009, rule_files globs and settings
for PM007, the metric lists of PM006, and the shared PM prefix in the catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.config import Config
from opsmith.rules import prometheus_metrics as metrics
from opsmith.rules.catalogue import find_rule
from opsmith.rules.prometheus import git_remotes

ALERT = """
groups:
  - name: api
    rules:
      - alert: APIDown
        expr: up{{job="api"}} == 0
        annotations:
          runbook_url: {url}
"""


def _pm009(tmp_path: Path, url: str, files: dict[str, str | bytes]) -> list[tuple[str, str, int | None]]:
    write_tree(tmp_path, {"monitoring/alerts.yml": ALERT.format(url=url), **files})
    return found(audit_tree(tmp_path, Config(select=("PM009",))))


GIT_CONFIG = """
[core]
	bare = false
[remote "origin"]
	url = {remote}
	fetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
	remote = origin
"""


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/Acme/Shop.git",
        "git@github.com:acme/shop.git",
        "ssh://git@github.com/acme/shop",
        "https://ci-bot@github.com/acme/shop/",
    ],
)
def test_pm009_follows_blob_urls_of_this_repository(tmp_path: Path, remote: str) -> None:
    files: dict[str, str | bytes] = {
        ".git/config": GIT_CONFIG.format(remote=remote),
        "docs/runbooks/api.md": "# API\n",
    }
    url = "https://github.com/acme/shop/blob/main/docs/runbooks/{}"
    assert _pm009(tmp_path, url.format("api.md#steps"), files) == []
    assert _pm009(tmp_path, url.format("gone.md"), files) == [("PM009", "monitoring/alerts.yml", 7)]


def test_pm009_tree_urls_branches_with_slashes_and_other_repositories(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        ".git/config": GIT_CONFIG.format(remote="git@github.com:acme/shop.git"),
        "docs/runbooks/api.md": "# API\n",
    }
    base = "https://github.com/acme/shop"
    assert _pm009(tmp_path, f"{base}/tree/main/docs/runbooks", files) == []
    assert _pm009(tmp_path, f"{base}/blob/release/2024.1/docs/runbooks/api.md", files) == []
    assert _pm009(tmp_path, f"{base}/wiki/Runbooks", files) == []  # not a file view
    assert _pm009(tmp_path, "https://github.com/acme/other/blob/main/gone.md", files) == []
    assert len(_pm009(tmp_path, f"{base}/-/blob/main/docs/gone.md", files)) == 1  # GitLab's layout


def test_pm009_without_git_only_judges_relative_links(tmp_path: Path) -> None:
    url = "https://github.com/acme/shop/blob/main/docs/gone.md"
    assert _pm009(tmp_path / "a", url, {}) == []
    assert len(_pm009(tmp_path / "b", "docs/gone.md", {})) == 1


def test_git_remotes_of_a_worktree_and_of_a_subfolder(tmp_path: Path) -> None:
    main = write_tree(
        tmp_path / "main", {".git/config": GIT_CONFIG.format(remote="https://gitlab.com/acme/infra/shop.git")}
    )
    assert git_remotes(main) == [("gitlab.com", "acme/infra/shop")]
    sub = main / "services" / "api"
    sub.mkdir(parents=True)
    assert git_remotes(sub) == [("gitlab.com", "acme/infra/shop")]
    worktree = tmp_path / "wt"
    (main / ".git" / "worktrees" / "wt").mkdir(parents=True)
    (main / ".git" / "worktrees" / "wt" / "commondir").write_text("../..\n")
    write_tree(worktree, {".git": f"gitdir: {main / '.git' / 'worktrees' / 'wt'}\n"})
    assert git_remotes(worktree) == [("gitlab.com", "acme/infra/shop")]


def test_pm007_uses_the_config_that_loads_the_rule_file(tmp_path: Path) -> None:
    rule = "groups:\n- name: a\n  rules:\n  - record: r\n    expr: sum(rate(x[2m]))\n"
    write_tree(
        tmp_path,
        {
            # loads team-a/*.yml through a path inside its container: the tail of the glob decides
            "prom-a/prometheus.yml": "global: {scrape_interval: 15s}\n"
            "rule_files: [/etc/prometheus/team-a/*.yml]\n",
            "prom-b/prometheus.yml": "global: {scrape_interval: 1m}\nrule_files: [rules/*.yml]\n",
            "team-a/rules.yml": rule,
            "prom-b/rules/rules.yml": rule,
        },
    )
    got = found(audit_tree(tmp_path, Config(select=("PM007",))))
    assert got == [("PM007", "prom-b/rules/rules.yml", 5)]


def test_pm007_setting_is_only_a_fallback(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "prometheus.yml": "global: {scrape_interval: 1m}\n",
            "rules.yml": "groups:\n- name: a\n  rules:\n  - record: r\n    expr: sum(rate(x[2m]))\n",
        },
    )
    config = Config(select=("PM007",), settings={"prometheus": {"scrape-interval": "15s"}})
    assert len(found(audit_tree(tmp_path, config))) == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("node_cpu_seconds_total", "cause"),
        ("node_filesystem_avail_bytes", "cause"),
        ("container_memory_working_set_bytes", "cause"),
        ("process_open_fds", "cause"),
        ("node_load1", "cause"),
        ("instance:node_cpu_utilisation:rate5m", "cause"),
        ("up", "symptom"),
        ("probe_success", "symptom"),
        ("http_requests_total", "symptom"),
        ("http_request_duration_seconds_bucket", "symptom"),
        ("slo:sli_error:ratio_rate5m", "symptom"),
        ("job:slo_errors:burnrate1h", "symptom"),
        ("kafka_consumergroup_lag", "symptom"),
        ("kube_pod_container_status_restarts_total", "unknown"),
        ("orders_created_total", "unknown"),
    ],
)
def test_metric_classes(name: str, expected: str) -> None:
    assert metrics.classify(name) == expected


def test_pm006_docs_list_the_metric_data() -> None:
    rule = find_rule("PM006")
    assert rule is not None
    what = rule.sections()["What it does"]
    assert all(m in what for m in metrics.CAUSE_METRICS)
    assert all(p in what for p in metrics.CAUSE_PREFIXES)


def test_git_files_that_are_fifos_are_not_read(tmp_path: Path) -> None:
    os.makedirs(tmp_path / "repo" / ".git")
    os.mkfifo(tmp_path / "repo" / ".git" / "config")
    assert git_remotes(tmp_path / "repo") == []
    os.mkfifo(tmp_path / ".git")  # a worktree's pointer file, as a FIFO
    (tmp_path / "sub").mkdir()
    assert git_remotes(tmp_path / "sub") == []


def test_the_pm_prefix_spans_two_families() -> None:
    pm001, pm011 = find_rule("pm001"), find_rule("PM011")
    assert pm001 is not None and pm001.family == "prometheus"
    assert pm011 is not None and pm011.family == "alertmanager"
    assert find_rule("PM099") is None


def test_inline_suppression(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "rules.yml": """
            groups:
              - name: a
                rules:
                  # opsmith: ignore[PM002]
                  - alert: Flappy
                    expr: up == 0
            """
        },
    )
    assert found(audit_tree(tmp_path, Config(select=("PM002",)))) == []


def test_the_shop_example_shows_each_monitoring_mistake_once() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "shop"
    result = audit_tree(example, Config(select=("PM",)))
    assert not [n for n in result.notes if "internal error" in n]
    assert sorted((f.rule, f.path) for f in result.findings) == [
        ("PM002", "monitoring/rules/api.yml"),
        ("PM004", "monitoring/rules/api.yml"),
        ("PM006", "monitoring/rules/api.yml"),
        ("PM007", "monitoring/rules/api.yml"),
        ("PM008", "monitoring/rules/api.yml"),
        ("PM009", "monitoring/rules/api.yml"),
        ("PM010", "monitoring/rules/worker.yml"),
        ("PM011", "monitoring/alertmanager.yml"),
    ]


def test_a_deliberate_or_silent_alert_without_for_is_info() -> None:
    case = Path(__file__).parent / "cases" / "prometheus" / "pm002-deliberate"
    result = audit_tree(case, Config(select=("PM002",)))
    assert {f.line: f.severity.label for f in result.findings} == {
        6: "info",  # `for: 0s` written out
        8: "warning",  # `for` forgotten on an alert that notifies
        11: "info",  # an info alert notifies nobody
        17: "info",  # a certificate's TTL counts down steadily
        20: "info",  # so does an age computed from time()
    }


def test_an_alert_on_a_device_fault_state_without_for_is_info(tmp_path: Path) -> None:
    rules = """\
groups:
  - name: node
    rules:
      - alert: RaidMemberFailed
        expr: node_md_disks{state="failed"} > 0
        labels: {severity: warning}
      - alert: FanAlarm
        expr: ipmi_fan_alarm == 1
        labels: {severity: warning}
      - alert: ConntrackNearlyFull
        expr: node_nf_conntrack_entries / node_nf_conntrack_entries_limit > 0.75
        labels: {severity: warning}
      - alert: DisksFailingOften
        expr: rate(node_md_disks{state="failed"}[5m]) > 0
        labels: {severity: warning}
"""
    write_tree(tmp_path, {"rules/node.yml": rules})
    result = audit_tree(tmp_path, Config(select=("PM002",)))
    assert {f.line: f.severity.label for f in result.findings} == {
        4: "info",  # a failed RAID member stays failed
        7: "info",  # a hardware alarm flag
        10: "warning",  # a ratio that can cross its threshold for one evaluation
        13: "warning",  # a rate of the fault state moves with time
    }
