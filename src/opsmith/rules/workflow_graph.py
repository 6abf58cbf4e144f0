"""What the jobs of GitHub Actions workflows do, and how they depend on each other.

A job is classified from its steps: the commands of its `run:` scripts (read with
`opsmith.parse.shell`) and the actions it `uses:`. Kinds: test, scan (security), lint, build,
push (a container image), deploy and rollback. A deploy is aimed at production or staging according
to its environment, its names and the words of its deploy commands; an unlabelled deploy counts as
production. `WorkflowSet` links the workflows of a repository: `needs` inside one workflow, local
reusable workflows with their callers, and `workflow_run` chains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from opsmith.parse.shell import Command, commands
from opsmith.parse.workflow import Job, Step, WorkflowDoc
from opsmith.parse.workflow_expr import find_expressions
from opsmith.parse.yaml_tree import YSeq

TEST, SCAN, LINT, BUILD, PUSH, DEPLOY, ROLLBACK = (
    "test",
    "scan",
    "lint",
    "build",
    "push",
    "deploy",
    "rollback",
)
PUBLISH = "publish"  # a package or release published to a registry: not a deploy of a service
PRODUCTION, STAGING = "production", "staging"
GATES = (TEST, SCAN)

# --- commands ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"__opsmith_expr_(\d+)__")
# Runners that start another tool: `npx eslint`, `uv run pytest`, `bundle exec rspec`.
_RUNNERS: dict[str, tuple[str, ...]] = {
    "npx": (),
    "bunx": (),
    "pnpx": (),
    "uvx": (),
    "pipx": ("run",),
    "uv": ("run",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "pdm": ("run",),
    "hatch": ("run",),
    "rye": ("run",),
    "bundle": ("exec",),
    "pnpm": ("exec", "dlx"),
    "yarn": ("dlx", "exec"),
    "npm": ("exec",),
    "go": ("run",),
    "dotnet": ("tool", "run"),
}
_PACKAGE_SCRIPTS = frozenset({"npm", "pnpm", "yarn", "bun"})
_TASK_RUNNERS = frozenset({"make", "just", "task", "invoke", "inv", "rake", "mage", "nox", "tox"})
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "source", ".", "python", "python3", "node", "ruby", "pwsh"})
_SSH_VALUE_FLAGS = frozenset("BbcDEeFIiJLlmOopQRSWw")


@cache
def script_commands(script: str) -> tuple[Command, ...]:
    """The simple commands of a `run:` script; `${{ ... }}` expressions stay whole words."""
    found = find_expressions(script)
    parts: list[str] = []
    last = 0
    for index, expr in enumerate(found):
        parts.extend((script[last : expr.start], f"__opsmith_expr_{index}__"))
        last = expr.end
    parts.append(script[last:])
    parsed = commands("".join(parts)) or []
    texts = [script[e.start : e.end] for e in found]

    def restore(word: str) -> str:
        return _PLACEHOLDER.sub(lambda m: texts[int(m.group(1))], word)

    out: list[Command] = []
    for raw in parsed:
        cmd = Command(tuple(restore(w) for w in raw.words), raw.after)
        out.append(cmd)
        out.extend(_remote_commands(cmd))
    return tuple(out)


def _remote_commands(cmd: Command) -> list[Command]:
    """What `ssh host 'cd app && docker compose up -d'` runs on the other side."""
    if cmd.program != "ssh":
        return []
    args = list(cmd.args())
    index = 0
    while index < len(args) and args[index].startswith("-"):
        flag = args[index]
        index += 2 if len(flag) == 2 and flag[1] in _SSH_VALUE_FLAGS else 1
    remote = " ".join(args[index + 1 :])
    return list(commands(remote) or []) if remote else []


def tool_of(cmd: Command) -> tuple[str, tuple[str, ...]]:
    """(program, arguments) of the tool a command really runs, past sudo/env and runners such as
    `npx`, `uv run`, `bundle exec`, `python -m`."""
    sub = cmd.unwrapped()
    program, args = sub.program, sub.args()
    for _ in range(3):
        verbs = _RUNNERS.get(program)
        if verbs is not None and (not verbs or (args and args[0] in verbs)):
            rest = [a for a in args[len(verbs[:1]) if verbs else 0 :] if not a.startswith("-")]
            if not rest:
                break
            head = rest[0]
            program = head.rsplit("/", 1)[-1].split("@", 1)[0]
            args = tuple(args[args.index(head) + 1 :])
        elif program.startswith("python") and len(args) >= 2 and args[0] == "-m":
            program, args = args[1], args[2:]
        else:
            break
    return program.lower(), args


def _has_words(args: Sequence[str], words: Sequence[str]) -> bool:
    """`words` appear in `args` in this order (flags and their values may sit in between)."""
    it = iter(a.lower() for a in args)
    return all(any(a == w for a in it) for w in words)


# program -> ((kind, words), ...); empty words: the program alone is enough.
_COMMANDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}


def _add(kind: str, programs: str, *word_lists: str) -> None:
    for program in programs.split():
        entries = _COMMANDS.setdefault(program, ())
        words = tuple(tuple(w.lower().split()) for w in word_lists) or ((),)
        _COMMANDS[program] = entries + tuple((kind, w) for w in words)


_add(TEST, "pytest py.test jest vitest mocha ava karma rspec phpunit pest ctest gotestsum behave ginkgo")
_add(TEST, "unittest")  # python -m unittest
_add(TEST, "playwright", "test")
_add(TEST, "cypress", "run")
_add(TEST, "go", "test")
_add(TEST, "cargo", "test", "nextest")
_add(TEST, "mvn mvnw", "test", "verify", "install")
_add(TEST, "gradle gradlew", "test", "check", "build")
_add(TEST, "dotnet swift deno bazel bazelisk mix sbt flutter rails", "test")
_add(TEST, "composer", "test")
_add(TEST, "php", "artisan test")
_add(SCAN, "trivy grype snyk pip-audit safety bandit gosec govulncheck semgrep osv-scanner audit-ci")
_add(SCAN, "better-npm-audit checkov tfsec kics zizmor gitleaks trufflehog bundler-audit brakeman")
_add(SCAN, "dependency-check dependency-check.sh retire cargo-audit cargo-deny")
_add(SCAN, "npm pnpm", "audit")
_add(SCAN, "yarn", "audit", "npm audit")
_add(SCAN, "cargo", "audit", "deny")
_add(SCAN, "bundle", "audit")
_add(SCAN, "docker", "scout cves", "scout quickview")
_add(LINT, "eslint prettier ruff flake8 pylint black isort mypy pyright golangci-lint staticcheck gofmt")
_add(LINT, "rubocop hadolint shellcheck actionlint yamllint markdownlint markdownlint-cli2 stylelint")
_add(LINT, "ktlint detekt tflint biome oxlint standard xo cfn-lint kube-linter kubeconform codespell")
_add(LINT, "vale commitlint editorconfig-checker dotenv-linter spectral vue-tsc svelte-check sqlfluff")
_add(LINT, "pre-commit", "run")
_add(LINT, "tsc", "--noEmit")
_add(LINT, "go", "vet")
_add(LINT, "cargo", "clippy", "fmt --check")
_add(LINT, "terraform tofu", "fmt", "validate")
_add(LINT, "helm", "lint")
_add(LINT, "dotnet", "format")
_add(LINT, "deno", "lint", "fmt", "check")
_add(LINT, "opsmith", "audit")
_add(BUILD, "docker podman", "build", "buildx build", "image build", "compose build", "buildx bake")
_add(BUILD, "buildah", "bud", "build")
_add(BUILD, "goreleaser webpack rollup esbuild electron-builder kaniko executor")
_add(BUILD, "ko pack bazel bazelisk parcel ng nuxt next vite uv poetry hatch pdm flit swift", "build")
# Tools that build the images themselves on the way to a cluster or a registry.
_add(BUILD, "skaffold", "build", "run")
_add(BUILD, "ko", "apply", "resolve", "publish")
_add(BUILD, "go cargo", "build")
_add(BUILD, "mvn mvnw", "package", "install", "verify")
_add(BUILD, "gradle gradlew", "build", "assemble", "bootJar", "jar", "shadowJar")
_add(BUILD, "dotnet", "build", "publish", "pack")
_add(BUILD, "build")  # python -m build
_add(BUILD, "sbt", "package", "assembly")
_add(BUILD, "mix", "compile", "release")
_add(BUILD, "cmake", "--build")
_add(PUSH, "docker podman", "push", "buildx build --push", "buildx bake --push", "compose push")
_add(PUSH, "buildah", "push")
_add(PUSH, "crane", "push", "copy")
_add(PUSH, "skopeo", "copy")
_add(DEPLOY, "kubectl", "apply", "replace", "set image", "rollout restart")
_add(DEPLOY, "helm", "upgrade", "install")
_add(DEPLOY, "helmfile", "apply", "sync")
_add(DEPLOY, "terraform tofu terragrunt", "apply")
_add(DEPLOY, "pulumi", "up")
_add(
    DEPLOY, "flyctl fly kamal mrsk cap sam cdk serverless sls copilot eb firebase opsmith skaffold", "deploy"
)
_add(DEPLOY, "aws", "ecs update-service", "ecs deploy", "deploy create-deployment")
_add(DEPLOY, "aws", "lambda update-function-code", "cloudformation deploy", "apprunner start-deployment")
_add(DEPLOY, "gcloud", "run deploy", "app deploy", "functions deploy", "deploy releases create")
_add(DEPLOY, "az", "webapp deploy", "containerapp update", "functionapp deployment")
_add(DEPLOY, "railway", "up")
_add(DEPLOY, "wrangler", "deploy", "publish")
_add(DEPLOY, "heroku", "container:release")
_add(DEPLOY, "nomad", "job run")
_add(DEPLOY, "argocd", "app sync")
_add(DEPLOY, "docker", "stack deploy")
_add(DEPLOY, "cf", "push")
_add(DEPLOY, "git", "push heroku", "push dokku")
_add(DEPLOY, "ecs-deploy")
_add(PUBLISH, "npm pnpm yarn cargo poetry uv flit hatch pdm", "publish")
_add(PUBLISH, "twine", "upload")
_add(PUBLISH, "gem", "push")
_add(PUBLISH, "dotnet", "nuget push")
_add(PUBLISH, "gh", "release create", "release upload")
_add(ROLLBACK, "kubectl", "rollout undo", "argo rollouts undo")
_add(ROLLBACK, "helm", "rollback")
_add(ROLLBACK, "heroku", "releases:rollback")
_add(ROLLBACK, "opsmith", "rollback")

# Script and target names (npm run X, make X, ./scripts/X.sh) and the kind they stand for.
_NAMED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (ROLLBACK, re.compile(r"^rollback")),
    (DEPLOY, re.compile(r"^deploy")),
    (TEST, re.compile(r"^(test|tests|check|e2e|coverage|spec)([:_-].*)?$")),
    # nox sessions and tox environments are often named for the checker itself (alembic's `pep484`)
    (
        LINT,
        re.compile(
            r"^(lint|typecheck|type-check|check-types|typing|format|fmt-check|style|pep8|pep484|mypy|pyright"
            r"|flake8|ruff|pylint|black|isort)([:_-].*)?$"
        ),
    ),
    (SCAN, re.compile(r"^(audit|scan|security|sast|vuln)([:_-].*)?$")),
    # `generate`: the build of a repository whose artifact is generated (jsonnet manifests, a static site)
    (BUILD, re.compile(r"^(build|compile|bundle|dist|package|all|generate)([:_-].*)?$")),
)

# Actions (owner/repo[/path], lower case, prefix match) and what using them means.
_ACTIONS: tuple[tuple[str, str], ...] = (
    ("aquasecurity/trivy-action", SCAN),
    ("anchore/scan-action", SCAN),
    ("snyk/actions", SCAN),
    ("github/codeql-action/analyze", SCAN),
    ("actions/dependency-review-action", SCAN),
    ("zizmorcore/zizmor-action", SCAN),
    ("securego/gosec", SCAN),
    ("returntocorp/semgrep-action", SCAN),
    ("semgrep/semgrep-action", SCAN),
    ("google/osv-scanner-action", SCAN),
    ("gitleaks/gitleaks-action", SCAN),
    ("trufflesecurity/trufflehog", SCAN),
    ("bridgecrewio/checkov-action", SCAN),
    ("aquasecurity/tfsec-action", SCAN),
    ("ossf/scorecard-action", SCAN),
    ("docker/scout-action", SCAN),
    ("pypa/gh-action-pip-audit", SCAN),
    ("golang/govulncheck-action", SCAN),
    ("sonarsource/sonarcloud-github-action", SCAN),
    ("sonarsource/sonarqube-scan-action", SCAN),
    ("checkmarx/kics-github-action", SCAN),
    ("microsoft/security-devops-action", SCAN),
    ("golangci/golangci-lint-action", LINT),
    ("super-linter/super-linter", LINT),
    ("github/super-linter", LINT),
    ("oxsecurity/megalinter", LINT),
    ("reviewdog/", LINT),
    ("pre-commit/action", LINT),
    ("wearerequired/lint-action", LINT),
    ("rhysd/actionlint", LINT),
    ("raven-actions/actionlint", LINT),
    ("hadolint/hadolint-action", LINT),
    ("ludeeus/action-shellcheck", LINT),
    ("astral-sh/ruff-action", LINT),
    ("chartboost/ruff-action", LINT),
    ("psf/black", LINT),
    ("davidanson/markdownlint-cli2-action", LINT),
    ("ibiqlik/action-yamllint", LINT),
    ("cypress-io/github-action", TEST),
    ("docker/build-push-action", BUILD),
    ("docker/bake-action", BUILD),
    ("goreleaser/goreleaser-action", BUILD),
    ("redhat-actions/buildah-build", BUILD),
    ("redhat-actions/push-to-registry", PUSH),
    ("pypa/gh-action-pypi-publish", PUBLISH),
    ("softprops/action-gh-release", PUBLISH),
    ("js-devtools/npm-publish", PUBLISH),
    ("actions/deploy-pages", PUBLISH),
    ("peaceiris/actions-gh-pages", PUBLISH),
    ("aws-actions/amazon-ecs-deploy-task-definition", DEPLOY),
    ("google-github-actions/deploy-cloudrun", DEPLOY),
    ("google-github-actions/deploy-appengine", DEPLOY),
    ("google-github-actions/deploy-cloud-functions", DEPLOY),
    ("azure/webapps-deploy", DEPLOY),
    ("azure/k8s-deploy", DEPLOY),
    ("azure/functions-action", DEPLOY),
    ("azure/container-apps-deploy-action", DEPLOY),
    ("azure/arm-deploy", DEPLOY),
    ("akhileshns/heroku-deploy", DEPLOY),
    ("cloudflare/wrangler-action", DEPLOY),
    ("cloudflare/pages-action", DEPLOY),
    ("digitalocean/app_action", DEPLOY),
    ("bervproject/railway-deploy", DEPLOY),
    ("easingthemes/ssh-deploy", DEPLOY),
    ("burnett01/rsync-deployments", DEPLOY),
    ("aws-actions/aws-cloudformation-github-deploy", DEPLOY),
    ("dokku/github-action", DEPLOY),
    ("deliverybot/helm", DEPLOY),
    ("hashicorp/tfc-workflows-github/actions/apply-run", DEPLOY),
)
# Actions whose effect is a command given as an input: (action, input, program to prefix).
_COMMAND_INPUTS: tuple[tuple[str, str, str], ...] = (
    ("appleboy/ssh-action", "script", ""),
    ("superfly/flyctl-actions", "args", "flyctl"),
    ("pulumi/actions", "command", "pulumi"),
    ("serverless/github-action", "args", "serverless"),
    ("actions-hub/kubectl", "args", "kubectl"),
    ("steebchen/kubectl", "command", "kubectl"),
    ("wahyd4/kubectl-helm-action", "args", ""),
    ("amondnet/vercel-action", "vercel-args", "vercel"),
    ("actions/github-script", "", ""),
)
# Steps that prepare a job without doing its work (GA010 looks past them).
PREPARATION_ACTIONS = (
    "actions/checkout",
    "actions/download-artifact",
    "actions/cache",
    "actions/setup-",
    "docker/setup-",
    "docker/login-action",
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "azure/login",
    "azure/setup-",
    "hashicorp/setup-",
    "pnpm/action-setup",
    "astral-sh/setup-uv",
    "ruby/setup-ruby",
    "dtolnay/rust-toolchain",
)


def command_kinds(cmd: Command, step_env: Any = None) -> set[str]:
    """What one shell command does, by the tables above."""
    program, args = tool_of(cmd)
    kinds: set[str] = set()
    for kind, words in _COMMANDS.get(program, ()):
        if _has_words(args, words):
            kinds.add(kind)
    if program in ("npm", "pnpm", "yarn", "bun", "vercel", "netlify"):
        kinds |= _package_script_kinds(program, args)
    elif program in _TASK_RUNNERS:
        # `tox -e py312,lint` names several environments at once
        targets = [t for a in args if not a.startswith("-") and "=" not in a for t in a.split(",")]
        kinds |= {k for t in targets[:2] for k in _named_kinds(t)} or (
            {BUILD} if program == "make" and not targets else set()
        )
    elif program in _SHELLS:
        script = next((a for a in args if not a.startswith("-")), "")
        kinds |= _named_kinds(_script_name(script))
    else:
        kinds |= _named_kinds(_script_name(program)) & {DEPLOY, ROLLBACK}
    if program in ("docker", "docker-compose") and _remote_compose_up(cmd, args, step_env):
        kinds.add(DEPLOY)
    return kinds


def _package_script_kinds(program: str, args: tuple[str, ...]) -> set[str]:
    words = [a for a in args if not a.startswith("-")]
    if program in ("vercel", "netlify"):
        live = "--prod" in args or "--production" in args
        return {DEPLOY} if live and (not words or words[0] == "deploy") else set()
    if not words:
        return set()
    if words[0] in ("run", "run-script") and len(words) > 1:
        return _named_kinds(words[1])
    if words[0] in ("test", "t", "tst"):
        return {TEST}
    if program == "pnpm" and words[0] == "deploy":
        return set()  # `pnpm deploy` copies a workspace package; it does not deploy anything
    if program in ("yarn", "pnpm", "bun") and words[0] not in ("install", "add", "audit"):
        return _named_kinds(words[0])
    return set()


def _named_kinds(name: str) -> set[str]:
    lower = name.lower()
    return {kind for kind, pattern in _NAMED if pattern.match(lower)}


def _script_name(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return re.sub(r"\.(sh|bash|py|js|mjs|ts|rb|ps1)$", "", base)


def _remote_compose_up(cmd: Command, args: tuple[str, ...], step_env: Any) -> bool:
    """`docker compose up` aimed at another machine (a context, a host, DOCKER_HOST)."""
    standalone = cmd.unwrapped().program == "docker-compose"
    if not ("up" in args if standalone else _has_words(args, ("compose", "up"))):
        return False
    remote_flag = any(w in ("--context", "-c", "-H", "--host") or w.startswith("--context=") for w in args)
    remote_env = any(w.startswith(("DOCKER_HOST=", "DOCKER_CONTEXT=")) for w in cmd.words)
    in_env = isinstance(step_env, dict) and any(k in step_env for k in ("DOCKER_HOST", "DOCKER_CONTEXT"))
    return remote_flag or remote_env or in_env


def _ssh_deploys(cmd: Command) -> bool:
    """A plain `docker compose up` sent over ssh (the remote words are parsed separately)."""
    program, args = tool_of(cmd)
    if program == "docker-compose":
        return "up" in args
    return program == "docker" and _has_words(args, ("compose", "up"))


# --- steps and jobs ----------------------------------------------------------------------------


def step_commands(step: Step) -> tuple[Command, ...]:
    """The shell commands a step runs: its `run:` script, or the command an action takes as input."""
    if step.run is not None:
        return script_commands(step.run.value)
    action = step.action
    for prefix, key, program in _COMMAND_INPUTS:
        if key and action.startswith(prefix):
            text = step.input(key)
            if text is not None:
                return script_commands(f"{program} {text.value}" if program else text.value)
    return ()


def step_kinds(step: Step) -> frozenset[str]:
    kinds: set[str] = set()
    action = step.action
    for prefix, kind in _ACTIONS:
        if action.startswith(prefix):
            kinds.add(kind)
    if action.startswith(("docker/build-push-action", "docker/bake-action")) and step.input_is_true("push"):
        kinds.add(PUSH)
    cmds = step_commands(step)
    remote = action.startswith("appleboy/ssh-action") or any(c.program == "ssh" for c in cmds)
    for cmd in cmds:
        kinds |= command_kinds(cmd, step.env)
        if remote and _ssh_deploys(cmd):
            kinds.add(DEPLOY)
        if tool_of(cmd)[0] == "ko" and "build" in cmd.args() and "--push=false" not in cmd.args():
            kinds.add(PUSH)
    return frozenset(kinds)


_NAME_FALLBACK: tuple[tuple[str, re.Pattern[str]], ...] = (
    (TEST, re.compile(r"(^|[^a-z])(tests?|testing|unit|integration|e2e)([^a-z]|$)")),
    (SCAN, re.compile(r"(^|[^a-z])(security|scan|scanning|audit|sast|codeql|vulnerabilit\w*)([^a-z]|$)")),
    (LINT, re.compile(r"(^|[^a-z])(lint|linters?|linting|typecheck|type-check|format|fmt|style)([^a-z]|$)")),
)


@dataclass(frozen=True)
class JobFacts:
    kinds: frozenset[str]
    steps: tuple[tuple[Step, frozenset[str]], ...]  # every step with its kinds

    def steps_of(self, kind: str) -> list[Step]:
        return [s for s, k in self.steps if kind in k]

    def first(self, kind: str) -> Step | None:
        found = self.steps_of(kind)
        return found[0] if found else None


def job_facts(job: Job) -> JobFacts:
    known = job.memo.get("facts")
    if isinstance(known, JobFacts):
        return known
    steps = tuple((s, step_kinds(s)) for s in job.steps)
    kinds: set[str] = set().union(*(k for _, k in steps)) if steps else set()
    does_work = any(s.run is not None or not s.action.startswith(PREPARATION_ACTIONS) for s in job.steps)
    if does_work:
        label = f"{job.id} {job.name or ''}".lower()
        kinds |= {kind for kind, pattern in _NAME_FALLBACK if pattern.search(label)}
    facts = JobFacts(frozenset(kinds), steps)
    job.memo["facts"] = facts
    return facts


# --- environments --------------------------------------------------------------------------------

_PROD_WORDS = frozenset({"prod", "production", "prd", "live"})
_STAGING_WORDS = frozenset(
    {
        "staging",
        "stage",
        "stg",
        "preprod",
        "preproduction",
        "uat",
        "qa",
        "test",
        "testing",
        "dev",
        "development",
        "sandbox",
        "preview",
        "review",
        "demo",
        "nonprod",
        "acceptance",
        "acc",
        "int",
        "integration",
    }
)


def tiers_of(text: str) -> frozenset[str]:
    """Which kinds of environment a name or command line speaks of: `production`, `staging`."""
    words = [w.rstrip("0123456789") for w in re.split(r"[^a-z0-9]+", text.lower()) if w]
    found: set[str] = set()
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        if word in _PROD_WORDS and before not in ("pre", "non", "not"):
            found.add(PRODUCTION)
        elif word in _STAGING_WORDS or (word in _PROD_WORDS and before in ("pre", "non")):
            found.add(STAGING)
    return frozenset(found)


def deploy_tiers(doc: WorkflowDoc, job: Job, with_values: Any = None) -> frozenset[str]:
    """Where a deploy job deploys to; empty when nothing says (it then counts as production)."""
    if job.environment is not None:
        names = _possible_values(doc, job, job.environment, with_values)
        tiers = frozenset().union(*(tiers_of(n) for n in names)) if names else frozenset()
        if tiers:
            return tiers
    named = tiers_of(f"{job.id} {job.name or ''}")
    if named:
        return named
    words = " ".join(" ".join(c.words) for s in job_facts(job).steps_of(DEPLOY) for c in step_commands(s))
    from_commands = tiers_of(words)
    if from_commands:
        return from_commands
    return tiers_of(doc.name or "")


_MATRIX_REF = re.compile(r"^\s*matrix\.([\w-]+)\s*$", re.IGNORECASE)
_INPUT_REF = re.compile(r"^\s*(?:github\.event\.)?inputs\.([\w-]+)\s*$", re.IGNORECASE)


def _possible_values(doc: WorkflowDoc, job: Job, text: str, with_values: Any) -> list[str]:
    """The literal values an environment name can take: itself, or the matrix values or input
    choices its `${{ }}` expression refers to."""
    found = find_expressions(text)
    if not found:
        return [text]
    out: list[str] = []
    for expr in found:
        matrix = _MATRIX_REF.match(expr.inner)
        inputs = _INPUT_REF.match(expr.inner)
        if matrix:
            out.extend(_matrix_values(job, matrix.group(1)))
        elif inputs:
            out.extend(_input_values(doc, inputs.group(1), with_values))
    return out


def _matrix_values(job: Job, key: str) -> list[str]:
    values = job.matrix.get(key)
    out = [str(v) for v in values] if isinstance(values, YSeq) else []
    include = job.matrix.get("include")
    if isinstance(include, YSeq):
        out.extend(str(item[key]) for item in include if isinstance(item, dict) and key in item)
    return out


def _input_values(doc: WorkflowDoc, key: str, with_values: Any) -> list[str]:
    if isinstance(with_values, dict) and isinstance(with_values.get(key), str):
        return [with_values[key]]
    spec = doc.dispatch_inputs().get(key)
    if not isinstance(spec, dict):
        return []
    values = [str(v) for v in spec.get("options") or [] if isinstance(v, str | int)]
    if isinstance(spec.get("default"), str):
        values.append(spec["default"])
    return values


# --- triggers --------------------------------------------------------------------------------------

MANUAL_EVENTS = frozenset({"workflow_dispatch", "repository_dispatch"})


def is_reusable_only(doc: WorkflowDoc) -> bool:
    return bool(doc.triggers) and set(doc.triggers) <= {"workflow_call"}


def is_manual_only(doc: WorkflowDoc) -> bool:
    return bool(doc.triggers) and set(doc.triggers) <= MANUAL_EVENTS


# --- the workflows of a repository --------------------------------------------------------------------


@dataclass(frozen=True)
class Deploy:
    """A job that deploys (directly, or by calling a reusable workflow that does)."""

    path: str
    doc: WorkflowDoc
    job: Job
    tiers: frozenset[str]

    @property
    def production(self) -> bool:
        return PRODUCTION in self.tiers or not self.tiers

    @property
    def staging(self) -> bool:
        return STAGING in self.tiers


class WorkflowSet:
    """The parsed workflows of one audit, linked together."""

    def __init__(self, docs: Iterable[tuple[str, WorkflowDoc]]) -> None:
        self.docs = [(p, d) for p, d in docs if isinstance(d, WorkflowDoc)]
        self._by_path = dict(self.docs)

    def callee(self, job: Job) -> tuple[str, WorkflowDoc] | None:
        """The local reusable workflow a job calls (`uses: ./.github/workflows/x.yml`)."""
        if job.uses is None or not job.uses.value.startswith("./"):
            return None
        path = job.uses.value[2:].split("@", 1)[0]
        doc = self._by_path.get(path)
        return (path, doc) if doc is not None else None

    def callers(self, path: str) -> list[tuple[str, WorkflowDoc, Job]]:
        return [
            (p, d, j)
            for p, d in self.docs
            for j in d.jobs
            if j.uses is not None and j.uses.value.startswith("./") and j.uses.value[2:] == path
        ]

    def named(self, name: str) -> list[WorkflowDoc]:
        return [d for p, d in self.docs if (d.name or p.rsplit("/", 1)[-1]) == name]

    def deploys(self) -> Iterator[Deploy]:
        for path, doc in self.docs:
            for job in doc.jobs:
                deploy = self.deploy_of(path, doc, job)
                if deploy is not None:
                    yield deploy

    def deploy_of(self, path: str, doc: WorkflowDoc, job: Job) -> Deploy | None:
        if job.uses is not None:
            return self._calling_deploy(path, doc, job)
        if DEPLOY not in job_facts(job).kinds and not _declared_deploy(job):
            return None
        if job.environment is None and throwaway_target(job):
            return None
        return Deploy(path, doc, job, deploy_tiers(doc, job))

    def _calling_deploy(self, path: str, doc: WorkflowDoc, job: Job) -> Deploy | None:
        assert job.uses is not None
        called = self.callee(job)
        if called is None:
            target = job.uses.value.split("@", 1)[0].rsplit("/", 1)[-1]
            if not _named_kinds(_script_name(target.replace(".yaml", "").replace(".yml", ""))) & {DEPLOY}:
                return None
            values = " ".join(str(v) for v in job.with_.values())
            return Deploy(path, doc, job, tiers_of(f"{job.id} {job.name or ''} {values}"))
        _, callee_doc = called
        tiers: set[str] = set()
        deploys = False
        for inner in callee_doc.jobs:
            if inner.uses is None and DEPLOY in job_facts(inner).kinds:
                deploys = True
                tiers |= deploy_tiers(callee_doc, inner, job.with_) or {PRODUCTION}
        if not deploys:
            return None
        return Deploy(path, doc, job, frozenset(tiers) or tiers_of(f"{job.id} {job.name or ''}"))

    # -- gating ----------------------------------------------------------------------------------

    def gates(self, doc: WorkflowDoc, job: Job, before: Step | None = None) -> frozenset[str]:
        """The kinds of check (test, scan) that must have passed before `job` runs (before its
        step `before`, counting the job's own earlier steps)."""
        return self._gates(doc, job, before, frozenset())

    def _gates(self, doc: WorkflowDoc, job: Job, before: Step | None, seen: frozenset[int]) -> frozenset[str]:
        if id(job) in seen:
            return frozenset()
        seen = seen | {id(job)}
        facts = job_facts(job)
        own: set[str] = set()
        for step, kinds in facts.steps:
            if before is not None and step is before:
                break
            own |= kinds & set(GATES)
        if job.uses is not None:
            called = self.callee(job)
            if called is not None:
                own |= {k for inner in called[1].jobs for k in job_facts(inner).kinds if k in GATES}
        if _needs_gate(job):
            for need in job.needs:
                upstream = doc.job(need)
                if upstream is not None:
                    own |= self._gates(doc, upstream, None, seen)
        own |= self._workflow_run_gates(doc, job)
        return frozenset(own)

    def _workflow_run_gates(self, doc: WorkflowDoc, job: Job) -> set[str]:
        """A `workflow_run` workflow is gated by the workflows it follows only when it checks
        that they succeeded (it runs on every completion, failed ones too)."""
        config = doc.triggers.get("workflow_run")
        if not isinstance(config, dict) or not _checks_success(doc, job):
            return set()
        names = config.get("workflows")
        names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
        out: set[str] = set()
        for name in names:
            for upstream in self.named(str(name)):
                if upstream is not doc:
                    out |= {k for j in upstream.jobs for k in job_facts(j).kinds if k in GATES}
        return out


_DEPLOY_NAME = re.compile(r"(?i)(^|[^a-z])deploy")
_REGISTRY_ENVIRONMENT = re.compile(
    r"(?i)^(pypi|test-?pypi|npm|npmjs|crates(-io)?|rubygems|nuget|maven(-central)?|docker-?hub|ghcr"
    r"|(github-)?pages|docs|release|releases|publish\w*)$"
)


# Actions and commands that start a cluster inside the job: what the job deploys to dies with it.
_CLUSTER_ACTIONS = (
    "helm/kind-action",
    "container-tools/kind-action",
    "engineerd/setup-kind",
    "absaoss/k3d-action",
    "nolar/setup-k3d-k3s",
    "medyagh/setup-minikube",
    "manusa/actions-setup-minikube",
)
_CLUSTER_COMMANDS = (("kind", "create"), ("k3d", "cluster"), ("minikube", "start"), ("ctlptl", "create"))
_TEST_JOB = re.compile(r"(?:^|[-_ ])(?:tests?|testing|e2e|smoke)$", re.IGNORECASE)


def throwaway_target(job: Job) -> bool:
    """A job that deploys only to test the deployment: onto a kind, k3d or minikube cluster it
    starts itself, or in a job named for tests (`e2e-tests`, `deployment-tests`) that declares no
    `environment:`."""
    if _TEST_JOB.search(job.id) or _TEST_JOB.search(job.name or ""):
        return True
    for step in job.steps:
        if step.uses is not None and step.uses.value.lower().startswith(_CLUSTER_ACTIONS):
            return True
        for cmd in step_commands(step):
            if (cmd.program, *cmd.args()[:1]) in _CLUSTER_COMMANDS:
                return True
    return False


def _declared_deploy(job: Job) -> bool:
    """A job with an `environment:` that calls itself (or one of its steps) a deploy, whatever
    command it runs; publishing a package or a release is not a deploy."""
    if job.environment is None or _REGISTRY_ENVIRONMENT.match(job.environment.strip()):
        return False
    if PUBLISH in job_facts(job).kinds:
        return False
    names = [job.id, job.name or "", *(s.name or "" for s in job.steps)]
    return any(_DEPLOY_NAME.search(n) for n in names)


def _needs_gate(job: Job) -> bool:
    """`needs` stops the job when an upstream job fails, unless `if:` overrides that."""
    condition = (job.if_.value if job.if_ else "").lower().replace(" ", "")
    overrides = any(f in condition for f in ("always()", "failure()", "cancelled()", "!cancelled()"))
    return not overrides or ".result" in condition


def _checks_success(doc: WorkflowDoc, job: Job) -> bool:
    chain = [job, *(j for j in doc.jobs if j.id in _ancestors(doc, job))]
    return any(
        j.if_ is not None and "workflow_run.conclusion" in j.if_.value and "success" in j.if_.value
        for j in chain
    )


def _ancestors(doc: WorkflowDoc, job: Job) -> set[str]:
    out: set[str] = set()
    todo = list(job.needs)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        upstream = doc.job(name)
        if upstream is not None:
            todo.extend(upstream.needs)
    return out
