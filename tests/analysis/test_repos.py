"""`analyze` on small realistic repositories (one per ecosystem, a monorepo, an unknown one):
every fact asserted together with the file and line that says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsmith.analysis import analyze
from opsmith.analysis.facts import RepoFacts, ServiceFacts

REPOS = Path(__file__).parent / "repos"


def _facts(name: str) -> RepoFacts:
    return analyze(REPOS / name)


def _only(facts: RepoFacts) -> ServiceFacts:
    assert len(facts.services) == 1, [s.name for s in facts.services]
    return facts.services[0]


def _where(fact: Any) -> list[str]:
    return [str(e) for e in fact.evidence]


def _uses(service: ServiceFacts) -> dict[str, list[str]]:
    return {f.value: _where(f) for f in service.backing_services}


def _commands(service: ServiceFacts) -> dict[str, str]:
    return {c.purpose: c.command for c in service.commands}


def test_every_example_repository_is_covered() -> None:
    expected = {
        "node-express", "python-fastapi", "python-django", "python-flask", "go-gin", "java-spring",
        "ruby-rails", "rust-axum", "php-laravel", "dotnet-api", "monorepo", "unknown",
    }  # fmt: skip
    assert {p.name for p in REPOS.iterdir() if p.is_dir()} == expected


def test_node_express_pnpm() -> None:
    s = _only(_facts("node-express"))
    assert (s.name, s.path, s.ecosystem, s.kind and s.kind.value) == ("orders-api", ".", "node", "web")
    assert [f.value for f in s.languages] == ["TypeScript"]
    pm = s.package_manager
    assert pm and (pm.name, pm.lockfile, pm.version) == ("pnpm", "pnpm-lock.yaml", "9.12.1")
    assert s.runtime and (s.runtime.name, s.runtime.version) == ("node", "20.18.0")
    assert _where(s.runtime) == [".nvmrc:1"]
    assert [(f.value, _where(f)) for f in s.frameworks] == [("Express", ["package.json:18"])]
    assert s.start and s.start.command == "node dist/server.js" and _where(s.start) == ["package.json:10"]
    # the code's fallback port wins; the test file's 9999 is not the service's port
    assert s.port and s.port.value == 3000 and _where(s.port) == ["src/server.ts:5"]
    assert s.health and s.health.value == "/health" and _where(s.health) == ["src/server.ts:7"]
    assert _commands(s) == {
        "install": "pnpm install --frozen-lockfile",
        "build": "pnpm build",
        "test": "pnpm test",
        "lint": "pnpm run lint",
        "typecheck": "pnpm run typecheck",
    }
    assert [(p.name, p.kind, p.command) for p in s.processes] == [("worker", "worker", "pnpm run worker")]
    uses = _uses(s)
    assert set(uses) == {"postgresql", "redis"}
    assert "package.json:19" in uses["postgresql"] and ".env.example:2" in uses["postgresql"]
    assert "package.json:20" in uses["redis"]
    assert [f.value for f in s.env] == ["DATABASE_URL", "REDIS_URL", "SESSION_SECRET"]
    assert s.dockerfile == "Dockerfile"
    assert s.unknowns == ()


def test_env_example_values_never_appear_in_evidence() -> None:
    s = _only(_facts("node-express"))
    shown = [e.text for f in (*s.env, *s.backing_services) for e in f.evidence]
    assert shown and not any("change-me" in text for text in shown)


def test_python_fastapi_uv() -> None:
    s = _only(_facts("python-fastapi"))
    assert (s.name, s.kind and s.kind.value) == ("catalog-service", "web")
    pm = s.package_manager
    assert pm and (pm.name, pm.lockfile) == ("uv", "uv.lock")
    assert s.runtime and s.runtime.version == "3.12" and _where(s.runtime) == [".python-version:1"]
    assert [f.value for f in s.frameworks] == ["FastAPI"]
    assert s.start and s.start.command == "uv run uvicorn app.main:app --host 0.0.0.0 --port 8000"
    assert s.start.origin == "derived" and _where(s.start)[0] == "app/main.py:8"
    assert s.port and s.port.value == 8000 and s.port.origin == "convention"
    assert s.health and s.health.value == "/healthz" and _where(s.health) == ["app/main.py:13"]
    assert _commands(s) == {
        "install": "uv sync --frozen --no-dev",
        "test": "uv run pytest",
        "lint": "uv run ruff check .",
        "typecheck": "uv run mypy .",
    }
    assert s.command("lint") and _where(s.command("lint")) == ["pyproject.toml:20"]
    uses = _uses(s)
    assert uses == {
        "postgresql": ["pyproject.toml:8"],
        "redis": ["pyproject.toml:9"],
        "s3": ["app/main.py:9"],
    }
    assert [f.value for f in s.env] == ["DATABASE_URL", "IMAGES_BUCKET"]


def test_python_django_poetry_with_procfile() -> None:
    s = _only(_facts("python-django"))
    pm = s.package_manager
    assert pm and (pm.name, pm.lockfile) == ("poetry", "poetry.lock")
    assert s.runtime and s.runtime.version == "3.11.10"
    assert [f.value for f in s.frameworks] == ["Django"]
    assert s.start and s.start.command.startswith("gunicorn newsroom.wsgi:application")
    assert _where(s.start) == ["Procfile:1"]
    assert s.port and s.port.value == 8000 and _where(s.port) == ["Procfile:1"]
    assert s.health and s.health.value == "/ready" and _where(s.health) == ["newsroom/urls.py:10"]
    assert [(p.name, p.kind) for p in s.processes] == [
        ("worker", "worker"),
        ("beat", "worker"),
        ("release", "release"),
    ]
    assert _where(s.processes[2]) == ["Procfile:4"]
    assert set(_uses(s)) == {"postgresql", "redis"}
    assert _commands(s)["test"] == "poetry run pytest"
    assert "DJANGO_SECRET_KEY" in [f.value for f in s.env]


def test_python_flask_pip_requirements() -> None:
    s = _only(_facts("python-flask"))
    pm = s.package_manager
    assert pm and (pm.name, pm.lockfile) == ("pip", "requirements.txt")  # every requirement pinned
    assert s.runtime and s.runtime.version == "3.11.9" and _where(s.runtime) == ["runtime.txt:1"]
    assert [(f.value, _where(f)) for f in s.frameworks] == [("Flask", ["requirements.txt:2"])]
    assert s.start and s.start.command == "gunicorn --bind 0.0.0.0:5000 app:app"
    assert s.port and s.port.value == 5000
    assert s.health and _where(s.health) == ["app.py:10"]
    assert _commands(s)["test"] == "make test" and _where(s.command("test")) == ["Makefile:3"]
    # -r requirements-extra.txt is followed
    assert _uses(s) == {
        "mongodb": ["requirements.txt:4", "app.py:7"],
        "rabbitmq": ["requirements-extra.txt:1"],
    }


def test_go_gin() -> None:
    s = _only(_facts("go-gin"))
    assert (s.name, s.ecosystem) == ("payments", "go")
    pm = s.package_manager
    assert pm and (pm.name, pm.lockfile) == ("go", "go.sum")
    # the toolchain line says which Go builds it; the go directive is only the minimum
    assert s.runtime and s.runtime.version == "1.22.5" and _where(s.runtime) == ["go.mod:5"]
    assert [(f.value, _where(f)) for f in s.frameworks] == [("Gin", ["go.mod:8"])]
    assert s.start and s.start.command == "bin/api"
    assert s.port and s.port.value == 8080 and _where(s.port) == ["cmd/api/main.go:13"]
    assert s.health and s.health.value == "/healthz" and _where(s.health) == ["cmd/api/main.go:16"]
    assert _commands(s) == {
        "install": "go mod download",
        "build": "make build",
        "test": "make test",
        "lint": "golangci-lint run",
    }
    assert _uses(s) == {"postgresql": ["go.mod:9"], "kafka": ["go.mod:10", "cmd/api/payments.go:11"]}


def test_java_spring_maven() -> None:
    s = _only(_facts("java-spring"))
    assert (s.name, s.ecosystem) == ("inventory", "java")
    assert s.package_manager and s.package_manager.name == "maven"
    assert s.runtime and s.runtime.version == "21" and _where(s.runtime) == ["pom.xml:16"]
    assert [f.value for f in s.frameworks] == ["Spring Boot"]
    assert s.start and s.start.command == "java -jar target/inventory-1.2.0.jar"
    # server.port in application.properties beats Spring Boot's default 8080
    assert s.port and s.port.value == 8081
    assert _where(s.port) == ["src/main/resources/application.properties:2"]
    assert s.health and s.health.value == "/actuator/health" and s.health.origin == "convention"
    assert _commands(s)["build"] == "./mvnw -B package -DskipTests"
    uses = _uses(s)
    assert set(uses) == {"postgresql", "rabbitmq"}
    assert "src/main/resources/application.properties:3" in uses["postgresql"]
    assert {"DB_HOST", "DB_PASSWORD", "RABBITMQ_HOST"} <= {f.value for f in s.env}


def test_ruby_rails() -> None:
    s = _only(_facts("ruby-rails"))
    assert s.package_manager and (s.package_manager.name, s.package_manager.lockfile) == (
        "bundler",
        "Gemfile.lock",
    )
    assert s.runtime and s.runtime.version == "3.3.5"
    assert [(f.value, _where(f)) for f in s.frameworks] == [("Rails", ["Gemfile:5"])]
    assert s.start and s.start.command == "bundle exec puma -C config/puma.rb"
    assert s.port and s.port.value == 3000 and _where(s.port) == ["config/puma.rb:3"]
    assert s.health and s.health.value == "/up" and _where(s.health) == ["config/routes.rb:2"]
    assert _commands(s)["test"] == "bundle exec rspec" and _commands(s)["lint"] == "bundle exec rubocop"
    assert [(p.name, p.command) for p in s.processes] == [("worker", "bundle exec sidekiq")]
    assert "config/database.yml:2" in _uses(s)["postgresql"]


def test_rust_axum() -> None:
    s = _only(_facts("rust-axum"))
    assert (s.name, s.ecosystem) == ("ledger", "rust")
    assert s.runtime and s.runtime.version == "1.82.0" and _where(s.runtime) == ["rust-toolchain.toml:2"]
    assert [f.value for f in s.frameworks] == ["Axum"]
    assert s.start and s.start.command == "target/release/ledger"
    assert s.port and s.port.value == 3000 and _where(s.port) == ["src/main.rs:14"]
    assert s.health and s.health.value == "/health" and _where(s.health) == ["src/main.rs:12"]
    # sqlx's "postgres" feature names the engine
    assert _uses(s) == {"postgresql": ["Cargo.toml:10"], "redis": ["Cargo.toml:11"]}
    assert _commands(s)["lint"].startswith("cargo clippy")


def test_php_laravel_with_front_end_assets() -> None:
    s = _only(_facts("php-laravel"))
    assert s.ecosystem == "php"  # the framework's ecosystem wins over the assets' package.json
    assert [f.value for f in s.languages] == ["PHP", "JavaScript"]
    assert [p.name for p in s.package_managers] == ["composer", "npm"]
    assert s.runtime and s.runtime.version == "^8.2" and _where(s.runtime) == ["composer.json:5"]
    assert [f.value for f in s.frameworks] == ["Laravel"]
    assert s.health and s.health.value == "/up" and _where(s.health) == ["bootstrap/app.php:8"]
    assert s.start and "artisan" in s.start.command and s.start.note  # says it is PHP's built-in server
    assert _commands(s)["build"] == "npm run build"
    assert _commands(s)["typecheck"] == "vendor/bin/phpstan analyse"
    assert _uses(s) == {"mysql": [".env.example:3"], "redis": ["composer.json:8", ".env.example:7"]}
    assert [p.command for p in s.processes] == ["php artisan horizon"]


def test_dotnet_api_with_test_project() -> None:
    facts = _facts("dotnet-api")
    s = _only(facts)
    assert (s.name, s.path) == ("inventory-api", "src/Inventory.Api")
    assert [f.value for f in s.frameworks] == ["ASP.NET Core"]
    assert s.runtime and s.runtime.version == "8.0"
    assert (
        s.health and s.health.value == "/healthz" and _where(s.health) == ["src/Inventory.Api/Program.cs:6"]
    )
    assert s.port and s.port.value == 8080 and s.port.origin == "convention"
    assert s.start and s.start.command == "dotnet out/Inventory.Api.dll"
    assert _commands(s)["test"] == "dotnet test"
    assert [(lib.path, lib.reason) for lib in facts.libraries] == [
        ("tests/Inventory.Api.Tests", "a test project")
    ]
    assert set(_uses(s)) == {"postgresql", "redis"}


def test_monorepo_is_several_services() -> None:
    facts = _facts("monorepo")
    assert facts.monorepo and facts.monorepo.value == "npm workspaces"
    assert _where(facts.monorepo) == ["package.json:4"]
    by_name = {s.name: s for s in facts.services}
    assert set(by_name) == {"api", "web", "billing", "notifier"}
    api, web, billing, notifier = (by_name[n] for n in ("api", "web", "billing", "notifier"))
    assert (api.path, api.port and api.port.value, api.dockerfile) == (
        "apps/api",
        4000,
        "apps/api/Dockerfile",
    )
    assert api.package_manager and api.package_manager.lockfile == "package-lock.json"  # the root's
    assert api.runtime and _where(api.runtime) == [".nvmrc:1"]
    assert web.frameworks[0].value == "Next.js" and web.port and web.port.origin == "convention"
    assert web.health and web.health.value == "/api/health"
    assert billing.frameworks[0].value == "net/http" and billing.port and billing.port.value == 9000
    assert notifier.kind and notifier.kind.value == "worker" and "rabbitmq" in _uses(notifier)
    assert [(lib.name, lib.path) for lib in facts.libraries] == [("ui", "packages/ui")]
    kinds = {(a.kind, a.path) for a in facts.artifacts}
    assert kinds == {
        ("workflow", ".github/workflows/ci.yml"),
        ("dockerfile", "apps/api/Dockerfile"),
        ("dockerfile", "services/billing/Dockerfile"),
        ("kubernetes", "deploy/k8s/api.yaml"),
        ("compose", "docker-compose.yml"),
        ("terraform", "infra/main.tf"),
        ("prometheus", "monitoring/alerts.yml"),
    }
    repo_backing = {f.value: _where(f) for f in facts.backing_services}
    assert repo_backing["redis"] == ["docker-compose.yml:7"]  # only the compose file says so
    assert facts.all_unknowns() == ()


def test_unknown_repository_says_what_is_missing_and_how_to_supply_it() -> None:
    facts = _facts("unknown")
    assert facts.services == () and facts.artifacts == ()
    [unknown] = facts.all_unknowns()
    assert unknown.field == "services"
    assert "[design.services.NAME]" in unknown.supply and ".opsmith.toml" in unknown.supply


@pytest.mark.parametrize("name", sorted(p.name for p in REPOS.iterdir() if p.is_dir()))
def test_every_fact_has_evidence(name: str) -> None:
    facts = _facts(name)
    for s in facts.services:
        facts_with_evidence: list[Any] = [
            *s.languages, *s.package_managers, *s.frameworks, *s.commands, *s.backing_services, *s.env,
            *s.processes, *(f for f in (s.kind, s.runtime, s.start, s.port, s.health) if f is not None),
        ]  # fmt: skip
        for fact in facts_with_evidence:
            assert fact.evidence, (name, s.name, fact)
            for evidence in fact.evidence:
                assert (REPOS / name / evidence.path).exists(), evidence
                if evidence.line is not None:
                    lines = (REPOS / name / evidence.path).read_text().splitlines()
                    assert 1 <= evidence.line <= len(lines), evidence


@pytest.mark.parametrize("name", sorted(p.name for p in REPOS.iterdir() if p.is_dir()))
def test_reports_render_for_every_repository(name: str) -> None:
    import json

    from opsmith.analysis.report import to_json, to_text

    facts = _facts(name)
    text = to_text(facts)
    assert text.startswith(f"repository: {name}\n")
    for service in facts.services:
        assert f"service {service.name} " in text
    data = json.loads(to_json(facts))
    assert data["version"] == 1 and len(data["services"]) == len(facts.services)
