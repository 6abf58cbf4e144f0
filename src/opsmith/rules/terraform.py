"""Terraform rules TF001-TF013."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from opsmith.findings import Problem, Severity
from opsmith.parse.terraform import Block, Expr, TerraformDoc
from opsmith.regex import lazy
from opsmith.rules import terraform_facts as facts
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, parse_error_rule, repo_rule
from opsmith.rules.terraform_ci import ci_files
from opsmith.rules.terraform_fmt import terraform_binary, unformatted
from opsmith.rules.terraform_modules import (
    ENV_NAMES,
    Module,
    ModuleCall,
    TerraformRepo,
    alias_of,
    env_tokens,
    has_version,
    is_env_dir,
    provider_of,
    terraform_repo,
)

FAMILY = "terraform"
_Getter = Callable[[str], Expr | None]  # `block.value` or `object_expr.get`
_BUILTIN_PROVIDERS = frozenset({"terraform"})


def _none_of(missing: list[str]) -> str:
    """`no a and no b`."""
    return " and ".join(f"no {item}" for item in missing)


def _terragrunt_managed(repo: RepoContext, folder: str) -> bool:
    """Terragrunt generates the backend of folders under a terragrunt.hcl."""
    parts = folder.split("/") if folder else []
    return any(
        repo.exists("/".join([*parts[:i], "terragrunt.hcl"]) if i else "terragrunt.hcl")
        for i in range(len(parts) + 1)
    )


@repo_rule(
    "TF001",
    "E",
    FAMILY,
    "Root module keeps its state locally",
    fix='Configure a remote backend, e.g. `backend "s3" { bucket = ..., key = ..., use_lockfile = true, '
    "encrypt = true }`.",
    docs="""
## What it does
Finds every root module (a directory with `.tf` files that configures a backend or a provider, or
has `*.tfvars` beside it, and that no other module calls) and reports those with no `backend` or
`cloud` block in `terraform {}`, or with `backend "local"`. Modules called through a local `source`,
folders under `modules/`, the `examples/` and `tests/` of a module, and folders managed by a
`terragrunt.hcl` (which generates the backend) are not asked for one.

A root module whose own README opens by presenting it as a quickstart, a sample application, a
demo or a tutorial is reported at info: such code is applied once by whoever tries it, and local
state is what its authors intend. The finding stays visible in case the README undersells it.

## Why it matters
Local state lives in `terraform.tfstate` on whoever ran `apply` last. Colleagues and CI cannot see
it, two people can apply at once, the file ends up committed with every secret Terraform stored in
it, and a lost laptop means Terraform forgets what it created.

## Example
```hcl
terraform {
  required_version = ">= 1.6"
}
provider "aws" {
  region = "eu-west-1"
}
```

## Fix
```hcl
terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "shop/production.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = true
  }
}
```
`terraform init -migrate-state` moves existing state into it.

## Equivalent rules
None in checkov or tflint; HashiCorp's recommended practices ask for remote state with locking.
""",
)
def tf001(repo: RepoContext) -> Iterator[Problem]:
    for root in terraform_repo(repo).roots:
        if not root.complete or _terragrunt_managed(repo, root.dir):
            continue
        local = [b for b in root.backends if b.block.type == "backend" and b.block.label == "local"]
        if local:
            yield Problem(
                'state is kept by `backend "local"`: it lives on one machine, unshared and unlocked',
                local[0].block.line,
                path=local[0].path,
            )
        elif not root.backends:
            path, line = root.where()
            name = root.dir or "the repository root"
            message = f"root module `{name}` has no backend, so its state is a local terraform.tfstate file"
            trial = _presented_as_trial(repo, root.dir)
            if trial:
                message += f" (its README presents it as a {trial}: local state may be intended)"
            yield Problem(message, line, path=path, at_most=Severity.INFO if trial else None)


# How a README presents Terraform meant to be applied once to try something, not to run it.
_TRIAL = lazy(
    r"\b(quick ?start|sample app(?:lication)?|demo|tutorial|walkthrough|try it out)\b", re.IGNORECASE
)
_COMMENT = lazy(r"<!--.*?-->", re.DOTALL)


def _presented_as_trial(repo: RepoContext, folder: str) -> str | None:
    """What the root module's own README calls it, when its title or first paragraph calls it a
    quickstart, a sample application, a demo or a tutorial (a mention further down is not how the
    README presents the code)."""
    for name in ("README.md", "README", "readme.md"):
        text = repo.read_text(f"{folder}/{name}" if folder else name)
        if text:
            blocks = [b for b in _COMMENT().sub("", text[:20_000]).split("\n\n") if b.strip()]
            match = _TRIAL().search("\n".join(blocks[:2]))
            return match.group(1).lower() if match else None
    return None


@file_rule(
    "TF002",
    "E",
    FAMILY,
    "S3 backend without locking or encryption",
    fix="Add `use_lockfile = true` (Terraform 1.10+) or `dynamodb_table = ...`, and `encrypt = true`.",
    docs="""
## What it does
Reports an `s3` backend block that has no state locking (neither `use_lockfile = true` nor a
`dynamodb_table`) or does not set `encrypt = true`. A partial configuration without `bucket` (the
settings come from `-backend-config` at `init`) is not judged. The `gcs` and `azurerm` backends
lock and encrypt on their own and are never reported.

## Why it matters
Without a lock, two `apply` runs (two engineers, or CI and a person) can write the state at once
and corrupt it, or each overwrite what the other created. State holds every secret Terraform
manages (database passwords, private keys) in plain text, so it must be encrypted at rest.

## Example
```hcl
backend "s3" {
  bucket = "acme-terraform-state"
  key    = "shop.tfstate"
  region = "eu-west-1"
}
```

## Fix
```hcl
backend "s3" {
  bucket       = "acme-terraform-state"
  key          = "shop.tfstate"
  region       = "eu-west-1"
  use_lockfile = true
  encrypt      = true
}
```

## Equivalent rules
None in checkov or tflint for the backend block itself; checkov CKV_AWS_* checks the state bucket
resource when it is managed in the same code.
""",
)
def tf002(doc: TerraformDoc, ctx: FileContext) -> Iterator[Problem]:
    for settings in doc.settings:
        for backend in settings.of("backend"):
            if backend.label != "s3" or "bucket" not in backend.attributes:
                continue
            missing = []
            use_lockfile = backend.value("use_lockfile")
            if "dynamodb_table" not in backend.attributes and not (use_lockfile and use_lockfile.truthy()):
                missing.append("state locking (`use_lockfile = true` or `dynamodb_table`)")
            encrypt = backend.value("encrypt")
            if not (encrypt and encrypt.truthy()):
                missing.append("`encrypt = true`")
            if missing:
                yield Problem(f"the S3 backend has {_none_of(missing)}", backend.line)


@file_rule(
    "TF003",
    "W",
    FAMILY,
    "Module source not pinned",
    fix='Registry modules: add `version = "x.y.z"`; git sources: end the URL with `?ref=<tag or commit>`.',
    docs="""
## What it does
Reports a `module` block whose source can change under you: a registry module
(`namespace/name/provider`) with no `version`, a git source (`git::`, `git@`, `github.com/...`)
with no `?ref=`, or a `?ref=` naming a branch (`main`, `master`, `develop`, or any ref containing a
`/`). Local paths (`./`, `../`) are part of the repository and always pinned.

## Why it matters
An unpinned module is whatever its author published last. The next `terraform init` on a CI runner
can pull a major release that renames resources, so a plan that looked like a one-line change
suddenly destroys and recreates a database; and two machines can apply different module code.

## Example
```hcl
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
module "dns" {
  source = "git::https://github.com/acme/tf-dns.git?ref=main"
}
```

## Fix
```hcl
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}
module "dns" {
  source = "git::https://github.com/acme/tf-dns.git?ref=v1.4.0"
}
```

## Equivalent rules
checkov CKV_TF_1 (commit hash for git modules) and CKV_TF_2 (tag for registry modules); tflint
`terraform_module_pinned_source` and `terraform_module_version`.
""",
)
def tf003(doc: TerraformDoc, ctx: FileContext) -> Iterator[Problem]:
    for module in doc.of("module"):
        source = module.value("source")
        if source is None or source.string is None:
            continue
        problem = facts.source_problem(source.string, module.value("version"))
        if problem:
            yield Problem(problem, module.line_of("source"))


@repo_rule(
    "TF004",
    "W",
    FAMILY,
    "Provider or Terraform version not constrained",
    fix='Declare each provider in `required_providers` with `version = "~> X.Y"`, and set '
    "`required_version` in the root module.",
    docs="""
## What it does
Reports a `required_providers` entry with no `version` (unless every root module using this module
constrains that provider), a provider that a root module configures or uses with no version
constraint anywhere in the modules it calls, and a root module with no `required_version`.

## Why it matters
Without a constraint, `terraform init` on a fresh machine installs the newest provider, including a
new major version with breaking schema changes; the lock file only helps where it is committed and
kept. Without `required_version`, someone with an older or newer Terraform can upgrade the state
format, after which everyone else's CLI refuses it.

## Example
```hcl
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
```

## Fix
```hcl
terraform {
  required_version = "~> 1.9"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.70" }
  }
}
```

## Equivalent rules
tflint `terraform_required_providers` and `terraform_required_version`; checkov has none.
""",
)
def tf004(repo: RepoContext) -> Iterator[Problem]:
    model = terraform_repo(repo)
    for module in sorted(model.modules.values(), key=lambda m: m.dir):
        constrained = module.versioned_providers()
        for root, _ in model.roots_of(module):
            constrained |= root.versioned_providers()
        for path, entry in module.required_providers:
            if not has_version(entry.value) and entry.name not in constrained:
                yield Problem(
                    f"provider `{entry.name}` has no version constraint: `init` takes its newest release",
                    entry.line,
                    path=path,
                )
    for root in model.roots:
        if not root.complete:
            continue
        if root.setting("required_version") is None:
            path, line = root.where()
            yield Problem(
                "the root module sets no `required_version`, so any Terraform release may run it",
                line,
                path=path,
            )
        yield from _unconstrained_providers(model, root)


def _unconstrained_providers(model: TerraformRepo, root: Module) -> Iterator[Problem]:
    tree = model.tree(root)
    declared = {entry.name for m in tree for _, entry in m.required_providers}
    constrained = {name for m in tree for name in m.versioned_providers()}
    first_use: dict[str, tuple[str, int]] = {}
    for located in root.providers:
        first_use.setdefault(located.block.label, (located.path, located.block.line))
    for located in root.blocks("resource", "data"):
        block = located.block
        if block.label:
            name = provider_of(block.label, block.value("provider"))
            first_use.setdefault(name, (located.path, block.line))
    for name, (path, line) in sorted(first_use.items()):
        if name in constrained or name in declared or name in _BUILTIN_PROVIDERS:
            continue  # a declared entry without a version is reported on the entry itself
        yield Problem(
            f"provider `{name}` is used but not declared in `required_providers`, so no version "
            "constrains it",
            line,
            path=path,
        )


@repo_rule(
    "TF005",
    "W",
    FAMILY,
    "Cloud resource without tags",
    fix="Set `default_tags` in the aws provider (`default_labels` in google), or tag the resource.",
    docs="""
## What it does
Reports AWS, Google Cloud and Azure resources of types that accept tags or labels (a list kept in
`opsmith/data/terraform_taggable.json`: instances, buckets, databases, clusters, load balancers,
queues, ...) that set none, unless the provider configuration they use applies tags to everything:
`default_tags` in the `aws` provider, `default_labels` in the `google` provider. For a module, the
provider blocks of every root module that calls it are checked. AWS and Google resources of a module
no root module in the repository calls are not judged (the caller may set default tags).
`google_sql_database_instance` is checked at `settings.user_labels` and `google_container_cluster`
at `resource_labels`.

## Why it matters
Tags are how a bill is split by team and service, how an orphaned resource is traced to its owner,
how automation (backups, patching, shutdown schedules) selects what to act on, and how an incident
responder finds everything that belongs to a service.

## Example
```hcl
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}
```

## Fix
```hcl
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { Service = "shop", Team = "payments", Environment = "production" }
  }
}
```

## Equivalent rules
tflint's aws ruleset `aws_resource_missing_tags` (with the required tags configured); checkov has
no general "resource is tagged" check (the `yor` tool from the same authors adds tags instead).
""",
)
def tf005(repo: RepoContext) -> Iterator[Problem]:
    model = terraform_repo(repo)
    for module in sorted(model.modules.values(), key=lambda m: m.dir):
        roots = model.roots_of(module)
        for located in module.blocks("resource"):
            block = located.block
            support = facts.tag_support(block.label) if len(block.labels) >= 2 else None
            if support is None or facts.has_tags(block, support.path):
                continue
            if support.default is not None:
                if not roots or all(_covered(root, chain, block, support) for root, chain in roots):
                    continue
                why = f"and the {support.provider} provider it uses sets no `{support.default}`"
            else:
                why = f"({support.provider} has no provider-wide default)"
            yield Problem(
                f"`{block.address}` sets no `{'.'.join(support.path)}` {why}",
                block.line,
                path=located.path,
            )


def _covered(root: Module, chain: list[ModuleCall], resource: Block, support: facts.TagSupport) -> bool:
    """Whether the provider configuration a resource ends up with applies default tags."""
    meta = resource.value("provider")
    name = provider_of(resource.label, meta)
    alias = alias_of(meta)
    if chain:  # in a called module: the first call decides which configuration is passed down
        passed = chain[0].block.value("providers")
        mapped = passed.get(name) if passed is not None else None
        alias = alias_of(mapped) if mapped is not None else None
        name = provider_of(name, mapped) if mapped is not None else name
    return facts.provider_sets_default_tags(root.provider_block(name, alias), support)


@file_rule(
    "TF006",
    "E",
    FAMILY,
    "Secret written in the configuration",
    applies_to="live-credentials",
    fix="Take it from a `sensitive = true` variable with no default, a secret manager data source, "
    "or generate it (`random_password`, `manage_master_user_password`).",
    docs="""
## What it does
Reports a literal secret: a variable whose secret-looking name (password, secret, token, API key,
private key, ...) has a literal `default`; a resource, data, provider, module, output or locals
argument with such a name set to a literal string (also inside objects, e.g. `jsonencode({ password
= "..." })`); an `aws_ssm_parameter` of type `SecureString` with a literal value; and any string
shaped like a credential (cloud access keys, tokens, Slack webhooks, private keys, passwords inside
URLs). Variable files (`terraform.tfvars`, `*.auto.tfvars`, `prod.tfvars`) are read too: a value
given to a secret-named variable there is as committed as a default. References (`var.x`,
`random_password.db.result`, `data.aws_secretsmanager_secret_version...`), function calls
(`file(...)`), empty strings, booleans, placeholders (`replace-me`), file paths and image
references are never reported.

## Why it matters
Whatever is committed is readable by everyone with access to the repository, its forks, CI logs and
backups, forever: rotating the secret is the only remedy. Terraform also writes these values into
state and plan output.

## Example
```hcl
variable "db_password" {
  type    = string
  default = "s3cr3t-Passw0rd"
}
resource "aws_db_instance" "main" {
  password = "s3cr3t-Passw0rd"
}
```

## Fix
```hcl
variable "db_password" {
  type      = string
  sensitive = true
}
resource "aws_db_instance" "main" {
  manage_master_user_password = true
}
```

## Equivalent rules
checkov CKV_SECRET_* (secret scanning) and CKV_AWS_41 (hard-coded AWS keys in the provider); tflint
has none; gitleaks and trufflehog for credential shapes.
""",
)
def tf006(doc: TerraformDoc, ctx: FileContext) -> Iterator[Problem]:
    for block in doc.blocks:
        if block.type == "variable":
            default = block.value("default")
            for hit in facts.secrets_in(block.label, default) if default is not None else ():
                if hit.name == block.label:
                    yield Problem(f"variable `{block.label}` defaults to {hit.what}", hit.line)
                else:
                    yield Problem(f"variable `{block.label}`: {hit.describe()}", hit.line)
        elif block.type in ("resource", "data", "provider", "module", "output", "locals"):
            where = f"{block.type} `{block.address}`" if block.labels else block.type
            for hit in facts.block_secrets(block):
                yield Problem(f"{where}: {hit.describe()}", hit.line)
    for attr in doc.attributes.values():
        for hit in facts.secrets_in(attr.name, attr.value):
            yield Problem(hit.describe(), hit.line)


@repo_rule(
    "TF007",
    "W",
    FAMILY,
    "Staging and production share one root module",
    fix="Give each environment its own root module (environments/staging, environments/production) "
    "calling shared modules, or use one workspace per environment.",
    docs="""
## What it does
Looks at every root module of the repository and reports those that take the environment as an
input (a variable named `environment`, `env`, `stage`, `environment_name`...) when no root module
shows a separation of environments. Any one of these counts as separation: a root module in an
environment folder (`environments/`, `envs/`, `env/`, `live/`, `stages/`, `deployments/`, or a
folder named like `staging`, `prod`, `production`, `dev`, `qa`, `uat`, ...), configuration that reads
`terraform.workspace` (one workspace, hence one state, per environment), or per-environment
variable or backend files (`prod.tfvars`, `envs/staging.tfvars`, `staging.tfbackend`; not
`*.auto.tfvars`, which always load).

A root module with no such variable is not reported: nothing says it serves more than one
environment (a bootstrap of the state bucket, the project's own CI infrastructure, a demo), and
a repository that has only production is a matter for RP002 (deploys without staging), not for
the layout of its state.

## Why it matters
With one state for everything, a change meant for staging is planned and applied against
production in the same run; there is no place to try a risky change first; and the blast radius of
a mistake (or of a corrupted state) is every environment at once.

## Example
```
terraform/
  main.tf        # backend key "shop.tfstate", the only root module
```

## Fix
```
modules/shop/            main.tf, variables.tf, outputs.tf
environments/staging/    main.tf (module "shop" { source = "../../modules/shop" ... }), backend key staging
environments/production/ main.tf, backend key production
```

## Equivalent rules
None in checkov or tflint; HashiCorp's recommended practices and Terragrunt's `live/` layout.
""",
)
def tf007(repo: RepoContext) -> Iterator[Problem]:
    model = terraform_repo(repo)
    roots = model.roots
    env_files = [p for p in repo.files if _is_env_file(p)]
    if not roots or not all(r.complete for r in roots):
        return
    for root in roots:
        if is_env_dir(root.dir) or any(m.uses_workspaces for m in model.tree(root)):
            return
        if any(_under(p, root.dir) for p in env_files):
            return
    for root in roots:
        selector = _environment_variable(root)
        if selector is None:
            continue  # nothing says this root serves more than one environment
        path, line = root.where()
        yield Problem(
            f"root module `{root.dir or '.'}` takes the environment as a variable (`{selector}`) but "
            "keeps every environment in one state: no environment folders, workspaces or "
            "per-environment variable files",
            line,
            path=path,
        )


# Variables that choose the environment a run deploys: their presence says one root module is
# applied for several environments.
_ENV_VARIABLES = frozenset(
    {
        "environment",
        "env",
        "stage",
        "environment_name",
        "env_name",
        "deployment_environment",
        "environment_type",
    }
)


def _environment_variable(root: Module) -> str | None:
    for located in root.blocks("variable"):
        if located.block.label.lower() in _ENV_VARIABLES:
            return located.block.label
    return None


def _is_env_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".auto.tfvars", ".auto.tfvars.json")):
        return False
    if not name.endswith((".tfvars", ".tfvars.json", ".tfbackend", ".hcl")):
        return False
    if name.endswith(".hcl") and "backend" not in name:
        return False
    return bool(env_tokens(path) & ENV_NAMES)


def _under(path: str, folder: str) -> bool:
    return not folder or path.startswith(folder + "/")


def _first_root(repo: RepoContext) -> tuple[str, int] | None:
    roots = terraform_repo(repo).roots
    return roots[0].where() if roots else None


@repo_rule(
    "TF008",
    "W",
    FAMILY,
    "No CI job runs terraform plan",
    fix="Run `terraform init` and `terraform plan` in CI on every pull request that touches Terraform.",
    docs="""
## What it does
When the repository has a Terraform root module, reads every CI configuration as text (GitHub
Actions, GitLab CI, CircleCI, Jenkins, Azure Pipelines, Bitbucket, Buildkite, Drone, Cloud Build,
CodeBuild, Travis, Gitea/Forgejo, and the Makefile targets or scripts they call) and reports when
none runs `terraform plan` (or `tofu plan`, `terragrunt plan`, `terragrunt run-all plan`,
`gitlab-terraform plan`, the dflook or HCP Terraform actions). An `atlantis.yaml` or Spacelift
configuration counts: those services plan every pull request. The finding is placed on the first
root module.

## Why it matters
A plan is the review of an infrastructure change: it shows what will be created, changed and
destroyed before anyone applies it. Without it in CI, reviewers approve HCL without seeing its
effect, syntax and provider errors reach the person running `apply`, and "destroy and recreate
the database" is discovered in production.

## Example
A repository with `terraform/main.tf` whose only workflow runs the application's unit tests.

## Fix
```yaml
on: pull_request
jobs:
  plan:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@<sha>
      - uses: hashicorp/setup-terraform@<sha>
      - run: terraform init -input=false
        working-directory: environments/staging
      - run: terraform plan -input=false -lock-timeout=5m
        working-directory: environments/staging
```

## Equivalent rules
None in checkov or tflint; it is one of HashiCorp's recommended practices.
""",
)
def tf008(repo: RepoContext) -> Iterator[Problem]:
    where = _first_root(repo)
    if where is None or any(ci.plans for ci in ci_files(repo)):
        return
    yield Problem("no CI job runs `terraform plan` on this Terraform code", where[1], path=where[0])


@repo_rule(
    "TF009",
    "I",
    FAMILY,
    "No scheduled drift detection",
    fix="Add a scheduled CI job running `terraform plan -detailed-exitcode` that alerts on exit code 2.",
    docs="""
## What it does
When the repository has a Terraform root module, looks for a CI configuration that both runs on a
schedule (a `schedule:`/`cron` trigger, a GitLab `schedule` pipeline rule, a Jenkins `cron`
trigger) and runs `terraform plan -detailed-exitcode` (or the dflook `terraform-check` action, or
`driftctl scan`), possibly through a Makefile target or script it calls. Reported at info severity
because drift detection may live outside the repository (HCP Terraform, Spacelift).

## Why it matters
Consoles and scripts change infrastructure behind Terraform's back: a security group opened
"temporarily", an instance resized during an incident. Until someone plans again, nobody knows, and
the next unrelated apply silently reverts the hotfix or fails halfway. `-detailed-exitcode` makes
the plan exit with 2 when reality differs from the code, so the job can alert.

## Example
Plans run on pull requests only; the state is never compared with reality between changes.

## Fix
```yaml
on:
  schedule:
    - cron: "0 6 * * 1-5"
jobs:
  drift:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@<sha>
      - uses: hashicorp/setup-terraform@<sha>
      - run: terraform init -input=false && terraform plan -input=false -detailed-exitcode
        working-directory: environments/production
```

## Equivalent rules
None in checkov or tflint; HCP Terraform's drift detection does this as a service, and driftctl
as a command.
""",
)
def tf009(repo: RepoContext) -> Iterator[Problem]:
    where = _first_root(repo)
    if where is None or any(ci.detects_drift for ci in ci_files(repo)):
        return
    yield Problem(
        "no scheduled CI job runs `terraform plan -detailed-exitcode` to detect drift",
        where[1],
        path=where[0],
    )


@file_rule(
    "TF010",
    "I",
    FAMILY,
    "Variable without type or description",
    fix="Give every variable a `type` and a one-line `description`.",
    docs="""
## What it does
Reports a `variable` block with no `type` or no (or an empty) `description`.

## Why it matters
Without a type, any value is accepted and a typo such as `"false"` for a boolean or a string for a
list fails deep inside a resource, or not at all. The description is the module's documentation:
it is what `terraform-docs`, the registry and the next engineer read to know what to pass.

## Example
```hcl
variable "instance_count" {}
```

## Fix
```hcl
variable "instance_count" {
  type        = number
  description = "Number of application instances behind the load balancer."
}
```

## Equivalent rules
tflint `terraform_typed_variables` and `terraform_documented_variables`; checkov has none.
""",
)
def tf010(doc: TerraformDoc, ctx: FileContext) -> Iterator[Problem]:
    for variable in doc.of("variable"):
        missing = []
        if "type" not in variable.attributes:
            missing.append("type")
        description = variable.value("description")
        if description is None or (description.string is not None and not description.string.strip()):
            missing.append("description")
        if missing:
            yield Problem(f"variable `{variable.label}` has {_none_of(missing)}", variable.line)


@file_rule(
    "TF011",
    "E",
    FAMILY,
    "SSH, RDP or a database port open to the internet",
    fix="Allow only known source ranges (a VPN, a bastion, the load balancer's security group); "
    "reach instances through SSM Session Manager, IAP or a bastion.",
    docs="""
## What it does
Reports ingress open to `0.0.0.0/0` or `::/0` that covers SSH (22), RDP (3389) or a database or
cache port (MySQL 3306, PostgreSQL 5432, SQL Server 1433, Oracle 1521, MongoDB 27017, Redis 6379,
Elasticsearch 9200, Redshift 5439, CouchDB 5984, Cassandra 9042, Memcached 11211, etcd 2379,
InfluxDB 8086, CockroachDB 26257), including port ranges and "all traffic" rules that contain
them. Checked: `ingress` blocks of `aws_security_group`, `aws_security_group_rule` of type
`ingress`, `aws_vpc_security_group_ingress_rule`, `google_compute_firewall` (`INGRESS`, `allow`
blocks), `azurerm_network_security_rule` and the `security_rule` blocks of
`azurerm_network_security_group` (`Inbound`, `Allow`, source `*`/`Internet`/`0.0.0.0/0`). Ports or
ranges given by variables are not judged.

## Why it matters
Internet-wide scanners find an open SSH, RDP or database port within minutes and start guessing
passwords or exploiting the service's latest CVE. Databases and caches often have weak or no
authentication (Redis, Elasticsearch, MongoDB) and are a leading cause of data leaks.

## Example
```hcl
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```

## Fix
```hcl
resource "aws_security_group" "db" {
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }
}
```

## Equivalent rules
checkov CKV_AWS_24 (SSH) and CKV_AWS_25 (RDP) for security groups, CKV_GCP_2 and CKV_GCP_3 for
firewalls, CKV_AZURE_9 and CKV_AZURE_10 for network security groups (SSH and RDP only, not database
ports); tflint has none.
""",
)
def tf011(doc: TerraformDoc, ctx: FileContext) -> Iterator[Problem]:
    for resource in doc.resources():
        kind = resource.label
        if kind == "aws_security_group":
            for rule in resource.of("ingress"):
                yield from _aws_ingress(rule.value, rule.line, resource)
            inline = resource.value("ingress")
            if inline is not None and inline.kind == "tuple":
                for item in inline.items:
                    yield from _aws_ingress(item.get, item.line, resource)
        elif kind == "aws_security_group_rule":
            rule_type = resource.value("type")
            if rule_type is not None and rule_type.string == "ingress":
                yield from _aws_ingress(resource.value, resource.line, resource)
        elif kind == "aws_vpc_security_group_ingress_rule":
            yield from _aws_ingress(resource.value, resource.line, resource, ("cidr_ipv4", "cidr_ipv6"))
        elif kind == "google_compute_firewall":
            yield from _gcp_firewall(resource)
        elif kind == "azurerm_network_security_rule":
            yield from _azure_rule(resource, resource)
        elif kind == "azurerm_network_security_group":
            for rule in resource.of("security_rule"):
                yield from _azure_rule(rule, resource)


def _report(resource: Block, line: int, sources: list[str], ports: list[str]) -> Problem:
    shown = ", ".join(ports[:4]) + (f" and {len(ports) - 4} more" if len(ports) > 4 else "")
    return Problem(
        f"`{resource.address}` lets {' and '.join(sorted(set(sources)))} reach {shown}",
        line,
    )


def _aws_ingress(
    get: _Getter,
    line: int,
    resource: Block,
    cidr_keys: tuple[str, ...] = ("cidr_blocks", "ipv6_cidr_blocks"),
) -> Iterator[Problem]:
    sources = facts.open_cidrs(*(get(k) for k in cidr_keys))
    if not sources:
        return
    protocol = get("ip_protocol") if "cidr_ipv4" in cidr_keys else get("protocol")
    span = facts.aws_port_range(protocol, get("from_port"), get("to_port"))
    ports = facts.exposed([span]) if span else []
    if ports:
        yield _report(resource, line, sources, ports)


def _gcp_firewall(resource: Block) -> Iterator[Problem]:
    direction = resource.value("direction")
    disabled = resource.value("disabled")
    if (direction is not None and direction.string not in (None, "INGRESS")) or (
        disabled and disabled.truthy()
    ):
        return
    sources = facts.open_cidrs(resource.value("source_ranges"))
    if not sources:
        return
    ranges: list[tuple[int, int]] = []
    for allow in resource.of("allow"):
        protocol = facts.literal_text(allow.value("protocol")).lower()
        if protocol not in ("tcp", "all", "6"):
            continue
        ports = allow.value("ports")
        ranges.extend(facts.port_ranges(ports.strings()) if ports is not None else [facts.ALL_PORTS])
    exposed = facts.exposed(ranges)
    if exposed:
        yield _report(resource, resource.line, sources, exposed)


def _azure_rule(rule: Block, resource: Block) -> Iterator[Problem]:
    direction = facts.literal_text(rule.value("direction")).lower()
    access = facts.literal_text(rule.value("access")).lower()
    protocol = facts.literal_text(rule.value("protocol")).lower()
    if direction != "inbound" or access != "allow" or protocol not in ("tcp", "*", "asterisk"):
        return
    prefixes = [facts.literal_text(rule.value("source_address_prefix"))]
    prefix_list = rule.value("source_address_prefixes")
    if prefix_list is not None:
        prefixes.extend(prefix_list.strings())
    if not facts.is_azure_any(prefixes):
        return
    specs: list[str] = []
    for key in ("destination_port_range", "destination_port_ranges"):
        value = rule.value(key)
        if value is not None:
            specs.extend(value.strings())
    exposed = facts.exposed(facts.port_ranges(specs))
    if exposed:
        shown = [p for p in prefixes if p] or ["any source"]
        yield _report(resource, rule.line, [f"`{shown[0]}`"], exposed)


@repo_rule(
    "TF013",
    "W",
    FAMILY,
    "File is not formatted with terraform fmt",
    fix="Run `terraform fmt -recursive` and commit the result.",
    docs="""
## What it does
Opt-in (`opsmith audit --terraform-fmt`, or `[terraform] fmt = true` in `.opsmith.toml`): runs
`terraform fmt -check -diff` once over every audited `.tf` file, offline, and reports each file
it would rewrite at the first line that changes. Needs the `terraform` binary on PATH; without it
the check is skipped with a note.

## Why it matters
`terraform fmt` is the one canonical layout. Files that drift from it make every later change
carry unrelated whitespace edits, which hides the real change in review and causes needless merge
conflicts; most teams already enforce it in CI, where an unformatted file fails late.

## Example
```hcl
resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
  force_destroy = false
}
```

## Fix
```hcl
resource "aws_s3_bucket" "assets" {
  bucket        = "shop-assets"
  force_destroy = false
}
```

## Equivalent rules
`terraform fmt -check` itself; tflint and checkov do not check formatting.
""",
)
def tf013(repo: RepoContext) -> Iterator[Problem]:
    if repo.setting("terraform.fmt", False) is not True:
        return
    binary = terraform_binary()
    paths = [p for p, _ in repo.documents(FAMILY)]
    if binary is None or not paths:
        return
    for path, line in sorted(unformatted(repo.root, paths, binary).items()):
        yield Problem("`terraform fmt` would reformat this file", line, path=path)


TF012 = parse_error_rule(
    "TF012",
    FAMILY,
    "Terraform configuration",
    docs="""
## What it does
Reports a `.tf` file that is not valid HCL (an unclosed block or string, a missing value, a stray
character, an attribute defined twice), at the line where reading stopped.

## Why it matters
Terraform refuses to do anything with a module that has a syntax error, so `plan` and `apply` fail
for the whole root module, and no other rule can judge the file.

## Example
```hcl
resource "aws_s3_bucket" "assets" {
  bucket =
}
```

## Fix
Complete or remove the broken construct; `terraform validate` and `terraform fmt` show the same
position.

## Equivalent rules
`terraform validate`; checkov and tflint report files they cannot parse.
""",
)


RULES: tuple[Rule[Any], ...] = (
    tf001,
    tf002,
    tf003,
    tf004,
    tf005,
    tf006,
    tf007,
    tf008,
    tf009,
    tf010,
    tf011,
    TF012,
    tf013,
)
