"""The release checks: valid PromQL, thresholds from the SLO, and the verdict opsmith deploy draws."""

from __future__ import annotations

import math
from typing import Any

import promql_parser
import pytest

from design.fixtures import design
from opsmith.deploy.analysis_queries import (
    APP,
    FAILURE_LIMIT,
    HAPROXY,
    INCONCLUSIVE_LIMIT,
    INGRESS_NGINX,
    ISTIO,
    MEASUREMENTS,
    PROMETHEUS_ADDRESS,
    Matcher,
    QueryResultError,
    Source,
    classify,
    prometheus_address,
    release_source,
    run_outcome,
    service_checks,
    slo_checks,
)
from opsmith.design.model import MetricsExport, Slo

SLO = Slo(availability=99.95, latency_p95_ms=250, reason="r", rule="r")


def test_thresholds_come_from_the_slo_and_an_empty_result_meets_neither_condition() -> None:
    success, latency = slo_checks(SLO, [Matcher("namespace", "shop"), Matcher("service", "api")])
    assert (success.name, success.threshold) == ("success-rate", 0.9995)
    assert success.success_condition == "len(result) > 0 && result[0] >= 0.9995"
    assert success.failure_condition == "len(result) > 0 && result[0] < 0.9995"
    assert (latency.name, latency.threshold) == ("latency-p95", 0.25)
    assert latency.failure_condition == "len(result) > 0 && result[0] > 0.25"
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
    ("values", "success", "latency"),
    [
        ([1.0], "pass", "fail"),
        ([0.9995], "pass", "fail"),
        ([0.9994], "fail", "fail"),
        ([0.2], "fail", "pass"),
        ([math.nan], "inconclusive", "inconclusive"),
        ([], "inconclusive", "inconclusive"),
    ],
)
def test_verdict_of_a_measurement(values: list[float], success: str, latency: str) -> None:
    rate, p95 = slo_checks(SLO, [Matcher("service", "api")])
    assert (rate.verdict(values), p95.verdict(values)) == (success, latency)


def _answer(*values: str) -> dict[str, Any]:
    samples = [{"metric": {}, "value": [1700000000.0, v]} for v in values]
    return {"status": "success", "data": {"resultType": "vector", "result": samples}}


def test_classify_reads_prometheus_answers_and_no_data_is_inconclusive() -> None:
    rate, _ = slo_checks(SLO, [Matcher("service", "api")])
    assert classify(rate, _answer("0.9999")) == "pass"
    assert classify(rate, _answer("0.5")) == "fail"
    assert classify(rate, _answer()) == "inconclusive"
    assert classify(rate, _answer("NaN")) == "inconclusive"
    assert classify(rate, {"resultType": "scalar", "result": [1.0, "1"]}) == "pass"


@pytest.mark.parametrize(
    "answer",
    [
        {"status": "error", "errorType": "bad_data", "error": "parse error"},
        {"status": "success", "data": {"resultType": "matrix", "result": []}},
        {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}},
        {"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, "x"]}]}},
        {"resultType": "scalar", "result": "1"},
    ],
)
def test_an_error_or_malformed_answer_is_an_error_not_a_verdict(answer: dict[str, Any]) -> None:
    rate, _ = slo_checks(SLO, [Matcher("service", "api")])
    with pytest.raises(QueryResultError):
        classify(rate, answer)


def test_run_outcome_counts_like_argo_rollouts() -> None:
    assert run_outcome(["pass"] * (MEASUREMENTS - 1)) == "running"
    assert run_outcome(["pass"] * MEASUREMENTS) == "passed"
    assert run_outcome(["pass", "fail", "pass", "pass", "pass"]) == "passed"
    assert run_outcome(["fail"] * (FAILURE_LIMIT + 1)) == "failed"
    assert run_outcome(["inconclusive"] * INCONCLUSIVE_LIMIT) == "running"
    assert run_outcome(["inconclusive"] * (INCONCLUSIVE_LIMIT + 1)) == "failed"


def test_service_checks_use_the_design_slo_and_skip_services_without_one() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    web = next(s for s in plan.services if s.kind == "web")
    worker = next(s for s in plan.services if s.kind == "worker")
    web = web.model_copy(update={"metrics": MetricsExport(exports=True, path="/metrics", reason="r")})
    checks = service_checks(web, "newsroom")
    assert web.slo is not None
    assert [c.threshold for c in checks] == [
        pytest.approx(web.slo.availability / 100),
        web.slo.latency_p95_ms / 1000,
    ]
    assert all(f'{{namespace="newsroom", service="{web.name}"' in c.query for c in checks)
    assert service_checks(worker, "newsroom") == []


@pytest.mark.parametrize("source", [APP, INGRESS_NGINX, HAPROXY, ISTIO])
def test_no_query_defaults_missing_data_to_a_number(source: Source) -> None:
    for check in slo_checks(SLO, [Matcher("service", "api")], source):
        promql_parser.parse(check.query)
        assert "vector(" not in check.query
        assert source.requests in check.query or source.duration in check.query


def test_istio_latency_is_converted_from_milliseconds_to_seconds() -> None:
    _, latency = slo_checks(SLO, [Matcher("destination_workload", "api")], ISTIO)
    assert latency.query.rstrip().endswith("* 0.001")
    assert latency.threshold == 0.25


def test_services_without_metrics_are_measured_at_the_edge_or_not_at_all() -> None:
    plan = design("python-django", users=200_000, cloud="aws")
    web = next(s for s in plan.services if s.kind == "web")
    silent = web.model_copy(update={"metrics": MetricsExport(exports=False, reason="none found")})
    exporting = web.model_copy(update={"metrics": MetricsExport(exports=True, path="/metrics", reason="r")})
    assert release_source(exporting, "aws-alb") is APP
    assert release_source(silent, "ingress-nginx") is INGRESS_NGINX
    assert release_source(silent, "istio-gateway") is ISTIO
    assert release_source(silent, "aws-alb") is None
    assert service_checks(silent, "shop", load_balancer="aws-alb") == []
    (rate, _) = service_checks(silent, "shop", load_balancer="istio-gateway")
    assert f'destination_workload="{web.name}"' in rate.query
    assert 'destination_workload_namespace="shop"' in rate.query


def test_every_metrics_choice_has_a_prometheus_address() -> None:
    metrics = ("prometheus-grafana", "managed-prometheus", "kube-prometheus-stack")
    assert set(PROMETHEUS_ADDRESS) == set(metrics)
    assert all(prometheus_address(m).startswith("http://") for m in metrics)
