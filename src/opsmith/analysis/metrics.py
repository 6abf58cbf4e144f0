"""Whether a service exports Prometheus metrics, and where: a client library in its dependencies
and the route (or separate port) that serves them, each with the line it was read from.

A library alone is not enough: prom-client or prometheus_client only collect until the code
serves them, so the answer is "exports" when a `/metrics` route or a metrics server is found
too, or the library serves them by itself (Spring's Prometheus registry under Actuator). Code that
writes the text format itself counts too, but only when the `/metrics` route comes with the
format's own marks (a `# TYPE` line, its content type): a `/metrics` route alone may serve JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from opsmith.analysis.common import MAX_SOURCES, is_source
from opsmith.analysis.facts import Evidence, MetricsEndpoint
from opsmith.analysis.tree import Tree

_MANIFEST = re.compile(
    r"(?:^|/)(?:package\.json|requirements[\w.-]*\.txt|pyproject\.toml|Pipfile|setup\.cfg|go\.mod"
    r"|pom\.xml|build\.gradle(?:\.kts)?|Gemfile|Cargo\.toml|composer\.json|[^/]+\.csproj)$"
)
# Client libraries and framework integrations, as their names appear in a manifest.
_LIBRARIES = re.compile(
    r"""(?<![\w-])(prom-client|express-prom-bundle|fastify-metrics|@willsoto/nestjs-prometheus"""
    r"""|prometheus[_-]client|prometheus-fastapi-instrumentator|django-prometheus"""
    r"""|prometheus-flask-exporter|starlette-exporter|micrometer-registry-prometheus"""
    r"""|github\.com/prometheus/client_golang|yabeda-prometheus|metrics-exporter-prometheus"""
    r"""|axum-prometheus|promphp/prometheus_client_php|prometheus-net(?:\.AspNetCore)?)(?![\w-])""",
    re.IGNORECASE,
)
# Libraries that serve the metrics without a route in the application's code.
_SELF_SERVING = {"micrometer-registry-prometheus": "/actuator/prometheus"}
_ROUTE = re.compile(r"""["'`](/metrics)/?["'`]|\bMapMetrics\(""")
# The exposition format written by hand: a `# TYPE name counter` line or its content type.
_EXPOSITION = re.compile(
    r"#\s?TYPE\s+[A-Za-z_:][\w:]*\s+(?:counter|gauge|histogram|summary)\b|version=0\.0\.4|openmetrics-text"
)
_SERVER_PORT = re.compile(r"\bstart_http_server\(\s*(?:port\s*=\s*)?(\d{2,5})\b")
_MAX_LINE = 2000


@dataclass
class _Found:
    library: tuple[str, Evidence] | None = None
    route: Evidence | None = None
    port: tuple[int, Evidence] | None = None
    exposition: Evidence | None = None


def metrics_endpoint(tree: Tree, files: Iterable[str]) -> MetricsEndpoint | None:
    """The metrics endpoint of the service owning `files`, or None when it exports none."""
    found = _Found()
    chosen = [f for f in files if _MANIFEST.search(f) or is_source(f)][:MAX_SOURCES]
    for relpath in chosen:
        manifest = _MANIFEST.search(relpath) is not None
        text = tree.read(relpath)
        if text is None:
            continue
        for number, line in enumerate(text.lines, start=1):
            if len(line) > _MAX_LINE:
                continue
            if manifest:
                library = _LIBRARIES.search(line)
                if library and found.library is None:
                    found.library = (library.group(1).lower(), text.evidence(number))
            else:
                if found.route is None and _ROUTE.search(line):
                    found.route = text.evidence(number)
                if found.exposition is None and _EXPOSITION.search(line):
                    found.exposition = text.evidence(number)
                port = _SERVER_PORT.search(line)
                if port and found.port is None:
                    found.port = (int(port.group(1)), text.evidence(number))
    return _endpoint(found)


def _endpoint(found: _Found) -> MetricsEndpoint | None:
    if found.library is None:
        if found.route is not None and found.exposition is not None:
            evidence = (found.route, found.exposition)
            return MetricsEndpoint(
                "/metrics", None, evidence, "the code writes the Prometheus text format itself"
            )
        return None
    name, library = found.library
    if found.port is not None:
        port, where = found.port
        return MetricsEndpoint("/metrics", port, (library, where), f"{name} serves them on port {port}")
    if found.route is not None:
        return MetricsEndpoint("/metrics", None, (library, found.route), f"{name}, served on the app's port")
    if name in _SELF_SERVING:
        return MetricsEndpoint(_SELF_SERVING[name], None, (library,), f"{name} under Spring Boot Actuator")
    return None
