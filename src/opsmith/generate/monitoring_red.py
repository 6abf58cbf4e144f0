"""RED alerts for a web service: error ratio, p95/p99 latency from its histogram, traffic that
stops, and its scrape target down (when it exports metrics, so a target exists)."""

from __future__ import annotations

from functools import partial

from opsmith.design.model import Service, Slo
from opsmith.generate.monitoring_alerts import Alert, Group, Runbook, Series, number
from opsmith.generate.monitoring_metrics import REQUESTS, Metrics, metrics_of

ERROR_RATIO = 0.05  # a warning well above any objective's budget, well below the fast burn page


def group(service: Service, slo: Slo) -> Group:
    metrics = metrics_of(service, slo)
    alerts = [_errors(metrics), _p95(metrics, slo), _p99(metrics, slo), _traffic_stopped(metrics)]
    if service.metrics is not None and service.metrics.exports:
        alerts.append(down(metrics))
    return Group(f"{service.name}-red", alerts=tuple(alerts))


def _on_requests(m: Metrics) -> partial[Alert]:
    """An alert on the service's requests: labelled with it, tested on half an hour of traffic."""
    return partial(Alert, labels={"service": m.service}, good=m.traffic(0.0, 0.0), at="30m")


def _errors(m: Metrics) -> Alert:
    return _on_requests(m)(
        name="HighErrorRatio",
        expr=f"(\n  {m.requests('5m', errors=True)}\n  /\n  {m.requests('5m')}\n) > {number(ERROR_RATIO)}",
        for_="10m",
        severity="warning",
        summary=f"{m.service} answers more than {number(ERROR_RATIO * 100)}% of requests with a server error",
        description=f"Over the last 5 minutes more than {number(ERROR_RATIO * 100)}% of {m.service}'s "
        "answers were 5xx.",
        runbook=Runbook(
            meaning="A noticeable share of requests fails with a server error, sustained for ten minutes.",
            impact="Some users see errors; the SLO burn alerts page if it grows or lasts.",
            scope="service",
            mitigation=("Read the service's logs for the failing route and its exception.",),
        ),
        bad=m.traffic(0.5, 0.0),
    )


def _p95(m: Metrics, slo: Slo) -> Alert:
    return _on_requests(m)(
        name="LatencyP95High",
        expr=f"{m.quantile(0.95, '5m')} > {number(m.bound)}",
        for_="15m",
        severity="warning",
        summary=f"{m.service}'s p95 latency is above {slo.latency_p95_ms} ms",
        description=f"The slowest 5% of {m.service}'s requests took longer than the SLO's "
        f"{slo.latency_p95_ms} ms for 15 minutes.",
        runbook=Runbook(
            meaning="The 95th percentile of request duration is above the latency objective.",
            impact="One request in twenty is slower than promised.",
            scope="service",
            mitigation=("Check the slowest routes and the dependencies they call; scale out if CPU-bound.",),
        ),
        bad=m.traffic(0.0, 0.5),
    )


def _p99(m: Metrics, slo: Slo) -> Alert:
    bound = 2 * m.bound
    return _on_requests(m)(
        name="LatencyP99High",
        expr=f"{m.quantile(0.99, '5m')} > {number(bound)}",
        for_="15m",
        severity="info",
        summary=f"{m.service}'s p99 latency is above {number(bound * 1000)} ms",
        description=f"The slowest 1% of {m.service}'s requests took over twice the SLO's bound for 15 "
        "minutes.",
        runbook=Runbook(
            meaning="The tail of request durations is long: a few requests are much slower than the rest.",
            impact="A few users wait a long time; often an early sign of saturation or a slow dependency.",
            scope="service",
            mitigation=(
                "Look for slow queries, lock waits or timeouts in the logs of the slowest requests.",
            ),
        ),
        bad=m.traffic(0.0, 0.5),
    )


def _traffic_stopped(m: Metrics) -> Alert:
    """No requests in 10 minutes where there were some at this time yesterday: compared with the
    day before, so a service that is quiet every night does not alert every night."""
    day = 24 * 12  # samples every 5 minutes: a day of 1-minute samples makes the test slow
    return _on_requests(m)(
        name="TrafficStopped",
        expr=f"{m.requests('10m')} == 0\nand on ()\n{m.requests('1h', offset='1d')} > 0",
        for_="15m",
        severity="warning",
        summary=f"{m.service} receives no requests",
        description=f"{m.service} has answered no request for 10 minutes, while it had traffic at this time "
        "yesterday.",
        runbook=Runbook(
            meaning="Requests stopped reaching the service: the load balancer, DNS, TLS or a client stopped "
            "sending.",
            impact="Users may be unable to reach the service at all, while the service itself looks healthy.",
            scope="service",
            mitigation=(
                "Call the public URL from outside; check the load balancer's backends, DNS and the "
                "certificate.",
            ),
        ),
        bad=(Series(f'{REQUESTS}{{{m.selector}, status="200"}}', f"0+50x{day} {day * 50}+0x12"),),
        good=(Series(f'{REQUESTS}{{{m.selector}, status="200"}}', f"0+50x{day + 12}"),),
        at="1500m",
        step=5,
    )


def down(m: Metrics) -> Alert:
    return _on_requests(m)(
        name="ServiceDown",
        expr=f"max(up{{{m.selector}}}) == 0 or absent(up{{{m.selector}}})",
        for_="5m",
        severity="critical",
        summary=f"{m.service} cannot be scraped: every instance is down",
        description=f"No instance of {m.service} has answered Prometheus' scrape for 5 minutes.",
        runbook=Runbook(
            meaning="Prometheus reaches no instance of the service: it is down, crash-looping or "
            "unreachable.",
            impact="The service is most likely down for users too, and its other alerts see no data.",
            scope="service",
            mitigation=(
                "If the process crashes at start, read its last logs; a missing secret or an unreachable "
                "database is the usual cause.",
            ),
        ),
        bad=(Series(f'up{{{m.selector}, instance="{m.service}:9100"}}', "0x20"),),
        good=(Series(f'up{{{m.selector}, instance="{m.service}:9100"}}', "1x20"),),
        at="15m",
    )
