"""`opsmith deploy` of a Kubernetes design: the overlay applied server-side with the release's
image, each workload followed, undone or aborted when it does not roll out, and the history kept.

No Kubernetes API server can run here: a stand-in `kubectl` on PATH records every command and
answers as a cluster would for the scenario the test sets (kustomize is the real kubectl's)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deploy.deploy_repo import approved_repo
from opsmith.cli import main
from opsmith.design.approval import approve
from opsmith.design.model import Choice
from opsmith.design.render_yaml import load_file, render

REAL_KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(
    REAL_KUBECTL is None, reason="kubectl is not installed (kustomize renders the overlay)"
)

STAND_IN = """\
#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["KUBECTL_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[0] == "kustomize":
    sys.exit(subprocess.run([{real!r}, *args]).returncode)
if args[0] == "apply":
    with open(os.environ["KUBECTL_APPLIED"], "w") as out:
        out.write(sys.stdin.read())
    print("deployment.apps/web serverside-applied")
elif args[:2] == ["rollout", "status"]:
    ok = os.environ["KUBECTL_SCENARIO"] == "healthy"
    print("deployment successfully rolled out" if ok else "error: deployment exceeded its progress deadline",
          file=sys.stdout if ok else sys.stderr)
    sys.exit(0 if ok else 1)
elif args[:2] == ["get", "rollout"]:
    phase = "Healthy" if os.environ["KUBECTL_SCENARIO"] == "healthy" else "Degraded"
    message = "RolloutAborted: metric success-rate assessed Failed"
    print(json.dumps({{"status": {{"phase": phase, "message": message}}}}))
"""
BASE = """\
apiVersion: {api}
kind: {kind}
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: shop}}, {{name: proxy, image: envoyproxy/envoy:v1.31.0}}]
"""


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(STAND_IN.format(python=os.path.realpath(sys.executable), real=REAL_KUBECTL))
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KUBECTL_LOG", str(tmp_path / "kubectl.log"))
    monkeypatch.setenv("KUBECTL_APPLIED", str(tmp_path / "applied.json"))
    return tmp_path


def kubernetes_repo(root: Path, kind: str) -> Path:
    repo = approved_repo(root / "repo")
    design = load_file(repo / "opsmith.yaml")
    k8s = Choice[str](value="kubernetes", reason="test", rule="test")
    (repo / "opsmith.yaml").write_text(
        render(design.model_copy(update={"orchestration": k8s, "approval": None}))
    )
    approve(repo, "Reviewer <r@example.com>")
    api = "apps/v1" if kind == "Deployment" else "argoproj.io/v1alpha1"
    (repo / "k8s" / "base").mkdir(parents=True)
    (repo / "k8s" / "base" / "web.yaml").write_text(BASE.format(api=api, kind=kind))
    (repo / "k8s" / "base" / "kustomization.yaml").write_text("resources: [web.yaml]\n")
    overlay = repo / "k8s" / "overlays" / "production"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("namespace: shop\nresources: [../../base]\n")
    return repo


Deploy = Callable[..., Path]


@pytest.fixture
def deploy(cluster: Path, monkeypatch: pytest.MonkeyPatch) -> Deploy:
    """`deploy(kind, scenario, *flags)`: `opsmith deploy` of a repository whose one workload is
    a `kind`, against a cluster answering as `scenario` says; asserts its exit code (0 only when
    the cluster is healthy) and returns the repository."""

    def run(kind: str, scenario: str, *flags: str) -> Path:
        monkeypatch.setenv("KUBECTL_SCENARIO", scenario)
        repo = kubernetes_repo(cluster, kind)
        assert main(["deploy", str(repo), *flags]) == (0 if scenario == "healthy" else 1)
        return repo

    return run


def commands(cluster: Path) -> list[list[str]]:
    return [json.loads(line) for line in (cluster / "kubectl.log").read_text().splitlines()]


def history(repo: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["history", str(repo), "--format", "json"]) == 0
    deploys: list[dict[str, object]] = json.loads(capsys.readouterr().out)["deploys"]
    return deploys[-1]


@pytest.mark.parametrize("scenario", ["healthy", "stuck"])
def test_a_deployment_is_applied_with_the_release_image_followed_and_undone_when_stuck(
    deploy: Deploy, cluster: Path, capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    repo = deploy("Deployment", scenario, "--image-tag", "abc123")
    sent = commands(cluster)
    assert [c[:2] for c in sent[:3]] == [["kustomize", str(repo / "k8s/overlays/production")],
                                         ["apply", "--server-side"], ["rollout", "status"]]  # fmt: skip
    assert "--field-manager=opsmith" in sent[1]
    assert sent[2][2:] == ["deployment/web", "-n", "shop", "--timeout=600s"]
    applied = json.loads((cluster / "applied.json").read_text())
    images = [c["image"] for c in applied["spec"]["template"]["spec"]["containers"]]
    assert images == ["shop:abc123", "envoyproxy/envoy:v1.31.0"]  # only the service's own image
    assert applied["metadata"]["namespace"] == "shop"
    last = history(repo, capsys)
    if scenario == "healthy":
        assert len(sent) == 3
        assert (last["outcome"], last["strategy"], last["image"]) == ("promoted", "deployment", "shop:abc123")
    else:
        assert sent[3:] == [["rollout", "undo", "deployment/web", "-n", "shop"]]
        assert last["outcome"] == "rolled-back" and "progress deadline" in str(last["reason"])


@pytest.mark.parametrize("scenario", ["healthy", "degraded"])
def test_an_argo_rollout_is_followed_and_aborted_when_its_analysis_fails(
    deploy: Deploy, cluster: Path, capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    repo = deploy("Rollout", scenario, "--image", "web=ghcr.io/acme/shop:abc123")
    sent = commands(cluster)
    assert sent[2] == ["get", "rollout", "web", "-n", "shop", "-o", "json"]
    if scenario == "degraded":
        assert sent[-1] == ["argo", "rollouts", "abort", "web", "-n", "shop"]
        assert "metric success-rate assessed Failed" in str(history(repo, capsys)["reason"])
    else:
        assert history(repo, capsys)["outcome"] == "promoted"
        assert main(["rollback", str(repo)]) == 0  # `argo rollouts undo`, then followed again
        assert ["argo", "rollouts", "undo", "web", "-n", "shop"] in commands(cluster)
