"""The generated monitoring, run for real on loopback: Prometheus scrapes an instrumented app with
the generated rules, Alertmanager routes with the generated tree, and a webhook receiver stands in
for PagerDuty, chat and the heartbeat service.

Only what cannot work on 127.0.0.1 or within a test's time is changed, and the change is the same
for every alert: host names become loopback ports, receivers become local webhooks with their route
tree and inhibitions kept, scrapes and evaluations run every second, firing alerts are re-sent every
second instead of every minute, and every `for:` is zero. How
long each alert waits before firing is covered by the promtool unit tests generated beside the
rules (tests/generate/test_monitoring.py runs them).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from commands.test_init import TIERS
from generate.monitoring_designs import example_design, with_metrics, write_monitoring

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None or ALERTMANAGER is None,
    reason="prometheus and prometheus-alertmanager (Debian packages in .ci/apt-packages.txt) are needed",
)
WAIT = 90.0  # seconds for an alert to travel app -> Prometheus -> Alertmanager -> receiver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class _App:
    """An instrumented stand-in for the service: the metrics the generated alerts read, with a
    switch from healthy traffic to a burst of server errors."""

    failing: bool = False
    ok: int = 0
    errors: int = 0

    def exposition(self) -> str:
        self.ok += 10
        self.errors += 10 if self.failing else 0
        total = self.ok + self.errors
        lines = [
            "# TYPE http_requests_total counter",
            f'http_requests_total{{status="200"}} {self.ok}',
            f'http_requests_total{{status="500"}} {self.errors}',
            "# TYPE http_request_duration_seconds histogram",
        ]
        lines += [f'http_request_duration_seconds_bucket{{le="{le}"}} {total}' for le in ("0.1", "1", "+Inf")]
        lines += [
            f"http_request_duration_seconds_sum {total * 0.05}",
            f"http_request_duration_seconds_count {total}",
        ]
        return "\n".join(lines) + "\n"


@dataclass
class _Inbox:
    """What the webhook receivers got: alert names and labels per receiver path."""

    alerts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.alerts.setdefault(path, []).extend(a["labels"] for a in payload.get("alerts", []))

    def names(self, path: str) -> set[str]:
        with self.lock:
            return {labels["alertname"] for labels in self.alerts.get(path, [])}

    def wait_for(self, path: str, name: str) -> dict[str, str]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self.lock:
                found = [a for a in self.alerts.get(path, []) if a["alertname"] == name]
            if found:
                return found[0]
            time.sleep(0.5)
        raise AssertionError(f"{name} never reached {path}; received: {self.alerts}")


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app() -> Iterator[tuple[_App, int]]:
    state = _App()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state.exposition().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    for port in _serve(Handler):
        yield state, port


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    received = _Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.add(self.path, json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    for port in _serve(Handler):
        yield received, port


def _loopback_prometheus(config: dict[str, Any], hosts: dict[str, str], down: str) -> dict[str, Any]:
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    for manager in config["alerting"]["alertmanagers"]:
        for static in manager["static_configs"]:
            static["targets"] = [hosts.get(t, down) for t in static["targets"]]
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            static["targets"] = [hosts.get(t, down) for t in static["targets"]]
    return config


def _loopback_alertmanager(config: dict[str, Any], inbox_port: int) -> dict[str, Any]:
    def quick(route: dict[str, Any]) -> None:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if key in route:
                route[key] = "1s"
        for child in route.get("routes", []):
            quick(child)

    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1m")
    quick(config["route"])
    for receiver in config["receivers"]:
        name = receiver["name"]
        notifies = any(key.endswith("_configs") for key in receiver)
        for key in [k for k in receiver if k.endswith("_configs")]:
            del receiver[key]
        if notifies:  # the same receiver, delivering to a local webhook instead
            receiver["webhook_configs"] = [
                {"url": f"http://127.0.0.1:{inbox_port}/{name}", "send_resolved": False}
            ]
    return config


def _without_waiting(rules_file: Path) -> None:
    data = yaml.safe_load(rules_file.read_text())
    for group in data["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = "0s"
    rules_file.write_text(yaml.safe_dump(data, sort_keys=False))


def _start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)


def _ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{process.args[0]} not ready: {log.read_text()[-2000:]}")


@pytest.fixture
def stack(tmp_path: Path, app: tuple[_App, int], inbox: tuple[_Inbox, int]) -> Iterator[tuple[_App, _Inbox]]:
    state, app_port = app
    received, inbox_port = inbox
    tier = next(iter(TIERS))  # the smallest: self-run Prometheus beside the app
    design = with_metrics(example_design("bookshelf", tier), "bookshelf", 3000, "/metrics")
    monitoring = write_monitoring(design, tmp_path) / "monitoring"
    prometheus_port, alertmanager_port, closed = _free_port(), _free_port(), _free_port()
    hosts = {
        "bookshelf:3000": f"127.0.0.1:{app_port}",
        "localhost:9090": f"127.0.0.1:{prometheus_port}",
        "alertmanager:9093": f"127.0.0.1:{alertmanager_port}",
    }
    prometheus_yml = monitoring / "prometheus.yml"
    config = _loopback_prometheus(yaml.safe_load(prometheus_yml.read_text()), hosts, f"127.0.0.1:{closed}")
    prometheus_yml.write_text(yaml.safe_dump(config, sort_keys=False))
    for rules in (monitoring / "rules").glob("*.yml"):
        if not rules.name.endswith("_test.yml"):
            _without_waiting(rules)
    alertmanager_yml = monitoring / "alertmanager.yml"
    routing = _loopback_alertmanager(yaml.safe_load(alertmanager_yml.read_text()), inbox_port)
    alertmanager_yml.write_text(yaml.safe_dump(routing, sort_keys=False))
    assert ALERTMANAGER is not None
    processes = [
        (
            _start(
                [
                    ALERTMANAGER,
                    f"--config.file={alertmanager_yml}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{alertmanager_port}",
                    "--cluster.listen-address=",
                ],
                tmp_path / "alertmanager.log",
            ),
            alertmanager_port,
            tmp_path / "alertmanager.log",
        ),
        (
            _start(
                [
                    "prometheus",
                    f"--config.file={prometheus_yml}",
                    f"--storage.tsdb.path={tmp_path / 'prom-data'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                    "--rules.alert.resend-delay=1s",
                ],
                tmp_path / "prometheus.log",
            ),
            prometheus_port,
            tmp_path / "prometheus.log",
        ),
    ]
    try:
        for process, port, log in processes:
            _ready(port, process, log)
        yield state, received
    finally:
        for process, _, _ in processes:
            process.terminate()
        for process, _, _ in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_error_burst_pages_and_a_cause_only_opens_a_ticket(stack: tuple[_App, _Inbox]) -> None:
    app, inbox = stack
    # The pipeline is watched: the always-firing Watchdog reaches the heartbeat, never a person.
    inbox.wait_for("/heartbeat", "Watchdog")
    # A scrape target that is down (the node exporter is not running here) is a cause: chat only.
    down = inbox.wait_for("/chat", "TargetDown")
    assert down["severity"] == "warning"
    time.sleep(3)  # healthy traffic for a few evaluations: nothing pages
    assert "/pager" not in inbox.alerts, inbox.alerts
    app.failing = True
    page = inbox.wait_for("/pager", "SLOErrorBudgetBurnFast")
    assert page["severity"] == "critical" and page["service"] == "bookshelf"
    assert inbox.names("/pager") <= {"SLOErrorBudgetBurnFast", "ServiceDown"}, inbox.alerts
    assert "Watchdog" not in inbox.names("/pager") | inbox.names("/chat")
