"""compose.monitoring.yaml of every bundled example at every tier the init tests cover: present
where the design runs its own server, clean under opsmith's DC audit at warning and above together
with compose.yaml, every image pinned to an exact release, every service health-checked (or its
missing probe explained on the line), every file it mounts generated, and every container the
scrape configuration names started. Grafana, Loki, Alloy, Tempo and the Collector cannot run
here, so nothing is started."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import CASES, example_design, write_monitoring
from helpers import audit_tree
from opsmith.config import Config
from opsmith.findings import Severity
from opsmith.generate import compose
from opsmith.generate.monitoring_rules import hosts_are_ours
from opsmith.generate.monitoring_stack import PATH, wanted

IDS = [f"{e}-{t}" for e, t in CASES]
_EXACT = re.compile(r":v?\d+\.\d+\.\d+$")


@pytest.mark.parametrize(("example", "tier"), CASES, ids=IDS)
def test_the_stack_is_pinned_health_checked_and_clean(tmp_path: Path, example: str, tier: str) -> None:
    design = example_design(example, tier)
    root = write_monitoring(design, tmp_path)
    if not wanted(design):
        assert not (root / PATH).exists()
        return
    (root / "compose.yaml").write_text(compose.render_compose(design))
    text = (root / PATH).read_text()
    stack = yaml.safe_load(text)["services"]
    assert {"prometheus", "alertmanager", "grafana"} <= set(stack)
    assert ({"node-exporter", "cadvisor"} <= set(stack)) == hosts_are_ours(design)
    if design.observability.logs.effective == "loki":
        assert {"loki", "alloy"} <= set(stack)
    if design.observability.traces.effective != "none":
        assert "otel-collector" in stack
    for name, service in stack.items():
        assert _EXACT.search(service["image"]), service["image"]
        if "healthcheck" not in service:
            assert "opsmith: ignore[DC002]" in text.split(f"\n  {name}:")[0].splitlines()[-1], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and "secrets" not in source:
                assert (root / source).exists(), (name, source)
    prometheus = yaml.safe_load((root / "monitoring" / "prometheus.yml").read_text())
    hosts = {
        t.split(":")[0]
        for job in prometheus["scrape_configs"]
        for c in job["static_configs"]
        for t in c["targets"]
    }
    app = {s.name for s in design.services}
    assert hosts - {"localhost", "host.docker.internal"} <= set(stack) | app
    result = audit_tree(root, Config(select=("DC",)))
    serious = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity >= Severity.WARNING]
    assert serious == []
