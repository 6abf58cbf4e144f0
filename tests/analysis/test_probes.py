"""The liveness route: one named for it, or a health route whose handler touches no dependency;
otherwise none, and probes check the port."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.analysis.facts import ServiceFacts

PACKAGE = '{"name": "svc", "scripts": {"start": "node index.js"}, "dependencies": {"express": "4.21.1"}}\n'
REQUIREMENTS = "fastapi==0.115.0\nuvicorn==0.30.6\n"


def _service(root: Path, files: dict[str, str]) -> ServiceFacts:
    (service,) = analyze(write_tree(root, files)).services
    return service


def test_a_route_named_for_liveness_wins(tmp_path: Path) -> None:
    server = (
        "const app = require('express')()\n"
        "app.get('/healthz', async (req, res) => { await pool.query('SELECT 1'); res.send('ok') })\n"
        "app.get('/livez', (req, res) => res.send('ok'))\n"
        "app.listen(3000)\n"
    )
    service = _service(tmp_path, {"package.json": PACKAGE, "index.js": server})
    assert service.health is not None and service.health.value == "/healthz"
    assert service.liveness is not None
    assert (service.liveness.value, str(service.liveness.evidence[0])) == ("/livez", "index.js:3")


def test_a_health_route_that_queries_the_database_is_not_liveness(tmp_path: Path) -> None:
    server = (
        "const app = require('express')()\n"
        "app.get('/healthz', async (req, res) => {\n"
        "  await pool.query('SELECT 1')\n"
        "  res.send('ok')\n"
        "})\n"
        "app.listen(3000)\n"
    )
    service = _service(tmp_path, {"package.json": PACKAGE, "index.js": server})
    assert service.health is not None and service.liveness is None


def test_a_health_route_that_answers_alone_is_also_liveness(tmp_path: Path) -> None:
    app = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "\n"
        '@app.get("/healthz")\n'
        "def healthz():\n"
        '    return {"status": "ok"}\n'
        "\n"
        '@app.get("/orders")\n'
        "def orders():\n"
        '    return db.query("select * from orders")\n'
    )
    service = _service(tmp_path, {"requirements.txt": REQUIREMENTS, "main.py": app})
    assert service.liveness is not None
    assert service.liveness.value == "/healthz" and service.liveness.origin == "derived"


@pytest.mark.parametrize(
    "handler",
    [
        "func healthz(w http.ResponseWriter, r *http.Request) {\n\tif err := db.Ping(); err != nil {\n"
        "\t\tw.WriteHeader(503)\n\t}\n}\n",
        'func healthz(w http.ResponseWriter, r *http.Request) {\n\trdb.Get(ctx, "k")\n\tsession.Touch()\n}\n',
    ],
)
def test_a_named_go_handler_is_read_where_it_is_defined(tmp_path: Path, handler: str) -> None:
    main = (
        'package main\n\nimport "net/http"\n\n'
        'func main() {\n\thttp.HandleFunc("/healthz", healthz)\n'
        '\thttp.ListenAndServe(":8080", nil)\n}\n\n' + handler
    )
    service = _service(tmp_path, {"go.mod": "module example.com/svc\n\ngo 1.22\n", "main.go": main})
    assert service.health is not None and service.liveness is None
