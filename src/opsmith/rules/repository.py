"""Repository-wide rules RP001-RP005: judgements no single file can carry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from opsmith.findings import Problem
from opsmith.regex import lazy
from opsmith.rules.base import RepoContext, Rule, repo_rule
from opsmith.rules.repo_facts import build_inputs, code_manifest, has_code

# Every audit runs these rules, so the modules each one needs (workflow graph, secret scanner,
# YAML) are imported where they are needed: a repository without workflows never loads them.
if TYPE_CHECKING:
    from opsmith.parse.workflow import WorkflowDoc
    from opsmith.rules.workflow_graph import WorkflowSet

FAMILY = "repository"
WORKFLOWS = "workflow"

# Patterns for the rarer questions (a project's CI, its rollback notes) are compiled on first use.
# CI systems terraform_ci.ci_paths does not look for.
_MORE_CI = lazy(
    r"^(?:appveyor\.ya?ml|\.appveyor\.ya?ml|\.semaphore/semaphore\.ya?ml|codefresh\.ya?ml|\.cirrus\.ya?ml"
    r"|wercker\.ya?ml|\.tekton/.+\.ya?ml|bamboo-specs/.+|\.harness/.+\.ya?ml|\.gitlab-ci/.+\.ya?ml)$"
)
_DEPLOYABLE = lazy(r"(?:^|/)(?:Dockerfile[^/]*|Containerfile|(?:docker-)?compose[^/]*\.ya?ml|[^/]+\.tf)$")


@repo_rule(
    "RP001",
    "I",
    FAMILY,
    "No CI configuration",
    fix="Add a CI pipeline (e.g. `.github/workflows/ci.yml`) that lints, tests, scans and builds "
    "every change; `opsmith generate` can write one.",
    docs="""
## What it does
Reports a repository that holds code (a project manifest such as `package.json`, `pyproject.toml`,
`go.mod`, `pom.xml`...) but no CI configuration of any kind: GitHub Actions, GitLab CI, CircleCI,
Jenkinsfile, Azure Pipelines, Bitbucket Pipelines, Buildkite, Drone, Woodpecker, Travis, AppVeyor,
Cloud Build, CodeBuild, Semaphore, Tekton and the like. The finding sits on what CI would build (a
Dockerfile, a build manifest), else on the project manifest.

## Why it matters
Without CI every check depends on someone remembering to run it, and every deploy is a manual
sequence of commands on somebody's laptop: no audit trail, no repeatability, and the steps drift
from one person to the next.

## Example
A repository with `package.json`, a `Dockerfile` and a `deploy.sh`, and nothing under `.github/`.

## Fix
Add a pipeline that runs on every push and pull request: lint, test, security scan, build; then
deploy from the pipeline, not from a workstation.

## Equivalent rules
None in hadolint, checkov, zizmor or kube-linter; OpenSSF Scorecard "CI-Tests" is the closest.
""",
)
def rp001(repo: RepoContext) -> Iterator[Problem]:
    if not has_code(repo):
        return  # a folder of loose artifacts is not a project that would have CI
    from opsmith.rules.terraform_ci import ci_paths

    if ci_paths(repo) or any(_MORE_CI().match(p) for p in repo.files):
        return
    anchors = [p for p in repo.files if _DEPLOYABLE().search(p)]
    anchor = build_inputs(repo) or (anchors[0] if anchors else None) or code_manifest(repo)
    if anchor is not None:
        yield Problem(
            "no CI configuration in this repository: checks and deploys depend on someone "
            "running them by hand",
            None,
            path=anchor,
        )


@repo_rule(
    "RP002",
    "W",
    FAMILY,
    "Production deploys with no staging step",
    fix="Deploy every change to a staging environment first (a job with `environment: staging`) and "
    "promote the same artifact to production after it passes.",
    docs="""
## What it does
Looks at every deploy job in the repository's GitHub Actions workflows (recognised as in GA005,
including matrix and input-driven environments and local reusable workflows) and reports, on the
first production deploy, when none of them deploys to a staging-like environment (staging, stage,
pre-production, UAT, QA, test, preview...).
Jobs that deploy to a cluster they start themselves (kind, k3d, minikube) or that are named for
tests are not deploys (see GA005).

## Why it matters
Staging is where a release meets real infrastructure, real configuration and real migrations before
users do. Skipping it means configuration mistakes, broken migrations and missing secrets are found
by production traffic.

## Example
```yaml
jobs:
  deploy:
    environment: production
    steps:
      - run: helm upgrade --install shop ./chart
```

## Fix
```yaml
jobs:
  deploy-staging:
    environment: staging
    steps: [{run: helm upgrade --install shop ./chart -f values-staging.yaml --wait}]
  deploy-production:
    needs: deploy-staging
    environment: production
    steps: [{run: helm upgrade --install shop ./chart -f values-production.yaml --wait}]
```

## Equivalent rules
None in checkov, zizmor, actionlint or kube-linter.
""",
)
def rp002(repo: RepoContext) -> Iterator[Problem]:
    flows = _workflows(repo)
    if flows is None:
        return
    deploys = list(flows.deploys())
    production = [d for d in deploys if d.production]
    if production and not any(d.staging for d in deploys):
        first = production[0]
        yield Problem(
            f"job `{first.job.id}` deploys to production and no workflow deploys to staging first",
            first.job.line,
            path=first.path,
        )


def _workflows(repo: RepoContext) -> WorkflowSet | None:
    """The repository's parsed workflows, linked together; None when it has none."""
    docs = repo.documents(WORKFLOWS)
    if not docs:
        return None
    from opsmith.rules.workflow_graph import WorkflowSet

    return WorkflowSet(docs)


_NOT_SCANNED = re.compile(
    r"(?i)(?:\.(?:example|sample|template|tmpl|dist|defaults)(?:\.[\w-]+)?"
    r"|\.(?:png|jpe?g|gif|ico|webp|bmp|pdf|zip|gz|tgz|bz2|xz|zst|7z|jar|war|class|pyc|whl|so|dll|exe"
    r"|woff2?|ttf|otf|eot|mp[34]|mov|wav|svg|map|min\.js|min\.css|lock|sum)"
    r"|(?:^|/)(?:package-lock\.json|pnpm-lock\.yaml|yarn\.lock|poetry\.lock|uv\.lock|Cargo\.lock"
    r"|composer\.lock|Gemfile\.lock|go\.sum))$"
)
_ENV_FILE = re.compile(r"(?:^|/)(?:\.env(?:\.[\w.-]+)?|[^/]+\.env|\.envrc)$")


@repo_rule(
    "RP003",
    "E",
    FAMILY,
    "Secret committed to the repository",
    applies_to="live-credentials",
    fix="Remove the secret, rotate it now (it is in the history), and load it from a secret store "
    "or an untracked `.env`.",
    docs="""
## What it does
Reads every text file of the repository (one at a time, under the size limit; binary files, lock
files and templates such as `.env.example` are skipped) and reports committed credentials:

- private keys (`-----BEGIN ... PRIVATE KEY-----` with a real key body),
- cloud and service tokens: AWS access key IDs and secret keys, GitHub, GitLab, Slack, Stripe live,
  Google API and npm tokens, Slack webhooks,
- in `.env`-style files, variables named like secrets (PASSWORD, SECRET, TOKEN, API_KEY...) with a
  real value, and passwords inside connection URLs.

The random part of each match must look random (Shannon entropy), and placeholders (`changeme`,
`<your-token>`, `xxxx`, `postgres`, `AKIA...EXAMPLE`) are ignored, so false alarms stay rare. The
secret is shown masked.

In `.env` files the value is judged with its name and the settings beside it: a password that
repeats a user or database name set in the same file (`DB_USER=shop`, `DB_PASSWORD=shop`) or only
spells out its own name (`POSTGRES_ASTRONOMY_PASSWORD=astronomy_password`) is how samples mark a
throwaway, and is passed over like a placeholder. Credentials in a provider's format are reported
whatever surrounds them.

## Why it matters
A secret in a repository is readable by everyone who can clone it, every fork, every CI log that
prints the tree, and it stays in the git history after deletion. Leaked keys are found by scanners
within minutes of a push to a public repository.

## Example
```
# .env
DATABASE_URL=postgresql://shop:Sup3rS3cret!@db:5432/shop
STRIPE_SECRET_KEY=sk_live_...
```

## Fix
Commit a `.env.example` with placeholders, add `.env` to `.gitignore`, inject real values from the
platform's secret store, and rotate whatever was committed.

## Equivalent rules
gitleaks and trufflehog (dedicated scanners); checkov CKV_SECRET_*; GitHub secret scanning.
""",
)
def rp003(repo: RepoContext) -> Iterator[Problem]:
    if not repo.focus:
        return
    from opsmith.secrets.detect import find_leaks
    from opsmith.secrets.masking import mask

    for path in repo.focus:  # a file nobody asked about is not read: its findings would be dropped
        if _NOT_SCANNED.search(path):
            continue
        text = repo.read_text(path)
        if not text:
            continue
        seen: set[tuple[int, str]] = set()
        for leak in find_leaks(text, env_file=bool(_ENV_FILE.search(path))):
            if (leak.line, leak.kind) in seen:
                continue
            seen.add((leak.line, leak.kind))
            shown = f" ({mask(leak.secret)})" if leak.secret else ""
            yield Problem(f"{leak.kind} committed in this file{shown}", leak.line, path=path)


_ROLLBACK_WORDS = lazy(r"(?i)roll(?:ing)?[\s_-]?back|revert(?:ing)?\s+(?:a\s+|the\s+)?(?:deploy|release)")
_MARKDOWN_HEADING = lazy(r"(?m)^(?:#{1,6}\s.*|.+\n(?:=+|-+)\s*)$")
_HEADINGS = {  # how each kind of document marks a heading
    "md": _MARKDOWN_HEADING,
    "markdown": _MARKDOWN_HEADING,
    "adoc": lazy(r"(?m)^=+\s.*$"),
    "rst": lazy(r"(?m)^.+\n([=~^\"'`#*+-])\1{2,}\s*$"),
    "txt": lazy(r"(?m)^.+\n(?:=+|-+)\s*$"),
}
_ROLLBACK_COMMAND = lazy(
    # the words between stop at the next `kubectl`, so each one is read once on a long line
    r"kubectl(?:[ \t]+(?!kubectl\b)\S+)*?[ \t]+rollout[ \t]+undo|helm[ \t]+rollback|opsmith[ \t]+rollback"
    r"|releases:rollback|kubectl[ \t]+argo[ \t]+rollouts[ \t]+(?:undo|abort)"
)
_DOC_FILE = lazy(r"(?i)\.(md|markdown|rst|adoc|txt)$")
_TASK_FILES = ("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", "Taskfile.yml")
_MAX_DOCS = 300


@repo_rule(
    "RP004",
    "W",
    FAMILY,
    "Deploys without a written rollback procedure",
    fix="Write down how to roll back (docs/rollback.md or a README section), or add a rollback "
    "workflow or script, and rehearse it.",
    docs="""
## What it does
When the repository's workflows deploy to production (a deploy whose target is not named as
staging, preview, QA...; an unlabelled one counts as production, as in GA005), looks for a
rollback procedure and reports the first such deploy job when there is none. A repository that
only deploys previews or staging is not judged: those are replaced by the next run.
Any of these counts: a file whose name mentions rollback
(`docs/rollback.md`, `scripts/rollback.sh`, `.github/workflows/rollback.yml`), a heading about
rolling back in the README or another document, a document that gives the rollback command
(`kubectl rollout undo`, `helm rollback`, `opsmith rollback`), a `rollback` target in a Makefile or
justfile, or a workflow step that rolls back (`kubectl rollout undo`, `helm rollback`,
`helm upgrade --atomic`, `opsmith rollback`).
Jobs that deploy to a cluster they start themselves (kind, k3d, minikube) or that are named for
tests are not deploys (see GA005): nothing of theirs outlives the run.

## Why it matters
A bad release is an incident clock running. Working out under pressure which image was live before,
which command reverts it and what to do about the migration that already ran is how a five-minute
rollback becomes an hour of downtime.

## Example
A repository whose workflow runs `kubectl apply` on every push to main, with no rollback notes.

## Fix
```markdown
## Rolling back
1. Find the previous image: `kubectl rollout history deployment/shop`
2. `kubectl rollout undo deployment/shop` (or re-run the deploy workflow with the previous SHA)
3. Migrations are forward-only and backward compatible: no schema rollback needed.
```

## Equivalent rules
None in checkov, zizmor, actionlint or kube-linter.
""",
)
def rp004(repo: RepoContext) -> Iterator[Problem]:
    flows = _workflows(repo)
    if flows is None:
        return
    deploy = next((d for d in flows.deploys() if d.production), None)
    if deploy is None or _rollback_written(repo, flows):
        return
    yield Problem(
        f"job `{deploy.job.id}` deploys to production, but no rollback procedure is written down "
        "anywhere in the repository",
        deploy.job.line,
        path=deploy.path,
    )


def _rollback_written(repo: RepoContext, flows: WorkflowSet) -> bool:
    if any(_ROLLBACK_WORDS().search(p.rsplit("/", 1)[-1]) for p in repo.files):
        return True
    if any(_rolls_back(doc) for _path, doc in flows.docs):
        return True
    for name in _TASK_FILES:
        text = repo.read_text(name) if repo.exists(name) else None
        if text and re.search(r"(?m)^rollback[\w-]*\s*:", text):
            return True
    docs = [(p, m.group(1).lower()) for p in repo.files if (m := _DOC_FILE().search(p))][:_MAX_DOCS]
    for path, kind in docs:
        text = repo.read_text(path) or ""
        if _ROLLBACK_COMMAND().search(text):
            return True
        if _ROLLBACK_WORDS().search(text) and any(
            _ROLLBACK_WORDS().search(h.group(0)) for h in _HEADINGS[kind]().finditer(text)
        ):
            return True
    return False


def _rolls_back(doc: WorkflowDoc) -> bool:
    from opsmith.rules.workflow_graph import ROLLBACK, job_facts, step_commands

    if _ROLLBACK_WORDS().search(doc.name or ""):
        return True
    for job in doc.jobs:
        if ROLLBACK in job_facts(job).kinds or _ROLLBACK_WORDS().search(f"{job.id} {job.name or ''}"):
            return True
        for step in job.steps:
            for cmd in step_commands(step):
                if cmd.program == "helm" and (
                    "--atomic" in cmd.words or "--rollback-on-failure" in cmd.words
                ):
                    return True
    return False


_PROMETHEUS_FILE = re.compile(r"(?i)(?:^|/)(?:[^/]*prometheus[^/]*\.ya?ml|prometheus/[^/]+\.ya?ml)$")
# A configuration named as an example or sample shows how to scrape, not what is deployed.
_EXAMPLE_NAME = re.compile(r"(?i)(?:example|sample)[^/]*$")


@repo_rule(
    "RP005",
    "W",
    FAMILY,
    "Monitoring without alerting",
    fix="Load alert rules (`rule_files:`) and send alerts to an Alertmanager "
    "(`alerting: {alertmanagers: [...]}`) that routes them to people.",
    docs="""
## What it does
Finds Prometheus server configurations (a YAML file named like `prometheus.yml` with
`scrape_configs`) and reports those that load no rule files, or that send alerts to no Alertmanager.
Configurations named as examples (`*example*`, `*sample*`) are skipped: they show how to scrape,
not what runs; so is Prometheus's getting-started configuration that only scrapes its own port,
which monitors no service yet. Under example, documentation and test folders the finding is info, like every
production-only rule there.

## Why it matters
Metrics that nobody is alerted on are only read after users have already complained. Prometheus
evaluates alerts only from rule files, and only an Alertmanager turns a firing alert into a page, a
message or a ticket: without both, an outage is silent.

## Example
```yaml
scrape_configs:
  - job_name: shop
    static_configs: [{targets: ["api:3000"]}]
```

## Fix
```yaml
rule_files: ["rules/*.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["alertmanager:9093"]}]
scrape_configs: [...]
```

## Equivalent rules
None in promtool (it checks syntax, not coverage) or pint; the PM family checks the alert rules
themselves.
""",
)
def rp005(repo: RepoContext) -> Iterator[Problem]:
    for path in repo.files:
        if not _PROMETHEUS_FILE.search(path) or _EXAMPLE_NAME.search(path):
            continue
        text = repo.read_text(path) or ""
        if "scrape_configs" not in text:
            continue
        from opsmith.parse.yaml_tree import load_documents

        docs = load_documents(text)
        if isinstance(docs, list):
            for doc in docs:
                problem = _alerting_gap(doc)
                if problem is not None:
                    yield Problem(problem[0], problem[1], path=path)


_SELF_TARGET = re.compile(r"^(?:localhost|127\.0\.0\.1|prometheus|\[::1\]):9090$")


def _scrapes_only_itself(doc: Any) -> bool:
    """The getting-started configuration: Prometheus scraping its own port and nothing else, so
    there is no service to alert on yet."""
    jobs = doc.get("scrape_configs")
    if not isinstance(jobs, list) or not jobs:
        return False
    for job in jobs:
        if not isinstance(job, dict) or any(str(k).endswith("_sd_configs") for k in job):
            return False
        statics = job.get("static_configs") or []
        targets = [t for c in statics if isinstance(c, dict) for t in c.get("targets") or []]
        if not targets or not all(isinstance(t, str) and _SELF_TARGET.match(t) for t in targets):
            return False
    return True


def _alerting_gap(doc: object) -> tuple[str, int] | None:
    from opsmith.parse.yaml_tree import YMap

    if not isinstance(doc, YMap) or "scrape_configs" not in doc or _scrapes_only_itself(doc):
        return None
    missing = []
    if not doc.get("rule_files"):
        missing.append("loads no rule files")
    alerting = doc.get("alerting")
    managers = alerting.get("alertmanagers") if isinstance(alerting, YMap) else None
    if not managers:
        missing.append("sends alerts to no Alertmanager")
    if not missing:
        return None
    return (
        f"Prometheus scrapes metrics but {' and '.join(missing)}: problems will not reach anyone",
        doc.key_line("scrape_configs"),
    )


RULES: tuple[Rule[object], ...] = (rp001, rp002, rp003, rp004, rp005)
