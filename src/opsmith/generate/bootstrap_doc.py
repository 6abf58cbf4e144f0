"""docs/bootstrap.md: from an empty cloud account to the first deploy, in order, every command exact.

The order matters because each step needs the one before it: the bootstrap root (state storage,
the CI identity, the DNS zone), then GitHub's environments and variables, then each environment's
root (the registry first, the first image pushed into it, then the services that run that image;
or the cluster, then its add-ons root), then the first deploy through deploy.yml. The page is
written from the files generated beside it (which roots, modules and workflows exist), so it names
nothing that is not there; tests/generate/test_bootstrap_doc.py holds every command it shows to
that. `next_steps` is the short form `opsmith init` prints.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from opsmith.design.model import Design
from opsmith.design.render_yaml import DESIGN_FILE
from opsmith.generate.artifact import Artifact, safe_name
from opsmith.generate.options import cloud_of, wants_terraform
from opsmith.generate.specs import acr_name, docker_context
from opsmith.generate.terraform_backend import PLACES, backend_config
from opsmith.generate.terraform_redundancy import regions
from opsmith.generate.terraform_rke2 import compliance_steps
from opsmith.generate.workflow_steps import units
from opsmith.generate.workflows import TERRAFORM_VERSION

PATH = "docs/bootstrap.md"
GENERATOR = "bootstrap"
ENVIRONMENTS = ("staging", "production")
BOOTSTRAP = "terraform/bootstrap"
_CLOUD_NAMES = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}
_CLI = {
    "aws": "the AWS CLI v2 (`aws`)",
    "gcp": "the Google Cloud CLI (`gcloud`)",
    "azure": "the Azure CLI (`az`)",
}


@dataclass(frozen=True)
class Layout:
    """What was generated, read from the paths: the page only names what exists."""

    cloud: str
    paths: frozenset[str]
    # What the generated workflows read from GitHub with no default: name -> what it must hold
    settings: dict[str, str]
    texts: dict[str, str]

    def has(self, path: str) -> bool:
        return path in self.paths

    @property
    def registry(self) -> bool:
        return self.has("terraform/modules/registry/main.tf")

    @property
    def services(self) -> bool:
        return self.has("terraform/modules/service/main.tf")

    @property
    def cluster(self) -> bool:
        return self.has("terraform/modules/cluster/main.tf")

    @property
    def servers(self) -> bool:
        return "SSH_PRIVATE_KEY" in self.settings  # one server the deploy reaches over SSH

    @property
    def terraform(self) -> list[str]:
        return [text for path, text in self.texts.items() if path.endswith(".tf")]

    def addons(self, env: str) -> bool:
        return self.has(f"terraform/addons/{env}/main.tf")

    @property
    def overlays(self) -> bool:
        return self.has("k8s/overlays/staging/kustomization.yaml")

    @property
    def tops(self) -> list[str]:
        """What `git add` takes: the design, this page and every generated file, by top folder."""
        return sorted({DESIGN_FILE, PATH.partition("/")[0]} | {p.partition("/")[0] for p in self.paths})

    @property
    def deploy_workflow(self) -> bool:
        return self.has(".github/workflows/deploy.yml")


def render(design: Design, artifacts: Collection[Artifact]) -> list[Artifact]:
    """The page, for a design whose infrastructure Terraform builds (AWS, Google Cloud, Azure)."""
    if not wants_terraform(design):
        return []
    texts = {a.path: a.content for a in artifacts}
    layout = Layout(cloud_of(design), frozenset(texts), _settings(artifacts), texts)
    if not layout.has(f"{BOOTSTRAP}/main.tf"):
        return []
    sections = [
        _intro(design, layout),
        _tools(layout),
        _shell(design, layout),
        _bootstrap(design, layout),
        _github(design, layout),
        _environments(design, layout),
        _first_deploy(layout),
        _dns(design, layout),
        _manual(design),
        "## Next steps\n\n" + "".join(f"- {step}\n" for step in next_steps(design)),
    ]
    text = _still_to_set(layout, "\n".join(s for s in sections if s))
    # The region every root runs in is the one this page exports (no terraform.tfvars holds it).
    manual: tuple[tuple[str, str], ...] = (("platform", "Manual steps"),) if compliance_steps(design) else ()
    if _DNS_HEADING in text:
        manual += (("dns", _DNS_HEADING.removeprefix("## ")),)
    return [Artifact(PATH, text, generator=GENERATOR, implements=("regions",), manual=manual)]


def _settings(artifacts: Collection[Artifact]) -> dict[str, str]:
    """The variables and secrets each workflow's header lists (workflow_platforms.Settings), less
    those with a default."""
    found = {}
    for art in artifacts:
        if art.path.startswith(".github/workflows/"):
            for name, meaning in re.findall(r"(?m)^#   ([A-Z][A-Z0-9_]*): (.*)$", art.content):
                if "(default:" not in meaning:
                    found[name] = meaning
    return found


def _still_to_set(layout: Layout, text: str) -> str:
    """A list, at the end of step 4, of what the workflows read that no command above sets."""
    missing = [n for n in sorted(layout.settings) if not re.search(rf"\bset {n}\b", text)]
    if not missing:
        return text
    items = "".join(f"- `{name}`: {layout.settings[name]}\n" for name in missing)
    note = (
        "The workflows also read these, which no step here can know; set them (`gh variable set` or "
        "`gh secret set`, with `--env` for a value per environment) before the first deploy:\n\n"
    )
    return text.replace(_STEP_5, f"{note}{items}\n{_STEP_5}", 1)


def next_steps(design: Design) -> list[str]:
    """What to do after `opsmith init`, for the design's tier: the same at no two tiers."""
    tier = design.tier.effective
    page = "docs/bootstrap.md" if wants_terraform(design) else "the platform's own documentation"
    steps = {
        "hobby": [
            "try it on this machine: copy .env.example to .env, fill in the secrets, `docker compose up -d`",
            f"bring up the one server from an empty account: {page} (state, CI identity, server)",
        ],
        "startup": [
            f"first apply in order ({page}): the registry, then the first image, then the services",
            "set the alert receivers in monitoring/alertmanager.yml before the first production deploy",
        ],
        "growth": [
            f"first apply in order ({page}): the cluster, then its add-ons root, then the first deploy",
            "watch the first canary: deploys pause on the analysis in docs/rollback.md",
        ],
        "enterprise": [
            f"first apply in order ({page}): every region's stack, the add-ons, then the first deploy",
            "rehearse the regional failover from its runbook before production takes traffic",
        ],
        "compliance": [
            f"do the manual steps in {page} (the deploy runner's token, the cluster's deploy identity)",
            "keep the audit trail's retention and reviewers as your auditor requires",
        ],
    }.get(tier, [f"bring the infrastructure up with {page}"])
    return [
        *steps,
        "commit the generated files; protect the `production` environment in GitHub (required reviewers)",
        "read docs/rollback.md before the first deploy, and run `opsmith audit` on every change",
    ]


# --------------------------------------------------------------------------- sections


def _sh(*lines: str) -> str:
    return "```sh\n" + "\n".join(lines) + "\n```\n"


def _intro(design: Design, layout: Layout) -> str:
    cloud = _CLOUD_NAMES[layout.cloud]
    if layout.services:
        order = "the registry first, then the first image pushed into it, then the services that run it"
    elif layout.cluster:
        order = "the network, cluster and data stores, then the cluster's add-ons, then the first deploy"
    else:
        order = "the network, servers and data stores, then the first deploy"
    return (
        f"# {design.app}: from an empty {cloud} account to the first deploy\n\n"
        f"Generated by opsmith for the {design.tier.effective} tier on {design.platform.effective}. "
        "Run every command from the repository's root, in this order: the bootstrap root (the state "
        "storage and the identities CI signs in as), GitHub's environments and variables, then each "
        f"environment, staging before production: {order}.\n\n"
        "Apply is always a person's reviewed step; CI only plans, checks for drift and deploys.\n\n"
        "Work on a branch until step 6: the workflows start as soon as they reach `main`, and the "
        "first image is built from the commit that holds the generated files:\n\n"
        + _sh(
            "git switch -c opsmith-bootstrap",
            "git add " + " ".join(layout.tops),
            'git commit -m "Infrastructure from opsmith"',
        )
    )


def _tools(layout: Layout) -> str:
    tools = [
        f"Terraform {TERRAFORM_VERSION} (`terraform`), the version CI runs",
        _CLI[layout.cloud],
        "the GitHub CLI (`gh`), signed in with `gh auth login` as an administrator of the repository",
        "`git` and `jq`",
    ]
    wanted = {
        "Docker (`docker`), to build and push the first image": layout.services,
        "`kubectl`, to look at the cluster": layout.cluster,
        "OpenSSH (`ssh-keygen`, `ssh-keyscan`), for the deploy key": layout.servers,
    }
    tools += [tool for tool, needed in wanted.items() if needed]
    return "## 1. Tools\n\n" + "".join(f"- {t}\n" for t in tools)


def _shell(design: Design, layout: Layout) -> str:
    place = PLACES[layout.cloud]
    primary = regions(design, layout.cloud)[0]
    lines = [
        f"export {place.region_env}={primary}",
        f'export TF_VAR_{place.region_var}="${place.region_env}"',
        'export GITHUB_REPOSITORY="$(gh repo view --json nameWithOwner --jq .nameWithOwner)"',
        'export TF_VAR_github_repository="$GITHUB_REPOSITORY"',
    ]
    text = (
        "## 2. One region, one repository\n\n"
        f"The region is one variable, `{place.region_env}` ({primary} is the design's primary region). "
        "Terraform reads it as a variable and as backend configuration at `init` (a backend block "
        "cannot read variables); GitHub gets the same value in step 4, so CI and your shell never "
        "disagree. Set these in every shell you run the steps below in:\n\n" + _sh(*lines)
    )
    return text + "\n" + _SIGN_IN[layout.cloud](design)


def _aws_sign_in(design: Design) -> str:
    del design
    return (
        "Sign in as an administrator of the account (AWS IAM Identity Center or your usual profile); "
        "this shows which account the commands below change:\n\n" + _sh("aws sts get-caller-identity")
    )


def _gcp_sign_in(design: Design) -> str:
    projects = [_gcp_project(design, env) for env in ENVIRONMENTS]
    lines = [
        "gcloud auth login",
        "gcloud auth application-default login",
        "export BILLING_ACCOUNT=\"$(gcloud billing accounts list --format='value(name)' --limit=1)\"",
    ]
    for project in projects:
        lines += [
            f"gcloud projects create {project}",
            f'gcloud billing projects link {project} --billing-account="$BILLING_ACCOUNT"',
            f"gcloud services enable cloudresourcemanager.googleapis.com serviceusage.googleapis.com "
            f"--project={project}",
        ]
    return (
        "Sign in, then create one project per environment (the names terraform.tfvars uses; production's "
        "also holds the state and CI's identities) with billing:\n\n" + _sh(*lines)
    )


def _azure_sign_in(design: Design) -> str:
    del design
    return (
        "Sign in as an Owner of the subscription. The azurerm provider takes the subscription from "
        "`ARM_SUBSCRIPTION_ID`:\n\n"
        + _sh(
            "az login",
            'export AZURE_SUBSCRIPTION_ID="$(az account show --query id --output tsv)"',
            'export ARM_SUBSCRIPTION_ID="$AZURE_SUBSCRIPTION_ID"',
        )
    )


_SIGN_IN = {"aws": _aws_sign_in, "gcp": _gcp_sign_in, "azure": _azure_sign_in}
_STATE_OUTPUT = {"aws": "state_bucket", "gcp": "state_bucket", "azure": "state_account"}


def _tf(folder: str, command: str) -> str:
    return f"terraform -chdir={folder} {command}"


def _bootstrap(design: Design, layout: Layout) -> str:
    place = PLACES[layout.cloud]
    zone = bool(design.networking.domain)
    what = "the state storage, the CI identities" + (" and the DNS zone" if zone else "")
    text = (
        f"## 3. The bootstrap root: {what}\n\n"
        f"`{BOOTSTRAP}` is applied once, by you, never by CI. Its own state cannot start in a bucket "
        "that does not exist yet: the first apply keeps it in a local file (a `local_override.tf` "
        "replaces the backend for that one run), then `-migrate-state` moves it into the storage it "
        "just created and the local copy is deleted.\n\n"
        + _sh(
            f"printf 'terraform {{\\n  backend \"local\" {{}}\\n}}\\n' > {BOOTSTRAP}/local_override.tf",
            _tf(BOOTSTRAP, "init"),
            _tf(BOOTSTRAP, "apply"),
            f'export {place.state_env}="$({_tf(BOOTSTRAP, f"output -raw {_STATE_OUTPUT[layout.cloud]}")})"',
            f"rm {BOOTSTRAP}/local_override.tf",
            _tf(BOOTSTRAP, f"init -migrate-state -force-copy {backend_config(layout.cloud)}"),
            _tf(BOOTSTRAP, "state list"),
            f"rm -f {BOOTSTRAP}/terraform.tfstate {BOOTSTRAP}/terraform.tfstate.backup",
        )
    )
    if layout.cloud == "aws":
        provider = (
            "arn:aws:iam::$(aws sts get-caller-identity --query Account --output text)"
            ":oidc-provider/token.actions.githubusercontent.com"
        )
        text += (
            "\nAn account has one OIDC provider per issuer: if another project already created "
            "GitHub's, the first apply above stops on `EntityAlreadyExists`. Then adopt that provider "
            "into the still-local state, run the apply again and carry on with the migration:\n\n"
            + _sh(_tf(BOOTSTRAP, f'import aws_iam_openid_connect_provider.github "{provider}"'))
        )
    if layout.cloud == "azure":
        text += (
            "\nThe migration reads the new account with Entra ID through a role assignment the apply "
            "just made; if it answers 403, wait a minute for the assignment to apply and run it again.\n"
        )
    text += (
        f"\nKeep `{place.state_env}` exported: every `terraform init` below reads it. In a new shell, "
        f'`export {place.state_env}="$({_tf(BOOTSTRAP, f"output -raw {_STATE_OUTPUT[layout.cloud]}")})"` '
        "finds it again.\n"
    )
    if zone:
        text += (
            f"\nThe design owns {design.networking.domain}: delegate its zone once, at the domain's "
            "registrar, to the name servers this prints (a manual step: registrars have no common API):\n\n"
            + _sh(_tf(BOOTSTRAP, "output name_servers"))
        )
    return text


def _github(design: Design, layout: Layout) -> str:
    policy = '"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}'
    env_api = 'gh api --method PUT "repos/$GITHUB_REPOSITORY/environments/{env}" --input -'
    branch_api = (
        'gh api --method POST "repos/$GITHUB_REPOSITORY/environments/{env}/deployment-branch-policies" '
        "-f name=main -f type=branch"
    )
    lines = [
        f"printf '{{{policy}}}' | {env_api.format(env='staging')}",
        branch_api.format(env="staging"),
        f'printf \'{{"reviewers": [{{"type": "User", "id": %s}}], {policy}}}\' '
        f'"$(gh api user --jq .id)" | {env_api.format(env="production")}',
        branch_api.format(env="production"),
    ]
    text = (
        "## 4. GitHub: environments and variables\n\n"
        "The deploy identities trust only jobs that run in the `staging` or `production` GitHub "
        "environment, so create both, deployable from `main` only, with you as production's required "
        "reviewer (add your team in Settings > Environments afterwards):\n\n" + _sh(*lines)
    )
    text += (
        "\nThen the variables. Repository-level values serve terraform.yml's plans (read-only "
        "identity); each environment's own values override them in its deploy jobs:\n\n"
        + _sh(*_variables(design, layout.cloud))
    )
    return text


def _output_of(name: str, env: str | None = None) -> str:
    if env is None:
        return f'"$({_tf(BOOTSTRAP, f"output -raw {name}")})"'
    return f'"$({_tf(BOOTSTRAP, f"output -json {name}")} | jq -r .{env})"'


@dataclass(frozen=True)
class CiIdentity:
    """The GitHub variable naming the identity CI signs in as: the repository's value is the plan
    identity, each environment's the deploy identity (outputs of the bootstrap root)."""

    variable: str
    plan_output: str
    deploy_output: str
    shared: tuple[tuple[str, str], ...] = ()  # more repository variables: (name, value)


_IDENTITIES = {
    "aws": CiIdentity("AWS_ROLE_ARN", "plan_role_arn", "deploy_role_arns"),
    "gcp": CiIdentity(
        "GCP_SERVICE_ACCOUNT",
        "plan_service_account",
        "deploy_service_accounts",
        (("GCP_WORKLOAD_IDENTITY_PROVIDER", _output_of("workload_identity_provider")),),
    ),
    "azure": CiIdentity(
        "AZURE_CLIENT_ID",
        "plan_client_id",
        "deploy_client_ids",
        (("AZURE_SUBSCRIPTION_ID", '"$AZURE_SUBSCRIPTION_ID"'), ("AZURE_TENANT_ID", _output_of("tenant_id"))),
    ),
}


def _variables(design: Design, cloud: str) -> list[str]:
    place, identity = PLACES[cloud], _IDENTITIES[cloud]
    lines = [
        f'gh variable set {place.region_env} --body "${place.region_env}"',
        f'gh variable set {place.state_env} --body "${place.state_env}"',
        *(f"gh variable set {name} --body {value}" for name, value in identity.shared),
        f"gh variable set {identity.variable} --body {_output_of(identity.plan_output)}",
    ]
    for env in ENVIRONMENTS:
        deploy = _output_of(identity.deploy_output, env)
        lines.append(f"gh variable set {identity.variable} --env {env} --body {deploy}")
        if cloud == "gcp":  # one project per environment
            lines.append(f"gh variable set GCP_PROJECT_ID --env {env} --body {_gcp_project(design, env)}")
    return lines


_STEP_5 = "## 5. Staging, then production\n"


def _environments(design: Design, layout: Layout) -> str:
    parts = [_STEP_5]
    for env in ENVIRONMENTS:
        parts.append(_environment(design, layout, env))
    return "\n".join(parts)


def _environment(design: Design, layout: Layout, env: str) -> str:
    root = f"terraform/environments/{env}"
    init = _tf(root, f"init {backend_config(layout.cloud)}")
    text = f"### {env}\n\n"
    if layout.services:
        text += (
            "The services start from an image that must already be in this environment's registry, "
            "so the registry comes first, then the image (tagged with the commit, as CI tags it), "
            "then everything else. `image_tag` has no default, so no service can start from an "
            "image that was never pushed.\n\n"
        )
        lines = [init, 'export TF_VAR_image_tag="$(git rev-parse HEAD)"']
        if layout.registry:
            lines.append(_tf(root, "apply -target=module.registry"))
        lines += _push_image(design, layout, env)
        lines.append(_tf(root, "apply"))
        return text + _sh(*lines) + _access(design, layout, env)
    lines = [init, _tf(root, "apply")]
    if layout.addons(env):
        addons = f"terraform/addons/{env}"
        lines += [_tf(addons, f"init {backend_config(layout.cloud)}"), _tf(addons, "apply")]
        text += (
            "The environment's root creates the cluster; the add-ons root, applied after it, installs "
            "what the manifests rely on (the load balancer controller, Argo Rollouts, External Secrets, "
            "the monitoring stack, autoscaling). Images arrive with the first deploy (step 6).\n\n"
        )
    else:
        text += "Images arrive with the first deploy (step 6), which pushes them before it deploys.\n\n"
    return text + _sh(*lines) + _access(design, layout, env)


def _access(design: Design, layout: Layout, env: str) -> str:
    """What lets the deploy identity at resources that exist only after the environment's apply."""
    name = f"{safe_name(design.app)}-{env}"  # what the environment's Terraform calls everything
    if layout.cloud == "azure":
        return "\n" + _azure_access(name, env)
    if layout.cloud == "aws" and layout.cluster:
        return "\n" + _eks_access(name, env)
    if layout.servers:
        return "\n" + _ssh_access(design, env)
    return ""


def _ssh_access(design: Design, env: str) -> str:
    key = f"{safe_name(design.app)}-{env}-deploy-key"
    host = f"terraform/environments/{env}"
    return (
        "deploy.yml deploys to the server over SSH as its deploy user. Make a key for it and give "
        "GitHub the key, the server's address and its host key:\n\n"
        + _sh(
            f'ssh-keygen -t ed25519 -N "" -C deploy@{safe_name(design.app)}-{env} -f {key}',
            f"gh secret set SSH_PRIVATE_KEY --env {env} < {key}",
            f'export DEPLOY_HOST="$({_tf(host, "output -raw server_public_ip")})"',
            f'gh variable set DEPLOY_HOST --env {env} --body "$DEPLOY_HOST"',
            f'gh variable set SSH_KNOWN_HOSTS --env {env} --body "$(ssh-keyscan -t ed25519 "$DEPLOY_HOST")"',
        )
        + "\nThe server's first-boot script creates the `deploy` user (in the `docker` group) but not "
        "its authorized key, and the server takes no SSH from the internet: before the first deploy, "
        f"append `{key}.pub` to `/home/deploy/.ssh/authorized_keys`, and let the deploy job "
        "reach port 22 (a self-hosted runner beside the server, or the runners' address ranges). "
        "Then delete the private key file.\n"
    )


def _push_image(design: Design, layout: Layout, env: str) -> list[str]:
    """Build each image once (staging) and copy it to production's registry, as deploy.yml does."""
    built = [u for u in units(design) if u.image and u.dockerfile]
    lines = _registry_login(design, layout.cloud, env)
    for unit in built:
        assert unit.image is not None and unit.dockerfile is not None
        target = f'"$REGISTRY/{_repository(design, layout.cloud, env)}{unit.image}:$TF_VAR_image_tag"'
        if env == ENVIRONMENTS[0]:
            lines.append(f"docker build -f {unit.dockerfile} -t {target} {docker_context(unit.primary)}")
        else:
            staging = _repository(design, layout.cloud, "staging")
            source = f'"$STAGING_REGISTRY/{staging}{unit.image}:$TF_VAR_image_tag"'
            lines.append(f"docker tag {source} {target}")
        lines.append(f"docker push {target}")
    return lines


def _repository(design: Design, cloud: str, env: str) -> str:
    """The path under the registry host that deploy.yml pushes an environment's images to."""
    if cloud == "aws":
        return f"{env}/"
    if cloud == "gcp":
        return f"{_gcp_project(design, env)}/{safe_name(design.app)}-{env}/"
    return ""


# AWS and Google Cloud keep both environments' registries on one host (ECR of the account, Artifact
# Registry of the region); Azure has one registry, and host, per environment.
_SHARED_HOST_LOGIN = {
    "aws": (
        'export REGISTRY="$(aws sts get-caller-identity --query Account --output text)'
        '.dkr.ecr.$AWS_REGION.amazonaws.com"',
        'aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"',
    ),
    "gcp": (
        'export REGISTRY="$GCP_REGION-docker.pkg.dev"',
        'gcloud auth configure-docker "$REGISTRY" --quiet',
    ),
}


def _registry_login(design: Design, cloud: str, env: str) -> list[str]:
    """Sign in to the environment's registry as `$REGISTRY` (and to staging's as `$STAGING_REGISTRY`
    for production, which copies staging's image)."""
    first = env == ENVIRONMENTS[0]
    if cloud in _SHARED_HOST_LOGIN:
        return [*_SHARED_HOST_LOGIN[cloud], *([] if first else ['export STAGING_REGISTRY="$REGISTRY"'])]
    lines = []
    for name, where in ((env, "REGISTRY"), *(() if first else (("staging", "STAGING_REGISTRY"),))):
        registry = acr_name(design.app, name)
        lines += [f'export {where}="{registry}.azurecr.io"', f"az acr login --name {registry}"]
    return lines


def _gcp_project(design: Design, env: str) -> str:
    return f"{design.app}-{env}"


def _eks_access(name: str, env: str) -> str:
    role = _output_of("deploy_role_arns", env)
    prose = (
        "EKS lets the deploy role into the cluster only through an access entry, and the cluster "
        "exists only now. The overlays create their namespace, an object of the whole cluster, so "
        "the role gets the cluster-admin access policy; once the namespaces exist you can narrow it to "
        "AmazonEKSEditPolicy scoped to them (`--access-scope type=namespace,namespaces=...`)"
    )
    associate = (
        f"aws eks associate-access-policy --cluster-name {name} --principal-arn {role} "
        "--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy "
        "--access-scope type=cluster"
    )
    return f"{prose}:\n\n" + _sh(
        f"aws eks create-access-entry --cluster-name {name} --principal-arn {role}", associate
    )


def _azure_access(name: str, env: str) -> str:
    prose = (
        "The deploy identity may act on the environment's resource group (its registry, and its "
        "apps or cluster) only once the group exists, so its role assignment comes now"
    )
    command = (
        f"az role assignment create --assignee-object-id {_output_of('deploy_principal_ids', env)} "
        "--assignee-principal-type ServicePrincipal --role Contributor "
        f'--scope "$(az group show --name {name} --query id --output tsv)"'
    )
    return f"{prose}:\n\n" + _sh(command)


_DNS_HEADING = "## DNS records"
# Resources by which a generated root writes DNS records itself.
_RECORDS = re.compile(r'resource "(aws_route53_record|google_dns_record_set|azurerm_dns_\w+_record)"')
_KUBECONFIG = {
    "aws": "aws eks update-kubeconfig --name {name}",
    "gcp": 'gcloud container clusters get-credentials {name} --region "$GCP_REGION" --project {project}',
    "azure": "az aks get-credentials --resource-group {name} --name {name}",
}


def _dns(design: Design, layout: Layout) -> str:
    """Records for each environment's entry point, where no generated root writes them: the server's
    address, the address the cluster's ingress gets at the first deploy, or a domain mapping of the
    default web service."""
    if design.networking.dns.effective == "external" or any(_RECORDS.search(t) for t in layout.terraform):
        return ""
    if not (layout.cluster or layout.servers or layout.services):
        return ""
    domain = design.networking.domain
    lines: list[str] = []
    for env in ENVIRONMENTS:
        host = (domain if env == "production" else f"{env}.{domain}") if domain else None
        if layout.services:
            lines += _mapped(design, layout.cloud, env, host)
            continue
        lines.append(_address(design, layout, env))
        if host:
            kind = "CNAME" if layout.cluster and layout.cloud == "aws" else "A"
            lines.append(_RECORD[layout.cloud](design, host, kind))
    if not lines and domain:
        return ""  # no web service to point a name at
    text = (
        f"{_DNS_HEADING}\n\n"
        "No generated root writes the records of the environments' entry points: they point at what "
        "exists only after the apply (a server, a service) or after the first deploy (the cluster's "
        "ingress)."
    )
    text += " Once it exists, for each environment:\n\n" + _sh(*lines) if lines else "\n"
    if not domain:
        text += (
            "\nThe design names no domain, so there is no zone to write in: set `networking.domain` in "
            f"{DESIGN_FILE}, approve and generate again, and this section gains the record commands.\n"
        )
    return text


def _address(design: Design, layout: Layout, env: str) -> str:
    """`export ADDRESS=...`: where the environment answers, once it does."""
    if layout.servers:
        return f'export ADDRESS="$({_tf(f"terraform/environments/{env}", "output -raw server_public_ip")})"'
    field = "hostname" if layout.cloud == "aws" else "ip"  # an ALB has a name, not an address
    namespace = design.app if env == "production" else f"{design.app}-{env}"
    name = f"{safe_name(design.app)}-{env}"
    return (
        _KUBECONFIG[layout.cloud].format(name=name, project=_gcp_project(design, env))
        + f'\nexport ADDRESS="$(kubectl get ingress --namespace {namespace} --output '
        f"jsonpath='{{.items[0].status.loadBalancer.ingress[0].{field}}}')\""
    )


def _mapped(design: Design, cloud: str, env: str, host: str | None) -> list[str]:
    """Cloud Run and Container Apps serve a custom host only once it is mapped to the service (the
    default web service, the one the environment's Terraform routes the domain to)."""
    web = next((s.name for s in design.services if s.kind == "web" and s.port), None)
    if host is None or web is None:
        return []
    zone = ".".join(host.split(".")[-2:])
    relative = host.removesuffix(zone).rstrip(".") or "@"
    records = f"--resource-group {design.app}-tfstate --zone-name {zone}"
    if cloud == "gcp":
        service = f"{design.app}-{env}-{web}"[:49]
        verify = [f"gcloud domains verify {zone}"] if env == ENVIRONMENTS[0] else []  # once per domain
        return [
            *verify,
            f"gcloud beta run domain-mappings create --service {service} --domain {host} "
            f'--region "$GCP_REGION" --project {_gcp_project(design, env)}',
            f"gcloud dns record-sets create {host}. --zone={design.app}-zone --type=CNAME --ttl=300 "
            f"--rrdatas=ghs.googlehosted.com. --project={_gcp_project(design, 'production')}",
        ]
    group = f"{design.app}-{env}"
    app = f'--resource-group {group} --name "$APP"'
    names = _tf(f"terraform/environments/{env}", "output -json app_names")
    show = f"az containerapp show {app} --query properties"
    return [
        f'export APP="$({names} | jq -r \'.["{web}"]\')"',
        f'export FQDN="$({show}.configuration.ingress.fqdn --output tsv)"',
        f'export PROOF="$({show}.customDomainVerificationId --output tsv)"',
        f'az network dns record-set cname set-record {records} --record-set-name {relative} --cname "$FQDN"',
        f"az network dns record-set txt add-record {records} --record-set-name asuid.{relative} "
        '--value "$PROOF"',
        f"az containerapp hostname add --hostname {host} {app}",
        f"az containerapp hostname bind --hostname {host} {app} --environment {group} "
        "--validation-method CNAME",
    ]


def _route53(design: Design, host: str, kind: str) -> str:
    del design
    zone = ".".join(host.split(".")[-2:])
    change = (
        '{"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "%s", "Type": "%s", "TTL": 300, '
        '"ResourceRecords": [{"Value": "%s"}]}}]}'
    )
    return (
        "aws route53 change-resource-record-sets --hosted-zone-id "
        f'"$(aws route53 list-hosted-zones-by-name --dns-name {zone} '
        "--query 'HostedZones[0].Id' --output text)\" "
        f'--change-batch "$(printf \'{change}\' {host} {kind} "$ADDRESS")"'
    )


def _cloud_dns(design: Design, host: str, kind: str) -> str:
    return (
        f"gcloud dns record-sets create {host}. --zone={design.app}-zone --type={kind} --ttl=300 "
        f'--rrdatas="$ADDRESS" --project={_gcp_project(design, "production")}'
    )


def _azure_dns(design: Design, host: str, kind: str) -> str:
    zone = ".".join(host.split(".")[-2:])
    relative = host.removesuffix(zone).rstrip(".") or "@"
    return (
        f"az network dns record-set a add-record --resource-group {design.app}-tfstate --zone-name {zone} "
        f'--record-set-name {relative} --ipv4-address "$ADDRESS"'
    )


_RECORD = {"aws": _route53, "gcp": _cloud_dns, "azure": _azure_dns}


def _first_deploy(layout: Layout) -> str:
    if not layout.deploy_workflow:
        return ""
    return (
        "## 6. The first deploy\n\n"
        "Open a pull request with the branch (terraform.yml plans both environments on it, which "
        "shows the variables of step 4 work) and merge it once the checks pass. On `main`, "
        "deploy.yml runs CI, builds and pushes each image tagged with the commit, deploys staging, "
        "then waits for production's reviewers.\n\n"
        + _sh(
            "git push --set-upstream origin opsmith-bootstrap",
            "gh pr create --fill",
            "gh pr checks --watch",
            "gh pr merge --merge",
            "gh run watch",
        )
        + "\nTo deploy again without a new commit: `gh workflow run deploy.yml --ref main`.\n"
    )


def _manual(design: Design) -> str:
    steps = compliance_steps(design)
    if not steps:
        return ""
    body = "".join(f"{n}. {step}\n" for n, step in enumerate(steps, 1))
    return (
        "## Manual steps\n\n"
        "opsmith cannot do these for you: they need a person's credentials or a host inside the "
        "private network. Do them after the environment's first apply and before its first deploy.\n\n" + body
    )
