"""The real pieces one host's deploy drives, behind the controller's small interfaces: HAProxy
(balancer.py), the container runtime (containers.py) and Prometheus (observer.py).

Settings from `[deploy]` in .opsmith.toml that reach them: `check-interval` (seconds between
HAProxy's health checks of a release), `scrape-interval` (seconds between Prometheus scrapes of
HAProxy's exporter) and `prometheus-url` (a Prometheus of your own that already scrapes it).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from opsmith.deploy.balancer import Balancer, DrainTimeout
from opsmith.deploy.balancer import Frontend as BalancerFrontend
from opsmith.deploy.containers import Engine, ReleaseSpec, free_port
from opsmith.deploy.controller import ServerView
from opsmith.deploy.observer import SCRAPE_INTERVAL, Observer
from opsmith.deploy.plan import ServicePlan
from opsmith.deploy.state import Frontend, Release, State

Runtime = Literal["docker", "podman"]


def default_runtime() -> Runtime:
    """docker when it is installed, else podman."""
    return "docker" if shutil.which("docker") else "podman"


class Traffic:
    """The controller's view of HAProxy."""

    def __init__(self, balancer: Balancer, drain_timeout: float) -> None:
        self.balancer = balancer
        self.drain_timeout = drain_timeout

    def servers(self, service: str) -> Sequence[ServerView]:
        return [ServerView(s.name, s.weight, s.healthy) for s in self.balancer.servers(service)]

    def add_server(self, service: str, server: str, host: str, port: int, weight: int) -> None:
        self.balancer.add_server(service, server, host, port, weight)

    def set_weight(self, service: str, server: str, weight: int) -> None:
        self.balancer.set_weight(service, server, weight)
        drained = any(s.name == server and s.state != "ready" for s in self.balancer.servers(service))
        if weight > 0 and drained:
            self.balancer.ready(service, server)  # a server drained before takes traffic again

    def drain(self, service: str, server: str) -> None:
        with contextlib.suppress(DrainTimeout):  # requests that outlast it end when the server goes
            self.balancer.drain(service, server, self.drain_timeout)

    def remove_server(self, service: str, server: str) -> None:
        self.balancer.remove_server(service, server)


class Containers:
    """The controller's view of the container runtime."""

    def __init__(self, engine: Engine, ports: Mapping[str, int | None]) -> None:
        self.engine = engine
        self.ports = ports  # service -> the port its container listens on

    def start(self, release: Release, env: Mapping[str, str]) -> None:
        inside = self.ports.get(release.service) or release.port
        spec = ReleaseSpec(release.service, release.id, release.image, inside, release.port, env)
        self.engine.start(spec)

    def stop(self, name: str) -> None:
        self.engine.stop(name)

    def running(self, name: str) -> bool:
        return self.engine.running(name)

    def run_once(self, image: str, command: str, env: Mapping[str, str], timeout: float) -> int:
        return self.engine.run_once(image, command, env, timeout)


class Host:
    def __init__(
        self,
        state_dir: Path,
        app: str,
        runtime: Runtime,
        settings: Mapping[str, Any],
        drain_timeout: float,
        *,
        network: str | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.settings = settings
        self.engine = Engine(runtime, state_dir, app, network=network)
        self.balancer = Balancer(state_dir, check_interval=_seconds(settings, "check-interval", 2.0))
        self.traffic = Traffic(self.balancer, drain_timeout)
        self.containers = Containers(self.engine, {})
        self.free_port = free_port

    def container_name(self, service: str, release_id: str) -> str:
        return self.engine.container_name(service, release_id)

    def serve(self, state: State, plans: Sequence[ServicePlan]) -> None:
        """HAProxy serves every web service recorded, those of `plans` where they say; a release
        that serves but lost its server (HAProxy was restarted without its state) gets it back."""
        self.containers.ports = {p.service: p.container_port for p in plans}
        for plan in plans:
            if plan.web and plan.listen is not None:
                state.set_frontend(
                    Frontend(
                        plan.service, plan.environment, plan.listen.host, plan.listen.port, plan.health_path
                    )
                )
        fronts = {f.service: f for f in state.frontends()}  # HAProxy has one backend per service
        for plan in plans:
            chosen = state.frontend(plan.service, plan.environment)
            if chosen is not None:
                fronts[plan.service] = chosen
        self.balancer.ensure(
            [BalancerFrontend(f.service, f.host, f.port, f.health_path) for f in fronts.values()]
        )
        for plan in plans:
            if not plan.web:
                continue
            present = {s.name for s in self.balancer.servers(plan.service)}
            for release in state.releases(plan.service, plan.environment):
                if (
                    release.state in ("serving", "warm")
                    and release.id not in present
                    and self.engine.running(release.container)
                ):
                    self.balancer.add_server(
                        plan.service, release.id, release.host, release.port, release.weight
                    )

    def measures(self, plans: Sequence[ServicePlan]) -> Observer | None:
        """Prometheus, started only when some step analyses a web service."""
        if not any(p.web and any(s.kind == "analyse" for s in p.steps) for p in plans):
            return None
        url = self.settings.get("prometheus-url")
        if url is not None and not isinstance(url, str):
            raise ValueError("[deploy] prometheus-url must be a URL")
        observer = Observer(
            self.state_dir,
            self.balancer.exporter_address(),
            prometheus_url=url,
            scrape_interval=_seconds(self.settings, "scrape-interval", SCRAPE_INTERVAL),
        )
        observer.ensure()
        return observer


def _seconds(settings: Mapping[str, Any], key: str, default: float) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"[deploy] {key} must be a number of seconds above 0")
    return float(value)
