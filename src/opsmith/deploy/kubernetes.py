"""`opsmith deploy` for a Kubernetes design: the cluster's own machinery moves the traffic.

The environment's overlay (`k8s/overlays/<environment>`, rendered with `kubectl kustomize`) is
applied server-side with each service's image replaced by the release's; then each workload is
followed: a Deployment with `kubectl rollout status` (undone with `kubectl rollout undo` when it
does not complete), a canary or blue-green service through the Argo Rollouts object opsmith
generated, whose AnalysisTemplate runs the same success-rate and latency checks as a deploy on one
host (aborted with `kubectl argo rollouts abort` when it degrades or times out). Every deploy is
recorded in the same history as one host's.

No Kubernetes API server runs where opsmith is tested: its tests check this command sequence and
its decisions with a stand-in `kubectl` on PATH.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from opsmith.deploy.controller import Report
from opsmith.deploy.state import Release, State
from opsmith.design.model import Design
from opsmith.generate.specs import image_name

OVERLAYS = "k8s/overlays"
FIELD_MANAGER = "opsmith"
ROLLOUT_TIMEOUT = 600.0  # seconds a workload gets to roll out
POLL = 2.0
_WORKLOAD_KINDS = ("Deployment", "Rollout")
Outcome = Literal["promoted", "rolled-back", "failed"]


class KubernetesError(RuntimeError):
    """kubectl failed (the message carries its own words)."""


@dataclass(frozen=True)
class Workload:
    service: str
    kind: str  # Deployment or Rollout
    namespace: str
    name: str


@dataclass(frozen=True)
class Followed:
    """How one workload's rollout ended, and why."""

    workload: Workload
    outcome: Outcome
    reason: str


class Kubectl:
    def __init__(self, binary: str = "kubectl", timeout: float = ROLLOUT_TIMEOUT + 60) -> None:
        self.binary = binary
        self.timeout = timeout

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.run(
                [self.binary, *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise KubernetesError(f"{self.binary} is not installed") from None
        except subprocess.TimeoutExpired:
            raise KubernetesError(f"`kubectl {args[0]}` did not answer within {self.timeout:g}s") from None
        if check and proc.returncode != 0:
            raise KubernetesError(
                f"`kubectl {' '.join(args[:2])}` exited {proc.returncode}: {proc.stderr.strip()[-800:]}"
            )
        return proc


def render_overlay(kubectl: Kubectl, root: Path, environment: str) -> list[dict[str, Any]]:
    """The environment's objects, as kustomize renders them."""
    import yaml

    overlay = root / OVERLAYS / environment
    if not overlay.is_dir():
        raise KubernetesError(f"there is no {OVERLAYS}/{environment}: run `opsmith generate` first")
    text = kubectl("kustomize", str(overlay)).stdout
    return [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]


def with_images(docs: Sequence[dict[str, Any]], images: Mapping[str, str]) -> list[dict[str, Any]]:
    """The objects with each container whose image repository is named `key` (its last path
    part, as k8s/base names images) running `images[key]` instead."""
    for doc in docs:
        spec = (
            doc.get("spec", {}).get("template", {}).get("spec", {})
            if isinstance(doc.get("spec"), dict)
            else {}
        )
        for field in ("initContainers", "containers"):
            for container in spec.get(field, []) or []:
                image = str(container.get("image", ""))
                repository = (
                    image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
                )
                key = repository.rsplit("/", 1)[-1]
                if key in images:
                    container["image"] = images[key]
    return list(docs)


def workloads(docs: Sequence[dict[str, Any]], services: Sequence[str]) -> list[Workload]:
    """The Deployments and Rollouts of `services` (named after them, as the generator does)."""
    wanted = set(services)
    found = []
    for doc in docs:
        name = str(doc.get("metadata", {}).get("name", ""))
        if doc.get("kind") in _WORKLOAD_KINDS and name in wanted:
            found.append(
                Workload(name, str(doc["kind"]), str(doc["metadata"].get("namespace", "default")), name)
            )
    return found


def image_keys(design: Design, images: Mapping[str, str]) -> dict[str, str]:
    """Service -> image ref, keyed by the bare image name the base manifests use."""
    out = {}
    for service, ref in images.items():
        found = design.service(service)
        if found is not None:
            out[image_name(design, found)] = ref
    return out


def apply(kubectl: Kubectl, docs: Sequence[dict[str, Any]]) -> None:
    """Server-side apply of every object, as one field manager (idempotent: a resumed deploy
    applies the same again)."""
    stream = "\n".join(json.dumps(doc) for doc in docs)
    kubectl(
        "apply",
        "--server-side",
        f"--field-manager={FIELD_MANAGER}",
        "--force-conflicts",
        "-f",
        "-",
        stdin=stream,
    )


def follow(
    kubectl: Kubectl,
    workload: Workload,
    timeout: float = ROLLOUT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> Followed:
    """Wait for one workload to roll out; undo or abort it when it does not."""
    ns = ("-n", workload.namespace)
    if workload.kind == "Deployment":
        target = f"deployment/{workload.name}"
        status = kubectl("rollout", "status", target, *ns, f"--timeout={int(timeout)}s", check=False)
        if status.returncode == 0:
            return Followed(workload, "promoted", "rolled out")
        kubectl("rollout", "undo", target, *ns)
        why = (status.stderr or status.stdout).strip().splitlines()
        return Followed(
            workload,
            "rolled-back",
            f"rollout did not complete ({why[-1][:200] if why else 'no answer'}): undone",
        )
    deadline = time.monotonic() + timeout
    while True:
        answer = kubectl("get", "rollout", workload.name, *ns, "-o", "json")
        status = json.loads(answer.stdout).get("status", {})
        phase, message = status.get("phase"), str(status.get("message", ""))[:200]
        if phase == "Healthy":
            return Followed(workload, "promoted", "Rollout healthy: every step and analysis passed")
        if phase == "Degraded" or time.monotonic() > deadline:
            kubectl("argo", "rollouts", "abort", workload.name, *ns)
            cause = f"Rollout {phase}: {message}" if phase == "Degraded" else "Rollout timed out"
            return Followed(workload, "rolled-back", f"{cause}; aborted back to the stable version")
        sleep(POLL)


def undo(kubectl: Kubectl, workload: Workload) -> None:
    """Back to the previous revision (`opsmith rollback` on a cluster)."""
    ns = ("-n", workload.namespace)
    if workload.kind == "Deployment":
        kubectl("rollout", "undo", f"deployment/{workload.name}", *ns)
    else:
        kubectl("argo", "rollouts", "undo", workload.name, *ns)


class ClusterDeploy:
    """One `opsmith deploy` or `rollback` of some services to a cluster, recorded in `state`."""

    def __init__(self, state: State, kubectl: Kubectl, design: Design, report: Report, who: str) -> None:
        self.state = state
        self.kubectl = kubectl
        self.design = design
        self.report = report
        self.who = who

    def run(self, root: Path, environment: str, images: Mapping[str, str], *, rollback: bool) -> bool:
        """Whether every service rolled out (else each that did not is undone or aborted)."""
        docs = render_overlay(self.kubectl, root, environment)
        found = workloads(docs, list(images))
        missing = sorted(set(images) - {w.service for w in found})
        if missing:
            raise KubernetesError(f"{OVERLAYS}/{environment} has no Deployment or Rollout named {missing[0]}")
        records = {w.service: self._record(w, environment, images[w.service], rollback) for w in found}
        try:
            return self._roll(found, records, docs, images, rollback=rollback)
        except KubernetesError as exc:  # the cluster refused: nothing is left marked as running
            for workload in found:
                deploy = self.state.deploy(records[workload.service])
                if deploy is not None and deploy.status == "running":
                    self._finish(deploy.id, Followed(workload, "failed", str(exc)[:300]))
            return False

    def _roll(
        self,
        found: Sequence[Workload],
        records: Mapping[str, int],
        docs: Sequence[dict[str, Any]],
        images: Mapping[str, str],
        *,
        rollback: bool,
    ) -> bool:
        if rollback:
            for workload in found:
                undo(self.kubectl, workload)
        else:
            apply(self.kubectl, with_images(docs, image_keys(self.design, images)))
        for workload in found:
            self.state.end_step(records[workload.service], 0, "done", "undone" if rollback else "applied")
        ok = True
        for workload in found:
            deploy_id = records[workload.service]
            self.state.begin_step(deploy_id, 1, "rollout")
            self.report("step", {"deploy": deploy_id, "index": 1, "step": "rollout", "of": 2})
            followed = follow(self.kubectl, workload)
            self.state.end_step(deploy_id, 1, followed.outcome, followed.reason)
            self._finish(deploy_id, followed)
            ok = ok and followed.outcome == "promoted"
        return ok

    def _record(self, workload: Workload, environment: str, image: str, rollback: bool) -> int:
        release_id = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{workload.kind.lower()}"
        self.state.add_release(
            Release(
                release_id,
                workload.service,
                environment,
                image,
                f"{workload.namespace}/{workload.name}",
                "",
                0,
                0,
                "starting",
                time.time(),
            )
        )
        serving = self.state.serving(workload.service, environment)
        deploy_id = self.state.start_deploy(
            service=workload.service,
            environment=environment,
            kind="rollback" if rollback else "deploy",
            release_id=release_id,
            stable_id=serving.id if serving is not None else None,
            image=image,
            strategy="rollout undo" if rollback else workload.kind.lower(),
            steps=("undo" if rollback else "apply", "rollout"),
            who=self.who,
            options={"kubernetes": True, "namespace": workload.namespace},
        )
        self.state.begin_step(deploy_id, 0, "undo" if rollback else "apply")
        self.report("step", {"deploy": deploy_id, "index": 0, "step": "apply", "of": 2})
        return deploy_id

    def _finish(self, deploy_id: int, followed: Followed) -> None:
        deploy = self.state.deploy(deploy_id)
        assert deploy is not None and deploy.release_id is not None
        if followed.outcome == "promoted":
            if deploy.stable_id is not None:
                self.state.update_release(deploy.stable_id, state="stopped", weight=0)
            self.state.update_release(deploy.release_id, state="serving", weight=100)
        else:
            self.state.update_release(deploy.release_id, state="failed", weight=0)
        self.state.finish(deploy_id, followed.outcome, followed.reason)
        self.report("done", {"deploy": deploy_id, "outcome": followed.outcome, "reason": followed.reason})
