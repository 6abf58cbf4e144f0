"""Runbooks give the first checks as commands for the design's platform, and every alert of a
design has one."""

from __future__ import annotations

import pytest
import yaml

from generate.monitoring_designs import example_design
from opsmith.generate import monitoring
from opsmith.generate.monitoring_rules import render_rules, rule_files

CHECKS = {
    "hobby-aws": "docker compose ps shop-api",
    "hobby-fly": "fly status --app shop",
    "startup-gcp": "gcloud run revisions list --service shop-api",
    "startup-azure": "az containerapp revision list --name shop-api",
    "growth-aws": "kubectl -n shop get pods -l app.kubernetes.io/name=shop-api",
}


@pytest.mark.parametrize(("tier", "command"), CHECKS.items())
def test_first_checks_are_the_platforms_commands(tier: str, command: str) -> None:
    books = {a.path: a.content for a in monitoring.render(example_design("shop", tier))}
    text = books["docs/runbooks/slo-error-budget-burn-fast.md"]
    assert command in text
    for section in (
        "## What it means",
        "## User impact",
        "## First checks",
        "## Mitigation",
        "## Escalation",
    ):
        assert section in text
    assert "(../rollback.md)" in text


def test_the_server_runbook_calls_the_services_health_route() -> None:
    design = example_design("shop", "hobby-aws")
    (api,) = [s for s in design.services if s.name == "shop-api"]
    books = {a.path: a.content for a in monitoring.render(design)}
    text = books["docs/runbooks/high-error-ratio.md"]
    assert f"http://127.0.0.1:{api.port}{api.health_path or '/'}" in text


def test_every_alert_has_exactly_one_runbook() -> None:
    design = example_design("shop", "growth-aws")
    linked = set()
    for rules in rule_files(design):
        for group in yaml.safe_load(render_rules(rules))["groups"]:
            linked |= {r["annotations"]["runbook_url"] for r in group["rules"] if "alert" in r}
    written = {a.path for a in monitoring.render(design) if a.path.startswith("docs/runbooks/")}
    assert linked == written


def test_causes_never_page_and_managed_platforms_get_no_host_alerts() -> None:
    growth = {f.stem: f for f in rule_files(example_design("shop", "growth-aws"))}
    assert {a.severity for a in growth["platform"].alerts} <= {"warning", "info"}
    assert {"HostDiskWillFill", "ContainerOomKilled"} <= {a.name for a in growth["platform"].alerts}
    managed = {f.stem: f for f in rule_files(example_design("shop", "startup-gcp"))}
    assert [a.name for a in managed["platform"].alerts] == ["TargetDown"]
