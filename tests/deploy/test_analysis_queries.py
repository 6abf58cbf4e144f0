"""The release checks: valid PromQL, thresholds from the SLO, and the verdict opsmith deploy draws."""

from __future__ import annotations

import math
import re

import promql_parser
import pytest

from design.fixtures import design
from opsmith.deploy.analysis_queries import (
    PROMETHEUS_ADDRESS,
    Matcher,
    prometheus_address,
    service_checks,
    slo_checks,
)
from opsmith.design.model import Slo

SLO = Slo(availability=99.95, latency_p95_ms=250, reason="r", rule="r")


def test_thresholds_come_from_the_slo() -> None:
    success, latency = slo_checks(SLO, [Matcher("namespace", "shop"), Matcher("service", "api")])
    assert (success.name, success.threshold, success.condition) == (
        "success-rate",
        0.9995,
        "result[0] >= 0.9995",
    )
    assert (latency.name, latency.threshold, latency.condition) == ("latency-p95", 0.25, "result[0] <= 0.25")
    assert latency.describe() == "latency-p95 <= 0.25s"


@pytest.mark.parametrize(
    "matchers",
    [
        [Matcher("namespace", "shop"), Matcher("service", "api")],
        [Matcher("namespace", "shop"), Matcher("pod", "api-5d4c8b-.*", "=~")],
    ],
)
def test_every_query_is_valid_promql_and_selects_only_the_service(matchers: list[Matcher]) -> None:
    for check in slo_checks(SLO, matchers):
        parsed = promql_parser.parse(check.query)
        text = str(parsed)
        assert 'namespace="shop"' in text
        assert matchers[1].render().replace(" ", "") in text.replace(" ", "")


def test_values_that_need_escaping_stay_inside_their_string() -> None:
    (check, _) = slo_checks(SLO, [Matcher("namespace", 'we"ird\\ns')])
    assert 'namespace="we\\"ird\\\\ns"' in check.query
    promql_parser.parse(check.query)


def test_a_check_without_matchers_is_refused() -> None:
    with pytest.raises(ValueError, match="matcher"):
        slo_checks(SLO, [])


@pytest.mark.parametrize(
    ("value", "success_ok", "latency_ok"),
    [
        (1.0, True, False),
        (0.9995, True, False),
        (0.9994, False, False),
        (0.2, False, True),
        (math.nan, False, False),
    ],
)
def test_verdict_for_opsmith_deploy(value: float, success_ok: bool, latency_ok: bool) -> None:
    success, latency = slo_checks(SLO, [Matcher("service", "api")])
    assert success.passed(value) is success_ok
    assert latency.passed(value) is latency_ok


def test_service_checks_use_the_design_slo_and_skip_services_without_one() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    web = next(s for s in plan.services if s.kind == "web")
    worker = next(s for s in plan.services if s.kind == "worker")
    checks = service_checks(web, "newsroom")
    assert web.slo is not None
    assert [c.threshold for c in checks] == [
        pytest.approx(web.slo.availability / 100),
        web.slo.latency_p95_ms / 1000,
    ]
    assert all(f'service="{web.name}"' in c.query for c in checks)
    assert service_checks(worker, "newsroom") == []


def test_no_traffic_counts_as_healthy_not_as_missing_data() -> None:
    """Both queries end in `or vector(...)`, so Prometheus always answers a number: Argo never
    errors on an empty result, and a release that nobody called yet is not failed for it."""
    for check in slo_checks(SLO, [Matcher("service", "api")]):
        fallback = re.search(r"\bor vector\((\d)\)\s*$", check.query)
        assert fallback is not None
        assert check.passed(float(fallback.group(1)))


def test_every_metrics_choice_has_a_prometheus_address() -> None:
    metrics = ("prometheus-grafana", "managed-prometheus", "kube-prometheus-stack")
    assert set(PROMETHEUS_ADDRESS) == set(metrics)
    assert all(prometheus_address(m).startswith("http://") for m in metrics)
