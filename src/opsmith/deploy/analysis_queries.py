"""What decides whether a new release is healthy: its success rate and its latency, measured in
Prometheus against the service's SLO, and what an answer means.

One definition, two users: the Argo Rollouts AnalysisTemplates opsmith generates for canary and
blue-green services embed these queries and conditions, and `opsmith deploy` runs the very same
queries and calls `classify` and `run_outcome` on the answers.

No data is never health. A query over a release nobody has called yet, or over metrics nobody
scrapes, answers nothing; that measurement is *inconclusive*, and a release whose checks stay
inconclusive more than `INCONCLUSIVE_LIMIT` times is not promoted (Argo pauses it for a person,
`opsmith deploy` rolls it back). So the queries carry no `or vector(...)` default.

Where the numbers come from (`Source`): the service's own RED metrics when it exports them (a
request counter with an HTTP status label and a duration histogram), else metrics that exist
without the app's help: the ingress controller's, the load balancer's or the mesh's per-backend
request counts and durations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from opsmith.design.model import Service, Slo

WINDOW = "2m"  # short: a release is judged on what it did in the last minutes, not the last hour
MEASUREMENTS = 5  # one a minute: a release is promoted after five good minutes, not one lucky sample
FAILURE_LIMIT = 1  # a second failed measurement fails the release (one may be a blip)
INCONCLUSIVE_LIMIT = 2  # a third measurement without data stops the release
CONSECUTIVE_ERROR_LIMIT = 4  # Prometheus unreachable for four measurements in a row

Comparison = Literal[">=", "<="]
MatchOp = Literal["=", "=~"]
Verdict = Literal["pass", "fail", "inconclusive"]
Outcome = Literal["running", "passed", "failed"]


@dataclass(frozen=True)
class Matcher:
    """A label matcher of the series under test: `namespace="shop"` or `pod=~"api-5d4c-.*"`."""

    label: str
    value: str
    op: MatchOp = "="

    def render(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.label}{self.op}"{escaped}"'


@dataclass(frozen=True)
class Source:
    """The metrics a family of exporters publishes per backend: a request counter whose status
    label tells server errors, and either a duration histogram or an average response time."""

    name: str
    requests: str
    errors: Matcher  # the counter's series that are server errors
    duration: str
    duration_kind: Literal["histogram", "average"]
    seconds_per_unit: float  # 1 for seconds, 0.001 for milliseconds


APP = Source(
    "app",
    "http_requests_total",
    Matcher("status", "5..", "=~"),  # "500", or "5xx" for libraries that group codes
    "http_request_duration_seconds_bucket",
    "histogram",
    1.0,
)
INGRESS_NGINX = Source(
    "ingress-nginx",
    "nginx_ingress_controller_requests",
    Matcher("status", "5..", "=~"),
    "nginx_ingress_controller_request_duration_seconds_bucket",
    "histogram",
    1.0,
)
HAPROXY = Source(
    "haproxy",
    "haproxy_server_http_responses_total",
    Matcher("code", "5xx"),
    # HAProxy keeps no histogram: the average over its last 1024 responses, held to the p95 target
    "haproxy_server_response_time_average_seconds",
    "average",
    1.0,
)
ISTIO = Source(
    "istio",
    "istio_requests_total",
    Matcher("response_code", "5..", "=~"),
    "istio_request_duration_milliseconds_bucket",
    "histogram",
    0.001,
)
# The design's load balancer -> the source that sees every request of a service behind it. Cloud
# load balancers (ALB, Google's, Application Gateway) publish to their cloud's monitoring, not to
# Prometheus: a service behind one that exports no metrics has no release check to run.
EDGE_SOURCES = {"ingress-nginx": INGRESS_NGINX, "haproxy": HAPROXY, "istio-gateway": ISTIO}

SUCCESS_RATE_QUERY = """\
1 - (
  (
    sum(rate({requests}{{{selector}, {errors}}}[{window}]))
    or
    sum(rate({requests}{{{selector}}}[{window}])) * 0
  )
  /
  (sum(rate({requests}{{{selector}}}[{window}])) > 0)
)"""
# Errors fall back to zero only when requests exist: without traffic the whole answer is empty.
LATENCY_P95_QUERY = """\
histogram_quantile(0.95, sum by (le) (rate({duration}{{{selector}}}[{window}]))) * {scale}"""
LATENCY_AVERAGE_QUERY = "max({duration}{{{selector}}})"


@dataclass(frozen=True)
class Check:
    """One query, and the bound its single value must keep."""

    name: str
    query: str
    comparison: Comparison
    threshold: float
    unit: str

    @property
    def success_condition(self) -> str:
        """The check as an Argo Rollouts `successCondition`: false on an empty result."""
        return f"len(result) > 0 && result[0] {self.comparison} {_number(self.threshold)}"

    @property
    def failure_condition(self) -> str:
        """The opposite bound, also false on an empty result (and on NaN), so that a measurement
        without data is neither success nor failure: Argo counts it as inconclusive."""
        opposite = "<" if self.comparison == ">=" else ">"
        return f"len(result) > 0 && result[0] {opposite} {_number(self.threshold)}"

    def passed(self, value: float) -> bool:
        """Whether a value keeps the bound (NaN never does)."""
        if self.comparison == ">=":
            return value >= self.threshold
        return value <= self.threshold

    def verdict(self, values: Sequence[float]) -> Verdict:
        """A measurement's verdict from the values of its result: none, or NaN (0/0, a histogram
        without observations), is inconclusive."""
        if not values or math.isnan(values[0]):
            return "inconclusive"
        return "pass" if self.passed(values[0]) else "fail"

    def describe(self) -> str:
        return f"{self.name} {self.comparison} {_number(self.threshold)}{self.unit}"


class QueryResultError(ValueError):
    """Prometheus answered something that is not a query result: an error, not a measurement."""


def classify(check: Check, answer: Mapping[str, Any]) -> Verdict:
    """The verdict of one measurement from Prometheus's `/api/v1/query` answer (the whole JSON
    object, or its `data`). Raises QueryResultError for an error answer or a malformed one, which
    the caller counts against CONSECUTIVE_ERROR_LIMIT."""
    if "status" in answer:
        if answer.get("status") != "success":
            raise QueryResultError(
                f"{check.name}: Prometheus answered {answer.get('error', 'an error')!s:.200}"
            )
        answer = answer.get("data") or {}
    kind, result = answer.get("resultType"), answer.get("result")
    try:
        if kind == "scalar" and isinstance(result, list):
            values = [float(result[1])]
        elif kind == "vector" and isinstance(result, list):
            values = [float(sample["value"][1]) for sample in result]
        else:
            raise QueryResultError(f"{check.name}: not an instant vector or scalar ({kind!s:.40})")
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise QueryResultError(f"{check.name}: malformed sample: {exc!s:.200}") from None
    return check.verdict(values)


def run_outcome(verdicts: Sequence[Verdict], count: int = MEASUREMENTS) -> Outcome:
    """Where a run of measurements of one check stands, as Argo Rollouts counts: failed after
    more than FAILURE_LIMIT failures or INCONCLUSIVE_LIMIT inconclusive ones, passed after
    `count` measurements otherwise."""
    if verdicts.count("fail") > FAILURE_LIMIT or verdicts.count("inconclusive") > INCONCLUSIVE_LIMIT:
        return "failed"
    return "passed" if len(verdicts) >= count else "running"


def success_rate_threshold(slo: Slo) -> float:
    """Availability in percent (99.9) as the share of requests that must succeed (0.999)."""
    return round(slo.availability / 100, 6)


def latency_threshold(slo: Slo) -> float:
    """The p95 latency objective in seconds (every latency query answers in seconds)."""
    return round(slo.latency_p95_ms / 1000, 6)


def slo_checks(
    slo: Slo, matchers: Sequence[Matcher], source: Source = APP, window: str = WINDOW
) -> list[Check]:
    """Success rate and latency of the series `matchers` select in `source`, held to `slo`."""
    if not matchers:
        raise ValueError("a check needs at least one label matcher, or it judges every service at once")
    selector = ", ".join(m.render() for m in matchers)
    success = SUCCESS_RATE_QUERY.format(
        requests=source.requests, errors=source.errors.render(), selector=selector, window=window
    )
    if source.duration_kind == "histogram":
        latency = LATENCY_P95_QUERY.format(
            duration=source.duration, selector=selector, window=window, scale=_number(source.seconds_per_unit)
        )
        name = "latency-p95"
    else:
        latency = LATENCY_AVERAGE_QUERY.format(duration=source.duration, selector=selector)
        name = "latency-average"
    return [
        Check("success-rate", success, ">=", success_rate_threshold(slo), ""),
        Check(name, latency, "<=", latency_threshold(slo), "s"),
    ]


def release_source(service: Service, load_balancer: str) -> Source | None:
    """Where a release of `service` is measured: its own metrics when it exports them, else the
    design's edge when that publishes per-backend metrics to Prometheus, else nowhere (None)."""
    if service.metrics is not None and service.metrics.exports:
        return APP
    return EDGE_SOURCES.get(load_balancer)


def service_checks(
    service: Service,
    namespace: str,
    *,
    load_balancer: str = "ingress-nginx",
    pods: str | None = None,
    window: str = WINDOW,
) -> list[Check]:
    """The checks of one service of the design on Kubernetes, from its SLO. With its own metrics:
    its series in `namespace`, only the new release's pods (names matching `pods`) when given,
    else those scraped through its Service. Otherwise the edge's series for its backend (the
    whole service: an edge that is not told about releases cannot tell them apart). A service
    without an SLO (workers, cron jobs) or without a source has none."""
    source = release_source(service, load_balancer)
    if service.slo is None or source is None:
        return []
    if source is APP:
        who = Matcher("pod", pods, "=~") if pods is not None else Matcher("service", service.name)
        matchers = [Matcher("namespace", namespace), who]
    elif source is ISTIO:
        matchers = [
            Matcher("destination_workload_namespace", namespace),
            Matcher("destination_workload", service.name),
        ]
    elif source is INGRESS_NGINX:
        # The controller's own metrics name the Ingress's namespace and Service; scraped with
        # kube-prometheus-stack's defaults, they arrive as exported_* next to the target's labels.
        matchers = [Matcher("exported_namespace", namespace), Matcher("exported_service", service.name)]
    else:  # HAProxy on one host: `opsmith deploy` names each service's backend after it
        matchers = [Matcher("proxy", service.name)]
    return slo_checks(service.slo, matchers, source, window)


# Where the checks are queried, per the design's metrics choice (observability.metrics).
PROMETHEUS_ADDRESS = {
    # the Prometheus of the kube-prometheus-stack Helm release `kube-prometheus-stack` in `monitoring`
    "kube-prometheus-stack": "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
    # the prometheus-community `prometheus` chart's server, release `prometheus` in `monitoring`
    "prometheus-grafana": "http://prometheus-server.monitoring.svc.cluster.local:80",
    # managed Prometheus is queried through an in-cluster query frontend that signs the requests
    # (Google's `frontend`, an AWS SigV4 proxy or an Azure Monitor query proxy), run as this Service
    "managed-prometheus": "http://prometheus-frontend.monitoring.svc.cluster.local:9090",
}


def prometheus_address(metrics: str) -> str:
    return PROMETHEUS_ADDRESS.get(metrics, PROMETHEUS_ADDRESS["kube-prometheus-stack"])


def _number(value: float) -> str:
    return format(value, "g")
