"""Measuring releases for real: HAProxy's exporter scraped every second by opsmith's own
Prometheus, and the analysis checks run against one server's series. A server answering 500
fails, a healthy one passes, an idle one is inconclusive (no traffic is never a pass)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.runtime_support import HostApp, Load, wait_until
from opsmith.deploy.balancer import Balancer, Frontend
from opsmith.deploy.containers import LOOPBACK, free_port
from opsmith.deploy.observer import AVERAGE_NOTE, Observer
from opsmith.deploy.processes import daemon_pid, stop_daemon
from opsmith.design.model import Slo

SLO = Slo(availability=99.5, latency_p95_ms=800, reason="test", rule="test")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Balancer, Observer, Frontend]]:
    """One HAProxy and one Prometheus for the module."""
    state_dir = tmp_path_factory.mktemp("obs")
    front = Frontend("shop", LOOPBACK, free_port(), "/health")
    balancer = Balancer(state_dir, check_interval=0.2)
    balancer.ensure([front])
    observer = Observer(state_dir, balancer.exporter_address(), scrape_interval=1)
    try:
        observer.ensure()
        assert wait_until(lambda: _scraped(observer), 20), "Prometheus never scraped HAProxy"
        yield balancer, observer, front
    finally:
        observer.stop()
        stop_daemon("haproxy", state_dir / "haproxy")


def _scraped(observer: Observer) -> bool:
    answer = observer.query('up{job="haproxy"} == 1')
    return bool(answer.get("data", {}).get("result"))


def test_errors_fail_success_passes_and_silence_is_inconclusive(
    stack: tuple[Balancer, Observer, Frontend], host_app: HostApp
) -> None:
    balancer, observer, front = stack
    balancer.add_server("shop", "good", LOOPBACK, host_app(version="good"), 50)
    balancer.add_server("shop", "bad", LOOPBACK, host_app(mode="error"), 50)
    balancer.add_server("shop", "idle", LOOPBACK, host_app(version="idle"), 0)
    healthy = {"good", "bad", "idle"}
    assert wait_until(lambda: {s.name for s in balancer.servers("shop") if s.healthy} == healthy, 5)
    threading.Event().wait(1.5)  # Prometheus sees each new server at zero before it serves
    load = Load(f"http://{LOOPBACK}:{front.listen_port}/", per_second=40).start()
    threading.Event().wait(4)
    load.stop()
    assert load.bodies.get("good", 0) > 0 and len(load.failures) > 0  # traffic reached both

    def measured(server: str) -> str:
        return observer.measure("shop", server, SLO, "10s").verdict

    assert wait_until(lambda: measured("bad") == "fail", 10, interval=0.5)
    bad = observer.measure("shop", "bad", SLO, "10s")
    success = bad.checks[0]
    assert (success.name, success.verdict, success.value, success.threshold) == (
        "success-rate",
        "fail",
        0.0,
        0.995,
    )
    assert bad.note == AVERAGE_NOTE and bad.error is None

    good = observer.measure("shop", "good", SLO, "10s")
    assert good.verdict == "pass"
    assert [(c.name, c.verdict) for c in good.checks] == [
        ("success-rate", "pass"),
        ("latency-average", "pass"),
    ]
    assert good.checks[0].value == 1.0 and good.checks[1].value is not None and good.checks[1].value < 0.8

    idle = observer.measure("shop", "idle", SLO, "10s")
    assert idle.verdict == "inconclusive"
    assert [c.value for c in idle.checks] == [None, None]
    assert idle.note.startswith("no request reached idle in the last 10s")


def test_without_an_slo_the_default_bar_applies(stack: tuple[Balancer, Observer, Frontend]) -> None:
    _, observer, _ = stack
    measurement = observer.measure("shop", "nobody", None, "10s")
    assert measurement.verdict == "inconclusive"
    assert measurement.checks[0].threshold == 0.99
    assert "the design sets no SLO" in measurement.note


def test_a_prometheus_that_does_not_answer_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    closed = f"http://{LOOPBACK}:{free_port()}"
    observer = Observer(tmp_path, f"{LOOPBACK}:9", prometheus_url=closed)
    assert not observer.own and observer.url == closed
    observer.ensure()  # a user Prometheus is never started by opsmith
    assert daemon_pid("prometheus", tmp_path / "prometheus") is None
    measurement = observer.measure("shop", "v1", SLO, "1m")
    assert measurement.verdict == "inconclusive"
    assert measurement.error is not None and "refused" in measurement.error.lower()


def test_a_second_observer_reuses_the_running_prometheus(stack: tuple[Balancer, Observer, Frontend]) -> None:
    balancer, observer, _ = stack
    pid = daemon_pid("prometheus", observer.dir)
    again = Observer(observer.dir.parent, balancer.exporter_address(), scrape_interval=1)
    again.ensure()
    assert daemon_pid("prometheus", observer.dir) == pid
    assert again.url == observer.url


@pytest.mark.parametrize(
    ("service", "server", "window", "message"),
    [
        ("shop", "v1", "2 m", "invalid window"),
        ("shop", "v1", "0s", "invalid window"),
        ("shop", 'v1"}', "1m", "invalid server name"),
        ("Shop", "v1", "1m", "invalid service name"),
    ],
)
def test_query_inputs_are_checked(
    tmp_path: Path, service: str, server: str, window: str, message: str
) -> None:
    observer = Observer(tmp_path, f"{LOOPBACK}:9", prometheus_url=f"http://{LOOPBACK}:9")
    with pytest.raises(ValueError, match=message):
        observer.measure(service, server, SLO, window)


def test_only_an_http_prometheus_and_an_ip_exporter_are_accepted(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an http"):
        Observer(tmp_path, f"{LOOPBACK}:9", prometheus_url="file:///etc/passwd")
    with pytest.raises(ValueError, match="invalid exporter address"):
        Observer(tmp_path, "exporter:9101\n- targets: [evil]")
