"""Whether a service exports Prometheus metrics: a client library and where it serves them."""

from __future__ import annotations

from pathlib import Path

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.analysis.facts import ServiceFacts
from opsmith.analysis.report import to_text


def _service(root: Path, files: dict[str, str]) -> ServiceFacts:
    (service,) = analyze(write_tree(root, files)).services
    return service


def test_prom_client_with_a_metrics_route(tmp_path: Path) -> None:
    package = '{"name": "svc", "dependencies": {"express": "4.21.1", "prom-client": "15.1.3"}}\n'
    lines = [
        "const client = require('prom-client')",
        "const app = require('express')()",
        "app.get('/metrics', async (req, res) => res.end(await client.register.metrics()))",
        "app.listen(3000)",
    ]
    server = "\n".join(lines) + "\n"
    service = _service(tmp_path, {"package.json": package, "index.js": server})
    assert service.metrics is not None
    assert (service.metrics.path, service.metrics.port) == ("/metrics", None)
    assert [str(e) for e in service.metrics.evidence] == ["package.json:1", "index.js:3"]


def test_prometheus_client_on_a_port_of_its_own(tmp_path: Path) -> None:
    worker = "from prometheus_client import start_http_server\nstart_http_server(9102)\nrun()\n"
    files = {"requirements.txt": "prometheus-client==0.21.0\n", "worker.py": worker}
    facts = analyze(write_tree(tmp_path, files))
    (service,) = facts.services
    assert service.metrics is not None
    assert (service.metrics.path, service.metrics.port) == ("/metrics", 9102)
    assert str(service.metrics.evidence[1]) == "worker.py:2"
    assert "metrics: /metrics on port 9102" in to_text(facts)


def test_a_library_that_serves_nothing_is_not_an_export(tmp_path: Path) -> None:
    package = '{"name": "svc", "dependencies": {"express": "4.21.1", "prom-client": "15.1.3"}}\n'
    server = "require('prom-client')\nrequire('express')().listen(3000)\n"
    assert _service(tmp_path, {"package.json": package, "index.js": server}).metrics is None


def test_a_metrics_route_without_a_client_library_is_not_an_export(tmp_path: Path) -> None:
    package = '{"name": "svc", "dependencies": {"express": "4.21.1"}}\n'
    server = "const app = require('express')()\napp.get('/metrics', (q, r) => r.send(''))\napp.listen(3000)\n"
    assert _service(tmp_path, {"package.json": package, "index.js": server}).metrics is None


def test_a_metrics_route_writing_the_text_format_itself_is_an_export(tmp_path: Path) -> None:
    package = '{"name": "svc", "scripts": {"start": "node server.js"}}\n'
    lines = [
        "const http = require('node:http')",
        "http.createServer((req, res) => {",
        "  if (req.url === '/metrics') {",
        "    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })",
        "    return res.end('# TYPE http_requests_total counter\\n')",
        "  }",
        "}).listen(3000)",
    ]
    service = _service(tmp_path, {"package.json": package, "server.js": "\n".join(lines) + "\n"})
    assert service.metrics is not None and service.metrics.port is None
    assert [str(e) for e in service.metrics.evidence] == ["server.js:3", "server.js:4"]
