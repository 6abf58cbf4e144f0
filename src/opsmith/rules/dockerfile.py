"""Dockerfile rules DF001-DF018."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from dataclasses import replace
from posixpath import dirname, join, normpath

from opsmith.findings import Problem, Severity
from opsmith.fix.dockerfile import EXEC_FORM, NO_INSTALL_RECOMMENDS
from opsmith.fix.npm_ci import NPM_CI
from opsmith.parse.dockerfile import (
    DockerfileDoc,
    Instruction,
    Stage,
    arg_pairs,
    env_pairs,
)
from opsmith.parse.dockerignore import DockerIgnore
from opsmith.parse.image import image_ref
from opsmith.parse.shell import has_pipe, sets_pipefail
from opsmith.rules import dockerfile_facts as facts
from opsmith.rules import dockerfile_stages as stages
from opsmith.rules.base import (
    FileContext,
    RepoContext,
    Rule,
    file_rule,
    parse_error_rule,
    repo_rule,
)
from opsmith.rules.dockerfile_context import all_folders, build_context, compose_contexts, ignore_file
from opsmith.rules.dockerfile_shell import hands_over_pid1, image_shell
from opsmith.rules.repo_facts import probing_platform
from opsmith.secrets.detect import credential_in, is_reference, is_secret_name, secret_in
from opsmith.secrets.masking import described

FAMILY = "dockerfile"


@file_rule(
    "DF001",
    "E",
    FAMILY,
    "Base image is not pinned to a version",
    fix="Pin the base image to an exact version tag (and ideally a digest).",
    docs="""
## What it does
Flags a `FROM` whose image has no tag or uses `latest` (or a `latest-*` variant), after applying
the defaults of `ARG`s declared before the first `FROM`. `scratch` and references to earlier build
stages are exempt.

## Why it matters
An unpinned base image is whatever the registry serves on the day of the build. Two builds of the
same commit can differ, a rebuild for a hotfix can silently pull a new major version, and a rollback
does not restore the old runtime.

## Example
```dockerfile
FROM node
FROM python:latest
```

## Fix
```dockerfile
FROM node:22.11.0-bookworm-slim
FROM python:3.12.7-slim@sha256:<digest>
```

## Equivalent rules
hadolint DL3006 (always tag the image) and DL3007 (no `latest`); checkov CKV_DOCKER_7.
""",
)
def df001(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for stage in _external_stages(doc):
        ref = image_ref(stage.resolved_image or "")
        if ref.digest or not ref.name:
            continue
        if ref.tag is None:
            yield Problem(f"base image `{_shown(stage)}` has no tag, so it means `latest`", stage.line)
        elif facts.is_moving_tag(ref.tag):
            yield Problem(f"base image `{_shown(stage)}` uses the moving `{ref.tag}` tag", stage.line)


@file_rule(
    "DF002",
    "I",
    FAMILY,
    "Base image is not pinned by digest",
    fix="Append the image digest: `FROM image:tag@sha256:<digest>`.",
    docs="""
## What it does
Reports a `FROM` of an external image that carries no `@sha256:` digest.

## Why it matters
Tags can be moved: a registry account compromise, or a maintainer re-pushing `3.12-slim`, changes
what you build on without any change in your repository. A digest is immutable, so the build is
reproducible and reviewable; tools such as Renovate or Dependabot keep digests current.

## Example
```dockerfile
FROM python:3.12.7-slim
```

## Fix
```dockerfile
FROM python:3.12.7-slim@sha256:<digest>
```

## Equivalent rules
hadolint DL3006/DL3007 cover tags only; checkov CKV_DOCKER_7 (tag); Trivy and Scorecard's
"Pinned-Dependencies" check ask for digests.
""",
)
def df002(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for stage in _external_stages(doc):
        ref = image_ref(stage.resolved_image or "")
        if ref.name and not ref.digest:
            yield Problem(f"base image `{_shown(stage)}` is not pinned by digest", stage.line)


@file_rule(
    "DF003",
    "E",
    FAMILY,
    "Final image runs as root",
    fix="Create an unprivileged user and switch to it with `USER` in the final stage.",
    docs="""
## What it does
Looks at the stage that becomes the image (the last one, including the earlier stages it is built
`FROM`) and reports when it sets no `USER`, or when the last `USER` is `root` or UID 0. Base images
that already run as an unprivileged user (distroless `:nonroot` tags, Chainguard images) are exempt,
and so is a final `FROM scratch` stage that only exports files (`docker build --output`): one with
no `CMD`/`ENTRYPOINT`, or whose entry point names a package nothing in an empty image can run (an
Android `.apk`/`.aab`, an `.ipa`, a `.jar`, a `.zip` or a tarball). So is an
image of a WebAssembly module (a `.wasm` entry point, or a `wasi/wasm` platform): a Wasm runtime
such as WasmEdge runs it in its own sandbox, where a Unix user means nothing and the module can
reach only what the runtime grants it.

Severity: error for a service image. For an image that is not a service (nothing `EXPOSE`d and a
one-shot entry point such as a test runner, a code generator or `make`, or no command on a
toolchain base) and for a final stage named for development (`dev`, `dev-envs`), the finding is
info: such a container runs briefly on a developer's or CI machine, often with the sources
bind-mounted, and root there is a debatable choice rather than a hole in production.

## Why it matters
A process running as root inside a container is one kernel bug or one mis-mounted volume away from
root on the host, and it can rewrite its own binaries after a compromise. Kubernetes' restricted
Pod Security profile refuses such images outright.

On many repositories it fires on most service Dockerfiles (85 % of them in one well-known
microservices demo): running as root is what a Dockerfile does unless someone adds `USER`, so a
high count is the state of practice, not noise. The fix is one line per image.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["python", "/app/main.py"]
```

## Fix
```dockerfile
FROM python:3.12-slim
RUN useradd --system --uid 10001 app
COPY --chown=app . /app
USER 10001
CMD ["python", "/app/main.py"]
```

## Equivalent rules
hadolint DL3002 (last USER should not be root); checkov CKV_DOCKER_3 (a USER exists) and
CKV_DOCKER_8 (last USER is not root).
""",
)
def df003(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    final = doc.final
    if final is None or facts.is_export_stage(final) or facts.is_wasm_image(final):
        return
    # A test runner, code generator or development image never serves anything: advice there.
    ceiling = Severity.INFO if facts.is_tool_image(final) or facts.is_dev_stage(final) else None
    users = [i for s in facts.chain(final) for i in s.of("USER")]
    if users:
        last = users[-1]
        if facts.is_root_user(last.args[0]):
            yield Problem(f"the image runs as `{last.args[0]}`", last.line, at_most=ceiling)
        return
    base = facts.chain(final)[0]
    if not facts.runs_unprivileged(base.resolved_image or base.image):
        yield Problem(
            "the final stage never sets USER, so the container runs as root", final.line, at_most=ceiling
        )


@repo_rule(
    "DF004",
    "I",
    FAMILY,
    "Service image has no HEALTHCHECK",
    fix="Add `HEALTHCHECK CMD [...]` that probes the service's health endpoint.",
    docs="""
## What it does
Reports a final stage with no `HEALTHCHECK`, counting one inherited from the earlier stage it is
built `FROM`, in a repository whose images run under plain Docker, Compose or Swarm. It stays quiet
where the check could not run or would not be used:
- images that are not services: nothing `EXPOSE`d and an entry point that runs once (a test runner
  such as Cypress, a code generator, `make`, `go`), or no command at all on a toolchain base
  (`golang`, `node`, `alpine`...), where the command comes with each run;
- final images with no shell or client to probe with (`scratch`, distroless, WebAssembly) and a
  final `FROM scratch` stage that only exports files;
- a final stage named for development (`dev`, `dev-envs`);
- repositories that run their images on Kubernetes (a manifest with a probe, a Helm chart,
  Skaffold, Tilt) or Fly.io: those platforms ignore an image's HEALTHCHECK and probe it themselves
  (KU003, KU004 judge the probes).
An explicit `HEALTHCHECK NONE` is a decision and is respected.

Severity: info. Under the severity policy a warning is for a missing practice whose absence causes
incidents; a HEALTHCHECK only matters where Docker itself decides on it, and Compose files (where
services wait on each other) are judged by DC002, which accepts a healthcheck in either place. On
real repositories this rule fired on nearly every Dockerfile at warning and none of the findings
was judged a defect, so it is advice here.

## Why it matters
Without a health check, Docker, Compose and Swarm only know whether the process exists, not whether
it serves. `depends_on: condition: service_healthy`, restart-on-unhealthy and Swarm's rolling
updates all need a signal that the app is ready.

## Example
```dockerfile
FROM node:22.11.0-slim
EXPOSE 3000
CMD ["node", "server.js"]
```

## Fix
```dockerfile
FROM node:22.11.0-slim
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["node", "healthcheck.js"]
CMD ["node", "server.js"]
```

## Equivalent rules
checkov CKV_DOCKER_2 (HEALTHCHECK exists, on every Dockerfile); hadolint has none. On Kubernetes
the readiness and liveness probes (KU003, KU004) play this part.
""",
)
def df004(repo: RepoContext) -> Iterator[Problem]:
    dockerfiles = repo.documents(FAMILY)
    if not dockerfiles or probing_platform(repo) is not None:
        return
    for path, doc in dockerfiles:
        final = doc.final
        if final is None or any(s.of("HEALTHCHECK") for s in facts.chain(final)):
            continue
        if facts.is_export_stage(final) or facts.has_no_shell(final):
            continue
        if facts.is_tool_image(final) or facts.is_dev_stage(final):
            continue
        yield Problem("the final image defines no HEALTHCHECK", final.line, path=path)


@file_rule(
    "DF005",
    "E",
    FAMILY,
    "Secret in ARG or ENV",
    applies_to="live-credentials",
    fix="Pass secrets at build time with `RUN --mount=type=secret,id=...`, and at run time "
    "through the orchestrator's secret store.",
    docs="""
## What it does
Flags `ARG` and `ENV` that give a secret-named variable (PASSWORD, SECRET, TOKEN, API_KEY,
PRIVATE_KEY, ...) a value, an `ENV` that copies a build argument into such a variable, and any
`ARG`/`ENV` value shaped like a credential (cloud access keys, GitHub/GitLab/Slack/Stripe tokens
and webhooks, private keys, passwords inside URLs). Placeholders (`replace-me`, `<token>`, `xxxx`),
file paths (`PRIVATE_KEY=/etc/ssl/private/site.key`) and image references under secret-looking
names hold no secret and are left alone.

## Why it matters
`ENV` values are stored in the image configuration and `ARG` values in its build history: anyone who
can pull the image can read them with `docker inspect` or `docker history`, long after the secret
was rotated elsewhere.

## Example
```dockerfile
ARG NPM_TOKEN=npm_abc...
ENV DATABASE_PASSWORD=hunter2
```

## Fix
```dockerfile
# syntax=docker/dockerfile:1
RUN --mount=type=secret,id=npm_token \\
    NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci
```
Build with `docker build --secret id=npm_token,env=NPM_TOKEN .`, and inject runtime secrets from the
platform (Kubernetes Secret, compose `secrets:`, a secret manager).

## Equivalent rules
BuildKit's `SecretsUsedInArgOrEnv` build check; checkov CKV_SECRET_* on Dockerfiles; hadolint has none.
""",
)
def df005(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for ins in doc.instructions:
        if ins.cmd == "ARG":
            pairs = [(k, v) for k, v in arg_pairs(ins).items() if v is not None]
        elif ins.cmd == "ENV":
            pairs = env_pairs(ins)
        else:
            continue
        for name, value in pairs:
            problem = _secret_problem(ins, name, value)
            if problem:
                yield problem


def _secret_problem(ins: Instruction, name: str, value: str) -> Problem | None:
    found = credential_in(value)
    if found:
        return Problem(f"{ins.cmd} {name} holds {described(found)}", ins.line)
    if ins.cmd == "ENV" and is_secret_name(name) and is_reference(value):
        return Problem(
            f"ENV {name} copies a build-time value into the image configuration, "
            "where anyone with the image can read it",
            ins.line,
        )
    found = secret_in(name, value)
    if found:
        return Problem(f"{ins.cmd} {name} sets {described(found)}, which is stored in the image", ins.line)
    return None


@file_rule(
    "DF006",
    "W",
    FAMILY,
    "Whole build context copied before installing dependencies",
    fix="Copy only the dependency manifests and lockfile, install, then `COPY . .`.",
    docs="""
## What it does
In each stage, reports a `COPY`/`ADD` of the whole build context (`.`, `./`, `*`) that comes before
the stage's first dependency install (`npm ci`, `pip install -r`, `go mod download`, `bundle
install`, ...).

## Why it matters
Docker reuses a layer only while everything before it is unchanged. With the sources copied first,
editing one line of code invalidates the install layer, and every build downloads and compiles all
dependencies again: minutes per build, multiplied by every push.

## Example
```dockerfile
COPY . .
RUN npm ci
```

## Fix
```dockerfile
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
```

## Equivalent rules
None in hadolint or checkov; Docker's build best-practices guide ("leverage build cache").
""",
)
def df006(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for stage in doc.stages:
        whole_copy: Instruction | None = None
        for ins in stage.instructions:
            if ins.cmd in ("COPY", "ADD") and whole_copy is None and facts.copies_whole_context(ins):
                whole_copy = ins
            elif ins.cmd == "RUN" and facts.installs_dependencies(ins):
                if whole_copy is not None:
                    yield Problem(
                        f"the whole build context is copied (line {whole_copy.line}) before the "
                        f"dependency install at line {ins.line}: any source edit re-runs it",
                        whole_copy.line,
                    )
                break


@file_rule(
    "DF007",
    "W",
    FAMILY,
    "Single-stage build ships its compilers",
    fix="Build in a `builder` stage and copy only the output into a slim runtime stage.",
    docs="""
## What it does
Reports a Dockerfile with a single stage whose `RUN` steps compile or bundle (`go build`,
`npm run build`, `mvn package`, `gradle build`, `cargo build`, `gcc`, `make`, `dotnet publish`, ...).
Tool images are left alone: with nothing `EXPOSE`d and a one-shot entry point (a code generator, a
test runner, `make`) or no command of their own on a toolchain base, the toolchain is what the
image is for.

## Why it matters
The runtime image then carries the compiler, dev dependencies, caches and sources: hundreds of
megabytes more to pull on every deploy and scale-out, and a much larger attack surface (a shell, a
compiler and package managers for whoever gets in).

## Example
```dockerfile
FROM golang:1.23.3
COPY . .
RUN go build -o /app ./cmd/server
CMD ["/app"]
```

## Fix
```dockerfile
FROM golang:1.23.3 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
CMD ["/app"]
```

## Equivalent rules
None in hadolint or checkov (both judge instructions, not stage layout).
""",
)
def df007(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    if len(doc.stages) != 1 or facts.is_tool_image(doc.stages[0]):
        return
    for ins in doc.stages[0].of("RUN"):
        tool = facts.build_tool(ins)
        if tool:
            yield Problem(
                f"this single-stage image builds with `{tool}`, so the toolchain ships in the runtime image",
                ins.line,
            )
            return


@repo_rule(
    "DF008",
    "W",
    FAMILY,
    "No .dockerignore excluding .git",
    fix="Add a `.dockerignore` at the root of the build context that excludes at least `.git`.",
    docs="""
## What it does
For every Dockerfile, works out its build context: the one a compose file of the repository gives
it in `build:`, else the deepest folder, from the Dockerfile's own up to the repository root, that
holds every file its `COPY` and `ADD` name (the nearest `.dockerignore`'s folder, or the
Dockerfile's own, when nothing can be checked). It then finds the `.dockerignore` Docker would use
(`<Dockerfile>.dockerignore`, else the one at the context's root) and reports:
- a root context (the only one that holds `.git`) with no `.dockerignore` (on the Dockerfile), or
  a `.dockerignore` that does not exclude `.git` (once, on that `.dockerignore`, naming how many
  Dockerfiles build with it): warning;
- a subfolder context with no `.dockerignore`: info. It cannot hold `.git`, so nothing but local
  build output or `.env` files can leak, and many such contexts hold only the image's own files.

A root context is only judged when the build can send `.git` at all: BuildKit (Docker's builder
since version 23, and buildx) transfers only the paths that `COPY`, `ADD` and `RUN --mount=type=bind`
name, so a Dockerfile that copies `package.json` and `src/` never ships the history. A source that
is the whole context (`.`), or whose first folder is a pattern that matches `.git` (`.*`) or a
variable opsmith cannot read, counts as sending it. The legacy builder sends everything; if you
still use it, keep `.git` in the `.dockerignore` anyway.

## Why it matters
Without it the whole folder is sent to the builder: the `.git` history (often larger than the code,
and containing every secret ever committed), local `.env` files and `node_modules`. A `COPY . .`
then bakes them into the image, and every change to `.git` busts the build cache.

## Example
A repository with `Dockerfile` and `COPY . .` at its root, but no `.dockerignore`.

## Fix
```
# .dockerignore
.git
.env*
node_modules
**/__pycache__
```

## Equivalent rules
None in hadolint or checkov.
""",
)
def df008(repo: RepoContext) -> Iterator[Problem]:
    dockerfiles = repo.documents(FAMILY)
    folders = all_folders(repo) if dockerfiles else set()
    declared = compose_contexts(repo) if dockerfiles else {}
    # One .dockerignore that lets `.git` through is one fix, however many Dockerfiles use it: it is
    # reported once, on the .dockerignore itself.
    leaky: dict[str, list[str]] = {}
    for path, doc in dockerfiles:
        context = build_context(repo, path, doc, folders, declared)
        if context is None:
            # Unknown context: the nearest .dockerignore may be the one in use, and without one the
            # usual `docker build .` beside the Dockerfile is assumed.
            ignore_path = _dockerignore_for(repo, path)
            own = ignore_path in (None, f"{path}.dockerignore")
            context = dirname(path) if own else dirname(ignore_path or "")
        else:
            ignore_path = ignore_file(repo, path, context)
        if not context and not _may_send_git(doc):
            continue  # BuildKit sends only the paths the instructions name, and none is `.git`
        if ignore_path is None:
            if context:
                yield Problem(
                    f"no .dockerignore for the build context `{context}/`: local files are sent to "
                    "the builder",
                    1,
                    path=path,
                    at_most=Severity.INFO,
                )
            else:
                yield Problem(
                    "no .dockerignore for the repository-root build context: `.git` and local files "
                    "are sent to the builder",
                    1,
                    path=path,
                )
            continue
        ignore = DockerIgnore.from_text(repo.read_text(ignore_path) or "")
        if not context and not ignore.excludes(".git"):
            leaky.setdefault(ignore_path, []).append(path)
    for ignore_path, users in sorted(leaky.items()):
        built = users[0] if len(users) == 1 else f"{users[0]} and {len(users) - 1} other Dockerfile(s)"
        yield Problem(
            f"`.git` is not excluded: building {built} from the repository root sends the whole "
            "history to the builder",
            1,
            path=ignore_path,
        )


def _may_send_git(doc: DockerfileDoc) -> bool:
    """Could building this Dockerfile transfer the context's `.git`? BuildKit sends the builder only
    the paths COPY, ADD and RUN bind mounts name, so `.git` travels only with a source that is the
    whole context, a pattern that matches `.git`, or one opsmith cannot read (a variable)."""
    for ins in doc.instructions:
        sources: list[str | None] = []
        if ins.cmd in ("COPY", "ADD") and ins.flag("from") is None:
            sources = [s for s in facts.copy_sources(ins) if not facts.is_remote(s)]
        elif ins.cmd == "RUN":
            sources = [_bind_source(m) for m in ins.flag_values("mount")]
        if any(_names_git(s) for s in sources if s is not None):
            return True
    return False


def _bind_source(mount: str) -> str | None:
    """The context path a `RUN --mount=type=bind,...` exposes (None for other mounts)."""
    fields = dict(part.partition("=")[::2] for part in mount.split(","))
    if fields.get("type") != "bind" or "from" in fields:
        return None
    return fields.get("source", fields.get("src", "."))


def _names_git(source: str) -> bool:
    """Whether a context path may be or contain `.git`: only its first segment can name it."""
    path = normpath(source.lstrip("/"))
    first = path.split("/", 1)[0]
    return path in (".", "") or "$" in first or fnmatch.fnmatchcase(".git", first)


def _dockerignore_for(repo: RepoContext, dockerfile: str) -> str | None:
    own = f"{dockerfile}.dockerignore"
    if repo.exists(own):
        return own
    folder = dirname(dockerfile)
    while True:
        candidate = join(folder, ".dockerignore") if folder else ".dockerignore"
        if repo.exists(candidate):
            return candidate
        if not folder:
            return None
        folder = dirname(folder)


@file_rule(
    "DF009",
    "W",
    FAMILY,
    "ADD where COPY is meant, or ADD of a remote URL",
    fix="Use COPY for local files; download with a checksum (`ADD --checksum=sha256:...`) "
    "or curl plus a checksum check.",
    docs="""
## What it does
Reports `ADD` of local files that are not archives to unpack (use `COPY`), and `ADD` of an
`http(s)://` or git URL without `--checksum`.

## Why it matters
`ADD` silently unpacks archives and fetches URLs, so a reader cannot tell what it does from the
line alone. A remote `ADD` without a checksum pulls whatever the server returns today, and the
layer cache hides when that changes.

## Example
```dockerfile
ADD . /app
ADD https://example.com/tool.tar.gz /tmp/
```

## Fix
```dockerfile
COPY . /app
ADD --checksum=sha256:<sha256> https://example.com/tool.tar.gz /tmp/
```

## Equivalent rules
hadolint DL3020 (use COPY for files and folders); checkov CKV_DOCKER_4 (no ADD).
""",
)
def df009(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for ins in doc.instructions:
        if ins.cmd != "ADD":
            continue
        sources = facts.copy_sources(ins)
        remote = [s for s in sources if facts.is_remote(s)]
        if remote and ins.flag("checksum") is None:
            yield Problem(f"ADD fetches `{remote[0]}` with no checksum", ins.line)
        elif not remote and not all(facts.is_archive(s) for s in sources):
            yield Problem("ADD of local files: COPY does the same without hidden unpacking", ins.line)


@file_rule(
    "DF010",
    "W",
    FAMILY,
    "Package manager leaves caches or extras in the image",
    fixer=NO_INSTALL_RECOMMENDS,
    fix="`apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`; "
    "`apk add --no-cache ...`.",
    docs="""
## What it does
In the stages that end up in the final image (the last stage and the stages it is built `FROM`),
reports `apt-get install` (or `apt install`) without `--no-install-recommends` or without removing
`/var/lib/apt/lists` in the same `RUN` (a cache mount on `/var/lib/apt` also counts), and `apk add`
without `--no-cache`. Builder stages are not judged (their layers are thrown away), nor are images
whose final stage is named for development (`dev`, `dev-envs`): size does not matter on a
workstation. Images that are not services but tools (nothing `EXPOSE`d, and a one-shot entry point
such as a code generator or `make`, or no command of their own on a toolchain base, like a
`genproto` image run only to generate code) are reported at info: they run now and then on a
build machine, where a few extra megabytes cost little. `Dockerfile.debug` and the like are
development files, so their findings are info too.

## Why it matters
Recommended packages often double an image's size and add software nobody asked for. Package index
files deleted in a later `RUN` still live in the earlier layer, so they must go in the same one.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
RUN apk add curl
```

## Fix
```dockerfile
RUN apt-get update \\
 && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
```

## Equivalent rules
hadolint DL3015 (no-install-recommends), DL3009 (delete apt lists), DL3019 (apk --no-cache).
""",
)
def df010(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    if doc.final is None or facts.is_dev_stage(doc.final):
        return
    # a code generator or toolchain image runs now and then on a build machine: size is advice there
    ceiling = Severity.INFO if facts.is_tool_image(doc.final) else None
    for problem in _package_extras(doc.final):
        yield replace(problem, at_most=ceiling)


def _package_extras(final: Stage) -> Iterator[Problem]:
    # Only what reaches the final image ships: a builder stage's extras are thrown away.
    for stage in facts.chain(final):
        for ins in stage.of("RUN"):
            cmds = facts.run_commands(ins)
            script = ins.script
            for cmd in cmds:
                sub = cmd.unwrapped()
                if sub.program in ("apt-get", "apt") and "install" in sub.args():
                    if not sub.has("--no-install-recommends") and "Install-Recommends" not in script:
                        yield Problem("apt-get install without --no-install-recommends", ins.line)
                    if "/var/lib/apt/lists" not in script and not facts.cache_mount(ins, "/var/lib/apt"):
                        yield Problem(
                            "apt package lists are left in the layer: remove "
                            "/var/lib/apt/lists/* in the same RUN",
                            ins.line,
                        )
                    break
                if (
                    sub.program == "apk"
                    and "add" in sub.args()
                    and not sub.has("--no-cache")
                    and "/var/cache/apk" not in script
                    and not facts.cache_mount(ins, "/var/cache/apk")
                ):
                    yield Problem(
                        "apk add without --no-cache leaves the package index in the layer", ins.line
                    )
                    break


@file_rule(
    "DF011",
    "W",
    FAMILY,
    "Dependency install does not follow the lockfile",
    fixer=NPM_CI,
    fix="Install from the lockfile: `npm ci`, `pnpm install --frozen-lockfile`, "
    "`yarn install --immutable`, `pip install -r requirements.txt`, `uv sync --locked`.",
    docs="""
## What it does
Reports dependency installs that may resolve different versions than the ones tested: `npm install`
(without package arguments), `yarn install` and `pnpm install` without a frozen lockfile, `uv sync`
without `--locked`/`--frozen`, and `pip install` of unpinned package names without a requirements or
constraints file. Installs of pip/setuptools/wheel themselves are not reported.

## Why it matters
A build that resolves versions at build time is not the build you tested: a dependency's new minor
release (or a compromised one) reaches production on the next image build, with no diff to review.

## Example
```dockerfile
RUN npm install
RUN pip install flask gunicorn
```

## Fix
```dockerfile
COPY package.json package-lock.json ./
RUN npm ci
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
```

`opsmith audit --fix` turns `npm install` into `npm ci`, a safe fix because it checks what `npm ci`
needs first: an earlier `COPY` of the stage brings `package-lock.json` or `npm-shrinkwrap.json`
(by name, a pattern like `package*.json`, or the whole context) into the folder the install runs
in, and that file exists in the repository. Without a lockfile it leaves the line alone: `npm ci`
would fail the build. The other installs (yarn, pnpm, pip, uv) have no automatic fix.

## Equivalent rules
hadolint DL3016 (pin npm versions), DL3013 (pin pip versions), DL3060 (yarn cache); checkov has none.
""",
)
def df011(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for ins in doc.instructions:
        if ins.cmd != "RUN":
            continue
        for cmd in facts.run_commands(ins):
            reason = facts.unlocked_install(cmd.unwrapped())
            if reason:
                yield Problem(reason, ins.line)
                break


@file_rule(
    "DF012",
    "W",
    FAMILY,
    "Pipe in RUN without pipefail",
    fix="Start the RUN with `set -o pipefail &&`, or set "
    '`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before it.',
    docs="""
## What it does
Reports a shell-form `RUN` that pipes one command into another when neither the `RUN` itself nor a
`SHELL` instruction in effect enables `pipefail`.

## Why it matters
A shell pipeline succeeds if its last command succeeds. `curl https://... | sh` with a failed
download runs `sh` on nothing and the build goes green; `make | tee build.log` hides a failed
compile. The broken image is found in production instead of in the build.

## Example
```dockerfile
RUN curl -fsSL https://example.com/install.sh | bash
```

## Fix
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | bash
```

## Equivalent rules
hadolint DL4006 (set pipefail before RUN with a pipe).
""",
)
def df012(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for stage in doc.stages:
        pipefail_shell = facts.shell_has_pipefail(stage)
        for ins in stage.instructions:
            if ins.cmd == "SHELL":
                pipefail_shell = "pipefail" in ins.args
            elif ins.cmd == "RUN" and not ins.json and not pipefail_shell:
                cmds = facts.run_commands(ins)
                if has_pipe(cmds) and not sets_pipefail(cmds):
                    yield Problem("a failure before the pipe is hidden: pipefail is not set", ins.line)


@file_rule(
    "DF013",
    "W",
    FAMILY,
    "CMD or ENTRYPOINT in shell form",
    fixer=EXEC_FORM,
    fix='Use the exec (JSON) form: `CMD ["node", "server.js"]`.',
    docs="""
## What it does
Reports a shell-form `CMD` or `ENTRYPOINT` in the final stage, unless it starts with `exec` or the
image's `/bin/sh` is known to replace itself with the command, which then is PID 1 and receives
SIGTERM itself. That holds for one simple command (no pipe, `&&`, `;`, `&` or subshell) under:
- busybox's ash, the `/bin/sh` of Alpine and busybox images (`alpine` in the image name or tag),
  with or without redirections such as `2>&1`;
- bash, the `/bin/sh` of Red Hat family images (UBI, Fedora, CentOS, Rocky, Alma, Amazon Linux) or
  set with `SHELL ["/bin/bash", "-c"]`, when the command has no redirection.
Debian's dash (Debian, Ubuntu and most language images) stays as the parent and never forwards the
signal, so there the finding stays. These behaviours were measured by running `sh -c '...'` with
busybox 1.35, bash 5.2 and dash 0.5.12 and reading the process tree (which process holds the
shell's PID).

## Why it matters
In shell form the container's PID 1 is `/bin/sh -c`, which does not forward SIGTERM to your app.
On every deploy or scale-in the orchestrator's stop signal is ignored, in-flight requests are not
drained, and after the grace period the app is killed with SIGKILL.

## Example
```dockerfile
CMD node server.js
```

## Fix
```dockerfile
CMD ["node", "server.js"]
```

## Equivalent rules
hadolint DL3025 (use JSON notation for CMD and ENTRYPOINT).
""",
)
def df013(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    if doc.final is None:
        return
    shell = image_shell(doc.final)
    for ins in doc.final.of("CMD", "ENTRYPOINT"):
        if ins.json or not ins.args or ins.args[0].lstrip().startswith("exec "):
            continue
        if not hands_over_pid1(ins, shell):
            yield Problem(f"{ins.cmd} in shell form: the app does not receive SIGTERM", ins.line)


@file_rule(
    "DF014",
    "W",
    FAMILY,
    "Repeated CMD, ENTRYPOINT or HEALTHCHECK in a stage",
    fix="Keep one of each per stage; delete the ones that are overridden.",
    docs="""
## What it does
Reports a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later one in the same stage overrides.

## Why it matters
Only the last one takes effect. The earlier line misleads every reader (and reviewer) about how the
container starts or is health-checked.

## Example
```dockerfile
CMD ["npm", "start"]
CMD ["node", "server.js"]
```

## Fix
```dockerfile
CMD ["node", "server.js"]
```

## Equivalent rules
hadolint DL4003 (multiple CMD), DL4004 (multiple ENTRYPOINT), DL3057/DL3059 neighbours; checkov
CKV_DOCKER_11-style stage checks.
""",
)
def df014(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for stage in doc.stages:
        for cmd in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            found = stage.of(cmd)
            for earlier in found[:-1]:
                yield Problem(f"this {cmd} is overridden by the one at line {found[-1].line}", earlier.line)


@file_rule(
    "DF015",
    "I",
    FAMILY,
    "`cd` in RUN, or a relative WORKDIR",
    fix="Use `WORKDIR /absolute/path` instead of `cd`.",
    docs="""
## What it does
Reports `RUN cd ...` and `WORKDIR` with a relative path.

## Why it matters
A `cd` lasts for one `RUN` only, so later instructions run somewhere else than a reader assumes.
A relative `WORKDIR` depends on every `WORKDIR` before it (and on the base image's), which breaks
when the base changes.

## Example
```dockerfile
RUN cd /app && npm ci
WORKDIR app
```

## Fix
```dockerfile
WORKDIR /app
RUN npm ci
```

## Equivalent rules
hadolint DL3003 (use WORKDIR to switch directory), DL3000 (absolute WORKDIR).
""",
)
def df015(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for ins in doc.instructions:
        if ins.cmd == "WORKDIR" and not facts.is_absolute_dir(ins.args[0]):
            yield Problem(f"WORKDIR `{ins.args[0]}` is relative", ins.line)
        elif ins.cmd == "RUN" and any(c.program == "cd" for c in facts.run_commands(ins)):
            yield Problem("`cd` in RUN lasts for this RUN only; use WORKDIR", ins.line)


@repo_rule(
    "DF016",
    "E",
    FAMILY,
    "Secret file copied into the image",
    fix="Keep the file out of the build context (.dockerignore) and mount it at build time "
    "with `RUN --mount=type=secret` or inject it at run time.",
    docs="""
## What it does
Reports a `COPY`/`ADD` whose source names a likely secret (`.env`, `id_rsa`, `*.pem`, `*.key`,
`credentials.json`, an `.npmrc` holding a token), and a `COPY . .` of a build context that contains
such a file in the repository without a `.dockerignore` entry for it.

What counts is what reaches the final image. A file copied into a builder stage reaches it only
when the final stage is built `FROM` that stage, or copies a path holding the file out of it
(`COPY --from=builder /app /app`, `/`, a glob). When the final stage takes only named artifacts
(`COPY --from=builder /src/dist/app.apk /`), the secret stays in the builder: the finding is then
info, and says so, since the file still sits in the build cache and in any image built with
`--target` at that stage.

## Why it matters
Every layer of an image can be extracted by anyone who can pull it. A key copied in and deleted in a
later step is still in the earlier layer; a `.env` copied with the sources ships the production
credentials to every registry mirror and laptop.

## Example
```dockerfile
COPY .env /app/.env
COPY . .        # with a committed certs/server.key
```

## Fix
```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```
and list `.env*`, `*.pem`, `*.key` in `.dockerignore`.

## Equivalent rules
checkov CKV_DOCKER_* secret checks; hadolint has none; Trivy's secret scanner finds them after the build.
""",
)
def df016(repo: RepoContext) -> Iterator[Problem]:
    for path, doc in repo.documents(FAMILY):
        context = dirname(path)
        ignore_path = _dockerignore_for(repo, path)
        ignore = DockerIgnore.from_text(repo.read_text(ignore_path) or "") if ignore_path else None
        for stage, ins in ((s, i) for s in doc.stages for i in s.of("COPY", "ADD")):
            if ins.flag("from") is not None:
                continue
            for src in facts.copy_sources(ins):
                if facts.is_secret_file(src, _reader(repo, context)):
                    found = Problem(
                        f"{ins.cmd} copies `{src}`, which looks like a secret", ins.line, path=path
                    )
                    yield _as_shipped(doc, stage, stages.landing(stage, ins, src), found)
            if facts.copies_whole_context(ins):
                located = [
                    (f, stages.landing(stage, ins, ".", f))
                    for f in _secrets_in_context(repo, context, ignore)
                ]
                # name a file that reaches the image when there is one
                shipped = [item for item in located if stages.reaches_final(doc, stage, item[1])]
                if located:
                    name, where = (shipped or located)[0]
                    message = f"{ins.cmd} copies the whole context, which includes `{name}`"
                    found = Problem(f"{message} (not excluded by .dockerignore)", ins.line, path=path)
                    yield _as_shipped(doc, stage, where, found)


def _as_shipped(doc: DockerfileDoc, stage: Stage, where: str | None, found: Problem) -> Problem:
    """A secret copied into a builder stage that the final image takes only named files from
    stays out of the image: advice, with the reason."""
    if stages.reaches_final(doc, stage, where):
        return found
    named = f"`{stage.name}`" if stage.name else str(stage.index)
    reason = (
        f", but only into build stage {named}, whose files reach the final image only by name: "
        "it stays in the build cache, not in the image"
    )
    return replace(found, message=found.message + reason, at_most=Severity.INFO)


def _reader(repo: RepoContext, context: str) -> Callable[[str], str]:
    """Reads a build-context path (relative to `context`) from the repository."""

    def read(rel: str) -> str:
        return repo.read_text(normpath(join(context, rel))) or ""

    return read


def _secrets_in_context(repo: RepoContext, context: str, ignore: DockerIgnore | None) -> list[str]:
    prefix = f"{context}/" if context else ""
    found: list[str] = []
    for file in repo.files:
        if not file.startswith(prefix):
            continue
        inner = file[len(prefix) :]
        if ignore is not None and ignore.excludes(inner):
            continue
        if facts.is_secret_file(inner, _reader(repo, context)):
            found.append(inner)
    return found


@file_rule(
    "DF017",
    "W",
    FAMILY,
    "sudo in RUN",
    fix="Drop `sudo`: run the step before switching `USER`, or switch back with `USER root` briefly.",
    docs="""
## What it does
Reports `sudo` used in a `RUN` instruction.

## Why it matters
Build steps already run as whichever `USER` is set, so `sudo` adds nothing but a setuid binary and
its configuration to the image, and an easy path from the app user back to root at run time. It
also behaves unpredictably without a TTY.

## Example
```dockerfile
USER app
RUN sudo apt-get update
```

## Fix
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
 && rm -rf /var/lib/apt/lists/*
USER app
```

## Equivalent rules
hadolint DL3004 (do not use sudo).
""",
)
def df017(doc: DockerfileDoc, ctx: FileContext) -> Iterator[Problem]:
    for ins in doc.instructions:
        if ins.cmd == "RUN" and any(c.program == "sudo" for c in facts.run_commands(ins)):
            yield Problem("`sudo` in a build step", ins.line)


DF018 = parse_error_rule(
    "DF018",
    FAMILY,
    "Dockerfile",
    docs="""
## What it does
Reports a Dockerfile that BuildKit's parser rejects, or whose instructions `docker build` would
refuse (unknown instruction, an instruction before the first `FROM`, a `COPY` with no destination,
an unknown flag, an unterminated heredoc...), with the line where it goes wrong.

## Why it matters
A Dockerfile that does not parse breaks the build at the worst time (the release), and none of the
other rules can judge it until it does.

## Example
```dockerfile
FROOM node:22.11.0
RUN <<EOF
echo never closed
```

## Fix
Correct the instruction or close the heredoc; `docker build --check .` shows the same error.

## Equivalent rules
hadolint DL1000 (parse error); `docker build --check`.
""",
)


def _shown(stage: Stage) -> str:
    """The image as written, with what ARG defaults make of it when they change it."""
    if stage.resolved_image and stage.resolved_image != stage.image:
        return f"{stage.image}` = `{stage.resolved_image}"
    return stage.image


def _external_stages(doc: DockerfileDoc) -> Iterator[Stage]:
    """Stages based on a registry image (not scratch, not an earlier stage, not unresolvable)."""
    for stage in doc.stages:
        if stage.parent is None and stage.resolved_image and stage.resolved_image != "scratch":
            yield stage


RULES: tuple[Rule[DockerfileDoc], ...] = (
    df001,
    df002,
    df003,
    df004,
    df005,
    df006,
    df007,
    df008,
    df009,
    df010,
    df011,
    df012,
    df013,
    df014,
    df015,
    df016,
    df017,
    DF018,
)
