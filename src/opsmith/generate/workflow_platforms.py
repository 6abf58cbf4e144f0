"""Workflow steps for the deploy side: signing in to the design's cloud and registry, promoting
images between environments, and the real deploy command of each platform.

Credentials are never stored in the repository: AWS, Google Cloud and Azure are reached through
GitHub's OIDC token (short-lived, no key to leak), the other platforms through secrets scoped to the
GitHub environment being deployed. Names and places the workflows need (regions, clusters, hosts)
are GitHub variables, listed by `Settings.describe()` at the top of deploy.yml.

Names follow the Terraform generator's (terraform/environments/<env>): everything of an environment
is called `<app>-<env>` (ECS, EKS, GKE and AKS clusters, resource groups, Artifact Registry
repositories); ECS services and their containers carry the service's name, Cloud Run services and
Container Apps `<app>-<env>-<service>`. ECR, Artifact Registry and ACR are provisioned once per
environment: CI pushes to staging's, and production's deploy copies the same image (same digest)
into production's before deploying it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import safe_name
from opsmith.generate.options import KUBERNETES_ORCHESTRATIONS
from opsmith.generate.server_secrets import before_deploy
from opsmith.generate.server_setup import DEPLOY_USER, deploy_path
from opsmith.generate.specs import acr_name
from opsmith.generate.terraform_rke2 import runner_label
from opsmith.generate.workflow_steps import RUNNER, Step, Unit, run, uses
from opsmith.generate.workflow_text import env_name
from opsmith.generate.workflow_yaml import Note

RAILWAY_CLI = "@railway/cli@5.63.1"
ROLLOUT_TIMEOUT = "10m"
K8S_DIR = "k8s/overlays"  # the Kubernetes generator's Kustomize layout: k8s/base, k8s/overlays/<env>
PER_ENVIRONMENT_REGISTRIES = frozenset({"ecr", "artifact-registry", "acr"})
_REGISTRY_CLOUD = {"ecr": "aws", "artifact-registry": "gcp", "acr": "azure"}
_PLATFORM_CLOUD = {
    "aws-eks": "aws",
    "aws-ecs-fargate": "aws",
    "gcp-gke": "gcp",
    "gcp-cloud-run": "gcp",
    "azure-aks": "azure",
    "azure-container-apps": "azure",
}


@dataclass
class Settings:
    """The variables and secrets a workflow reads, with what each must hold."""

    variables: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def var(self, name: str, meaning: str, default: str | None = None, environment: str = "") -> str:
        """`${{ vars.NAME }}`, with a default when the variable is unset; `<environment>` in the
        default stands for the environment of the job."""
        self.variables[name] = meaning + (f" (default: {default})" if default else "")
        if default is None:
            return f"${{{{ vars.{name} }}}}"
        return f"${{{{ vars.{name} || '{default.replace('<environment>', environment)}' }}}}"

    def secret(self, name: str, meaning: str) -> str:
        self.secrets[name] = meaning
        return f"${{{{ secrets.{name} }}}}"

    def describe(self) -> str:
        lines = []
        if self.variables:
            lines.append("Variables (Settings > Environments > staging / production; values both share")
            lines.append("can be repository variables instead):")
            lines += [f"  {name}: {meaning}" for name, meaning in sorted(self.variables.items())]
        if self.secrets:
            lines.append("Secrets (on the staging and production environments):")
            lines += [f"  {name}: {meaning}" for name, meaning in sorted(self.secrets.items())]
        return "\n".join(lines)


def environment_name(design: Design, environment: str) -> str:
    """What the Terraform generator calls everything of one environment."""
    return f"{safe_name(design.app)}-{environment}"


def per_environment_registry(design: Design) -> bool:
    return design.registry.effective in PER_ENVIRONMENT_REGISTRIES


def platform_cloud(design: Design) -> str | None:
    return _PLATFORM_CLOUD.get(design.platform.effective)


def registry_cloud(design: Design) -> str | None:
    return _REGISTRY_CLOUD.get(design.registry.effective)


# --- signing in ----------------------------------------------------------------------------------

_AZURE_IDS = {
    "AZURE_CLIENT_ID": "app registration with a federated credential for this repository",
    "AZURE_TENANT_ID": "Microsoft Entra tenant ID",
    "AZURE_SUBSCRIPTION_ID": "subscription of the environment",
}


def azure_ids(settings: Settings) -> dict[str, str]:
    return {name: settings.var(name, meaning) for name, meaning in _AZURE_IDS.items()}


def cloud_login(cloud: str, settings: Settings, expose_account: bool = False) -> list[Step]:
    """Short-lived credentials from GitHub's OIDC token (the job needs `id-token: write`)."""
    if cloud == "aws":
        inputs: dict[str, Any] = {
            "role-to-assume": settings.var(
                "AWS_ROLE_ARN", "IAM role trusted for this repository's OIDC tokens"
            ),
            "aws-region": settings.var("AWS_REGION", "AWS region, e.g. eu-west-1"),
        }
        if expose_account:
            inputs["mask-aws-account-id"] = Note(
                False, "an account ID is not a secret, and the image address is a job output"
            )
        return [uses("aws-actions/configure-aws-credentials", inputs, name="Sign in to AWS (OIDC)")]
    if cloud == "gcp":
        inputs = {
            "workload_identity_provider": settings.var(
                "GCP_WORKLOAD_IDENTITY_PROVIDER", "full resource name of the workload identity provider"
            ),
            "service_account": settings.var("GCP_SERVICE_ACCOUNT", "service account the workflow acts as"),
        }
        return [uses("google-github-actions/auth", inputs, name="Sign in to Google Cloud (OIDC)")]
    if cloud == "azure":
        script = (
            'token=$(curl -fsS -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \\\n'
            '  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value)\n'
            'echo "::add-mask::$token"\n'
            'az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" \\\n'
            '  --federated-token "$token" --output none\n'
            'az account set --subscription "$AZURE_SUBSCRIPTION_ID"\n'
        )
        return [
            Note(
                run("Sign in to Azure (OIDC)", script, env=azure_ids(settings)),
                "azure/login is not among the actions opsmith pins: the Azure CLI signs in with the "
                "job's OIDC token directly, as that action does.",
            )
        ]
    return []


def _gcp_place(settings: Settings) -> dict[str, str]:
    return {
        "GCP_REGION": settings.var("GCP_REGION", "Google Cloud region, e.g. europe-west1"),
        "GCP_PROJECT_ID": settings.var("GCP_PROJECT_ID", "Google Cloud project of the environment"),
    }


def registry_login(design: Design, environment: str, settings: Settings) -> list[Step]:
    """Steps (after the cloud login) that sign in to the environment's registry and set
    `steps.registry.outputs.prefix`, the address images are named under."""
    registry = design.registry.effective
    prefix = 'echo "prefix=$PREFIX" >> "$GITHUB_OUTPUT"\n'
    if registry == "ecr":
        script = (
            'ACCOUNT="$(aws sts get-caller-identity --query Account --output text)"\n'
            'REGISTRY="$ACCOUNT.dkr.ecr.$AWS_REGION.amazonaws.com"\n'
            'aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"\n'
            f'PREFIX="$REGISTRY/{environment}"\n' + prefix
        )
        return [run(f"Sign in to Amazon ECR ({environment})", script, id="registry")]
    if registry == "artifact-registry":
        repository = settings.var(
            "GAR_REPOSITORY",
            "Artifact Registry repository",
            f"{safe_name(design.app)}-<environment>",
            environment,
        )
        script = (
            'HOST="$GCP_REGION-docker.pkg.dev"\n'
            "gcloud auth print-access-token |\n"
            '  docker login --username oauth2accesstoken --password-stdin "$HOST"\n'
            'PREFIX="$HOST/$GCP_PROJECT_ID/$REPOSITORY"\n' + prefix
        )
        env = {**_gcp_place(settings), "REPOSITORY": repository}
        return [run(f"Sign in to Artifact Registry ({environment})", script, id="registry", env=env)]
    if registry == "acr":
        acr = settings.var(
            "ACR_NAME",
            "Azure Container Registry of the environment, by default the one Terraform creates for it",
            acr_name(design.app, environment),
            environment,
        )
        script = 'az acr login --name "$ACR_NAME"\nPREFIX="$ACR_NAME.azurecr.io"\n' + prefix
        return [
            run(
                f"Sign in to Azure Container Registry ({environment})",
                script,
                id="registry",
                env={"ACR_NAME": acr},
            )
        ]
    if registry == "fly-registry":
        token = settings.secret("FLY_API_TOKEN", "Fly.io deploy token of the environment's app")
        script = (
            "printf '%s' \"$FLY_API_TOKEN\" | docker login registry.fly.io --username x --password-stdin\n"
            'PREFIX="registry.fly.io"\n' + prefix
        )
        return [run("Sign in to the Fly.io registry", script, id="registry", env={"FLY_API_TOKEN": token})]
    login = uses(
        "docker/login-action",
        {"registry": "ghcr.io", "username": "${{ github.actor }}", "password": "${{ secrets.GITHUB_TOKEN }}"},
        name="Sign in to GitHub Container Registry",
    )
    owner = run(
        "Registry path",
        'PREFIX="ghcr.io/${GITHUB_REPOSITORY_OWNER,,}"  # ghcr.io wants lower case\n' + prefix,
        id="registry",
    )
    return [login, owner]


def registry_permissions(design: Design) -> dict[str, str]:
    if design.registry.effective == "ghcr":
        return {"packages": "write"}
    return {"id-token": "write"} if registry_cloud(design) else {}


def repository(design: Design, unit: Unit, prefix: str, environment: str) -> str:
    """Where an environment's image of `unit` lives, under the registry `prefix`."""
    assert unit.image is not None
    fly_app = design.registry.effective == "fly-registry" and environment != "production"
    return f"{prefix}/{unit.image}-{environment}" if fly_app else f"{prefix}/{unit.image}"


_PROMOTE = """\
promote() {  # staging repository, production repository
  if skopeo inspect --raw "docker://$2:$GITHUB_SHA" > /dev/null 2>&1; then
    echo "$2:$GITHUB_SHA is already there"
  else
    skopeo copy --all --preserve-digests "docker://$1:$GITHUB_SHA" "docker://$2:$GITHUB_SHA"
  fi
}
"""
_STAGING_LOGIN = {
    "ecr": 'aws ecr get-login-password | docker login --username AWS --password-stdin "${{{var}%%/*}}"\n',
    "artifact-registry": "gcloud auth print-access-token |\n"
    '  docker login --username oauth2accesstoken --password-stdin "${{{var}%%/*}}"\n',
    "acr": 'az acr login --name "${{{var}%%.*}}"\n',
}


def promote_step(design: Design, units: list[Unit], sources: dict[str, str]) -> Step:
    """Copies each image, by digest, from staging's registry into production's (already signed in
    as `steps.registry`). `sources` maps each unit key to the env var holding staging's repository."""
    first = sources[units[0].key]
    script = _STAGING_LOGIN[design.registry.effective].format(var=first) + _PROMOTE
    targets = {}
    for unit in units:
        target = repository(design, unit, "${{ steps.registry.outputs.prefix }}", "production")
        var = sources[unit.key].replace("IMAGE_", "TARGET_", 1)
        targets[var] = target
        script += f'promote "${sources[unit.key]}" "${var}"\n'
    env = {
        **{sources[u.key]: f"${{{{ needs.{_push_id(units, u)}.outputs.image }}}}" for u in units},
        **targets,
    }
    return Note(
        run("Promote the staging images", script, env=env),
        "The exact image staging ran (same digest) is copied into production's registry, which "
        "production pulls from. Production's identity needs read access to staging's registry.",
    )


def _push_id(units: list[Unit], unit: Unit) -> str:
    return f"push-{unit.key}" if len(units) > 1 else "push"


# --- deploying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a deploy job works with."""

    design: Design
    environment: str
    units: tuple[Unit, ...]  # the units with an image
    images: dict[str, str]  # unit key -> env var holding the unit's repository for this environment
    image_values: dict[str, str]  # env var -> expression giving that repository

    def ref(self, unit: Unit) -> str:
        return f'"${self.images[unit.key]}:$GITHUB_SHA"'

    def services(self) -> list[tuple[Unit, Service]]:
        return [(u, s) for u in self.units for s in u.services]

    def name_of(self, service: Service, limit: int) -> str:
        """A platform resource named like the Terraform generator names it."""
        return f"{environment_name(self.design, self.environment)}-{service.name}"[:limit]


def _named(values: dict[str, str], prefix: str, key: str, value: str) -> str:
    """The variable a script reads `value` from (a name from the repository, which the script
    must not contain); `values` gets it for the step's env."""
    var = env_name(prefix, key)
    values[var] = value
    return var


def deploy_runner(design: Design, environment: str) -> str | list[str]:
    """Where a deploy job runs: GitHub's hosted runner, or, for self-managed Kubernetes, whose API
    is private, the environment's own runner inside its network (generate/terraform_rke2.py)."""
    labels = self_hosted_labels(design)
    return ["self-hosted", runner_label(design, environment)] if labels else RUNNER


def self_hosted_labels(design: Design) -> list[str]:
    """The labels of the design's own runners, one per environment; none on GitHub's runners."""
    if design.platform.effective != "self-managed-kubernetes":
        return []
    return [runner_label(design, e.name) for e in design.environments]


def deploy_steps(target: Target, settings: Settings) -> list[Step]:
    """The steps that put this commit's images live in one environment (signed in already)."""
    design = target.design
    platform = design.platform.effective
    if design.orchestration.effective in KUBERNETES_ORCHESTRATIONS:
        return _kubernetes(target, settings)
    if platform == "aws-ecs-fargate":
        return _ecs(target, settings)
    if platform == "gcp-cloud-run":
        return _cloud_run(target, settings)
    if platform == "azure-container-apps":
        return _container_apps(target, settings)
    if platform == "fly":
        return _fly(target, settings)
    if platform == "railway":
        return _railway(target, settings)
    return _ssh(target, settings)


def _kubernetes(target: Target, settings: Settings) -> list[Step]:
    design, env = target.design, target.environment
    platform = design.platform.effective
    cluster_default = f"{safe_name(design.app)}-<environment>"
    steps: list[Step] = []
    if platform == "aws-eks":
        cluster = settings.var("EKS_CLUSTER", "EKS cluster name", cluster_default, env)
        steps.append(
            run(
                "Cluster credentials",
                'aws eks update-kubeconfig --name "$CLUSTER"\n',
                env={"CLUSTER": cluster},
            )
        )
    elif platform == "gcp-gke":
        cluster = settings.var("GKE_CLUSTER", "GKE cluster name", cluster_default, env)
        steps.append(_gke_credentials(cluster, settings))
    elif platform == "azure-aks":
        cluster = settings.var("AKS_CLUSTER", "AKS cluster name", cluster_default, env)
        steps.append(_aks_credentials(cluster, _resource_group(design, env, settings)))
    else:
        meaning = "base64 kubeconfig of a deploy service account"
        if platform == "self-managed-kubernetes":
            meaning += "; its server is the private API, which the job's self-hosted runner reaches"
        kubeconfig = settings.secret("KUBECONFIG", meaning)
        script = (
            'printf \'%s\' "$KUBECONFIG_DATA" | base64 -d > "$RUNNER_TEMP/kubeconfig"\n'
            'chmod 600 "$RUNNER_TEMP/kubeconfig"\n'
            'echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"\n'
        )
        steps.append(run("Cluster credentials", script, env={"KUBECONFIG_DATA": kubeconfig}))
    overlay = f"{K8S_DIR}/{env}"
    names: dict[str, str] = {}
    images = " \\\n  ".join(
        f'"${_named(names, "name", u.key, u.image or "")}=${target.images[u.key]}:$GITHUB_SHA"'
        for u in target.units
    )
    script = (
        f"(cd {overlay} && kustomize edit set image \\\n  {images})\n"
        f"kubectl apply -k {overlay}\n"
        f'kubectl kustomize {overlay} > "$RUNNER_TEMP/applied.yaml"\n'
        f"yq '{_WORKLOADS.format(kind='Deployment')}' \"$RUNNER_TEMP/applied.yaml\" |\n"
        "while read -r namespace name; do\n"
        f'  kubectl -n "$namespace" rollout status "deployment/$name" --timeout={ROLLOUT_TIMEOUT}\n'
        "done\n"
    )
    steps.append(
        Note(
            run(f"Deploy to {env}", script, env={**names, **target.image_values}),
            "k8s/base names each image by its bare name; kustomize swaps in the registry path and this "
            "commit's tag, kubectl applies the overlay and waits until every Deployment is rolled out "
            "(readiness probes passing, maxUnavailable 0).",
        )
    )
    if any(s.strategy.effective in ("canary", "blue-green") for _u, s in target.services()):
        steps.append(_wait_for_rollouts())
    return steps


def _gke_credentials(cluster: str, settings: Settings) -> Step:
    script = (
        'where=(--location "$GCP_REGION" --project "$GCP_PROJECT_ID")\n'
        'endpoint=$(gcloud container clusters describe "$CLUSTER" "${where[@]}" --format="value(endpoint)")\n'
        'gcloud container clusters describe "$CLUSTER" "${where[@]}" \\\n'
        '  --format="value(masterAuth.clusterCaCertificate)" | base64 -d > "$RUNNER_TEMP/cluster-ca.crt"\n'
        "token=$(gcloud auth print-access-token)\n"
        'echo "::add-mask::$token"\n'
        'export KUBECONFIG="$RUNNER_TEMP/kubeconfig"\n'
        'kubectl config set-cluster gke --server "https://$endpoint" \\\n'
        '  --certificate-authority "$RUNNER_TEMP/cluster-ca.crt" --embed-certs\n'
        'kubectl config set-credentials deployer --token "$token"\n'
        "kubectl config set-context gke --cluster gke --user deployer\n"
        "kubectl config use-context gke\n"
        'echo "KUBECONFIG=$KUBECONFIG" >> "$GITHUB_ENV"\n'
    )
    return Note(
        run("Cluster credentials", script, env={"CLUSTER": cluster, **_gcp_place(settings)}),
        "The runner's gcloud has no gke-gcloud-auth-plugin: the kubeconfig carries a one-hour access "
        "token instead.",
    )


def _resource_group(design: Design, env: str, settings: Settings) -> str:
    return settings.var(
        "AZURE_RESOURCE_GROUP",
        "resource group of the environment",
        f"{safe_name(design.app)}-<environment>",
        env,
    )


def _aks_credentials(cluster: str, group: str) -> Step:
    script = (
        'az aks get-credentials --resource-group "$RESOURCE_GROUP" --name "$CLUSTER" --overwrite-existing\n'
        "sudo az aks install-cli --only-show-errors  # kubelogin, for clusters with Entra ID sign-in\n"
        "kubelogin convert-kubeconfig -l azurecli\n"
    )
    return run("Cluster credentials", script, env={"CLUSTER": cluster, "RESOURCE_GROUP": group})


_WORKLOADS = 'select(.kind == "{kind}") | (.metadata.namespace // "default") + " " + .metadata.name'
_WAIT_ROLLOUTS = """\
yq '@ROLLOUTS@' "$RUNNER_TEMP/applied.yaml" |
while read -r namespace name; do
  rollout="rollouts.argoproj.io/$name"
  generation=$(kubectl -n "$namespace" get "$rollout" -o jsonpath='{.metadata.generation}')
  deadline=$((SECONDS + 1800))
  while true; do
    observed=$(kubectl -n "$namespace" get "$rollout" -o jsonpath='{.status.observedGeneration}')
    phase=$(kubectl -n "$namespace" get "$rollout" -o jsonpath='{.status.phase}')
    if [ "$observed" = "$generation" ] && [ "$phase" = Healthy ]; then break; fi
    if [ "$phase" = Degraded ]; then
      echo "::error::$name: analysis failed and Argo Rollouts went back to the stable version"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "::error::$name: not promoted after 30 minutes (phase $phase)"
      exit 1
    fi
    sleep 10
  done
done
""".replace("@ROLLOUTS@", _WORKLOADS.format(kind="Rollout"))


def _wait_for_rollouts() -> Step:
    return Note(
        run("Wait for canary and blue-green analysis", _WAIT_ROLLOUTS),
        "Argo Rollouts promotes step by step while the AnalysisTemplate's success-rate and latency "
        "queries pass, and aborts back to the stable version when they fail; this waits for the "
        "verdict (what `kubectl argo rollouts status` reports, without installing the plugin).",
    )


def _unmanaged(target: Target, kind: str, how: str) -> str:
    names = [s.name for _u, s in target.services() if s.kind == kind]
    if not names:
        return ""
    return f" Not deployed here ({', '.join(names)}): {how}."


_ECS_DEPLOY = """\
deploy() {  # ECS service (and its container), image
  current=$(aws ecs describe-services --cluster "$CLUSTER" --services "$1" \\
    --query 'services[0].taskDefinition' --output text)
  aws ecs describe-task-definition --task-definition "$current" --query taskDefinition |
    jq --arg name "$1" --arg image "$2" \\
      '.containerDefinitions |= map(if .name == $name then .image = $image else . end)
       | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
             .registeredAt, .registeredBy)' > "$RUNNER_TEMP/task-definition.json"
  next=$(aws ecs register-task-definition --cli-input-json "file://$RUNNER_TEMP/task-definition.json" \\
    --query taskDefinition.taskDefinitionArn --output text)
  aws ecs update-service --cluster "$CLUSTER" --service "$1" --task-definition "$next" --output none
  aws ecs wait services-stable --cluster "$CLUSTER" --services "$1"
  running=$(aws ecs describe-services --cluster "$CLUSTER" --services "$1" \\
    --query "services[0].deployments[?status=='PRIMARY'].taskDefinition | [0]" --output text)
  if [ "$running" != "$next" ]; then
    echo "::error::$1: the deployment circuit breaker rolled back to $running"
    exit 1
  fi
}
"""


def _ecs(target: Target, settings: Settings) -> list[Step]:
    cluster = settings.var(
        "ECS_CLUSTER", "ECS cluster name", f"{safe_name(target.design.app)}-<environment>", target.environment
    )
    running = [(u, s) for u, s in target.services() if s.kind != "cron"]
    names: dict[str, str] = {}
    script = _ECS_DEPLOY + "".join(
        f'deploy "${_named(names, "service", s.name, safe_name(s.name))}" {target.ref(u)}\n'
        for u, s in running
    )
    note = (
        "Each ECS service gets a new task definition revision with this commit's image; ECS replaces "
        "tasks once the new ones pass their health checks, and its circuit breaker rolls back a "
        "deployment that never gets healthy."
    )
    note += _unmanaged(target, "cron", "point their EventBridge schedule at this image")
    return [
        Note(
            run(
                f"Deploy to {target.environment}",
                script,
                env={"CLUSTER": cluster, **names, **target.image_values},
            ),
            note,
        )
    ]


def _cloud_run(target: Target, settings: Settings) -> list[Step]:
    where = '--region "$GCP_REGION" --project "$GCP_PROJECT_ID" --quiet'
    lines = []
    names: dict[str, str] = {}
    for unit, service in target.services():
        image = f"--image {target.ref(unit)}"
        if service.kind == "cron":
            name = _named(names, "service", service.name, target.name_of(service, 63))
            lines.append(f'gcloud run jobs deploy "${name}" {image} {where}')
        elif service.kind == "worker" or service.port is None:
            name = _named(names, "service", service.name, target.name_of(service, 49))
            lines.append(f'gcloud beta run worker-pools deploy "${name}" {image} {where}')
        else:
            name = _named(names, "service", service.name, target.name_of(service, 49))
            lines.append(f'gcloud run deploy "${name}" {image} {where}')
    env = {**_gcp_place(settings), **names, **target.image_values}
    return [
        Note(
            run(f"Deploy to {target.environment}", "\n".join(lines) + "\n", env=env),
            "A new revision takes traffic only once its startup probe passes. Web services run as "
            "Cloud Run services, workers as worker pools, scheduled tasks as Cloud Run jobs (deploy "
            "creates the ones Terraform does not).",
        )
    ]


def _container_apps(target: Target, settings: Settings) -> list[Step]:
    names: dict[str, str] = {}
    lines = [
        f'az containerapp update --name "${_named(names, "service", s.name, target.name_of(s, 32))}" '
        f'--resource-group "$RESOURCE_GROUP" --image {target.ref(u)} --output none'
        for u, s in target.services()
        if s.kind != "cron"
    ]
    env = {
        "RESOURCE_GROUP": _resource_group(target.design, target.environment, settings),
        **names,
        **target.image_values,
    }
    note = "A new revision gets traffic once its health probes pass; the previous one keeps it until then."
    note += _unmanaged(target, "cron", "point their Container Apps job at this image")
    return [Note(run(f"Deploy to {target.environment}", "\n".join(lines) + "\n", env=env), note)]


_FLY_STRATEGY = {"rolling": "rolling", "canary": "canary", "blue-green": "bluegreen", "recreate": "immediate"}


def _fly(target: Target, settings: Settings) -> list[Step]:
    token = settings.secret("FLY_API_TOKEN", "Fly.io deploy token of the environment's app")
    install = run(
        "Install flyctl",
        'curl -fsSL https://fly.io/install.sh | sh\necho "$HOME/.fly/bin" >> "$GITHUB_PATH"\n',
    )
    steps: list[Step] = [
        Note(
            install,
            "Fly's official installer; superfly/flyctl-actions is not among the actions opsmith pins.",
        )
    ]
    for unit in target.units:
        assert unit.image is not None
        app = repository(target.design, unit, "", target.environment).lstrip("/")
        strategy = _FLY_STRATEGY.get(unit.primary.strategy.effective, "rolling")
        script = (
            f'flyctl deploy --app "$FLY_APP" --image {target.ref(unit)} --strategy {strategy} '
            "--wait-timeout 10m\n"
        )
        env = {"FLY_API_TOKEN": token, "FLY_APP": app, **target.image_values}
        step = run(f"Deploy {app}", script, unit.context, env=env)
        steps.append(
            Note(
                step,
                "Both apps live in one Fly organization: production runs the image pushed to the "
                "staging app's repository, the one staging ran.",
            )
            if target.environment == "production"
            else step
        )
    return steps


def _railway(target: Target, settings: Settings) -> list[Step]:
    token = settings.secret("RAILWAY_TOKEN", "Railway project token of the environment")
    steps: list[Step] = []
    for unit, service in target.services():
        script = (
            f'railway() {{ npx --yes {RAILWAY_CLI} "$@"; }}\n'
            f'railway up --ci --service "$SERVICE" --environment {target.environment}\n'
        )
        env = {"RAILWAY_TOKEN": token, "SERVICE": service.name}
        steps.append(
            Note(
                run(f"Deploy {service.name}", script, unit.context, env=env),
                "Railway's CLI deploys a folder, not an image: Railway builds this same commit's "
                "Dockerfile; the scanned image pushed above is the record of what was released.",
            )
        )
    return steps


def _ssh(target: Target, settings: Settings) -> list[Step]:
    env = {
        "SSH_PRIVATE_KEY": settings.secret("SSH_PRIVATE_KEY", "private key of the deploy user on the server"),
        "SSH_KNOWN_HOSTS": settings.var("SSH_KNOWN_HOSTS", "the server's host key line (`ssh-keyscan HOST`)"),
        "DEPLOY_HOST": settings.var("DEPLOY_HOST", "the server's address"),
        "DEPLOY_USER": settings.var("DEPLOY_USER", "user that runs the application", default=DEPLOY_USER),
        "DEPLOY_PATH": settings.var(
            "DEPLOY_PATH",
            "folder holding compose.yaml on the server",
            default=deploy_path(target.design),
        ),
    }
    # each service's image in this environment's registry (the job's env names it), so the
    # server needs no registry setting of its own; staging and production are literal names
    names: dict[str, str] = {}
    images = "".join(
        f" --image ${_named(names, 'service', service.name, service.name)}"
        f"=${target.images[unit.key]}:$GITHUB_SHA"
        for unit, service in target.services()
        if service.kind in ("web", "worker")
    )
    # the firewall opens port 80 only: HAProxy serves the first web service there
    web = next((s.name for _, s in target.services() if s.kind == "web"), None)
    listen = " --listen $PUBLIC_SERVICE=0.0.0.0:80" if web is not None else ""
    script = (
        "install -d -m 700 ~/.ssh\n"
        "printf '%s\\n' \"$SSH_PRIVATE_KEY\" > ~/.ssh/deploy_key\n"
        "chmod 600 ~/.ssh/deploy_key\n"
        "printf '%s\\n' \"$SSH_KNOWN_HOSTS\" > ~/.ssh/known_hosts\n"
        "# the approved design (gate 1) and compose.yaml as this commit has them; the deploy\n"
        "# settings too when the repository has them (never compose.override.yaml: local only)\n"
        "set -- opsmith.yaml compose.yaml\n"
        'if [ -f .opsmith.toml ]; then set -- "$@" .opsmith.toml; fi\n'
        "scp -i ~/.ssh/deploy_key -o StrictHostKeyChecking=yes \\\n"
        '  "$@" "$DEPLOY_USER@$DEPLOY_HOST:$DEPLOY_PATH/"\n'
        f"{before_deploy(target.design)}"
        'ssh -i ~/.ssh/deploy_key -o StrictHostKeyChecking=yes "$DEPLOY_USER@$DEPLOY_HOST" \\\n'
        f'  "cd $DEPLOY_PATH && opsmith deploy --image-tag $GITHUB_SHA --environment {target.environment}'
        f'{listen}{images}"\n'
    )
    return [
        Note(
            run(
                f"Deploy to {target.environment}",
                script,
                env={**env, **names, **target.image_values, **({"PUBLIC_SERVICE": web} if web else {})},
            ),
            "`opsmith deploy` (opsmith's deploy verb, run on the server) pulls this commit's images, "
            "starts them beside the running ones behind HAProxy, shifts traffic once they are healthy "
            "and switches back by itself if health or error rate fail.",
        )
    ]
