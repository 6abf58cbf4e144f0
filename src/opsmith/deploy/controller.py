"""The deploy controller: a loop over a deploy's persisted steps (strategies.py), resumable from
the database alone.

Each step is idempotent: it reads where things stand (the container runs or not, the server is in
HAProxy or not) and does only what is missing, so running a step again after the process died in
the middle of it ends in the same place. The index of the next step is committed only once a step
is done. When a step fails, or the user interrupts, `abort` puts every request back on the stable
release and stops the new one: traffic never stays on a release that failed its analysis or never
became healthy. A release that answers nothing during an analysis is not healthy either: no
traffic is inconclusive, and too many inconclusive measurements fail it unless the deploy allows
it (`--allow-no-traffic`, recorded in the history).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from opsmith.deploy import analysis_queries as aq
from opsmith.deploy.observer import Measurement
from opsmith.deploy.state import Deploy, Release, State
from opsmith.deploy.strategies import Step, parse_step, split
from opsmith.design.model import Slo

Outcome = Literal["promoted", "rolled-back", "failed"]
AnalysisState = Literal["running", "passed", "failed"]
WORKER_SETTLE = 5.0  # seconds a release without a health check must keep running


class StepFailed(Exception):
    """The release cannot go on: the message is the deploy's reason."""


@dataclass(frozen=True)
class Settings:
    """Timing and limits of a deploy (`[deploy]` in .opsmith.toml; tests shorten them)."""

    analysis_interval: float = 60.0  # seconds between measurements
    analysis_delay: float = 0.0  # seconds before the first measurement, when above the interval
    measurements: int = aq.MEASUREMENTS  # passing measurements an analysis needs
    window: str = aq.WINDOW  # the range each measurement's rate covers
    failure_limit: int = aq.FAILURE_LIMIT
    inconclusive_limit: int = aq.INCONCLUSIVE_LIMIT
    health_timeout: float = 120.0  # a release not healthy by then is failed
    drain_timeout: float = 30.0
    release_timeout: float = 600.0  # the release command (migrations)
    warm_window: float = 300.0  # how long a blue-green stable stays warm after promotion
    allow_no_traffic: bool = False


@dataclass(frozen=True)
class ServerView:
    name: str
    weight: int
    healthy: bool


class Traffic(Protocol):
    """What the controller needs of the load balancer (balancer.Balancer behind an adapter)."""

    def servers(self, service: str) -> Sequence[ServerView]: ...
    def add_server(self, service: str, server: str, host: str, port: int, weight: int) -> None: ...
    def set_weight(self, service: str, server: str, weight: int) -> None: ...
    def drain(self, service: str, server: str) -> None: ...
    def remove_server(self, service: str, server: str) -> None: ...


class Containers(Protocol):
    def start(self, release: Release, env: Mapping[str, str]) -> None: ...
    def stop(self, name: str) -> None: ...
    def running(self, name: str) -> bool: ...
    def run_once(self, image: str, command: str, env: Mapping[str, str], timeout: float) -> int: ...


class Measures(Protocol):
    def measure(self, service: str, server: str, slo: Slo | None, window: str) -> Measurement: ...


@dataclass
class Target:
    """What one service's deploy runs with, besides the database."""

    service: str
    environment: str
    web: bool
    env: Mapping[str, str] = field(default_factory=dict)
    release_command: str | None = None
    slo: Slo | None = None


Report = Callable[[str, Mapping[str, Any]], None]  # progress events: (kind, details)


def _quiet(kind: str, details: Mapping[str, Any]) -> None:
    """No progress display (tests, library use)."""


def analysis_state(verdicts: Sequence[str], settings: Settings) -> tuple[AnalysisState, str]:
    """Where an analysis stands after these measurements, and why."""
    failures, unknown = verdicts.count("fail"), verdicts.count("inconclusive")
    if failures > settings.failure_limit:
        return "failed", f"{failures} of {len(verdicts)} measurements failed"
    if unknown > settings.inconclusive_limit:
        if settings.allow_no_traffic:
            return "passed", f"{unknown} measurements without traffic, promoted anyway (--allow-no-traffic)"
        return "failed", f"{unknown} measurements without traffic: inconclusive is not a pass"
    if verdicts.count("pass") >= settings.measurements:
        return "passed", f"{verdicts.count('pass')} measurements passed"
    return "running", ""


class Controller:
    def __init__(
        self,
        state: State,
        traffic: Traffic,
        containers: Containers,
        measures: Measures | None,
        settings: Settings,
        *,
        report: Report = _quiet,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.traffic = traffic
        self.containers = containers
        self.measures = measures
        self.settings = settings
        self.report = report
        self.sleep = sleep

    def run(self, deploy_id: int, target: Target) -> Outcome:
        """Run the deploy from its next step to the end, or abort it to stable."""
        deploy = self._deploy(deploy_id)
        if deploy.status == "aborting":  # the process that was aborting it died: finish that
            return self.abort(deploy_id, deploy.reason)
        try:
            steps = [parse_step(text) for text in deploy.steps]
            while deploy.step < len(steps):
                idx = deploy.step
                step = steps[idx]
                record = self.state.begin_step(deploy_id, idx, step.text)
                self.report("step", {"deploy": deploy_id, "index": idx, "step": step.text, "of": len(steps)})
                detail = self._run_step(deploy, idx, step, target, record.started)
                self.state.end_step(deploy_id, idx, "done", detail)
                deploy = self._deploy(deploy_id)
        except (StepFailed, RuntimeError, ValueError, OSError) as exc:
            # RuntimeError: what HAProxy, the container runtime or Prometheus refused
            return self.abort(deploy_id, str(exc))
        except KeyboardInterrupt:
            return self.abort(deploy_id, "interrupted: traffic put back on the stable release")
        except BaseException:
            self.abort(deploy_id, "opsmith failed: traffic put back on the stable release")
            raise
        reason = "promoted" if deploy.kind == "deploy" else "rolled back"
        self.state.finish(deploy_id, "promoted", self._closing(deploy, reason))
        self.report("done", {"deploy": deploy_id, "outcome": "promoted"})
        return "promoted"

    def _closing(self, deploy: Deploy, reason: str) -> str:
        notes = [a for a in self.state.steps(deploy.id).values() if "allow-no-traffic" in a.detail]
        return f"{reason}; {notes[0].detail}" if notes else reason

    def _deploy(self, deploy_id: int) -> Deploy:
        deploy = self.state.deploy(deploy_id)
        if deploy is None:
            raise ValueError(f"no deploy {deploy_id}")
        return deploy

    def _run_step(self, deploy: Deploy, idx: int, step: Step, target: Target, started: float) -> str:
        new = self._release(deploy.release_id)
        stable = self.state.release(deploy.stable_id) if deploy.stable_id else None
        if step.kind == "release":
            return self._release_command(new, target)
        if step.kind == "start":
            return self._start(new, target)
        if step.kind == "wait-healthy":
            return self._wait_healthy(new, target)
        if step.kind in ("weight", "promote"):
            return self._shift(step, new, stable, target)
        if step.kind == "pause":
            assert step.value is not None
            self.sleep(max(0.0, started + step.value - time.time()))
            return f"paused {step.value}s"
        if step.kind == "analyse":
            return self._analyse(deploy, idx, new, target)
        if step.kind == "retire":
            return self._retire(new, target, keep=None)
        assert step.kind == "keep-warm"
        detail = self._retire(new, target, keep=stable)
        return detail + (f"; {stable.id} kept warm for rollback" if stable is not None else "")

    def _release(self, release_id: str | None) -> Release:
        release = self.state.release(release_id) if release_id else None
        if release is None:
            raise StepFailed(f"release {release_id} is not recorded")
        return release

    def _release_command(self, new: Release, target: Target) -> str:
        assert target.release_command is not None
        code = self.containers.run_once(
            new.image, target.release_command, target.env, self.settings.release_timeout
        )
        if code != 0:
            raise StepFailed(f"the release command exited with {code}: nothing was switched")
        return "release command done"

    def _start(self, new: Release, target: Target) -> str:
        if self.containers.running(new.container):
            return f"{new.container} already running"
        self.containers.stop(new.container)  # a leftover of a start that died half-way
        self.containers.start(new, target.env)
        self.state.update_release(new.id, state="starting")
        return f"started {new.container} on {new.host}:{new.port}"

    def _wait_healthy(self, new: Release, target: Target) -> str:
        deadline = time.time() + self.settings.health_timeout
        if target.web and self._server(target.service, new.id) is None:
            # weight 0: health-checked, never sent a request before it passes
            self.traffic.add_server(target.service, new.id, new.host, new.port, 0)
        if not target.web:
            self.sleep(min(WORKER_SETTLE, self.settings.health_timeout))  # no health check: it must stay up
        while True:
            if not self.containers.running(new.container):
                raise StepFailed(f"{new.id} exited before it became healthy")
            server = self._server(target.service, new.id) if target.web else None
            if not target.web or (server is not None and server.healthy):
                self.state.update_release(new.id, state="ready")
                return f"{new.id} healthy"
            if time.time() >= deadline:
                raise StepFailed(f"{new.id} did not become healthy within {self.settings.health_timeout:g}s")
            self.sleep(0.5)

    def _server(self, service: str, name: str) -> ServerView | None:
        return next((s for s in self.traffic.servers(service) if s.name == name), None)

    def _shift(self, step: Step, new: Release, stable: Release | None, target: Target) -> str:
        live = stable is not None and (not target.web or self._server(target.service, stable.id) is not None)
        to_new, to_stable = split(step, has_stable=live)
        if target.web:
            # raise before lowering: the two never add up to less than before
            self.traffic.set_weight(target.service, new.id, to_new)
            if live and stable is not None:
                self.traffic.set_weight(target.service, stable.id, to_stable)
        self.state.update_release(new.id, weight=to_new)
        if stable is not None:
            self.state.update_release(stable.id, weight=to_stable)
        if step.kind == "promote":
            self.state.update_release(new.id, state="serving")
            if stable is not None:
                self.state.update_release(stable.id, state="warm")
        weights = {new.id: to_new, **({stable.id: to_stable} if stable is not None and live else {})}
        self.report("weights", {"service": target.service, "weights": weights})
        return ", ".join(f"{name} {weight}%" for name, weight in weights.items())

    def _analyse(self, deploy: Deploy, idx: int, new: Release, target: Target) -> str:
        if self.measures is None or not target.web:
            return "nothing to measure: skipped"
        settings = self.settings
        while True:
            done = self.state.analyses(deploy.id, idx)
            verdicts = [a.verdict for a in done]
            where, why = analysis_state(verdicts, settings)
            if where == "failed":
                raise StepFailed(f"analysis failed: {why}")
            if where == "passed":
                return why
            if done:
                due = done[-1].at + settings.analysis_interval
            else:  # the new weight must draw traffic, and Prometheus scrape it, before a first look
                due = self.state.steps(deploy.id)[idx].started + max(
                    settings.analysis_interval, settings.analysis_delay
                )
            self.sleep(max(0.0, due - time.time()))
            # an unanswered query is inconclusive too (Measurement.error says why)
            measured = self.measures.measure(target.service, new.id, target.slo, settings.window)
            checks = [
                {
                    "name": c.name,
                    "verdict": c.verdict,
                    "value": c.value,
                    "threshold": c.threshold,
                    "comparison": c.comparison,
                    "unit": c.unit,
                }
                for c in measured.checks
            ]
            self.state.add_analysis(deploy.id, idx, measured.verdict, checks)
            self.report(
                "analysis",
                {
                    "service": target.service,
                    "release": new.id,
                    "verdict": measured.verdict,
                    "checks": [c.describe() for c in measured.checks],
                    "note": measured.error or measured.note,
                },
            )

    def _retire(self, new: Release, target: Target, keep: Release | None) -> str:
        """Drain and stop every release of the service but `new` (and `keep`)."""
        retired = []
        for release in self.state.releases(target.service, target.environment):
            if release.id in (new.id, keep.id if keep else None) or release.state in ("stopped", "failed"):
                continue
            self._stop(release, target, state="stopped")
            retired.append(release.id)
        if keep is not None:
            until = time.time() + self.settings.warm_window
            self.state.update_release(keep.id, state="warm", weight=0, warm_until=until)
        return "retired " + ", ".join(retired) if retired else "nothing to retire"

    def retire(self, release: Release, target: Target) -> None:
        """Drain and stop a release kept warm whose window has passed."""
        self._stop(release, target, state="stopped")

    def _stop(self, release: Release, target: Target, state: Literal["stopped", "failed"]) -> None:
        if target.web and self._server(target.service, release.id) is not None:
            self.traffic.set_weight(target.service, release.id, 0)
            self.traffic.drain(target.service, release.id)
            self.traffic.remove_server(target.service, release.id)
        self.containers.stop(release.container)
        self.state.update_release(release.id, state=state, weight=0)

    def abort(self, deploy_id: int, reason: str) -> Outcome:
        """Every request back on the stable release, the new one stopped; idempotent, so an
        interrupted abort can run again. `failed` when there is no stable release to go back to."""
        self.state.finish(deploy_id, "aborting", reason)
        deploy = self._deploy(deploy_id)
        stable = self.state.release(deploy.stable_id) if deploy.stable_id else None
        target = Target(deploy.service, deploy.environment, web=bool(deploy.options.get("web", True)))
        self.report("abort", {"deploy": deploy_id, "reason": reason})
        if stable is not None and stable.state != "stopped":
            if target.web and self._server(target.service, stable.id) is not None:
                self.traffic.set_weight(target.service, stable.id, 100)
            self.state.update_release(stable.id, state="serving", weight=100)
        new = self.state.release(deploy.release_id) if deploy.release_id else None
        if new is not None and (stable is None or new.id != stable.id):
            self._stop(new, target, state="failed")
        outcome: Outcome = "rolled-back" if stable is not None and stable.state != "stopped" else "failed"
        self.state.finish(deploy_id, outcome, reason)
        self.report("done", {"deploy": deploy_id, "outcome": outcome, "reason": reason})
        return outcome
