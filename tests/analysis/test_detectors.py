"""Detector behaviour on small trees written per test: package managers the example repositories
do not cover, ambiguity, supplied values, and input that must not crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.analysis.facts import ServiceFacts
from opsmith.config import ConfigError


def _one(root: Path, files: dict[str, str | bytes], **kwargs: object) -> ServiceFacts:
    facts = analyze(write_tree(root, files), **kwargs)  # type: ignore[arg-type]
    assert len(facts.services) == 1, facts
    return facts.services[0]


PACKAGE = '{"name": "svc", "scripts": {"start": "node index.js"}, "dependencies": {"express": "4.21.1"}}\n'


@pytest.mark.parametrize(
    ("lockfile", "manager", "install"),
    [
        ("package-lock.json", "npm", "npm ci"),
        ("yarn.lock", "yarn", "yarn install --frozen-lockfile"),
        ("bun.lockb", "bun", "bun install --frozen-lockfile"),
        ("pnpm-lock.yaml", "pnpm", "pnpm install --frozen-lockfile"),
    ],
)
def test_node_package_manager_from_lockfile(
    tmp_path: Path, lockfile: str, manager: str, install: str
) -> None:
    s = _one(tmp_path, {"package.json": PACKAGE, lockfile: "x\n"})
    assert s.package_manager and (s.package_manager.name, s.package_manager.lockfile) == (manager, lockfile)
    assert s.command("install") and s.command("install").command == install  # type: ignore[union-attr]


def test_node_without_lockfile_says_so(tmp_path: Path) -> None:
    s = _one(tmp_path, {"package.json": PACKAGE})
    assert s.package_manager and s.package_manager.lockfile is None
    assert s.command("install") and s.command("install").command == "npm install"  # type: ignore[union-attr]


def test_npm_init_placeholder_test_script_is_not_a_test_command(tmp_path: Path) -> None:
    package = '{"scripts": {"start": "node a.js", "test": "echo \\"Error: no test specified\\" && exit 1"}}\n'
    s = _one(tmp_path, {"package.json": package})
    assert s.command("test") is None


def test_pipenv_and_its_python_version(tmp_path: Path) -> None:
    pipfile = '[packages]\nflask = "*"\ngunicorn = "*"\n\n[requires]\npython_version = "3.12"\n'
    app = (
        "from flask import Flask\n\napp = Flask(__name__)\n\n"
        "@app.get('/healthz')\ndef h():\n    return 'ok'\n"
    )
    s = _one(tmp_path, {"Pipfile": pipfile, "Pipfile.lock": "{}\n", "app.py": app})
    assert s.package_manager and (s.package_manager.name, s.package_manager.lockfile) == (
        "pipenv",
        "Pipfile.lock",
    )
    assert s.runtime and s.runtime.version == "3.12" and str(s.runtime.evidence[0]) == "Pipfile:6"
    assert s.start and s.start.command == "pipenv run gunicorn app:app --bind 0.0.0.0:8000"
    assert s.health and s.health.value == "/healthz"


def test_pdm_project(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "jobs"\nrequires-python = ">=3.11"\ndependencies = ["celery>=5", "redis>=5"]\n\n'
        "[tool.pdm]\ndistribution = false\n"
    )
    worker = 'from celery import Celery\n\napp = Celery("jobs")\n'
    s = _one(tmp_path, {"pyproject.toml": pyproject, "pdm.lock": "# pdm\n", "jobs/tasks.py": worker})
    assert s.package_manager and (s.package_manager.name, s.package_manager.lockfile) == ("pdm", "pdm.lock")
    assert s.kind and s.kind.value == "worker"
    assert s.start and s.start.command == "pdm run celery -A jobs.tasks worker --loglevel=INFO"
    assert s.runtime and s.runtime.version == ">=3.11"


def test_gradle_kotlin_spring(tmp_path: Path) -> None:
    build = (
        'plugins {\n    id("org.springframework.boot") version "3.3.5"\n'
        '    kotlin("jvm") version "2.0.21"\n}\n'
        'version = "0.1.0"\n\njava {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(21)\n'
        '    }\n}\n\ndependencies {\n    implementation("org.springframework.boot:spring-boot-starter-web")\n'
        '    runtimeOnly("com.mysql:mysql-connector-j")\n}\n'
    )
    s = _one(
        tmp_path,
        {
            "build.gradle.kts": build,
            "settings.gradle.kts": 'rootProject.name = "shipping"\n',
            "gradlew": "#!/bin/sh\n",
        },
    )
    assert s.name == "shipping" and [f.value for f in s.languages] == ["Kotlin"]
    assert s.runtime and s.runtime.version == "21" and str(s.runtime.evidence[0]) == "build.gradle.kts:9"
    assert s.start and s.start.command == "java -jar build/libs/shipping-0.1.0.jar"
    assert s.command("test") and s.command("test").command == "./gradlew test"  # type: ignore[union-attr]
    assert [f.value for f in s.backing_services] == ["mysql"]
    assert s.port and s.port.value == 8080 and s.port.origin == "convention"


def test_conflicting_ports_are_an_unknown_not_a_guess(tmp_path: Path) -> None:
    server = "const app = require('express')();\napp.listen(3000);\napp.listen(4000);\n"
    s = _one(tmp_path, {"package.json": PACKAGE, "index.js": server, ".nvmrc": "20\n"})
    assert s.port is None
    [unknown] = [u for u in s.unknowns if u.field == "port"]
    assert "index.js:2" in unknown.detail and "index.js:3" in unknown.detail
    # the number in the hint is an example, worded as one, not a port opsmith found
    assert "port = <the port it listens on>" in unknown.supply and "for example, 8080" in unknown.supply


def test_code_port_beats_dockerfile_expose_and_both_are_reported(tmp_path: Path) -> None:
    server = "const app = require('express')();\napp.listen(3000);\n"
    s = _one(
        tmp_path, {"package.json": PACKAGE, "index.js": server, "Dockerfile": "FROM node:20\nEXPOSE 8080\n"}
    )
    assert s.port and s.port.value == 3000 and "8080" in s.port.note


def test_web_service_without_health_route_or_runtime_gets_unknowns(tmp_path: Path) -> None:
    s = _one(tmp_path, {"package.json": PACKAGE, "index.js": "require('express')().listen(3000)\n"})
    fields = {u.field for u in s.unknowns}
    assert fields == {"health", "runtime"}
    health = next(u for u in s.unknowns if u.field == "health")
    assert '[design.services.svc] health = "/healthz"' in health.supply


def test_database_url_without_engine_is_unknown(tmp_path: Path) -> None:
    app = "import os\nfrom flask import Flask\n\napp = Flask(__name__)\nDB = os.environ['DATABASE_URL']\n"
    s = _one(tmp_path, {"requirements.txt": "flask==3.0.3\n", "app.py": app})
    assert "database" in {u.field for u in s.unknowns}
    assert "start" in {
        u.field for u in s.unknowns
    }  # no gunicorn: the development server is not a start command


def test_supplied_values_answer_unknowns_with_config_evidence(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "package.json": PACKAGE,
            "index.js": "require('express')().listen(3000)\n",
            ".opsmith.toml": '[design.services.svc]\nhealth = "/livez"\nruntime = "22"\n',
        },
    )
    from opsmith.config import load_config

    config = load_config(root / ".opsmith.toml")
    facts = analyze(root, config.settings["design"], root / ".opsmith.toml")
    s = facts.services[0]
    assert s.health and s.health.value == "/livez" and str(s.health.evidence[0]) == ".opsmith.toml:2"
    assert s.runtime and s.runtime.version == "22"
    assert s.unknowns == ()


def test_services_declared_in_config_only(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"run.sh": "#!/bin/sh\n./server\n"})
    settings = {"services": {"api": {"kind": "web", "start": "./server", "port": 9000}}}
    facts = analyze(root, settings, None)
    [s] = facts.services
    assert (s.name, s.kind and s.kind.value, s.port and s.port.value) == ("api", "web", 9000)
    assert [u.field for u in s.unknowns] == ["health"]
    assert facts.unknowns == ()


@pytest.mark.parametrize(
    "settings",
    [
        {"services": {"api": {"port": "eighty"}}},
        {"services": {"api": {"kind": "daemon"}}},
        {"services": {"api": {"colour": "blue"}}},
        {"backing-services": ["oracle"]},
    ],
)
def test_bad_supplied_values_are_configuration_errors(tmp_path: Path, settings: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        analyze(write_tree(tmp_path, {"package.json": PACKAGE}), settings, None)


def test_credentials_in_evidence_are_masked(tmp_path: Path) -> None:
    config = "spring.datasource.url=jdbc:postgresql://admin:Sup3rS3cretPassw0rd@db:5432/app\n"
    pom = (
        "<project><artifactId>a</artifactId><version>1</version><dependencies><dependency>"
        "<groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency></dependencies></project>\n"
    )
    s = _one(tmp_path, {"pom.xml": pom, "src/main/resources/application.properties": config})
    texts = [e.text for f in s.backing_services for e in f.evidence]
    assert any("jdbc:postgresql" in t for t in texts)
    assert not any("Sup3rS3cretPassw0rd" in t for t in texts)


def test_broken_binary_and_empty_files_do_not_crash(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "package.json": "{ not json",
        "pyproject.toml": "[project\nname =",
        "go.mod": "",
        "pom.xml": "<project><unclosed>",
        "Cargo.toml": b"\x00\x01\x02binary",
        "app.py": b"\xff\xfe\x00garbage",
        "Gemfile": "",
        "composer.json": "[]",
        "x.csproj": "<Project",
    }
    facts = analyze(write_tree(tmp_path, files))
    assert facts.name  # analysed without raising; whatever was unreadable is simply not a fact


def test_xml_entities_are_not_expanded(tmp_path: Path) -> None:
    pom = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">]>'
        "<project><artifactId>&a;</artifactId></project>"
    )
    facts = analyze(write_tree(tmp_path, {"pom.xml": pom}))
    assert all(s.name != "aaaaaaaaaa" for s in facts.services)


def test_gitignored_and_vendored_files_are_not_evidence(tmp_path: Path) -> None:
    files = {
        "package.json": PACKAGE,
        ".gitignore": "generated/\n",
        "generated/server.js": "app.listen(7777)\n",
        "node_modules/express/index.js": "app.listen(6666)\n",
        "index.js": "app.listen(3000)\n",
    }
    s = _one(tmp_path, files)
    assert s.port and s.port.value == 3000


@pytest.mark.parametrize(
    ("files", "manager", "version"),
    [
        ({"pnpm-lock.yaml": "lockfileVersion: '9.0'\n"}, "pnpm", "9.15.9"),
        ({"pnpm-lock.yaml": "lockfileVersion: 5.4\n"}, "pnpm", "7.33.7"),
        ({"yarn.lock": "# yarn lockfile v1\n"}, "yarn", "1.22.22"),
        ({"yarn.lock": "__metadata:\n  version: 8\n  cacheKey: 10c0\n"}, "yarn", "4.18.1"),
        (
            {
                "yarn.lock": "__metadata:\n  version: 6\n",
                ".yarnrc.yml": "yarnPath: .yarn/releases/yarn-3.6.4.cjs\n",
            },
            "yarn",
            "3.6.4",
        ),
    ],
)
def test_pnpm_and_yarn_releases_come_from_the_lockfile_without_package_manager(
    tmp_path: Path, files: dict[str, str | bytes], manager: str, version: str
) -> None:
    s = _one(tmp_path, {"package.json": PACKAGE, **files})
    assert s.package_manager and (s.package_manager.name, s.package_manager.version) == (manager, version)
    assert any(e.line is not None or e.path == "yarn.lock" for e in s.package_manager.evidence)


def test_package_manager_field_wins_over_the_lockfile_format(tmp_path: Path) -> None:
    package = PACKAGE.replace('"name": "svc",', '"name": "svc", "packageManager": "pnpm@8.6.12",')
    s = _one(tmp_path, {"package.json": package, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n"})
    assert s.package_manager and s.package_manager.version == "8.6.12"


GO_HELPER = (
    'package main\n\nimport (\n\t"net/http"\n\t"os"\n)\n\n'
    "func getenvDefault(name, fallback string) string {\n"
    '\tif v := os.Getenv(name); v != "" {\n\t\treturn v\n\t}\n\treturn fallback\n}\n\n'
    'func main() {\n\taddr := ":" + getenvDefault("PORT", "9000")\n\thttp.ListenAndServe(addr, nil)\n}\n'
)
FLASK = "from flask import Flask\napp = Flask(__name__)\n"


@pytest.mark.parametrize(
    ("files", "port", "where"),
    [
        ({"go.mod": "module example.com/svc\n\ngo 1.23\n", "main.go": GO_HELPER}, 9000, "main.go:16"),
        (
            {"requirements.txt": "flask\n", "app.py": FLASK + 'PORT = int(os.getenv("PORT", "8000"))\n'},
            8000,
            "app.py:3",
        ),
        (
            {
                "package.json": PACKAGE,
                "index.js": "const app = require('express')();\nconst port = process.env.PORT ?? 3000;\n",
            },
            3000,
            "index.js:2",
        ),
        (
            {
                "requirements.txt": "flask\n",
                "app.py": FLASK,
                "Procfile": "web: gunicorn app:app --bind 0.0.0.0:${PORT:-8080}\n",
            },
            8080,
            "Procfile:1",
        ),
        (
            {
                "pom.xml": "<project><artifactId>svc</artifactId><dependencies><dependency>"
                "<artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
                "src/main/resources/application.properties": "server.port=${PORT:8081}\n",
            },
            8081,
            "src/main/resources/application.properties:1",
        ),
    ],
)
def test_a_port_with_a_default_behind_a_variable_is_read_with_its_line(
    tmp_path: Path, files: dict[str, str | bytes], port: int, where: str
) -> None:
    s = _one(tmp_path, files)
    assert s.port is not None and s.port.value == port
    assert str(s.port.evidence[0]) == where
    assert not [u for u in s.unknowns if u.field == "port"]
