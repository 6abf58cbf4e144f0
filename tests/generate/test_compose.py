"""The generated compose stack holds up to opsmith's compose rules and keeps secrets out."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from design.fixtures import design
from helpers import audit_tree
from opsmith.config import Config
from opsmith.design.model import Design
from opsmith.findings import Severity
from opsmith.generate import compose, dockerfile
from opsmith.generate.specs import container_spec


def _write(root: Path, name: str) -> dict[str, object]:
    d = design(name, users=500)
    for art in compose.render(d):
        (root / art.path).write_text(art.content)
    for service in d.services:
        spec = container_spec(service)
        if spec is not None:
            for art in dockerfile.render(spec):
                (root / art.path).parent.mkdir(parents=True, exist_ok=True)
                (root / art.path).write_text(art.content)
    return yaml.safe_load((root / "compose.yaml").read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", ["monorepo", "python-django", "python-fastapi", "go-gin", "ruby-rails"])
def test_compose_rules_find_nothing_above_info(tmp_path: Path, name: str) -> None:
    _write(tmp_path, name)
    result = audit_tree(tmp_path, Config(select=("DC", "DF")))
    assert [(f.rule, f.path, f.line, f.message) for f in result.findings if f.severity > Severity.INFO] == []


def test_backing_services_are_pinned_healthy_persistent_and_private(tmp_path: Path) -> None:
    stack = _write(tmp_path, "monorepo")
    services = stack["services"]
    assert isinstance(services, dict)
    db = services["db"]
    assert db["image"].startswith("postgres:16.") and db["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert db["ports"] == ["127.0.0.1:5432:5432"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for name, entry in services.items():
        assert entry["restart"] == "unless-stopped", name
        assert "limits" in entry["deploy"]["resources"], name
        for dep in entry.get("depends_on", {}).values():
            assert dep == {"condition": "service_healthy"}


def test_processes_sharing_an_image_do_not_inherit_its_http_health_check(tmp_path: Path) -> None:
    d = design("python-django", users=500)
    stack = yaml.safe_load(compose.render_compose(d))
    derived = [s for s in d.services if s.kind == "worker" and s.build.context == d.services[0].build.context]
    assert derived, "the django example declares a worker in its Procfile"
    for service in derived:
        entry = stack["services"][service.name]
        assert entry["healthcheck"] == {"disable": True} and "build" not in entry
        assert entry["command"][-1].startswith("exec ")


def test_env_example_lists_every_secret_without_a_value() -> None:
    d = design("monorepo", users=500)
    text = compose.env_example(d)
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    assert "POSTGRES_PASSWORD" in values
    assert all(v == "" for k, v in values.items() if k != "IMAGE_TAG")


def test_compose_waits_on_readiness_while_the_image_checks_liveness() -> None:
    data = design("python-fastapi", users=500).model_dump(mode="json")
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["health_path"] = "/readyz"
    web["liveness"] = {"path": "/livez", "reason": "a route named for liveness"}
    plan = Design.model_validate(data)
    service = next(s for s in plan.services if s.kind == "web")
    entry = yaml.safe_load(compose.render_compose(plan))["services"][service.name]
    assert any("/readyz" in part for part in entry["healthcheck"]["test"])
    spec = container_spec(service)
    assert spec is not None
    (image,) = [a.content for a in dockerfile.render(spec) if a.path.endswith("Dockerfile")]
    healthcheck = image[image.index("HEALTHCHECK") :]
    assert "/livez" in healthcheck and "/readyz" not in healthcheck


def test_apps_reading_separate_connection_settings_get_the_compose_services() -> None:
    data = design("python-fastapi", users=500).model_dump(mode="json")
    web = next(s for s in data["services"] if s["kind"] == "web")
    web["uses"] = ["postgresql", "redis"]
    web["env"] = ["PGHOST", "PGPASSWORD", "PGDATABASE", "REDIS_HOST", "REDIS_PORT", "SENTRY_DSN"]
    plan = Design.model_validate(data)
    env = yaml.safe_load(compose.render_compose(plan))["services"][web["name"]]["environment"]
    assert env["PGHOST"] == "db" and env["PGDATABASE"] == "app"
    assert env["PGPASSWORD"] == "${POSTGRES_PASSWORD}"  # the database's own password, from .env
    assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", "6379")
    assert env["SENTRY_DSN"].startswith("${SENTRY_DSN:?")  # not a backing service's: the user's
    listed = compose.env_example(plan)
    assert "\nSENTRY_DSN=" in listed and "POSTGRES_PASSWORD=" in listed
    assert "PGHOST" not in listed and "REDIS_PORT" not in listed


def _volumes(root: Path) -> list[str]:
    return list(yaml.safe_load((root / "compose.yaml").read_text()).get("volumes") or [])


def _published(root: Path, *files: str) -> dict[str, list[str]]:
    """Service -> the `-p` ports podman-compose would publish for `up` with these files (none
    given: the files compose reads by itself), without starting anything."""
    chosen = [arg for name in files for arg in ("-f", name)]
    project = f"opsmith-dry-{uuid.uuid4().hex[:10]}"
    try:
        proc = subprocess.run(
            ["podman-compose", "-p", project, *chosen, "--dry-run", "up", "-d", "--no-build"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:  # even a dry run creates the project's network and volumes
        names = [f"{project}_{volume}" for volume in _volumes(root)]
        subprocess.run(
            ["podman", "volume", "rm", "--force", *names], capture_output=True, timeout=60, check=False
        )
        subprocess.run(
            ["podman", "network", "rm", "--force", f"{project}_default"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    out: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        service = re.search(r"--label com\.docker\.compose\.service=(\S+)", line)
        if line.startswith("podman run ") and service:
            out[service.group(1)] = re.findall(r" -p (\S+)", line)
    return out


@pytest.mark.skipif(shutil.which("podman-compose") is None, reason="podman-compose is not installed")
@pytest.mark.parametrize("name", ["monorepo", "python-fastapi"])
def test_local_development_publishes_app_ports_and_the_server_file_does_not(
    tmp_path: Path, name: str
) -> None:
    d = design(name, users=10)
    for art in compose.render(d):
        (tmp_path / art.path).write_text(art.content)
    (tmp_path / ".env").write_text(
        "".join(f"{line.split('=')[0]}=x\n" for line in compose.env_example(d).splitlines() if "=" in line)
    )
    apps = {s.name: s.port for s in d.services if s.port is not None}
    assert apps
    developer = _published(tmp_path)  # `compose up` in a checkout merges compose.override.yaml
    server = _published(tmp_path, "compose.yaml")  # the one file the deploy workflow copies
    for service, port in apps.items():
        assert developer[service] == [f"{port}:{port}"], service
        assert server[service] == [], service
    for backing in d.backing_services:
        entry = compose.backing_images()[backing.kind]
        expected = [f"127.0.0.1:{entry['port']}:{entry['port']}"]
        assert developer[entry["service"]] == server[entry["service"]] == expected


def test_no_override_when_no_service_listens() -> None:
    d = design("python-fastapi", users=10)
    quiet = d.model_copy(update={"services": [s.model_copy(update={"port": None}) for s in d.services]})
    assert compose.render_override(quiet) is None
    assert [a.path for a in compose.render(quiet)] == ["compose.yaml", ".env.example"]
