"""The Compose reader: interpolation, every short and long syntax, and DC010's problems placed on
the right line."""

from __future__ import annotations

import pytest

from opsmith.audit.source import SourceFile
from opsmith.parse.compose import (
    UNKNOWN,
    ComposeDoc,
    expand,
    has_interpolation,
    interpolation_error,
    parse,
    short_mount,
    short_port,
    without_variables,
)
from opsmith.parse.errors import ParseFailure


def _doc(text: str, name: str = "compose.yaml") -> ComposeDoc:
    doc = parse(SourceFile(name, text))
    assert isinstance(doc, ComposeDoc), doc
    return doc


def _problems(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in _doc(text).problems]


@pytest.mark.parametrize(
    ("text", "strict", "partial", "masked"),
    [
        ("plain", "plain", "plain", "plain"),
        ("$VAR", None, UNKNOWN, "${_}"),
        ("${VAR}", None, UNKNOWN, "${_}"),
        ("${VAR:-dflt}", "dflt", "dflt", "${_}"),
        ("${VAR-dflt}", "dflt", "dflt", "${_}"),
        ("${VAR:?must be set}", None, UNKNOWN, "${_}"),
        ("${VAR?}", None, UNKNOWN, "${_}"),
        ("${VAR:+alt}x", "x", "x", "${_}x"),
        ("${A:-${B:-deep}}!", "deep!", "deep!", "${_}!"),
        ("${A:-${B}}", None, UNKNOWN, "${_}"),
        ("$$VAR costs $$5", "$VAR costs $5", "$VAR costs $5", "$$VAR costs $$5"),
        ("$5 and $ alone", "$5 and $ alone", "$5 and $ alone", "$5 and $ alone"),
        ("u:${PW:-s3cret}@h", "u:s3cret@h", "u:s3cret@h", "u:${_}@h"),
    ],
)
def test_interpolation_with_no_variable_set(text: str, strict: str | None, partial: str, masked: str) -> None:
    assert expand(text) == strict
    assert expand(text, partial=True) == partial
    assert without_variables(text) == masked


@pytest.mark.parametrize(
    "text", ["${", "${VAR", "${}", "${1VAR}", "${VAR.field}", "${A:-${B}", "x${VAR:-${}}"]
)
def test_invalid_templates(text: str) -> None:
    assert interpolation_error(text) is not None
    assert expand(text) is None


def test_has_interpolation_ignores_escaped_dollars() -> None:
    assert has_interpolation("${PORT}:80") and has_interpolation("$HOME/x")
    assert not has_interpolation("$$HOME") and not has_interpolation("costs $5")


@pytest.mark.parametrize(
    ("text", "host_ip", "published", "target"),
    [
        ("3000", None, None, "3000"),
        ("8080:80", None, "8080", "80"),
        ("127.0.0.1:5432:5432", "127.0.0.1", "5432", "5432"),
        ("0.0.0.0:5432:5432/tcp", "0.0.0.0", "5432", "5432"),
        ("[::1]:6379:6379", "::1", "6379", "6379"),
        ("::1:6379:6379", "::1", "6379", "6379"),
        ("127.0.0.1::5432", "127.0.0.1", "", "5432"),
        ("5000-5010:5000-5010", None, "5000-5010", "5000-5010"),
        ("${PORT:-8080}:80", None, "8080", "80"),
        ("${PORT}:80", None, UNKNOWN, "80"),
        ("${BIND}:5432:5432", UNKNOWN, "5432", "5432"),
    ],
)
def test_short_port_syntax(text: str, host_ip: str | None, published: str | None, target: str) -> None:
    port = short_port(text, 7)
    assert (port.host_ip, port.published, port.target, port.line) == (host_ip, published, target, 7)


@pytest.mark.parametrize(
    ("text", "kind", "source", "target"),
    [
        ("/var/lib/mysql", "volume", None, "/var/lib/mysql"),
        ("pgdata:/var/lib/postgresql/data", "volume", "pgdata", "/var/lib/postgresql/data"),
        ("./data:/data:rw", "bind", "./data", "/data"),
        ("~/cache:/cache", "bind", "~/cache", "/cache"),
        (
            "/var/run/docker.sock:/var/run/docker.sock:ro",
            "bind",
            "/var/run/docker.sock",
            "/var/run/docker.sock",
        ),
        ("C:\\data:/data", "bind", "C:\\data", "/data"),
        ("${DATA_DIR:-./pg}:/var/lib/postgresql/data", "bind", "./pg", "/var/lib/postgresql/data"),
        ("${DATA_DIR}:/data", "bind", UNKNOWN, "/data"),
    ],
)
def test_short_volume_syntax(text: str, kind: str, source: str | None, target: str) -> None:
    mount = short_mount(text, 3)
    assert (mount.type, mount.source, mount.target) == (kind, source, target)


def test_service_fields_in_both_syntaxes() -> None:
    doc = _doc(
        """\
services:
  api:
    image: ghcr.io/acme/api:1.0.0
    environment:
      - A=1
      - PASSTHROUGH
      - EMPTY=
    depends_on: [db]
    ports:
      - target: 3000
        published: "8080"
        host_ip: 127.0.0.1
    volumes:
      - type: bind
        source: ./src
        target: /app/src
    command: node server.js --port "3000"
    deploy:
      restart_policy: {max_attempts: 3}
      resources:
        limits: {memory: 256M}
  db:
    build:
      context: ./db
      dockerfile: db.Dockerfile
      target: prod
      args: {PG_MAJOR: "16"}
    environment:
      POSTGRES_USER: shop
      NULLED:
    depends_on:
      cache:
        condition: service_healthy
    healthcheck:
      disable: true
    cpus: 0.5
    privileged: true
    extends: {service: base, file: common.yml}
"""
    )
    api, db = doc.services
    assert (api.name, api.line, api.image and api.image.line) == ("api", 2, 3)
    assert [(e.name, e.value, e.line) for e in api.environment] == [
        ("A", "1", 5),
        ("PASSTHROUGH", None, 6),
        ("EMPTY", "", 7),
    ]
    assert [(d.service, d.condition, d.line) for d in api.depends_on] == [("db", "service_started", 8)]
    port = api.ports[0]
    assert (port.host_ip, port.published, port.target, port.line) == ("127.0.0.1", "8080", "3000", 10)
    assert [(m.type, m.source, m.target) for m in api.volumes] == [("bind", "./src", "/app/src")]
    assert api.command == ("node", "server.js", "--port", "3000")
    assert api.restart_policy is not None and api.restart_policy.text == "any"
    assert api.memory_limit is not None and api.memory_limit.text == "256M" and api.cpu_limit is None
    assert db.build is not None
    assert (db.build.context, db.build.dockerfile, db.build.target) == ("./db", "db.Dockerfile", "prod")
    assert [(a.name, a.value) for a in db.build.args] == [("PG_MAJOR", "16")]
    assert [(e.name, e.value) for e in db.environment] == [("POSTGRES_USER", "shop"), ("NULLED", None)]
    assert [(d.service, d.condition, d.line) for d in db.depends_on] == [("cache", "service_healthy", 32)]
    assert db.healthcheck is not None and db.healthcheck.disabled and not db.healthcheck.has_test
    assert db.cpu_limit is not None and db.cpu_limit.text == "0.5"
    assert db.options["privileged"].truthy()
    assert db.extends is not None and (db.extends.service, db.extends.file) == ("base", "common.yml")
    assert db.complete and api.complete


def test_healthcheck_forms() -> None:
    doc = _doc(
        """\
services:
  a: {image: x:1, healthcheck: {test: ["CMD", "true"]}}
  b: {image: x:1, healthcheck: {test: ["NONE"]}}
  c: {image: x:1, healthcheck: {test: "curl -f http://localhost/"}}
  d: {image: x:1, healthcheck: {interval: 5s}}
  e: {image: x:1, healthcheck: {disable: "${NO_HEALTH:-true}"}}
"""
    )
    forms = {s.name: (s.healthcheck.disabled, s.healthcheck.has_test) for s in doc.services if s.healthcheck}
    assert forms == {
        "a": (False, True),
        "b": (True, False),
        "c": (False, True),
        "d": (False, False),
        "e": (True, False),
    }


def test_schema_problems_point_at_the_offending_line() -> None:
    problems = _problems(
        """\
services:
  web:
    image: nginx:1.27.2
    volumes:
      - type: bind
        sorce: ./html
        target: /usr/share/nginx/html
    stop_grace_period: 10
    depends_on:
      db: {condition: service_ready}
"""
    )
    assert [line for line, _ in problems] == [6, 8, 10]
    assert "unknown key `sorce` in `services.web.volumes[0]`" in problems[0][1]
    assert "did you mean `source`" in problems[0][1]
    assert problems[1][1] == "`services.web.stop_grace_period` must be a string, not an integer"
    assert problems[2][1].startswith(
        "`services.web.depends_on.db.condition` must be one of `service_started`"
    )


def test_a_broken_value_does_not_also_make_its_siblings_unknown() -> None:
    # the service schema uses unevaluatedProperties: a failing `ports` must not report `image` too
    problems = _problems("services:\n  web:\n    image: nginx:1.27.2\n    ports: 80\n")
    assert problems == [(4, "`services.web.ports` must be a list, not an integer")]


def test_interpolated_values_are_validated_after_interpolation() -> None:
    text = """\
services:
  api:
    image: acme/api:1.0.0
    privileged: ${PRIV:-false}
    ports: ["${PORT}:80", "${METRICS}"]
    depends_on:
      db: {condition: service_healthy, required: "${DB_REQUIRED:-true}"}
    deploy: {replicas: "${REPLICAS:-2}"}
  db: {image: "postgres:${PG:-16}"}
"""
    assert _problems(text) == []
    # a literal in the same place is still an error
    assert [line for line, _ in _problems(text.replace('"${DB_REQUIRED:-true}"', "maybe"))] == [7]


def test_duplicate_keys_and_bad_templates_are_problems() -> None:
    problems = _problems(
        """\
services:
  api:
    image: acme/api:1.0.0
    environment:
      GREETING: "${NAME:-world"
    image: acme/api:1.0.1
x-note: "${}"
"""
    )
    assert [line for line, _ in problems] == [5, 6, 7]
    assert "written twice" in problems[1][1]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("# nothing yet\n", 1),
        ("- a\n- b\n", 1),
        ("just a string\n", 1),
        ("services:\n  api:\n    image: [unclosed\n", 4),
    ],
)
def test_files_compose_refuses_outright(text: str, line: int) -> None:
    failure = parse(SourceFile("compose.yaml", text))
    assert isinstance(failure, ParseFailure) and failure.line == line


def test_alias_bombs_are_refused_not_expanded() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    text = "x-bomb:\n" + "\n".join(f"  {level}" for level in levels) + "\nservices: {}\n"
    failure = parse(SourceFile("compose.yaml", text))
    assert isinstance(failure, ParseFailure) and "expands to more than" in failure.message
    assert failure.line == 7  # a5, the first level that alone expands past the bound


def test_odd_keys_and_values_do_not_crash() -> None:
    doc = _doc(
        """\
services:
  123:
    image: acme/numbered:1.0.0
    environment: {1: one, true: yes}
    labels: {built: 2024-01-01}
  web: nginx
"""
    )
    assert [s.name for s in doc.services] == ["123"]
    assert any("`services.web`" in p.message for p in doc.problems)


def test_several_documents_are_read() -> None:
    doc = _doc("services:\n  a: {image: x:1}\n---\nservices:\n  b: {image: y:1}\n  c: {imag: z}\n")
    assert [s.name for s in doc.services] == ["a", "b", "c"]
    assert [p.line for p in doc.problems] == [6]
