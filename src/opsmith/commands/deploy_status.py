"""`opsmith status` and `opsmith history`: what serves each service now, and every deploy that led
there, read from the deploy database alone (neither touches HAProxy or a container).

JSON shapes (version 1; fields may be added, never removed or renamed):
status  {"version": 1, "services": [{"name", "environment", "frontend": "HOST:PORT" | null,
         "releases": [{"id", "image", "weight", "state"}],
         "deploy": null | {"id", "strategy", "step", "step_index", "started", "controller"}}]}
history {"version": 1, "deploys": [{"id", "kind", "service", "environment", "image", "release",
         "strategy", "who", "started", "ended", "outcome", "reason", "options",
         "steps": [{"index", "step", "started", "ended", "result", "detail",
                    "analyses": [{"at", "verdict", "checks": [...]}]}]}]}
Times are ISO 8601 in UTC; a deploy in progress has `ended` null and `outcome` "running" (or "aborting" while
traffic goes back to the stable release).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.deploy.state import DB_FILE, Deploy, State
from opsmith.report.safe_text import printable

JSON_VERSION = 1
_LIVE = ("starting", "ready", "serving", "warm")


def run_status(path: str, fmt: str) -> int:
    return _show(path, fmt, status_data, _status_text)


def run_history(path: str, fmt: str) -> int:
    return _show(path, fmt, history_data, _history_text)


def _show(
    path: str, fmt: str, read: Callable[[Path], dict[str, Any]], text: Callable[[dict[str, Any]], None]
) -> int:
    try:
        data = read(_state_root(path))
    except CommandError as exc:
        return exc.report()
    if fmt == "json":
        print(json.dumps(data, indent=2))
    else:
        text(data)
    return exit_codes.OK


def _status_text(data: dict[str, Any]) -> None:
    if not data["services"]:
        print("nothing deployed yet")
    for service in data["services"]:
        where = f" on {service['frontend']}" if service["frontend"] else ""
        print(f"{service['name']} ({service['environment']}){where}")
        for release in service["releases"]:
            print(f"  {release['id']:<28} {release['state']:<9} {release['weight']:>3}%  {release['image']}")
        deploy = service["deploy"]
        if deploy is not None:
            print(
                f"  deploy {deploy['id']} ({deploy['strategy']}) at `{deploy['step']}`"
                f" since {deploy['started']}, controller {deploy['controller']}"
                + ("; run `opsmith deploy --resume`" if deploy["controller"] == "gone" else "")
            )


def _history_text(data: dict[str, Any]) -> None:
    if not data["deploys"]:
        print("no deploys yet")
    for deploy in data["deploys"]:
        print(
            f"{deploy['id']:>4} {deploy['started']} {deploy['service']} ({deploy['environment']})"
            f" {deploy['kind']} {deploy['image']} by {deploy['strategy']}, {deploy['who']}:"
            f" {deploy['outcome']}" + (f" ({printable(deploy['reason'])})" if deploy["reason"] else "")
        )
        for step in deploy["steps"]:
            if step["started"] is None:
                continue
            result = step["result"] or "unfinished"
            print(f"       {step['index'] + 1}. {step['step']}: {result} {printable(step['detail'])}")


def status_data(root: Path) -> dict[str, Any]:
    if not (root / DB_FILE).is_file():  # reading never creates the database
        return {"version": JSON_VERSION, "services": []}
    state = State(root)
    try:
        frontends = {(f.service, f.environment): f.address for f in state.frontends()}
        pairs = sorted({*frontends, *((d.service, d.environment) for d in state.deploys())})
        services = []
        for service, environment in pairs:
            releases = [
                {"id": r.id, "image": r.image, "weight": r.weight, "state": r.state}
                for r in state.releases(service, environment)
                if r.state in _LIVE
            ]
            unfinished = state.unfinished(service, environment)
            deploy = None
            if unfinished is not None:
                index = min(unfinished.step, len(unfinished.steps) - 1)
                deploy = {
                    "id": unfinished.id,
                    "strategy": unfinished.strategy,
                    "step": unfinished.steps[index] if unfinished.steps else None,
                    "step_index": unfinished.step,
                    "started": _iso(unfinished.started),
                    "controller": "running" if state.holder(service, environment) else "gone",
                }
            services.append(
                {
                    "name": service,
                    "environment": environment,
                    "frontend": frontends.get((service, environment)),
                    "releases": releases,
                    "deploy": deploy,
                }
            )
        return {"version": JSON_VERSION, "services": services}
    finally:
        state.close()


def history_data(root: Path) -> dict[str, Any]:
    if not (root / DB_FILE).is_file():
        return {"version": JSON_VERSION, "deploys": []}
    state = State(root)
    try:
        return {"version": JSON_VERSION, "deploys": [_deploy(state, d) for d in state.deploys()]}
    finally:
        state.close()


def _deploy(state: State, deploy: Deploy) -> dict[str, Any]:
    records = state.steps(deploy.id)
    analyses = state.analyses(deploy.id)
    steps = []
    for index, text in enumerate(deploy.steps):
        record = records.get(index)
        steps.append(
            {
                "index": index,
                "step": text,
                "started": _iso(record.started) if record else None,
                "ended": _iso(record.ended) if record and record.ended else None,
                "result": record.result if record else None,
                "detail": record.detail if record else "",
                "analyses": [
                    {"at": _iso(a.at), "verdict": a.verdict, "checks": list(a.checks)}
                    for a in analyses
                    if a.idx == index
                ],
            }
        )
    return {
        "id": deploy.id,
        "kind": deploy.kind,
        "service": deploy.service,
        "environment": deploy.environment,
        "image": deploy.image,
        "release": deploy.release_id,
        "strategy": deploy.strategy,
        "who": deploy.who,
        "started": _iso(deploy.started),
        "ended": _iso(deploy.ended) if deploy.ended else None,
        "outcome": deploy.status,
        "reason": deploy.reason,
        "options": dict(deploy.options),
        "steps": steps,
    }


def _state_root(path: str) -> Path:
    root = Path(path)
    if not root.is_dir():
        raise CommandError(f"no such folder: {path}")
    return root


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
