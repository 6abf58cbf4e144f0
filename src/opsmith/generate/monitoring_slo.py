"""Multi-window, multi-burn-rate SLO alerts for a web service (the Google SRE workbook's scheme),
for availability (share of 5xx answers) and latency (share of requests slower than the bound).

An alert fires when the error budget is being spent fast over a long window *and* is still being
spent over a short one (a twelfth of it), so it pages quickly and resolves soon after the problem
stops. The burn factor of each pair is the share of the budget spent over the long window times
the SLO window over the long window: for 30 days, 2 % in 1h is 14.4x, 5 % in 6h is 6x (pages),
10 % in 1d is 3x and 10 % in 3d is 1x (tickets). They are derived from the design's `window_days`.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsmith.design.model import Service, Slo
from opsmith.generate.monitoring_alerts import Alert, Group, Recording, Runbook, Severity, number
from opsmith.generate.monitoring_metrics import Metrics, metrics_of

ERRORS_RECORD = "service:sli_errors:ratio_rate{window}"
SLOW_RECORD = "service:sli_slow_requests:ratio_rate{window}"


@dataclass(frozen=True)
class BurnWindow:
    long_hours: int
    short: str
    budget_share: float  # of the whole window's error budget, spent over the long window
    severity: Severity

    @property
    def long(self) -> str:
        return f"{self.long_hours // 24}d" if self.long_hours % 24 == 0 else f"{self.long_hours}h"

    def factor(self, window_days: int) -> float:
        return self.budget_share * window_days * 24 / self.long_hours


WINDOWS = (
    BurnWindow(1, "5m", 0.02, "critical"),
    BurnWindow(6, "30m", 0.05, "critical"),
    BurnWindow(24, "2h", 0.10, "warning"),
    BurnWindow(72, "6h", 0.10, "warning"),
)


def windows_for(slo: Slo) -> tuple[BurnWindow, ...]:
    """The pairs whose long window fits in the SLO window (a 1-day SLO has no 3-day pair)."""
    return tuple(w for w in WINDOWS if w.long_hours <= slo.window_days * 24)


def groups(service: Service, slo: Slo) -> tuple[Group, ...]:
    metrics = metrics_of(service, slo)
    kept = windows_for(slo)
    spans = sorted({w for pair in kept for w in (pair.long, pair.short)}, key=_minutes)
    label = {"service": service.name}
    recordings = tuple(
        Recording(
            ERRORS_RECORD.format(window=w),
            f"{metrics.requests(w, errors=True)}\n/\n{metrics.requests(w)}",
            label,
        )
        for w in spans
    ) + tuple(
        Recording(
            SLOW_RECORD.format(window=w),
            f"1 - (\n  {metrics.fast_requests(w)}\n  /\n  {metrics.all_timed(w)}\n)",
            label,
        )
        for w in spans
    )
    alerts = tuple(
        _burn_alert(
            service.name,
            slo,
            metrics,
            kind,
            severity=severity,
            pairs=[w for w in kept if w.severity == severity],
        )
        for kind in ("availability", "latency")
        for severity in ("critical", "warning")
        if any(w.severity == severity for w in kept)
    )
    return (
        Group(f"{service.name}-slo-recording", recordings=recordings),
        Group(f"{service.name}-slo", alerts=alerts),
    )


def _burn_alert(
    service: str, slo: Slo, metrics: Metrics, kind: str, *, severity: Severity, pairs: list[BurnWindow]
) -> Alert:
    availability = kind == "availability"
    record = ERRORS_RECORD if availability else SLOW_RECORD
    budget = f"(1 - {number(slo.availability / 100)})"
    selector = f'{{service="{service}"}}'
    expr = "\nor\n".join(
        f"(\n  {record.format(window=w.long)}{selector} > ({number(w.factor(slo.window_days))} * {budget})\n"
        f"and\n  {record.format(window=w.short)}{selector} > ({number(w.factor(slo.window_days))} * "
        f"{budget})\n)"
        for w in pairs
    )
    fast = severity == "critical"
    what = "error budget" if availability else "latency budget"
    bad_share = (0.5, 0.0) if availability else (0.0, 0.5)
    spans = " and ".join(f"{w.long}/{w.short} at {number(w.factor(slo.window_days))}x" for w in pairs)
    objective = (
        f"{number(slo.availability)}% of requests answered without a server error"
        if availability
        else f"{number(slo.availability)}% of requests answered within {slo.latency_p95_ms} ms"
    )
    return Alert(
        name=f"SLO{'ErrorBudget' if availability else 'LatencyBudget'}Burn{'Fast' if fast else 'Slow'}",
        expr=expr,
        for_="2m" if fast else "15m",
        severity=severity,
        summary=f"{service} is spending its {what} {'fast' if fast else 'steadily'}",
        description=(
            f"{service} aims at {objective} over {slo.window_days} days; at the current rate "
            f"({spans}) the {what} {'runs out within days' if fast else 'runs out before the window ends'}."
        ),
        runbook=Runbook(
            meaning=(
                f"The service is failing its {'availability' if availability else 'latency'} objective "
                f"{'fast enough to exhaust the budget within days' if fast else 'slowly but steadily'}: "
                "both a long and a short window show "
                + ("server errors (5xx)" if availability else "requests slower than the SLO's bound")
                + " far above what the objective allows."
            ),
            impact=(
                "Users see failed requests right now."
                if availability
                else "Users wait longer than the objective promises; some give up."
            )
            + (
                " This pages because it will not wait until morning."
                if fast
                else " It opens a ticket: fix it this week."
            ),
            scope="service",
            mitigation=(
                "If a dependency (database, cache, queue, external API) is failing, follow its own alerts "
                "and fail over or shed load.",
                "If traffic grew beyond capacity, scale the service out.",
            ),
        ),
        bad=metrics.traffic(*bad_share),
        good=metrics.traffic(0.0, 0.0),
        at="60m",
        labels={"service": service},
    )


def _minutes(window: str) -> int:
    value, unit = int(window[:-1]), window[-1]
    return value * {"m": 1, "h": 60, "d": 1440}[unit]
