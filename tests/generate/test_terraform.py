"""Generated Terraform holds up to opsmith's audit, `terraform fmt`, `terraform validate` (where
the providers are available offline) and a static cross-check, for every example repository at
every tier on AWS, GCP and Azure.

What `terraform validate` can and cannot cover here is explained in opsmith.generate.terraform's
docstring: AWS modules and roots are validated with the real hashicorp/aws provider from the
machine's filesystem mirror; the EKS module (a registry module) and everything on GCP and Azure
(providers that cannot be installed offline) get the static cross-check of terraform_static.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hcl2
import pytest

from design.fixtures import NAMES, design, facts
from generate.terraform_static import problems
from helpers import audit_tree, write_tree
from opsmith.config import Config
from opsmith.design.model import Approval, Design, Override
from opsmith.generate.artifact import Artifact
from opsmith.generate.hcl_format import align
from opsmith.generate.terraform import EKS_MODULE_VERSION, PROVIDERS, fargate_size, render
from opsmith.generate.workflows import render_terraform

TIERS: dict[str, dict[str, object]] = {
    "hobby": {"users": 10},
    "startup": {"users": 5_000},
    "growth": {"users": 200_000},
    "enterprise": {"users": 2_000_000},
    "compliance": {"users": 5_000, "compliance": "hipaa"},
}
CLOUDS = ("aws", "gcp", "azure")
REPOS = [name for name in NAMES if facts(name).services]
TERRAFORM = shutil.which("terraform")
PLUGINS = Path(os.environ.get("OPSMITH_TF_PLUGINS", "/opt/tf-plugins"))
AWS_VERSION = PROVIDERS["aws"].minor


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_CLI_CONFIG_FILE": "/dev/null",
        **extra,
    }


def _write(root: Path, artifacts: list[Artifact]) -> None:
    for art in artifacts:
        path = root / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(art.content)


def _combos() -> list[tuple[str, str, str]]:
    return [(repo, tier, cloud) for repo in REPOS for tier in TIERS for cloud in CLOUDS]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every example x tier x cloud, each in its own folder of one repository."""
    root = tmp_path_factory.mktemp("terraform")
    for repo, tier, cloud in _combos():
        artifacts = render(design(repo, cloud=cloud, **TIERS[tier]))
        assert artifacts, (repo, tier, cloud)
        _write(root / f"{repo}-{tier}-{cloud}", artifacts)
    # The workflow generator's own plan and drift-check workflow, so TF008 and TF009 judge it.
    workflow = render_terraform(design("node-express", users=5_000, cloud="aws"))
    write_tree(root, {".github/workflows/terraform.yml": workflow})
    return root


@pytest.fixture(scope="module")
def findings(tree: Path) -> list[tuple[str, str, str]]:
    result = audit_tree(tree, Config(settings={"terraform": {"fmt": True}}))
    return [(f.rule, f"{f.path}:{f.line}", f.message) for f in result.findings]


def test_opsmith_audit_reports_nothing(findings: list[tuple[str, str, str]]) -> None:
    assert findings == []


# The cross-check reads every file with python-hcl2, about 0.1 s each: run it on the examples that
# between them use every backing service and service count (the audit above covers all of them).
CROSS_CHECKED = ("monorepo", "php-laravel", "python-flask", "python-fastapi", "go-gin")


def test_static_cross_check(tree: Path) -> None:
    folders = [tree / f"{repo}-{tier}-{cloud}" for repo, tier, cloud in _combos() if repo in CROSS_CHECKED]
    assert len(folders) == len(CROSS_CHECKED) * len(TIERS) * len(CLOUDS)
    assert all(any(folder.rglob("*.tf")) for folder in folders)
    assert [problem for folder in folders for problem in problems(folder)] == []


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
def test_terraform_fmt(tree: Path) -> None:
    assert TERRAFORM is not None
    run = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=tree,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------------------- terraform validate


def _aws_mirror() -> bool:
    return any((PLUGINS / "registry.terraform.io/hashicorp/aws").glob(f"{AWS_VERSION}.*/linux_amd64"))


def _validate(folder: Path) -> str | None:
    assert TERRAFORM is not None
    env = _env(TF_DATA_DIR=str(folder / ".terraform"))
    init = [TERRAFORM, "init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={PLUGINS}"]
    for command in (init, [TERRAFORM, "validate", "-no-color"]):
        run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            return f"{folder}: {' '.join(command[:2])}\n{run.stdout}{run.stderr}"
    return None


def _offline_aws_folders(tree: Path) -> list[Path]:
    """AWS modules and roots whose providers are all in the mirror (not the registry-module
    cluster), one folder per distinct shape: the same text once string literals (names,
    versions, comments) are blanked. Roots of both environments differ only in values and the
    state key, so staging stands for both."""
    seen: dict[str, Path] = {}
    for combo in sorted(tree.glob("*-aws")):
        # the region module calls cluster, and so the registry EKS module, too
        folders = [p for p in (combo / "terraform/modules").iterdir() if p.name not in ("cluster", "region")]
        if not (combo / "terraform/modules/cluster").exists():
            folders.append(combo / "terraform/environments/staging")
        for folder in folders:
            text = "".join(p.read_text() for p in sorted(folder.glob("*.tf")))
            shape = re.sub(r'(?m)"(?:[^"\\]|\\.)*"|#.*$|\b\d+\b', '""', text)
            seen.setdefault(hashlib.sha256((folder.name + shape).encode()).hexdigest(), folder)
    return list(seen.values())


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
@pytest.mark.skipif(
    not _aws_mirror(), reason=f"no hashicorp/aws {AWS_VERSION}.x plugin in {PLUGINS} (OPSMITH_TF_PLUGINS)"
)
def test_terraform_validate_aws(tree: Path, tmp_path: Path) -> None:
    folders = _offline_aws_folders(tree)
    copies = []
    for i, folder in enumerate(folders):  # a private copy: init writes .terraform and a lock file
        terraform = folder.parent.parent  # <combo>/terraform
        shutil.copytree(terraform, tmp_path / str(i))
        copies.append(tmp_path / str(i) / folder.relative_to(terraform))
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(_validate, copies) if f]
    assert failures == []
    assert len(folders) >= 12  # every module kind and every non-EKS tier's root was validated


# --------------------------------------------------------------------------- behaviour


def _files(artifacts: list[Artifact]) -> dict[str, str]:
    return {a.path: a.content for a in artifacts}


def test_nothing_for_platforms_without_terraform() -> None:
    assert render(design("node-express", users=10, cloud="fly")) == []
    assert render(design("node-express", users=5_000, cloud="railway")) == []


def test_layout_is_modules_and_one_root_per_environment() -> None:
    files = _files(render(design("node-express", users=5_000, cloud="aws")))
    roots = {p.split("/")[2] for p in files if p.startswith("terraform/environments/")}
    assert roots == {"staging", "production"}
    for env in roots:
        for name in ("main", "variables", "outputs", "backend", "providers", "versions"):
            assert f"terraform/environments/{env}/{name}.tf" in files
        assert f"terraform/environments/{env}/terraform.tfvars" in files
    modules = {p.split("/")[2] for p in files if p.startswith("terraform/modules/")}
    assert modules == {"network", "service", "database", "cache", "registry", "secrets"}
    for module in modules:
        for name in ("main", "variables", "outputs", "versions"):
            assert f"terraform/modules/{module}/{name}.tf" in files


@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_environment_has_its_own_encrypted_locked_state(cloud: str) -> None:
    files = _files(render(design("node-express", users=5_000, cloud=cloud)))
    keys = set()
    for env in ("staging", "production"):
        backend = hcl2.loads(files[f"terraform/environments/{env}/backend.tf"])["terraform"][0]["backend"][0]
        kind, settings = next(iter(backend.items()))
        assert kind.strip('"') == {"aws": "s3", "gcp": "gcs", "azure": "azurerm"}[cloud]
        if cloud == "aws":
            assert settings["use_lockfile"] is True and settings["encrypt"] is True
        keys.add(settings.get("key") or settings.get("prefix"))
    assert len(keys) == 2


@pytest.mark.parametrize("cloud", CLOUDS)
def test_providers_and_terraform_are_pinned(cloud: str) -> None:
    files = _files(render(design("monorepo", users=200_000, cloud=cloud)))
    root = hcl2.loads(files["terraform/environments/production/versions.tf"])["terraform"][0]
    assert root["required_version"] == '"~> 1.10"'
    for name, entry in root["required_providers"][0].items():
        if name != "__is_block__":
            assert re.fullmatch(r'"~> \d+\.\d+"', entry["version"]), name
    if cloud == "aws":
        cluster = hcl2.loads(files["terraform/modules/cluster/main.tf"])["module"][0]['"eks"']
        assert cluster["version"] == f'"{EKS_MODULE_VERSION}"'
        assert re.fullmatch(r"\d+\.\d+\.\d+", EKS_MODULE_VERSION)


def test_tags_and_labels_name_app_environment_owner() -> None:
    aws = _files(render(design("node-express", users=5_000, cloud="aws")))
    assert "default_tags" in aws["terraform/environments/staging/providers.tf"]
    gcp = _files(render(design("node-express", users=5_000, cloud="gcp")))
    assert "default_labels" in gcp["terraform/environments/staging/providers.tf"]
    for text in (
        aws["terraform/environments/staging/providers.tf"],
        gcp["terraform/environments/staging/providers.tf"],
    ):
        for key in ("app", "environment", "managed-by", "owner"):
            assert re.search(rf"(?m)^\s+{key}\s+=", text), key


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_owner_tag_names_the_designs_team_never_the_approvers_address(cloud: str) -> None:
    approved = design("node-express", users=5_000, cloud=cloud).model_copy(
        update={
            "approval": Approval(by="Alice <alice@example.com>", at="2026-12-07T10:00:00Z", sha256="a" * 64)
        }
    )
    texts = [a.content for a in render(approved)]
    assert not any("alice" in text for text in texts)
    assert any(re.search(r'(?m)^\s*owner\s*=\s*"unassigned"', text) for text in texts)
    named = _files(render(approved.model_copy(update={"team": "payments"})))
    assert re.search(
        r'(?m)^owner\s*=\s*"payments"$', named["terraform/environments/staging/terraform.tfvars"]
    )


def test_no_secret_values_in_any_file() -> None:
    for needs in TIERS.values():
        for cloud in CLOUDS:
            for art in render(design("monorepo", cloud=cloud, **needs)):
                assert not re.search(r"(?i)(password|secret|token)\s*=\s*\"[^\"$]", art.content), art.path


@pytest.mark.parametrize("cloud", CLOUDS)
def test_hobby_is_one_public_server_with_data_in_containers(cloud: str) -> None:
    files = _files(render(design("node-express", users=10, cloud=cloud)))
    modules = {p.split("/")[2] for p in files if p.startswith("terraform/modules/")}
    # the server reads the app's secret from the store and dumps its database to a bucket
    assert modules == {"network", "servers", "registry", "secrets", "backups"}
    main = files["terraform/environments/production/main.tf"]
    assert re.search(r"(?m)^  public_ports +\= \[80, 443\]$", main)
    assert "postgresql: runs as a container beside the app" in main
    assert files["terraform/modules/servers/user-data/compose-host.sh"].startswith("#!/bin/sh")


def test_managed_database_at_hobby_when_the_user_overrides_the_provider() -> None:
    base = design("node-express", users=10, cloud="aws")
    backing = [
        b.model_copy(
            update={
                "provider": b.provider.model_copy(
                    update={"override": Override(value="aws-rds-postgresql", reason="r")}
                )
            }
        )
        if b.kind == "postgresql"
        else b
        for b in base.backing_services
    ]
    files = _files(render(base.model_copy(update={"backing_services": backing})))
    assert "terraform/modules/database/main.tf" in files
    tfvars = files["terraform/environments/production/terraform.tfvars"]
    assert re.search(r"(?m)^az_count\s+= 2$", tfvars)  # a DB subnet group needs two zones


def test_growth_is_multi_az_with_high_availability_data() -> None:
    files = _files(render(design("node-express", users=200_000, cloud="aws")))
    prod = files["terraform/environments/production/terraform.tfvars"]
    staging = files["terraform/environments/staging/terraform.tfvars"]
    assert re.search(r"(?m)^az_count\s+= 3$", prod)
    assert re.search(r"(?m)^db_multi_az\s+= true$", prod)
    assert re.search(r"(?m)^db_multi_az\s+= false$", staging)
    assert "deletion_protection             = true" in files["terraform/modules/database/main.tf"]
    assert "storage_encrypted               = true" in files["terraform/modules/database/main.tf"]


def test_compliance_uses_a_customer_managed_key_and_private_single_tenant_servers() -> None:
    files = _files(render(design("node-express", users=5_000, cloud="aws", compliance="hipaa")))
    assert 'resource "aws_kms_key" "main"' in files["terraform/modules/kms/main.tf"]
    main = files["terraform/environments/production/main.tf"]
    assert main.count("kms_key_arn") >= 5
    assert "dedicated               = true" in main and "public                  = false" in main


def test_registry_follows_the_design_choice() -> None:
    base = design("node-express", users=5_000, cloud="aws")
    ghcr = base.model_copy(
        update={"registry": base.registry.model_copy(update={"override": Override(value="ghcr", reason="r")})}
    )
    assert not any(a.path.startswith("terraform/modules/registry/") for a in render(ghcr))
    assert any(a.path.startswith("terraform/modules/registry/") for a in render(base))


def test_services_get_only_the_secrets_they_use() -> None:
    files = _files(render(design("monorepo", users=5_000, cloud="aws")))
    main = files["terraform/environments/production/main.tf"]
    blocks = dict(re.findall(r'(?ms)^    "([\w-]+)" = \{\n(.*?)^    \}', main))
    assert set(blocks) == {"api", "web", "billing", "notifier"}
    uses = {s.name: set(s.uses) for s in design("monorepo", users=5_000, cloud="aws").services}
    for name, body in blocks.items():
        if not uses[name] & {"postgresql", "redis"}:
            assert "secret_env" not in body, name


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        ("250m", "256Mi", (256, 512)),
        ("250m", "768Mi", (256, 1024)),
        ("500m", "768Mi", (512, 1024)),
        ("1", "4Gi", (1024, 4096)),
    ],
)
def test_fargate_sizes_are_valid_pairs(cpu: str, memory: str, expected: tuple[int, int]) -> None:
    assert fargate_size(cpu, memory) == expected


def test_align_matches_terraform_fmt_rules() -> None:
    tail = "eeee = [\n  1,\n]\nf = { x = 1 }\ng = h == i\nk = { for x in y : x => 1 }\n"
    assert align("a = 1\nbbb = 2\n# c\nd = 3\n" + tail) == "a   = 1\nbbb = 2\n# c\nd = 3\n" + tail


def test_static_check_finds_what_validate_would(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "modules/m/main.tf": 'variable "a" {\n  type = string\n}\noutput "o" {\n  value = var.a\n}\n',
            "env/main.tf": (
                'module "m" {\n  source = "../modules/m"\n  b = var.missing\n}\n'
                'output "x" {\n  value = module.m.nope\n}\noutput "y" {\n  value = local.z\n}\n'
            ),
        },
    )
    assert sorted(problems(tmp_path)) == [
        "env: local.z is not defined",
        "env: module m does not pass required a",
        "env: module m passes b, which m does not declare",
        "env: module.m.nope is not an output of m",
        "env: var.missing is not declared",
    ]


def _with_platform(base: Design, platform: str) -> Design:
    return base.model_copy(
        update={
            "platform": base.platform.model_copy(update={"override": Override(value=platform, reason="r")})
        }
    )


def test_platform_override_wins() -> None:
    files = _files(render(_with_platform(design("node-express", users=5_000, cloud="aws"), "aws-eks")))
    assert "terraform/modules/cluster/main.tf" in files and "terraform/modules/service/main.tf" not in files


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_postgresql_urls_ask_for_tls(cloud: str) -> None:
    files = _files(render(design("monorepo", users=5_000, cloud=cloud)))
    database = files["terraform/modules/database/main.tf"] + files["terraform/modules/database/outputs.tf"]
    assert "sslmode=require" in database
    (url,) = re.findall(r'(?ms)^output "url" \{.*?^\}', files["terraform/modules/database/outputs.tf"])
    assert "sslmode=require" in url or "local.engine.tls" in url


def test_memorystore_ca_reaches_the_services_that_use_redis() -> None:
    plan = design("monorepo", users=5_000, cloud="gcp")
    files = _files(render(plan))
    assert "server_ca_certs[0].cert" in files["terraform/modules/cache/outputs.tf"]
    main = files["terraform/environments/production/main.tf"]
    assert re.search(r"REDIS_CA_CERT\s+= module\.cache\.ca_cert", main)
    blocks = dict(re.findall(r'(?ms)^    "([\w-]+)" = \{\n(.*?)^    \}', main))
    for service in plan.services:
        if service.name in blocks:
            assert ("REDIS_CA_CERT" in blocks[service.name]) == ("redis" in service.uses), service.name


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_liveness_uses_the_shallow_route_or_the_port(cloud: str) -> None:
    data = design("node-express", users=5_000, cloud=cloud).model_dump(mode="json")
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["health_path"] = "/healthz"
    web["liveness"] = {"path": "/livez", "reason": "a route named for liveness"}
    files = _files(render(Design.model_validate(data)))
    main = files["terraform/environments/production/main.tf"]
    assert re.search(r'live_path\s+= "/livez"', main) and re.search(r'health_path\s+= "/healthz"', main)
    service = files["terraform/modules/service/main.tf"]
    live = service[service.index('"liveness_probe"') :]
    assert "each.value.live_path" in live and "each.value.health_path" not in live.split("}\n    }")[0]
    web["liveness"] = {"reason": "no route answers alone"}
    main = _files(render(Design.model_validate(data)))["terraform/environments/production/main.tf"]
    assert re.search(r"live_path\s+= null", main)
