"""DF rules where the severity depends on what the image is for (the cases under
tests/rules/cases/dockerfile/ say which findings fire; this says how loudly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audit_tree, write_tree
from opsmith.config import Config

DF = Config(select=("DF003", "DF004", "DF008"), fail_on=None)
SERVICE = 'FROM node:22.11.0-slim\nWORKDIR /app\nCOPY server.js .\nEXPOSE 3000\nCMD ["node", "server.js"]\n'
RUNNER = (
    'FROM cypress/included:13.15.2\nWORKDIR /e2e\nCOPY cypress.config.js .\nENTRYPOINT ["cypress", "run"]\n'
)


def _found(root: Path) -> set[tuple[str, str, str]]:
    return {(f.rule, f.path, f.severity.label) for f in audit_tree(root, DF).findings}


def test_root_in_a_test_runner_is_advice_and_in_a_service_an_error(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".dockerignore": ".git\n",
            "web/Dockerfile": SERVICE,
            "web/server.js": "",
            "web/.dockerignore": "node_modules\n",
            "e2e/Dockerfile": RUNNER,
            "e2e/cypress.config.js": "",
            "e2e/.dockerignore": "node_modules\n",
        },
    )
    found = _found(tmp_path)
    assert ("DF003", "web/Dockerfile", "error") in found
    assert ("DF003", "e2e/Dockerfile", "info") in found
    # a service run with plain Docker gets the HEALTHCHECK advice; the runner does not
    assert ("DF004", "web/Dockerfile", "info") in found
    assert not any(rule == "DF004" and path == "e2e/Dockerfile" for rule, path, _ in found)


def test_dockerignore_is_a_warning_only_where_the_context_holds_git(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "web/Dockerfile": SERVICE,
            "web/server.js": "",
            "docker/Dockerfile": (
                "FROM alpine:3.20.3\nCOPY docker/run.sh /run.sh\n"
                'RUN --mount=type=bind,target=/src true\nCMD ["/run.sh"]\n'
            ),
            "docker/run.sh": "#!/bin/sh\n",
        },
    )
    df008 = {(path, sev) for rule, path, sev in _found(tmp_path) if rule == "DF008"}
    # web/ is its own context (server.js is there); docker/Dockerfile copies docker/run.sh, so the
    # repository root, with .git, is its context
    assert df008 == {("web/Dockerfile", "info"), ("docker/Dockerfile", "warning")}


def test_a_dockerignore_missing_git_is_reported_once_for_all_its_dockerfiles(tmp_path: Path) -> None:
    copy_root = 'FROM alpine:3.20.3\nCOPY {d}/run.sh /run.sh\nCOPY . /src\nCMD ["/run.sh"]\n'
    files = {".dockerignore": "node_modules\n"}
    for name in ("a", "b", "c"):
        files[f"{name}/Dockerfile"] = copy_root.format(d=name)
        files[f"{name}/run.sh"] = "#!/bin/sh\n"
    write_tree(tmp_path, files)
    df008 = [(path, sev) for rule, path, sev in _found(tmp_path) if rule == "DF008"]
    assert df008 == [(".dockerignore", "warning")]
    (tmp_path / ".dockerignore").write_text("node_modules\n.git\n")
    assert not any(rule == "DF008" for rule, _, _ in _found(tmp_path))


@pytest.mark.parametrize(
    ("instruction", "sends_git"),
    [
        ("COPY app/ /app", False),  # BuildKit transfers only the named paths
        ("COPY app/*.py /app", False),
        ("COPY --from=builder / /", False),  # another stage, not the context
        ("ADD https://example.com/x.tgz /x", False),
        ("COPY . /app", True),
        ("COPY .* /cfg/", True),  # a pattern that matches .git
        ("COPY ${SRC} /app", True),  # cannot be read: assume the worst
        ("COPY app/${ARCH}/run /app/run", False),  # a variable below a named folder stays in it
        ("RUN --mount=type=bind,target=/src make -C /src", True),
        ("RUN --mount=type=bind,source=app,target=/src make -C /src", False),
    ],
)
def test_root_context_without_git_exclusion_only_matters_when_git_is_sent(
    tmp_path: Path, instruction: str, sends_git: bool
) -> None:
    dockerfile = f'FROM alpine:3.20.3 AS builder\nFROM alpine:3.20.3\n{instruction}\nCMD ["/app/run"]\n'
    write_tree(tmp_path, {"Dockerfile": dockerfile, "app/run": "", ".dockerignore": "node_modules\n"})
    df008 = [path for rule, path, _ in _found(tmp_path) if rule == "DF008"]
    assert df008 == ([".dockerignore"] if sends_git else [])


def test_no_healthcheck_advice_where_kubernetes_probes_the_images(tmp_path: Path) -> None:
    containers = "      containers:\n        - name: web\n          image: registry.example.com/web:1.0.0\n"
    probe = "          readinessProbe: {httpGet: {path: /healthz, port: 3000}}\n"
    manifest = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n" + containers + probe
    write_tree(tmp_path, {"web/Dockerfile": SERVICE, "web/server.js": "", "k8s/web.yaml": manifest})
    assert not any(rule == "DF004" for rule, _, _ in _found(tmp_path))
    (tmp_path / "k8s" / "web.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n")
    assert any(rule == "DF004" for rule, _, _ in _found(tmp_path))


def test_a_wasm_module_image_has_no_user_to_ask_for_and_a_scratch_binary_does(tmp_path: Path) -> None:
    build = "FROM rust:1.82.0 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    write_tree(
        tmp_path,
        {
            "wasm/Dockerfile": build
            + 'FROM scratch\nENTRYPOINT ["orders.wasm"]\nCOPY --from=build /src/o.wasm /orders.wasm\n',
            "native/Dockerfile": build
            + 'FROM scratch\nENTRYPOINT ["/orders"]\nCOPY --from=build /src/orders /orders\n',
        },
    )
    found = {(f.rule, f.path) for f in audit_tree(tmp_path, Config(select=("DF003",), fail_on=None)).findings}
    assert found == {("DF003", "native/Dockerfile")}


def test_package_extras_are_advice_in_a_code_generator_image_and_a_warning_in_a_service(
    tmp_path: Path,
) -> None:
    install = "RUN apk add protobuf-dev\n"
    write_tree(
        tmp_path,
        {
            "genproto/Dockerfile": "FROM alpine:3.20.3 AS builder\n" + install + "RUN protoc --version\n",
            "api/Dockerfile": "FROM alpine:3.20.3\n" + install + 'EXPOSE 8080\nCMD ["/api"]\n',
        },
    )
    found = {
        (f.path, f.severity.label)
        for f in audit_tree(tmp_path, Config(select=("DF010",), fail_on=None)).findings
    }
    assert found == {("genproto/Dockerfile", "info"), ("api/Dockerfile", "warning")}


def _df016(root: Path, dockerfile: str) -> list[tuple[str, str]]:
    write_tree(root, {"Dockerfile": dockerfile, ".env": "API_TOKEN=abc\n", "package.json": "{}\n"})
    return [(f.severity.label, f.message) for f in audit_tree(root, Config(select=("DF016",))).findings]


def test_a_secret_left_in_a_builder_stage_is_advice(tmp_path: Path) -> None:
    builder = "FROM node:22.11.0-slim AS builder\nWORKDIR /src\nCOPY . .\nRUN npm ci && npm run build\n"
    named = _df016(tmp_path, builder + "FROM scratch\nCOPY --from=builder /src/dist/app.apk /app.apk\n")
    assert [sev for sev, _ in named] == ["info"]
    assert "only into build stage `builder`" in named[0][1]
    # the final stage takes the folder the .env landed in: it ships
    whole = _df016(tmp_path, builder + "FROM node:22.11.0-slim\nCOPY --from=builder /src /app\n")
    assert [sev for sev, _ in whole] == ["error"]
    globbed = _df016(tmp_path, builder + "FROM node:22.11.0-slim\nCOPY --from=builder /src/.* /app/\n")
    assert [sev for sev, _ in globbed] == ["error"]
    # a final stage built FROM the builder holds everything it holds
    child = _df016(tmp_path, builder + 'FROM builder AS runtime\nCMD ["node", "dist/server.js"]\n')
    assert [sev for sev, _ in child] == ["error"]


def test_a_secret_reaching_the_image_through_an_intermediate_stage_is_an_error(tmp_path: Path) -> None:
    dockerfile = (
        "FROM node:22.11.0-slim AS builder\nWORKDIR /src\nCOPY .env ./\n"
        "FROM node:22.11.0-slim AS assemble\nCOPY --from=builder /src /bundle\n"
        "FROM node:22.11.0-slim\nCOPY --from=assemble /bundle /app\n"
    )
    assert [sev for sev, _ in _df016(tmp_path, dockerfile)] == ["error"]
