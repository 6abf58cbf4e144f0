"""terraform/bootstrap: the root applied once, by a person, before any environment exists.

It creates what the environments' roots and CI take for granted:

- the state storage, with locking: an S3 bucket (versioned, encrypted, public access blocked,
  TLS only; locked by `use_lockfile`), a GCS bucket (versioned; GCS locks by itself), or an Azure
  storage account and container (versioned, Entra ID only; blob leases lock);
- the CI identity through GitHub's OIDC tokens, least privilege: one deploy identity per
  environment that only a job running in that GitHub environment can use (AWS IAM role, GCP
  service account through a workload identity pool, Azure user-assigned identity with a
  federated credential), and one read-only identity for terraform.yml's plans, trusted for pull
  requests and the main branch only;
- the DNS zone, when the design owns a domain.

Its own state starts local (the bucket does not exist yet) and moves into that bucket with
`terraform init -migrate-state` right after the first apply; docs/bootstrap.md has the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsmith.design.model import UNASSIGNED_TEAM
from opsmith.generate.artifact import Artifact, safe_name
from opsmith.generate.hcl_format import align, literal
from opsmith.generate.templating import render_template
from opsmith.generate.terraform_backend import PLACES

if TYPE_CHECKING:
    from opsmith.generate.terraform import Stack

FOLDER = "terraform/bootstrap"
GENERATOR = "terraform"
ENVIRONMENTS = ("staging", "production")
_FILES = ("main", "variables", "outputs", "backend", "providers")
# The roles each environment's deploy account needs on that environment's project, by what it does.
_GCP_REGISTRY_ROLES = ["roles/artifactregistry.writer"]
_GCP_PLATFORM_ROLES = {
    "service": ["roles/run.developer", "roles/iam.serviceAccountUser"],
    "cluster": ["roles/container.developer"],
}


def zone_of(stack: Stack) -> str | None:
    """The DNS zone the bootstrap creates: the one the environments look the domain up in, and
    only when the design owns a domain."""
    domain = stack.design.networking.domain
    return ".".join(domain.split(".")[-2:]) if domain else None


def gcp_project(stack: Stack, environment: str) -> str:
    """The project of an environment, as the environments' terraform.tfvars name it."""
    return f"{stack.design.app}-{environment}"


def render(stack: Stack, versions: str, header: str) -> list[Artifact]:
    """The bootstrap root of the design's cloud; `versions` is its versions.tf, pinned like the
    environments' roots."""
    values = _values(stack, header)
    zone = ("dns",) if zone_of(stack) else ()  # the zone the environments' records go in
    out = [
        Artifact(
            f"{FOLDER}/{name}.tf",
            align(render_template(f"terraform/{stack.cloud}/bootstrap/{name}.tf.j2", **values)).rstrip("\n")
            + "\n",
            generator=GENERATOR,
            implements=zone if name == "main" else (),
        )
        for name in _FILES
    ]
    out.append(Artifact(f"{FOLDER}/versions.tf", versions, generator=GENERATOR))
    out.append(Artifact(f"{FOLDER}/terraform.tfvars", align(_tfvars(stack)), generator=GENERATOR))
    return out


def _values(stack: Stack, header: str) -> dict[str, Any]:
    app = stack.design.app
    short = _account_prefix(app)
    roles = (_GCP_REGISTRY_ROLES if stack.registry else []) + _GCP_PLATFORM_ROLES.get(stack.platform, [])
    return {
        "header": header,
        "app": app,
        "environments": literal(list(ENVIRONMENTS)),
        "registry": stack.registry,
        "platform": stack.platform,
        "zone": zone_of(stack),
        "deploy_roles": literal(roles),
        "deploy_accounts": literal(
            {"staging": f"{short}-stg-deploy", "production": f"{short}-prod-deploy"}, 2
        ),
        "plan_account": f"{short}-tf-plan",
    }


def _account_prefix(app: str) -> str:
    """Up to 16 characters of the app's name that start a GCP service account ID (a letter first)."""
    name = safe_name(app)
    if not name[0].isalpha():
        name = f"a-{name}"
    return name[:16].rstrip("-")


def _tfvars(stack: Stack) -> str:
    design = stack.design
    place = PLACES[stack.cloud]
    lines = [
        "# Values of the bootstrap root. Nothing secret: the roles and accounts it creates are",
        "# reached through GitHub's OIDC tokens, never through stored keys.",
        f"app = {literal(design.app)}",
        f"owner = {literal(design.team or UNASSIGNED_TEAM)}",
        f"# {place.region_var}: passed as TF_VAR_{place.region_var} from {place.region_env}, the same"
        " variable CI signs in with (docs/bootstrap.md)",
        "# github_repository: passed as TF_VAR_github_repository (owner/name, docs/bootstrap.md)",
    ]
    if stack.cloud == "gcp":
        projects = {env: gcp_project(stack, env) for env in ENVIRONMENTS}
        lines += [
            "",
            "# The state and CI's identities live in production's project; each environment keeps",
            "# its own project, as in terraform/environments/<env>/terraform.tfvars.",
            f"project_id = {literal(projects['production'])}",
            f"environment_projects = {literal(projects)}",
        ]
    zone = zone_of(stack)
    if zone:
        lines.append(f"zone_name = {literal(zone)}")
    return "\n".join(lines) + "\n"
