"""The runtime and package manager releases a repository declares are the ones its design, image
and CI use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from design.fixtures import design
from helpers import write_tree
from opsmith.analysis import analyze
from opsmith.design.decide import Needs, decide
from opsmith.design.model import Service
from opsmith.generate.dockerfile import render_dockerfile
from opsmith.generate.kubernetes_meta import Context
from opsmith.generate.kubernetes_workloads import environment
from opsmith.generate.specs import (
    RDS_CA_BUNDLE,
    REDIS_CA_VAR,
    ca_variables,
    container_spec,
    database_ca,
    docker_context,
    workspace_member,
)
from opsmith.generate.workflows import render_ci

SERVER = "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT || 3000)\n"
NODE = {
    "package.json": '{"name": "web", "scripts": {"start": "node index.js"}}\n',
    "index.js": SERVER + "// /healthz\n",
}
PYTHON = {
    "requirements.txt": "flask==3.1.0\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n"
    "@app.get('/healthz')\ndef h():\n    return 'ok'\n",
    "Procfile": "web: flask run --port 8000\n",
}
GO = {
    "go.mod": "module example.com/web\n\ngo 1.23.0\n\ntoolchain go1.23.4\n",
    "main.go": 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n',
}


def _generated(root: Path, files: dict[str, str | bytes]) -> tuple[Service, str, dict[str, Any]]:
    design = decide(analyze(write_tree(root, files)), Needs(users=100))
    service = design.services[0]
    spec = container_spec(service)
    assert spec is not None
    return service, render_dockerfile(spec), yaml.safe_load(render_ci(design))


def _setup(ci: dict[str, Any], action: str) -> dict[str, Any]:
    steps = [s for job in ci["jobs"].values() for s in job.get("steps", [])]
    step = next(s for s in steps if str(s.get("uses", "")).startswith(action + "@"))
    return dict(step["with"])


# image repository, setup action and its version input, per ecosystem
SETUP = {
    "node": ("node", "actions/setup-node", "node-version"),
    "python": ("python", "actions/setup-python", "python-version"),
    "go": ("golang", "actions/setup-go", "go-version"),
}


@pytest.mark.parametrize(
    ("files", "declared", "ecosystem"),
    [
        ({**NODE, ".nvmrc": "v22.12.0\n"}, "22.12.0", "node"),
        ({**NODE, ".node-version": "20.11.1\n"}, "20.11.1", "node"),
        ({**PYTHON, ".python-version": "3.12.4\n"}, "3.12.4", "python"),
        (GO, "1.23.4", "go"),
    ],
)
def test_the_declared_runtime_release_is_the_image_and_ci_one(
    tmp_path: Path, files: dict[str, str | bytes], declared: str, ecosystem: str
) -> None:
    image, action, key = SETUP[ecosystem]
    service, dockerfile, ci = _generated(tmp_path, files)
    assert service.build.runtime and service.build.runtime.declared == declared
    assert re.search(rf"^(?:ARG BASE_IMAGE=|FROM ){image}:{re.escape(declared)}-", dockerfile, re.MULTILINE)
    assert _setup(ci, action)[key] == declared


@pytest.mark.parametrize("lock", ["lockfileVersion: '9.0'\n", "lockfileVersion: '6.0'\n"])
def test_pnpm_is_one_pinned_release_in_design_image_and_ci_without_corepack(
    tmp_path: Path, lock: str
) -> None:
    service, dockerfile, ci = _generated(tmp_path, {**NODE, "pnpm-lock.yaml": lock})
    version = service.build.package_manager_version
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"npm install -g pnpm@{version} && pnpm install --frozen-lockfile" in dockerfile
    assert _setup(ci, "pnpm/action-setup")["version"] == version
    assert "corepack" not in dockerfile + yaml.safe_dump(ci)


def test_yarn_berry_gets_its_release_through_a_current_corepack(tmp_path: Path) -> None:
    package = NODE["package.json"].replace('"web",', '"web", "packageManager": "yarn@4.5.3",')
    files: dict[str, str | bytes] = {
        **NODE,
        "package.json": package,
        "yarn.lock": "__metadata:\n  version: 8\n",
    }
    service, dockerfile, ci = _generated(tmp_path, files)
    assert service.build.package_manager_version == "4.5.3"
    assert "corepack prepare yarn@4.5.3 --activate && YARN_ENABLE_IMMUTABLE_INSTALLS=true yarn " in dockerfile
    assert "--frozen-lockfile" not in dockerfile
    steps = [s for job in ci["jobs"].values() for s in job.get("steps", [])]
    assert any("corepack prepare yarn@4.5.3" in str(s.get("run", "")) for s in steps)


@pytest.mark.parametrize(
    ("repository", "cloud", "bundle"),
    [
        ("node-express", "aws", RDS_CA_BUNDLE),  # node-postgres verifies against Node's own store
        ("node-express", "azure", None),  # Azure's servers chain to public roots Node holds
        ("python-fastapi", "aws", None),  # libpq at sslmode=require encrypts without verifying
    ],
)
def test_only_node_on_rds_is_given_the_database_ca(repository: str, cloud: str, bundle: str | None) -> None:
    built = design(repository, users=5_000, cloud=cloud)
    for service in built.services:
        assert database_ca(built, service) == bundle


def test_memorystore_ca_reaches_the_pods_from_the_secret() -> None:
    built = design("node-express", users=200_000, cloud="gcp")
    ctx = Context(built)
    for service in built.services:
        assert ca_variables(built, service) == [REDIS_CA_VAR]
        env, secret_keys, config_keys = environment(ctx, service)
        (item,) = [e for e in env if e["name"] == REDIS_CA_VAR]
        assert item["valueFrom"]["secretKeyRef"]["name"] == ctx.secret_name
        assert REDIS_CA_VAR in secret_keys and REDIS_CA_VAR not in config_keys
    on_aws = design("node-express", users=200_000, cloud="aws")
    assert all(ca_variables(on_aws, s) == [] for s in on_aws.services)


def test_a_workspace_member_is_built_from_the_folder_of_its_lockfile() -> None:
    built = design("monorepo", users=5_000, cloud="aws")
    web = built.service("web")
    api = built.service("api")  # keeps the Dockerfile it has, and its own context
    billing = built.service("billing")
    assert web is not None and api is not None and billing is not None
    assert (docker_context(web), workspace_member(web)) == (".", "apps/web")
    assert (docker_context(api), workspace_member(api)) == ("apps/api", None)
    assert (docker_context(billing), workspace_member(billing)) == ("services/billing", None)
    spec = container_spec(web)
    assert spec is not None and spec.path == "apps/web" and spec.workspace_member == "apps/web"
