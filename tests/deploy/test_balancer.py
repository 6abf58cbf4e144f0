"""The HAProxy opsmith drives, for real on the loopback interface: releases added at runtime get
traffic only once healthy, weights move traffic without a failed request, drain waits for the
requests in flight, and a restarted controller or HAProxy finds the same servers again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.runtime_support import HostApp, Load, get, wait_until
from opsmith.deploy.balancer import Balancer, BalancerError, DrainTimeout, Frontend, server_name
from opsmith.deploy.containers import LOOPBACK, free_port
from opsmith.deploy.processes import stop_daemon

CHECK = 0.2  # seconds between health checks: two passing checks make a release healthy


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("lb")
    yield path
    stop_daemon("haproxy", path / "haproxy")


@pytest.fixture(scope="module")
def fronts() -> list[Frontend]:
    return [
        Frontend("web", LOOPBACK, free_port(), "/health"),
        Frontend("tcp", LOOPBACK, free_port(), None),  # connect checks only
    ]


@pytest.fixture
def balancer(state_dir: Path, fronts: list[Frontend]) -> Iterator[Balancer]:
    """The module's HAProxy, with no server left behind by the previous test."""
    balancer = Balancer(state_dir, check_interval=CHECK)
    balancer.ensure(fronts)
    yield balancer
    for front in balancer.frontends():
        for server in balancer.servers(front.service):
            balancer.remove_server(front.service, server.name)


def url(front: Frontend, path: str = "/") -> str:
    return f"http://{front.listen_host}:{front.listen_port}{path}"


def healthy(balancer: Balancer, service: str, server: str) -> bool:
    return any(s.name == server and s.healthy for s in balancer.servers(service))


def serve(balancer: Balancer, server: str, port: int, weight: int) -> None:
    """Adds a release behind `web` and waits until its health checks pass."""
    balancer.add_server("web", server, LOOPBACK, port, weight)
    assert wait_until(lambda: healthy(balancer, "web", server), 5)


def test_a_release_gets_traffic_only_once_its_health_checks_pass(
    balancer: Balancer, fronts: list[Frontend], host_app: HostApp
) -> None:
    web = fronts[0]
    serve(balancer, "v1", host_app(version="v1"), 100)
    # a release that hangs and one that crashed are added at full weight, and never served
    balancer.add_server("web", "hang", LOOPBACK, host_app(mode="hang"), 100)
    balancer.add_server("web", "crash", LOOPBACK, host_app(mode="crash"), 100)
    load = Load(url(web), per_second=50).start()
    threading.Event().wait(CHECK * 10)
    load.stop()
    assert load.failures == []
    assert load.bodies == {"v1": load.sent}
    states = {s.name: s for s in balancer.servers("web")}
    assert not states["hang"].healthy and not states["crash"].healthy
    assert states["hang"].weight == 100 and states["hang"].state == "ready"


def test_moving_the_weight_loses_no_request(
    balancer: Balancer, fronts: list[Frontend], host_app: HostApp
) -> None:
    web = fronts[0]
    serve(balancer, "v1", host_app(version="v1"), 100)
    load = Load(url(web), per_second=100).start()  # about 300 requests over the 3 s below
    serve(balancer, "v2", host_app(version="v2"), 0)
    for old, new in ((75, 25), (50, 50), (0, 100)):
        balancer.set_weight("web", "v2", new)
        balancer.set_weight("web", "v1", old)
        threading.Event().wait(0.6)
    balancer.drain("web", "v1", timeout=5)
    balancer.remove_server("web", "v1")
    before_end = load.sent
    threading.Event().wait(0.5)
    load.stop()
    assert load.sent >= 250
    assert load.failures == []
    assert load.bodies["v1"] > 0 and load.bodies["v2"] > 0
    assert [(s.name, s.weight, s.state) for s in balancer.servers("web")] == [("v2", 100, "ready")]
    assert load.sent > before_end  # requests went on after v1 was gone, all to v2
    assert get(url(web)) == (200, "v2\n")


def test_a_release_that_dies_under_load_costs_no_request(
    balancer: Balancer, fronts: list[Frontend], host_app: HostApp
) -> None:
    serve(balancer, "v1", host_app(version="v1"), 50)
    doomed = host_app(version="v2")
    serve(balancer, "v2", doomed, 50)
    load = Load(url(fronts[0]), per_second=100).start()
    threading.Event().wait(1)
    host_app.kill(doomed)  # refused connections: retried on v1 (redispatch), v2 marked down at once
    threading.Event().wait(1.5)
    load.stop()
    assert load.failures == []
    assert load.bodies["v2"] > 0 and load.bodies["v1"] > load.bodies["v2"]
    assert not healthy(balancer, "web", "v2")


def test_drain_waits_for_requests_in_flight(balancer: Balancer, fronts: list[Frontend]) -> None:
    # a backend that holds each request until told to answer (connect checks pass meanwhile)
    answer_now = threading.Event()
    listener = socket.socket()
    listener.bind((LOOPBACK, 0))
    listener.listen(16)

    def answer(connection: socket.socket) -> None:
        with connection:
            if connection.recv(65536) and answer_now.wait(10):
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nlate\n")

    def serve() -> None:
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    tcp = fronts[1]
    balancer.add_server("tcp", "slow", LOOPBACK, listener.getsockname()[1], 10)
    try:
        assert wait_until(lambda: healthy(balancer, "tcp", "slow"), 5)
        answers: list[tuple[int, str]] = []
        request = threading.Thread(target=lambda: answers.append(get(url(tcp), 10)), daemon=True)
        request.start()
        threading.Event().wait(0.5)  # the request reaches the server and waits there
        with pytest.raises(DrainTimeout, match="tcp/slow still has 1 session"):
            balancer.drain("tcp", "slow", timeout=0.5)
        assert [s.state for s in balancer.servers("tcp")] == ["drain"]
        threading.Timer(0.3, answer_now.set).start()
        balancer.drain("tcp", "slow", timeout=5)  # returns once the request is answered
        request.join(5)
        assert answers == [(200, "late\n")]
        balancer.ready("tcp", "slow")
        assert [s.state for s in balancer.servers("tcp")] == ["ready"]
        balancer.maint("tcp", "slow")
        assert [(s.state, s.healthy) for s in balancer.servers("tcp")] == [("maint", False)]
    finally:
        answer_now.set()
        listener.close()


def test_a_restarted_controller_finds_the_servers_without_a_reload(
    balancer: Balancer, state_dir: Path, fronts: list[Frontend], host_app: HostApp
) -> None:
    serve(balancer, "v1", host_app(version="v1"), 40)
    workers = _workers_started(state_dir)
    again = Balancer(state_dir, check_interval=CHECK)  # nothing kept in memory
    again.ensure(list(reversed(fronts)))  # the same set, in another order: no reload
    assert _workers_started(state_dir) == workers
    assert again.pid() == balancer.pid()
    assert [(s.name, s.weight, s.healthy) for s in again.servers("web")] == [("v1", 40, True)]


def test_a_new_frontend_reloads_without_losing_servers_or_requests(
    balancer: Balancer, state_dir: Path, fronts: list[Frontend], host_app: HostApp
) -> None:
    web = fronts[0]
    serve(balancer, "v1", host_app(version="v1"), 30)
    balancer.add_server("web", "hang", LOOPBACK, host_app(mode="hang"), 30)
    load = Load(url(web), per_second=50).start()
    extra = Frontend("api", LOOPBACK, free_port(), "/health")
    try:
        balancer.ensure([*fronts, extra])
        threading.Event().wait(0.5)
        load.stop()
        assert load.failures == []
        servers = {s.name: (s.weight, s.healthy) for s in balancer.servers("web")}
        assert servers == {"v1": (30, True), "hang": (30, False)}  # the hung one stays out
        balancer.add_server("api", "a1", LOOPBACK, host_app(version="a1"), 1)
        assert wait_until(lambda: get(url(extra)) == (200, "a1\n"), 5)
    finally:
        balancer.remove_server("api", "a1")
        balancer.ensure(fronts)
    with pytest.raises(BalancerError, match="no backend api"):
        balancer.servers("api")


def test_haproxy_restarted_comes_back_with_its_servers(
    balancer: Balancer, state_dir: Path, fronts: list[Frontend], host_app: HostApp
) -> None:
    balancer.add_server("web", "v1", LOOPBACK, host_app(version="v1"), 7)
    balancer.add_server("web", "v0", LOOPBACK, host_app(version="v0"), 3)
    assert wait_until(lambda: healthy(balancer, "web", "v1") and healthy(balancer, "web", "v0"), 5)
    balancer.maint("web", "v0")
    stop_daemon("haproxy", state_dir / "haproxy")
    assert balancer.pid() is None
    balancer.ensure(fronts)
    assert {(s.name, s.weight, s.state) for s in balancer.servers("web")} == {
        ("v1", 7, "ready"),
        ("v0", 3, "maint"),
    }
    assert wait_until(lambda: get(url(fronts[0])) == (200, "v1\n"), 5)


def test_the_exporter_publishes_each_server(
    balancer: Balancer, fronts: list[Frontend], host_app: HostApp
) -> None:
    serve(balancer, "v1", host_app(version="v1"), 1)
    assert get(url(fronts[0]))[0] == 200
    status, metrics = get(f"http://{balancer.exporter_address()}/metrics")
    assert status == 200
    assert 'haproxy_server_http_responses_total{proxy="web",server="v1",code="2xx"} 1' in metrics
    assert 'haproxy_server_response_time_average_seconds{proxy="web",server="v1"}' in metrics


def test_a_missing_haproxy_or_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    front = Frontend("web", LOOPBACK, free_port(), None)
    with pytest.raises(BalancerError, match="cannot run /nonexistent/haproxy"):
        Balancer(tmp_path / "a", haproxy="/nonexistent/haproxy").ensure([front])
    taken = socket.socket()
    taken.bind((LOOPBACK, 0))
    taken.listen()
    try:
        busy = Frontend("web", LOOPBACK, taken.getsockname()[1], None)
        with pytest.raises(BalancerError, match=r"(?s)haproxy exited while starting: .*cannot bind"):
            Balancer(tmp_path / "b").ensure([busy])
    finally:
        taken.close()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.add_server("web", "bad name", LOOPBACK, 8080, 1), "invalid server name"),
        (lambda b: b.add_server("Web;", "v1", LOOPBACK, 8080, 1), "invalid service name"),
        (lambda b: b.add_server("web", "v1", "localhost", 8080, 1), "not an IPv4 address"),
        (lambda b: b.add_server("web", "v1", LOOPBACK, 70000, 1), "invalid port"),
        (lambda b: b.set_weight("web", "v1", 257), "invalid weight"),
        (lambda b: b.ensure([Frontend("web", LOOPBACK, 8080, "/health check")]), "invalid health path"),
        (lambda b: b.ensure([Frontend("web", LOOPBACK, 8080, "/h'")]), "invalid health path"),
        (
            lambda b: b.ensure([Frontend("web", LOOPBACK, 1, None), Frontend("web", LOOPBACK, 2, None)]),
            "twice",
        ),
    ],
)
def test_values_from_a_repository_are_checked_before_haproxy_sees_them(
    balancer: Balancer, call: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(balancer)  # type: ignore[operator]


def test_server_names_from_release_ids() -> None:
    assert server_name("20261207-ab12") == "20261207-ab12"
    odd = server_name("web@sha256/ab cd")
    assert odd.startswith("web-sha256-ab-cd-") and server_name("web@sha256/ab-cd") != odd
    assert server_name("!!!").startswith("r-")
    assert len(server_name("x" * 200)) <= 63


def _workers_started(state_dir: Path) -> int:
    log = (state_dir / "haproxy" / "haproxy.log").read_text()
    return log.count("New worker")
