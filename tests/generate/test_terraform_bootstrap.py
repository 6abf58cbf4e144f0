"""terraform/bootstrap on every cloud: state storage with locking and versioning, CI identities
trusted only for this repository's GitHub environments (and a read-only one for plans), the DNS
zone only when the design owns a domain; and the region and state location of every root supplied
at `init` and by CI, never written in a backend block or a terraform.tfvars."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml

from design.fixtures import design
from generate.terraform_static import problems
from generate.test_terraform import CLOUDS, TIERS
from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.terraform import render
from opsmith.generate.terraform_backend import PLACES, SERVICE_PLATFORMS
from opsmith.generate.workflows import render_terraform

TERRAFORM = shutil.which("terraform")
PLUGINS = Path(os.environ.get("OPSMITH_TF_PLUGINS", "/opt/tf-plugins"))


def _with_domain(base: Design, domain: str = "shop.example.com") -> Design:
    return base.model_copy(update={"networking": base.networking.model_copy(update={"domain": domain})})


def _bootstrap(plan: Design) -> dict[str, str]:
    prefix = "terraform/bootstrap/"
    return {a.path.removeprefix(prefix): a.content for a in render(plan) if a.path.startswith(prefix)}


def _write(root: Path, artifacts: list[Artifact]) -> None:
    for art in artifacts:
        path = root / art.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(art.content)


def _blocks(text: str, kind: str) -> dict[str, dict[str, object]]:
    """`resource`/`data` blocks of one file by `type.name`."""
    out: dict[str, dict[str, object]] = {}
    for block in hcl2.loads(text).get(kind, []):
        for type_, named in block.items():
            for name, body in named.items():
                out[type_.strip('"') + "." + name.strip('"')] = body
    return out


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_bootstrap_root_for_every_cloud(cloud: str) -> None:
    files = _bootstrap(design("node-express", users=5_000, cloud=cloud))
    assert set(files) == {
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "backend.tf",
        "providers.tf",
        "versions.tf",
        "terraform.tfvars",
    }
    backend = hcl2.loads(files["backend.tf"])["terraform"][0]["backend"][0]
    settings = next(iter(backend.values()))
    assert PLACES[cloud].state_key not in settings and "region" not in settings
    assert "bootstrap" in str(settings.get("key") or settings.get("prefix"))


def test_aws_state_bucket_is_versioned_encrypted_private_and_tls_only() -> None:
    resources = _blocks(_bootstrap(design("node-express", users=5_000, cloud="aws"))["main.tf"], "resource")
    versioning = resources["aws_s3_bucket_versioning.state"]["versioning_configuration"]
    assert versioning[0]["status"] == '"Enabled"'  # type: ignore[index]
    assert "aws_s3_bucket_server_side_encryption_configuration.state" in resources
    block = resources["aws_s3_bucket_public_access_block.state"]
    for key in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[key] is True, key
    policy = _blocks(_bootstrap(design("node-express", users=5_000, cloud="aws"))["main.tf"], "data")
    assert "aws:SecureTransport" in str(policy["aws_iam_policy_document.state"])


def test_aws_roles_trust_only_the_repository_and_its_environments() -> None:
    data = _blocks(_bootstrap(design("node-express", users=5_000, cloud="aws"))["main.tf"], "data")
    deploy = str(data["aws_iam_policy_document.deploy_trust"])
    assert "repo:${var.github_repository}:environment:${each.key}" in deploy
    assert "sts.amazonaws.com" in deploy and "StringEquals" in deploy and "StringLike" not in deploy
    plan = str(data["aws_iam_policy_document.plan_trust"])
    assert "repo:${var.github_repository}:pull_request" in plan
    assert "repo:${var.github_repository}:ref:refs/heads/main" in plan
    assert "environment" not in plan


@pytest.mark.parametrize(
    ("users", "granted", "withheld"),
    [
        (5_000, {"ecs:UpdateService", "iam:PassRole", "ecr:PutImage"}, {"eks:DescribeCluster"}),
        (200_000, {"eks:DescribeCluster", "ecr:PutImage"}, {"ecs:UpdateService", "iam:PassRole"}),
    ],
)
def test_aws_deploy_role_gets_what_its_platform_needs(
    users: int, granted: set[str], withheld: set[str]
) -> None:
    main = _bootstrap(design("node-express", users=users, cloud="aws"))["main.tf"]
    start = main.index('data "aws_iam_policy_document" "deploy"')
    policy = main[start : main.index('resource "aws_iam_role_policy" "deploy"')]
    assert all(action in policy for action in granted)
    assert not any(action in policy for action in withheld)


def test_gcp_pool_accepts_only_the_repository_and_accounts_only_their_subjects() -> None:
    main = _bootstrap(design("node-express", users=5_000, cloud="gcp"))["main.tf"]
    resources = _blocks(main, "resource")
    provider = resources["google_iam_workload_identity_pool_provider.github"]
    assert provider["attribute_condition"] == '"assertion.repository == \\"${var.github_repository}\\""'
    deploy = str(resources["google_service_account_iam_member.deploy"]["member"])
    assert deploy.endswith('subject/repo:${var.github_repository}:environment:${each.key}"')
    assert resources["google_storage_bucket.state"]["versioning"][0]["enabled"] is True  # type: ignore[index]
    accounts = re.findall(r'= "([a-z][a-z0-9-]*)"', main[main.index("deploy_accounts") :])[:2]
    assert accounts and all(6 <= len(a) <= 30 for a in accounts)


def test_azure_identities_are_federated_per_environment_and_state_takes_no_keys() -> None:
    resources = _blocks(_bootstrap(design("node-express", users=5_000, cloud="azure"))["main.tf"], "resource")
    assert resources["azurerm_storage_account.state"]["shared_access_key_enabled"] is False
    federated = resources["azurerm_federated_identity_credential.deploy"]
    assert federated["subject"] == '"repo:${var.github_repository}:environment:${each.key}"'
    assert federated["issuer"] == "${local.issuer}"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_dns_zone_only_when_the_design_owns_a_domain(cloud: str) -> None:
    zone = {"aws": "aws_route53_zone", "gcp": "google_dns_managed_zone", "azure": "azurerm_dns_zone"}[cloud]
    base = design("node-express", users=5_000, cloud=cloud)
    assert zone not in _bootstrap(base)["main.tf"]
    owned = _bootstrap(_with_domain(base))
    assert f'resource "{zone}" "main"' in owned["main.tf"]
    assert re.search(r'(?m)^zone_name\s+= "example.com"$', owned["terraform.tfvars"])
    assert 'output "name_servers"' in owned["outputs.tf"]


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("tier", TIERS)
def test_static_cross_check(tmp_path: Path, tier: str, cloud: str) -> None:
    plan = _with_domain(design("monorepo", cloud=cloud, **TIERS[tier]))
    _write(tmp_path, [a for a in render(plan) if a.path.startswith("terraform/bootstrap/")])
    assert problems(tmp_path) == []


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
def test_terraform_fmt_and_validate_aws(tmp_path: Path) -> None:
    """fmt on every cloud; validate on AWS with the provider from the filesystem mirror."""
    assert TERRAFORM is not None
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": "/dev/null"}
    for tier, needs in TIERS.items():
        for cloud in CLOUDS:
            plan = _with_domain(design("node-express", cloud=cloud, **needs))
            _write(tmp_path / f"{tier}-{cloud}", [a for a in render(plan) if "/bootstrap/" in a.path])
    fmt = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    if not any((PLUGINS / "registry.terraform.io/hashicorp/aws").glob("*/linux_amd64")):
        pytest.skip(f"no hashicorp/aws plugin in {PLUGINS}: fmt checked, validate skipped")
    for tier in ("hobby", "startup", "growth"):  # servers, services and cluster permissions
        folder = tmp_path / f"{tier}-aws/terraform/bootstrap"
        init = [TERRAFORM, "init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={PLUGINS}"]
        for command in (init, [TERRAFORM, "validate", "-no-color"]):
            run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
            assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("cloud", CLOUDS)
def test_no_region_or_state_place_in_any_backend_or_tfvars(cloud: str) -> None:
    for needs in TIERS.values():
        for art in render(design("monorepo", cloud=cloud, **needs)):
            if art.path.endswith(("backend.tf", ".tfvars")):
                assert not re.search(r"(?m)^\s*(region|location)\s*=", art.content), art.path
            if art.path.endswith("backend.tf"):
                assert not re.search(rf"(?m)^\s*{PLACES[cloud].state_key}\s*=", art.content), art.path


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("users", [10, 5_000, 200_000])
def test_ci_supplies_region_state_and_image_tag_from_one_variable(cloud: str, users: int) -> None:
    plan = design("node-express", users=users, cloud=cloud)
    workflow = yaml.safe_load(render_terraform(plan))
    place = PLACES[cloud]
    job = workflow["jobs"]["plan"]
    assert job["env"][place.region_env] == f"${{{{ vars.{place.region_env} }}}}"
    assert job["env"][f"TF_VAR_{place.region_var}"] == job["env"][place.region_env]
    init = next(step["run"] for step in job["steps"] if step.get("name") == "Init")
    assert f'-backend-config="{place.state_key}=${place.state_env}"' in init
    variables = "".join(
        a.content for a in render(plan) if a.path.endswith("environments/staging/variables.tf")
    )
    takes_tag = 'variable "image_tag"' in variables
    assert takes_tag == (plan.platform.effective in SERVICE_PLATFORMS)
    assert ("TF_VAR_image_tag" in job["env"]) == takes_tag
    steps = [s.get("run", "") for s in workflow["jobs"]["fmt"]["steps"]]
    assert "terraform validate -no-color" in steps


def test_image_tag_has_no_default_to_start_from() -> None:
    for cloud in CLOUDS:
        texts = {a.path: a.content for a in render(design("monorepo", users=5_000, cloud=cloud))}
        assert not any("latest-build" in text for text in texts.values())
        tfvars = texts["terraform/environments/production/terraform.tfvars"]
        assert re.search(r"(?m)^# image_tag: passed as TF_VAR_image_tag", tfvars)
        assert not re.search(r"(?m)^image_tag\s*=", tfvars)
