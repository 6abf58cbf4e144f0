"""docs/runbooks/region-failover.md: what to do when the primary region of a multi-region design
is lost. DNS already stops sending users there (its health checks fail); what is left to people
is making a surviving region's database replica the writer and pointing the application at it.
Every command names the generated resources (through `terraform output`) or the design's names."""

from __future__ import annotations

from opsmith.design.model import Design, Service
from opsmith.generate.artifact import Artifact
from opsmith.generate.kubernetes import namespace
from opsmith.generate.terraform_redundancy import regions

RUNBOOK = "docs/runbooks/region-failover.md"
# the database host in the secret's connection URL, replaced by the promoted replica's
_JQ = """jq --arg host "$HOST" '.DATABASE_URL |= sub("@[^:/]+"; "@" + $host)' secret.json > new.json"""
_ROOT = "terraform/environments/production"


def render(design: Design, cloud: str, databases: list[tuple[str, str]], vault: str) -> Artifact:
    """The runbook; `databases` holds (module name, engine) of each database Terraform creates,
    `vault` the production Key Vault (Azure)."""
    names = regions(design, cloud)
    primary, survivor = names[0], names[1]
    ns = namespace(design, "production")
    restart = [_restart(s, ns) for s in design.services if s.kind in ("web", "worker")]
    out = [
        f"# Region failover: {design.app}",
        "",
        f"Production serves from {', '.join(names)}; **{primary}** is the primary: it holds the"
        " writer database, the registry and the secrets. Every other region runs its own cluster"
        " and cache and a read replica of each database. This page is for the loss of the primary"
        f" region; the commands use **{survivor}** as the surviving region (replace it with the one"
        " you choose: the one with the least replication lag).",
        "",
        "## What happens by itself",
        "",
        "The DNS health checks fail for the lost region within about 90 seconds (three failed checks"
        " 30 seconds apart) and users are answered with the surviving regions. Reads keep working"
        " there; writes fail until a replica is promoted below.",
        "",
        "## Prepare (once, before you need it)",
        "",
        *_prepare(design, cloud, primary, survivor),
        "",
        "## Fail over",
        "",
        "1. Confirm the primary region is down (not one service): the health checks and the"
        " provider's status page agree.",
        "",
        *_block(_health(design, cloud)),
        "2. Read the replicas' names from Terraform (the state is read from the state bucket, which"
        " survives a regional outage when it is replicated; see Prepare).",
        "",
        *_block([f"terraform -chdir={_ROOT} output -json {module}_replicas" for module, _ in databases]),
        "3. Promote each replica in the surviving region to a standalone writer. Writes that had not"
        " reached it before the outage are lost (the replication lag at that moment).",
        "",
        *_block(
            [
                line
                for module, engine in databases
                for line in _promote(design, cloud, module, engine, survivor)
            ]
        ),
        "4. Point the application at the promoted database: replace the database host in the"
        " connection URL (DATABASE_URL; a second database's URL the same way) of the secret the"
        " surviving region reads, then restart the services so they read it.",
        "",
        *_block(_repoint(design, cloud, survivor, restart, vault=vault, engine=databases[0][1])),
        "5. Check: error rate back to normal on the dashboards, and a write through the application"
        " succeeds.",
        "",
        "## Afterwards",
        "",
        f"- Make the surviving region the primary in Terraform: in {_ROOT}/terraform.tfvars put"
        f" {survivor} first in `regions` and in `region`/`location`, move the promoted instance"
        " out of the replica module's state (`terraform state mv`) into the database module's, and"
        " plan until nothing is to be destroyed.",
        f"- When {primary} is back, its old database is stale: delete it and let Terraform create a"
        " replica of the new primary there, then switch back in a quiet hour if you want it as"
        " primary again (the same procedure, planned).",
        "- Write the incident review: detection time, time to promote, writes lost.",
        "",
    ]
    return Artifact(RUNBOOK, "\n".join(out), generator="terraform", implements=("replication", "regions"))


def _secret(design: Design, cloud: str) -> str:
    """The application's secret as the secrets module names it (GCP and Azure allow no '/')."""
    return f"{design.app}/production" if cloud == "aws" else f"{design.app}-production"


def _block(lines: list[str]) -> list[str]:
    return ["   ```sh", *[f"   {line}" for line in lines], "   ```", ""]


def _prepare(design: Design, cloud: str, primary: str, survivor: str) -> list[str]:
    secret = _secret(design, cloud)
    if cloud == "aws":
        return [
            "- Replicate the application's secret to every other region, so the surviving clusters"
            " can still read it (and point External Secrets there):",
            "",
            *_block(
                [
                    f"aws secretsmanager replicate-secret-to-regions --region {primary}"
                    f" --secret-id {secret} --add-replica-regions Region={survivor}"
                ]
            ),
            "- Turn on cross-region replication of the Terraform state bucket (S3 replication to a"
            f" bucket in {survivor}), or keep a recent copy: `terraform state pull > state.json`.",
        ]
    if cloud == "gcp":
        return [
            "- Secret Manager replicates secrets automatically across regions: nothing to do. Keep"
            " the Terraform state bucket multi-regional (`gcloud storage buckets describe gs://BUCKET"
            " --format='value(location)'` shows US, EU or ASIA).",
        ]
    return [
        "- Key Vault keeps a read-only copy in the paired region during an outage; updates need a"
        f" vault in {survivor}: create one and copy the secret beforehand if writes must go on.",
        "- Keep the Terraform state storage account geo-redundant (`az storage account update"
        " --name ACCOUNT --sku Standard_RAGRS`).",
    ]


def _health(design: Design, cloud: str) -> list[str]:
    if cloud == "aws":
        return [
            "aws route53 list-health-checks --output text"
            " --query 'HealthChecks[].[Id,HealthCheckConfig.FullyQualifiedDomainName]'",
            "aws route53 get-health-check-status --health-check-id HEALTH_CHECK_ID",
        ]
    if cloud == "gcp":
        zone = ".".join(_domain(design).split(".")[-2:]).replace(".", "-")
        return ["gcloud compute health-checks list --global", f"gcloud dns record-sets list --zone={zone}"]
    group = f"{design.app}-production"
    return [
        f"az network traffic-manager endpoint list --resource-group {group} --profile-name {group}"
        " --type externalEndpoints -o table"
    ]


def _domain(design: Design) -> str:
    return design.networking.domain or f"{design.app}.example.com"


def _promote(design: Design, cloud: str, module: str, engine: str, survivor: str) -> list[str]:
    replica = f"$(terraform -chdir={_ROOT} output -json {module}_replicas | jq -r '.[\"{survivor}\"]')"
    if cloud == "aws":
        return [
            f"REPLICA={replica}",
            f"aws rds promote-read-replica --region {survivor} --db-instance-identifier $REPLICA",
            f"aws rds wait db-instance-available --region {survivor} --db-instance-identifier $REPLICA",
            # a promoted replica is single-zone: the SLO needs its standby back
            f"aws rds modify-db-instance --region {survivor} --db-instance-identifier $REPLICA"
            " --multi-az --backup-retention-period 14 --apply-immediately",
        ]
    if cloud == "gcp":
        return [
            f"REPLICA={replica}",
            "gcloud sql instances promote-replica $REPLICA --quiet",
            "gcloud sql instances patch $REPLICA --availability-type=REGIONAL --enable-bin-log --quiet"
            if engine == "mysql"
            else "gcloud sql instances patch $REPLICA --availability-type=REGIONAL"
            " --enable-point-in-time-recovery --quiet",
        ]
    group = f"{design.app}-production"
    service = "postgres" if engine == "postgresql" else "mysql"
    promote = (
        f"az postgres flexible-server replica promote --resource-group {group} --name $REPLICA"
        " --promote-mode standalone --promote-option forced"
        if engine == "postgresql"
        else f"az mysql flexible-server replica stop-replication --resource-group {group} --name $REPLICA"
    )
    return [
        f"REPLICA={replica}",
        promote,
        f"az {service} flexible-server update --resource-group {group} --name $REPLICA"
        " --high-availability ZoneRedundant",
    ]


def _restart(service: Service, ns: str) -> str:
    """Restarting a service's pods: Argo Rollouts runs the canary and blue-green ones."""
    if service.strategy.effective in ("canary", "blue-green"):
        return f"kubectl argo rollouts restart {service.name} -n {ns}"
    return f"kubectl -n {ns} rollout restart deployment/{service.name}"


def _repoint(
    design: Design, cloud: str, survivor: str, restart: list[str], *, vault: str, engine: str
) -> list[str]:
    secret = _secret(design, cloud)
    if cloud == "aws":
        return [
            f"HOST=$(aws rds describe-db-instances --region {survivor} --db-instance-identifier $REPLICA"
            " --query 'DBInstances[0].Endpoint.Address' --output text)",
            # the replica of the secret is read-only until it stands alone
            f"aws secretsmanager stop-replication-to-replica --region {survivor} --secret-id {secret}",
            f"aws secretsmanager get-secret-value --region {survivor} --secret-id {secret}"
            " --query SecretString --output text > secret.json",
            _JQ,
            f"aws secretsmanager put-secret-value --region {survivor} --secret-id {secret}"
            " --secret-string file://new.json && rm secret.json new.json",
            f"aws eks update-kubeconfig --region {survivor} --name"
            f" $(terraform -chdir={_ROOT} output -json region_clusters | jq -r '.[\"{survivor}\"]')",
            *restart,
        ]
    if cloud == "gcp":
        return [
            "HOST=$(gcloud sql instances describe $REPLICA --format='value(ipAddresses[0].ipAddress)')",
            f"gcloud secrets versions access latest --secret={secret} > secret.json",
            _JQ,
            f"gcloud secrets versions add {secret} --data-file=new.json && rm secret.json new.json",
            f"gcloud container clusters get-credentials --region {survivor}"
            f" $(terraform -chdir={_ROOT} output -json region_clusters | jq -r '.[\"{survivor}\"]')",
            *restart,
        ]
    group = f"{design.app}-production"
    service = "postgres" if engine == "postgresql" else "mysql"
    return [
        f"HOST=$(az {service} flexible-server show --resource-group {group} --name $REPLICA"
        " --query fullyQualifiedDomainName -o tsv)",
        f"az keyvault secret show --vault-name {vault} --name {secret} --query value -o tsv > secret.json",
        _JQ,
        f"az keyvault secret set --vault-name {vault} --name {secret} --file new.json",
        "rm secret.json new.json",
        f"az aks get-credentials --resource-group {group} --name"
        f" $(terraform -chdir={_ROOT} output -json region_clusters | jq -r '.[\"{survivor}\"]')",
        *restart,
    ]
