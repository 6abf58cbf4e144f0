"""Gate 3 put together: read the repository's monitoring, find the services, run every check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from opsmith.design.model import Design
from opsmith.monitoring.checks import (
    Alert,
    Context,
    dashboard,
    pipeline,
    routed,
    runbook,
    scraped,
    service_alerts,
    signal_alert,
)
from opsmith.monitoring.coverage import Check, Coverage, ServiceCoverage, checks_for
from opsmith.monitoring.runbooks import RunbookBase, Runbooks
from opsmith.monitoring.services import Watched, watched_services
from opsmith.monitoring.sources import read_sources

_JUDGES: dict[str, Callable[[Context, Watched, list[Alert]], Check]] = {
    "error_alert": lambda ctx, service, alerts: signal_alert(ctx, service, alerts, "error"),
    "latency_alert": lambda ctx, service, alerts: signal_alert(ctx, service, alerts, "latency"),
    "liveness_alert": lambda ctx, service, alerts: signal_alert(ctx, service, alerts, "liveness"),
    "dashboard": lambda ctx, service, _: dashboard(ctx, service),
    "runbook": runbook,
    "routed": routed,
}


def verify_monitoring(
    root: Path,
    design: Design | None,
    *,
    exclude: tuple[str, ...] = (),
    max_size: int = 1024 * 1024,
    runbook_base: RunbookBase | None = None,
) -> Coverage:
    sources = read_sources(root, exclude, max_size)
    services = watched_services(design, sources)
    ctx = Context(sources, services, Runbooks(root, runbook_base))
    # every service's jobs are known before any alert is judged: a job's name may be all that
    # ties an alert to its service
    collected = {service.name: scraped(ctx, service) for service in services}
    covered: list[ServiceCoverage] = []
    for service in services:
        result = ServiceCoverage(service.name, service.critical, service.kind)
        alerts = service_alerts(ctx, service)
        result.checks = {
            name: collected[service.name] if name == "scraped" else _JUDGES[name](ctx, service, alerts)
            for name in checks_for(service.kind)
        }
        covered.append(result)
    return Coverage(
        covered, pipeline(ctx), "design" if design is not None else "repository", sources.unreadable
    )
