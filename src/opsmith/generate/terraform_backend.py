"""Where a Terraform root keeps its state and which region it manages, supplied from one place.

A `backend` block cannot read variables, so the generated backend blocks hold only what never
changes (the state key, locking, encryption). The state's bucket (or storage account) and the region
arrive at `terraform init` as `-backend-config` pairs (a partial backend configuration), and the
region reaches the configuration as `TF_VAR_<name>`, all from one shell variable per cloud: the one
the workflows fill from GitHub (`vars.AWS_REGION`, `vars.GCP_REGION`, `vars.AZURE_LOCATION`) and
docs/bootstrap.md exports. No region is written in a backend block or a terraform.tfvars, so none
can disagree with the region CI signs in to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsmith.design.model import Design
    from opsmith.generate.workflow_platforms import Settings

# Platforms whose services the environments' roots create themselves (terraform.py's `service`
# module), from an image tag they take as a variable.
SERVICE_PLATFORMS = frozenset({"aws-ecs-fargate", "gcp-cloud-run", "azure-container-apps"})


@dataclass(frozen=True)
class CloudPlace:
    region_env: str  # the shell (and GitHub) variable holding the region
    region_meaning: str
    region_var: str  # the Terraform variable of every root that takes it
    state_env: str  # the shell (and GitHub) variable naming the state's bucket or account
    state_meaning: str
    state_key: str  # the backend argument it fills
    region_key: str | None  # the backend argument the region fills, if the backend has one


PLACES = {
    "aws": CloudPlace(
        "AWS_REGION",
        "AWS region of every resource, e.g. eu-west-1",
        "region",
        "TF_STATE_BUCKET",
        "S3 bucket of the Terraform state (output state_bucket of terraform/bootstrap)",
        "bucket",
        "region",
    ),
    "gcp": CloudPlace(
        "GCP_REGION",
        "Google Cloud region of every resource, e.g. europe-west1",
        "region",
        "TF_STATE_BUCKET",
        "GCS bucket of the Terraform state (output state_bucket of terraform/bootstrap)",
        "bucket",
        None,
    ),
    "azure": CloudPlace(
        "AZURE_LOCATION",
        "Azure region of every resource, e.g. westeurope",
        "location",
        "TF_STATE_ACCOUNT",
        "storage account of the Terraform state (output state_account of terraform/bootstrap)",
        "storage_account_name",
        None,
    ),
}


def backend_config(cloud: str) -> str:
    """The `-backend-config` options of `terraform init`, reading the shell variables."""
    place = PLACES[cloud]
    pairs = [f'-backend-config="{place.state_key}=${place.state_env}"']
    if place.region_key:
        pairs.append(f'-backend-config="{place.region_key}=${place.region_env}"')
    return " ".join(pairs)


def region_note(cloud: str) -> str:
    """The terraform.tfvars comment of the region variable, which has no value there."""
    place = PLACES[cloud]
    return (
        f"passed as TF_VAR_{place.region_var} from {place.region_env}, the variable CI signs in with "
        "(docs/bootstrap.md), so no file can disagree with it"
    )


def terraform_stack_runs_services(design: Design) -> bool:
    return design.platform.effective in SERVICE_PLATFORMS


def ci_env(cloud: str, settings: Settings, image_tag: bool) -> dict[str, str]:
    """The environment of a CI job that runs `terraform init` and `plan` on an environment's root:
    the state's place and the region from the GitHub variables, and the region again as the root's
    variable, so both come from one value."""
    place = PLACES[cloud]
    region = settings.var(place.region_env, place.region_meaning)
    env = {
        place.state_env: settings.var(place.state_env, place.state_meaning),
        place.region_env: region,
        f"TF_VAR_{place.region_var}": region,
    }
    if image_tag:
        # Only a service that does not exist yet starts from this tag: Terraform leaves the image
        # of a running one to the deploy workflow, so plans of later commits show no change.
        env["TF_VAR_image_tag"] = "${{ github.sha }}"
    return env
