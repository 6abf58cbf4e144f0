"""docs/rollback.md: how to undo a release on the design's platform, written before the first
deploy (the seed's rule: no rollback plan, no deploy)."""

from __future__ import annotations

from opsmith.design.model import Design
from opsmith.generate.artifact import Artifact
from opsmith.generate.specs import image_name

# Per orchestration: (what rolls back on its own, the manual steps as shell lines).
_PLATFORM: dict[str, tuple[str, list[str]]] = {
    "compose": (
        "`opsmith deploy` starts the new release beside the stable one behind HAProxy and moves traffic "
        "by the service's strategy through HAProxy's runtime API. A release that never passes its health "
        "check gets no request; one whose success rate or latency fails the analysis is stopped and every "
        "request goes back to the stable release by itself (the deploy then exits 1).",
        [
            "cd /srv/{app}   # on the server, where the deploy workflow runs opsmith",
            "opsmith status                       # what serves now, and any deploy in progress",
            "opsmith history                      # every deploy with its steps and analyses",
            "opsmith rollback                     # back to the previous good release (instant if warm)",
            "opsmith rollback --to <release-id>   # or to a release `opsmith history` lists",
            "opsmith deploy --resume              # finish or undo a deploy whose controller stopped",
        ],
    ),
    "fly": (
        "Fly.io keeps the previous release running until the new one passes its health check; "
        "a release that never becomes healthy is not promoted.",
        [
            "fly releases --app {app}             # find the last good image",
            "fly deploy --app {app} --image <registry>/{image}:<previous-sha>",
        ],
    ),
    "railway": (
        "Railway keeps the previous deployment serving until the new one passes its health check; "
        "a deployment that never becomes healthy does not take traffic.",
        [
            "git switch --detach <previous-sha>   # the last good commit (the deploy workflow's history)",
            "railway up --ci --service <service> --environment production   # Railway builds and runs it",
            "# or in Railway's dashboard: the service's Deployments, the previous deployment, Rollback",
        ],
    ),
    "ecs": (
        "The ECS deployment circuit breaker (with rollback enabled) returns the service to the last "
        "steady task definition when new tasks keep failing their health checks.",
        [
            "aws ecs describe-services --cluster <cluster> --services <service>",
            "aws ecs update-service --cluster <cluster> --service <service> "
            "--task-definition <family>:<previous-revision>",
        ],
    ),
    "cloud-run": (
        "A revision that fails its startup probe never receives traffic; the previous revision keeps it.",
        [
            "gcloud run revisions list --service <service> --region <region>",
            "gcloud run services update-traffic <service> --region <region> \\\n"
            "  --to-revisions <previous-revision>=100",
        ],
    ),
    "container-apps": (
        "A revision that fails its health probes is not activated; the previous revision keeps traffic.",
        [
            "az containerapp revision list --name <app> --resource-group <rg> -o table",
            "az containerapp ingress traffic set --name <app> --resource-group <rg> "
            "--revision-weight <previous-revision>=100",
        ],
    ),
    "kubernetes": (
        "Rolling updates only proceed while new pods pass their readiness probes (maxUnavailable 0). "
        "Canary and blue-green services run as Argo Rollouts: the AnalysisTemplate queries success rate "
        "and p95 latency during each step, and a failed analysis aborts the rollout back to the stable "
        "version without anyone acting.",
        [
            "kubectl -n {app} rollout history deployment/<service>",
            "kubectl -n {app} rollout undo deployment/<service>            # rolling services",
            "kubectl argo rollouts -n {app} abort <service>                # canary / blue-green in progress",
            "kubectl argo rollouts -n {app} undo <service>                 # after promotion",
            "kubectl -n {app} rollout status deployment/<service> --timeout=5m",
        ],
    ),
}
_PLATFORM["kubernetes-mesh"] = _PLATFORM["kubernetes"]

_SECRETS = {
    "aws-secrets-manager": "aws secretsmanager update-secret-version-stage --secret-id <name> "
    "--version-stage AWSCURRENT --move-to-version-id <previous-version-id>",
    "gcp-secret-manager": "gcloud secrets versions disable <bad-version> --secret <name>   "
    "# services reading `latest` fall back to the previous enabled version",
    "azure-key-vault": "az keyvault secret set-attributes --vault-name <vault> --name <name> "
    "--version <bad-version> --enabled false",
    "fly-secrets": "fly secrets set --app {app} NAME=<previous value from your password manager>",
    "railway-variables": "railway variables --set NAME=<previous value>   # then redeploy the service",
}


def render_rollback(design: Design) -> str:
    orchestration = design.orchestration.effective
    platform = design.platform.effective
    key = platform if platform in ("fly", "railway") else orchestration
    automatic, manual = _PLATFORM.get(key, _PLATFORM["compose"])
    app = design.app
    image = image_name(design, design.services[0]) if design.services else app
    secret_cmd = _SECRETS.get(design.secrets.effective, "restore the previous value in your secret store")
    services = ", ".join(f"`{s.name}`" for s in design.services) or "the services"
    lines = [
        f"# Rolling back {app}",
        "",
        "Generated by opsmith from the approved design. Keep it next to the code and rehearse it: a",
        "rollback procedure nobody has run is a hope, not a plan.",
        "",
        f"Platform: **{design.platform.effective}** ({orchestration}). Services: {services}.",
        "Every image is tagged with the commit SHA it was built from, so any earlier release can be",
        "redeployed exactly; the deploy workflow's run history lists which SHA each environment runs.",
        "",
        "## 1. Automatic rollback",
        "",
        automatic,
        "",
        "## 2. Manual rollback of the application",
        "",
        "Decide within minutes, not hours: if error rate or latency rose with the release, roll back first",
        "and investigate afterwards.",
        "",
        "```sh",
        *[line.format(app=app, image=image) for line in manual],
        "```",
        "",
        "Then confirm: the health endpoint answers, the error-rate and latency alerts resolve, and the",
        "deploy workflow is blocked (or the commit reverted) so the bad version is not redeployed.",
        "",
        "## 3. Database",
        "",
        "Migrations are forward-only and backward compatible (expand, migrate, contract), so the previous",
        "application version runs against the new schema and an application rollback needs no database",
        "change. Never roll back by running a destructive down migration in production. If a migration",
        "itself is wrong, write a new forward migration that repairs it. Restoring a backup is the last",
        "resort: it loses every write since the backup, so it needs the incident lead's decision.",
        "",
        "## 4. Configuration and secrets",
        "",
        "Configuration lives with the code and rolls back with the release. Secrets are versioned in",
        f"**{design.secrets.effective}**; to return to the previous version:",
        "",
        "```sh",
        secret_cmd.format(app=app),
        "```",
        "",
        "Restart or redeploy the affected services so they read it.",
        "",
        "## 5. Afterwards",
        "",
        "- Write down what happened, when the rollback started and ended, and what users saw.",
        "- Add a test or an alert that would have caught the failure before users did.",
        "- Redeploy the fix through staging like any other release.",
        "",
    ]
    return "\n".join(lines)


def render(design: Design) -> list[Artifact]:
    return [Artifact("docs/rollback.md", render_rollback(design), generator="rollback")]
