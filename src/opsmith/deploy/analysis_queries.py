"""The two checks that decide whether a new release is healthy: its success rate and its p95
latency, measured in Prometheus against the service's SLO.

One definition, two users: the Argo Rollouts AnalysisTemplates opsmith generates for canary and
blue-green services embed these queries, and `opsmith deploy` runs the very same ones for its own
deploys. The queries read the RED metrics most Prometheus client libraries export (a request
counter with an HTTP status label and a request duration histogram, in seconds); change the names
below if your services use others.

Both queries answer something even when the release has had no traffic yet: "no request" counts as
healthy rather than failing a deploy for lack of data (a release that errors on every request is
still caught as soon as one request reaches it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from opsmith.design.model import Service, Slo

REQUESTS = "http_requests_total"  # counter, one series per status code
STATUS_LABEL = "status"  # "500", or "5xx" for libraries that group codes: `5..` matches both
DURATION_BUCKETS = "http_request_duration_seconds_bucket"  # histogram buckets, in seconds
WINDOW = "2m"  # short: a release is judged on what it did in the last minutes, not the last hour

Comparison = Literal[">=", "<="]
MatchOp = Literal["=", "=~"]


@dataclass(frozen=True)
class Matcher:
    """A label matcher of the series under test: `namespace="shop"` or `pod=~"api-5d4c-.*"`."""

    label: str
    value: str
    op: MatchOp = "="

    def render(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.label}{self.op}"{escaped}"'


# `{selector}` is the series under test, `{window}` the rate window.
SUCCESS_RATE_QUERY = """\
(
  1 - (
    (sum(rate({requests}{{{selector}, {status}=~"5.."}}[{window}])) or vector(0))
    /
    (sum(rate({requests}{{{selector}}}[{window}])) > 0)
  )
) or vector(1)"""
LATENCY_P95_QUERY = """\
(
  histogram_quantile(0.95, sum by (le) (rate({buckets}{{{selector}}}[{window}]))) >= 0
) or vector(0)"""


@dataclass(frozen=True)
class Check:
    """One query, and the bound its single value must keep."""

    name: str
    query: str
    comparison: Comparison
    threshold: float
    unit: str

    @property
    def condition(self) -> str:
        """The check as an Argo Rollouts `successCondition`."""
        return f"result[0] {self.comparison} {_number(self.threshold)}"

    def passed(self, value: float) -> bool:
        """What `opsmith deploy` decides from the query's value (NaN never passes)."""
        if self.comparison == ">=":
            return value >= self.threshold
        return value <= self.threshold

    def describe(self) -> str:
        return f"{self.name} {self.comparison} {_number(self.threshold)}{self.unit}"


def success_rate_threshold(slo: Slo) -> float:
    """Availability in percent (99.9) as the share of requests that must succeed (0.999)."""
    return round(slo.availability / 100, 6)


def latency_threshold(slo: Slo) -> float:
    """The p95 latency objective in seconds, the unit of the duration histogram."""
    return round(slo.latency_p95_ms / 1000, 6)


def slo_checks(slo: Slo, matchers: Sequence[Matcher], window: str = WINDOW) -> list[Check]:
    """Success rate and p95 latency of the series `matchers` select, held to `slo`."""
    if not matchers:
        raise ValueError("a check needs at least one label matcher, or it judges every service at once")
    selector = ", ".join(m.render() for m in matchers)
    success = SUCCESS_RATE_QUERY.format(
        requests=REQUESTS, status=STATUS_LABEL, selector=selector, window=window
    )
    latency = LATENCY_P95_QUERY.format(buckets=DURATION_BUCKETS, selector=selector, window=window)
    return [
        Check("success-rate", success, ">=", success_rate_threshold(slo), ""),
        Check("latency-p95", latency, "<=", latency_threshold(slo), "s"),
    ]


def service_checks(
    service: Service, namespace: str, *, pods: str | None = None, window: str = WINDOW
) -> list[Check]:
    """The checks of one service of the design, from its SLO: its series in `namespace`, and only
    those of the pods whose names match `pods` (a new release's pods) when given, else those
    scraped through its Service. A service without an SLO (workers, cron jobs) has none."""
    if service.slo is None:
        return []
    who = Matcher("pod", pods, "=~") if pods is not None else Matcher("service", service.name)
    return slo_checks(service.slo, [Matcher("namespace", namespace), who], window)


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
