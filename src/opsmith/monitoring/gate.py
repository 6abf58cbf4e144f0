"""Gate 3 put together: read the repository's monitoring, find the services, run every check."""

from __future__ import annotations

from pathlib import Path

from opsmith.design.model import Design
from opsmith.monitoring.checks import (
    Context,
    dashboard,
    pipeline,
    routed,
    runbook,
    scraped,
    service_alerts,
    signal_alert,
)
from opsmith.monitoring.coverage import Coverage, ServiceCoverage
from opsmith.monitoring.runbooks import RunbookBase, Runbooks
from opsmith.monitoring.services import watched_services
from opsmith.monitoring.sources import read_sources


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
        result.checks["scraped"] = collected[service.name]
        alerts = service_alerts(ctx, service)
        result.checks["error_alert"] = signal_alert(ctx, service, alerts, "error")
        result.checks["latency_alert"] = signal_alert(ctx, service, alerts, "latency")
        result.checks["dashboard"] = dashboard(ctx, service)
        result.checks["runbook"] = runbook(ctx, service, alerts)
        result.checks["routed"] = routed(ctx, service, alerts)
        covered.append(result)
    return Coverage(
        covered, pipeline(ctx), "design" if design is not None else "repository", sources.unreadable
    )
