"""Docker Compose rules DC001-DC011."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from opsmith.findings import Problem, Severity
from opsmith.fix.compose import SERVICE_HEALTHY
from opsmith.parse.compose import (
    UNKNOWN,
    ComposeDoc,
    EnvVar,
    Mount,
    Port,
    Service,
    expand,
    has_interpolation,
    without_variables,
)
from opsmith.parse.image import image_ref
from opsmith.regex import lazy
from opsmith.rules import compose_facts as facts
from opsmith.rules.base import FileContext, RepoContext, Rule, file_rule, repo_rule
from opsmith.rules.compose_project import Project, ServiceView, projects
from opsmith.rules.host_agents import is_host_agent
from opsmith.secrets.detect import secret_in
from opsmith.secrets.masking import described

FAMILY = "compose"
_PORT_RANGE = lazy(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


@file_rule(
    "DC001",
    "E",
    FAMILY,
    "Service image is not pinned to a version",
    fix="Pin the image to an exact version tag (and ideally a digest), e.g. `postgres:16.4-alpine`.",
    docs="""
## What it does
Reports a service whose `image:` has no tag or the `latest` tag, including a tag that only falls
back to `latest` (`redis:${REDIS_TAG:-latest}`). An image set entirely by a variable with no
default is left alone, and so is the `image:` of a service that also has `build:`: there it names
the image built from your sources, not one pulled from a registry.

## Why it matters
`docker compose up` on another machine, or after `docker compose pull`, silently moves to whatever
`latest` means that day: a new major version of the database, a changed default configuration, a
different libc. Two hosts started from the same commit then run different software, and a rollback
of the compose file does not roll the images back.

## Example
```yaml
services:
  db:
    image: postgres
  cache:
    image: redis:latest
```

## Fix
```yaml
services:
  db:
    image: postgres:16.4-alpine
  cache:
    image: redis:7.4.1-alpine@sha256:<digest>
```

## Equivalent rules
None of hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint reads Compose files.
dclint `service-image-require-explicit-tag`; KU001 is the Kubernetes counterpart and DF001 the
Dockerfile one.
""",
)
def dc001(doc: ComposeDoc, ctx: FileContext) -> Iterator[Problem]:
    for service in doc.services:
        image = service.image
        if image is None or service.build is not None:
            continue
        if (policy := service.options.get("pull_policy")) is not None and policy.text == "build":
            continue
        resolved = expand(image.text)
        if not resolved:
            continue
        ref = image_ref(resolved)
        if ref.digest or not ref.name:
            continue
        fallback = " when its variables are unset" if has_interpolation(image.text) else ""
        if ref.tag is None:
            yield Problem(f"image `{image.text}` has no tag{fallback}, so Compose pulls `latest`", image.line)
        elif ref.tag == "latest":
            yield Problem(f"image `{image.text}` uses the moving `latest` tag{fallback}", image.line)


@repo_rule(
    "DC002",
    "W",
    FAMILY,
    "Long-running service has no healthcheck",
    fix="Add a `healthcheck:` with a `test` that probes the service (or a HEALTHCHECK in its Dockerfile).",
    docs="""
## What it does
Reports a service that keeps running (not a one-shot task) and has no health check: none in its
`healthcheck:` (in this file or an override next to it) and, when it is built from a Dockerfile in
this repository, no `HEALTHCHECK` in the stage that becomes its image.

Not reported: `healthcheck: {disable: true}` or `test: ["NONE"]` (a decision), a Dockerfile with
`HEALTHCHECK NONE`, a service that another waits for with `condition:
service_completed_successfully`, a service that says `restart: "no"` (it is meant to run once), and
a service with no restart policy whose command, name or image says it is a task: a migration, a
seed, an init or setup job. A service built from a Dockerfile opsmith cannot read (a remote
context, a file outside the repository) is given the benefit of the doubt.

Severity: warning when another service lists this one in `depends_on`, info otherwise. Plain Docker
and Compose act on health only for the services that wait on it (`condition: service_healthy`,
`up --wait`); a service nothing depends on (a lone development container, a dashboard, an
optional agent) loses little without one, and on real repositories these findings were judged
advice at most.

## Why it matters
Without a health check Docker only knows that the process exists. `depends_on` cannot wait for the
database to accept connections, `docker compose up --wait` returns too early, a deadlocked web
server stays "Up" forever, and nothing tells a deploy script that the new version is broken.

## Example
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
  db:
    image: postgres:16.4
```

## Fix
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/healthz"]
      interval: 10s
      timeout: 3s
      retries: 3
  db:
    image: postgres:16.4
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U \\"$$POSTGRES_USER\\""]
      interval: 5s
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint. KICS "Healthcheck Not
Set"; DF004 is the Dockerfile side and KU003/KU004 the Kubernetes probes.
""",
)
def dc002(repo: RepoContext) -> Iterator[Problem]:
    for project, view in _judged(repo):
        if project.one_shot(view) or project.health(view) != "no":
            continue
        where = " in compose or in the image it builds" if view.last("build") else ""
        problem = _at_home(
            view,
            f"service `{view.name}` has no healthcheck{where}: Docker cannot tell when it is ready or stuck",
        )
        # Plain Docker acts on health only for the services that wait on it: with none, advice.
        yield problem if project.depended_on(view) else replace(problem, at_most=Severity.INFO)


def _judged(repo: RepoContext) -> Iterator[tuple[Project, ServiceView]]:
    """Every service whose definition says what to run, with its project: the ones judged on what
    they lack."""
    for project in projects(repo):
        for view in project.services.values():
            if view.complete:
                yield project, view


def _at_home(view: ServiceView, message: str) -> Problem:
    home = view.home
    return Problem(message, home.service.line, path=home.path)


@repo_rule(
    "DC003",
    "W",
    FAMILY,
    "depends_on does not wait for a healthy dependency",
    fixer=SERVICE_HEALTHY,
    fix="Use the long form: `depends_on: {db: {condition: service_healthy}}`.",
    docs="""
## What it does
Reports a `depends_on` entry naming a service that has a health check (in compose, or a
`HEALTHCHECK` in the Dockerfile it is built from here) without `condition: service_healthy`. The
short list form means `service_started`.

## Why it matters
`service_started` only waits until the dependency's container has started, not until it accepts
connections. The app then races the database on every `up`: it crashes on the first query, or
runs its migrations against a server that is still starting, and the failure is intermittent.
The health check is already there; the dependency just does not use it.

The short form is a warning. A `condition: service_started` written out is reported at info only:
someone chose it (a client that reconnects by itself starts faster without waiting), and opsmith
cannot tell that choice is wrong.

## Example
```yaml
services:
  api:
    depends_on:
      - db
  db:
    image: postgres:16.4
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
```

## Fix
```yaml
services:
  api:
    depends_on:
      db:
        condition: service_healthy
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint; no KICS query either.
""",
)
def dc003(repo: RepoContext) -> Iterator[Problem]:
    for project in projects(repo):
        for view in project.services.values():
            for layer, dep in view.dependencies():
                target = project.services.get(dep.service)
                if target is None or dep.condition != "service_started":
                    continue
                if project.health(target) == "yes":
                    # `condition: service_started` written out is a choice, not an oversight
                    yield Problem(
                        f"`{view.name}` depends on `{dep.service}`, which has a healthcheck, but only waits "
                        "for it to start (`service_started`), not to be healthy",
                        dep.line,
                        path=layer.path,
                        at_most=Severity.INFO if dep.explicit else None,
                    )


@file_rule(
    "DC004",
    "E",
    FAMILY,
    "Secret hard-coded in environment",
    applies_to="live-credentials",
    fix="Reference a variable that must be set (`${DB_PASSWORD:?set DB_PASSWORD}`), load an env_file kept "
    "out of git, or use compose `secrets:`.",
    docs="""
## What it does
Reports `environment` entries (map or `KEY=value` list form) and build `args` whose name says
they hold a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) and whose value is written
in the file, plus any value shaped like a credential whatever its name: a password inside a URL
(`postgresql://app:s3cret@db/app`), cloud keys, GitHub/GitLab/Slack/Stripe tokens, private keys.

Values Compose takes from the environment are fine: `$VAR`, `${VAR}`, `${VAR:?message}`, and a URL
whose password is `${DB_PASSWORD}`. A variable with a literal fallback (`${VAR:-devpassword}`) is
DC011's business. Names such as `POSTGRES_PASSWORD_FILE` point at a secret and are fine too, and
so are placeholders (`replace-me`, `<token>`), file paths and image references, whatever the name.

Value and context are judged together. A password that repeats the user or database name set in
the same service (`MYSQL_USER: wordpress` beside `MYSQL_PASSWORD: wordpress`, `postgres`/`postgres`)
or only spells out its own variable's name (`DB_PASSWORD: db_password`) is reported at info: that
is how samples and demos mark a throwaway credential, and nobody runs a real system on one. It
stays visible, in case a copy of the sample goes live. A weak password on its own
(`POSTGRES_PASSWORD: postgres`) is still an error, and so is any credential in a provider's format
or a password in a URL, wherever it is.

## Why it matters
The compose file is committed: everyone with read access to the repository, every fork and every
CI log that prints it has the password, and it stays in git history after it is changed. The
same value usually ends up in production because "it works locally".

## Example
```yaml
services:
  db:
    environment:
      POSTGRES_PASSWORD: postgres
  api:
    environment:
      - DATABASE_URL=postgresql://shop:hunter2@db:5432/shop
```

## Fix
```yaml
services:
  db:
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env (not committed)}
  api:
    environment:
      DATABASE_URL: postgresql://shop:${POSTGRES_PASSWORD}@db:5432/shop
```
or mount it with `secrets:` and `POSTGRES_PASSWORD_FILE: /run/secrets/db_password`.

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint for Compose; secret
scanners (gitleaks, trufflehog) find credential-shaped values but not `POSTGRES_PASSWORD: postgres`.
KU008 and DF005 are the Kubernetes and Dockerfile counterparts.
""",
)
def dc004(doc: ComposeDoc, ctx: FileContext) -> Iterator[Problem]:
    from opsmith.secrets.demo_values import account_names, names_itself, repeats_account

    seen: set[tuple[int, str]] = set()
    accounts: dict[int, frozenset[str]] = {}  # per block of variables, read once however many secrets
    for what, var, neighbours in _secret_candidates(doc):
        if (var.line, var.name) in seen or var.value is None:
            continue
        seen.add((var.line, var.name))
        value = without_variables(var.value)
        found = secret_in(var.name, value)
        if not found:
            continue
        message = f"{what} `{var.name}` holds {described(found)} written in the file"
        if id(neighbours) not in accounts:
            accounts[id(neighbours)] = account_names((v.name, v.value) for v in neighbours)
        if found[0] != "literal secret":  # credential-shaped: an error wherever it is
            yield Problem(message, var.line)
        elif repeats_account(value, accounts[id(neighbours)]):
            yield Problem(
                f"{message}; it repeats the user or database name, a sample's throwaway",
                var.line,
                at_most=Severity.INFO,
            )
        elif names_itself(var.name, value):
            yield Problem(
                f"{message}; it only spells out its own name, a sample's throwaway",
                var.line,
                at_most=Severity.INFO,
            )
        else:
            yield Problem(message, var.line)


@file_rule(
    "DC011",
    "W",
    FAMILY,
    "Secret falls back to a hard-coded default",
    fix="Drop the fallback and make the variable required: `${DB_PASSWORD:?set DB_PASSWORD}`.",
    docs="""
## What it does
Reports an `environment` entry or build argument whose value comes from a variable but falls
back to a literal secret when the variable is unset: a secret-named variable with a default
(`POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}`, `${VAR-x}` too), or a URL whose password is
a defaulted variable (`postgresql://app:${DB_PASSWORD:-devpass}@db/app`). The finding is on the
line of that default, which is what is hard-coded. Empty defaults (`${TOKEN:-}`) are fine.

## Why it matters
The fallback is meant for laptops, but nothing stops it from being used anywhere else: a server
where the variable was forgotten starts normally, with a password that is in the repository.
A required variable (`:?`) fails loudly instead. This is a warning rather than DC004's error
because the value is at least meant to be overridden.

## Example
```yaml
environment:
  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-devpassword}
```

## Fix
```yaml
environment:
  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (see .env.example)}
```
and keep development values in an `.env` file that git ignores.

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint.
""",
)
def dc011(doc: ComposeDoc, ctx: FileContext) -> Iterator[Problem]:
    seen: set[tuple[int, str]] = set()
    for what, var, _neighbours in _secret_candidates(doc):
        if (var.line, var.name) in seen or var.value is None or not has_interpolation(var.value):
            continue
        seen.add((var.line, var.name))
        if _secret_in(var.name, without_variables(var.value)):
            continue  # hard-coded whatever the variables hold: DC004 reports it
        defaulted = (expand(var.value, partial=True) or "").replace(UNKNOWN, "${_}")
        found = _secret_in(var.name, defaulted)
        if found:
            yield Problem(f"{what} `{var.name}` falls back to {found} when its variable is unset", var.line)


def _secret_candidates(doc: ComposeDoc) -> Iterator[tuple[str, EnvVar, tuple[EnvVar, ...]]]:
    """Each variable that may hold a secret, with the variables set beside it."""
    for service in doc.services:
        for var in service.environment:
            yield "environment variable", var, service.environment
        if service.build is not None:
            for var in service.build.args:
                yield "build argument", var, service.build.args


def _secret_in(name: str, value: str) -> str | None:
    """What literal secret `name=value` holds ("a password in a URL (Sup3****...)"), or None."""
    found = secret_in(name, value)
    return described(found) if found else None


@repo_rule(
    "DC005",
    "E",
    FAMILY,
    "Stateful service has no volume for its data",
    fix="Mount a named volume (or a bind mount) exactly on the image's data directory.",
    docs="""
## What it does
Recognises databases, caches, brokers and object stores by image (PostgreSQL, MySQL, MariaDB,
MongoDB, Redis, Valkey, RabbitMQ, Elasticsearch, OpenSearch, Kafka, ZooKeeper, ClickHouse,
Cassandra, MinIO, etcd, InfluxDB, Neo4j, CouchDB and more, official and Bitnami images, and images
built here `FROM` one of them) and reports one whose data directory (`/var/lib/postgresql/data`,
`/var/lib/mysql`, `/data/db`, `/data`, `/bitnami/...`, `/usr/share/elasticsearch/data`, ...) is not
on a named volume or bind mount. A data directory moved with `PGDATA`, `--datadir` or the like is
followed, and PostgreSQL 18's new layout (`/var/lib/postgresql`) is known.

Also reported: an anonymous volume (`- /var/lib/mysql`), and a mount on a parent folder that the
image's own `VOLUME` hides (mounting `/var/lib/postgresql` on PostgreSQL 17: Docker puts an
anonymous volume on `/var/lib/postgresql/data` inside it, so the data never reaches yours).
Not reported: a `tmpfs` on the data directory (throw-away data on purpose), `volumes_from`, and a
Redis started with `--save ""` and no append-only file (a pure cache).

## Why it matters
Without a volume the data lives in the container's writable layer or in an anonymous volume:
`docker compose down`, a recreate after an image update, or `docker compose up --force-recreate`
starts an empty database. People find out after the first upgrade.

## Example
```yaml
services:
  db:
    image: postgres:16.4
```

## Fix
```yaml
services:
  db:
    image: postgres:16.4
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata:
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint, and no KICS query.
""",
)
def dc005(repo: RepoContext) -> Iterator[Problem]:
    for project, view in _judged(repo):
        problem = _state_problem(project, view)
        if problem:
            yield problem


def _state_problem(project: Project, view: ServiceView) -> Problem | None:
    if view.has("volumes_from"):
        return None
    image = project.runtime_image(view)
    entry = facts.stateful_image(image) if image else None
    if entry is None or image is None:
        return None
    words = view.command_words()
    if entry.kind in ("Redis", "Valkey") and facts.cache_only(words):
        return None
    layout = facts.data_layout(entry, image, view.environment(), words)
    mounts = [m for layer in view.layers for m in layer.service.volumes]
    tmpfs = [t for layer in view.layers for t in layer.service.tmpfs]
    state = facts.persistence(layout, mounts, tmpfs)
    home_path = view.home.path
    if state.state in ("kept", "ephemeral"):
        return None
    if state.state == "anonymous" and state.mount is not None:
        return Problem(
            f"{entry.kind} data in `{state.data_dir}` is on an anonymous volume, which a new container "
            "does not get back: name the volume",
            state.mount.line,
            path=_path_of(view, state.mount, home_path),
        )
    if state.state == "shadowed" and state.mount is not None:
        return Problem(
            f"`{state.mount.target}` is mounted, but the image declares VOLUME `{state.shadow}` inside it: "
            f"Docker puts an anonymous volume there and the {entry.kind} data in `{state.data_dir}` never "
            f"reaches your volume. Mount `{state.shadow}` itself",
            state.mount.line,
            path=_path_of(view, state.mount, home_path),
        )
    return _at_home(
        view,
        f"`{view.name}` runs {entry.kind} but mounts no volume on its data directory `{state.data_dir}`: "
        "the data goes when the container is recreated",
    )


def _path_of(view: ServiceView, mount: Mount, default: str) -> str:
    """The compose file a mount is written in (an override may add it)."""
    for layer in view.layers:
        if any(m is mount for m in layer.service.volumes):
            return layer.path
    return default


@file_rule(
    "DC006",
    "E",
    FAMILY,
    "Container gets control of the host",
    fix="Remove it; grant the one capability or device the service needs (`cap_add`, `devices`), "
    "or put a filtering proxy in front of the Docker API.",
    docs="""
## What it does
Reports a service that runs `privileged: true`, shares the host's network, process or IPC
namespace (`network_mode: host`, `pid: host`, `ipc: host`), adds the `ALL` or `SYS_ADMIN`
capability, or gets the container engine's API: the Docker (or Podman/containerd) socket mounted
in any form (short or long volume syntax, `:ro` included, a Windows named pipe, or the `/run`,
`/var/run` or `/` folder that holds it) or `use_api_socket: true`.

Severity: error, but info for a recognisable host agent, whose job needs that access and whose
documentation asks for it: the node agents KU011 also recognises (node-exporter, cAdvisor, eBPF
profilers and tracers such as Pyroscope, Parca, Beyla and the OpenTelemetry eBPF profiler,
Netdata, Datadog and other monitoring agents, log shippers such as Promtail and Fluent Bit,
Falco), and media servers that need host networking for discovery (Plex, Jellyfin). The finding
stays visible, because such an agent is still a way into the host, but the choice is deliberate,
not a defect. The image name or the service name (useful when the image is a variable) decides.

The engine's socket alone is also info for tools whose job is to drive the container engine:
management UIs (Portainer, Dozzle), reverse proxies that configure themselves from container
labels (Traefik, nginx-proxy, docker-gen, Caddy's Docker proxy), updaters and schedulers
(Watchtower, Diun, Ouroboros, Ofelia, autoheal), CI runners and socket proxies. They cannot work
without it, so the finding is a reminder of what they hold, not a mistake; a read-only mount is
not asked for, because it changes nothing (see below). The same tool running privileged or in a
host namespace is still an error: its job does not need that.

## Why it matters
Each of these removes the wall between the container and the host. Whoever controls the Docker
socket can start a privileged container that mounts `/` and is root on the host (`:ro` does not
help: it only stops writes to the socket file, not API calls); a privileged container can load
kernel modules and read every disk; `pid: host` lets it signal and inspect every process; with
`network_mode: host` it can reach every service bound to localhost. One vulnerability in that
service becomes a host compromise.

## Example
```yaml
services:
  agent:
    image: acme/agent:2.1.0
    privileged: true
    network_mode: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
```

## Fix
```yaml
services:
  agent:
    image: acme/agent:2.1.0
    cap_add: [NET_ADMIN]        # only what it needs
    environment:
      DOCKER_HOST: tcp://docker-proxy:2375   # a socket proxy allowing read-only endpoints
```
When another tool truly needs it (one opsmith does not recognise), suppress the finding on that
line with the reason: `# opsmith: ignore[DC006] reads container labels to route`.

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint for Compose. KICS
"Privileged Containers Enabled", "Docker Socket Mounted In Container", "Host Namespace is Shared";
KU011 and KU006 are the Kubernetes counterparts.
""",
)
def dc006(doc: ComposeDoc, ctx: FileContext) -> Iterator[Problem]:
    for service in doc.services:
        image = (expand(service.image.text) if service.image is not None else None) or ""
        names = [n for n in (service.name, image) if n]
        agent = any(is_host_agent(n) or _MEDIA_SERVER().search(n) for n in names)
        engine_tool = any(_ENGINE_TOOL().search(n) for n in names)
        for problem, engine_api in _host_access(service):
            if engine_tool and engine_api and not agent:
                reason = "; expected for a tool whose job is to drive the container engine"
                yield replace(problem, message=problem.message + reason, at_most=Severity.INFO)
            else:
                yield replace(problem, at_most=Severity.INFO) if agent else problem


# Media servers whose documentation asks for host networking (discovery) and device access.
_MEDIA_SERVER = lazy(r"(?i)(?:^|/)(?:plex|pms-docker|jellyfin)(?:$|[:@/_.-])")
# Tools that exist to drive the container engine through its API, matched as whole words of the
# image or service name (`portainer/portainer-ce`, `containrrr/watchtower`, `traefik:v3.1`).
_ENGINE_TOOL = lazy(
    r"(?i)(?:^|[/_.-])(?:portainer(?:-ce|-ee|-agent)?|traefik|watchtower|nginx-proxy|docker-gen|acme-companion"
    r"|caddy-docker-proxy|dozzle|diun|ouroboros|ofelia|autoheal|docker-socket-proxy|socket-proxy"
    r"|gitlab-runner|woodpecker-agent|drone-runner-docker|act_runner|dockge|yacht|swarmpit)(?:$|[:@/_.-])"
)


_HOST_NAMESPACES = (
    ("network_mode", "shares the host's network stack (`network_mode: host`)"),
    ("pid", "sees and can signal every host process (`pid: host`)"),
    ("ipc", "shares the host's IPC namespace (`ipc: host`)"),
)


def _host_access(service: Service) -> Iterator[tuple[Problem, bool]]:
    """Each grant of host access, and whether it is the container engine's API (and nothing more)."""
    name = f"`{service.name}`"
    privileged = service.options.get("privileged")
    if privileged is not None and privileged.truthy():
        yield (
            Problem(
                f"{name} runs privileged: it has every capability and every host device", privileged.line
            ),
            False,
        )
    for option, what in _HOST_NAMESPACES:
        value = service.options.get(option)
        if value is not None and (expand(value.text) or "").strip().lower() == "host":
            yield Problem(f"{name} {what}", value.line), False
    for cap in service.cap_add:
        if (expand(cap.text) or "").upper().removeprefix("CAP_") in ("ALL", "SYS_ADMIN"):
            yield (
                Problem(f"{name} adds the `{cap.text}` capability, which is as good as privileged", cap.line),
                False,
            )
    api = service.options.get("use_api_socket")
    if api is not None and api.truthy():
        yield Problem(f"{name} gets the Docker API socket (`use_api_socket: true`)", api.line), True
    for mount in service.volumes:
        source = facts.host_socket(mount)
        if source is not None:
            socket = source.endswith(".sock") or "pipe" in source
            what = (
                "the container engine's socket"
                if socket
                else (f"the host folder `{source}`, which holds the Docker socket")
            )
            # a folder that holds the socket hands over the rest of the host's runtime files too
            yield Problem(f"{name} mounts {what}: whoever controls it controls the host", mount.line), socket


@repo_rule(
    "DC007",
    "W",
    FAMILY,
    "Database or cache port published on all interfaces",
    fix='Bind it to loopback (`"127.0.0.1:5432:5432"`), or remove `ports:`: other services reach '
    "it over the compose network by name.",
    docs="""
## What it does
Reports a published port of a database, cache or broker (by the image: PostgreSQL 5432, MySQL
3306, MongoDB 27017, Redis 6379, Memcached 11211, RabbitMQ 5672, Elasticsearch 9200, Kafka 9092,
...; or a well-known database port on any image) that gives no host address, or `0.0.0.0` / `::`.
`"127.0.0.1:5432:5432"`, `"[::1]:6379:6379"` and a host address taken from a variable are fine;
`expose:` publishes nothing and is fine too.

## Why it matters
A port published without an address listens on every interface of the host, and Docker's own
firewall rules are inserted before ufw/firewalld ones, so "the firewall blocks it" is usually
wrong. Internet scanners find an open Redis or PostgreSQL within minutes, and development
defaults (no Redis password, `POSTGRES_PASSWORD: postgres`) make the rest easy. Services in the
same compose project do not need the port published at all.

## Example
```yaml
services:
  db:
    image: postgres:16.4
    ports:
      - "5432:5432"
```

## Fix
```yaml
services:
  db:
    image: postgres:16.4
    ports:
      - "127.0.0.1:5432:5432"   # for a local client; or no `ports:` at all
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint. dclint
`no-unbound-port-interfaces` and KICS "Container Traffic Not Bound To Host Interface" flag every
unbound port; this rule keeps to the ones that expose data.
""",
)
def dc007(repo: RepoContext) -> Iterator[Problem]:
    for project in projects(repo):
        for view in project.services.values():
            image = project.runtime_image(view)
            kind, ports = facts.database_ports(image)
            for layer in view.layers:
                if not layer.own:
                    continue
                for port in layer.service.ports:
                    number = _exposed_database_port(port, ports)
                    if number is not None:
                        yield Problem(
                            f"{kind} port {number} of `{view.name}` is published on all interfaces "
                            f"(`{port.raw}`)",
                            port.line,
                            path=layer.path,
                        )


def _exposed_database_port(port: Port, database_ports: frozenset[int]) -> int | None:
    if port.host_ip is not None and port.host_ip.strip() not in ("", "0.0.0.0", "::", "*"):
        return None  # bound to one address (or an address from a variable)
    for number in _port_numbers(port.target):
        if number in database_ports:
            return number
    return None


def _port_numbers(text: str | None) -> list[int]:
    # ASCII digits of port size only: str.isdigit() accepts `²`, and int() refuses 4,300 digits
    match = _PORT_RANGE().fullmatch(text.strip()) if text and UNKNOWN not in text else None
    if match is None:
        return []
    low, high = int(match[1]), int(match[2] or match[1])
    return list(range(low, min(high, low + 1000) + 1))


@repo_rule(
    "DC008",
    "I",
    FAMILY,
    "Service has no restart policy",
    fix="Add `restart: unless-stopped` (or `deploy.restart_policy` under Swarm).",
    docs="""
## What it does
Reports a long-running service with neither `restart:` nor `deploy.restart_policy` in its compose
files (an override next to the file counts). One-shot tasks, recognised as for DC002, are left
alone: for a migration the default (`no`) is right. An explicit `restart: "no"` is a decision.

## Why it matters
Without a policy a service that crashes, or every container after a host reboot or a Docker
upgrade, stays down until someone runs `docker compose up` again. On a single-server deployment
that is an outage nobody is paged for.

## Example
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
    ports: ["127.0.0.1:3000:3000"]
```

## Fix
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
    ports: ["127.0.0.1:3000:3000"]
    restart: unless-stopped   # or `always`; `on-failure:5` for jobs that may fail
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint. KICS "Restart Policy On
Failure Not Set To 5" looks at the retry count instead.
""",
)
def dc008(repo: RepoContext) -> Iterator[Problem]:
    for project, view in _judged(repo):
        if not (view.has("restart") or view.has("restart_policy") or project.one_shot(view)):
            yield _at_home(
                view, f"service `{view.name}` has no restart policy: after a crash or a reboot it stays down"
            )


@repo_rule(
    "DC009",
    "I",
    FAMILY,
    "Service has no memory limit",
    fix="Set `deploy.resources.limits.memory` (and `cpus`), e.g. `memory: 512M`, `cpus: '1.0'`.",
    docs="""
## What it does
Reports a service with no memory limit: neither `deploy.resources.limits.memory` nor `mem_limit`
in its compose files (an override next to the file counts). A CPU limit alone does not satisfy it,
since it cannot stop a leak from exhausting the host; the message says which limits are missing.

## Why it matters
Every service on a Compose host shares its memory. One leaking worker or an unbounded cache grows
until the kernel's OOM killer picks a victim, often the database rather than the culprit, and
everything on the host fails together. A limit confines the failure to the service that caused it,
and documents how much it is expected to use.

## Example
```yaml
services:
  worker:
    image: ghcr.io/acme/worker:1.8.2
```

## Fix
```yaml
services:
  worker:
    image: ghcr.io/acme/worker:1.8.2
    deploy:
      resources:
        limits:
          memory: 512M
          cpus: "1.0"
```

## Equivalent rules
None in hadolint, checkov, kube-linter, zizmor, pint, squawk or actionlint. KICS "Memory Not
Limited" and "Cpus Not Limited"; KU002 is the Kubernetes counterpart.
""",
)
def dc009(repo: RepoContext) -> Iterator[Problem]:
    for _project, view in _judged(repo):
        if not view.has("memory_limit"):
            extra = "" if view.has("cpu_limit") else " or CPU"
            yield _at_home(
                view,
                f"service `{view.name}` has no memory{extra} limit: one leak can take the whole host down",
            )


@file_rule(
    "DC010",
    "E",
    FAMILY,
    "Compose file is not valid",
    fix="Correct the file so that `docker compose config` accepts it.",
    docs="""
## What it does
Checks the file the way `docker compose config` does before it runs anything: the YAML must parse
(with Compose's YAML 1.2 reading), no mapping may define a key twice, every `${...}` must be a valid
interpolation, and the result must be valid against the Compose Specification JSON schema (unknown
keys, wrong types, an invalid `depends_on` condition...). Values that contain a variable are
checked the way Compose checks them, after interpolation: `required: ${FLAG}` where a boolean is
expected is not an error. Each problem is reported at the line of the offending key or value.

A file that defines nothing (empty, or only comments) is reported at info: projects keep such a
file as a documented seam that forks fill in, loaded last with `-f` next to the real files, and
Compose merges it without complaint; only run on its own does it have nothing to start.

## Why it matters
Compose refuses the whole file for one typo, usually on the server during a deploy. Worse, some
typos in older Compose versions were silently ignored: a misspelt `healthcheck` or `restart` key
does nothing at all, and the protection it was meant to give is missing without anyone noticing.

## Example
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
    restart: always
    restart: unless-stopped
    depends_on:
      db:
        condition: healthy
    helthcheck:
      test: ["CMD", "true"]
```

## Fix
```yaml
services:
  api:
    image: ghcr.io/acme/api:1.8.2
    restart: unless-stopped
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "true"]
```

## Equivalent rules
`docker compose config --quiet`; check-jsonschema's `check-compose-spec` hook (same vendored
schema, without interpolation); dclint's schema validation. None of hadolint, checkov,
kube-linter, zizmor, pint, squawk or actionlint reads Compose files.
""",
)
def dc010(doc: ComposeDoc, ctx: FileContext) -> Iterator[Problem]:
    for problem in doc.problems:
        yield Problem(problem.message, problem.line)


RULES: tuple[Rule[ComposeDoc], ...] = (
    dc001,
    dc002,
    dc003,
    dc004,
    dc005,
    dc006,
    dc007,
    dc008,
    dc009,
    dc010,
    dc011,
)
