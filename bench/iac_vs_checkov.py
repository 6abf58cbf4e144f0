"""opsmith vs checkov on the same Kubernetes manifests and Terraform files, in the same run.

    python bench/iac_vs_checkov.py [--files 50] [--runs 3] [--checkov PATH] [--terraform-only]

Builds a corpus of realistic infrastructure code in a temporary folder: half Terraform (root
modules per environment calling shared modules, with the usual mistakes), half Kubernetes
manifests (Deployments, Services, Ingresses, CronJobs, StatefulSets, ...). Then times one
`opsmith audit` process and one `checkov --skip-download --framework kubernetes,terraform -d DIR
--quiet --compact` process over the same folder (best of N runs each) and prints the file count,
both wall times, both CPU times (steadier than wall time on a busy machine) and the ratios. It
asserts nothing.

When opsmith has no Kubernetes family registered yet, the corpus is Terraform only, and the output
says so.

checkov is NOT installed in opsmith's own environment: it depends on `bc-python-hcl2`, a fork that
installs a top-level `hcl2` package over python-hcl2's, which would break opsmith's Terraform
parser. Give its path with `--checkov` or the CHECKOV environment variable, or let this script
create a separate virtual environment for it (~/.cache/opsmith/checkov-venv, `pip install
'checkov>=3.2'`) with `--install-checkov`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import opsmith_argv

CHECKOV_VENV = Path.home() / ".cache" / "opsmith" / "checkov-venv"

# --- Terraform ---------------------------------------------------------------------------------

MODULE_MAIN = {
    "network": """terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = ">= 5.40"
    }}
  }}
}}

resource "aws_vpc" "this" {{
  cidr_block           = var.cidr_block
  enable_dns_hostnames = true
}}

resource "aws_subnet" "private" {{
  count             = length(var.private_subnets)
  vpc_id            = aws_vpc.this.id
  cidr_block        = var.private_subnets[count.index]
  availability_zone = var.azs[count.index]
}}

resource "aws_security_group" "bastion" {{
  name   = "${{var.name}}-bastion{n}"
  vpc_id = aws_vpc.this.id

  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
""",
    "app": """resource "aws_ecs_cluster" "this" {{
  name = var.name
}}

resource "aws_ecs_task_definition" "app" {{
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  cpu                      = 512
  memory                   = 1024
  network_mode             = "awsvpc"
  container_definitions = jsonencode([{{
    name  = "app"
    image = "ghcr.io/acme/shop:{n}.4.2"
    environment = [
      {{ name = "DATABASE_URL", value = "postgres://shop:hunter2{n}@db.internal:5432/shop" }},
    ]
  }}])
}}

resource "aws_lb" "this" {{
  name               = var.name
  load_balancer_type = "application"
  subnets            = var.subnet_ids
}}

module "alarms" {{
  source = "git::https://github.com/acme/terraform-aws-alarms.git?ref=main"
  name   = var.name
}}
""",
    "db": """resource "random_password" "db" {{
  length  = 32
  special = false
}}

resource "aws_db_instance" "main" {{
  identifier          = var.name
  engine              = "postgres"
  engine_version      = "16.{n}"
  instance_class      = "db.t4g.medium"
  allocated_storage   = 50
  username            = "shop"
  password            = random_password.db.result
  storage_encrypted   = true
  skip_final_snapshot = false
}}

resource "aws_security_group" "db" {{
  name = "${{var.name}}-db"

  ingress {{
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
}}
""",
    "cache": """resource "aws_elasticache_replication_group" "this" {{
  replication_group_id       = var.name
  description                = "sessions {n}"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  auth_token                 = "s3ssion-t0ken-{n}-abcdef"
}}
""",
    "queue": """resource "aws_sqs_queue" "dead" {{
  name = "${{var.name}}-dead"
}}

resource "aws_sqs_queue" "jobs" {{
  name                       = var.name
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dead.arn
    maxReceiveCount     = {n}
  }})
}}
""",
}

VARIABLES = """variable "name" {{
  type        = string
  description = "Name prefix of module {n}."
}}

variable "cidr_block" {{
  type    = string
  default = "10.{n}.0.0/16"
}}

variable "private_subnets" {{
  type        = list(string)
  description = "Private subnet CIDRs."
  default     = []
}}

variable "azs" {{
  description = "Availability zones."
  default     = ["eu-west-1a", "eu-west-1b"]
}}

variable "subnet_ids" {{
  type        = list(string)
  description = "Subnets of the load balancer."
  default     = []
}}
"""

OUTPUTS = """output "name" {{
  description = "Name of module {n}."
  value       = var.name
}}
"""

ENV_MAIN = """terraform {{
  required_version = "~> 1.9"

  backend "s3" {{
    bucket = "acme-terraform-state"
    key    = "shop/{env}.tfstate"
    region = "eu-west-1"
  }}

  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

module "network" {{
  source = "../../modules/network"
  name   = "shop-{env}"
}}

module "app" {{
  source = "../../modules/app"
  name   = "shop-{env}"
}}

module "db" {{
  source = "../../modules/db"
  name   = "shop-{env}"
}}

module "vpc_endpoints" {{
  source = "terraform-aws-modules/vpc/aws//modules/vpc-endpoints"
}}

resource "aws_s3_bucket" "assets" {{
  bucket = "acme-shop-{env}-assets"
}}
"""


def terraform_files(count: int) -> dict[str, str]:
    """Whole repositories (modules first, then the environments calling them), cut at `count`."""
    ordered: list[tuple[str, str]] = []
    n = 0
    while len(ordered) < count:
        n += 1
        for module, body in MODULE_MAIN.items():
            ordered.append((f"infra{n}/modules/{module}/main.tf", body.format(n=n)))
            ordered.append((f"infra{n}/modules/{module}/variables.tf", VARIABLES.format(n=n)))
        for env in ("staging", "production"):
            ordered.append((f"infra{n}/environments/{env}/main.tf", ENV_MAIN.format(env=env)))
        for module in MODULE_MAIN:
            ordered.append((f"infra{n}/modules/{module}/outputs.tf", OUTPUTS.format(n=n)))
        for env in ("staging", "production"):
            ordered.append((f"infra{n}/environments/{env}/variables.tf", VARIABLES.format(n=n)))
    return dict(ordered[:count])


# --- Kubernetes --------------------------------------------------------------------------------

K8S = [
    """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-{n}
  namespace: shop
  labels: {{app: api-{n}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: api-{n}}}
  template:
    metadata:
      labels: {{app: api-{n}}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.{n}.0
          ports: [{{containerPort: 8080}}]
          env:
            - name: DB_PASSWORD
              value: hunter2-{n}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
""",
    """apiVersion: v1
kind: Service
metadata:
  name: api-{n}
  namespace: shop
spec:
  type: LoadBalancer
  selector: {{app: api-{n}}}
  ports:
    - port: 80
      targetPort: 8080
""",
    """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-{n}
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
    - host: shop{n}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api-{n}
                port: {{number: 80}}
""",
    """apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-{n}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: ghcr.io/acme/report:latest
              args: ["--since", "24h"]
""",
    """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis-{n}
  namespace: shop
spec:
  serviceName: redis-{n}
  replicas: 1
  selector:
    matchLabels: {{app: redis-{n}}}
  template:
    metadata:
      labels: {{app: redis-{n}}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 999
      containers:
        - name: redis
          image: redis:7.4.{n}
          ports: [{{containerPort: 6379}}]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          readinessProbe:
            tcpSocket: {{port: 6379}}
          livenessProbe:
            tcpSocket: {{port: 6379}}
  volumeClaimTemplates:
    - metadata: {{name: data}}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {{requests: {{storage: 1Gi}}}}
""",
]


def kubernetes_files(count: int) -> dict[str, str]:
    files: dict[str, str] = {}
    n = 0
    while len(files) < count:
        for i, template in enumerate(K8S):
            files[f"k8s/app{n}/{i}-{template.split('kind: ')[1].split()[0].lower()}.yaml"] = template.format(
                n=n
            )
        n += 1
    return dict(sorted(files.items())[:count])


def kubernetes_registered() -> bool:
    from opsmith.audit.families import BY_NAME

    return "kubernetes" in BY_NAME


# --- timing -------------------------------------------------------------------------------------


def best_times(argv: list[str], runs: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `runs` runs. CPU time (user + system of the child) is
    what the tool itself costs; it moves much less than wall time when the machine is busy."""
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


# --- checkov ------------------------------------------------------------------------------------


def find_checkov(explicit: str | None, install: bool) -> str:
    for candidate in (explicit, os.environ.get("CHECKOV"), str(CHECKOV_VENV / "bin" / "checkov")):
        if candidate and Path(candidate).exists():
            return candidate
    on_path = shutil.which("checkov")
    if on_path and Path(on_path).parent != Path(sys.executable).parent:
        return on_path
    if not install:
        sys.exit(
            "checkov not found: pass --checkov PATH, set CHECKOV, or rerun with --install-checkov to "
            f"create {CHECKOV_VENV} (checkov must not share opsmith's environment, see the docstring)"
        )
    print(f"installing checkov into {CHECKOV_VENV} ...", flush=True)
    venv.create(CHECKOV_VENV, with_pip=True)
    subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "checkov>=3.2"], check=True)
    return str(CHECKOV_VENV / "bin" / "checkov")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkov", help="path to a checkov executable")
    parser.add_argument("--install-checkov", action="store_true", help=f"create {CHECKOV_VENV} if needed")
    parser.add_argument("--terraform-only", action="store_true", help="a corpus of Terraform files only")
    args = parser.parse_args()
    checkov = find_checkov(args.checkov, args.install_checkov)
    with_k8s = kubernetes_registered() and not args.terraform_only
    tf_count = args.files // 2 if with_k8s else args.files
    files = terraform_files(tf_count)
    if with_k8s:
        files.update(kubernetes_files(args.files - tf_count))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        frameworks = "kubernetes,terraform" if with_k8s else "terraform"
        ours_argv = opsmith_argv("audit", str(root), "--format", "json", "--fail-on", "never")
        theirs_argv = [
            checkov,
            "--skip-download",
            "--framework",
            "kubernetes,terraform",
            "-d",
            str(root),
            "--quiet",
            "--compact",
        ]
        check = subprocess.run(ours_argv, capture_output=True, text=True, check=False)
        if check.returncode != 0:
            sys.exit(f"opsmith failed: {check.stderr.strip()[-400:]}")
        ours, ours_cpu = best_times(ours_argv, args.runs)
        theirs, theirs_cpu = best_times(theirs_argv, args.runs)
    tf = sum(1 for p in files if p.endswith(".tf"))
    k8s = len(files) - tf
    print(
        f"corpus: {len(files)} files ({tf} Terraform, {k8s} Kubernetes manifests); frameworks: {frameworks}"
    )
    if not with_k8s and not args.terraform_only:
        print("note: opsmith has no Kubernetes family registered yet: Terraform only")
    print(f"{'tool':<10} {'wall s':>8} {'CPU s':>8}   (best of {args.runs})")
    print(f"{'opsmith':<10} {ours:>8.3f} {ours_cpu:>8.3f}")
    print(f"{'checkov':<10} {theirs:>8.3f} {theirs_cpu:>8.3f}")
    print(f"speed-up: {theirs / ours:.1f}x wall, {theirs_cpu / ours_cpu:.1f}x CPU (target: at least 15x)")


if __name__ == "__main__":
    main()
