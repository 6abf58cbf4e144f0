"""Grafana dashboards as JSON: one per web service (RED: request rate, error ratio, p95/p99
latency; its SLO: availability and latency budgets left, burn rates) and one for the platform
(USE: CPU, memory, disk and network of hosts and containers, and scrape targets).

The panels read the recording rules the SLO alerts read (monitoring_slo) and the request metrics
the RED alerts read (monitoring_metrics), so a chart and the alert it explains agree. Every query
is scoped to its service by the `service` label, which gate 3's `dashboard` check looks for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opsmith.design.model import Service, Slo
from opsmith.generate.artifact import safe_name
from opsmith.generate.monitoring_alerts import number
from opsmith.generate.monitoring_metrics import metrics_of
from opsmith.generate.monitoring_platform import _REAL_FS as REAL_FS
from opsmith.generate.monitoring_slo import ERRORS_RECORD, SLOW_RECORD, windows_for

SCHEMA_VERSION = 39  # Grafana 10.4 and later read it without migrating
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
_WIDTH = 24  # Grafana's grid is 24 columns wide
_HEIGHT = 8


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    targets: tuple[Target, ...]
    unit: str
    kind: str = "timeseries"
    description: str = ""


def uid(name: str) -> str:
    """Grafana dashboard uids are at most 40 characters."""
    return f"opsmith-{safe_name(name)}"[:40].rstrip("-")


def service_dashboard(app: str, service: Service, slo: Slo) -> dict[str, Any]:
    m = metrics_of(service, slo)
    label = f'{{service="{service.name}"}}'
    budget = 1 - slo.availability / 100
    window = f"{slo.window_days}d"
    failed = f"{m.requests(window, errors=True)}\n/\n{m.requests(window)}"
    burn_windows = [w.long for w in windows_for(slo)]
    red = [
        Panel("Request rate", (Target(m.requests("5m"), "requests/s"),), "reqps"),
        Panel(
            "Error ratio (5xx)",
            (Target(ERRORS_RECORD.format(window="5m") + label, "errors"),),
            "percentunit",
            description="The recorded SLI the availability burn-rate alerts read.",
        ),
        Panel(
            "Latency p95 and p99",
            (Target(m.quantile(0.95, "5m"), "p95"), Target(m.quantile(0.99, "5m"), "p99")),
            "s",
            description=f"The SLO bound is {slo.latency_p95_ms} ms (p95).",
        ),
        Panel(
            "Requests slower than the SLO bound",
            (Target(SLOW_RECORD.format(window="5m") + label, "slow share"),),
            "percentunit",
            description="The recorded SLI the latency burn-rate alerts read.",
        ),
    ]
    slo_panels = [
        Panel(
            f"Availability over {window} (objective {number(slo.availability)}%)",
            (Target(f"1 - (\n{failed}\n)", "availability"),),
            "percentunit",
            kind="stat",
        ),
        Panel(
            f"Error budget left over {window}",
            (
                Target(
                    f"1 - (\n{failed}\n) / {number(budget)}",
                    "budget left",
                ),
            ),
            "percentunit",
            kind="stat",
            description="1 is the whole budget unspent; 0 or below means the objective is missed.",
        ),
        Panel(
            "Error budget burn rate",
            tuple(
                Target(f"{ERRORS_RECORD.format(window=w)}{label} / {number(budget)}", w) for w in burn_windows
            ),
            "x",
            description="1x spends the budget exactly over the SLO window; the alerts page at 14.4x (1h) "
            "and 6x (6h) for a 30-day window.",
        ),
        Panel(
            "Latency budget burn rate",
            tuple(
                Target(f"{SLOW_RECORD.format(window=w)}{label} / {number(budget)}", w) for w in burn_windows
            ),
            "x",
        ),
    ]
    rows = [("RED: rate, errors, duration", red), (f"SLO over {window}", slo_panels)]
    return _dashboard(f"{app} / {service.name}", uid(f"{app}-{service.name}"), [app, "opsmith", "red"], rows)


def platform_dashboard(app: str, *, hosts: bool) -> dict[str, Any]:
    """Scrape targets always; hosts and containers where the design runs them (`hosts`)."""
    targets = [
        Panel("Scrape targets up", (Target("sum by (job) (up)", "{{job}}"),), "short"),
        Panel(
            "Scrape targets down",
            (Target("count by (job) (up == 0)", "{{job}}"),),
            "short",
            description="TargetDown warns when one stays down for 10 minutes.",
        ),
    ]
    rows: list[tuple[str, list[Panel]]] = [("Targets", targets)]
    if hosts:
        rows.append(("Hosts (USE)", _host_panels()))
        rows.append(("Containers (USE)", _container_panels()))
    return _dashboard(f"{app} / platform", uid(f"{app}-platform"), [app, "opsmith", "use"], rows)


def _host_panels() -> list[Panel]:
    return [
        Panel(
            "CPU busy",
            (
                Target(
                    '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', "{{instance}}"
                ),
            ),
            "percentunit",
        ),
        Panel(
            "Memory available",
            (Target("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}"),),
            "percentunit",
        ),
        Panel(
            "Disk space free",
            (
                Target(
                    f"node_filesystem_avail_bytes{{{REAL_FS}}} / node_filesystem_size_bytes{{{REAL_FS}}}",
                    "{{instance}} {{mountpoint}}",
                ),
            ),
            "percentunit",
        ),
        Panel(
            "Network errors",
            (
                Target(
                    "rate(node_network_receive_errs_total[5m]) + rate(node_network_transmit_errs_total[5m])",
                    "{{instance}} {{device}}",
                ),
            ),
            "pps",
        ),
    ]


def _container_panels() -> list[Panel]:
    by = "sum by (name, container, pod)"
    return [
        Panel(
            "Container CPU throttled",
            (
                Target(
                    f"{by} (rate(container_cpu_cfs_throttled_periods_total[5m]))\n/\n"
                    f"{by} (rate(container_cpu_cfs_periods_total[5m]))",
                    "{{name}}{{pod}} {{container}}",
                ),
            ),
            "percentunit",
        ),
        Panel(
            "Container memory of its limit",
            (
                Target(
                    "container_memory_working_set_bytes / (container_spec_memory_limit_bytes > 0)",
                    "{{name}}{{pod}} {{container}}",
                ),
            ),
            "percentunit",
        ),
        Panel(
            "Container OOM kills",
            (Target("increase(container_oom_events_total[1h])", "{{name}}{{pod}} {{container}}"),),
            "short",
        ),
    ]


def _dashboard(
    title: str, dashboard_uid: str, tags: list[str], rows: list[tuple[str, list[Panel]]]
) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y = 0
    for row_title, row in rows:
        panels.append(
            {
                "id": len(panels) + 1,
                "type": "row",
                "title": row_title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": _WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        y += 1
        width = _WIDTH // 2
        for index, panel in enumerate(row):
            x = (index % 2) * width
            panels.append(_panel(len(panels) + 1, panel, {"h": _HEIGHT, "w": width, "x": x, "y": y}))
            if index % 2 == 1 or index == len(row) - 1:
                y += _HEIGHT
    return {
        "uid": dashboard_uid,
        "title": title,
        "tags": tags,
        "timezone": "utc",
        "editable": True,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


def _panel(panel_id: int, panel: Panel, grid: dict[str, int]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "datasource": DATASOURCE,
        "gridPos": grid,
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": t.expr, "legendFormat": t.legend}
            for i, t in enumerate(panel.targets)
        ],
    }
    if panel.description:
        body["description"] = panel.description
    if panel.kind == "stat":
        body["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
    return body


def to_json(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, indent=2) + "\n"
