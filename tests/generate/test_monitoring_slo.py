"""Burn-rate factors follow the design's SLO window, and the latency SLI counts a request as fast
however a client library writes the bucket bound."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from generate.monitoring_designs import example_design, needs_promtool
from opsmith.design.model import Design, Slo
from opsmith.generate.monitoring_metrics import Metrics
from opsmith.generate.monitoring_rules import render_rules, rule_files
from opsmith.generate.monitoring_slo import windows_for


def _slo(days: int, availability: float = 99.9, latency: int = 300) -> Slo:
    return Slo(availability=availability, latency_p95_ms=latency, window_days=days, reason="r", rule="r")


def _factors(days: int) -> list[tuple[str, str, float]]:
    return [(w.long, w.short, round(w.factor(days), 4)) for w in windows_for(_slo(days))]


def test_thirty_days_give_the_workbook_factors() -> None:
    assert _factors(30) == [("1h", "5m", 14.4), ("6h", "30m", 6.0), ("1d", "2h", 3.0), ("3d", "6h", 1.0)]


def test_factors_are_derived_from_the_window() -> None:
    assert _factors(28) == [("1h", "5m", 13.44), ("6h", "30m", 5.6), ("1d", "2h", 2.8), ("3d", "6h", 0.9333)]
    # a long window longer than the SLO window says nothing about it
    assert [long for long, _, _ in _factors(1)] == ["1h", "6h", "1d"]


def _with_window(design: Design, days: int) -> Design:
    data = design.model_dump(mode="json")
    for service in data["services"]:
        if service["slo"] is not None:
            service["slo"]["window_days"] = days
    return Design.model_validate(data)


def test_the_rules_use_the_designs_window() -> None:
    design = _with_window(example_design("shop", "growth-aws"), 28)
    (api,) = [f for f in rule_files(design) if f.stem == "service-shop-api"]
    alerts = {
        r["alert"]: r["expr"]
        for g in yaml.safe_load(render_rules(api))["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    assert "> (13.44 * (1 - 0.999))" in alerts["SLOErrorBudgetBurnFast"]
    assert "service:sli_errors:ratio_rate3d" in alerts["SLOErrorBudgetBurnSlow"]
    assert "> (0.933333 * (1 - 0.999))" in alerts["SLOErrorBudgetBurnSlow"]


@pytest.mark.parametrize(("bound", "written"), [(1.0, "1"), (1.0, "1.0"), (0.3, "0.3")])
def test_the_bucket_at_the_bound_matches_as_libraries_write_it(bound: float, written: str) -> None:
    selector = Metrics("api", bound).fast_requests("5m")
    pattern = selector.split('le=~"', 1)[1].split('"', 1)[0].replace("\\\\", "\\")
    assert re.fullmatch(pattern, written)
    assert not re.fullmatch(pattern, "10") and not re.fullmatch(pattern, "0.35")


@needs_promtool
def test_a_python_clients_bucket_label_still_counts_fast_requests(tmp_path: Path) -> None:
    """prometheus-client writes le="1.0" where Go and Node write le="1": the latency SLI sees both."""
    design = example_design("shop", "hobby-aws")  # a 1000 ms bound
    (api,) = [f for f in rule_files(design) if f.stem == "service-shop-api"]
    (tmp_path / "rules.yml").write_text(render_rules(api))
    healthy = Metrics("shop-api", 1.0).traffic(0.0, 0.0)
    series = [{"series": s.name.replace('le="1"', 'le="1.0"'), "values": s.values} for s in healthy]
    assert any('le="1.0"' in s["series"] for s in series)
    test = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": 'service:sli_slow_requests:ratio_rate5m{service="shop-api"}',
                        "eval_time": "30m",
                        "exp_samples": [
                            {
                                "labels": 'service:sli_slow_requests:ratio_rate5m{service="shop-api"}',
                                "value": 0,
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))
    result = subprocess.run(
        ["promtool", "test", "rules", "test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
