"""`opsmith deploy` and `opsmith rollback`: put a release of the approved design's services behind
HAProxy by a strategy, judge it, and promote it or put traffic back on the stable release.

Exit codes: 0 promoted; 1 the release failed and every request is back on the stable release; 2 a
usage error; 3 refused before anything changed (gate 1 not passed, another deploy holds the lock,
migrations with MG errors).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.deploy.backing import backing_stack, ensure_up
from opsmith.deploy.controller import Controller, Settings, Target
from opsmith.deploy.flags import Listen
from opsmith.deploy.host import Host, Runtime, default_runtime
from opsmith.deploy.plan import PlanError, ServicePlan, default_environment, plan_services
from opsmith.deploy.progress import Progress
from opsmith.deploy.retire import retire_warm, start_retirer
from opsmith.deploy.state import DB_FILE, LockHeld, Release, State, StateError
from opsmith.deploy.strategies import Step, rollback_steps
from opsmith.design.model import Design

STATE_DIR = ".opsmith/deploy"
KUBERNETES = ("kubernetes", "kubernetes-mesh")
_SETTINGS = {  # [deploy] key -> Settings field, for the keys that are numbers of seconds or counts
    "analysis-interval": "analysis_interval",
    "analysis-delay": "analysis_delay",
    "measurements": "measurements",
    "failure-limit": "failure_limit",
    "inconclusive-limit": "inconclusive_limit",
    "health-timeout": "health_timeout",
    "drain-timeout": "drain_timeout",
    "release-timeout": "release_timeout",
    "warm-window": "warm_window",
}


@dataclass(frozen=True)
class Context:
    """What every deploy verb starts from: the repository, its approved design, its settings."""

    root: Path
    design: Design
    settings: Mapping[str, Any]  # the [deploy] table of .opsmith.toml


def run_deploy(args: argparse.Namespace) -> int:
    progress = _progress(args.format)
    try:
        context = open_context(args.path)
        if args.retire_warm:
            return _retire_warm(context, args.runtime or default_runtime())
        environment = args.environment or default_environment(context.root)
        resuming = _resumable(context, environment, args.service) if args.resume else {}
        if args.resume and not resuming:
            progress.line(f"nothing to resume in {environment}")
            return exit_codes.OK
        if not args.resume and args.image_tag is None and not args.image:
            raise CommandError("--image-tag TAG is required (or --image SERVICE=REF for every service)")
        plans = plan_services(
            context.root,
            context.design,
            names=list(resuming) or args.service,
            environment=environment,
            tag=args.image_tag,
            images={**dict(args.image), **resuming},
            listen={**_recorded_listen(context, environment), **dict(args.listen)},
            strategy=args.strategy,
            settings=context.settings,
        )
        unsafe = migration_errors(context.root)
        if unsafe and not args.allow_unsafe_migrations:
            raise CommandError(
                f"refused: {len(unsafe)} migration error(s), first {unsafe[0]};"
                " fix them or pass --allow-unsafe-migrations (recorded)",
                exit_codes.REFUSED,
            )
        settings = deploy_settings(context.settings, allow_no_traffic=args.allow_no_traffic)
    except (CommandError, PlanError, StateError) as exc:
        return _refusal(exc)
    if args.dry_run:
        for plan in plans:
            progress.line(f"{plan.service} ({plan.environment}): {plan.image} by {plan.strategy}")
            for step in plan.steps:
                progress.line(f"  {step.text}")
        return exit_codes.OK
    options = {
        "allow_unsafe_migrations": bool(unsafe),
        "allow_no_traffic": args.allow_no_traffic,
        "unsafe_migrations": unsafe[:5],
    }
    return _run_plans(
        context, plans, runtime=args.runtime, settings=settings, progress=progress, options=options
    )


def run_rollback(args: argparse.Namespace) -> int:
    progress = _progress(args.format)
    try:
        context = open_context(args.path)
        environment = args.environment or default_environment(context.root)
        serving = _serving_images(context, environment, args.service)
        plans = plan_services(
            context.root,
            context.design,
            names=args.service or list(serving),
            environment=environment,
            tag=None,
            images=serving,
            listen=_recorded_listen(context, environment),
            strategy=None,
            settings=context.settings,
        )
        settings = deploy_settings(context.settings, allow_no_traffic=False)
    except (CommandError, PlanError, StateError) as exc:
        return _refusal(exc)
    return _run_plans(
        context,
        plans,
        runtime=args.runtime,
        settings=settings,
        progress=progress,
        options={"rollback_to": args.to},
    )


def open_context(path: str) -> Context:
    """The repository at `path` with its design, refused (exit 3) unless gate 1 is passed."""
    from opsmith.config import ConfigError, find_config, load_config
    from opsmith.design.approval import check_approved

    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"no such folder: {path}")
    status = check_approved(root)
    if not status.approved or status.design is None:
        raise CommandError(f"refused: {status.message}", exit_codes.REFUSED)
    try:
        config = load_config(find_config(root))
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    table = config.settings.get("deploy", {})
    return Context(root.resolve(), status.design, table if isinstance(table, dict) else {})


def deploy_settings(table: Mapping[str, Any], *, allow_no_traffic: bool) -> Settings:
    values: dict[str, Any] = {"allow_no_traffic": allow_no_traffic}
    for key, name in _SETTINGS.items():
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise CommandError(f"[deploy] {key} must be a number, 0 or more")
            values[name] = (
                int(value) if name in ("measurements", "failure_limit", "inconclusive_limit") else value
            )
    if "window" in table:
        if not isinstance(table["window"], str) or not re.fullmatch(r"\d+[smh]", table["window"]):
            raise CommandError('[deploy] window must be a duration such as "2m" or "30s"')
        values["window"] = table["window"]
    return Settings(**values)


def migration_errors(root: Path) -> list[str]:
    """The MG findings at error severity in the repository's migrations, as `path:line RULE`."""
    from opsmith.audit.engine import Target as AuditTarget
    from opsmith.audit.engine import audit
    from opsmith.config import ConfigError, find_config, load_config
    from opsmith.findings import Severity

    try:
        config = load_config(find_config(root))
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    result = audit(AuditTarget(root), replace(config, select=("MG",)))
    return [
        f"{f.path}:{f.line or 1} {f.rule}"
        for f in result.findings
        if f.rule.startswith("MG") and f.severity >= Severity.ERROR
    ]


def who() -> str:
    """Who deploys: the CI actor when a workflow runs it, else the local user at this host."""
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return f"{actor} (GitHub Actions)"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _progress(fmt: str) -> Progress:
    if fmt == "json":
        return Progress(sys.stdout, "json")
    return Progress(sys.stdout, "terminal" if sys.stdout.isatty() else "plain")


def _refusal(exc: Exception) -> int:
    if isinstance(exc, CommandError):
        return exc.report()
    return CommandError(str(exc)).report()


def _resumable(context: Context, environment: str, names: Sequence[str]) -> dict[str, str]:
    """Service -> image of each unfinished deploy `--resume` can pick up."""
    state = State(context.root)
    try:
        unfinished = [
            d for d in state.deploys(environment=environment) if d.status in ("running", "aborting")
        ]
    finally:
        state.close()
    return {d.service: d.image for d in unfinished if not names or d.service in names}


def _recorded_listen(context: Context, environment: str) -> dict[str, Listen]:
    """Where HAProxy serves each service now: a deploy without --listen keeps it there (moving a
    frontend means a reload, and keep-alive clients would stay on the old process)."""
    if not (context.root / DB_FILE).is_file():
        return {}
    state = State(context.root)
    try:
        return {f.service: Listen(f.host, f.port) for f in state.frontends() if f.environment == environment}
    finally:
        state.close()


def _serving_images(context: Context, environment: str, names: Sequence[str]) -> dict[str, str]:
    """Each service's serving image: a rollback needs no tag, only a release to go back to."""
    state = State(context.root)
    try:
        images = {}
        for service in names or [s.name for s in context.design.services]:
            serving = state.serving(service, environment)
            if serving is not None:
                images[service] = serving.image
    finally:
        state.close()
    if not images:
        raise CommandError(
            f"refused: nothing to roll back in {environment}: no service has a serving release",
            exit_codes.REFUSED,
        )
    return images


def _run_plans(
    context: Context,
    plans: Sequence[ServicePlan],
    *,
    runtime: Runtime | None,
    settings: Settings,
    progress: Progress,
    options: Mapping[str, Any],
) -> int:
    """Each plan's service locked, then deployed on this host or, for a Kubernetes design, to
    its cluster."""
    orchestration = context.design.orchestration.effective
    if orchestration not in ("compose", *KUBERNETES):
        return CommandError(
            f"refused: a {orchestration} design deploys through its platform (see the generated"
            " deploy workflow and docs/rollback.md), not `opsmith deploy`",
            exit_codes.REFUSED,
        ).report()
    state = State(context.root)
    locked: list[ServicePlan] = []
    try:
        for plan in plans:
            state.acquire(plan.service, plan.environment)
            locked.append(plan)
        if orchestration in KUBERNETES:
            return _on_cluster(context, state, plans, progress, rollback="rollback_to" in options)
        runtime = runtime or default_runtime()
        backing = backing_stack(context.root, context.design)
        if backing is not None:  # before any release starts: they resolve these services by name
            ensure_up(backing, runtime)
        host = Host(
            context.root / STATE_DIR,
            context.design.app,
            runtime,
            context.settings,
            settings.drain_timeout,
            network=backing.network if backing is not None else None,
        )
        host.serve(state, plans)
        controller = Controller(
            state, host.traffic, host.containers, host.measures(plans), settings, report=progress
        )
        worst = exit_codes.OK
        with _interrupts_as_keyboard():
            for plan in plans:
                worst = max(worst, _Session(state, controller, host, progress).deploy(plan, options))
        if state.warm():
            start_retirer(context.root, context.root / STATE_DIR, runtime)
        return worst
    except LockHeld as exc:
        return CommandError(f"refused: {exc}", exit_codes.REFUSED).report()
    except CommandError as exc:
        return exc.report()
    except (RuntimeError, ValueError) as exc:  # HAProxy, Prometheus or the runtime would not start
        return CommandError(f"refused: {exc}", exit_codes.REFUSED).report()
    finally:
        for plan in locked:
            state.release_lock(plan.service, plan.environment)
        state.close()


def _retire_warm(context: Context, runtime: Runtime) -> int:
    """`--retire-warm`, the detached retirer's own command (deploy/retire.py)."""
    settings = deploy_settings(context.settings, allow_no_traffic=False)
    state = State(context.root)

    def controller() -> Controller:
        host = Host(
            context.root / STATE_DIR, context.design.app, runtime, context.settings, settings.drain_timeout
        )
        return Controller(state, host.traffic, host.containers, None, settings)

    try:
        retire_warm(context.root, state, controller, context.design)
    finally:
        state.close()
    return exit_codes.OK


def _on_cluster(
    context: Context, state: State, plans: Sequence[ServicePlan], progress: Progress, *, rollback: bool
) -> int:
    from opsmith.deploy.kubernetes import ClusterDeploy, Kubectl

    cluster = ClusterDeploy(state, Kubectl(), context.design, progress, who())
    images = {p.service: p.image for p in plans}
    ok = cluster.run(context.root, plans[0].environment, images, rollback=rollback)
    return exit_codes.OK if ok else exit_codes.FINDINGS


@dataclass(frozen=True)
class _Session:
    state: State
    controller: Controller
    host: Host
    progress: Progress

    def deploy(self, plan: ServicePlan, options: Mapping[str, Any]) -> int:
        state, controller, progress = self.state, self.controller, self.progress
        target = Target(plan.service, plan.environment, plan.web, plan.env, plan.release_command, plan.slo)
        unfinished = state.unfinished(plan.service, plan.environment)
        if unfinished is not None and unfinished.image != plan.image:
            # the controller that ran it died: traffic back to its stable release before anything new
            progress.line(f"{plan.service}: deploy {unfinished.id} was interrupted; rolling it back first")
            controller.abort(
                unfinished.id, "interrupted: its controller stopped; rolled back by the next deploy"
            )
            unfinished = None
        if unfinished is not None:
            progress.line(f"{plan.service}: resuming deploy {unfinished.id} at step {unfinished.step + 1}")
            deploy_id = unfinished.id
        else:
            created = _new_deploy(state, self.host, plan, options)
            if created is None:
                progress.line(
                    f"{plan.service}: {plan.image} already serves {plan.environment}; nothing to do"
                )
                return exit_codes.OK
            deploy_id = created
            record = state.deploy(deploy_id)
            assert record is not None
            progress.line(
                f"{plan.service} ({plan.environment}): {record.kind} {record.release_id}"
                f" ({record.image}) by {record.strategy}"
            )
        outcome = controller.run(deploy_id, target)
        return exit_codes.OK if outcome == "promoted" else exit_codes.FINDINGS


def _new_deploy(state: State, host: Host, plan: ServicePlan, options: Mapping[str, Any]) -> int:
    serving = state.serving(plan.service, plan.environment)
    rollback_to = options.get("rollback_to", False)
    steps: Sequence[Step] = plan.steps
    kind = "deploy"
    if rollback_to is not False:
        kind = "rollback"
        release = _rollback_target(state, plan, serving, rollback_to)
        warm = release.state in ("warm", "ready", "serving") and host.containers.running(release.container)
        if not warm:
            release = _add_release(state, host, plan, release.image)
        steps = rollback_steps(warm=warm)
        strategy = "rollback"
    else:
        release = _add_release(state, host, plan, plan.image)
        strategy = plan.strategy
    deploy_id = state.start_deploy(
        service=plan.service,
        environment=plan.environment,
        kind=kind,
        release_id=release.id,
        stable_id=serving.id if serving is not None else None,
        image=release.image,
        strategy=strategy,
        steps=tuple(s.text for s in steps),
        who=who(),
        options={**{k: v for k, v in options.items() if k != "rollback_to"}, "web": plan.web},
    )
    if options.get("unsafe_migrations"):
        detail = json.dumps(options["unsafe_migrations"])
        state.log(who(), "allow-unsafe-migrations", plan.service, plan.environment, detail)
    state.log(
        who(), kind, plan.service, plan.environment, f"deploy {deploy_id}: {release.id} {release.image}"
    )
    return deploy_id


def _rollback_target(state: State, plan: ServicePlan, serving: Release | None, wanted: str | None) -> Release:
    releases = state.releases(plan.service, plan.environment)
    if wanted is not None:
        found = next((r for r in releases if r.id == wanted), None)
        if found is None or (serving is not None and found.id == serving.id):
            raise CommandError(f"no earlier release {wanted} of {plan.service} in {plan.environment}")
        return found
    promoted = {d.release_id for d in state.deploys(plan.service, plan.environment) if d.status == "promoted"}
    earlier = [r for r in releases if r.id in promoted and (serving is None or r.id != serving.id)]
    if not earlier:
        raise CommandError(f"{plan.service} has no earlier good release in {plan.environment} to go back to")
    return earlier[0]


def _add_release(state: State, host: Host, plan: ServicePlan, image: str) -> Release:
    release_id = _release_id(state, image)
    release = Release(
        id=release_id,
        service=plan.service,
        environment=plan.environment,
        image=image,
        container=host.container_name(plan.service, release_id),
        host="127.0.0.1",
        port=host.free_port(),
        weight=0,
        state="starting",
        created=time.time(),
    )
    state.add_release(release)
    return release


def _release_id(state: State, image: str) -> str:
    """`<UTC time>-<tag>`: sortable, readable, and a valid HAProxy server and container name."""
    tag = re.sub(r"[^a-z0-9]", "", image.rpartition(":")[2].lower())[:12] or "latest"
    base = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{tag}"
    candidate, n = base, 1
    while state.release(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@contextmanager
def _interrupts_as_keyboard() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) aborts to stable like Ctrl-C does."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
