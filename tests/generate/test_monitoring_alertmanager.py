"""Alertmanager's generated routing, as amtool itself resolves it, and its credentials kept in files."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generate.monitoring_designs import example_design, needs_promtool
from opsmith.generate.monitoring_alertmanager import render_alertmanager

# Fields of Alertmanager's integrations that hold a credential inline; each has a *_file twin.
INLINE_CREDENTIALS = {
    "routing_key",
    "service_key",
    "api_url",
    "api_key",
    "bot_token",
    "credentials",
    "password",
}


def _route(config: Path, *labels: str) -> str:
    result = subprocess.run(
        ["amtool", "config", "routes", "test", f"--config.file={config}", *labels],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@needs_promtool
@pytest.mark.parametrize("tier", ["hobby-aws", "growth-aws"])
def test_severities_reach_their_receivers(tmp_path: Path, tier: str) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_text(render_alertmanager(example_design("shop", tier)))
    assert (
        _route(config, "severity=critical", "service=shop-api", "alertname=SLOErrorBudgetBurnFast") == "pager"
    )
    assert _route(config, "severity=warning", "service=shop-api", "alertname=HighErrorRatio") == "chat"
    assert _route(config, "severity=info", "alertname=HostCpuBusy") == "blackhole"
    assert _route(config, "severity=none", "alertname=Watchdog") == "heartbeat"


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_credentials_come_from_files_only() -> None:
    for tier in ("hobby-aws", "startup-gcp", "growth-aws"):
        config = yaml.safe_load(render_alertmanager(example_design("shop", tier)))
        keys = _keys(config["receivers"])
        assert not keys & INLINE_CREDENTIALS, tier
        assert {"routing_key_file", "api_url_file", "credentials_file"} <= keys


def test_a_critical_alert_holds_back_its_services_warnings() -> None:
    config = yaml.safe_load(render_alertmanager(example_design("bookshelf", "startup-gcp")))
    (rule,) = config["inhibit_rules"]
    assert rule["source_matchers"] == ['severity="critical"']
    assert rule["equal"] == ["service"]
    assert config["route"]["group_by"] == ["service", "alertname"]


def test_a_chat_design_still_pages_for_critical_alerts_and_posts_them_to_chat() -> None:
    hobby = yaml.safe_load(render_alertmanager(example_design("bookshelf", "hobby-aws")))
    growth = yaml.safe_load(render_alertmanager(example_design("bookshelf", "growth-aws")))
    hobby_pager = next(r for r in hobby["receivers"] if r["name"] == "pager")
    growth_pager = next(r for r in growth["receivers"] if r["name"] == "pager")
    assert "pagerduty_configs" in hobby_pager and "slack_configs" in hobby_pager
    assert "pagerduty_configs" in growth_pager and "slack_configs" not in growth_pager
