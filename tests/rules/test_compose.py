"""The DC rules end to end: a real schema validator as a peer, the Dockerfile next door, overrides,
suppressions, and secrets never printed whole. Per-rule fire/near-miss cases live in
tests/rules/cases/compose/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import audit_tree, found, write_tree
from opsmith.audit.engine import Target, audit
from opsmith.config import Config

CASES = Path(__file__).parent / "cases" / "compose"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"
SCHEMA = Path(__file__).resolve().parents[2] / "src" / "opsmith" / "data" / "schemas" / "compose-spec.json"
DC = Config(select=("DC",), fail_on=None)
# Where Compose (and so opsmith) and a plain schema check must disagree: the file is only valid
# once variables are interpolated (`required: ${DB_REQUIRED:-true}`).
VALID_ONLY_AFTER_INTERPOLATION = {"dc010-interpolation/docker-compose-dev.yml"}


def _compose_case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*.y*ml") if p.name != "expected.txt")


def _check_jsonschema() -> str | None:
    beside = Path(sys.executable).parent / "check-jsonschema"
    return str(beside) if beside.exists() else shutil.which("check-jsonschema")


def test_dc010_agrees_with_check_jsonschema_on_every_case() -> None:
    """check-jsonschema (the validator behind the usual pre-commit hook), given the same vendored
    schema, rejects exactly the files opsmith reports under DC010, but for the interpolation cases
    Compose allows."""
    peer = _check_jsonschema()
    if peer is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    files = _compose_case_files()
    proc = subprocess.run(
        [peer, "--schemafile", str(SCHEMA), "-o", "json", *[str(f) for f in files]],
        capture_output=True,
        text=True,
        check=False,
        cwd=CASES,
    )
    report = json.loads(proc.stdout)
    rejected = {
        Path(e["filename"]).resolve() for e in report.get("errors", []) + report.get("parse_errors", [])
    }
    peer_says = {f.relative_to(CASES).as_posix() for f in files if f.resolve() in rejected}
    ours: set[str] = set()
    for case in sorted({f.parent for f in files}):
        result = audit_tree(case, Config(select=("DC010",), fail_on=None))
        ours |= {f"{case.name}/{f.path}" for f in result.findings}
    assert peer_says - ours == VALID_ONLY_AFTER_INTERPOLATION
    only_ours = ours - peer_says
    assert only_ours == set(), only_ours
    assert "dc010-schema/docker-compose.yml" in ours and "careful/compose.yaml" not in ours


def test_a_healthcheck_in_the_dockerfile_built_here_counts(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build:\n      context: ./api\n      dockerfile: api.Dockerfile\n"
    write_tree(tmp_path, {"compose.yaml": compose, "api/api.Dockerfile": "FROM node:22.11.0-slim\n"})
    assert found(audit_tree(tmp_path, DC), "DC002") == [("DC002", "compose.yaml", 2)]
    write_tree(
        tmp_path,
        {"api/api.Dockerfile": 'FROM node:22.11.0-slim\nHEALTHCHECK CMD ["node", "check.js"]\n'},
    )
    assert found(audit_tree(tmp_path, DC), "DC002") == []


def test_build_context_is_relative_to_the_compose_file(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build:\n      context: ..\n      dockerfile: docker/api.Dockerfile\n"
    write_tree(
        tmp_path,
        {
            "deploy/compose.yaml": compose,
            "docker/api.Dockerfile": 'FROM node:22.11.0-slim\nHEALTHCHECK CMD ["node", "check.js"]\n',
            "deploy/docker/api.Dockerfile": "FROM node:22.11.0-slim\n",  # not the one built
        },
    )
    assert found(audit_tree(tmp_path, DC), "DC002") == []


def test_a_dockerfile_that_does_not_parse_gets_the_benefit_of_the_doubt(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: ./api\n",
            "api/Dockerfile": "FROOM node\n",
        },
    )
    result = audit_tree(tmp_path, Config(select=("DC", "DF018"), fail_on=None))
    assert ("DF018", "api/Dockerfile", 1) in found(result)
    assert found(result, "DC002") == []


def test_only_the_compose_file_given_explicitly(tmp_path: Path) -> None:
    """Without the repository's Dockerfiles a built service is not judged on its healthcheck, but
    everything the compose file says on its own still is."""
    write_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: .\n    privileged: true\n",
            "Dockerfile": "FROM node:22.11.0-slim\n",
        },
    )
    result = audit(Target(tmp_path, files=(tmp_path / "compose.yaml",)), DC)
    rules = {f.rule for f in result.findings}
    assert "DC006" in rules and "DC002" not in rules


def test_override_files_complete_the_base_service(tmp_path: Path) -> None:
    base = "services:\n  db:\n    image: postgres:16.4\n    ports: ['5432:5432']\n"
    write_tree(tmp_path, {"docker-compose.yml": base})
    before = {f.rule for f in audit_tree(tmp_path, DC).findings}
    assert {"DC002", "DC005", "DC007", "DC008", "DC009"} <= before
    override = """\
services:
  db:
    restart: unless-stopped
    healthcheck: {test: ["CMD-SHELL", "pg_isready"]}
    volumes: [pgdata:/var/lib/postgresql/data]
    mem_limit: 1g
volumes:
  pgdata:
"""
    write_tree(tmp_path, {"docker-compose.override.yml": override})
    after = found(audit_tree(tmp_path, DC))
    assert after == [("DC007", "docker-compose.yml", 4)]  # the override does not unpublish it


def test_projects_in_different_folders_are_judged_apart(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "prod/compose.yaml": "services:\n  db:\n    image: redis:7.4.1\n",
            "dev/compose.yaml": "services:\n  db:\n    image: redis:7.4.1\n    volumes: ['data:/data']\n",
        },
    )
    assert found(audit_tree(tmp_path, Config(select=("DC005",), fail_on=None))) == [
        ("DC005", "prod/compose.yaml", 2)
    ]


def test_findings_of_repository_rules_can_be_suppressed_inline(tmp_path: Path) -> None:
    compose = """\
services:
  db:
    image: postgres:16.4
    volumes: [pgdata:/var/lib/postgresql/data]
    ports:
      # opsmith: ignore[DC007] the VPN host has no public interface
      - "5432:5432"
      - "5433:5432"
volumes:
  pgdata:
"""
    write_tree(tmp_path, {"compose.yaml": compose})
    assert found(audit_tree(tmp_path, Config(select=("DC007",), fail_on=None))) == [
        ("DC007", "compose.yaml", 8)
    ]


@pytest.mark.parametrize("target", ["9" * 5000, "5432-" + "9" * 5000, "５４３２", "²", "99999"])
def test_port_numbers_that_are_not_ports_are_judged_without_crashing(tmp_path: Path, target: str) -> None:
    compose = f"""\
services:
  db:
    image: postgres:16.4
    volumes: [pgdata:/var/lib/postgresql/data]
    ports:
      - "5433:{target}"
      - "5432:5432"
volumes:
  pgdata:
"""
    write_tree(tmp_path, {"compose.yaml": compose})
    result = audit_tree(tmp_path, Config(select=("DC007",), fail_on=None))
    assert found(result) == [("DC007", "compose.yaml", 7)]
    assert not any("internal error" in note for note in result.notes)


def test_secrets_are_never_printed_whole() -> None:
    result = audit_tree(CASES / "dc004-secrets", Config(select=("DC004", "DC011"), fail_on=None))
    messages = " ".join(f.message for f in result.findings)
    assert len(result.findings) == 11
    for secret in (
        "Sup3rS3cret",
        "b6f1c0f5a9d24e8f8e4e2d7c",
        "AKIA" + "4Q7ZK2M9TXW3HB6D",  # split: opsmith audits itself
        "vQ8mZ2kR5tX9wL3nB7cY4dH6",
        "devpassword",
        "devpass@",
    ):
        assert secret not in messages


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01binary", b"\xff\xfe\x00s\x00e\x00r", b"services:\n  api:\n    image: ["],
)
def test_unreadable_compose_files_are_dc010_not_crashes(tmp_path: Path, content: bytes) -> None:
    write_tree(tmp_path, {"docker-compose.yml": content})
    result = audit_tree(tmp_path, DC)
    assert [f.rule for f in result.findings] == ["DC010"]
    assert not any("internal error" in note for note in result.notes)


def test_compose_file_names() -> None:
    from opsmith.audit.families import families_by_name

    for name in ("compose.yaml", "docker-compose.yml", "docker-compose.prod.yml", "docker-compose-dev.yaml"):
        assert families_by_name(f"deploy/{name}") == {"compose"}, name
    for name in ("compose-notes.yml", "my-docker-compose.yml", "compose.json"):
        assert "compose" not in families_by_name(name), name


def test_the_example_shows_every_compose_mistake() -> None:
    result = audit_tree(EXAMPLE, DC)
    rules = {f.rule for f in result.findings}
    assert rules == {f"DC{n:03d}" for n in range(1, 12)} - {"DC010"}
    assert {f.path for f in result.findings} == {"docker-compose.yml"}


def test_values_of_the_wrong_shape_are_dc010_and_nothing_else_breaks(tmp_path: Path) -> None:
    odd = """\
services:
  a:
    image: 5
    ports: {a: 1}
    volumes: "x:/data"
    environment: 5
    depends_on: db
    healthcheck: [1]
    deploy: []
    build: [1]
    command: {a: 1}
    extends: 5
    cap_add: ALL
    tmpfs: 5
    restart: [1]
    privileged: {}
    network_mode: [host]
  b:
    image: postgres:16.4
    ports: ["abc", "1-99999999", 5432, "::::"]
    volumes: [{type: bind}, {source: x}, "", ":::"]
    depends_on: {a: null, b: {condition: [1]}}
    environment: [[1], "=", "A=${", null]
    deploy: {resources: {limits: []}, restart_policy: 3}
    extends: {service: b}
  c: null
"""
    write_tree(
        tmp_path, {"compose.yaml": odd, "compose.override.yaml": "services:\n  b: [1]\n  d: {extends: a}\n"}
    )
    result = audit_tree(tmp_path, DC)
    assert not any("internal error" in note for note in result.notes), result.notes
    assert any(f.rule == "DC010" and f.path == "compose.yaml" for f in result.findings)


def _severities(case: str, rule: str) -> dict[int | None, str]:
    result = audit_tree(CASES / case, Config(select=(rule,), fail_on=None))
    return {f.line: f.severity.label for f in result.findings}


def test_dc002_warns_only_for_services_another_waits_on() -> None:
    # `cache` is in app's depends_on; nothing depends on `adminer`
    assert _severities("dc002-one-shot", "DC002") == {8: "warning", 17: "info"}


def test_dc006_is_info_for_host_agents_and_an_error_for_the_rest() -> None:
    assert _severities("dc006-host-agents", "DC006") == {4: "info", 5: "info", 8: "info", 11: "error"}


def test_dc003_is_info_where_service_started_is_written_out() -> None:
    # lines 5 and 7: the short form; line 11: `condition: service_started` chosen on purpose
    assert _severities("dc003-depends-on", "DC003") == {5: "warning", 7: "warning", 11: "info"}


def test_dc006_is_info_for_the_socket_of_tools_that_drive_the_engine() -> None:
    # the socket of Portainer, Traefik and Watchtower is info; watchtower's `privileged`, a whole
    # `/var/run` and a look-alike name (`portal`) stay errors
    assert _severities("dc006-engine-tools", "DC006") == {
        5: "info",
        9: "info",
        12: "error",
        14: "info",
        18: "error",
        22: "error",
    }


def test_dc010_is_info_for_a_file_of_only_comments_and_an_error_for_a_broken_one(tmp_path: Path) -> None:
    seam = "# Extras layer: forks add their services here.\n#\n# services:\n#   backend:\n#     image: x\n"
    write_tree(tmp_path, {"a/compose.extras.yaml": seam, "b/compose.yaml": "services:\n  api: [1]\n"})
    result = audit_tree(tmp_path, Config(select=("DC010",), fail_on=None))
    assert {(f.path, f.severity.label) for f in result.findings} == {
        ("a/compose.extras.yaml", "info"),
        ("b/compose.yaml", "error"),
    }


def test_dc004_is_info_for_a_samples_throwaway_passwords_only() -> None:
    assert _severities("dc004-sample-passwords", "DC004") == {
        7: "info",  # MARIADB_PASSWORD equals MARIADB_USER
        8: "error",
        13: "info",  # equals WIKI_DB_NAME
        14: "info",  # `reports_password` for WIKI_REPORTS_PASSWORD
        15: "error",
        16: "error",  # a password in a URL is judged as such
        20: "error",  # `postgres` with no user or database beside it
    }
