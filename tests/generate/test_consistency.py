"""What the repository declares and what the design chose is what every generated file says: the
runtime release (image, CI, design), and the port, health routes and start command (image,
compose, Kubernetes, Terraform). Each small repository is written to tmp_path, analysed, designed
and generated as `opsmith init` would, and the generated files are read back with their parsers.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dockerfile
import pytest
import yaml

from generate.workspace_repo import WORKSPACE, as_json
from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Design, Service
from opsmith.generate.options import GenerateOptions
from opsmith.generate.plan import plan
from opsmith.parse.terraform import Block
from opsmith.parse.terraform_reader import read


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    runtime: str  # the runtime as the image names it
    declared: str  # the version as the repository writes it
    liveness: str | None  # the route that answers without backing services; None: a TCP check
    package_manager: tuple[str, str] | None = None  # (name, exact release) the repository pins


NPM_EXPRESS = Case(
    files={
        ".nvmrc": "22.12.0\n",
        "package.json": as_json(
            {
                "name": "ledger",
                "version": "1.0.0",
                "private": True,
                "scripts": {"start": "node server.js"},
                "engines": {"node": ">=22"},
                "dependencies": {"express": "^4.21.2", "pg": "^8.13.1"},
            }
        ),
        "package-lock.json": as_json(
            {"name": "ledger", "lockfileVersion": 3, "requires": True, "packages": {"": {"name": "ledger"}}}
        ),
        "server.js": """
            const express = require('express');
            const { Pool } = require('pg');
            const pool = new Pool({ connectionString: process.env.DATABASE_URL });
            const app = express();
            app.get('/livez', (req, res) => res.send('ok'));
            app.get('/healthz', async (req, res) => {
              await pool.query('select 1');
              res.send('ok');
            });
            app.listen(process.env.PORT || 3000);
        """,
    },
    runtime="node",
    declared="22.12.0",
    liveness="/livez",
)
PNPM_FASTIFY = Case(
    files={
        "package.json": as_json(
            {
                "name": "notes",
                "version": "1.0.0",
                "private": True,
                "packageManager": "pnpm@9.15.0",
                "scripts": {"start": "node index.js"},
                "engines": {"node": "^20.11"},
                "dependencies": {"fastify": "^5.1.0", "ioredis": "^5.4.1"},
            }
        ),
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "index.js": """
            const fastify = require('fastify')();
            const Redis = require('ioredis');
            const redis = new Redis(process.env.REDIS_URL);
            fastify.get('/health', async () => {
              await redis.ping();
              return { ok: true };
            });
            fastify.listen({ port: Number(process.env.PORT ?? 8080), host: '0.0.0.0' });
        """,
    },
    runtime="node",
    declared="^20.11",
    liveness=None,
    package_manager=("pnpm", "9.15.0"),
)
PIP_FASTAPI = Case(
    files={
        ".python-version": "3.12.8\n",
        "requirements.txt": "fastapi==0.115.6\nuvicorn==0.32.1\npsycopg[binary]==3.2.3\n",
        "Procfile": "web: uvicorn main:app --host 0.0.0.0 --port 8000\n",
        "main.py": """
            import os

            import psycopg
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/ping")
            def ping():
                return {"ok": True}


            @app.get("/health")
            def health():
                with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                    conn.execute("select 1")
                return {"ok": True}
        """,
    },
    runtime="python",
    declared="3.12.8",
    liveness="/ping",
)
GO_CMD = Case(
    files={
        "go.mod": "module example.com/inventory\n\ngo 1.23.4\n",
        "cmd/inventory/main.go": """
            package main

            import (
                "net/http"
                "os"
            )

            func getenvDefault(name, fallback string) string {
                if value := os.Getenv(name); value != "" {
                    return value
                }
                return fallback
            }

            func main() {
                http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
                    w.Write([]byte("ok"))
                })
                http.ListenAndServe(":"+getenvDefault("PORT", "9000"), nil)
            }
        """,
    },
    runtime="golang",
    declared="1.23.4",
    liveness="/healthz",
)
CASES = {
    "npm-express": NPM_EXPRESS,
    "pnpm-fastify": PNPM_FASTIFY,
    "pip-fastapi": PIP_FASTAPI,
    "go-cmd": GO_CMD,
}
# The action that installs each runtime in CI, and its version input.
SETUP = {
    "node": ("actions/setup-node", "node-version"),
    "python": ("actions/setup-python", "python-version"),
    "golang": ("actions/setup-go", "go-version"),
}


@dataclass(frozen=True)
class Generated:
    repo: Path
    design: Design
    files: dict[str, str]

    @property
    def service(self) -> Service:
        (service,) = self.design.services
        return service

    def dockerfile(self, path: str = "Dockerfile") -> list[Any]:
        return list(dockerfile.parse_string(self.files[path]))

    def yaml_documents(self, path: str) -> list[dict[str, Any]]:
        return [doc for doc in yaml.safe_load_all(self.files[path]) if doc]


def _generate(tmp_path: Path, case: Case | dict[str, str], users: int = 5_000) -> Generated:
    repo = write_tree(tmp_path / "repo", case.files if isinstance(case, Case) else case)
    design = decide(analyze(repo), Needs(users=users, cloud="aws"))
    assert design.unresolved() == []
    artifacts = plan(design, GenerateOptions(k8s=True)).artifacts
    return Generated(repo, design, {a.path: a.content for a in artifacts})


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


# ---------------------------------------------------------------------------------- the runtime


def _image_release(commands: list[Any], runtime: str) -> str:
    """The runtime release of the image's first stage, from FROM or the ARG it names."""
    refs = [c.value[0] for c in commands if c.cmd == "FROM"]
    refs += [c.value[0].split("=", 1)[1] for c in commands if c.cmd == "ARG" and "=" in c.value[0]]
    for ref in refs:
        match = re.fullmatch(rf"{runtime}:(\d+\.\d+\.\d+)(?:-[\w.-]+)?", ref)
        if match:
            return match.group(1)
    raise AssertionError(f"no {runtime} image in {refs}")


def _steps(generated: Generated, workflow: str) -> list[dict[str, Any]]:
    (doc,) = generated.yaml_documents(workflow)
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def _action_inputs(steps: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s.get("with", {}) for s in steps if str(s.get("uses", "")).startswith(action + "@")]


def _satisfies(release: str, declared: str) -> bool:
    """Whether an exact release meets a declaration (exact, `^X.Y`, `>=X`, `X.x`)."""
    have = [int(p) for p in release.split(".")]
    want = [int(p) for p in re.findall(r"\d+", declared)]
    if declared.startswith(">="):
        return have >= want
    if declared.startswith(("^", "~")) or "x" in declared:
        return have[0] == want[0] and have[: len(want)] >= want
    return have[: len(want)] == want


def test_the_declared_runtime_runs_in_the_image_ci_and_design(tmp_path: Path, case: Case) -> None:
    generated = _generate(tmp_path, case)
    build = generated.service.build
    assert build.runtime is not None and build.runtime.declared == case.declared
    image = _image_release(generated.dockerfile(), case.runtime)
    action, key = SETUP[case.runtime]
    ci = _action_inputs(_steps(generated, ".github/workflows/ci.yml"), action)
    assert ci and all(str(inputs[key]) == image for inputs in ci), (ci, image)
    # the design states the release that runs, beside the declaration it came from
    assert build.runtime.version == image
    if re.fullmatch(r"\d+\.\d+\.\d+", case.declared):
        assert image == case.declared  # an exact release is kept as written
    else:
        # a range: the bundled release of the newest line it allows
        assert _satisfies(image, case.declared), (image, case.declared)


def test_the_pinned_package_manager_is_the_one_ci_and_the_image_install(tmp_path: Path) -> None:
    generated = _generate(tmp_path, PNPM_FASTIFY)
    assert PNPM_FASTIFY.package_manager is not None
    name, release = PNPM_FASTIFY.package_manager
    assert generated.service.build.package_manager_version == release
    runs = [c.original for c in generated.dockerfile() if c.cmd == "RUN"]
    pinned = {m for run in runs for m in re.findall(rf"\b{name}@(\S+)", run)}
    assert pinned == {release}
    setup = _action_inputs(_steps(generated, ".github/workflows/ci.yml"), f"{name}/action-setup")
    assert [str(inputs["version"]) for inputs in setup] == [release]


# ------------------------------------------------------------ port, health routes, start command


def _probe_reaches(argv: list[str], port: int, path: str | None) -> bool:
    """Whether a health probe's command asks the port, at that route (None: a bare connect)."""
    text = " ".join(argv)
    if path is None:
        return "http://" not in text and re.search(rf"\b{port}\b", text) is not None
    return f"127.0.0.1:{port}{path}'" in text or text.endswith(f"127.0.0.1:{port}{path}")


def test_the_image_serves_the_design(tmp_path: Path, case: Case) -> None:
    generated = _generate(tmp_path, case)
    service = generated.service
    assert service.port is not None and service.start is not None
    assert service.liveness is not None and service.liveness.path == case.liveness
    commands = generated.dockerfile()
    last = {c.cmd: c for c in commands}
    assert last["EXPOSE"].value == (str(service.port),)
    healthcheck = list(last["HEALTHCHECK"].value)
    assert healthcheck[0] == "CMD"
    assert _probe_reaches(healthcheck[1:], service.port, case.liveness), healthcheck
    if case.runtime == "golang":
        # the binary the design starts is the image's entrypoint, built from the design's package
        builds = [c.original for c in commands if c.cmd == "RUN" and "go build" in c.original]
        assert builds and builds[-1].rstrip().endswith(f"-o /out/app {service.build.main}")
        assert service.start.endswith("/" + service.build.main.rsplit("/", 1)[-1])
        assert list(last["ENTRYPOINT"].value) == ["/usr/local/bin/app"]
    else:
        assert list(last["CMD"].value) == shlex.split(service.start)


def test_compose_serves_the_design(tmp_path: Path, case: Case) -> None:
    generated = _generate(tmp_path, case, users=500)
    service = generated.service
    assert service.port is not None
    (compose,) = generated.yaml_documents("compose.yaml")
    entry = compose["services"][service.name]
    assert "ports" not in entry  # HAProxy owns it on the server; the local override publishes it
    (override,) = generated.yaml_documents("compose.override.yaml")
    assert override["services"][service.name]["ports"] == [f"{service.port}:{service.port}"]
    assert entry["environment"]["PORT"] == str(service.port)
    assert "command" not in entry  # the image's own start command
    test = entry["healthcheck"]["test"]
    assert test[0] == "CMD"
    # dependants wait for readiness: the health route, which may ask the backing services
    assert _probe_reaches(test[1:], service.port, service.health_path), test


def _workload(generated: Generated, name: str) -> dict[str, Any]:
    docs = generated.yaml_documents(f"k8s/base/{name}.yaml")
    (workload,) = [d for d in docs if d["kind"] in ("Deployment", "Rollout", "StatefulSet")]
    return workload


def test_kubernetes_serves_the_design(tmp_path: Path, case: Case) -> None:
    generated = _generate(tmp_path, case)
    service = generated.service
    (container,) = _workload(generated, service.name)["spec"]["template"]["spec"]["containers"]
    assert "command" not in container and "args" not in container
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == service.port
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["PORT"] == str(service.port)
    assert container["readinessProbe"]["httpGet"] == {"path": service.health_path, "port": "http"}
    live = container["livenessProbe"]
    if case.liveness is None:
        assert live["tcpSocket"] == {"port": "http"} and "httpGet" not in live
    else:
        assert live["httpGet"] == {"path": case.liveness, "port": "http"}
    assert "httpGet" not in container.get("startupProbe", {}) or case.liveness is not None


def _blocks(generated: Generated, path: str, kind: str) -> dict[str, Block]:
    """The file's blocks of one type, by their labels, read by opsmith's Terraform reader (the same
    result as python-hcl2's, held so by tests/parse/test_terraform_reader.py)."""
    blocks, _ = read(generated.files[path])
    return {".".join(b.labels): b for b in blocks if b.type == kind}


def test_terraform_health_checks_are_the_design(tmp_path: Path, case: Case) -> None:
    generated = _generate(tmp_path, case)
    service = generated.service
    module = _blocks(generated, "terraform/environments/production/main.tf", "module")["service"]
    services = module.value("services")
    entry = services.get(service.name) if services else None
    assert entry is not None
    port, health, live = (entry.get(key) for key in ("port", "health_path", "live_command"))
    assert port is not None and port.number() == service.port
    assert health is not None and health.string == service.health_path
    # the container's health check is the image's own probe: liveness, never the readiness route
    healthcheck = next(c for c in generated.dockerfile()[::-1] if c.cmd == "HEALTHCHECK")
    assert live is not None and live.strings() == list(healthcheck.value[1:])
    resources = _blocks(generated, "terraform/modules/service/main.tf", "resource")
    (check,) = resources["aws_lb_target_group.web"].of("health_check")
    path = check.value("path")
    assert path is not None and re.sub(r"\s", "", path.source) == 'coalesce(each.value.health_path,"/")'
    definitions = resources["aws_ecs_task_definition.service"].value("container_definitions")
    assert definitions is not None
    liveness = (
        'healthCheck=each.value.live_command==null?null:{command=concat(["CMD"],each.value.live_command)'
    )
    assert liveness in re.sub(r"\s", "", definitions.source)


# ------------------------------------------------------------------------------- build context


def _copied_from_context(commands: list[Any]) -> list[str]:
    """What the Dockerfile reads from its build context: COPY sources (not from a stage), and the
    files a workspace's manifest stage picks out with `cp --parents`."""
    out: list[str] = []
    for command in commands:
        if command.cmd == "COPY" and not any(f.startswith("--from") for f in command.flags):
            out += [source for source in command.value[:-1] if source != "."]
        if command.cmd == "RUN":
            for picked in re.findall(r"cp --parents -t /out ((?:[\w.-]+ ?)+)$", command.original):
                out += picked.split()
    return out


def _holds(context: Path, source: str) -> bool:
    # a pattern may match nothing (`go.sum*` before the first dependency): COPY needs one match in all
    return "*" in source or (context / source).exists()


def _build_places(generated: Generated, name: str) -> set[tuple[str, str]]:
    """(context, Dockerfile) of the service's image as compose and the CI build job give them."""
    (compose,) = generated.yaml_documents("compose.yaml")
    build = compose["services"][name]["build"]
    places = {(build["context"], f"{build['context']}/{build.get('dockerfile', 'Dockerfile')}")}
    for step in _steps(generated, ".github/workflows/ci.yml"):
        if str(step.get("uses", "")).startswith("docker/build-push-action@"):
            places.add((step["with"]["context"], step["with"]["file"]))
    return {(context, posixpath.normpath(file)) for context, file in places}


@pytest.mark.parametrize("files", [*sorted(CASES), "npm-workspace"])
def test_the_build_context_holds_what_the_dockerfile_copies(tmp_path: Path, files: str) -> None:
    generated = _generate(tmp_path, WORKSPACE if files == "npm-workspace" else CASES[files], users=500)
    service = generated.service
    ((context, path),) = _build_places(generated, service.name)
    # the Dockerfile sits in the service's folder, even when the image is built from the root
    assert path == posixpath.normpath(f"{service.build.context}/Dockerfile") and path in generated.files
    copied = _copied_from_context(generated.dockerfile(path))
    assert copied and [s for s in copied if not _holds(generated.repo / context, s)] == []
    if files == "npm-workspace":  # the lockfile is at the root, above apps/api
        assert (context, service.build.lockfile) == (".", "package-lock.json")
        assert f"{path}.dockerignore" in generated.files
